"""Return-to-work trips (返岗专车/专列) at the office: the latest status each kiosk reported.

A kiosk's pull (``trips=1``) or bundle carries its trips on the road or departing around today
(kiosk.sync.wire, ``trips``); ``ingest.store_trips`` keeps the newest per (kiosk, trip). This
lists them within a reader's scope: overdue safety check-ins first, then trips on the road,
then those still boarding, then the ones that ended. Overdue is judged on the office's clock
against the check-in due time the kiosk sent, so a trip keeps turning overdue between pulls.
"""

import datetime
from dataclasses import dataclass

from kiosk.central.models import Station
from kiosk.central.models import TripStatus
from kiosk.central.models import utcnow

MOST_LISTED = 500
ORDER = {"departed": 1, "open": 2, "arrived": 3, "cancelled": 4}


@dataclass(frozen=True)
class Listed:
    """One trip on the office's page."""

    status: TripStatus
    station: Station
    overdue_by: datetime.timedelta | None  # how long the safety check-in is late; None when it is not

    @property
    def overdue(self):
        return self.overdue_by is not None


def listed(scope, station=None, now=None):
    """The trips inside a scope (and of one station when given), overdue first, most overdue first.

    Trips on the road are read first and all (up to MOST_LISTED), so a long list of trips not yet
    left can never push an overdue one off the page.
    """
    now = now or utcnow()

    def query(*where):
        found = TripStatus.select(TripStatus, Station).join(Station).where(scope.condition(), *where)
        return found.where(Station.code == station) if station is not None else found

    road = list(query(TripStatus.state == "departed").order_by(TripStatus.next_due_at, TripStatus.id)
                .limit(MOST_LISTED))
    rest = list(query(TripStatus.state != "departed").order_by(TripStatus.departs_at, TripStatus.id)
                .limit(MOST_LISTED - len(road))) if len(road) < MOST_LISTED else []
    rows = [Listed(s, s.station, _late(s, now)) for s in road + rest]
    rows.sort(key=lambda r: (not r.overdue, ORDER.get(r.status.state, 9),
                             r.status.next_due_at if r.status.state == "departed" else r.status.departs_at))
    return rows


def _late(status, now):
    due = status.next_due_at
    return now - due if status.state == "departed" and due is not None and due < now else None


def on_the_road(scope, now=None):
    """(trips on the road, of which overdue) inside a scope, for the dashboard's line."""
    now = now or utcnow()
    road = TripStatus.select().join(Station).where(scope.condition(), TripStatus.state == "departed")
    return road.count(), road.where(TripStatus.next_due_at < now).count()
