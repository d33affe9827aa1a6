"""Totals by station and day, and by county, city and province, in the words of the metric glossary.

Every number is a measure of ``kiosk.metrics``: flows (people registered,
packs handed out) add up over days; levels (packs in stock) are the last value
of a period, carried forward over days without a change, and add up over
stations only. Stations are ordered by their GB/T 2260 county code, so a city's
stations stand together, as the bureaus' own tables do. Every query takes the
reader's ``Scope``: a county bureau's report holds its own stations only.
"""

import datetime
import functools
from dataclasses import dataclass
from dataclasses import field

from peewee import Case
from peewee import fn

from kiosk import counts
from kiosk import metrics
from kiosk import regions
from kiosk.central.models import Cell
from kiosk.central.models import History
from kiosk.central.models import Station
from kiosk.central.scope import Scope
from kiosk.errors import DomainError
from kiosk.errors import N_

DEFAULT_DAYS = 7
TREND_DAYS = 30
MAX_DAYS = 366
LEVEL_NAMES = {
    "province": N_("Province"),
    "city": N_("Prefecture-level city"),
    "county": N_("County (district)"),
    "station": N_("Station"),
}


@dataclass(frozen=True)
class StationInfo:
    """A station and where it belongs: county, city, province (GB/T 2260)."""

    code: str
    name: str
    county_code: str

    def region(self, level):
        """The six-digit code of the station's province, city or county."""
        digits = {"province": 2, "city": 4, "county": 6}[level]
        return regions.six_digits(self.county_code[:digits])

    @property
    def sort_key(self):
        return (self.county_code, self.code)


def region_name(code):
    """A region's full name (乐山市, 市中区), or the code if unknown."""
    region = regions.find(code)
    return region.name if region else code


@dataclass
class Report:
    """A period's numbers per station and day, with the measures that appear in it."""

    start: datetime.date
    end: datetime.date
    measures: list
    stations: list  # StationInfo, by region code
    flows: dict = field(default_factory=dict)  # (station code, day) → {measure key: value}
    levels: dict = field(default_factory=dict)  # (station code, day) → {measure key: value}, carried forward

    @property
    def days(self):
        return [self.start + datetime.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def value(self, code, day, measure):
        """One station's value of a measure on one day."""
        source = self.levels if measure.kind == metrics.LEVEL else self.flows
        return source.get((code, day), {}).get(measure.key, 0)

    def station_values(self, code):
        """One station's period values: flows summed, levels at the period's end."""
        return self._per_station().get(code) or {m.key: 0 for m in self.measures}

    def _per_station(self):
        """{station: {measure: period value}} in one pass over the cells (cached: pages ask often)."""
        if "_station_cache" not in self.__dict__:
            flows = [m for m in self.measures if m.kind != metrics.LEVEL]
            levels = [m for m in self.measures if m.kind == metrics.LEVEL]
            out = {s.code: {m.key: 0 for m in self.measures} for s in self.stations}
            for (code, _day), values in self.flows.items():
                bucket = out.setdefault(code, {m.key: 0 for m in self.measures})
                for m in flows:
                    bucket[m.key] += values.get(m.key, 0)
            for s in self.stations:
                values = self.levels.get((s.code, self.end), {})
                for m in levels:
                    out[s.code][m.key] = values.get(m.key, 0)
            self.__dict__["_station_cache"] = out
        return self.__dict__["_station_cache"]

    def _sum_over(self, codes):
        values = self._per_station()
        return {m.key: sum(values[c][m.key] for c in codes if c in values) for m in self.measures}

    @functools.cached_property
    def totals(self):
        """The period's values over every station."""
        return self._sum_over([s.code for s in self.stations])

    def by_day(self):
        """{day: {measure: value}} over every station, every day of the period."""
        out = {day: {m.key: 0 for m in self.measures} for day in self.days}
        flows = [m for m in self.measures if m.kind != metrics.LEVEL]
        levels = [m for m in self.measures if m.kind == metrics.LEVEL]
        for source, measures in ((self.flows, flows), (self.levels, levels)):
            for (_code, day), values in source.items():
                if day in out:
                    bucket = out[day]
                    for m in measures:
                        bucket[m.key] += values.get(m.key, 0)
        return out

    def by_station(self):
        """[(StationInfo, {measure: value})] in region-code order."""
        return [(s, self.station_values(s.code)) for s in self.stations]

    def by_region(self, level):
        """[(code, name, {measure: value}, station count)] per province, city or county, in code order."""
        groups = {}
        for station in self.stations:
            groups.setdefault(station.region(level), []).append(station.code)
        return [(code, region_name(code), self._sum_over(members), len(members)) for code, members in sorted(groups.items())]

    def has_data(self):
        return bool(self.flows) or any(any(v.values()) for v in self.levels.values())


def period(start_text, end_text, today, days=DEFAULT_DAYS):
    """Return (start, end) from YYYY-MM-DD texts; by default the ``days`` ending today."""
    try:
        end = datetime.date.fromisoformat(end_text or today.isoformat())
        start = datetime.date.fromisoformat(start_text or (end - datetime.timedelta(days=days - 1)).isoformat())
    except (ValueError, TypeError, OverflowError):  # OverflowError: a week before 0001-01-07
        raise DomainError(N_("Please give dates as YYYY-MM-DD.")) from None
    if end < start:
        raise DomainError(N_("The first day must not be after the last day."))
    if (end - start).days >= MAX_DAYS:
        raise DomainError(N_("Please choose at most %(days)s days."), days=MAX_DAYS)
    return start, end


def _where(scope, station):
    where = scope.condition()
    if station:
        where &= Station.code == station
    return where


def measures_for(seen_metrics):
    """The glossary's measures for the metrics seen (headline ones always), then unknown metrics, labelled."""
    known = [m for m in metrics.MEASURES if m.headline or m.source in seen_metrics]
    sources = {m.source for m in metrics.MEASURES}
    return known + [metrics.unknown(name) for name in sorted(set(seen_metrics) - sources)]


def report(start, end, scope=Scope(), station=None, only=None):
    """Sum the period's cells per station and day into the glossary's measures, in the database.

    ``only`` (measure keys) limits the report to those measures, for a chart that needs two.
    """
    where = _where(scope, station)
    in_period = (Cell.day >= start) & (Cell.day <= end)
    if only:
        in_period &= Cell.metric.in_(sorted({metrics.get(key).source for key in only}))
    pairs = list(Cell.select(Cell.metric, Cell.dims).join(Station).where(where & in_period).distinct().tuples())
    # Levels always: a stock level set before the period still holds in it.
    level_metrics = {m.source for m in metrics.MEASURES if m.kind == metrics.LEVEL}
    measures = measures_for({m for m, _ in pairs} | level_metrics)
    if only:
        measures = [m for m in measures if m.key in only]
    flows = [m for m in measures if m.kind != metrics.LEVEL]
    levels = [m for m in measures if m.kind == metrics.LEVEL]
    result = Report(start, end, measures, _stations(where))
    _sum_flows(result, flows, pairs, where & in_period)
    _carry_levels(result, levels, where)
    return result


def _stations(where):
    query = Station.select().where(where).order_by(Station.county_code, Station.code)
    return [StationInfo(s.code, s.name, s.county_code) for s in query]


def _sum_flows(result, flows, pairs, where):
    """One grouped query per station, day and metric: the metric's sum, and one sum per slice.

    Grouping by (station, day, metric) follows the cell index on (day,
    station, metric), so the database sums without sorting; a slice such as
    direction=home is one ``SUM(CASE …)`` column whatever the number of
    measures, and each measure takes its metric's column in Python.
    """
    if not flows:
        return
    seen = {m for m, _ in pairs}
    flows = [m for m in flows if m.source in seen]  # the rest are zero: no column to compute
    if not flows:
        return
    sources = sorted({m.source for m in flows})
    slices = sorted({m.match for m in flows if m.match})
    columns = [fn.SUM(Cell.value)]
    for match in slices:  # the dimension texts in the slice; none matches nothing
        texts = [d for _m, d in pairs if all(counts.decode_dims(d).get(k) == v for k, v in match)]
        columns.append(fn.SUM(Case(None, [(Cell.dims.in_(texts) if texts else (Cell.id < 0), Cell.value)], 0)))
    if set(sources) != seen:  # some metrics are not summed here (levels, or a chart's two measures)
        where &= Cell.metric.in_(sources)
    query = (Cell.select(Cell.station, Cell.day, Cell.metric, *columns).join(Station).where(where)
             .group_by(Cell.station, Cell.day, Cell.metric))
    codes = dict(Station.select(Station.id, Station.code).tuples())
    by_source = {}
    for measure in flows:
        by_source.setdefault(measure.source, []).append(
            (measure.key, 1 + slices.index(measure.match) if measure.match else 0))
    empty = dict.fromkeys(m.key for m in flows)
    for station_id, day, metric, *sums in database_of(Cell).execute(query).fetchall():  # raw rows: no per-value conversion
        where_ = (codes[station_id], _date(day))
        bucket = result.flows.get(where_)
        if bucket is None:
            bucket = result.flows[where_] = dict.fromkeys(empty, 0)
        for key, column in by_source.get(metric, ()):
            bucket[key] += int(sums[column] or 0)


def database_of(model):
    return model._meta.database


def _carry_levels(result, levels, where):
    """Each level per station and day: the last value on or before the day, per kiosk and dimensions, summed.

    A kiosk wiped or replaced (the same registered kiosk, a new database and
    so a new history) counts its stock afresh: its old history's levels hold
    until the day the new one begins and are not carried past it, so the
    office never adds a shelf the old database counted to the one the new
    database counts (see ``replaced_on``).
    """
    if not levels:
        return
    query = (
        Cell.select(Cell.history, Station.code, Cell.metric, Cell.dims, Cell.day, Cell.value).join(Station)
        .where(where & (Cell.day <= result.end) & Cell.metric.in_([m.source for m in levels]))
        .order_by(Cell.day).tuples()
    )
    cells = [(h, code, metric, counts.decode_dims(dims), _date(day), value) for h, code, metric, dims, day, value in query]
    ends = replaced_on()
    current, index = {}, 0
    for day in result.days:
        while index < len(cells) and cells[index][4] <= day:
            history, code, metric, dims, _day, value = cells[index]
            current[(history, code, metric, tuple(sorted(dims.items())))] = (dims, value)
            index += 1
        for (history, code, metric, _k), (dims, value) in current.items():
            if history in ends and ends[history] <= day:
                continue  # a replaced kiosk's old shelf: the new database counts it now
            bucket = result.levels.setdefault((code, day), {})
            for measure in levels:
                if measure.source == metric and measure.takes(dims):
                    bucket[measure.key] = bucket.get(measure.key, 0) + value


def replaced_on():
    """{history id: the day a newer history of the same registered kiosk began} for replaced kiosks.

    A history begins on its first counted day (or the day the office first
    heard from it, for a database with nothing counted yet). Only kiosks with
    more than one history are looked at: a handful of rows, then one index
    seek per history.
    """
    twice = (History.select(History.registered).where(History.registered.is_null(False))
             .group_by(History.registered).having(fn.COUNT(History.id) > 1))
    begins = {}
    for history in History.select().where(History.registered.in_(twice)):
        first = Cell.select(fn.MIN(Cell.day)).where(Cell.history == history.id).scalar()
        begun = _date(first) if first else history.first_seen_at.date()
        begins.setdefault(history.registered_id, []).append((begun, history.id))
    ends = {}
    for histories in begins.values():
        histories.sort()
        for (_, older), (begun, _newer) in zip(histories, histories[1:]):
            ends[older] = begun
    return ends


def _date(day):
    return day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)


def day_totals(day):
    """Return one day's totals as the JSON the command line prints.

    ``cells`` adds up every kiosk's cells per station, metric and dimensions,
    so it can be compared exactly with what each kiosk prints for itself.
    """
    query = (
        Cell.select(Station.code, Cell.metric, Cell.dims, fn.SUM(Cell.value))
        .join(Station)
        .where(Cell.day == day)
        .group_by(Station.code, Cell.metric, Cell.dims)
        .order_by(Station.code, Cell.metric, Cell.dims)
        .tuples()
    )
    totals, stations, cells = {}, {}, []
    for code, metric, dims, value in query:
        value = int(value)
        totals[metric] = totals.get(metric, 0) + value
        per_station = stations.setdefault(code, {})
        per_station[metric] = per_station.get(metric, 0) + value
        cells.append({"station": code, "metric": metric, "dims": counts.decode_dims(dims), "value": value})
    return {"day": day.isoformat(), "totals": totals, "stations": stations, "cells": cells}
