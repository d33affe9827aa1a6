"""The office's nightly session, beyond counts: the kiosk's release, a new release, diagnostics.

All under ``/sync/`` with the same bearer token as the count pull, so the
office needs no other secret and the kiosk no other open port. Nothing here
is for browsers: no CSRF token (the bearer token is the proof), JSON only.
"""

import os
import platform
import shutil
import time

from flask import Blueprint
from flask import current_app
from flask import request

from kiosk import printing
from kiosk import updates
from kiosk.errors import DomainError
from kiosk.release_file import MAX_BYTES
from kiosk.views import station_info
from kiosk.views.sync import _json  # JSON no proxy or browser may keep
from kiosk.views.sync import require_token

bp = Blueprint("updates", __name__, url_prefix="/sync")


bp.before_request(require_token)


@bp.get("/release")
def release_status():
    """Which release runs, which is pending or on trial, which failed here, recent events."""
    return _json(updates.status(current_app.config, current_app.config["VERSION"]), 200)


@bp.post("/release")
def release_receive():
    """Take a signed release file (the request body), check it and stage it for the launcher."""
    request.max_content_length = MAX_BYTES
    data = request.get_data(cache=False)
    try:
        version = updates.stage(current_app.config, data, current_app.config["VERSION"])
    except DomainError as error:
        current_app.logger.warning("release refused: %s", error)
        updates.refuse(current_app.config, request.headers.get("X-Release-Version", "?"), str(error))
        return _json({"error": str(error), **updates.status(current_app.config, current_app.config["VERSION"])},
                     error.status)
    current_app.logger.info("release %s staged; the launcher switches to it", version)
    return _json({"staged": version, **updates.status(current_app.config, current_app.config["VERSION"])}, 202)


@bp.get("/diagnostics")
def diagnostics():
    """A support bundle the office asks for: no personal data, no secrets."""
    config = current_app.config
    info = station_info.current()
    disk = shutil.disk_usage(os.path.dirname(config["RELEASES_DIR"]) or "/")
    try:
        printer = printing.printer_status().to_dict()
    except Exception as exc:  # a report, not a failure
        printer = {"state": "unknown", "detail": f"error: {type(exc).__name__}"}
    body = {
        "station": info.code,
        "kiosk_id": info.kiosk_id,
        "version": config["VERSION"],
        "release": updates.status(config, config["VERSION"]),
        "printer": printer,
        "printer_url_scheme": config["PRINTER_URL"].split("://", 1)[0],
        "printer_profile": config["PRINTER_PROFILE"],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load": os.getloadavg(),
        "disk_free_bytes": disk.free,
        "disk_total_bytes": disk.total,
        "time": time.time(),
    }
    return _json(body, 200)

