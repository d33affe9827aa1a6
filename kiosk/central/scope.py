"""What an office user may see: a GB/T 2260 region (province, city or county) or everything.

The one place the scope becomes a query condition: every report, export and
list of the office calls ``Scope.stations()`` (or ``Scope.contains()`` for a
code read from a count, such as a worker's home county), so a county bureau
never sees another county's stations, whoever adds the next page.
"""

from dataclasses import dataclass

from peewee import SQL

from kiosk import regions
from kiosk.central.models import Station
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound

ALL = ""
LEVELS = ("province", "city", "county")


@dataclass(frozen=True)
class Scope:
    """A region code ("" for everything): 510000 a province, 511100 a city, 511102 a county."""

    code: str = ALL

    @property
    def prefix(self):
        """The leading digits every county code inside the scope shares ("" for everything)."""
        if not self.code:
            return ""
        if self.code.endswith("0000"):
            return self.code[:2]
        if self.code.endswith("00"):
            return self.code[:4]
        return self.code

    @property
    def level(self):
        """"all", "province", "city" or "county"."""
        return {0: "all", 2: "province", 4: "city", 6: "county"}[len(self.prefix)]

    def contains(self, code):
        """Whether a region or county code lies inside the scope."""
        return isinstance(code, str) and code.startswith(self.prefix)

    def condition(self, field=None):
        """A query condition on a county-code field (default the station's) that keeps the scope."""
        field = field if field is not None else Station.county_code
        if not self.prefix:
            return SQL("1 = 1")
        return field.startswith(self.prefix)

    def stations(self):
        """The stations inside the scope, by region code then station code."""
        return list(Station.select().where(self.condition()).order_by(Station.county_code, Station.code))

    def station(self, code):
        """The station with this code if it lies inside the scope; refuse it (as unknown) otherwise."""
        found = Station.get_or_none((Station.code == code) & self.condition()) if code else None
        if found is None:
            raise NotFound(N_("There is no such station."))
        return found

    def name(self):
        """The region's name, or "" for everything."""
        region = regions.find(self.code)
        return region.name if region else ""


def parse(code):
    """Return the Scope for a six-digit region code ("" or "all" for everything); refuse unknown codes."""
    code = (code or "").strip()
    if code in ("", "all"):
        return Scope()
    if regions.find(code) is None:
        raise DomainError(N_("%(code)s is not a GB/T 2260 province, city or county code."), code=code)
    return Scope(code)


def of(user):
    """The scope of an office user."""
    return Scope(getattr(user, "scope", "") or "")
