"""The persistent print queue: submit, reprint, send in order, recover after a crash.

No Flask here: domain modules, the CLI and the worker thread call these with
a database connection open. Jobs are sent strictly in order; a failed send
leaves the job queued with the reason and stops the run, so nothing behind
it jumps the queue.
"""

import logging
from dataclasses import dataclass
from dataclasses import field

from peewee import IntegrityError
from peewee import fn

from kiosk import audit
from kiosk.errors import Conflict
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.models import database
from kiosk.models import utcnow
from kiosk.printing import charset
from kiosk.printing import escpos_build
from kiosk.printing.backends import PrinterError
from kiosk.printing.models import CANCELLED
from kiosk.printing.models import FAILED
from kiosk.printing.models import HELD
from kiosk.printing.models import PRINTED
from kiosk.printing.models import PRINTING
from kiosk.printing.models import QUEUED
from kiosk.printing.models import PrintJob
from kiosk.printing.profiles import get_profile
from kiosk.printing.ticket import Ticket

log = logging.getLogger(__name__)

INTERRUPTED = (
    "interrupted while printing (the kiosk stopped mid-job): it may have printed; "
    "reprint it if the ticket did not come out"
)


@dataclass
class QueueRun:
    """What one pass over the queue did."""

    printed: list = field(default_factory=list)  # job ids, in the order sent
    held: list = field(default_factory=list)  # job ids held back as too old to print
    failed_job: int | None = None
    error: PrinterError | None = None


def submit(ticket, profile, unprintable="reject"):
    """Build the ticket's bytes for profile and queue them; return the PrintJob.

    ``unprintable="reject"`` raises charset.UnprintableText for characters
    the printer's font lacks; ``"replace"`` prints □ in their place.
    A second submit of the same kind and code raises Conflict: another copy
    is a reprint(), which says why.
    """
    if unprintable == "replace":
        ticket = ticket.map_texts(lambda text: charset.replace_unprintable(text, profile.encoding))
    elif unprintable != "reject":
        raise ValueError("unprintable must be 'reject' or 'replace'")
    data = escpos_build.build(ticket, profile)
    try:
        with database.atomic():
            return PrintJob(
                kind=ticket.kind, code=ticket.code, ticket=ticket.to_json(), data=data, profile=profile.spec
            ).insert_row()
    except IntegrityError as exc:
        raise Conflict(
            N_("Ticket %(code)s was already sent to the printer. Ask a volunteer to reprint it."),
            code=ticket.code,
        ) from exc


def reprint(job_id, reason, volunteer_id=None, subject=None):
    """Queue the SAME bytes of an earlier job again, marked as a reprint, and audit it.

    The audit entry (action "reprint", who and why) is written in the same
    transaction; ``subject`` defaults to ``kind:CODE`` with the code's
    reading dashes removed (``voucher:7K9MQ2XA``), as kiosk.tokens codes are.
    """
    reason = audit.require_reason(" ".join((reason or "").split()))
    with database.atomic():
        job = PrintJob.get_or_none(PrintJob.id == job_id)
        if job is None:
            raise NotFound(N_("There is no print job %(job)s."), job=job_id)
        original = PrintJob.get_by_id(job.reprint_of_id) if job.reprint_of_id else job
        family = (PrintJob.id == original.id) | (PrintJob.reprint_of == original.id)
        if PrintJob.select().where(family & PrintJob.state.in_([QUEUED, PRINTING])).exists():
            raise Conflict(
                N_("Ticket %(code)s is still waiting for the printer; it prints as soon as the printer is ready."),
                code=original.code or original.name,
            )
        copy = PrintJob.create(
            kind=original.kind,
            code=original.code,
            ticket=original.ticket,
            data=original.data,
            profile=original.profile,
            reprint_of=original,
            reprint_reason=reason,
        )
        audit.record(
            "reprint",
            subject or f"{original.kind}:{original.code.replace('-', '') or original.name}",
            volunteer_id=volunteer_id,
            reason=reason,
            detail=f"print job {copy.id}, a copy of job {original.id}",
        )
    log.info("print job %s: reprint of %s (%s %s): %s", copy.id, original.id, original.kind, original.code, reason)
    return copy


def process_queue(backend, limit=None, stale_after=None, hold_after=None, stopping=None):
    """Send queued jobs in order until the queue is empty, limit is reached, a send fails or ``stopping()``.

    ``stopping`` is asked before each job: a normal stop lets the job being
    sent finish and leaves the rest queued (clearly unsent), never one
    half-sent and "interrupted, may have printed".

    A job queued longer than ``stale_after`` (a timedelta) ago is not sent
    but held back for a volunteer (state failed, ``HELD``): after a long
    paper-out its worker has gone, and a burst of old tickets only confuses
    the people at the kiosk. The volunteer reprints the ones still wanted.
    ``hold_after`` ({kind: timedelta}) sets a shorter limit for some kinds:
    a gift-pack voucher whose worker stood at the kiosk a minute ago must not
    drop into an empty tray minutes later.
    """
    run = QueueRun()
    hold_after = hold_after or {}
    # The job just sent: its "printed" mark is written with the next job's claim, one commit per
    # ticket while a backlog drains instead of two (each commit waits for the disk), and on its own
    # when the run ends, however it ends.
    sent = None
    try:
        while limit is None or len(run.printed) < limit:
            if stopping is not None and stopping():
                break
            job = PrintJob.waiting().first()
            if job is None:
                break
            limits = [after for after in (stale_after, hold_after.get(job.kind)) if after]
            if limits and job.created_at < utcnow() - min(limits):
                with database.atomic():
                    _mark_printed(sent)
                    PrintJob.update(state=FAILED, last_error=HELD).where(
                        (PrintJob.id == job.id) & (PrintJob.state == QUEUED)).execute()
                sent = None
                log.warning("print job %s (%s %s) waited since %s: held back", job.id, job.kind, job.code,
                            job.created_at)
                run.held.append(job.id)
                continue
            with database.atomic():
                _mark_printed(sent)
                claimed = _claim(job.id)
            sent = None
            if not claimed:  # another process took it
                continue
            try:
                ticket = Ticket.from_json(job.ticket)
                backend.send(bytes(job.data), job.name, ticket=ticket, profile=get_profile(job.profile))
            except Exception as exc:  # the job must go back to the queue whatever broke
                error = exc if isinstance(exc, PrinterError) else PrinterError("error", f"{type(exc).__name__}: {exc}")
                PrintJob.update(state=QUEUED, last_error=error.detail).where(PrintJob.id == job.id).execute()
                log.warning("print job %s (%s %s) not printed: %s", job.id, job.kind, job.code, error.detail)
                if not isinstance(exc, PrinterError):
                    log.exception("print job %s: unexpected error", job.id)
                run.failed_job, run.error = job.id, error
                break
            sent = (job.id, utcnow())
            log.info("print job %s (%s %s%s) printed", job.id, job.kind, job.code,
                     ", reprint" if job.reprint_of_id else "")
            run.printed.append(job.id)
    finally:
        _mark_printed(sent)
    return run


# The claim and the "printed" mark in plain SQL: every ticket writes them.
def _claim(job_id):
    """Mark a queued job as being sent (committed before its bytes go out); return whether it was still queued."""
    return database.execute_sql("UPDATE printjob SET state = ?, attempts = attempts + 1 WHERE id = ? AND state = ?",
                                (PRINTING, job_id, QUEUED)).rowcount


def _mark_printed(sent):
    """Record that a job (``(id, when)`` from process_queue, or None for none) came out of the printer."""
    if sent is not None:
        job_id, when = sent
        database.execute_sql("UPDATE printjob SET state = ?, printed_at = ?, last_error = '' WHERE id = ?",
                             (PRINTED, PrintJob.printed_at.db_value(when), job_id))


def recover_interrupted():
    """Mark jobs a crash left in 'printing' as failed, for a person to check; return their ids.

    They are not resent automatically: the printer may have printed them
    before the kiosk stopped, and a silent second copy of a voucher or claim
    ticket is worse than asking. A volunteer reprints the ones that did not
    come out (same bytes, same code).
    """
    ids = [job.id for job in PrintJob.select(PrintJob.id).where(PrintJob.state == PRINTING)]
    if ids:
        PrintJob.update(state=FAILED, last_error=INTERRUPTED).where(PrintJob.id.in_(ids)).execute()
        log.warning("print jobs %s were interrupted mid-send; marked failed for a volunteer to check", ids)
    return ids


def queue_summary():
    """Return (jobs waiting, jobs needing a person, the error holding up the queue)."""
    # One statement, three index searches: every screen's status bar asks this.
    # Plain SQL: peewee took longer to build this text than SQLite to answer it.
    waiting, failed, error = database.execute_sql(
        "SELECT (SELECT COUNT(id) FROM printjob WHERE state IN (?, ?)),"
        " (SELECT COUNT(id) FROM printjob WHERE state = ?),"
        " (SELECT last_error FROM printjob WHERE state = ? ORDER BY id LIMIT 1)",
        (QUEUED, PRINTING, FAILED, QUEUED)).fetchone()
    return waiting, failed, error or ""


def family_states(job_id):
    """Return [(id, state, last_error)] of a job and its reprints, in one read (plain SQL: every voucher screen asks)."""
    return database.execute_sql("SELECT id, state, last_error FROM printjob WHERE id = ? OR reprint_of_id = ?",
                                (job_id, job_id)).fetchall()


def recent_jobs(limit=20):
    """The latest jobs, newest first."""
    return list(PrintJob.select().order_by(PrintJob.id.desc()).limit(limit))


def cancel(job_id, reason, volunteer_id=None):
    """Take a waiting or failed job off the queue, e.g. a backlog nobody is waiting for any more.

    A job being sent right now cannot be cancelled. The audit entry names who and why.
    """
    reason = audit.require_reason(" ".join((reason or "").split()))
    with database.atomic():
        job = PrintJob.get_or_none(PrintJob.id == job_id)
        if job is None:
            raise NotFound(N_("There is no print job %(job)s."), job=job_id)
        updated = PrintJob.update(state=CANCELLED, last_error="").where(
            (PrintJob.id == job_id) & PrintJob.state.in_([QUEUED, FAILED])
        ).execute()
        if not updated:
            raise Conflict(N_("Only a job that is waiting or failed can be cancelled."))
        audit.record(
            "cancel-print",
            f"{job.kind}:{job.code.replace('-', '') or job.name}",
            volunteer_id=volunteer_id,
            reason=reason,
            detail=f"print job {job.id}",
        )
    log.info("print job %s cancelled: %s", job_id, reason)


def mark_printed(job_id):
    """Close a failed (interrupted) job that a person saw come out of the printer."""
    updated = PrintJob.update(state=PRINTED, printed_at=utcnow()).where(
        (PrintJob.id == job_id) & (PrintJob.state == FAILED)
    ).execute()
    if not updated:
        raise Conflict(N_("Only a job interrupted mid-print can be marked as printed."))



FINISHED = (PRINTED, CANCELLED, FAILED)


def purge_finished(cutoff, keep=()):
    """Delete jobs finished before cutoff (naive UTC) except the originals in keep; return their ids.

    Queued and printing jobs always stay. A job counts as finished before the
    cutoff when it was both queued and (if it printed) printed before it, so a
    backlog that printed yesterday is kept. An original stays while any of
    its reprints does (deleting it would take them along: ``reprint_of``
    cascades) or while it is in ``keep``: the jobs someone may still reprint,
    which only the features that printed them know. Call inside the caller's
    write transaction.
    """
    keep = list(keep)

    def expired(job):
        return (
            job.state.in_(FINISHED)
            & (job.created_at < cutoff)
            & (job.printed_at.is_null() | (job.printed_at < cutoff))
            & job.id.not_in(keep)
        )

    copy = PrintJob.alias()
    live_copy = copy.select(copy.id).where((copy.reprint_of == PrintJob.id) & ~expired(copy))
    ids = [job.id for job in PrintJob.select(PrintJob.id).where(expired(PrintJob) & ~fn.EXISTS(live_copy))]
    for start in range(0, len(ids), 500):  # stay far below SQLite's bound-parameter limit
        PrintJob.delete().where(PrintJob.id.in_(ids[start : start + 500])).execute()
    if ids:
        log.info("deleted %s finished print job(s) from before %s", len(ids), cutoff.isoformat(timespec="minutes"))
    return ids
