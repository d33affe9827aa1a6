"""The worker's touchscreen: home, status bar, language switch and idle reset."""

from datetime import datetime
from datetime import timezone
from urllib.parse import urlsplit

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from kiosk import i18n
from kiosk import tallies
from kiosk import web
from kiosk.errors import N_
from kiosk.i18n import LANGUAGES
from kiosk.views import station_info

bp = Blueprint("screen", __name__)

# The home screen's tiles, in the order a worker scans them. Each later
# feature points its tile at its own endpoint; until then a tile opens a
# "being set up" page rather than a dead button.
TILES = [
    {
        "key": "register",
        "label": N_("Register"),
        "hint": N_("Arriving home or leaving for work"),
        "tone": "blue",
        "endpoint": "register.start",
    },
    {"key": "pack", "label": N_("Gift pack"), "hint": N_("Collect a warm gift pack"), "tone": "red",
     "endpoint": "packs.choose"},
    {"key": "luggage", "label": N_("Luggage"), "hint": N_("Leave your bags with us"), "tone": "green",
     "endpoint": "luggage_screen.about"},
    {"key": "trip", "label": N_("Bus to work"), "hint": N_("Free bus or train back to work"), "tone": "slate",
     "endpoint": "trips.choose"},
    {"key": "services", "label": N_("Services"), "hint": N_("Tea, medicine, travel help"), "tone": "orange",
     "endpoint": "screen.services"},
    {"key": "jobs", "label": N_("Find a job"), "hint": N_("Job postings to take away, job fairs"), "tone": "teal",
     "endpoint": "help.job_list"},
    {"key": "wage", "label": N_("Unpaid wages"), "hint": N_("Leave a tip for the labour office"), "tone": "purple",
     "endpoint": "help.tip_start"},
]
SERVICE_KEYS = {tile["key"] for tile in TILES}


# Session keys that are not a person's data: their presence alone does not
# make an idle reset necessary.
HOUSEKEEPING_KEYS = {"csrf_token"}
# What survives the end of a visit at the home screen: the form token, and the
# language, which a person may have chosen on the home screen itself (the idle
# reset forgets the language too).
KEPT_ACROSS_VISITS = HOUSEKEEPING_KEYS | {i18n.SESSION_KEY}


def end_visit(keep=KEPT_ACROSS_VISITS):
    """End this person's visit on the server: draft, registration, person key, vouchers, console sign-in.

    The one place a visit ends. Every way back to the home screen (返回首页
    anywhere, the header, the end of a voucher or a registration) is a GET of
    the home screen, which calls this; the idle reset calls it too. Keys are
    removed rather than listed, so a feature that keeps something new in the
    session is forgotten here without being named.
    """
    for key in [key for key in session if key not in keep]:
        session.pop(key)


@bp.app_context_processor
def inject_station():
    """Make the station and the idle settings available to every page."""
    at_rest = request.endpoint == "screen.home" and not (set(session) - HOUSEKEEPING_KEYS)
    console = on_console()
    idle_key = "VOLUNTEER_IDLE_SECONDS" if console else "IDLE_SECONDS"
    return {
        "station": station_info.lazy,
        "languages": LANGUAGES,
        "idle_needed": not at_rest,
        "idle_seconds": current_app.config[idle_key],
        "on_console": console,
        "onscreen_keyboard": onscreen_keyboard(console),
    }


def onscreen_keyboard(console):
    """Whether pages carry the on-screen keyboard: on the kiosk itself (a request from this machine)
    unless ONSCREEN_KEYBOARD says always (true) or never (false). Tablets and phones have their own.

    Console pages need it for names, reasons and notes; a worker's only text field is the
    wage tip's optional employer name. It opens on a tap in a text field, never in a scan box.
    """
    setting = current_app.config["ONSCREEN_KEYBOARD"]
    if setting is False:
        return False
    return setting is True or request.remote_addr in ("127.0.0.1", "::1")


def on_console():
    """Tell whether this request is for a console page (every /volunteer/ page, whichever blueprint).

    The status bar's own refresh asks from the page it sits on (htmx's HX-Current-URL).
    """
    path = request.path
    if request.endpoint == "screen.statusbar":
        path = urlsplit(request.headers.get("HX-Current-URL", "")).path
    return path.startswith("/volunteer/")


@bp.app_template_global()
def tile_url(key):
    """Return where a home tile leads: its feature's endpoint, or the placeholder page."""
    tile = next((t for t in TILES if t["key"] == key), None)
    if tile is None:
        abort(404)
    if tile.get("endpoint"):
        return url_for(tile["endpoint"])
    return url_for("screen.soon", service=key)


@bp.get("/")
def home():
    """End the visit of whoever was here, then show the home screen with one large button per service."""
    end_visit()
    response = make_response(render_template("screen/home.html", tiles=TILES))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/statusbar")
def statusbar():
    """Return the status bar alone, for its periodic htmx refresh."""
    return render_template("screen/_statusbar.html", now=datetime.now(timezone.utc))


@bp.get("/services")
def services():
    """Tell a worker which services this point offers and where to ask (read-only)."""
    offered = [tallies.SERVICES[key] for key in current_app.config["TALLY_SERVICES"]]
    return render_template("screen/services.html", offered=offered)


@bp.get("/soon/<service>")
def soon(service):
    """Show a friendly placeholder for a service that is not set up yet."""
    if service not in SERVICE_KEYS:
        abort(404)
    tile = next(t for t in TILES if t["key"] == service)
    label = tile["label"]
    return render_template("screen/soon.html", label=label)


@bp.post("/language")
def language():
    """Switch this person's language and go back to where they were."""
    i18n.remember_language(request.form.get("lang", ""))
    return redirect(_safe_next(request.form.get("next")), code=303)


@bp.post("/reset")
def reset():
    """Forget everything this person entered, language too, and return to the home screen."""
    end_visit(keep=HOUSEKEEPING_KEYS)
    return redirect(url_for("screen.home"), code=303)


def _safe_next(target):
    """Return target if it is a path on this kiosk, else the home screen."""
    return web.safe_path(target, url_for("screen.home"))
