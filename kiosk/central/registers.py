"""The county registers (台账) from the counts: returning workers by home county, departures by destination.

Counts only, never a person: the kiosks send how many people registered per
day, direction, home county and destination province, and (since this
release) job intentions and people travelling along per home county too. A
county bureau's register holds the people whose home is in its scope,
wherever they registered: a worker from 市中区 coming home through 成都东站
is in 市中区's 返乡台账. A departure is counted under the destination city
when the worker chose one on the screen (440300 深圳市), else under the
province (440000): the register adds cities up to their province and keeps
"city not given" apart. Town-level homes are not recorded at the kiosk (it
offers counties only), so no register can show them.
"""

import datetime
from dataclasses import dataclass
from dataclasses import field

from peewee import fn

from kiosk import counts
from kiosk import metrics
from kiosk import regions
from kiosk.central.models import Cell
from kiosk.central.scope import Scope

METRICS = ("registrations", "registrations.intention", "registrations.children", "registrations.elderly")


@dataclass
class HomeCounty:
    """One home county's line of the register."""

    code: str
    name: str
    home: int = 0
    work: int = 0
    children: int = 0
    elderly: int = 0
    intentions: dict = field(default_factory=dict)

    @property
    def people(self):
        return self.home + self.work


@dataclass
class Destination:
    """One destination province's line of the register, with the cities workers named."""

    code: str  # six digits, or the word a kiosk sent for a place with no code
    name: str
    people: int = 0
    cities: list = field(default_factory=list)  # (city code, name, people), most first

    @property
    def city_not_given(self):
        """People leaving for this province who did not name a city."""
        return self.people - sum(people for _, _, people in self.cities)

    def __iter__(self):  # (code, name, people), as the register's destinations always were
        return iter((self.code, self.name, self.people))

    def __getitem__(self, index):
        return (self.code, self.name, self.people)[index]


def destination_lines(counted):
    """Group {destination code: people} into Destination lines by province, most people first."""
    lines, cities = {}, {}
    for code, people in counted.items():
        code = regions.six_digits(code) if code.isdigit() else code
        province = code[:2] + "0000" if code.isdigit() else code
        line = lines.setdefault(province, Destination(province, home_name(province)))
        line.people += people
        if province != code:
            cities.setdefault(province, {})
            cities[province][code] = cities[province].get(code, 0) + people
    for province, found in cities.items():
        lines[province].cities = sorted(((c, regions.find(c).name if regions.find(c) else c, n)
                                         for c, n in found.items()), key=lambda d: (-d[2], d[0]))
    return sorted(lines.values(), key=lambda d: (-d.people, d.code))


@dataclass
class Register:
    """A period's register within a scope."""

    start: datetime.date
    end: datetime.date
    counties: list  # HomeCounty, by code
    destinations: list  # Destination: (code, name, people leaving for work), its cities inside
    intentions: dict  # code → people
    unattributed: int = 0  # intentions and companions counted before they carried a home county

    def ranked(self, direction="home", limit=None):
        """Home counties by people arriving home (or leaving), most first."""
        ranked = sorted((c for c in self.counties if getattr(c, direction)), key=lambda c: (-getattr(c, direction), c.code))
        return ranked[:limit] if limit else ranked

    @property
    def totals(self):
        return {
            "home": sum(c.home for c in self.counties),
            "work": sum(c.work for c in self.counties),
            "children": sum(c.children for c in self.counties),
            "elderly": sum(c.elderly for c in self.counties),
        }


def home_name(code):
    """乐山市 市中区 for a Sichuan county, 重庆 for a home province outside Sichuan."""
    return regions.label(code) or code


def register(start, end, scope=Scope()):
    """Build the register of people whose home lies in ``scope``, registered at any station."""
    query = (
        Cell.select(Cell.metric, Cell.dims, fn.SUM(Cell.value))
        .where((Cell.day >= start) & (Cell.day <= end) & Cell.metric.in_(METRICS))
        .group_by(Cell.metric, Cell.dims)
        .tuples()
    )
    counties, destinations, intentions, unattributed = {}, {}, {}, 0
    for metric, text, value in query:
        dims, value = counts.decode_dims(text), int(value or 0)
        home = dims.get("county")
        if home is None:
            unattributed += value if scope.prefix == "" else 0
            if metric == "registrations.intention" and scope.prefix == "":
                intentions[dims.get("intention")] = intentions.get(dims.get("intention"), 0) + value
            continue
        if not scope.contains(home):
            continue
        line = counties.setdefault(home, HomeCounty(home, home_name(home)))
        if metric == "registrations":
            direction = dims.get("direction")
            if direction in ("home", "work"):
                setattr(line, direction, getattr(line, direction) + value)
            if direction == "work" and dims.get("destination"):
                where = dims["destination"]
                destinations[where] = destinations.get(where, 0) + value
        elif metric == "registrations.intention":
            code = dims.get("intention")
            line.intentions[code] = line.intentions.get(code, 0) + value
            intentions[code] = intentions.get(code, 0) + value
        else:
            kind = metric.rsplit(".", 1)[1]
            setattr(line, kind, getattr(line, kind) + value)
    return Register(
        start,
        end,
        [counties[c] for c in sorted(counties)],
        destination_lines(destinations),
        {code: intentions[code] for code in metrics.INTENTIONS if code in intentions}
        | {code: n for code, n in intentions.items() if code not in metrics.INTENTIONS},
        unattributed,
    )
