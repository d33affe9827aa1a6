"""Left luggage's tables: deposits (one claim ticket each) and their bags."""

from peewee import BooleanField
from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from kiosk.models import BaseModel
from kiosk.models import utcnow
from kiosk.models import Volunteer

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
