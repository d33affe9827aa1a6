"""The day book's own table: late corrections booked on a later open day."""

from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from kiosk.models import BaseModel
from kiosk.models import utcnow
from kiosk.models import Volunteer

class LateCorrection(BaseModel):
    """People served on a closed day that were counted late, booked on a later open day."""

    booked_on = DateField(index=True)  # the open day the count went to
    corrects = DateField()  # the closed day it belongs to
    service = CharField(max_length=32)
    people = IntegerField()
    reason = CharField(max_length=255)
    volunteer = ForeignKeyField(Volunteer, backref="late_corrections")
    at = DateTimeField(default=utcnow)
