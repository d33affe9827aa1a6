"""Peewee models of the central office, on their own unbound database.

The office keeps a registry of kiosks (where to pull, with which token), one
*history* per kiosk id it has seen (a wiped kiosk comes back with a new id and
starts a new history; the old one's cells stay), and the count cells of every
history. Totals are sums over cells. Office users sign in to the dashboard.
"""

import contextlib
import datetime
import threading

from peewee import BigIntegerField
from peewee import BooleanField
from peewee import CharField
from peewee import DatabaseProxy
from peewee import DateField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import SqliteDatabase
from peewee import TextField

database = DatabaseProxy()

# SQLite has one writer at a time; pull threads queue here instead of
# spinning on "database is locked". PostgreSQL needs no such thing.
# Re-entrant: a pull's group commit runs each kiosk's own write_transaction
# inside its own (they become savepoints).
_sqlite_writer = threading.RLock()


def utcnow():
    """Return the current UTC time, naive, as stored in every table."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


@contextlib.contextmanager
def write_transaction():
    """Open a write transaction that is safe with pull threads on either database."""
    if isinstance(database.obj, SqliteDatabase):
        with _sqlite_writer, database.atomic("IMMEDIATE"):
            yield
    else:
        with database.atomic():
            yield


def refresh_statistics():
    """After a pull or an import, let PostgreSQL's planner see the new cells.

    Right after a large load, stale statistics made PostgreSQL plan the
    report's sums as nested loops: 40 s for a page that takes 1.5 s once the
    table is analysed (BENCHMARKS.md, office reports). SQLite needs nothing.
    """
    if not isinstance(database.obj, SqliteDatabase):
        database.execute_sql("ANALYZE cell")


class BaseModel(Model):
    class Meta:
        database = database


class Station(BaseModel):
    """A service point, as its kiosks describe it."""

    code = CharField(unique=True, max_length=64)
    name = CharField(max_length=64)
    county_code = CharField(max_length=6)


class Kiosk(BaseModel):
    """A registered kiosk: where to pull from and the token it expects.

    ``url`` is empty for a kiosk that only ever sends USB bundles.
    """

    name = CharField(unique=True, max_length=64)
    url = CharField(max_length=255, default="")
    token = CharField(max_length=128)
    key_id = CharField(max_length=16, index=True)
    created_at = DateTimeField(default=utcnow)
    last_attempt_at = DateTimeField(null=True)
    last_success_at = DateTimeField(null=True)
    # The last failure as an English msgid and its JSON parameters, so the
    # dashboard can show it in the reader's language.
    last_error = TextField(default="")
    last_error_params = TextField(default="")
    # Failed pulls in a row since the last success, and when the next retry is due
    # (kiosk.central.schedule: evening pull, retries with back-off through the morning).
    failures = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True)

    @classmethod
    def by_name(cls, name):
        """Return the registered kiosk with this name, or None."""
        return cls.get_or_none(cls.name == name)


class History(BaseModel):
    """Everything received from one kiosk id, and how far it has been read."""

    kiosk_id = CharField(unique=True, max_length=32)
    registered = ForeignKeyField(Kiosk, null=True, backref="histories", on_delete="SET NULL")
    station = ForeignKeyField(Station, backref="histories")
    cursor = BigIntegerField(default=0)
    head = BigIntegerField(default=0)
    first_seen_at = DateTimeField(default=utcnow)
    last_received_at = DateTimeField(default=utcnow)
    # Kiosk clock minus office clock at the last pull, in seconds.
    clock_skew = IntegerField(null=True)

    @classmethod
    def latest_of(cls, kiosk):
        """Return the history a registered kiosk last sent, or None."""
        query = cls.select().where(cls.registered == kiosk).order_by(cls.last_received_at.desc(), cls.id.desc())
        return query.first()


class Cell(BaseModel):
    """One kiosk's count for a day, metric and dimensions; the newest sequence wins."""

    history = ForeignKeyField(History, backref="cells", on_delete="CASCADE")
    station = ForeignKeyField(Station)
    day = DateField()
    metric = CharField(max_length=64)
    dims = CharField(max_length=255, default="")
    value = BigIntegerField()
    seq = BigIntegerField()

    class Meta:
        indexes = (
            (("history", "day", "metric", "dims"), True),
            (("day", "station", "metric"), False),
            # Stock levels before a period and the registers read one metric over many days.
            (("metric", "day"), False),
        )


class PullRun(BaseModel):
    """One run of ``pull``: when, how many kiosks answered, how much changed."""

    started_at = DateTimeField(default=utcnow)
    finished_at = DateTimeField(null=True)
    kiosks = IntegerField(default=0)
    failed = IntegerField(default=0)
    cells_received = BigIntegerField(default=0)
    cells_changed = BigIntegerField(default=0)


class OfficeUser(BaseModel):
    """Someone at the office who may sign in to the dashboard with a password.

    Wrong tries and the lock they lead to are kept here, so a restart does
    not reset them (``kiosk.credentials``).
    """

    name = CharField(unique=True, max_length=64)
    password_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    failed_attempts = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    last_sign_in = DateTimeField(null=True)
    # viewer: reads and exports; editor: also manages kiosks and content; admin: also users.
    role = CharField(max_length=16, default="viewer")
    # A GB/T 2260 code: 510000 sees the province, 511100 one city, 511102 one county; "" everything.
    scope = CharField(max_length=6, default="")

    @classmethod
    def by_name(cls, name):
        """Return the user with this name, or None."""
        return cls.get_or_none(cls.name == name)


class Release(BaseModel):
    """An app release the office signed (``fleet publish``); the newest is what kiosks get."""

    version = CharField(unique=True, max_length=64)
    file_name = CharField(max_length=255)
    sha256 = CharField(max_length=64)
    size = BigIntegerField()
    published_at = DateTimeField(default=utcnow)


class KioskSoftware(BaseModel):
    """What a registered kiosk last said about its release, and what the office did about it."""

    kiosk = ForeignKeyField(Kiosk, unique=True, backref="software", on_delete="CASCADE")
    version = CharField(max_length=64, default="")
    state = CharField(max_length=32, default="")  # up to date, sent, refused, rolled back, unreachable
    detail = TextField(default="")
    checked_at = DateTimeField(default=utcnow)


class TripStatus(BaseModel):
    """The latest status of one kiosk's return-to-work trip, as its last pull or bundle told it.

    One row per (kiosk id, the kiosk's trip id), replaced by each newer report; a report is the
    kiosk's whole current list, so trips it no longer lists are removed. Times are naive UTC.
    No person: no escort, no booking.
    """

    kiosk_id = CharField(max_length=32)
    station = ForeignKeyField(Station, backref="trips")
    trip_id = BigIntegerField()
    mode = CharField(max_length=8)
    province = CharField(max_length=6)
    city = CharField(max_length=6, null=True)
    place = CharField(max_length=64)
    departs_at = DateTimeField()
    seats = IntegerField()
    booked = IntegerField()
    boarded = IntegerField()
    state = CharField(max_length=12)
    last_check_in_at = DateTimeField(null=True)
    next_due_at = DateTimeField(null=True)
    overdue = BooleanField(default=False)  # as the kiosk saw it when it reported
    reported_at = DateTimeField()  # the kiosk's clock when it made the report
    received_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("kiosk_id", "trip_id"), True),)


MODELS = [Station, Kiosk, History, Cell, PullRun, OfficeUser, Release, KioskSoftware, TripStatus]


# Columns added after the first release: (model, field name). An office
# database made before them gets them at start; a fresh one has them already.
ADDED_COLUMNS = [
    (Kiosk, "failures"),
    (Kiosk, "next_attempt_at"),
    (OfficeUser, "role"),
    (OfficeUser, "scope"),
]


def create_tables():
    """Create any missing table and add any missing column (idempotent)."""
    from playhouse.migrate import migrate
    from playhouse.migrate import SchemaMigrator

    with database.atomic():
        database.create_tables(MODELS, safe=True)
        migrator = SchemaMigrator.from_database(database.obj)
        for model, name in ADDED_COLUMNS:
            table = model._meta.table_name
            if name not in {c.name for c in database.get_columns(table)}:
                migrate(migrator.add_column(table, name, model._meta.fields[name]))
                if (model, name) == (OfficeUser, "role"):
                    # Users made before roles existed could do everything: they stay admins.
                    OfficeUser.update(role="admin").execute()
