"""Totals and the spreadsheets offices send upward: station × day × metric.

Columns follow what the offices report (see DOMAIN.md): registrations split
into arriving home (返乡) and leaving for work (返岗), gift packs issued and
handed out, bags minded, service person-times. A metric nobody has named a
column for yet still appears, under its own name, so nothing counted is lost.
"""

import csv
import datetime
import io
from dataclasses import dataclass

from peewee import Case
from peewee import fn

from kiosk import counts
from kiosk.central.models import Cell
from kiosk.central.models import Station
from kiosk.errors import DomainError
from kiosk.errors import N_


@dataclass(frozen=True)
class Column:
    """One report column: a metric, optionally narrowed to one dimension value."""

    key: str
    label: str  # English msgid; translated when shown
    metric: str
    match: tuple = ()  # ((dimension, value),)

    def takes(self, metric, dims):
        """Whether a cell with this metric and dimension text counts in this column."""
        if metric != self.metric:
            return False
        decoded = counts.decode_dims(dims)
        return all(decoded.get(k) == v for k, v in self.match)


COLUMNS = [
    Column("registrations", N_("Registrations"), "registrations"),
    Column("registrations_home", N_("Arriving home"), "registrations", (("direction", "home"),)),
    Column("registrations_work", N_("Leaving for work"), "registrations", (("direction", "work"),)),
    Column("vouchers_issued", N_("Gift packs issued"), "vouchers.issued"),
    Column("vouchers_redeemed", N_("Gift packs handed out"), "vouchers.redeemed"),
    Column("luggage_checked_in", N_("Bags minded"), "luggage.checked_in"),
    Column("luggage_claimed", N_("Bags collected"), "luggage.claimed"),
    Column("tallies", N_("Services given (person-times)"), "tallies"),
    Column("registrations_repeat", N_("Repeat visits (not counted as people)"), "registrations.repeat"),
    Column("day_closed", N_("Day report closed by the station"), "daybook.closed"),  # 1 once a manager signs off
]

DEFAULT_DAYS = 7
MAX_DAYS = 366

# Headers of the fixed columns of a report.
STATION_CODE = N_("Station code")
STATION_NAME = N_("Station")
DAY = N_("Date")
TOTAL = N_("Total")


@dataclass
class Report:
    """Rows of (station code, station name, day, values by column key) plus totals."""

    start: datetime.date
    end: datetime.date
    columns: list
    rows: list
    totals: dict

    def by_day(self):
        """Return {day: {column: value}} over all stations, every day of the period."""
        days = {self.start + datetime.timedelta(days=i): {} for i in range((self.end - self.start).days + 1)}
        for _code, _name, day, values in self.rows:
            bucket = days.setdefault(day, {})
            for key, value in values.items():
                bucket[key] = bucket.get(key, 0) + value
        return days

    def by_station(self):
        """Return [(code, name, {column: value})] over the period, by station name."""
        stations = {}
        for code, name, _day, values in self.rows:
            _n, bucket = stations.setdefault(code, (name, {}))
            for key, value in values.items():
                bucket[key] = bucket.get(key, 0) + value
        return sorted(((code, name, values) for code, (name, values) in stations.items()), key=lambda r: (r[1], r[0]))


def period(start_text, end_text, today):
    """Return (start, end) from YYYY-MM-DD texts; by default the week ending today."""
    try:
        end = datetime.date.fromisoformat(end_text or today.isoformat())
        start = datetime.date.fromisoformat(start_text or (end - datetime.timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    except (ValueError, OverflowError):  # OverflowError: a week before 0001-01-07
        raise DomainError(N_("Please give dates as YYYY-MM-DD.")) from None
    if end < start:
        raise DomainError(N_("The first day must not be after the last day."))
    if (end - start).days >= MAX_DAYS:
        raise DomainError(N_("Please choose at most %(days)s days."), days=MAX_DAYS)
    return start, end


def _in_period(start, end, station=None):
    where = (Cell.day >= start) & (Cell.day <= end)
    if station:
        where &= Station.code == station
    return where


def columns_for(start, end, station=None):
    """The report's columns: the named ones, then any other metric seen in the period."""
    seen = Cell.select(Cell.metric).join(Station).where(_in_period(start, end, station)).distinct()
    named = {c.metric for c in COLUMNS}
    extra = sorted({m for (m,) in seen.tuples()} - named)
    return COLUMNS + [Column(f"metric:{m}", m, m) for m in extra]


def report(start, end, station=None):
    """Sum cells per station and day into the report's columns, in the database."""
    columns = columns_for(start, end, station)
    where = _in_period(start, end, station)
    pairs = Cell.select(Cell.metric, Cell.dims).join(Station).where(where).distinct().tuples()
    matching = {c.key: [] for c in columns}
    for metric, dims in pairs:
        for column in columns:
            if column.match and column.takes(metric, dims):
                matching[column.key].append(dims)
    sums = []
    for index, column in enumerate(columns):
        condition = Cell.metric == column.metric
        if column.match:  # the dimension texts that match, found above; none matches nothing
            condition &= Cell.dims.in_(matching[column.key]) if matching[column.key] else (Cell.id < 0)
        sums.append(fn.SUM(Case(None, [(condition, Cell.value)], 0)).alias(f"c{index}"))
    query = (
        Cell.select(Station.code, Station.name, Cell.day, *sums)
        .join(Station)
        .where(where)
        .group_by(Station.code, Station.name, Cell.day)
        .order_by(Station.name, Station.code, Cell.day)
        .tuples()
    )
    rows, totals = [], {c.key: 0 for c in columns}
    for code, name, day, *values in query:
        day = day if isinstance(day, datetime.date) else datetime.date.fromisoformat(day)
        row = {c.key: int(v or 0) for c, v in zip(columns, values)}
        rows.append((code, name, day, row))
        for key, value in row.items():
            totals[key] += value
    return Report(start, end, columns, rows, totals)


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


def header(report_, translate):
    """The header row, translated (the spreadsheets always use Chinese)."""
    return [translate(STATION_CODE), translate(STATION_NAME), translate(DAY)] + [
        translate(c.label) if not c.key.startswith("metric:") else c.label for c in report_.columns
    ]


def table(report_):
    """The data rows as lists of plain values."""
    return [
        [code, name, day.isoformat()] + [values[c.key] for c in report_.columns]
        for code, name, day, values in report_.rows
    ]


def to_csv(report_, translate):
    """Return the report as CSV bytes, UTF-8 with a BOM so Excel shows the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header(report_, translate))
    writer.writerows(table(report_))
    writer.writerow([translate(TOTAL), "", ""] + [report_.totals[c.key] for c in report_.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(report_, translate, title):
    """Return the report as an XLSX workbook's bytes (openpyxl)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = translate(N_("Daily report"))
    heading = header(report_, translate)
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(heading))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(heading)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    for row in table(report_):
        sheet.append(row)
    sheet.append([translate(TOTAL), "", ""] + [report_.totals[c.key] for c in report_.columns])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "D3"
    widths = [14, 18, 12] + [12] * len(report_.columns)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def title(report_, translate):
    """The spreadsheet's title line: what and which days."""
    return translate(N_("Nuantu service points, %(start)s to %(end)s")) % {
        "start": report_.start.isoformat(),
        "end": report_.end.isoformat(),
    }
