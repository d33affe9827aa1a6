"""Count cells: the kiosk's per-day numbers, the only thing that leaves the kiosk.

A cell is (day, metric, dimensions) → an absolute value. Domain modules call
``add()`` inside the same write transaction as the record they create, so a
count can never disagree with the records behind it. Every change stamps the
cell with the next kiosk-wide sequence number; the central office pulls
"cells changed since N" and upserts them, so re-pulls never double-count.

A closed day's cells are final (a manager closed it and printed its report):
``add()`` and ``put()`` book a change dated to a closed day on the next open
day instead, so the report on paper and the central office's numbers stay
what they were when the day was closed.

A day from a clock in doubt (``kiosk.clock``: it jumped, or went back) is
not trusted either: while the kiosk is in "check the clock", a cell dated
after the last day the clock was trusted, or dated the doubtful clock's own
today, is held on that last trusted day (``held_day``). Nothing is counted on
a day a year ahead, nor on a day the clock went back to; a manager's
confirmation ends the hold, and what was held stays on the trusted day.

Dimensions are short codes only (direction, county code, pack type…), never
personal data: only the keys in ``DIMENSIONS`` are accepted, each with a value
pattern that a phone or ID number cannot match.
"""

import datetime
import re
from dataclasses import dataclass

from peewee import SQL

from kiosk import clock
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.models import CountCell
from kiosk.models import DayClose
from kiosk.models import database

DIMENSION_SEPARATOR = ";"

# A short name that starts with a letter (Latin or Chinese): pack types,
# services, place names. Starting with a letter is what keeps phone and ID
# numbers out; everything digit-only must be an area code.
SLUG = r"[^\W\d_][\w.-]{0,31}"
AREA_CODE = r"\d{6}"

# The only dimensions a count may carry, with the pattern each value must match
# (GB/T 2260 area codes for places). This is the whole vocabulary that can
# leave the kiosk; a feature that needs another dimension adds it here, and a
# key that could identify a person (name, phone, ID, town…) never belongs.
DIMENSIONS = {
    "direction": re.compile(r"home|work"),
    "county": re.compile(AREA_CODE),
    "destination": re.compile(rf"\d{{2}}|\d{{4}}|{AREA_CODE}|{SLUG}"),
    "pack": re.compile(SLUG),
    "service": re.compile(SLUG),
    "intention": re.compile(SLUG),
    "mode": re.compile(r"bus|train"),  # a return-to-work trip's transport
    "sector": re.compile(SLUG),  # kind of work: construction, factory, services…
    "locality": re.compile(r"local|away"),  # a job in the station's own city or elsewhere
}

# The metrics the features count, with the dimensions each is broken down by.
# The central office's reports are built from these names; a feature may count
# others (any name matching METRIC travels), but these are the agreed ones.
# Each has its labels, unit and kind (flow or level) in ``kiosk.metrics``.
METRICS = {
    # People: a first registration of the day. The same phone or ID again that
    # day counts in registrations.repeat instead, so reports never count a
    # person twice. A home outside Sichuan is its province code in "county".
    "registrations": ("direction", "county", "destination"),
    "registrations.repeat": ("direction", "county", "destination"),
    "registrations.intention": ("intention", "direction", "county"),
    "registrations.children": ("direction", "county"),
    "registrations.elderly": ("direction", "county"),
    "vouchers.issued": ("pack",),
    "vouchers.redeemed": ("pack",),
    "vouchers.voided": ("pack",),
    "vouchers.expired": ("pack",),  # counted on the voucher's last valid day
    "packs.stock_in": ("pack",),
    "packs.stock_out": ("pack",),
    "packs.on_hand": ("pack",),  # a level, not a flow: the day's last value (put, not add)
    "luggage.checked_in": (),
    "luggage.claimed": (),
    "luggage.overdue": (),
    "luggage.lost_released": (),
    "luggage.tickets.checked_in": (),
    "luggage.tickets.claimed": (),
    "luggage.tickets.overdue": (),
    "luggage.tickets.lost_released": (),
    "tallies": ("service",),
    # Return-to-work buses and trains (返岗专车/专列), by destination province and mode.
    "trips.run": ("destination", "mode"),  # a trip that left (counted on its departure day)
    "trips.seats_booked": ("destination", "mode"),
    "trips.boarded": ("destination", "mode"),
    "trips.no_show": ("destination", "mode"),  # seats not boarded when the trip left
    "trips.safety_checkins": ("destination", "mode"),
    "trips.checkins_missed": ("destination", "mode"),  # a safety check-in that came late, once per window
    "trips.arrived": ("destination", "mode"),  # runs that arrived
    "trips.waitlist_joined": ("destination", "mode"),  # people who joined a full trip's waiting list
    "trips.waitlist_seated": ("destination", "mode"),  # people the desk gave freed seats from the list
    "jobs.viewed": ("sector", "locality"),
    "jobs.slips_printed": ("sector", "locality"),
    # The tip itself travels only sealed (kiosk.help.tips); this is how many, by kind of work.
    "wage_tips.received": ("sector",),
}

# Metric names: dotted lower-case words such as ``vouchers.issued``.
METRIC = re.compile(r"[a-z][a-z0-9_]{0,31}(\.[a-z][a-z0-9_]{0,31}){0,2}")


@dataclass(frozen=True)
class Cell:
    """One count cell as it travels: day, metric, dimensions, value, sequence."""

    day: str
    metric: str
    dims: dict
    value: int
    seq: int


def write_transaction():
    """Open a write transaction that takes SQLite's write lock at once.

    Sequence numbers are read and written in the same transaction; taking the
    lock up front (BEGIN IMMEDIATE) serialises writers instead of letting two
    read the same maximum and one fail on commit.
    """
    return database.atomic("IMMEDIATE")


def check_dimension(key, value):
    """Raise ValueError unless key is a known dimension and value fits its pattern.

    The message names the key only: a refused value may be personal data and
    must not end up in a log.
    """
    pattern = DIMENSIONS.get(key)
    if pattern is None:
        raise ValueError(f"unknown count dimension {key!r} (allowed: {', '.join(sorted(DIMENSIONS))})")
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ValueError(f"count dimension {key!r} has a value that is not a short code")


def check_metric(metric):
    """Raise ValueError unless metric is a dotted lower-case name."""
    if not isinstance(metric, str) or not METRIC.fullmatch(metric):
        raise ValueError(f"bad count metric name {metric!r}")


def encode_dims(dims):
    """Return the canonical text of a dimension mapping (sorted key=value pairs)."""
    for key, value in dims.items():
        if value is not None:
            check_dimension(key, str(value))
    return DIMENSION_SEPARATOR.join(f"{k}={v}" for k, v in sorted(dims.items()) if v is not None)


def decode_dims(text):
    """Return the mapping a canonical dimension text stands for."""
    return dict(pair.split("=", 1) for pair in text.split(DIMENSION_SEPARATOR) if pair)


def head():
    """Return the highest sequence number stamped so far (0 before any count)."""
    top = CountCell.select(CountCell.seq).order_by(CountCell.seq.desc()).limit(1).scalar()
    return top or 0


def next_seq():
    """Return the next kiosk-wide sequence number (call inside write_transaction)."""
    return head() + 1


def is_closed(day):
    """Return True if a manager has closed this day: its counts are final."""
    return DayClose.select().where(DayClose.day == day).exists()


def booking_day(day):
    """Return the day a change dated ``day`` is counted on: that day, or the first later day still open."""
    closed = {row.day for row in DayClose.select(DayClose.day).where(DayClose.day >= day)}
    while day in closed:
        day += datetime.timedelta(days=1)
    return day


def held_day(day):
    """Return the day a cell dated ``day`` is written under: held on the last trusted day while the clock is in doubt."""
    doubt = clock.suspect()
    return day if doubt is None else _held(day, doubt.latest_seen)


def _held(day, latest_seen):
    trusted = clock.local_day(latest_seen)
    if day > trusted or day == clock.local_day():
        return trusted
    return day


def _counted_day(day):
    """Return booking_day(held_day(day)): one read while the clock is trusted, not one for each question.

    The closed days from ``day`` on and the clock's doubt come in one UNION ALL;
    only a clock in doubt (rare: a manager is asked to confirm it) reads again.
    """
    # Plain SQL: every counted write asks, and peewee took longer to build it than SQLite to answer.
    rows = database.execute_sql(
        "SELECT day, NULL FROM dayclose WHERE day >= ?"
        " UNION ALL SELECT NULL, latest_seen FROM clockwatch WHERE suspect_since IS NOT NULL",
        (DayClose.day.db_value(day),)).fetchall()
    latest_seen = next((seen for _, seen in rows if seen is not None), None)
    if latest_seen is not None:
        if not isinstance(latest_seen, datetime.datetime):
            latest_seen = datetime.datetime.fromisoformat(str(latest_seen))
        return booking_day(_held(day, latest_seen))
    closed_days = {_as_date(closed_day) for closed_day, _ in rows if closed_day is not None}
    while day in closed_days:
        day += datetime.timedelta(days=1)
    return day


def add(metric, day, delta=1, **dims):
    """Add delta to a cell and stamp it with a new sequence; return the new value.

    Must run inside the caller's write transaction. A cell never goes below
    zero. A change dated to a closed day is booked on the next open day, one
    dated by a clock in doubt on the last trusted day.
    """
    check_metric(metric)
    day = _counted_day(day)
    key = encode_dims(dims)
    cell = _cell(day, metric, key)
    value = (cell[1] if cell else 0) + delta
    if value < 0:
        raise DomainError(N_("A count cannot go below zero."))
    if delta != 0:
        _store(cell, day, metric, key, value)
    return value


def put(metric, day, value, **dims):
    """Set a cell to a level (stock on hand…) and stamp it, even when the level is zero.

    A level cell must exist for every day it changed: "no cell" would read
    as "unchanged since the last one". Must run inside the caller's write
    transaction. A level dated to a closed day is booked on the next open day.
    """
    check_metric(metric)
    day = _counted_day(day)
    key = encode_dims(dims)
    if value < 0:
        raise DomainError(N_("A count cannot go below zero."))
    cell = _cell(day, metric, key)
    if cell is None or cell[1] != value:
        _store(cell, day, metric, key, value)
    return value


# Plain SQL for the cell's read and write: every counted write sends them, and peewee took longer
# to build them than SQLite to run them. The next sequence number is read by the write itself (a
# subquery on the seq index): no read before it.
NEXT_SEQ = "(COALESCE((SELECT seq FROM countcell ORDER BY seq DESC LIMIT 1), 0) + 1)"


def _cell(day, metric, key):
    """(id, value) of a day's cell, or None."""
    return database.execute_sql("SELECT id, value FROM countcell WHERE day = ? AND metric = ? AND dims = ?",
                                (CountCell.day.db_value(day), metric, key)).fetchone()


def _store(cell, day, metric, key, value):
    """Write a cell's new value with the next sequence number: insert it, or update ``cell`` (id, value)."""
    if cell is None:
        database.execute_sql(f"INSERT INTO countcell (day, metric, dims, value, seq) VALUES (?, ?, ?, ?, {NEXT_SEQ})",
                             (CountCell.day.db_value(day), metric, key, value))
    else:
        database.execute_sql(f"UPDATE countcell SET value = ?, seq = {NEXT_SEQ} WHERE id = ?", (value, cell[0]))


def value(metric, day, **dims):
    """Return one cell's value (0 if it was never counted)."""
    cell = CountCell.get_or_none(day=day, metric=metric, dims=encode_dims(dims))
    return cell.value if cell else 0


def total(metric, day, **match):
    """Sum a metric over every cell of a day whose dimensions include ``match``."""
    wanted = {k: str(v) for k, v in match.items()}
    query = CountCell.select().where(CountCell.day == day, CountCell.metric == metric)
    return sum(c.value for c in query if wanted.items() <= decode_dims(c.dims).items())


class DayCells:
    """Every count cell of one day, read in one query, for pages that show many of its numbers.

    ``value()`` and ``total()`` answer as the module's functions do, from memory.
    """

    def __init__(self, day, rows, history=(), levels=()):
        self.day = day
        self.levels = tuple(levels)  # the level metrics whose history was read
        self.history = history  # (day, metric, dims, value) of the levels asked for, before this day
        self._exact = {(metric, dims): value for metric, dims, value in rows}
        self._decoded = [(metric, decode_dims(dims), value) for metric, dims, value in rows]

    def rows(self):
        """Return the day's (metric, dims text, value) rows."""
        return [(metric, dims, value) for (metric, dims), value in self._exact.items()]

    def value(self, metric, **dims):
        """Return one cell's value (0 if it was never counted)."""
        return self._exact.get((metric, encode_dims(dims)), 0)

    def total(self, metric, **match):
        """Sum a metric over the cells whose dimensions include ``match``."""
        wanted = {k: str(v) for k, v in match.items()}
        return sum(value for name, dims, value in self._decoded if name == metric and wanted.items() <= dims.items())

    def dimension_values(self, metric, key):
        """Return the values a dimension takes in a metric's cells."""
        return {dims[key] for name, dims, _ in self._decoded if name == metric and key in dims}


def day_cells(day, levels=()):
    """Return the day's cells as a DayCells, in one statement of index searches.

    ``levels`` names level metrics (``packs.on_hand``) whose earlier cells
    come along as ``history``, oldest first: where each level stood before.
    """
    return _day_cells(day, levels, _day_cells_query(day, levels).tuples())


def booking_day_cells(day, levels=()):
    """Return day_cells(booking_day(day), levels): one statement while the day is open (the usual case).

    The closed days from ``day`` on come along with the cells (UNION ALL); only
    when ``day`` itself is closed is the day the books are on read again.
    """
    closed_days = (DayClose.select(DayClose.day, SQL("?", (_CLOSED,)), SQL("''"), SQL("0"))
                   .where(DayClose.day >= day))
    rows = list((_day_cells_query(day, levels) + closed_days).tuples())
    closed = {_as_date(row[0]) for row in rows if row[1] == _CLOSED}
    if day not in closed:
        return _day_cells(day, levels, [row for row in rows if row[1] != _CLOSED])
    while day in closed:
        day += datetime.timedelta(days=1)
    return day_cells(day, levels)


_CLOSED = "*closed"  # never a metric name (see METRIC): marks a closed day's row


def _day_cells_query(day, levels):
    query = (CountCell.select(CountCell.day, CountCell.metric, CountCell.dims, CountCell.value)
             .where(CountCell.day == day))
    for metric in levels:
        query = query + (CountCell.select(CountCell.day, CountCell.metric, CountCell.dims, CountCell.value)
                         .where(CountCell.metric == metric, CountCell.day < day))  # UNION ALL
    return query


def _day_cells(day, levels, tuples):
    rows = [(_as_date(cell_day), metric, dims, value) for cell_day, metric, dims, value in tuples]
    today = [(metric, dims, value) for cell_day, metric, dims, value in rows if cell_day == day]
    earlier = sorted(row for row in rows if row[0] != day)
    return DayCells(day, today, tuple(earlier), levels)


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def cells_for_day(day):
    """Return every cell of a station-local day, ordered for display."""
    query = CountCell.select().where(CountCell.day == day).order_by(CountCell.metric, CountCell.dims)
    return [_as_cell(c) for c in query]


def changed_since(cursor, limit=500):
    """Return up to ``limit`` cells whose sequence is above ``cursor``, oldest first."""
    query = CountCell.select().where(CountCell.seq > cursor).order_by(CountCell.seq).limit(limit)
    return [_as_cell(c) for c in query]


def _as_cell(row):
    return Cell(day=row.day.isoformat(), metric=row.metric, dims=decode_dims(row.dims), value=row.value, seq=row.seq)
