"""Pulling every registered kiosk over HTTP, and importing bundles brought on a stick.

Each kiosk is read page by page from the cursor of its current history; each
page is verified, then committed with its cursor before the next is asked
for. A kiosk that fails (unreachable, wrong token, cut connection, tampered
page) keeps whatever pages were already committed.

A night with 2,000 kiosks and some of them switched off or hanging: the
network side and the database side are separate. Many threads talk to kiosks
(``concurrency``, 64 by default), each with a short connect timeout, a
read timeout (seconds of silence before a kiosk counts as hanging) and a
deadline for its whole attempt, so dead kiosks cost their timeout once, side
by side, not one after another. A few database threads (``Limits.db``), one
connection each, do every read and write of the run. A kiosk that failed on
the way (no answer, refused, cut off, HTTP 5xx) is tried again later in the
same run after a back-off (1 s, then 2 s, 4 s…); a refusal that another try
cannot cure (wrong token, a forged or invalid page) is not. The summary lists
the kiosks that failed in the end, with why.
"""

import collections
import http.client
import heapq
import itertools
import json
import logging
import queue
import re
import socket
import ssl
import threading
import time
import urllib.parse
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from kiosk.central import ingest
from kiosk.central import releases
from kiosk.central.models import database
from kiosk.central.models import History
from kiosk.central.models import Kiosk
from kiosk.central.models import PullRun
from kiosk.central.models import TripStatus
from kiosk.central.models import utcnow
from kiosk.central.models import write_transaction
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.sync import wire

log = logging.getLogger(__name__)

MAX_PAGES = 100_000  # a guard against a kiosk that never says "no more"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """How long a pull waits for a kiosk, and how often it tries."""

    connect: float = 3.0  # seconds to open the connection (a switched-off kiosk behind a VPN)
    read: float = 3.0  # seconds of silence before the kiosk counts as hanging
    deadline: float = 60.0  # seconds for one attempt at one kiosk, all its pages
    attempts: int = 2  # tries per kiosk in one run
    backoff: float = 1.0  # seconds before the first retry, doubling after each
    db: int = 4  # database connections (threads) doing the run's reads and writes

    @classmethod
    def from_config(cls, config):
        """Limits from the office's PULL_* settings (defaults where unset)."""
        base = cls()
        return cls(
            connect=float(config.get("PULL_CONNECT_TIMEOUT", base.connect)),
            read=float(config.get("PULL_TIMEOUT", base.read)),
            deadline=float(config.get("PULL_KIOSK_DEADLINE", base.deadline)),
            attempts=max(1, int(config.get("PULL_ATTEMPTS", base.attempts))),
            backoff=float(config.get("PULL_BACKOFF", base.backoff)),
            db=max(1, int(config.get("PULL_DB_CONNECTIONS", base.db))),
        )


class PullFailed(DomainError):
    """A kiosk could not be read this time; the message says why."""

    status = 502

    def __init__(self, message, retry=False, **params):
        super().__init__(message, **params)
        self.retry = retry  # another try later in the run may succeed


@dataclass
class Outcome:
    """One kiosk's result in a pull."""

    name: str
    ok: bool
    pages: int = 0
    cells: int = 0
    changed: int = 0
    kiosk_id: str = ""
    new_history: bool = False
    error: DomainError | None = None
    warnings: list = field(default_factory=list)
    attempts: int = 1
    version: str = ""  # the app release the kiosk said it runs, "" when it did not say
    trips: int = 0  # trips' statuses stored (``pull_trips``)

    def message(self):
        """The error in English, for the command line and the log."""
        return str(self.error) if self.error else ""


@dataclass
class Summary:
    """What a whole pull did."""

    outcomes: list = field(default_factory=list)

    @property
    def failed(self):
        return [o for o in self.outcomes if not o.ok]

    @property
    def cells(self):
        return sum(o.cells for o in self.outcomes)

    @property
    def changed(self):
        return sum(o.changed for o in self.outcomes)

    @property
    def retried(self):
        return [o for o in self.outcomes if o.attempts > 1]


def fetch(kiosk, since, page_size, limits, deadline=None, trips=False):
    """GET one page from a kiosk within the limits; return the verified, validated batch.

    ``trips``: ask for the kiosk's trip statuses too (a kiosk too old to know them ignores it).
    """
    if not isinstance(limits, Limits):  # a number: the read timeout (older callers)
        limits = Limits(connect=min(float(limits), Limits.connect), read=float(limits))
    deadline = deadline or time.monotonic() + limits.deadline
    query = urllib.parse.urlencode({"since": since, "limit": page_size, **({"trips": 1} if trips else {})})
    status, data = _get(kiosk, f"/sync/cells?{query}", limits, deadline)
    if status == 401:
        raise PullFailed(N_("The kiosk refused the token: register its current one (`flask --app kiosk sync info`)."))
    if status != 200:
        raise PullFailed(N_("The kiosk answered with HTTP status %(status)s."), retry=status >= 500, status=status)
    batch = wire.validate(wire.verify(wire.parse(data), kiosk.token))
    if batch["since"] != since:
        raise PullFailed(N_("The kiosk answered a different question (since %(since)s)."), since=batch["since"])
    return batch


def _get(kiosk, path, limits, deadline):
    """Return (status, body) of a GET, or raise a PullFailed that may be retried.

    Kiosks are on the office's own network: never through a proxy the
    environment names (http.client knows none).
    """
    url = urllib.parse.urlsplit(kiosk.url)
    kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    extra = {"context": ssl.create_default_context()} if url.scheme == "https" else {}
    base = url.path.rstrip("/")
    conn = kind(url.hostname, url.port, timeout=limits.connect, **extra)
    try:
        try:
            conn.timeout = _left(deadline, limits.connect)
            conn.connect()
        except (TimeoutError, socket.timeout):
            raise PullFailed(N_("The kiosk could not be reached: %(reason)s."), retry=True,
                             reason="no connection within the connect timeout") from None
        conn.sock.settimeout(_left(deadline, limits.read))
        conn.request("GET", base + path, headers={"Authorization": f"Bearer {kiosk.token}",
                                                  "Accept": "application/json", "User-Agent": "nuantu-central",
                                                  "Connection": "close"})
        response = conn.getresponse()
        parts = []
        while True:
            conn.sock.settimeout(_left(deadline, limits.read)) if conn.sock else None
            chunk = response.read(CHUNK)
            if not chunk:
                break
            parts.append(chunk)
        body = b"".join(parts)
        declared = response.getheader("Content-Length")
        if declared is not None and declared.isdigit() and len(body) < int(declared):
            raise http.client.IncompleteRead(body, int(declared) - len(body))
        return response.status, body
    except PullFailed:
        raise
    except (http.client.HTTPException, OSError) as error:
        if time.monotonic() >= deadline:
            raise PullFailed(N_("The kiosk took longer than its deadline of %(seconds)s s."), retry=True,
                             seconds=limits.deadline) from None
        raise PullFailed(N_("The kiosk could not be reached: %(reason)s."), retry=True, reason=_reason(error)) from None
    finally:
        conn.close()


def _left(deadline, most):
    """Seconds a socket may wait: at most ``most``, never past the kiosk's deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline")
    return min(most, left)


def _reason(error):
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, http.client.IncompleteRead):
        return "connection cut in the middle of a page"
    return str(reason) or type(reason).__name__


# Writes that arrive together are committed together: up to this many kiosks'
# pages in one transaction, each in its own savepoint (see _Database).
GROUP_COMMIT = 64
# What a pull writes; everything else a database thread runs is a read.
_WRITES = frozenset({ingest.ingest, ingest.mark_failure})


class _Database:
    """A few threads, each with its own database connection, running the pull's reads and writes.

    Group commit: a thread that takes a write also takes the writes already
    waiting behind it and commits them in one transaction, each in its own
    savepoint (a refused page rolls back alone). A re-pull of 2,000 kiosks
    with nothing new is 2,000 small writes (cursor, last seen); one fsync each
    made the run wait on the disk, not on the kiosks. Every caller still gets
    its answer only after its write is committed.
    """

    def __init__(self, size):
        self.tasks = queue.SimpleQueue()
        self.threads = [threading.Thread(target=self._work, name=f"pull-db-{n}", daemon=True) for n in range(size)]
        for thread in self.threads:
            thread.start()

    def _work(self):
        opened = None
        try:
            while True:
                task = self.tasks.get()
                if task is None:
                    return
                writes, stop = [], False
                if task[1] in _WRITES:
                    writes.append(task)
                    while len(writes) < GROUP_COMMIT:
                        try:
                            more = self.tasks.get_nowait()
                        except queue.Empty:
                            break
                        if more is None:
                            stop = True
                            break
                        if more[1] in _WRITES:
                            writes.append(more)
                        else:
                            opened = self._run(more, opened)
                else:
                    opened = self._run(task, opened)
                if writes:
                    opened = self._run_group(writes, opened)
                if stop:
                    return
        finally:
            if opened:
                database.close()

    @staticmethod
    def _open(opened):
        if opened is None:
            try:
                database.connect(reuse_if_open=True)
            except Exception as error:  # every kiosk must still get an outcome
                log.exception("pull worker could not open the database")
                raise PullFailed(N_("The office database could not be opened: %(error)s"),
                                 error=type(error).__name__) from None
        return True

    def _run(self, task, opened):
        future, fn, args = task
        if not future.set_running_or_notify_cancel():
            return opened
        try:
            opened = self._open(opened)
            future.set_result(fn(*args))
        except BaseException as error:  # handed to the kiosk's thread, which decides
            future.set_exception(error)
        return opened

    def _run_group(self, tasks, opened):
        tasks = [task for task in tasks if task[0].set_running_or_notify_cancel()]
        if len(tasks) <= 1:
            for future, fn, args in tasks:
                try:
                    opened = self._open(opened)
                    future.set_result(fn(*args))
                except BaseException as error:
                    future.set_exception(error)
            return opened
        answers = []
        try:
            opened = self._open(opened)
            with write_transaction():
                for _future, fn, args in tasks:
                    try:
                        with database.atomic():  # a savepoint: a refused page leaves the others
                            answers.append((True, fn(*args)))
                    except Exception as error:
                        answers.append((False, error))
        except BaseException as error:  # the commit itself failed: nobody's write happened
            for future, _fn, _args in tasks:
                future.set_exception(error)
            return opened
        for (future, _fn, _args), (ok, value) in zip(tasks, answers, strict=True):
            future.set_result(value) if ok else future.set_exception(value)
        return opened

    def run(self, fn, *args):
        future = Future()
        self.tasks.put((future, fn, args))
        return future.result()

    def close(self):
        for _ in self.threads:
            self.tasks.put(None)
        for thread in self.threads:
            thread.join()


def _cursor_of(kiosk):
    latest = History.latest_of(kiosk)
    return (latest.cursor, latest.kiosk_id) if latest else (0, None)


def _own_cursor(kiosk_id):
    known = History.get_or_none(History.kiosk_id == kiosk_id)
    return known.cursor if known else 0


def _cursors(kiosks):
    """Return {registered kiosk id: (cursor, kiosk id)} of each kiosk's latest history, in one read."""
    wanted = {kiosk.id for kiosk in kiosks}
    latest = {}
    query = (History.select(History.registered, History.cursor, History.kiosk_id)
             .where(History.registered.is_null(False)).order_by(History.last_received_at, History.id))
    for registered, cursor, kiosk_id in query.tuples():
        if registered in wanted:
            latest[registered] = (cursor, kiosk_id)  # ordered: the latest history wins
    return latest


def pull_one(kiosk, page_size, limits, db=None, start=None):
    """Pull one kiosk until it has nothing newer, within one deadline; return its Outcome.

    ``start`` is its (cursor, kiosk id) when the caller read it already.
    """
    if not isinstance(limits, Limits):
        limits = Limits(connect=min(float(limits), Limits.connect), read=float(limits))
    run = db.run if db is not None else (lambda fn, *args: fn(*args))
    deadline = time.monotonic() + limits.deadline
    outcome = Outcome(kiosk.name, ok=True)
    since, latest_id = start if start is not None else run(_cursor_of, kiosk)
    batch = fetch(kiosk, since, page_size, limits, deadline, trips=True)
    if batch["kiosk"] != latest_id:
        # A different kiosk id answered (first pull, or the kiosk was wiped):
        # read it from its own cursor, which is 0 for a new history.
        own = run(_own_cursor, batch["kiosk"])
        if own != since:
            batch = fetch(kiosk, own, page_size, limits, deadline, trips=True)
    identity = batch["kiosk"]
    for _ in range(MAX_PAGES):
        if batch["kiosk"] != identity:
            raise PullFailed(N_("The kiosk changed identity during the pull; it will be read afresh next time."))
        received = run(ingest.ingest, batch, kiosk, None, True)
        outcome.pages += 1
        outcome.cells += received.cells
        outcome.changed += received.changed
        outcome.kiosk_id = received.kiosk_id
        outcome.new_history = outcome.new_history or received.new_history
        outcome.warnings = received.warnings or outcome.warnings
        if not batch["more"]:
            break
        batch = fetch(kiosk, received.cursor, page_size, limits, deadline)
    outcome.version = running_version(kiosk, limits, deadline)
    if outcome.version:
        run(releases.reported, kiosk, outcome.version)
    return outcome


VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")


def running_version(kiosk, limits, deadline):
    """Ask the kiosk which app release it runs (GET /sync/release); "" when it cannot say.

    Asked after its counts, within the same deadline: a kiosk too old to
    answer, or one that runs out of time here, still delivered its counts.
    """
    try:
        status, data = _get(kiosk, "/sync/release", limits, deadline)
        version = json.loads(data).get("version", "") if status == 200 else ""
    except (DomainError, OSError, ValueError, AttributeError):
        return ""
    return version if isinstance(version, str) and VERSION.fullmatch(version) else ""


def _attempt(kiosk, page_size, limits, db, start=None):
    """One try at one kiosk: its Outcome, failures included (never raises)."""
    try:
        return pull_one(kiosk, page_size, limits, db, start)
    except DomainError as error:
        return Outcome(kiosk.name, ok=False, error=error)
    except Exception as error:  # one broken kiosk must not stop the night's run
        log.exception("pulling %s failed", kiosk.name)
        return Outcome(kiosk.name, ok=False,
                       error=PullFailed(N_("Unexpected error: %(error)s"), error=type(error).__name__))


def _record_failure(kiosk, outcome, db):
    try:
        db.run(ingest.mark_failure, kiosk, utcnow(), outcome.error)
    except Exception:  # the outcome still reaches the summary
        log.exception("recording the failure of %s failed", kiosk.name)


class _Schedule:
    """Kiosks to try: first tries in order, retries not before their back-off, and a retry that is
    due goes ahead of the first tries still waiting (else it waited for the whole list to start,
    and a kiosk that hangs cost its timeout again after every live kiosk had been read)."""

    def __init__(self, kiosks):
        self.order = itertools.count()
        self.first = collections.deque(kiosks)
        self.retries = []  # heap of (due, order, kiosk, attempt)
        self.pending = len(kiosks)  # kiosks without a final outcome
        self.cond = threading.Condition()

    def take(self):
        """Return (kiosk, attempt) when one is due, or None when every kiosk has its outcome."""
        with self.cond:
            while True:
                if self.pending == 0:
                    return None
                wait = self.retries[0][0] - time.monotonic() if self.retries else None
                if wait is not None and wait <= 0:
                    _, _, kiosk, attempt = heapq.heappop(self.retries)
                    return kiosk, attempt
                if self.first:
                    return self.first.popleft(), 1
                self.cond.wait(wait)

    def again(self, kiosk, attempt, delay):
        with self.cond:
            heapq.heappush(self.retries, (time.monotonic() + delay, next(self.order), kiosk, attempt))
            self.cond.notify()

    def done(self):
        with self.cond:
            self.pending -= 1
            self.cond.notify_all()


def pull_all(kiosks, concurrency=64, page_size=wire.PAGE_SIZE, timeout=None, progress=None, limits=None):
    """Pull every kiosk given, at most ``concurrency`` at a time; return a Summary.

    ``limits`` (a Limits) sets the timeouts, deadline, retries and database
    connections; ``timeout`` alone sets the read timeout. ``progress(done,
    total, outcome)`` is called as each kiosk gets its final outcome.
    """
    limits = limits or Limits()
    if timeout is not None:
        limits = Limits(connect=min(float(timeout), limits.connect), read=float(timeout), deadline=limits.deadline,
                        attempts=limits.attempts, backoff=limits.backoff, db=limits.db)
    # The kiosks whose last attempt failed go first: most are still dead or hanging, and their
    # timeouts then pass while the live ones are read, instead of after them (a hanging kiosk
    # late in the list cost a whole connect + read + back-off + read at the end of every night).
    kiosks = sorted(kiosks, key=lambda kiosk: not getattr(kiosk, "last_error", ""))
    run = _start_run(len(kiosks))
    # Every cursor in one read, not one round trip per kiosk (a retry reads its own again:
    # the failed attempt may have committed pages).
    cursors = _cursors(kiosks)
    schedule = _Schedule(kiosks)
    finished = queue.SimpleQueue()
    db = _Database(limits.db)

    def work():
        while True:
            taken = schedule.take()
            if taken is None:
                return
            kiosk, attempt = taken
            start = cursors.get(kiosk.id, (0, None)) if attempt == 1 else None
            outcome = _attempt(kiosk, page_size, limits, db, start)
            outcome.attempts = attempt
            retry = getattr(outcome.error, "retry", False)
            if not outcome.ok and retry and attempt < limits.attempts:
                schedule.again(kiosk, attempt + 1, limits.backoff * 2 ** (attempt - 1))
                continue
            if not outcome.ok:
                _record_failure(kiosk, outcome, db)
            finished.put(outcome)
            schedule.done()

    workers = [
        threading.Thread(target=work, name=f"pull-{n}", daemon=True)
        for n in range(max(1, min(concurrency, len(kiosks))))
    ]
    for worker in workers:
        worker.start()
    summary = Summary()
    try:
        for done in range(1, len(kiosks) + 1):
            outcome = finished.get()
            summary.outcomes.append(outcome)
            if progress:
                progress(done, len(kiosks), outcome)
        for worker in workers:
            worker.join()
    finally:
        db.close()
    _finish_run(run, summary)
    summary.outcomes.sort(key=lambda o: o.name)
    return summary


def _start_run(kiosks):
    with write_transaction():
        return PullRun.create(kiosks=kiosks)


def _finish_run(run, summary):
    with write_transaction():
        PullRun.update(
            finished_at=utcnow(),
            failed=len(summary.failed),
            cells_received=summary.cells,
            cells_changed=summary.changed,
        ).where(PullRun.id == run.id).execute()


def import_bundle(path):
    """Verify and take in a bundle file from a USB stick; return what it did."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise DomainError(N_("The file cannot be read: %(reason)s."), reason=error.strerror or str(error)) from None
    batch = wire.parse(data)
    candidates = list(Kiosk.select().where(Kiosk.key_id == str(batch.get("key", ""))))
    if not candidates:
        raise wire.BatchRefused(
            N_("No registered kiosk holds this bundle's key: register the kiosk first (its token from `sync info`).")
        )
    for kiosk in candidates:
        try:
            wire.verify(batch, kiosk.token)
        except wire.BatchRefused:
            continue
        return kiosk, ingest.ingest(wire.validate(batch), kiosk)
    raise wire.BatchRefused(
        N_("The signature does not match: the data was changed or comes from another kiosk.")
    )


def kiosks_with_trips_out(kiosks):
    """The kiosks given (with an address) whose last report holds a trip boarding or on the road."""
    wanted = {kiosk.id: kiosk for kiosk in kiosks if kiosk.url}
    query = (History.select(History.registered).distinct()
             .join(TripStatus, on=(TripStatus.kiosk_id == History.kiosk_id))
             .where(TripStatus.state.in_(("open", "departed")), History.registered.is_null(False)))
    found = {registered for (registered,) in query.tuples()}
    return [kiosk for kiosk_id, kiosk in wanted.items() if kiosk_id in found]


def pull_trips(kiosks, limits=None, concurrency=16):
    """Ask each kiosk for its trips' statuses only (one page of at most one cell, ``trips=1``); return a Summary.

    Cheap enough for every half hour of the day: the cells and cursor are left to the evening pull, and a
    failure is only reported (the kiosk's sync state on the dashboard stays the evening pull's).
    """
    limits = limits or Limits()
    starts = {kiosk.id: _cursor_of(kiosk) for kiosk in kiosks}

    def ask(kiosk):
        try:
            return kiosk, fetch(kiosk, starts[kiosk.id][0], 1, limits, trips=True)
        except DomainError as error:
            return kiosk, error

    summary = Summary()
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(kiosks) or 1))) as pool:
        for kiosk, answer in pool.map(ask, kiosks):
            outcome = Outcome(kiosk.name, ok=False)
            if isinstance(answer, DomainError):
                outcome.error = answer
            else:
                try:
                    outcome.trips = ingest.ingest_trips(answer, kiosk)
                    outcome.ok, outcome.kiosk_id = True, answer["kiosk"]
                except DomainError as error:
                    outcome.error = error
            if not outcome.ok:
                log.warning("trips-only pull of %s refused or failed: %s", kiosk.name, outcome.message())
            summary.outcomes.append(outcome)
    return summary


def describe(outcome):
    """One line about one kiosk's pull, for the progress output."""
    if not outcome.ok:
        return f"{outcome.name}: FAILED: {outcome.message()}"
    text = f"{outcome.name}: ok, {outcome.cells} cells received, {outcome.changed} changed"
    if outcome.new_history:
        text += f", new kiosk id {outcome.kiosk_id}"
    for msgid, params in outcome.warnings:
        text += "; warning: " + msgid % params
    return text


def to_json(summary):
    """The summary as JSON, for scripts."""
    return json.dumps(
        {
            "kiosks": len(summary.outcomes),
            "failed": [{"name": o.name, "error": o.message(), "attempts": o.attempts} for o in summary.failed],
            "retried": len(summary.retried),
            "cells_received": summary.cells,
            "cells_changed": summary.changed,
        },
        ensure_ascii=False,
    )
