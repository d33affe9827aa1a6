"""One-tap service tallies on the volunteer console."""

from flask import Blueprint
from flask import current_app
from flask import g
from flask import render_template
from flask import request

from kiosk import tallies
from kiosk import web
from kiosk.views.console import volunteer_required
from kiosk.views.daybook import day_being_counted

bp = Blueprint("tallies", __name__, url_prefix="/volunteer/tallies")


def tally_context(last=None):
    """Return what the tally panel shows: today's numbers and the tap that may be undone."""
    last = last if last is not None else tallies.last_tap(g.volunteer.id)
    return {
        "services": tallies.today(current_app.config["TALLY_SERVICES"], cells=day_being_counted()),
        "last": last if tallies.undoable(last) else None,
        "labels": tallies.SERVICES,
    }


def render_tallies(last=None):
    """Render the tally panel alone, telling the console's overview its numbers changed."""
    return render_template("volunteer/_tallies.html", **tally_context(last)), {"HX-Trigger": "counts-changed"}


@bp.get("/")
@volunteer_required()
def panel():
    """Return the tally panel alone (htmx refresh)."""
    return render_template("volunteer/_tallies.html", **tally_context())


@bp.post("/")
@volunteer_required()
def tap():
    """Count people served for one service."""
    try:
        people = web.whole_number(request.form.get("people", "1"))
    except ValueError:
        people = None  # not a number of people: the domain refuses it with its message
    tally = tallies.tap(
        request.form.get("service", ""),
        g.volunteer.id,
        people=people,
        allowed=current_app.config["TALLY_SERVICES"],
    )
    return render_tallies(last=tally)


@bp.post("/undo")
@volunteer_required()
def undo():
    """Undo the volunteer's last tap (within a minute)."""
    tallies.undo(request.form.get("tally_id", type=web.whole_number), g.volunteer.id)
    return render_tallies()
