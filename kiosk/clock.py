"""The kiosk's one notion of time: UTC for storage, the station's zone for days.

Counts are per station-local day (a registration at 23:30 in Leshan belongs to
that Leshan day, not to UTC's). ``create_app`` sets the zone from TIMEZONE.
"""

import datetime
from zoneinfo import ZoneInfo

from kiosk.models import utcnow

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
