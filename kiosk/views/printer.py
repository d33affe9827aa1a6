"""The printer's state on every screen: the status bar shows it when a person should act."""

import json

from flask import Blueprint
from flask import current_app
from flask import g
from flask import render_template
from flask import request
from flask_babel import gettext

from kiosk import htmx
from kiosk import printing
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.views.console import volunteer_required

bp = Blueprint("printer", __name__)


@bp.app_context_processor
def inject_printer_status():
    """Give templates ``printer_status()``: read only when a template asks, never waiting on paper."""
    return {"printer_status": _printer_status_or_none}


def _printer_status_or_none():
    """The PrinterStatus, or None if it cannot be read (the page still renders); read once per request."""
    if "printer_status" not in g:
        try:
            g.printer_status = printing.printer_status()
        except Exception:
            current_app.logger.exception("printer status unavailable")
            g.printer_status = None
    return g.printer_status


def printer_down():
    """The PrinterStatus when a ticket submitted now would not come out (paper out, offline, cover
    open, the queue held up), else None. Screens that print refuse to issue while it is down."""
    status = _printer_status_or_none()
    return status if status is not None and status.stuck else None


class PrinterDown(DomainError):
    """Nothing would print now; the person can only wait for a volunteer."""

    status = 503


def refuse_while_printer_down():
    """Raise a DomainError a worker or volunteer understands if nothing would print now."""
    status = printer_down()
    if status is not None:
        raise PrinterDown(N_("The printer cannot print right now, so nothing was issued."))


# What a volunteer should do, in plain words, for each printer state.
FIXES = {
    "ok": N_("Nothing to do."),
    "paper_low": N_("Get a new paper roll ready."),
    "paper_out": N_("Load paper: open the cover, put in a new roll, close the cover."),
    "cover_open": N_("Close the printer cover firmly."),
    "offline": N_("Check the power and the cable, then switch the printer on."),
    "error": N_("Switch the printer off and on again. If it persists, call the hotline."),
    "unknown": N_("Look at the printer: is it on, with paper, lid closed?"),
}
# Ticket kinds in words (the panel never shows the code's English kind names).
KIND_NAMES = {
    "voucher": N_("Gift-pack voucher"),
    "luggage": N_("Luggage ticket"),
    "test": N_("Test page"),
    "daybook": N_("Day report slip"),
}


@bp.app_template_filter("job_kind")
def job_kind(job):
    """Name a print job's ticket kind in the screen's language (else the ticket's printed title)."""
    if job.kind in KIND_NAMES:
        return gettext(KIND_NAMES[job.kind])
    try:
        return json.loads(job.ticket).get("title") or job.kind
    except (ValueError, AttributeError):
        return job.kind


REPRINT_REASONS = (N_("Did not come out"), N_("Paper jam"), N_("Print unreadable"), N_("Ticket lost"))
CANCEL_REASONS = (N_("Nobody is waiting for it"), N_("Printed by mistake"))

console = Blueprint("printer_console", __name__, url_prefix="/volunteer/printer")


def render_panel(status=200):
    """Render the printer panel: state, what to do, recent jobs with reprint/cancel."""
    context = {
        "printer": _printer_status_or_none(),
        "fixes": FIXES,
        "jobs": printing.recent_jobs(15),
        "reprint_reasons": REPRINT_REASONS,
        "cancel_reasons": CANCEL_REASONS,
    }
    template = "volunteer/_printer_panel.html" if htmx else "volunteer/printer.html"
    return render_template(template, **context), status


@console.get("/")
@volunteer_required()
def panel():
    """Show the printer's state and the print queue to a volunteer."""
    return render_panel()


@console.post("/jobs/<int:job_id>/reprint")
@volunteer_required()
def reprint(job_id):
    """Print the same ticket again (same code), with the reason in the audit log."""
    printing.reprint(job_id, request.form.get("reason", ""), volunteer_id=g.volunteer.id)
    return render_panel()


@console.post("/jobs/<int:job_id>/cancel")
@volunteer_required()
def cancel(job_id):
    """Take a waiting or failed job off the queue, with the reason in the audit log."""
    printing.cancel(job_id, request.form.get("reason", ""), volunteer_id=g.volunteer.id)
    return render_panel()
