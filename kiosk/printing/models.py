"""The print queue's table. Imports peewee and the kiosk's base model only."""

from peewee import BlobField
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from kiosk.models import BaseModel
from kiosk.models import utcnow

QUEUED = "queued"
PRINTING = "printing"
PRINTED = "printed"
FAILED = "failed"
CANCELLED = "cancelled"
# last_error of a job held back after waiting too long (paper out, printer off):
# printing it now would hand a ticket to nobody.
HELD = "held back: waited too long for the printer, not printed"
JOB_STATES = (QUEUED, PRINTING, PRINTED, FAILED, CANCELLED)


class PrintJob(BaseModel):
    """One ticket on its way to paper: its exact bytes, its place in the queue, what went wrong.

    ``state`` moves queued → printing → printed. A send that fails puts the
    job back to queued with ``last_error``; ``failed`` is kept for jobs a
    person must look at: interrupted mid-send by a crash or power cut, or
    held back because they waited too long for the printer (``HELD``).
    A reprint is a new row with the SAME bytes and code and ``reprint_of``
    pointing at the original.
    """

    kind = CharField(max_length=32)
    code = CharField(max_length=64, default="", index=True)
    ticket = TextField()  # Ticket.to_json(), for previews
    data = BlobField()  # the ESC/POS bytes, built once
    profile = CharField(max_length=200)  # the profile spec the bytes were built for
    state = CharField(max_length=16, default=QUEUED, index=True)
    attempts = IntegerField(default=0)
    last_error = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    printed_at = DateTimeField(null=True)
    reprint_of = ForeignKeyField("self", null=True, backref="reprints", on_delete="CASCADE")
    reprint_reason = CharField(max_length=255, default="")

    class Meta:
        table_name = "printjob"

    @property
    def held_too_long(self):
        """True for a job not printed because it waited longer than the stale limit."""
        return self.state == FAILED and self.last_error == HELD

    @property
    def name(self):
        """The job's file-friendly name, e.g. ``job-000042``."""
        return f"job-{self.id:06d}"

    @classmethod
    def waiting(cls):
        """Jobs still to send, oldest first."""
        return cls.select().where(cls.state == QUEUED).order_by(cls.id)

    @classmethod
    def original(cls, kind, code):
        """The first (non-reprint) job that printed this ticket code, or None."""
        return cls.get_or_none((cls.kind == kind) & (cls.code == code) & cls.reprint_of.is_null())


# No silent duplicates: one original job per ticket code (reprints are
# explicit rows pointing at it). Codeless tickets (test pages) are exempt.
PrintJob.add_index(
    PrintJob.index(PrintJob.kind, PrintJob.code, unique=True).where(
        (PrintJob.code != "") & PrintJob.reprint_of.is_null()
    )
)
