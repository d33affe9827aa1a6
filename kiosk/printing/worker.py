"""The one background thread that sends print jobs, so no web request ever waits on paper."""

import logging
import threading
import time

log = logging.getLogger(__name__)


class Worker:
    """Calls ``run_once()`` whenever woken or every ``idle_seconds``, backing off after failures.

    ``run_once`` returns a jobs.QueueRun (or raises); ``check_status`` is
    called every ``status_seconds`` while idle so the screen learns of a
    paper-out even when nothing is printing.
    """

    def __init__(self, run_once, check_status, idle_seconds=5.0, status_seconds=30.0, max_backoff=30.0,
                 recheck_seconds=2.0):
        self.run_once = run_once
        self.recheck_seconds = recheck_seconds
        self.check_status = check_status
        self.idle_seconds = idle_seconds
        self.status_seconds = status_seconds
        self.max_backoff = max_backoff
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = None
        self._lock = threading.Lock()

    @property
    def running(self):
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self):
        """Start the thread if it is not running yet."""
        with self._lock:
            if self.running:
                return False
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name="print-worker", daemon=True)
            self._thread.start()
            return True

    def stopping(self):
        """Whether this worker's own thread was asked to stop (process_queue checks it between jobs).

        A pass run by hand (the CLI, tests) in another thread is never cut short.
        """
        return self._stop.is_set() and threading.current_thread() is self._thread

    def wake(self):
        """Ask for a pass over the queue now (a new job arrived)."""
        self._wake.set()

    def stop(self, timeout=5.0):
        """Stop after the current job; return whether the thread ended in time."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _loop(self):
        backoff = 0.0
        last_check = time.monotonic()
        while not self._stop.is_set():
            try:
                run = self.run_once()
                failed = run.error is not None
            except Exception:  # never let the thread die: the queue would stall silently
                log.exception("print worker: pass over the queue failed")
                failed = True
            if failed:
                backoff = min(max(backoff * 2, 1.0), self.max_backoff)
                self._back_off(backoff)
                continue
            else:
                backoff = 0.0
                wait = self.idle_seconds
                if time.monotonic() - last_check >= self.status_seconds:
                    last_check = time.monotonic()
                    self._check()
            self._wake.wait(wait)
            self._wake.clear()

    def _back_off(self, seconds):
        """Wait after a failure, asking the printer every few seconds: ``check_status`` wakes us when it is ok.

        Without this a backlog sat idle for up to ``max_backoff`` after the
        paper was changed or the cover closed.
        """
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or self._wake.wait(min(left, self.recheck_seconds)):
                break
            self._check()
        self._wake.clear()

    def _check(self):
        try:
            self.check_status()
        except Exception:
            log.exception("print worker: status check failed")
