"""The station this kiosk serves and the kiosk's own identity.

``identity_problem`` is the one rule of what a station's identity may be:
provisioning (the image's first boot asks the app), every start-up
(``provision``) and every sync batch (``kiosk.sync.wire``, on both sides)
apply the same, so a name that passes provisioning can always travel.
"""

import re
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


STATION_CODE = re.compile(r"[\w.-]{1,64}")
COUNTY_CODE = re.compile(r"[0-9]{6}")
NAME_LENGTH = 64
HOTLINE_LENGTH = 32
# A spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def identity_problem(code, name, county_code, hotline=""):
    """Return what is wrong with a station's identity (a msgid), or None when it may be used and sent."""
    texts = (code, name, county_code, hotline)
    if not all(isinstance(text, str) for text in texts):
        return N_("A station needs a code, a name and a 6-digit county code.")
    if not (STATION_CODE.fullmatch(code) and COUNTY_CODE.fullmatch(county_code) and name.strip()):
        return N_("A station needs a code, a name and a 6-digit county code.")
    if len(name) > NAME_LENGTH or not name.isprintable() or name.startswith(FORMULA_START):
        return N_("A station name is 1 to 64 letters, without line breaks, not starting with = + - or @.")
    if len(hotline) > HOTLINE_LENGTH or not hotline.isprintable():
        return N_("A hotline is at most 32 characters on one line.")
    return None


def provision(code, name, county_code, hotline=""):
    """Create the station and this kiosk's identity if missing; return (info, created).

    Idempotent: running it again changes nothing unless the station's name,
    county or hotline changed in the configuration.
    """
    global _revision
    problem = identity_problem(code, name, county_code, hotline)
    if problem:
        raise DomainError(problem)
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
