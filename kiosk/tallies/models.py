"""The tallies' table: one row per tap on a service tally."""

from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField

from kiosk.models import BaseModel
from kiosk.models import utcnow
from kiosk.models import Volunteer

class Tally(BaseModel):
    """One tap on a service tally (tea, guidance…), possibly for several people."""

    service = CharField(max_length=32)
    people = IntegerField(default=1)
    day = DateField()
    volunteer = ForeignKeyField(Volunteer, backref="tallies")
    created_at = DateTimeField(default=utcnow)
    undone_at = DateTimeField(null=True)
