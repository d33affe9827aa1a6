"""Pulling every registered kiosk over HTTP, and importing bundles brought on a stick.

Each kiosk is read page by page from the cursor of its current history; each
page is verified, then committed with its cursor before the next is asked
for. A kiosk that fails (unreachable, wrong token, cut connection, tampered
page) keeps whatever pages were already committed and is retried from there
on the next run. Kiosks are pulled by a bounded pool of threads.
"""

import http.client
import json
import logging
import queue
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from kiosk.central import ingest
from kiosk.central.models import database
from kiosk.central.models import History
from kiosk.central.models import Kiosk
from kiosk.central.models import PullRun
from kiosk.central.models import utcnow
from kiosk.central.models import write_transaction
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.sync import wire

log = logging.getLogger(__name__)

MAX_PAGES = 100_000  # a guard against a kiosk that never says "no more"

# Kiosks are on the office's own network: never send their tokens through
# whatever proxy the environment names.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class PullFailed(DomainError):
    """A kiosk could not be read this time; the message says why."""

    status = 502


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


def fetch(kiosk, since, page_size, timeout):
    """GET one page from a kiosk; return the verified, validated batch."""
    query = urllib.parse.urlencode({"since": since, "limit": page_size})
    request = urllib.request.Request(
        f"{kiosk.url}/sync/cells?{query}",
        headers={"Authorization": f"Bearer {kiosk.token}", "Accept": "application/json", "User-Agent": "nuantu-central"},
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            data = response.read()
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 401:
            raise PullFailed(
                N_("The kiosk refused the token: register its current one (`flask --app kiosk sync info`).")
            ) from None
        raise PullFailed(N_("The kiosk answered with HTTP status %(status)s."), status=error.code) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
        raise PullFailed(N_("The kiosk could not be reached: %(reason)s."), reason=_reason(error)) from None
    batch = wire.validate(wire.verify(wire.parse(data), kiosk.token))
    if batch["since"] != since:
        raise PullFailed(N_("The kiosk answered a different question (since %(since)s)."), since=batch["since"])
    return batch


def _reason(error):
    reason = getattr(error, "reason", None) or error
    if isinstance(reason, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, http.client.IncompleteRead):
        return "connection cut in the middle of a page"
    return str(reason) or type(reason).__name__


def pull_one(kiosk, page_size, timeout):
    """Pull one kiosk until it has nothing newer; return its Outcome."""
    outcome = Outcome(kiosk.name, ok=True)
    latest = History.latest_of(kiosk)
    since = latest.cursor if latest else 0
    batch = fetch(kiosk, since, page_size, timeout)
    if latest is None or batch["kiosk"] != latest.kiosk_id:
        # A different kiosk id answered (first pull, or the kiosk was wiped):
        # read it from its own cursor, which is 0 for a new history.
        known = History.get_or_none(History.kiosk_id == batch["kiosk"])
        own = known.cursor if known else 0
        if own != since:
            batch = fetch(kiosk, own, page_size, timeout)
    identity = batch["kiosk"]
    for _ in range(MAX_PAGES):
        if batch["kiosk"] != identity:
            raise PullFailed(N_("The kiosk changed identity during the pull; it will be read afresh next time."))
        received = ingest.ingest(batch, kiosk, pulled=True)
        outcome.pages += 1
        outcome.cells += received.cells
        outcome.changed += received.changed
        outcome.kiosk_id = received.kiosk_id
        outcome.new_history = outcome.new_history or received.new_history
        outcome.warnings = received.warnings or outcome.warnings
        if not batch["more"]:
            break
        batch = fetch(kiosk, received.cursor, page_size, timeout)
    return outcome


def _pull_guarded(kiosk, page_size, timeout):
    """Pull one kiosk, turning every failure into an Outcome (and a note on its row)."""
    try:
        return pull_one(kiosk, page_size, timeout)
    except DomainError as error:
        outcome = Outcome(kiosk.name, ok=False, error=error)
    except Exception as error:  # one broken kiosk must not stop the night's run
        log.exception("pulling %s failed", kiosk.name)
        outcome = Outcome(
            kiosk.name, ok=False, error=PullFailed(N_("Unexpected error: %(error)s"), error=type(error).__name__)
        )
    try:
        ingest.mark_failure(kiosk, utcnow(), outcome.error)
    except Exception:  # the outcome still reaches the summary
        log.exception("recording the failure of %s failed", kiosk.name)
    return outcome


def pull_all(kiosks, concurrency=16, page_size=wire.PAGE_SIZE, timeout=30, progress=None):
    """Pull every kiosk given, at most ``concurrency`` at a time; return a Summary.

    Each worker thread keeps one database connection for all the kiosks it
    pulls. ``progress(done, total, outcome)`` is called as each one finishes.
    """
    run = _start_run(len(kiosks))
    waiting = queue.SimpleQueue()
    for kiosk in kiosks:
        waiting.put(kiosk)
    finished = queue.SimpleQueue()

    def work():
        try:
            database.connect(reuse_if_open=True)
        except Exception as error:  # every kiosk must still get an outcome
            log.exception("pull worker could not open the database")
            failure = PullFailed(N_("The office database could not be opened: %(error)s"), error=type(error).__name__)
            while not waiting.empty():
                finished.put(Outcome(waiting.get().name, ok=False, error=failure))
            return
        try:
            while True:
                try:
                    kiosk = waiting.get_nowait()
                except queue.Empty:
                    return
                finished.put(_pull_guarded(kiosk, page_size, timeout))
        finally:
            database.close()

    workers = [
        threading.Thread(target=work, name=f"pull-{n}", daemon=True)
        for n in range(max(1, min(concurrency, len(kiosks))))
    ]
    for worker in workers:
        worker.start()
    summary = Summary()
    for done in range(1, len(kiosks) + 1):
        outcome = finished.get()
        summary.outcomes.append(outcome)
        if progress:
            progress(done, len(kiosks), outcome)
    for worker in workers:
        worker.join()
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
            "failed": [{"name": o.name, "error": o.message()} for o in summary.failed],
            "cells_received": summary.cells,
            "cells_changed": summary.changed,
        },
        ensure_ascii=False,
    )
