"""Peewee models of gift packs: pack types and their stock, campaigns, vouchers.

Stock is two numbers on the pack type, changed only by ``kiosk.vouchers``
inside one write transaction with the voucher and its count cells:
``on_hand`` is what is physically in the store room (vouchers not yet
collected included) and ``reserved`` is how many of those are promised to
issued vouchers. What may still be promised is ``on_hand - reserved``.
Neither ever goes below zero, and ``reserved`` never exceeds ``on_hand``
(the CHECK constraints make the database refuse it too).
"""

from peewee import BooleanField
from peewee import Check
from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from kiosk.models import BaseModel
from kiosk.models import Station
from kiosk.models import utcnow
from kiosk.models import Volunteer


class PackType(BaseModel):
    """A kind of gift pack this station hands out, e.g. 暖心小礼包, with its stock."""

    station = ForeignKeyField(Station, backref="pack_types")
    key = CharField(max_length=32)  # short code used in count cells: "warm", "return"
    name = CharField(max_length=64)
    contents = CharField(max_length=255, default="")  # as printed: 矿泉水、口罩、面包
    no_id_needed = BooleanField(default=False)  # may go to a worker who did not register
    low_stock = IntegerField(default=0)  # warn the volunteers at or below this many available
    on_hand = IntegerField(default=0, constraints=[Check("on_hand >= 0")])
    reserved = IntegerField(default=0, constraints=[Check("reserved >= 0")])
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("station", "key"), True),)
        constraints = [Check("reserved <= on_hand")]

    @property
    def available(self):
        """Packs that may still be promised to a new voucher."""
        return self.on_hand - self.reserved

    @property
    def is_low(self):
        """True when what is available is at or below the warning threshold."""
        return self.available <= self.low_stock


class StockMove(BaseModel):
    """Packs counted into or out of the store room, with why (hand-outs are the vouchers)."""

    pack_type = ForeignKeyField(PackType, backref="moves")
    at = DateTimeField(default=utcnow)
    day = DateField()
    kind = CharField(max_length=8)  # in | out
    quantity = IntegerField(constraints=[Check("quantity > 0")])
    reason = CharField(max_length=255)
    volunteer = ForeignKeyField(Volunteer, null=True, backref="stock_moves")


class Campaign(BaseModel):
    """A period with gift packs on offer, e.g. 春风行动 from January to March."""

    station = ForeignKeyField(Station, backref="campaigns")
    name = CharField(max_length=64)
    starts = DateField()
    ends = DateField(index=True)  # last day, inclusive
    created_at = DateTimeField(default=utcnow)
    # Set once the person keys of its vouchers are cleared (the day after it ends):
    # the daily forgetting then looks at the few campaigns not yet done, never the vouchers.
    people_forgotten = BooleanField(default=False)


class PackOffer(BaseModel):
    """A pack type on offer in a campaign, with its quota rule per person."""

    campaign = ForeignKeyField(Campaign, backref="offers")
    pack_type = ForeignKeyField(PackType, backref="offers")
    rule = CharField(max_length=16)  # campaign | day | interval (see kiosk.vouchers.RULES)
    interval_days = IntegerField(default=0)  # for rule=interval: days between two packs

    class Meta:
        indexes = ((("campaign", "pack_type"), True),)


class Voucher(BaseModel):
    """A printed promise of one pack, collected at the desk by its code.

    ``person_key`` is the keyed hash registration stored for the person's ID
    or phone (never the number itself), or None for an anonymous worker; it
    is cleared once the campaign is over, when no quota needs it any more.
    """

    code = CharField(unique=True, max_length=8)
    request_token = CharField(unique=True, max_length=32)  # a double tap on 领取 issues once
    # No index of its own: (pack_type, expires) below starts with it (each index is one more page per tap).
    pack_type = ForeignKeyField(PackType, backref="vouchers", index=False)
    campaign = ForeignKeyField(Campaign, backref="vouchers")
    day = DateField(index=True)  # station-local day of issue
    issued_at = DateTimeField(default=utcnow)
    expires = DateField(index=True)  # last station-local day it can be collected
    state = CharField(max_length=10, default="issued")  # issued | redeemed | voided | expired; see (state, expires)
    person_key = CharField(max_length=64, null=True)  # searched by the indexes below that start with it
    registration_token = CharField(max_length=32, null=True)
    overridden_by = ForeignKeyField(Volunteer, null=True, backref="overrides")
    prints = IntegerField(default=1)
    print_job = IntegerField(null=True)  # the kiosk.printing job of the first print; reprints copy it
    closed_at = DateTimeField(null=True)  # when it was redeemed, voided or expired
    closed_by = ForeignKeyField(Volunteer, null=True, backref="closed_vouchers")

    class Meta:
        indexes = (
            # The quota check: this person's vouchers of one pack in one campaign, latest first.
            # Without it SQLite walks the day index (for the ORDER BY) through the whole season.
            (("person_key", "campaign", "pack_type", "day"), False),
            # Expiry: the issued vouchers whose last day has passed, found without a scan.
            (("state", "expires"), False),
            # The day book's outstanding vouchers per pack type: those still valid at a moment.
            (("pack_type", "expires"), False),
            # The no-ID limits (vouchers.check_no_id_limits): anonymous, not overridden, issued in the last
            # minutes. Without it SQLite reads every voucher no volunteer overrode (45 ms on a season).
            (("person_key", "overridden_by", "issued_at"), False),
        )


# The retention purge clears person keys older than the registrations' cutoff
# (vouchers.forget_people): a partial index on the vouchers still holding one,
# so each day reads the rows that just came of age, not the season before them.
Voucher.add_index(Voucher.index(Voucher.issued_at, name="voucher_person_issued_at")
                  .where(Voucher.person_key.is_null(False)))
