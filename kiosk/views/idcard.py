"""The ID card reader, seen from the screens: the server polls it, pages long-poll the server.

``GET /idcard/wait?after=N`` answers with the first reader event after N
(``{"seq": 7, "kind": "read"}``, never the card's contents) or 204 after
WAIT_SECONDS. The registration screen then posts the event's number to take
the reading once (kiosk/views/register.py).
"""

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from kiosk import hardware

bp = Blueprint("idcard", __name__, url_prefix="/idcard")
WAIT_SECONDS = 15


def watcher():
    """Return the app's CardWatcher (None when no reader is configured)."""
    return current_app.extensions.get("idcard")


@bp.get("/wait")
def wait():
    """Long-poll: the next reader event after ``after``."""
    found = watcher()
    if found is None:
        return "", 204
    found.start()  # the first screen that waits starts the polling thread
    after = request.args.get("after", type=int, default=0)
    event = found.wait(after, timeout=min(request.args.get("timeout", type=float, default=WAIT_SECONDS), WAIT_SECONDS))
    if event is None:
        return "", 204
    response = jsonify(seq=event.seq, kind=event.kind)
    response.headers["Cache-Control"] = "no-store"
    return response


def take(seq):
    """Return the card reading of event ``seq`` once (None if gone or no reader)."""
    found = watcher()
    return found.take(seq) if found else None


def current_seq():
    found = watcher()
    return found.seq if found else 0


def init_app(app):
    """Open the configured reader; its watcher thread starts with the first page that waits."""
    reader = hardware.open_reader(app.config.get("IDCARD_URL"))
    if reader.present:
        app.extensions["idcard"] = hardware.CardWatcher(reader)
    app.extensions["idcard_present"] = reader.present
    app.register_blueprint(bp)
