"""Machine-readable health for the watchdog and the central office."""

from flask import Blueprint
from flask import current_app
from flask import jsonify

from kiosk import printing
from kiosk.models import database
from kiosk.views import station_info

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report database reachability, printer state and version as JSON."""
    try:
        database.execute_sql("SELECT 1").fetchone()
        info = station_info.current()
        db_state = "ok"
    except Exception as exc:  # the point is to report it, not to crash
        current_app.logger.exception("health check: database unreachable")
        info, db_state = None, f"error: {type(exc).__name__}"
    healthy = db_state == "ok"
    try:
        printer = printing.printer_status().to_dict()
    except Exception as exc:  # a broken queue table must not hide the rest of the report
        current_app.logger.exception("health check: printer status unavailable")
        printer = {"state": "unknown", "detail": f"error: {type(exc).__name__}"}
    body = {
        "status": "ok" if healthy else "error",
        "database": db_state,
        "printer": printer,
        "station": info.code if info else None,
        "kiosk_id": info.kiosk_id if info else None,
        "version": current_app.config["VERSION"],
    }
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
