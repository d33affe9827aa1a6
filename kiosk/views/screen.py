"""The worker's touchscreen: home, status bar, language switch and idle reset."""

from datetime import datetime
from datetime import timezone

from flask import Blueprint
from flask import abort
from flask import current_app
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


@bp.app_context_processor
def inject_station():
    """Make the station and the idle settings available to every page."""
    at_rest = request.endpoint == "screen.home" and not (set(session) - HOUSEKEEPING_KEYS)
    console = request.path.startswith("/volunteer/")  # every console page, whichever blueprint
    idle_key = "VOLUNTEER_IDLE_SECONDS" if console else "IDLE_SECONDS"
    return {
        "station": station_info.lazy,
        "languages": LANGUAGES,
        "idle_needed": not at_rest,
        "idle_seconds": current_app.config[idle_key],
    }


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
    """Show the home screen with one large button per service."""
    return render_template("screen/home.html", tiles=TILES)


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
    """Forget everything this person entered and return to the home screen."""
    session.clear()
    return redirect(url_for("screen.home"), code=303)


def _safe_next(target):
    """Return target if it is a path on this kiosk, else the home screen."""
    return web.safe_path(target, url_for("screen.home"))
