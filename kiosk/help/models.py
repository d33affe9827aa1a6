"""Tables of help at the kiosk: the office's keys, the content it published, sealed tips waiting to go."""

from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import IntegerField
from peewee import TextField

from kiosk.models import BaseModel
from kiosk.models import utcnow


class OfficeKey(BaseModel):
    """A public key of the office this kiosk trusts, or trusted once (``retired_at`` set).

    The newest one not retired checks content and is what tips are sealed to.
    ``source``: "provisioned" (configuration) or "rotated" (announced by the
    previous key over the channel).
    """

    key_id = CharField(unique=True, max_length=16)
    public_key = CharField(max_length=64)
    source = CharField(max_length=16)
    added_at = DateTimeField(default=utcnow)
    retired_at = DateTimeField(null=True)


class ContentItem(BaseModel):
    """The newest version of one item the office published, as received and verified.

    The row stays after the item expires (its body cleared), so an old copy
    replayed later is recognised and refused.
    """

    item_id = CharField(unique=True, max_length=64)
    kind = CharField(max_length=16, index=True)
    version = IntegerField()
    scope_level = CharField(max_length=16)
    scope_code = CharField(max_length=64)
    valid_until = DateField(null=True)
    body = TextField(default="{}")
    signed = TextField(default="")  # the item exactly as received, to re-check or hand on
    received_at = DateTimeField(default=utcnow)
    expired = IntegerField(default=0)


class ContentClock(BaseModel):
    """The office's date as last received, and the kiosk's own day when it arrived.

    The day used for expiry is the office's day plus the kiosk days elapsed
    since, so a kiosk clock set years off neither hides nor brings back items.
    """

    office_day = DateField()
    kiosk_day = DateField()
    received_at = DateTimeField(default=utcnow)


class SealedTip(BaseModel):
    """A wage-arrears tip, sealed to the office's key, waiting for the office's acknowledgement."""

    tip_id = CharField(unique=True, max_length=32)
    number = CharField(unique=True, max_length=24)
    office_key = CharField(max_length=16)
    day = DateField()
    sealed = TextField()
    request_token = CharField(unique=True, max_length=64)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
