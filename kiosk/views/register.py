"""The registration flow on the touchscreen: one page, each step an htmx swap.

The draft lives in the session (signed cookie), so POST /reset, which clears
the session, discards a half-finished registration. Nothing is written to the
database before the final confirm.
"""

from flask import Blueprint
from flask import current_app
from flask import render_template
from flask import request
from flask import session

from kiosk import htmx
from kiosk import pii_keys
from kiosk import regions
from kiosk import registration
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.registration import CardReading
from kiosk.registration import Draft
from kiosk.views import idcard
from kiosk.views import speech

bp = Blueprint("register", __name__, url_prefix="/register")

DRAFT_KEY = "registration"
DONE_KEY = "registration_done"
# Who registered in this visit (hashes under every live key, kind, last four), for the gift-pack
# quota and a trip booked next: the registration row keeps no last four (kiosk.registration).
PERSON_KEY = "registration_person"
CARD_KEY = "registration_card"  # a card read before the direction was chosen: fingerprint and home only


@bp.get("")
def start():
    """Show the first step: arriving home or leaving for work."""
    return _page("direction", None)


@bp.get("/step/<step>")
def show(step):
    """Show a step again (Back, or an optional detail) if its earlier choices are made."""
    draft = _draft()
    registration.require(draft, step)
    return _show(step, draft)


@bp.post("/direction")
def direction():
    """Start a new registration in the chosen direction."""
    session.pop(DONE_KEY, None)
    session.pop(PERSON_KEY, None)
    card = CardReading.from_state(session.get(CARD_KEY))
    draft = registration.start(request.form.get("direction"), card)
    session.pop(CARD_KEY, None)
    return _show(_after_home(draft) if draft.home else "prefecture", draft)


@bp.post("/card")
def card():
    """Take the card the reader just read into this registration, and move on past what it answers."""
    reading = idcard.take(request.form.get("seq", type=int))
    if reading is None:
        raise DomainError(N_("The card was not read. Please place it on the reader again."))
    card = registration.read_card(reading.id_number, reading.address, _pii_key())
    step = _form("step")
    draft = _draft()
    if draft is None or step == "direction":
        session[CARD_KEY] = card.to_state()
        response = _show("direction", None)
        speech.set_screen("register.card_read")
        return response
    draft = registration.apply_card(draft, card)
    if step in ("prefecture", "county", "home_province") and draft.home:
        step = _after_home(draft)
    elif step in ("consent", "phone", "id_number", "other_document", "done") or step not in registration.STEPS:
        step = "summary"
    return _show(step, draft)


@bp.post("/prefecture")
def prefecture():
    """Record the home prefecture and ask for the county."""
    return _show("county", registration.choose_prefecture(_draft(), _form("code")))


@bp.post("/county")
def county():
    """Record the home county; then the destination (for work) or the summary."""
    draft = registration.choose_home(_draft(), _form("code"), _station_county())
    return _show(_after_home(draft), draft)


@bp.post("/home-province")
def home_province():
    """Record a home outside Sichuan."""
    draft = registration.choose_home_province(_draft(), _form("code"))
    return _show(_after_home(draft), draft)


@bp.post("/destination")
def destination():
    """Record the province a worker is going to."""
    return _show("summary", registration.choose_destination(_draft(), _form("code")))


@bp.post("/city")
def city():
    """Record (or clear) the destination city."""
    return _show("summary", registration.choose_city(_draft(), _form("code")))


@bp.post("/intention")
def intention():
    """Record the kinds of job help wanted."""
    return _show("summary", registration.set_intentions(_draft(), request.form.getlist("intention")))


@bp.post("/party")
def party():
    """Record the children and elderly people travelling along."""
    draft = registration.set_party(_draft(), _form("children", "0"), _form("elderly", "0"))
    return _show("summary", draft)


@bp.post("/consent")
def consent():
    """Record the answer to the privacy notice; on yes, open the keypad asked for."""
    draft = registration.answer_consent(_draft(), _form("answer"))
    then = _form("then")
    return _show(then if draft.consent and then in ("phone", "id_number") else "summary", draft)


@bp.post("/phone")
def phone():
    """Check the mobile number and keep only its fingerprint."""
    return _show("summary", registration.add_phone(_draft(), _form("number"), _pii_key()))


@bp.post("/id-number")
def id_number():
    """Check the ID card number and keep only its fingerprint."""
    return _show("summary", registration.add_id_number(_draft(), _form("number"), _pii_key()))


@bp.post("/other-document")
def other_document():
    """Check another document's number and keep only its fingerprint."""
    return _show("summary", registration.add_other_document(_draft(), _form("number"), _pii_key()))


@bp.post("/confirm")
def confirm():
    """Save the registration once, forget the draft, and show the big check mark."""
    draft = _draft()
    token = _form("token")
    if draft is None and token and token == session.get(DONE_KEY):
        receipt = registration.receipt(token)  # a second tap after the first one finished
    else:
        receipt = registration.register(draft)
        session.pop(DRAFT_KEY, None)
        session[DONE_KEY] = receipt.token
        person = registration.person_of_draft(draft)
        if person is not None:
            fingerprint, kind = person
            session[PERSON_KEY] = {"hash": fingerprint.hash, "kind": kind, "last4": fingerprint.last4,
                                   "matches": list(fingerprint.matches)}
    return _show("done", None, receipt=receipt)


@bp.app_template_filter("place")
def place(code):
    """Show a division code as the place name people use."""
    return regions.label(code)


@bp.after_request
def no_store(response):
    """Keep registration screens out of any cache: they show what a person chose."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _draft():
    return Draft.from_state(session.get(DRAFT_KEY))


def _form(name, default=""):
    return request.form.get(name, default)


def _pii_key():
    """The keys a number is fingerprinted under: this week's, and every older one still alive."""
    return pii_keys.ring()


def _station_county():
    return str(current_app.config["STATION_COUNTY"])


def _after_home(draft):
    return "destination" if draft.direction == "work" else "summary"


def _show(step, draft, **extra):
    """Keep the draft in the session and answer with the step (a partial for htmx)."""
    speech.set_screen(f"register.{step}")
    if draft is not None:
        session[DRAFT_KEY] = draft.to_state()
    if htmx:
        return render_template(f"register/_{step}.html", **_context(step, draft), **extra)
    return _page(step, draft, **extra)


def _page(step, draft, **extra):
    speech.set_screen(f"register.{step}")
    return render_template("register/page.html", step=step, **_context(step, draft), **extra)


def _context(step, draft):
    """Return what a step's template needs besides the draft."""
    context = {"draft": draft, "back": registration.previous(draft, step)}
    context["reader"] = current_app.extensions.get("idcard_present", False)
    context["reader_seq"] = idcard.current_seq()
    context["card"] = CardReading.from_state(session.get(CARD_KEY)) if step == "direction" else None
    if step == "prefecture":
        county = regions.home_county(_station_county())
        context["shortcut"] = county
        context["prefectures"] = regions.prefectures(first=county.code if county else None)
    elif step == "county":
        context["prefecture"] = regions.find(draft.prefecture)
        context["counties"] = regions.counties(draft.prefecture, first=_station_county())
    elif step == "home_province":
        context["provinces"] = [p for p in regions.provinces() if p.code != regions.HOME_PROVINCE]
    elif step == "destination":
        common = _common_destinations()
        context["provinces"] = regions.destination_provinces(common)
        context["common"] = common
        context["undecided"] = regions.UNDECIDED
    elif step == "city":
        context["province"] = regions.find(draft.destination)
        context["cities"] = regions.cities(draft.destination)
    elif step == "summary":
        context["has_cities"] = draft.direction == "work" and bool(regions.cities(draft.destination))
        context["packs_needing_id"] = vouchers.packs_needing_id()
    elif step == "consent":
        context["then"] = request.values.get("then", "")
        context["retention_days"] = current_app.config["PII_RETENTION_DAYS"]
        context["hotline"] = current_app.config["STATION_HOTLINE"]
    return context


def _common_destinations():
    configured = current_app.config["REGISTRATION_COMMON_DESTINATIONS"]
    if isinstance(configured, str):
        configured = configured.split(",")
    return [code.strip() for code in configured]
