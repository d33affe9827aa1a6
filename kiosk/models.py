"""The foundation models every domain shares: stations, kiosks, volunteers, counts, audit.

Each domain keeps its own models in its package (``kiosk/<domain>/models.py``).
Imports peewee only.

The database is declared here unbound (a proxy) and bound by
``kiosk.database.init_app`` from the ``DATABASE_URL`` setting.
"""

import datetime
import uuid

from peewee import BooleanField
from peewee import CharField
from peewee import DatabaseProxy
from peewee import DateField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import Model
from peewee import TextField

database = DatabaseProxy()


def utcnow():
    """Return the current time in UTC without tzinfo, as stored in every table."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def new_kiosk_id():
    """Return a fresh random kiosk identity."""
    return uuid.uuid4().hex


class BaseModel(Model):
    class Meta:
        database = database

    def insert_row(self):
        """INSERT this new row with SQL text built once per model, set its id and return it.

        What ``save(force_insert=True)`` writes (every field, NULL where unset), for the
        hot paths (a voucher and its print job on every tap): peewee spent longer
        building the INSERT than SQLite took to run it.
        """
        model = type(self)
        if "_insert_sql" not in model.__dict__:
            fields = [f for f in model._meta.sorted_fields if f is not model._meta.primary_key]
            columns = ", ".join(f'"{f.column_name}"' for f in fields)
            model._insert_sql = (fields, f'INSERT INTO "{model._meta.table_name}" ({columns}) '
                                         f'VALUES ({", ".join("?" * len(fields))})')
        fields, sql = model._insert_sql
        cursor = self._meta.database.execute_sql(sql, [f.db_value(self.__data__.get(f.name)) for f in fields])
        self._pk = cursor.lastrowid
        self._dirty.clear()
        return self


class SchemaMigration(BaseModel):
    """One row per schema migration already applied to this database."""

    name = CharField(unique=True)
    applied_at = DateTimeField(default=utcnow)


class Station(BaseModel):
    """A service point (服务站): a train station, bus station or highway exit."""

    code = CharField(unique=True, max_length=64)
    name = CharField(max_length=64)
    county_code = CharField(max_length=6)
    hotline = CharField(max_length=32, default="")
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def by_code(cls, code):
        """Return the station with this code, or None."""
        return cls.get_or_none(cls.code == code)


class Kiosk(BaseModel):
    """This machine's identity.

    It lives in the database on purpose: a kiosk whose data is wiped gets a
    new id, so the central office never mixes two histories under one name.
    """

    kiosk_id = CharField(unique=True, max_length=32, default=new_kiosk_id)
    station = ForeignKeyField(Station, backref="kiosks")
    created_at = DateTimeField(default=utcnow)

    @classmethod
    def current(cls):
        """Return this machine's kiosk row, or None before provisioning."""
        return cls.select(cls, Station).join(Station).order_by(cls.id).first()


class CountCell(BaseModel):
    """A per-day count (see kiosk.counts): absolute value plus change sequence."""

    day = DateField()
    metric = CharField(max_length=64)
    dims = CharField(max_length=255, default="")
    value = IntegerField(default=0)
    seq = IntegerField(unique=True)

    class Meta:
        # (metric, day): a level's history (packs.on_hand before a day) without reading every day's cells.
        indexes = ((("day", "metric", "dims"), True), (("metric", "day"), False))


class Volunteer(BaseModel):
    """Someone who may sign in to the volunteer console with a PIN."""

    name = CharField(max_length=32)
    role = CharField(max_length=16, default="volunteer")  # volunteer | manager
    pin_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    failed_attempts = IntegerField(default=0)  # PINs typed at the console
    locked_until = DateTimeField(null=True)
    # PINs typed at the public worker screen (a manager's override) count apart:
    # someone at the screen can lock that path, never the manager's console.
    screen_failed_attempts = IntegerField(default=0)
    screen_locked_until = DateTimeField(null=True)
    # A session is good only while it carries this number: sign-out, disabling
    # and a new PIN add one, which ends every open session of that person.
    session_epoch = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    last_sign_in = DateTimeField(null=True)

    @classmethod
    def signable(cls):
        """Return active volunteers in the order their names are shown."""
        return cls.select().where(cls.active == True).order_by(cls.name)  # noqa: E712


class PinDevice(BaseModel):
    """Wrong PINs typed on one device (a browser's device cookie, or an address), per path (kiosk.volunteers).

    Counted apart from the person's own lock, so one device cannot go through
    the whole roster's PINs five at a time.
    """

    device = CharField(max_length=80)  # "cookie:<id>" or "addr:<ip>"
    path = CharField(max_length=16)  # console | screen
    failed_attempts = IntegerField(default=0)
    window_start = DateTimeField(null=True)  # failures older than the window are forgotten
    locked_until = DateTimeField(null=True)
    locks = IntegerField(default=0)  # locks in a row: each lasts twice the one before

    class Meta:
        indexes = ((("device", "path"), True),)


class ClockWatch(BaseModel):
    """One row: the latest time this kiosk has seen, and whether its clock is in doubt (kiosk.clock)."""

    latest_seen = DateTimeField()
    suspect_since = DateTimeField(null=True)  # the wall time that looked wrong; None while trusted
    suspect_reason = CharField(max_length=16, default="")  # ahead | back | jumped
    confirmed_at = DateTimeField(null=True)
    confirmed_by = IntegerField(null=True)  # volunteer id of the manager who confirmed the time


class DayClose(BaseModel):
    """A station-local day a manager closed: its report as printed, frozen.

    Once a day is closed its count cells are final; anything counted later
    with that day's date is booked on the next open day (kiosk.counts).
    """

    day = DateField(unique=True)
    closed_at = DateTimeField(default=utcnow)
    closed_by = ForeignKeyField(Volunteer, backref="days_closed")
    sheet = TextField()  # the day sheet as JSON (kiosk.daybook.DaySheet)


class AuditEntry(BaseModel):
    """Who did what to which ticket, and why: voids, reprints, overrides, releases."""

    at = DateTimeField(default=utcnow)
    action = CharField(max_length=32)
    subject = CharField(max_length=64)  # e.g. "voucher:7K9MQ2XA"
    volunteer = ForeignKeyField(Volunteer, null=True, backref="audit_entries")
    reason = CharField(max_length=255, default="")
    detail = CharField(max_length=255, default="")

    @classmethod
    def about(cls, subject):
        """Return the entries about one subject, oldest first."""
        return cls.select().where(cls.subject == subject).order_by(cls.at, cls.id)


class StationSetting(BaseModel):
    """A setting the volunteers change on the console (not in config files): e.g. the prompts' volume."""

    key = CharField(unique=True, max_length=64)
    value = CharField(max_length=255)
    updated_at = DateTimeField(default=utcnow)
    updated_by = ForeignKeyField(Volunteer, null=True, backref="settings_changed")
