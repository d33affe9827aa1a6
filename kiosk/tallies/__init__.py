"""One-tap service tallies: guidance, tea and water, medicine, care, transport info…

A volunteer taps a service once per person served (or once for a family with
a count). The tap and its count cell are written together; the volunteer's
last tap can be undone within a minute, which takes the count back down.
"""

import datetime

from kiosk import clock
from kiosk import counts
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.tallies.models import Tally

METRIC = "tallies"
UNDO_WINDOW = datetime.timedelta(minutes=1)
MAX_PEOPLE = 50

# The services the reports name (DOMAIN.md), key → label msgid and icon.
SERVICES = {
    "guidance": N_("Guidance"),
    "tea_water": N_("Tea and water"),
    "medicine": N_("Medicine"),
    "care": N_("Elderly and child care"),
    "transport_info": N_("Transport info"),
    "road_rescue": N_("Road rescue"),
    "protective": N_("Protective supplies"),
}


def check_configured(keys):
    """Refuse a station configuration that names services we do not know."""
    unknown = [key for key in keys if key not in SERVICES]
    if unknown or not keys:
        raise ValueError(f"TALLY_SERVICES must be a non-empty list of {sorted(SERVICES)}; unknown: {unknown}")


def tap(service, volunteer_id, people=1, allowed=tuple(SERVICES), now=None):
    """Record people served for a service today; return the Tally."""
    if service not in allowed:
        raise DomainError(N_("This service is not counted at this station."))
    if not isinstance(people, int) or not 1 <= people <= MAX_PEOPLE:
        raise DomainError(N_("The number of people must be between 1 and %(max)s."), max=MAX_PEOPLE)
    now = now or clock.now()
    with counts.write_transaction():
        day = counts.booking_day(clock.local_day(now))  # after closing time, tomorrow's books
        tally = Tally.create(service=service, people=people, day=day, volunteer=volunteer_id, created_at=now)
        counts.add(METRIC, day, people, service=service)
    return tally


def last_tap(volunteer_id):
    """Return the volunteer's most recent tap that is still counted, or None."""
    return (
        Tally.select()
        .where(Tally.volunteer == volunteer_id, Tally.undone_at.is_null())
        .order_by(Tally.created_at.desc(), Tally.id.desc())
        .first()
    )


def undoable(tally, now=None):
    """Return True if this tap may still be undone."""
    now = now or clock.now()
    return tally is not None and tally.undone_at is None and now - tally.created_at <= UNDO_WINDOW


def undo(tally_id, volunteer_id, now=None):
    """Undo the volunteer's last tap if it is less than a minute old; return it."""
    now = now or clock.now()
    with counts.write_transaction():
        tally = Tally.get_or_none(Tally.id == tally_id, Tally.volunteer == volunteer_id)
        if tally is None:
            raise NotFound(N_("There is nothing to undo."))
        if tally.undone_at is not None:
            raise DomainError(N_("That tap was already undone."))
        latest = last_tap(volunteer_id)
        if latest.id != tally.id:
            raise DomainError(N_("Only your last tap can be undone."))
        if not undoable(tally, now):
            raise DomainError(N_("A tap can only be undone within a minute."))
        if counts.is_closed(tally.day):
            raise DomainError(N_("That day is closed, so the tap stays counted. A manager can correct the day report."))
        tally.undone_at = now
        tally.save()
        counts.add(METRIC, tally.day, -tally.people, service=tally.service)
    return tally


def today(allowed=tuple(SERVICES), now=None, cells=None):
    """Return [(key, label msgid, people today)] for the configured services.

    "Today" is the day being counted: after a manager closes the day, tomorrow.
    ``cells`` (counts.day_cells of that day), when the page has read them
    already, saves reading the day again.
    """
    if cells is None:
        cells = counts.day_cells(counts.booking_day(clock.local_day(now)))
    return [(key, SERVICES[key], cells.value(METRIC, service=key)) for key in allowed]
