"""The configured printer of this kiosk: its backend, profile, worker and last known state.

Held per process, like the database proxy: ``configure()`` (called by
``create_app`` through ``init_app``) replaces it. Everything here works
without Flask.
"""

import base64
import hashlib
import logging
import os
import tempfile
import threading
from contextlib import contextmanager
from contextlib import nullcontext
from dataclasses import asdict
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from kiosk.errors import N_
from kiosk.models import database
from kiosk.models import utcnow
from kiosk.printing import charset
from kiosk.printing import jobs
from kiosk.printing import render
from kiosk.printing.backends import DeviceStatus
from kiosk.printing.backends import open_backend
from kiosk.printing.models import PrintJob
from kiosk.printing.profiles import DEFAULT_PROFILE
from kiosk.printing.profiles import get_profile
from kiosk.printing.ticket import Ticket
from kiosk.printing.worker import Worker

log = logging.getLogger(__name__)

# What each state means to a person, as msgids.
MESSAGES = {
    "ok": N_("Printer ready"),
    "paper_low": N_("Printer paper running low"),
    "paper_out": N_("Printer out of paper"),
    "cover_open": N_("Printer cover open"),
    "offline": N_("Printer offline"),
    "error": N_("Printer error"),
    "unknown": N_("Printer state unknown"),
}
PROBLEMS = ("paper_out", "cover_open", "offline", "error")


@dataclass(frozen=True)
class PrinterStatus:
    """The printer's state as the screens, /healthz and the volunteer see it."""

    state: str  # ok, paper_low, paper_out, cover_open, offline, error, unknown
    detail: str  # technical detail in English, for logs and volunteers
    backend: str  # the URL scheme: preview, tcp, usb…
    profile: str
    waiting: int  # jobs queued or being sent
    needs_attention: int  # jobs interrupted mid-send or held back as too old, for a volunteer
    last_error: str  # why the first waiting job has not printed yet
    checked_at: datetime | None

    @property
    def message(self):
        """The state in words (a msgid to translate)."""
        return MESSAGES[self.state]

    @property
    def stuck(self):
        """Whether a ticket submitted now would not come out: a fault, or the queue held up."""
        return self.state in PROBLEMS or bool(self.last_error)

    @property
    def problem(self):
        """Whether a person should act: printer faulty, or jobs stuck, interrupted or held back."""
        return self.stuck or self.needs_attention > 0

    @property
    def notice(self):
        """What the status bar should say (a msgid), or "" when nothing needs saying."""
        if self.state in PROBLEMS:
            return MESSAGES[self.state]
        if self.last_error:
            return N_("Tickets waiting to print")
        if self.needs_attention:
            return N_("A ticket needs a volunteer")
        if self.state == "paper_low":
            return MESSAGES["paper_low"]
        return ""

    def to_dict(self):
        """JSON-ready form, for /healthz."""
        data = asdict(self)
        data["checked_at"] = self.checked_at.isoformat() + "Z" if self.checked_at else None
        return data


class _Printer:
    def __init__(self, url, profile, timeout, status_seconds, stale_minutes=0, hold_minutes=None):
        self.url = url
        self.stale_after = timedelta(minutes=stale_minutes) if stale_minutes else None
        self.hold_after = {kind: timedelta(minutes=float(m)) for kind, m in (hold_minutes or {}).items() if m}
        self.profile = get_profile(profile)
        self.backend = open_backend(url, timeout)
        self.observed = None
        self.observed_at = None
        self.lock = threading.Lock()
        self.worker = Worker(process_queue, lambda: printer_status(refresh=True), status_seconds=status_seconds)

    def observe(self, status):
        with self.lock:
            before = self.observed
            self.observed, self.observed_at = status, utcnow()
        if status.state == "ok" and before is not None and before.state != "ok":
            self.worker.wake()  # the fault cleared: send the backlog now, not after the back-off


_current = None
# Where drawn previews are kept (init_app: INSTANCE/previews), or None: draw every time.
_preview_dir = None


def configure(url, profile=DEFAULT_PROFILE, timeout=10.0, status_seconds=30.0, stale_minutes=0, hold_minutes=None):
    """Use the printer at url with profile from now on (stopping any previous worker).

    ``stale_minutes``: a job that waited longer is held back for a volunteer
    instead of printing (0: print every backlog). ``hold_minutes``
    ({ticket kind: minutes}): a shorter limit for some kinds.
    """
    global _current
    replacement = _Printer(url, profile, timeout, status_seconds, stale_minutes, hold_minutes)
    if _current is not None:
        _current.worker.stop()
    _current = replacement
    return replacement


def current():
    """The configured printer; create_app() or configure() must have run."""
    if _current is None:
        raise RuntimeError("printing is not configured: call kiosk.printing.configure() or create_app() first")
    return _current


def backend():
    """The configured backend (e.g. the VirtualPrinter, to tell it to run out of paper)."""
    return current().backend


def profile():
    """The configured PrinterProfile."""
    return current().profile


@contextmanager
def _connected():
    """A database connection for the block, reusing the caller's if one is open."""
    with database.connection_context() if database.is_closed() else nullcontext():
        yield


def submit(ticket, unprintable="reject"):
    """Queue a Ticket for printing and return its PrintJob without waiting for paper."""
    with _connected():
        job = jobs.submit(ticket, current().profile, unprintable=unprintable)
    current().worker.wake()
    return job


def wake():
    """Ask the worker for a pass over the queue now.

    submit() wakes it too, but when the job is part of the caller's
    transaction the worker reads before the commit, finds nothing and
    sleeps its idle interval (5 s): call this after committing.
    """
    if _current is not None:
        _current.worker.wake()


def reprint(job_id, reason, volunteer_id=None, subject=None):
    """Queue the same bytes (same code) of an earlier job again, marked as a reprint and audited."""
    with _connected():
        job = jobs.reprint(job_id, reason, volunteer_id=volunteer_id, subject=subject)
    current().worker.wake()
    return job


def cancel(job_id, reason, volunteer_id=None):
    """Take a waiting or failed job off the queue, audited."""
    with _connected():
        jobs.cancel(job_id, reason, volunteer_id=volunteer_id)


def purge_finished(cutoff, keep=()):
    """Delete jobs finished before cutoff, except keep (still reprintable) and what they need; return the ids."""
    with _connected():
        purged = jobs.purge_finished(cutoff, keep)
    _forget_previews(purged)
    return purged


def job_family_states(job_id):
    """Return [(id, state, last_error)] of a print job and its reprints."""
    with _connected():
        return jobs.family_states(job_id)


def recent_jobs(limit=20):
    """Return the latest print jobs, newest first (for the volunteer console)."""
    with _connected():
        return jobs.recent_jobs(limit)


def process_queue(limit=None):
    """Send waiting jobs now, in order, in this thread; return the jobs.QueueRun."""
    printer = current()
    with _connected():
        run = jobs.process_queue(printer.backend, limit=limit, stale_after=printer.stale_after,
                                 hold_after=printer.hold_after, stopping=printer.worker.stopping)
    if run.error is not None:
        printer.observe(DeviceStatus(run.error.state, run.error.detail))
    elif run.printed:
        printer.observe(DeviceStatus("ok", "the last job was accepted"))
    return run


def printer_status(refresh=False):
    """Return the PrinterStatus without waiting on a device unless refresh is asked for.

    Backends that answer instantly (preview, virtual) are asked every time;
    the others report what the worker last saw, and ``refresh=True`` (the
    CLI, the worker's periodic check) asks the device, within its timeout.
    """
    printer = current()
    if refresh or printer.backend.instant_status:
        printer.observe(printer.backend.status())
    with printer.lock:
        observed, observed_at = printer.observed, printer.observed_at
    observed = observed or DeviceStatus("unknown", "not checked yet")
    with _connected():
        waiting, failed, last_error = jobs.queue_summary()
    return PrinterStatus(
        state=observed.state,
        detail=observed.detail,
        backend=printer.backend.scheme,
        profile=printer.profile.spec,
        waiting=waiting,
        needs_attention=failed,
        last_error=last_error,
        checked_at=observed_at,
    )


def preview_png(item, profile=None):
    """PNG bytes of a Ticket (for the configured or given profile), a PrintJob or a job id."""
    if isinstance(item, Ticket):
        return render.png_bytes(render.render_ticket(item, get_profile(profile or current().profile)))
    if not isinstance(item, PrintJob):
        with _connected():
            item = PrintJob.get_by_id(item)
    return render.png_bytes(render.render_ticket(Ticket.from_json(item.ticket), get_profile(profile or item.profile)))


def job_preview_png(job_id):
    """PNG bytes of a print job's preview, drawn at most once per job; None if there is no such job.

    The picture is kept as a file named by the job and a digest of its
    ticket and profile (a job number reused after a purge draws afresh), so
    the voucher screen's image URL costs one indexed read after the first
    time. Call it outside any write transaction: drawing takes tens of ms.
    """
    with _connected():
        job = PrintJob.select(PrintJob.id, PrintJob.ticket, PrintJob.profile).where(PrintJob.id == job_id).first()
    if job is None:
        return None
    digest = hashlib.sha256(f"{job.profile}\n{job.ticket}".encode()).hexdigest()[:16]
    path = os.path.join(_preview_dir, f"{job.name}-{digest}.png") if _preview_dir else None
    if path:
        try:
            with open(path, "rb") as cached:
                return cached.read()
        except OSError:
            pass
    png = preview_png(job)
    render.release_fonts()  # drawn once per job: do not keep the CJK faces in memory between jobs
    if path:
        _keep(path, png)
    return png


def _keep(path, data):
    """Write a preview file atomically; a full or read-only disk only costs the next request a redraw."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError:
        log.warning("could not keep the preview %s", path, exc_info=True)


def _forget_previews(job_ids):
    if not _preview_dir or not job_ids:
        return
    names = {f"job-{job_id:06d}" for job_id in job_ids}
    try:
        for entry in os.scandir(_preview_dir):
            if entry.name.rsplit("-", 1)[0] in names:
                os.unlink(entry.path)
    except OSError:
        pass


def preview_data_uri(item, profile=None):
    """The preview as a data: URI for an <img> (the kiosk's CSP allows data: images)."""
    return "data:image/png;base64," + base64.b64encode(preview_png(item, profile)).decode()


def check_text(text):
    """The characters of text the configured printer cannot print (empty if all can)."""
    return charset.unprintable(text, current().profile.encoding)


def start_worker():
    """Start the background worker (after marking jobs a crash interrupted); idempotent."""
    printer = current()
    if printer.worker.running:
        return False
    with _connected():
        jobs.recover_interrupted()
    return printer.worker.start()


def stop_worker(timeout=5.0):
    """Stop the background worker after the job it is sending (the rest stay queued); return whether it ended."""
    if _current is not None:
        return _current.worker.stop(timeout)
    return True


def init_app(app):
    """Configure printing from the app's PRINTER_* settings; start the worker on the first request.

    ``PRINTER_WORKER``: True or False; unset means on except in tests
    (TESTING), which drive the queue with process_queue(). Starting on the
    first request rather than here keeps `flask …` commands from sending jobs.
    """
    global _preview_dir
    config = app.config
    _preview_dir = os.path.join(app.instance_path, "previews")
    configure(
        config["PRINTER_URL"],
        config.get("PRINTER_PROFILE", DEFAULT_PROFILE),
        config.get("PRINTER_TIMEOUT", 10.0),
        stale_minutes=config.get("PRINTER_STALE_MINUTES", 0),
        hold_minutes=config.get("PRINTER_HOLD_MINUTES"),
    )
    enabled = config.get("PRINTER_WORKER")
    if enabled is None:
        enabled = not app.testing
    if enabled:
        app.before_request(_ensure_worker)


def _ensure_worker():
    if _current is not None and not _current.worker.running:
        try:
            start_worker()
        except Exception:  # printing trouble must never stop a page from loading
            log.exception("print worker did not start")
