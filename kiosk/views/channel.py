"""The office's evening session, kiosk side: sealed tips out, signed content in.

After pulling the counts (``/sync/cells``) the office asks for the sealed tips
waiting here (``GET /sync/tips``: a batch signed like a count page) and then
posts its content for this station (``POST /sync/content``: signed items,
acknowledgements of the tips it stored among them). Both need the kiosk's sync
token; the items are checked one by one against the office's key whatever the
token says.
"""

from flask import Blueprint
from flask import current_app
from flask import request

from kiosk import csrf
from kiosk import help as help_domain
from kiosk.help import tips
from kiosk.sync import content_wire
from kiosk.views import station_info
from kiosk.views.sync import _json  # JSON no proxy or browser may keep
from kiosk.views.sync import require_token

bp = Blueprint("channel", __name__, url_prefix="/sync")
# A night's delivery: hundreds of postings at a few hundred bytes each, far
# above the 64 KiB a touchscreen form may send.
MAX_DELIVERY_BYTES = 8 * 1024 * 1024
csrf.exempt(bp)  # a machine-to-machine call with a bearer token, never a browser form


bp.before_request(require_token)


@bp.get("/tips")
def sealed_tips():
    """Return every sealed tip not yet acknowledged, as one signed batch."""
    info = station_info.current()
    return _json(tips.batch(info.kiosk_id, current_app.config["SYNC_TOKEN"], info), 200)


@bp.post("/content")
def content():
    """Take the office's signed items; answer with what was accepted, already held or refused."""
    request.max_content_length = MAX_DELIVERY_BYTES
    try:
        received = help_domain.receive_delivery(request.get_data(), station_info.current())
    except content_wire.ItemRefused as refusal:
        current_app.logger.warning("content delivery refused: %s", refusal)
        return _json({"error": str(refusal)}, 422)
    return _json(received.as_dict(), 200)
