"""The printer's state on every screen: the status bar shows it when a person should act."""

from flask import Blueprint
from flask import current_app
from flask import g
from flask import render_template
from flask import request

from kiosk import htmx
from kiosk import printing
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
