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
    """The trips inside a scope (and of one station when given), overdue first, most overdue first."""
    now = now or utcnow()
    query = (TripStatus.select(TripStatus, Station).join(Station)
             .where(scope.condition()).order_by(TripStatus.departs_at, TripStatus.id).limit(MOST_LISTED))
    if station is not None:
        query = query.where(Station.code == station)
    rows = []
    for status in query:
        late = (now - status.next_due_at if status.state == "departed" and status.next_due_at
                and status.next_due_at < now else None)
        rows.append(Listed(status, status.station, late))
    rows.sort(key=lambda r: (not r.overdue, ORDER.get(r.status.state, 9),
                             r.status.next_due_at if r.overdue else r.status.departs_at))
    return rows


def on_the_road(scope):
    """(trips on the road, of which overdue) inside a scope, for the dashboard's link."""
    rows = [r for r in listed(scope) if r.status.state == "departed"]
    return len(rows), sum(r.overdue for r in rows)
