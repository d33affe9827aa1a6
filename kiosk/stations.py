"""The station this kiosk serves and the kiosk's own identity.

``identity_problem`` is the one rule of what a station's identity may be:
provisioning (the image's first boot asks the app), every start-up
(``provision``) and every sync batch (``kiosk.sync.wire``, on both sides)
apply the same, so a name that passes provisioning can always travel.
"""

import datetime
import re
from dataclasses import dataclass

from kiosk import audit
from kiosk import clock

from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.models import Kiosk
from kiosk.models import Station
from kiosk.models import StationSetting
from kiosk.models import database


# How many times this process provisioned the station or changed its settings:
# callers that cache current_with_prompts() (kiosk/views/station_info.py, per
# request) compare it to re-read.
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


HOURS = re.compile(r"\s*(\d{2}:\d{2})\s*[-–~]\s*(\d{2}:\d{2})\s*")


@dataclass(frozen=True)
class OpeningHours:
    """When the station is open each day, station-local (config STATION_HOURS, "07:00-22:00").

    A closing time at or before the opening time means past midnight ("18:00-02:00").
    A station open day and night has no OpeningHours (None): nothing here applies.
    """

    opens: datetime.time
    closes: datetime.time

    @classmethod
    def parse(cls, text):
        """Return the OpeningHours "HH:MM-HH:MM" names, None for None or "" (always open); ValueError otherwise."""
        if text is None or text == "":
            return None
        found = HOURS.fullmatch(text) if isinstance(text, str) else None
        try:
            opens, closes = (datetime.time.fromisoformat(part) for part in found.groups())
        except (AttributeError, ValueError):
            raise ValueError(f"STATION_HOURS must be like \"07:00-22:00\" (null: open day and night), not {text!r}")
        if opens == closes:
            raise ValueError("STATION_HOURS: opening and closing at the same time; use null for day and night")
        return cls(opens, closes)

    def __str__(self):
        return f"{self.opens:%H:%M}–{self.closes:%H:%M}"

    def spans(self, moment):
        """Yield the open spans (naive UTC start, end) from the day before ``moment``'s to two days after."""
        day = clock.local_day(moment)
        for offset in range(-1, 3):
            opens_on = day + datetime.timedelta(days=offset)
            closes_on = opens_on + datetime.timedelta(days=1 if self.closes <= self.opens else 0)
            yield (_utc(datetime.datetime.combine(opens_on, self.opens, tzinfo=clock.zone())),
                   _utc(datetime.datetime.combine(closes_on, self.closes, tzinfo=clock.zone())))

    def is_open(self, moment):
        """True if the station is open at ``moment`` (naive UTC); its closing minute still counts."""
        return any(start <= moment <= end for start, end in self.spans(moment))

    def next_closing(self, moment):
        """Return the first closing after ``moment`` (naive UTC)."""
        return min(end for start, end in self.spans(moment) if end > moment)

    def next_opening(self, moment):
        """Return ``moment`` if the station is open then, else when it opens next (naive UTC)."""
        if any(start <= moment < end for start, end in self.spans(moment)):
            return moment
        return min(start for start, end in self.spans(moment) if start > moment)


def _utc(local):
    return local.astimezone(datetime.UTC).replace(tzinfo=None)


def opening_hours(config):
    """Return the station's OpeningHours from its configuration (None: open day and night)."""
    return OpeningHours.parse(config.get("STATION_HOURS"))


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
    """Return a number that changes whenever provision() or change_prompts() runs in this process."""
    return _revision


def current():
    """Return this kiosk's StationInfo, or None before provisioning."""
    kiosk = Kiosk.current()
    return _info(kiosk) if kiosk is not None else None


def current_with_prompts():
    """Return (StationInfo or None, PromptSettings) in one statement.

    Pages show the station in their status bar and the screens or the console
    the prompts' volume; the settings come along as two subqueries by their
    unique key (read apart only before provisioning).
    """
    # Plain SQL: every page sends it, and peewee's query building cost more than the read.
    row = database.execute_sql(
        "SELECT s.code, s.name, s.county_code, s.hotline, k.kiosk_id,"
        " (SELECT value FROM stationsetting WHERE key = 'prompt_volume'),"
        " (SELECT value FROM stationsetting WHERE key = 'prompt_muted')"
        " FROM kiosk AS k JOIN station AS s ON s.id = k.station_id ORDER BY k.id LIMIT 1").fetchone()
    if row is None:
        return None, prompt_settings()
    code, name, county_code, hotline, kiosk_id, volume, muted = row
    return (StationInfo(code=code, name=name, county_code=county_code, hotline=hotline, kiosk_id=kiosk_id),
            _prompts({"prompt_volume": volume, "prompt_muted": muted}))


def _info(kiosk):
    station = kiosk.station
    return StationInfo(
        code=station.code,
        name=station.name,
        county_code=station.county_code,
        hotline=station.hotline,
        kiosk_id=kiosk.kiosk_id,
    )


# Console settings ------------------------------------------------------------------

PROMPT_VOLUME_STEP = 10


@dataclass(frozen=True)
class PromptSettings:
    """How loud the screens' spoken prompts are (0–100) and whether they are muted."""

    volume: int = 80
    muted: bool = False


def prompt_settings():
    """Return the station's prompt volume and mute (defaults until a volunteer changes them)."""
    return _prompts({s.key: s.value for s in StationSetting.select()
                     .where(StationSetting.key.in_(("prompt_volume", "prompt_muted")))})


def _prompts(values):
    """PromptSettings from the stored values by key (a missing or None value: the default)."""
    default = PromptSettings()
    try:
        volume = min(max(int(values.get("prompt_volume") or default.volume), 0), 100)
    except ValueError:
        volume = default.volume
    return PromptSettings(volume=volume, muted=values.get("prompt_muted") == "1")


def change_prompts(action, volunteer_id=None):
    """Apply a console tap ("louder", "quieter", "mute", "unmute") and return the new settings."""
    global _revision
    if action not in ("louder", "quieter", "mute", "unmute"):
        raise DomainError(N_("That is not a setting of the spoken prompts."))
    with database.atomic():
        now = prompt_settings()
        volume, muted = now.volume, now.muted
        if action == "louder":
            volume, muted = min(volume + PROMPT_VOLUME_STEP, 100), False
        elif action == "quieter":
            volume = max(volume - PROMPT_VOLUME_STEP, 0)
        else:
            muted = action == "mute"
        for key, value in (("prompt_volume", str(volume)), ("prompt_muted", "1" if muted else "0")):
            StationSetting.insert(key=key, value=value, updated_at=clock.now(), updated_by=volunteer_id).on_conflict(
                conflict_target=[StationSetting.key],
                update={StationSetting.value: value, StationSetting.updated_at: clock.now(),
                        StationSetting.updated_by: volunteer_id},
            ).execute()
        audit.record("prompts", "station:prompts", volunteer_id, detail=f"volume {volume}, {'muted' if muted else 'on'}")
    _revision += 1
    return PromptSettings(volume, muted)
