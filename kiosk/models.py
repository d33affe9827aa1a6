"""Peewee models of the kiosk. Imports peewee only.

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
        indexes = ((("day", "metric", "dims"), True),)


class Registration(BaseModel):
    """One worker's registration (信息登记): where from, where to, and what they want.

    Phone and ID numbers are never stored: only a keyed hash (to recognise a
    repeat visit) and the last four characters (to show back to the person).
    The retention purge clears those and keeps the rest, which is anonymous.
    """

    token = CharField(unique=True, max_length=32)  # the flow's idempotency key: a double tap saves once
    station = ForeignKeyField(Station, backref="registrations")
    kiosk = ForeignKeyField(Kiosk, backref="registrations")
    created_at = DateTimeField(default=utcnow, index=True)
    day = DateField(index=True)  # station-local day, as the counts use
    direction = CharField(max_length=8)  # home | work
    home_code = CharField(max_length=6)  # county, or a province for homes outside Sichuan
    destination_code = CharField(max_length=6, null=True)  # province, for direction=work
    destination_city_code = CharField(max_length=6, null=True)
    intentions = CharField(max_length=64, default="")  # comma-separated codes
    children = IntegerField(default=0)
    elderly = IntegerField(default=0)
    visit = CharField(max_length=8, default="first")  # first | repeat (same phone/ID, same day)
    phone_hash = CharField(max_length=64, null=True, index=True)
    phone_last4 = CharField(max_length=4, null=True)
    document_kind = CharField(max_length=16, null=True)
    document_hash = CharField(max_length=64, null=True, index=True)
    document_last4 = CharField(max_length=4, null=True)
    consented_at = DateTimeField(null=True)
    purged_at = DateTimeField(null=True)

    @classmethod
    def by_token(cls, token):
        """Return the registration a flow saved, or None."""
        return cls.get_or_none(cls.token == token)


class Volunteer(BaseModel):
    """Someone who may sign in to the volunteer console with a PIN."""

    name = CharField(max_length=32)
    role = CharField(max_length=16, default="volunteer")  # volunteer | manager
    pin_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    failed_attempts = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    last_sign_in = DateTimeField(null=True)

    @classmethod
    def signable(cls):
        """Return active volunteers in the order their names are shown."""
        return cls.select().where(cls.active == True).order_by(cls.name)  # noqa: E712


class Tally(BaseModel):
    """One tap on a service tally (tea, guidance…), possibly for several people."""

    service = CharField(max_length=32)
    people = IntegerField(default=1)
    day = DateField()
    volunteer = ForeignKeyField(Volunteer, backref="tallies")
    created_at = DateTimeField(default=utcnow)
    undone_at = DateTimeField(null=True)


class DayClose(BaseModel):
    """A station-local day a manager closed: its report as printed, frozen.

    Once a day is closed its count cells are final; anything counted later
    with that day's date is booked on the next open day (kiosk.counts).
    """

    day = DateField(unique=True)
    closed_at = DateTimeField(default=utcnow)
    closed_by = ForeignKeyField(Volunteer, backref="days_closed")
    sheet = TextField()  # the day sheet as JSON (kiosk.daybook.DaySheet)


class LateCorrection(BaseModel):
    """People served on a closed day that were counted late, booked on a later open day."""

    booked_on = DateField(index=True)  # the open day the count went to
    corrects = DateField()  # the closed day it belongs to
    service = CharField(max_length=32)
    people = IntegerField()
    reason = CharField(max_length=255)
    volunteer = ForeignKeyField(Volunteer, backref="late_corrections")
    at = DateTimeField(default=utcnow)


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


class LuggageDeposit(BaseModel):
    """One left-luggage check-in: the owner's claim ticket and the bags it covers.

    No name or phone number is kept: only a keyed hash of the phone's last
    four digits, for the lost-ticket path, and only while bags are in custody.
    """

    code = CharField(unique=True, max_length=8)
    day = DateField()  # station-local day of check-in
    checked_in_at = DateTimeField(default=utcnow)
    due_at = DateTimeField()  # expected pick-up; later than this the bags are overdue
    expires = DateField()  # last day the signed QR code is honoured
    shelf = CharField(max_length=16)
    bags = IntegerField()
    phone_hash = CharField(max_length=64, null=True)
    volunteer = ForeignKeyField(Volunteer, backref="luggage_checked_in")
    closed_at = DateTimeField(null=True)
    overdue_counted = BooleanField(default=False)
    reprints = IntegerField(default=0)

    class Meta:
        indexes = ((("closed_at", "shelf"), False), (("closed_at", "due_at"), False))

    @classmethod
    def open(cls):
        """Return the deposits with bags still in custody."""
        return cls.select().where(cls.closed_at.is_null())


class LuggageBag(BaseModel):
    """One bag of a deposit: what it looks like, and when and how it left."""

    deposit = ForeignKeyField(LuggageDeposit, backref="bag_rows", on_delete="CASCADE")
    number = IntegerField()  # 1..deposit.bags, printed as "bag i of n"
    kind = CharField(max_length=16)
    released_at = DateTimeField(null=True)
    released_by = ForeignKeyField(Volunteer, null=True, backref="luggage_released")
    release = CharField(max_length=16, null=True)  # claim | lost_ticket

    class Meta:
        indexes = ((("deposit", "number"), True),)


# The board, shelf capacity and the lost-ticket search look only at bags still
# in custody: a partial index keeps them fast however long the history grows.
LuggageBag.add_index(LuggageBag.index(LuggageBag.deposit, LuggageBag.kind).where(LuggageBag.released_at.is_null()))
