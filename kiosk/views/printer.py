"""The printer's state on every screen: the status bar shows it when a person should act."""

from flask import Blueprint
from flask import current_app

from kiosk import printing

bp = Blueprint("printer", __name__)


@bp.app_context_processor
def inject_printer_status():
    """Give templates ``printer_status()``: read only when a template asks, never waiting on paper."""
    return {"printer_status": _printer_status_or_none}


def _printer_status_or_none():
    """The PrinterStatus, or None if it cannot be read (the page still renders)."""
    try:
        return printing.printer_status()
    except Exception:
        current_app.logger.exception("printer status unavailable")
        return None
