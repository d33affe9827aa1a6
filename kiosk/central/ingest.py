"""Taking a verified batch into the office's database without ever double-counting.

Cells carry absolute values, so a cell is upserted, not added: the stored row
is replaced only by one with a higher sequence. Pulling a page twice, a
bundle imported twice or an older bundle after a newer one therefore change
nothing. The cursor moves in the same transaction as the cells, and only
when the batch starts at or before it, so a gap can never be skipped.
"""

import datetime
import functools
import json
from dataclasses import dataclass
from dataclasses import field

from peewee import EXCLUDED
from peewee import SqliteDatabase

from kiosk import clock
from kiosk import counts
from kiosk.central.models import Cell
from kiosk.central.models import database
from kiosk.central.models import History
from kiosk.central.models import Kiosk
from kiosk.central.models import Station
from kiosk.central.models import TripStatus
from kiosk.central.models import utcnow
from kiosk.central.models import write_transaction
from kiosk.errors import N_
from kiosk.sync import wire

UPSERT_ROWS = 1000  # rows per INSERT: 7 parameters each, well under SQLite's limit
CLOCK_TOLERANCE = datetime.timedelta(minutes=10)


@dataclass
class Received:
    """What one batch did: how many cells came, how many changed anything."""

    kiosk_id: str
    station: str
    new_history: bool = False
    cells: int = 0
    changed: int = 0
    cursor: int = 0
    warnings: list = field(default_factory=list)  # (msgid, params)


def ingest(batch, kiosk, now=None, pulled=False):
    """Upsert a verified, validated batch's cells and move the cursor, in one transaction."""
    now = now or utcnow()
    with write_transaction():
        station = _station(batch["station"])
        history, created = _history(batch["kiosk"], kiosk, station, now)
        older = batch["head"] < history.cursor
        if older and pulled:
            # A live kiosk behind what it already sent will reuse change
            # numbers; its new counts would be mistaken for old ones.
            raise wire.BatchRefused(
                N_(
                    "Kiosk %(kiosk)s went back to change %(head)s, behind change %(cursor)s already received: "
                    "was it restored from an old copy? Nothing was taken; give it a new identity by wiping its data."
                ),
                kiosk=kiosk.name,
                head=batch["head"],
                cursor=history.cursor,
            )
        changed = upsert_cells(history.id, station.id, batch["cells"]) if batch["cells"] else 0
        # The history row is locked (see _history), so this reads and writes
        # one consistent cursor: it only moves forward, and never past a gap.
        cursor = history.cursor
        if batch["since"] <= cursor < batch["next"]:
            cursor = batch["next"]
        skew = _clock_skew(batch, now) if pulled else None
        updates = {
            History.cursor: cursor,
            History.head: max(history.head, batch["head"]),
            History.last_received_at: now,
            History.station: station.id,
        }
        if pulled:
            updates[History.clock_skew] = skew
        History.update(updates).where(History.id == history.id).execute()
        if "trips" in batch:
            store_trips(batch["kiosk"], station.id, batch["trips"], wire.generated_at(batch), now)
        _mark_success(kiosk, now)
    received = Received(batch["kiosk"], station.code, created, len(batch["cells"]), changed, cursor)
    received.warnings = _warnings(batch, skew, now)
    if older:  # an old bundle brought late: harmless, nothing in it was newer
        received.warnings.append(
            (N_("This bundle is older than what was already received; nothing in it was newer."), {})
        )
    return received


def ingest_trips(batch, kiosk, now=None):
    """Take only the trips' statuses of a verified, validated batch (the daytime ``pull --trips-only``).

    The cells and cursor stay for the evening pull. The kiosk id must be one this registration already
    sent counts under; return how many trips were stored (0 when the batch carried none or was older).
    """
    now = now or utcnow()
    with write_transaction():
        history = History.get_or_none(History.kiosk_id == batch["kiosk"], History.registered == kiosk.id)
        if history is None:
            raise wire.BatchRefused(N_("Kiosk %(kiosk)s answered under an identity not pulled yet: "
                                       "the evening pull reads it first."), kiosk=kiosk.name)
        if "trips" not in batch:
            return 0
        station = _station(batch["station"])
        return store_trips(batch["kiosk"], station.id, batch["trips"], wire.generated_at(batch), now)


def upsert_cells(history_id, station_id, cells):
    """Insert or replace cells where the incoming sequence is newer; return rows changed.

    One multi-row ``INSERT … ON CONFLICT DO UPDATE … WHERE`` per thousand
    cells, written out once per size: the same text runs on SQLite and
    PostgreSQL, and building it through the query builder cost more than the
    database did (BENCHMARKS.md).
    """
    rows = [
        (history_id, station_id, datetime.date.fromisoformat(c["day"]), c["metric"],
         counts.encode_dims(c["dims"]), c["value"], c["seq"])
        for c in cells
    ]
    changed = 0
    for start in range(0, len(rows), UPSERT_ROWS):
        chunk = rows[start : start + UPSERT_ROWS]
        params = [value for row in chunk for value in row]
        changed += database.execute_sql(_upsert_sql(len(chunk), database.param), params).rowcount
    return changed


@functools.cache
def _upsert_sql(rows, param):
    table = Cell._meta.table_name
    one = "(" + ", ".join([param] * 7) + ")"
    return (
        f'INSERT INTO "{table}" ("history_id", "station_id", "day", "metric", "dims", "value", "seq") '
        f"VALUES {', '.join([one] * rows)} "
        'ON CONFLICT ("history_id", "day", "metric", "dims") DO UPDATE SET '
        '"value" = excluded."value", "seq" = excluded."seq", "station_id" = excluded."station_id" '
        f'WHERE "{table}"."seq" < excluded."seq"'
    )


TRIP_COLUMNS = ("mode", "province", "city", "place", "departs_at", "seats", "booked", "boarded", "state",
                "last_check_in_at", "next_due_at", "overdue")


def store_trips(kiosk_id, station_id, trips, made, now):
    """Replace a kiosk's trip statuses with a newer report (its whole list); an older report changes nothing.

    Returns how many trips were stored (0 when the report was older than the one kept).
    """
    made = _naive_utc(made)
    kept = TripStatus.select(TripStatus.reported_at).where(TripStatus.kiosk_id == kiosk_id).order_by(
        TripStatus.reported_at.desc()).first()
    if kept is not None and kept.reported_at > made:
        return 0
    TripStatus.delete().where(TripStatus.kiosk_id == kiosk_id,
                              TripStatus.trip_id.not_in([t["id"] for t in trips] or [-1])).execute()
    rows = [{"kiosk_id": kiosk_id, "station": station_id, "trip_id": t["id"], "reported_at": made, "received_at": now,
             **{k: t[k] for k in TRIP_COLUMNS},
             **{k: _naive_utc(wire.moment(t[k])) for k in ("departs_at", "last_check_in_at", "next_due_at")}}
            for t in trips]
    for start in range(0, len(rows), 100):
        fields = [getattr(TripStatus, k) for k in ("station", "reported_at", "received_at", *TRIP_COLUMNS)]
        TripStatus.insert_many(rows[start : start + 100]).on_conflict(
            conflict_target=[TripStatus.kiosk_id, TripStatus.trip_id],
            update={f: getattr(EXCLUDED, f.column_name) for f in fields},
        ).execute()
    return len(rows)


def _naive_utc(moment):
    return moment.astimezone(datetime.UTC).replace(tzinfo=None) if moment is not None else None


def _station(info):
    known = Station.get_or_none(Station.code == info["code"])
    if known and (known.name, known.county_code) == (info["name"], info["county"]):
        return known
    Station.insert(code=info["code"], name=info["name"], county_code=info["county"]).on_conflict(
        conflict_target=[Station.code],
        update={Station.name: EXCLUDED.name, Station.county_code: EXCLUDED.county_code},
    ).execute()
    return Station.get(Station.code == info["code"])


def _history(kiosk_id, kiosk, station, now):
    query = History.select().where(History.kiosk_id == kiosk_id)
    if not isinstance(database.obj, SqliteDatabase):  # SQLite's write lock is already held
        query = query.for_update()
    history = query.first()
    if history is None:
        history = History.create(
            kiosk_id=kiosk_id, registered=kiosk, station=station, first_seen_at=now, last_received_at=now
        )
        return history, True
    if history.registered_id is None:  # its registration was removed: the new one adopts it
        History.update(registered=kiosk).where(History.id == history.id).execute()
    elif history.registered_id != kiosk.id:
        raise wire.BatchRefused(
            N_("This data belongs to kiosk %(other)s, not to %(kiosk)s."),
            other=history.registered.name,
            kiosk=kiosk.name,
        )
    return history, False


def _clock_skew(batch, now):
    made = wire.generated_at(batch).astimezone(datetime.UTC).replace(tzinfo=None)
    return round((made - now).total_seconds())


def _warnings(batch, skew, now):
    warnings = []
    if skew is not None and abs(skew) > CLOCK_TOLERANCE.total_seconds():
        warnings.append((N_("The kiosk's clock is off by %(days)s days (%(hours)s hours)."), _skew_params(skew)))
    tomorrow = (clock.local_day(now) + datetime.timedelta(days=1)).isoformat()
    future = sorted({c["day"] for c in batch["cells"] if c["day"] > tomorrow})
    if future:
        warnings.append(
            (N_("Counts are dated in the future (%(day)s): check the kiosk's clock."), {"day": future[-1]})
        )
    return warnings


def _skew_params(skew):
    return {"days": round(skew / 86400, 1), "hours": round(skew / 3600, 1)}


def error_record(error):
    """Return (msgid, JSON params) for storing a DomainError on a kiosk row."""
    return error.message, json.dumps(error.params, ensure_ascii=False, default=str)


def _mark_success(kiosk, now):
    """Record that a kiosk's data arrived (inside the batch's own transaction)."""
    Kiosk.update(
        {Kiosk.last_attempt_at: now, Kiosk.last_success_at: now, Kiosk.last_error: "", Kiosk.last_error_params: ""}
    ).where(Kiosk.id == kiosk.id).execute()


def mark_failure(kiosk, now, error):
    """Record a kiosk's failed attempt and why; its last success stays."""
    msgid, params = error_record(error)
    with write_transaction():
        Kiosk.update(
            {Kiosk.last_attempt_at: now, Kiosk.last_error: msgid, Kiosk.last_error_params: params}
        ).where(Kiosk.id == kiosk.id).execute()
