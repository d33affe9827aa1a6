"""The station this kiosk serves and the kiosk's own identity."""

from dataclasses import dataclass

from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.models import Kiosk
from kiosk.models import Station
from kiosk.models import database


# How many times this process provisioned the station: callers that cache
# current() (kiosk/views/station_info.py, per request) compare it to re-read.
_revision = 0


@dataclass(frozen=True)
class StationInfo:
    """What the screens and tickets need to know about the station."""

    code: str
    name: str
    county_code: str
    hotline: str
    kiosk_id: str


def provision(code, name, county_code, hotline=""):
    """Create the station and this kiosk's identity if missing; return (info, created).

    Idempotent: running it again changes nothing unless the station's name,
    county or hotline changed in the configuration.
    """
    global _revision
    if not (code and name and len(county_code) == 6 and county_code.isdigit()):
        raise DomainError(N_("A station needs a code, a name and a 6-digit county code."))
    with database.atomic():
        station = Station.by_code(code)
        created = station is None
        if created:
            station = Station.create(code=code, name=name, county_code=county_code, hotline=hotline)
        elif (station.name, station.county_code, station.hotline) != (name, county_code, hotline):
            station.name, station.county_code, station.hotline = name, county_code, hotline
            station.save()
        kiosk = Kiosk.current()
        if kiosk is None:
            kiosk = Kiosk.create(station=station)
            created = True
        elif kiosk.station_id != station.id:
            kiosk.station = station
            kiosk.save()
    _revision += 1
    return current(), created


def revision():
    """Return a number that changes whenever provision() runs in this process."""
    return _revision


def current():
    """Return this kiosk's StationInfo, or None before provisioning."""
    kiosk = Kiosk.current()
    if kiosk is None:
        return None
    station = kiosk.station
    return StationInfo(
        code=station.code,
        name=station.name,
        county_code=station.county_code,
        hotline=station.hotline,
        kiosk_id=kiosk.kiosk_id,
    )
