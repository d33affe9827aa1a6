"""The volunteer console: PIN sign-in, idle sign-out, and managing the roster."""

import time

from flask import Blueprint
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext

from kiosk import database
from kiosk import clock
from kiosk import htmx
from kiosk import scan as scan_codes
from kiosk import stations
from kiosk import volunteers
from kiosk import web
from kiosk.errors import DomainError
from kiosk.models import Volunteer
from kiosk.views import station_info
from kiosk.views.console import devices
from kiosk.views.console import keep_device_cookie
from kiosk.views.console import redirect_to
from kiosk.views.console import SELF_REFRESHING
from kiosk.views.console import sign_out_session
from kiosk.views.console import volunteer_required
from kiosk.views.daybook import overview_context
from kiosk.views.tallies import tally_context

bp = Blueprint("volunteer", __name__, url_prefix="/volunteer")


@bp.before_app_request
def load_volunteer():
    """Put the signed-in volunteer on g, signing them out after the idle limit."""
    g.volunteer = None
    volunteer_id = session.get("volunteer_id")
    if volunteer_id is None or not database.wants_database():
        return
    idle = time.time() - session.get("volunteer_seen", 0)
    if idle > current_app.config["VOLUNTEER_IDLE_SECONDS"]:
        sign_out_session()
        session["volunteer_notice"] = "idle"
        return
    g.volunteer = volunteers.active_volunteer(volunteer_id)
    if not volunteers.session_is_current(g.volunteer, session.get("volunteer_epoch")):
        g.volunteer = None  # signed out elsewhere, disabled, or a new PIN: this session has ended
        sign_out_session()
        return
    if request.headers.get("HX-Trigger") not in SELF_REFRESHING:  # a poll is not a person at work
        session["volunteer_seen"] = time.time()


@bp.get("/")
def index():
    """Show the console to a signed-in volunteer, else the sign-in page."""
    if g.volunteer is None:
        return sign_in()
    return render_template(
        "volunteer/home.html", **tally_context(), **overview_context(), prompt_settings=station_info.prompt_settings(),
        # This request's own clock check said trusted: no need to read the row again.
        clock_doubt=None if g.get("clock_trusted") else clock.suspect(), clock_now=clock.local_time(),
    )


@bp.post("/clock/confirm")
@volunteer_required(role="manager")
def confirm_clock():
    """A station manager says the clock is right: expiry, purges and closing run again."""
    clock.confirm(g.volunteer.id)
    return redirect_to("volunteer.index")


@bp.post("/prompts")
@volunteer_required()
def prompts():
    """Make the screens' spoken prompts louder, quieter, muted or back on (the station's setting)."""
    settings = stations.change_prompts(request.form.get("action", ""), volunteer_id=g.volunteer.id)
    if htmx:
        return render_template("volunteer/_prompts.html", prompt_settings=settings)
    return redirect_to("volunteer.index")


@bp.get("/sign-in")
def sign_in():
    """Show the names of active volunteers; tapping one opens the PIN pad."""
    notice = session.pop("volunteer_notice", None)
    return render_template("volunteer/sign_in.html", people=list(Volunteer.signable()), notice=notice)


@bp.get("/sign-in/<int:volunteer_id>")
def pin_pad(volunteer_id):
    """Show the PIN pad for one volunteer."""
    person = volunteers.active_volunteer(volunteer_id)
    if person is None:
        return sign_in()
    template = "volunteer/_pin.html" if htmx else "volunteer/pin.html"
    return render_template(template, person=person, error=None)


@bp.post("/sign-in")
def sign_in_post():
    """Check the PIN; open the console, or show why not on the pad."""
    volunteer_id = request.form.get("volunteer_id", type=web.whole_number)
    try:
        person = volunteers.sign_in(volunteer_id, request.form.get("pin", ""), devices=devices())
    except volunteers.SignInRefused as refusal:
        person = volunteers.active_volunteer(volunteer_id)
        if person is None:
            raise
        error = gettext(refusal.message, **refusal.params)
        template = "volunteer/_pin.html" if htmx else "volunteer/pin.html"
        return render_template(template, person=person, error=error), refusal.status
    session["volunteer_id"] = person.id
    session["volunteer_epoch"] = person.session_epoch
    session["volunteer_seen"] = time.time()
    return redirect_to("volunteer.index")


bp.after_app_request(keep_device_cookie)


@bp.post("/sign-out")
def sign_out():
    """Sign the volunteer out everywhere (a copied cookie stops working too) and go home."""
    if g.volunteer is not None:
        volunteers.end_sessions(g.volunteer.id)
    sign_out_session()
    return redirect_to("screen.home")


@bp.after_app_request
def console_pages_are_not_kept(response):
    """Console and luggage pages show people's tickets and names: no cache may keep them."""
    if request.path.startswith(("/volunteer", "/luggage")):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/scan")
@volunteer_required()
def scan():
    """Send a scanned or typed code to the gift-pack desk, the luggage desk or its trip's boarding."""
    scanned = request.form.get("code", "")
    kind = scan_codes.route(scanned)
    if kind == "voucher":
        return redirect(url_for("pack_desk.scan"), code=307)  # same POST, same body
    if kind == "seat":
        return redirect(url_for("trips_console.scan"), code=307)
    return redirect(url_for("luggage.claim_page", code=scanned.strip()), code=303)


@bp.get("/people")
@volunteer_required(role="manager")
def people():
    """List volunteers for the manager, with a form to add one."""
    return render_template("volunteer/people.html", **roster_context(), error=None)


def roster_context():
    """Return the roster with where each person's PIN is locked now."""
    people = list(Volunteer.select().order_by(Volunteer.name))
    return {"people": people, "locked": {person.id: volunteers.is_locked(person) for person in people}}


@bp.post("/people")
@volunteer_required(role="manager")
def add_person():
    """Add a volunteer or manager from the console."""
    try:
        volunteers.add(request.form.get("name", ""), request.form.get("pin", ""), request.form.get("role", "volunteer"))
    except DomainError as refusal:
        error = gettext(refusal.message, **refusal.params)
        return render_template("volunteer/people.html", **roster_context(), error=error), refusal.status
    return redirect_to("volunteer.people")


@bp.post("/people/<int:volunteer_id>/active")
@volunteer_required(role="manager")
def set_active(volunteer_id):
    """Enable or disable a volunteer."""
    volunteers.set_active(volunteer_id, request.form.get("active") == "1", acting_manager_id=g.volunteer.id)
    return redirect_to("volunteer.people")


@bp.post("/people/<int:volunteer_id>/pin")
@volunteer_required(role="manager")
def reset_pin(volunteer_id):
    """Give a volunteer who forgot their PIN a new one (and lift a lockout)."""
    try:
        volunteers.set_pin(volunteer_id, request.form.get("pin", ""))
    except DomainError as refusal:
        error = gettext(refusal.message, **refusal.params)
        return render_template("volunteer/people.html", **roster_context(), error=error), refusal.status
    return redirect_to("volunteer.people")


@bp.post("/people/<int:volunteer_id>/unlock")
@volunteer_required(role="manager")
def unlock(volunteer_id):
    """Lift someone's PIN locks (at the console and at the worker screen)."""
    volunteers.unlock(volunteer_id)
    return redirect_to("volunteer.people")
