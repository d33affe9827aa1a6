"""The kiosk's one notion of time: UTC for storage, the station's zone for days.

Counts are per station-local day (a registration at 23:30 in Leshan belongs to
that Leshan day, not to UTC's). ``create_app`` sets the zone from TIMEZONE.

A kiosk has no network, so its clock is only as good as its battery and the
last person who set it. ``observe()`` (every request, from the housekeeping
hook) keeps a record of the latest time the kiosk has seen and compares the
wall clock with the monotonic clock while the app runs. A jump beyond
``TOLERANCE`` (forward or back) within a run, a time before the latest seen,
or a start more than ``MAX_GAP`` after it puts the kiosk in a "check the
clock" state: ``suspect()`` is True, and nothing that cannot be undone runs on
that clock — vouchers do not expire, luggage does not go overdue, personal
data is not purged and no day can be closed — until a manager confirms the
time (``confirm()``, from the console or ``flask clock confirm``).
"""

import datetime
import threading
import time
from zoneinfo import ZoneInfo

from kiosk.models import ClockWatch
from kiosk.models import database
from kiosk.models import utcnow

TOLERANCE = datetime.timedelta(minutes=10)
MAX_GAP = datetime.timedelta(hours=36)  # switched off longer than this: ask before trusting the date
RECORD_EVERY = datetime.timedelta(minutes=1)  # at most one write a minute to keep the record

_anchors = {}  # database file → (wall, monotonic) when this process first trusted the clock
_anchors_lock = threading.Lock()

_zone = ZoneInfo("Asia/Shanghai")


def configure(timezone_name):
    """Set the station's time zone (called once by create_app)."""
    global _zone
    _zone = ZoneInfo(timezone_name)


def zone():
    """Return the station's time zone."""
    return _zone


def now():
    """Return the current UTC time, naive, as every table stores it."""
    return utcnow()


def local_day(moment=None):
    """Return the station-local date of a naive UTC moment (default now)."""
    moment = now() if moment is None else moment
    return moment.replace(tzinfo=datetime.UTC).astimezone(_zone).date()


def local_time(moment=None):
    """Return a naive UTC moment (default now) as an aware station-local datetime."""
    moment = now() if moment is None else moment
    return moment.replace(tzinfo=datetime.UTC).astimezone(_zone)


def _anchor_key():
    return getattr(database.obj, "database", None)


def observe(wall=None, mono=None):
    """Compare the clock with what the kiosk has seen; return True if it can be trusted.

    Call with a database connection. ``wall`` and ``mono`` are for tests (a
    fake clock); by default ``now()`` and ``time.monotonic()``.
    """
    wall = now() if wall is None else wall
    mono = time.monotonic() if mono is None else mono
    key = _anchor_key()
    # Plain SQL: every request asks (housekeeping), and peewee's query building cost more than the read.
    row = database.execute_sql("SELECT id, latest_seen, suspect_since FROM clockwatch ORDER BY id LIMIT 1").fetchone()
    if row is None:
        with database.atomic():
            ClockWatch.create(latest_seen=wall)
        _anchor(key, wall, mono)
        return True
    if row[2] is not None:
        return False
    row = ClockWatch(id=row[0], latest_seen=ClockWatch.latest_seen.python_value(row[1]))
    with _anchors_lock:
        anchor = _anchors.get(key)
    reason = None
    if wall < row.latest_seen - TOLERANCE:
        reason = "back"
    elif anchor is not None and abs((wall - anchor[0]) - datetime.timedelta(seconds=mono - anchor[1])) > TOLERANCE:
        reason = "jumped"
    elif anchor is None and wall > row.latest_seen + MAX_GAP:
        reason = "ahead"
    if reason:
        with database.atomic():
            ClockWatch.update(suspect_since=wall, suspect_reason=reason).where(
                ClockWatch.id == row.id, ClockWatch.suspect_since.is_null()).execute()
        return False
    if anchor is None:
        _anchor(key, wall, mono)
    if wall > row.latest_seen + RECORD_EVERY:
        with database.atomic():
            ClockWatch.update(latest_seen=wall).where(ClockWatch.id == row.id, ClockWatch.latest_seen < wall).execute()
    return True


def _anchor(key, wall, mono):
    with _anchors_lock:
        _anchors[key] = (wall, mono)


def suspect():
    """Return the ClockWatch row while the clock is in doubt, else None (one small read)."""
    return ClockWatch.select().where(ClockWatch.suspect_since.is_null(False)).first()


def confirm(manager_id, wall=None, mono=None):
    """A manager says the clock is right: trust it from now on and record who said so."""
    wall = now() if wall is None else wall
    mono = time.monotonic() if mono is None else mono
    with database.atomic():
        ClockWatch.update(latest_seen=wall, suspect_since=None, suspect_reason="", confirmed_at=wall,
                          confirmed_by=manager_id).execute()
        if not ClockWatch.select().exists():
            ClockWatch.create(latest_seen=wall, confirmed_at=wall, confirmed_by=manager_id)
    _anchor(_anchor_key(), wall, mono)
