"""The pull API the central office calls at night: signed pages of count cells."""

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from kiosk import sync
from kiosk import trips
from kiosk import web

bp = Blueprint("sync", __name__, url_prefix="/sync")


def require_token():
    """Refuse anyone without this kiosk's sync token: every /sync/ blueprint's before_request."""
    if not sync.token_matches(sync.bearer(request.headers.get("Authorization")), current_app.config["SYNC_TOKEN"]):
        response = _json({"error": "a valid sync token is required"}, 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="nuantu-sync"'
        return response
    return None


bp.before_request(require_token)


@bp.get("/cells")
def cells():
    """Return the count cells changed since ``since``, one signed page (the token checked first)."""
    token = current_app.config["SYNC_TOKEN"]
    try:
        since = web.whole_number(request.args.get("since", "0"))
        limit = web.whole_number(request.args.get("limit", str(sync.PAGE_SIZE)))
    except ValueError:
        return _json({"error": "since and limit must be whole numbers below 2**63"}, 400)
    try:
        # The office asks for the trips' statuses with ``trips=1`` (an older office does not, and
        # would refuse a batch carrying them).
        asked = request.args.get("trips") == "1"
        statuses = trips.statuses(current_app.config["TRIPS_CHECK_IN_HOURS"]) if asked else None
        page = sync.page(token, since, limit, statuses)
    except sync.BatchRefused as refusal:  # a count that breaks the format must not leave
        current_app.logger.error("sync page refused: %s", refusal)
        return _json({"error": str(refusal)}, 500)
    return _json(page, 200)


def _json(body, status):
    """Return JSON that no proxy or browser may keep: counts change all day."""
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
