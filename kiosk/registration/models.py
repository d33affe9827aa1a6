"""The registration's table: one row per worker registered."""

from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from kiosk.models import BaseModel
from kiosk.models import Kiosk
from kiosk.models import Station
from kiosk.models import utcnow

class Registration(BaseModel):
    """One worker's registration (信息登记): where from, where to, and what they want.

    Phone and ID numbers are never stored: only a keyed hash (to recognise a
    repeat visit) and the last four characters (to show back to the person).
    The retention purge clears those and keeps the rest, which is anonymous.
    """

    token = CharField(unique=True, max_length=32)  # the flow's idempotency key: a double tap saves once
    station = ForeignKeyField(Station, backref="registrations")
    kiosk = ForeignKeyField(Kiosk, backref="registrations")
    created_at = DateTimeField(default=utcnow)  # indexed below, while personal data is held
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

    @classmethod
    def has_personal(cls):
        """The condition of a row still holding a fingerprint or last digits (the purge clears them)."""
        return (cls.phone_hash.is_null(False) | cls.document_hash.is_null(False)
                | cls.phone_last4.is_null(False) | cls.document_last4.is_null(False))


# The daily retention purge looks only at rows still holding personal data: a
# partial index on exactly that condition, so each day reads the rows that just
# came of age instead of the whole season before them.
Registration.add_index(Registration.index(Registration.created_at, name="registration_personal_created_at")
                       .where(Registration.has_personal()))
