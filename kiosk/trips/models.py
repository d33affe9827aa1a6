"""The trips' tables: trips (返岗专车/专列), the bookings made at the kiosk, and their seats."""

from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from kiosk.models import BaseModel
from kiosk.models import utcnow
from kiosk.models import Volunteer


class Trip(BaseModel):
    """One free point-to-point bus or train run to a work destination.

    Times are naive UTC like every table. ``state``: open (booking and
    boarding), departed (on the road: safety check-ins due), arrived, or
    cancelled. A trip the office pushed down keeps the office's id and
    version so a newer push updates it and an older one is ignored.
    """

    mode = CharField(max_length=8)  # bus | train
    destination_province = CharField(max_length=6)
    destination_city = CharField(max_length=6, null=True)
    departure_place = CharField(max_length=64)
    departs_at = DateTimeField(index=True)
    booking_deadline = DateTimeField()
    seats = IntegerField()
    escort_name = CharField(max_length=32)
    escort_phone = CharField(max_length=20)
    state = CharField(max_length=12, default="open")
    source = CharField(max_length=8, default="local")  # local | office
    office_id = CharField(max_length=64, null=True, unique=True)
    office_version = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    cancelled_at = DateTimeField(null=True)
    cancel_reason = CharField(max_length=255, default="")
    departed_at = DateTimeField(null=True)
    last_check_in_at = DateTimeField(null=True)
    missed_counted_for = DateTimeField(null=True)  # the check-in whose follow-up was counted as missed
    arrived_at = DateTimeField(null=True)


class Booking(BaseModel):
    """A worker's booking of one or more seats on a trip (themselves and the people travelling along).

    Who booked is kept only as a keyed hash of their ID number or phone and
    its last four characters sealed under the week's key (kiosk.pii_keys; plus a
    surname initial when an ID card reader supplied one), for the escort's
    manifest; the retention purge clears them and destroys the week's key.
    ``person_last4`` is only read, for bookings made before the keys.
    """

    trip = ForeignKeyField(Trip, backref="bookings")
    token = CharField(unique=True, max_length=32)  # the booking screen's idempotency key: a double tap books once
    person_hash = CharField(max_length=64, null=True)
    person_kind = CharField(max_length=8)  # document | phone
    person_last4 = CharField(max_length=4, null=True)
    person_last4_sealed = TextField(null=True)
    person_initial = CharField(max_length=1, null=True)
    seats = IntegerField()
    created_at = DateTimeField(default=utcnow)
    reprints = IntegerField(default=0)
    purged_at = DateTimeField(null=True)

    class Meta:
        # One booking per person per trip; purged rows (NULL hash) never collide.
        indexes = ((("trip", "person_hash"), True),)


class Seat(BaseModel):
    """One seat of a booking, with its own ticket code: boarded by scanning that ticket."""

    trip = ForeignKeyField(Trip, backref="seat_rows")
    booking = ForeignKeyField(Booking, backref="seat_rows")
    number = IntegerField()
    code = CharField(unique=True, max_length=8)
    state = CharField(max_length=8, default="booked")  # booked | boarded | no_show
    changed_at = DateTimeField(null=True)
    changed_by = ForeignKeyField(Volunteer, null=True, backref="seats_changed")
    how = CharField(max_length=8, null=True)  # scan | manual
    reason = CharField(max_length=255, default="")

    class Meta:
        # A seat number is sold once: the database refuses a second, whatever the code above did.
        indexes = ((("trip", "number"), True),)


class WaitEntry(BaseModel):
    """A worker on a full trip's waiting list (identified like a booking: keyed hash and the last four sealed).

    The worker has left the kiosk when a seat frees, so nothing is sent to
    them: the volunteer at the desk sees the list in order with masked
    contacts and gives the freed seats to the first one there, which books
    them and prints the seat tickets at the desk (``state`` waiting → seated).
    """

    trip = ForeignKeyField(Trip, backref="waiting")
    person_hash = CharField(max_length=64, null=True)
    person_kind = CharField(max_length=8)  # document | phone
    person_last4_sealed = TextField(null=True)  # under the week's key (kiosk.pii_keys)
    person_initial = CharField(max_length=1, null=True)
    seats = IntegerField()
    created_at = DateTimeField(default=utcnow)
    state = CharField(max_length=8, default="waiting")  # waiting | seated | removed
    booking = ForeignKeyField(Booking, null=True, backref="from_waiting_list")
    changed_by = ForeignKeyField(Volunteer, null=True, backref="waiting_changed")
    purged_at = DateTimeField(null=True)

    class Meta:
        # One place per person per trip's list; purged rows (NULL hash) never collide.
        indexes = ((("trip", "person_hash"), True),)
