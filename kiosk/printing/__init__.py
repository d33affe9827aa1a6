"""Thermal printing: tickets → ESC/POS bytes → a persistent queue → the printer, plus PNG previews.

The public API, for domain modules (vouchers, luggage, the volunteer
console). None of it needs Flask; call it with or without an open database
connection::

    from kiosk import printing
    from kiosk.printing import Ticket

    ticket = Ticket(kind="voucher", title="暖心礼包领取凭证",
                    lines=(("站点", "乐山客运中心站"), "凭此券领取一份"),
                    code="V7K3-Q9FA", qr="NT1:V:V7K3Q9FA:…", footer=("服务热线 12345",))
    job = printing.submit(ticket)          # PrintJob, state "queued"; returns at once
    printing.reprint(job.id, "paper jam", volunteer_id=v.id)  # same bytes and code, reprint_of=job, audited
    printing.cancel(job.id, "nobody waiting")  # a queued/failed job off the queue, audited
    printing.purge_finished(cutoff, keep=ids)  # delete old finished jobs, except those still reprintable
    printing.printer_status()              # PrinterStatus: state, waiting, last_error…
    printing.preview_png(ticket)           # PNG bytes (or a PrintJob / job id); preview_data_uri() for <img>
    printing.job_preview_png(job.id)       # a job's preview, drawn once and kept under INSTANCE/previews
    printing.check_text("吉𠮷")            # ["𠮷"]: characters the printer cannot print

Errors (kiosk.errors.DomainError subclasses, with N_ messages the views translate):
``UnprintableText`` (characters the printer font lacks: rejected before
anything is queued; ``submit(ticket, unprintable="replace")`` prints □
instead), ``Conflict`` (the ticket code was already printed: use reprint;
a reprint of a job still waiting), ``NotFound`` (no such job),
``MissingFont`` (a rasterising profile and no CJK font installed).

``submit()`` inside your own ``database.atomic()`` block is fine: the job is
part of your transaction, and the worker picks it up within seconds of the
commit if you call ``printing.wake()`` after committing (it polls every 5 s).

Ticket kinds: any identifier; ``luggage`` gets QR error correction Q (kept for
hours), the rest M. ``parts`` print after a cut in the same job.

Queue (table ``printjob``): queued → printing → printed. One worker thread
(started on the first web request unless ``PRINTER_WORKER`` is false; off in
tests) sends jobs in order; a failed send leaves the job queued with
``last_error`` and is retried with back-off; nothing behind it jumps the queue.
``process_queue()`` does one pass synchronously (tests, CLI). A job found in
"printing" when the worker starts was interrupted by a crash or power cut:
it is marked ``failed`` for a volunteer, never resent silently (it may have
printed); ``reprint()`` sends it again. Finished jobs (printed, cancelled,
failed) are deleted after ``PRINTJOB_RETENTION_DAYS`` by ``kiosk.retention``,
which knows the ones a volunteer may still reprint (``purge_finished``'s keep).

Configuration: ``PRINTER_URL`` (see backends.py: preview://, file://, usb://,
tcp://, serial://, cups://, virtual://), ``PRINTER_PROFILE`` (profiles.py:
generic58, generic80, tm-t20, with ``?field=value`` overrides),
``PRINTER_TIMEOUT`` (seconds), ``PRINTER_WORKER``.

Modules: ticket (dataclass), layout (pure fitting to columns), charset
(GBK/GB18030, fix-ups), profiles, escpos_build (the only importer of
python-escpos), render (Pillow: previews, rasterised text), backends and
virtual (transports), models and jobs (the queue), worker, service (this
API), cli (`flask printer …`, the only module here importing Flask/click).
"""

from kiosk.printing.backends import DeviceStatus
from kiosk.printing.backends import PrinterError
from kiosk.printing.charset import UnprintableText
from kiosk.printing.models import PrintJob
from kiosk.printing.render import MissingFont
from kiosk.printing.service import PrinterStatus
from kiosk.printing.service import backend
from kiosk.printing.service import cancel
from kiosk.printing.service import check_text
from kiosk.printing.service import configure
from kiosk.printing.service import init_app
from kiosk.printing.service import job_family_states
from kiosk.printing.service import job_preview_png
from kiosk.printing.service import preview_data_uri
from kiosk.printing.service import preview_png
from kiosk.printing.service import printer_status
from kiosk.printing.service import process_queue
from kiosk.printing.service import recent_jobs
from kiosk.printing.service import profile
from kiosk.printing.service import purge_finished
from kiosk.printing.service import reprint
from kiosk.printing.service import start_worker
from kiosk.printing.service import stop_worker
from kiosk.printing.service import submit
from kiosk.printing.service import wake
from kiosk.printing.ticket import Ticket

__all__ = [
    "DeviceStatus",
    "MissingFont",
    "PrintJob",
    "PrinterError",
    "PrinterStatus",
    "cancel",
    "recent_jobs",
    "Ticket",
    "UnprintableText",
    "backend",
    "check_text",
    "configure",
    "init_app",
    "job_family_states",
    "job_preview_png",
    "preview_data_uri",
    "preview_png",
    "printer_status",
    "process_queue",
    "profile",
    "purge_finished",
    "reprint",
    "start_worker",
    "stop_worker",
    "submit",
    "wake",
]
