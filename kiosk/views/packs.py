"""The worker's gift-pack screens: which pack they may take, their voucher, a volunteer's override.

Who the person is comes from the session: registration's confirmation
leaves the saved registration's token there, and quotas are counted on that
registration's keyed hash (never a phone or ID number). Without one the
person is anonymous and may take packs marked "no ID needed". Codes issued
in this visit are kept in the session too, so tapping 领取 again shows the
same voucher; the idle reset clears all of it for the next person.
"""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from flask import g
from flask import session
from flask import url_for
from flask_babel import gettext

from kiosk import htmx
from kiosk import printing
from kiosk import volunteers
from kiosk import vouchers
from kiosk import web
from kiosk.vouchers import Voucher
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.models import Volunteer
from kiosk.views import register
from kiosk.views import station_info
from kiosk.views.console import devices
from kiosk.views.printer import printer_down
from kiosk.views.printer import refuse_while_printer_down
from kiosk.vouchers import ticket as voucher_ticket

bp = Blueprint("packs", __name__, url_prefix="/packs")

VISIT_KEY = "pack_vouchers"  # codes issued in this visit
MOST_PER_VISIT = 10


def person_key():
    """Return the keyed hash of the person who registered in this visit, or None (anonymous)."""
    if "person_key" not in g:
        person = session.get(register.PERSON_KEY) or {}
        g.person_key = vouchers.person_keys_of(session.get(register.DONE_KEY), person.get("matches") or ())
    return g.person_key


def voucher_ticket_for(voucher):
    """Return the paper ticket of a voucher, in the current language."""
    info = station_info.current()
    return voucher_ticket.build(voucher, info, voucher_payload(voucher, info), gettext,
                                current_app.config["PACK_COLLECT_AT"])


def voucher_payload(voucher, info=None):
    """Return the signed QR payload of a voucher."""
    info = info or station_info.current()
    return vouchers.payload(voucher, info.kiosk_id, current_app.config["SIGNING_KEY"])


def print_voucher(voucher):
    """Queue a voucher's ticket for the printer (inside the issuing transaction); return the job id."""
    return printing.submit(voucher_ticket_for(voucher)).id


def preview_url(voucher):
    """Return the URL of the voucher's ticket picture (an image the browser fetches and keeps)."""
    return url_for("packs.ticket_png", code=voucher.code)


def render(page, partial, **context):
    """Render the partial alone for htmx, else the whole page around it."""
    return render_template(partial if htmx else page, **context)


@bp.get("/")
def choose():
    """Show the packs on offer today and which of them this person may take."""
    return render("packs/choose.html", "packs/_packs.html", **choose_context())


def choose_context():
    """Return what the pack chooser shows."""
    choices = vouchers.choices(person_key())
    return {
        "printer_down": printer_down(),
        "choices": choices,
        "registered": person_key() is not None,
        "visit_registered": session.get(register.DONE_KEY) is not None,  # perhaps without a phone or ID
        "tokens": {choice.offer.id: vouchers.new_request_token() for choice in choices},
    }


@bp.post("/issue")
def issue():
    """Issue a voucher for the pack tapped and print it (a second tap shows the same one)."""
    offer_id = request.form.get("offer", type=web.whole_number)
    voucher = vouchers.held(session.get(VISIT_KEY), offer_id)
    if voucher is None:
        refuse_while_printer_down()
        if person_key() is None:
            vouchers.check_no_id_limits(offer_id, session.get(VISIT_KEY), current_app.config["NO_ID_MIN_SECONDS"],
                                        current_app.config["NO_ID_PER_HOUR"])
    station_info.current()  # read now, not inside the write: the ticket shows the station
    voucher = voucher or vouchers.issue(
        offer_id,
        request.form.get("token", ""),
        person_key=person_key(),
        registration_token=session.get(register.DONE_KEY),
        valid_days=current_app.config["VOUCHER_VALID_DAYS"],
        printer=print_voucher,
    )
    return show_voucher(voucher)


def show_voucher(voucher):
    """Remember the voucher for this visit and show it with its ticket preview.

    The voucher and its print job are committed by now: wake the printer.
    """
    printing.wake()
    visit = [code for code in session.get(VISIT_KEY, []) if code != voucher.code]
    session[VISIT_KEY] = (visit + [voucher.code])[-MOST_PER_VISIT:]
    return render_voucher(voucher)


def render_voucher(voucher):
    """Render the voucher screen in the state of its ticket: printing, printed, or held for a volunteer."""
    return render("packs/voucher.html", "packs/_voucher.html", voucher=voucher, payload=voucher_payload(voucher),
                  preview=preview_url(voucher), paper=paper_state(voucher))


def paper_state(voucher):
    """Where the voucher's ticket is: "printed", "printing" (still on its way) or "held" (a volunteer brings the pack)."""
    # The job and its reprints in one read, (id, state, last_error): plain SQL, as every tap asks.
    job_id = voucher.print_job
    jobs = printing.job_family_states(job_id) if job_id else []
    job = next((j for j in jobs if j[0] == job_id), None)
    if job is None or any(state == "printed" for _, state, _ in jobs):
        return "printed"
    if job[1] in ("failed", "cancelled") or job[2] or printer_down():
        return "held"
    return "printing"


@bp.get("/voucher/<code>")
def voucher_state(code):
    """Show a voucher of this visit again (the voucher screen follows its ticket until it has printed)."""
    voucher = Voucher.get_or_none(Voucher.code == code) if code in session.get(VISIT_KEY, []) else None
    if voucher is None:
        raise NotFound(N_("That voucher is not from this visit."))
    return render_voucher(voucher)


@bp.get("/voucher/<code>/ticket.png")
def ticket_png(code):
    """The picture of a voucher issued in this visit, as it prints: drawn once per print job, kept.

    Only this visit's codes: the idle reset forgets them, so the next person
    at the screen cannot open an earlier worker's voucher by its address.
    """
    if code not in session.get(VISIT_KEY, ()):
        abort(404)
    voucher = vouchers.Voucher.get_or_none(vouchers.Voucher.code == code)
    if voucher is None:
        abort(404)
    if voucher.print_job is not None:
        png = printing.job_preview_png(voucher.print_job)
    else:  # issued without a printer (a simulated season): drawn from the ticket
        png = printing.preview_png(voucher_ticket_for(voucher))
    if png is None:
        abort(404)
    # A job's bytes never change; the screen may keep the picture for the visit.
    return png, {"Content-Type": "image/png", "Cache-Control": "private, max-age=600"}


@bp.get("/override/<int:offer_id>")
def override(offer_id):
    """Let a volunteer at the kiosk allow a pack the rules refused, with a reason."""
    return render("packs/override.html", "packs/_override.html", **override_context(offer_id))


def override_context(offer_id):
    """Return what the override form shows: the refusal, the volunteers, the reasons."""
    choice = next((c for c in vouchers.choices(person_key()) if c.offer.id == offer_id), None)
    if choice is None or not choice.overridable:
        raise NotFound(N_("That gift pack is not on offer today."))
    return {
        "choice": choice,
        "people": list(Volunteer.signable()),
        "reasons": vouchers.REASONS["override"],
        "token": vouchers.new_request_token(),
    }


@bp.post("/override/<int:offer_id>")
def override_post(offer_id):
    """Check the volunteer's PIN, then issue with the override recorded.

    Always the PIN, even if a volunteer is signed in on this screen: the
    person at the kiosk is the worker, and a forgotten sign-out must not let
    them allow themselves.
    """
    refuse_while_printer_down()
    volunteer = volunteers.sign_in(request.form.get("volunteer_id", type=web.whole_number), request.form.get("pin", ""),
                                   at=volunteers.SCREEN, devices=devices())
    decision = vouchers.Override(volunteer.id, request.form.get("reason", ""))
    voucher = vouchers.issue(
        offer_id,
        request.form.get("token", ""),
        person_key=person_key(),
        registration_token=session.get(register.DONE_KEY),
        override=decision,
        valid_days=current_app.config["VOUCHER_VALID_DAYS"],
        printer=print_voucher,
    )
    return show_voucher(voucher)
