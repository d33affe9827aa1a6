"""Daily housekeeping on the kiosk's own requests: the retention purges, without a scheduler."""

import ctypes
import threading
import time

from flask import current_app
from flask import g

from kiosk import clock
from kiosk import database
from kiosk import retention


def watch_the_clock():
    """Compare the clock with what the kiosk has seen, on every request (kiosk.clock)."""
    try:
        g.clock_trusted = clock.observe()
    except Exception:  # never let housekeeping break the screen or /healthz
        current_app.logger.exception("clock check failed")
        g.clock_trusted = False


def purge_expired_data():
    """Run the retention purges on the first request after start and of each station-local day.

    The status bar polls every 30 s, so a kiosk that is switched on purges on
    time without a scheduler or thread of its own. Never on a clock in doubt:
    a clock a year ahead would purge this season's data early.
    """
    if not database.wants_database():
        return
    watch_the_clock()
    if not g.clock_trusted:
        return
    state = current_app.extensions.setdefault("daily_purge", {"day": None, "lock": threading.Lock()})
    today = clock.local_day()
    if state["day"] == today:
        return
    with state["lock"]:
        if state["day"] == today:
            return
        try:
            retention.purge_expired(
                current_app.config["PII_RETENTION_DAYS"], current_app.config["PRINTJOB_RETENTION_DAYS"]
            )
        except Exception:  # never let housekeeping break the screen or /healthz; retried next request
            current_app.logger.exception("retention purge failed")
            return
        state["day"] = today


# glibc keeps the heap a big request freed (the day's first purge and expiry sweep read through the
# season, the console home through the day's cells): malloc_trim gives it back to the system.
# Not there on other C libraries, where this does nothing.
_malloc_trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
TRIM_EVERY = 1.0  # seconds; a trim takes ~0.1 ms
_last_trim = [0.0]


def give_back_memory(_error=None):
    """After a request, at most once a second: return the freed heap to the system (the kiosk's RSS)."""
    now = time.monotonic()
    if _malloc_trim is None or now - _last_trim[0] < TRIM_EVERY:
        return
    _last_trim[0] = now
    _malloc_trim(0)


def init_app(app):
    """Run the purges before the app's requests (after the database connection opens); trim the heap after."""
    app.before_request(purge_expired_data)
    app.teardown_request(give_back_memory)
