"""The office's tables for help at the kiosks: its keys, what it published, the sealed tips it received.

Private keys are never here: they are files in the office's instance folder
(``office-keys/<key id>.key``), so a lost or deleted file is a lost key, and
the tips sealed to it say so. Tips are stored as they arrived, sealed; they are
opened on screen for a case worker, never written down opened.
"""

from peewee import BooleanField
from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from kiosk.central.models import BaseModel
from kiosk.central.models import OfficeUser
from kiosk.central.models import database
from kiosk.central.models import utcnow


class OfficeKey(BaseModel):
    """One of the office's key pairs (public half only); the newest current one signs."""

    key_id = CharField(unique=True, max_length=16)
    public_key = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow)
    current = BooleanField(default=True)


class Publication(BaseModel):
    """The newest version of an item the office published (job posting, fair, notice, trips, key)."""

    item_id = CharField(unique=True, max_length=64)
    kind = CharField(max_length=16, index=True)
    version = IntegerField()
    scope_level = CharField(max_length=16)
    scope_code = CharField(max_length=64)
    valid_until = DateField(null=True)
    body = TextField()
    signed = TextField()  # the item exactly as sent
    created_by = CharField(max_length=64, default="")
    updated_at = DateTimeField(default=utcnow)


class WageTip(BaseModel):
    """A wage-arrears tip as it arrived from a kiosk: sealed, with its status for the case workers."""

    tip_id = CharField(unique=True, max_length=32)
    number = CharField(max_length=24, index=True)
    kiosk_id = CharField(max_length=32, index=True)
    station_code = CharField(max_length=64)
    county_code = CharField(max_length=6, index=True)
    office_key = CharField(max_length=16)
    day = DateField()
    sealed = TextField()
    received_at = DateTimeField(default=utcnow)
    status = CharField(max_length=16, default="new")


class TipEvent(BaseModel):
    """The audit trail of a tip: who opened it or changed its status, when, and the note."""

    tip = ForeignKeyField(WageTip, backref="events", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)
    user = CharField(max_length=64)
    action = CharField(max_length=16)  # received | opened | status | unreadable
    detail = TextField(default="")


class CaseWorker(BaseModel):
    """An office user who may open wage-arrears tips (the labour-inspection users)."""

    user = ForeignKeyField(OfficeUser, unique=True, on_delete="CASCADE")
    granted_at = DateTimeField(default=utcnow)


MODELS = [OfficeKey, Publication, WageTip, TipEvent, CaseWorker]


def create_tables():
    """Create any missing table (idempotent)."""
    with database.atomic():
        database.create_tables(MODELS, safe=True)
