"""Return-to-work trips: the worker's booking screens and the console's trips, boarding and check-ins.

The worker's side is tap-only: a trip, how many seats, and who books (the
registration of this visit, or an ID or phone number on the keypad after the
privacy notice). Seat tickets print at once; while the printer cannot print,
the booking button is off and the screen says to ask a volunteer, so nobody
holds a seat without a ticket. The console's side is built for a phone:
the escort scans each ticket (scanner, typed code or the phone's camera),
sees the head count and who is missing, and reports "all safe" on the road.
"""

import dataclasses

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext

from kiosk import clock
from kiosk import htmx
from kiosk import pii_keys
from kiosk import printing
from kiosk import tokens
from kiosk import trips
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.trips import tickets as trip_tickets
from kiosk.trips import waiting
from kiosk.views import idcard
from kiosk.views import register
from kiosk.views import speech
from kiosk.views import station_info
from kiosk.views.console import volunteer_required

bp = Blueprint("trips", __name__, url_prefix="/trips")
console = Blueprint("trips_console", __name__, url_prefix="/volunteer/trips")

TRIP_STATES = {"open": N_("Booking open"), "departed": N_("On the road"), "arrived": N_("Arrived"),
               "cancelled": N_("Cancelled")}
RELEASE_REASONS = (N_("They phoned: not travelling"), N_("They asked at the desk"), N_("Booked twice"))
PERSON_KEY = "trip_person"  # who books, typed on the keypad in this visit: hash, kind, last four
BOOKED_KEY = "trip_bookings"  # bookings made in this visit: only they may be shown again
WAITING_KEY = "trip_waiting"  # waiting-list places taken in this visit: only they may be shown again


def keys():
    """Return what signs this kiosk's seat tickets."""
    return trips.Keys(station_info.current().kiosk_id, current_app.config["SIGNING_KEY"])


def said(refusal):
    """Return a domain refusal in the reader's language."""
    return gettext(refusal.message, **refusal.params)


def helpers():
    """What every trips template uses."""
    return {"stamp": trips.local_stamp, "modes": trips.MODES, "display_code": tokens.display_code,
            "trip_title": lambda trip: trip_tickets.trip_title(trip, gettext), "destination_of": trips.destination_of,
            "states": trip_tickets.STATES, "trip_state_label": TRIP_STATES.get}


def traveller():
    """Return who is booking in this visit: the registration's person, or the one typed on the keypad."""
    found = trips.traveller_of_registration(session.get(register.DONE_KEY))
    registered = session.get(register.PERSON_KEY)
    if found.person is not None and registered and registered.get("hash") == found.person.hash:
        # The registration row keeps no last four: the visit's session has it, and the other keys' hashes.
        found = trips.Traveller(trips.Person(**registered), found.destination, found.party)
    typed = session.get(PERSON_KEY)
    if found.person is None and typed:
        found = trips.Traveller(trips.Person(**typed), found.destination, found.party)
    return found


def masked(booking):
    """The manifest's name for a booking, in the reader's language."""
    return trips.masked_name(booking, gettext)


def printer_stuck():
    """Return True when a ticket queued now would not come out."""
    return printing.printer_status().stuck


@bp.after_request
def no_store(response):
    """Booking screens show a person's seats: never from a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the worker's screens -----------------------------------------------------


@bp.get("/")
def choose():
    """List the trips open for booking, those to the worker's destination first."""
    who = traveller()
    offered = trips.offered(who.destination)
    return render_template("trips/choose.html", offered=offered, left={t.id: trips.seats_left(t) for t in offered},
                           destination=who.destination, **helpers())


@bp.get("/ticket")
def ticket():
    """A booked worker scans (or types) their seat ticket at the kiosk: is the trip still on, and when?"""
    code = request.args.get("code", "")
    seat, refusal = None, None
    if code:
        try:
            seat = trips.find_seat(code, keys())
        except DomainError as error:
            refusal = said(error)
    return render_template("trips/ticket.html", seat=seat, trip=seat.trip if seat else None, refusal=refusal,
                           **helpers())


@bp.get("/<int:trip_id>")
def trip(trip_id):
    """Show one trip: how many seats, who books, and the button that books and prints."""
    return render_template("trips/book.html", **booking_context(trips.get(trip_id)), **helpers())


def booking_context(trip, refusal=None):
    """Return what the booking screen shows."""
    who = traveller()
    left = trips.seats_left(trip)
    mine = trips.booking_of(trip, who.person)
    return {
        "trip": trip,
        "left": left,
        "who": who,
        "seats": min(who.party, max(left, 1)),
        "choices": range(1, min(trips.MOST_SEATS_PER_BOOKING, left) + 1),
        "mine": mine,
        "mine_seats": trips.seat_numbers_text(mine) if mine else "",
        "next_trip": trips.next_to_same_place(trip, min(who.party, trips.MOST_SEATS_PER_BOOKING)) if left < who.party else None,
        "stuck": printer_stuck(),
        "token": trips.new_request_token(),
        "refusal": refusal,
        "most_seats": trips.MOST_SEATS_PER_BOOKING,
    }


@bp.post("/<int:trip_id>/book")
def book(trip_id):
    """Book the seats chosen for the person of this visit and print their tickets; or ask who they are."""
    return for_this_visit(trips.get(trip_id), "book")


@bp.post("/<int:trip_id>/wait")
def wait(trip_id):
    """Put the person of this visit on a full trip's waiting list; or ask who they are first."""
    return for_this_visit(trips.get(trip_id), "wait")


def for_this_visit(trip, then):
    """Book or join the waiting list for the person of this visit; without one, ask who they are first."""
    seats = request.form.get("seats", type=int) or 1
    who = traveller()
    if who.person is None:
        return redirect(url_for("trips.who", trip_id=trip.id, seats=seats, kind="id", then=then), code=303)
    return then_for(trip, who.person, seats, then, request.form.get("token", ""))


def wait_for(trip, person, seats):
    """Join the waiting list and show the place on it, or the booking screen again with the refusal."""
    try:
        entry = waiting.join(trip.id, person, seats)
    except DomainError as refusal:
        speech.set_screen("trips.trip")
        context = booking_context(trips.get(trip.id), refusal=said(refusal))
        return make_response(render_template("trips/book.html", **context, **helpers()), refusal.status)
    session[WAITING_KEY] = (session.get(WAITING_KEY, []) + [entry.id])[-10:]
    return redirect(url_for("trips.waiting_place", entry_id=entry.id), code=303)


def then_for(trip, person, seats, then, token):
    """After the who-are-you step: book, or join the waiting list."""
    if then == "wait":
        return wait_for(trip, person, seats)
    return book_for(trip, person, seats, token)


def made_in_this_visit(model, row_id, key):
    """Return the booking or waiting-list place with this id if this visit made it, else answer 404."""
    row = model.get_or_none(model.id == row_id) if row_id in session.get(key, []) else None
    if row is None:
        abort(404)
    return row


@bp.get("/waiting/<int:entry_id>")
def waiting_place(entry_id):
    """Show the worker their place on the waiting list and what happens next (they will not be called)."""
    entry = made_in_this_visit(trips.WaitEntry, entry_id, WAITING_KEY)
    return render_template("trips/waiting.html", entry=entry, trip=entry.trip, place=waiting.place_of(entry),
                           **helpers())


def book_for(trip, person, seats, token):
    """Book and print, or show the booking screen again with the refusal (full, closed, already booked…)."""
    if printer_stuck():
        raise DomainError(N_("The printer is not working, so seats cannot be booked here now. Please ask a volunteer."))
    info = station_info.current()
    signing = keys()
    try:
        booking = trips.book(trip.id, person, seats, token,
                             printer=lambda b, rows: trip_tickets.seat_tickets(b, rows, info, signing, gettext))
    except (trips.TripFull, DomainError) as refusal:
        speech.set_screen("trips.trip")
        context = booking_context(trips.get(trip.id), refusal=said(refusal))
        return make_response(render_template("trips/book.html", **context, **helpers()), refusal.status)
    session[BOOKED_KEY] = (session.get(BOOKED_KEY, []) + [booking.id])[-10:]
    return redirect(url_for("trips.booked", booking_id=booking.id), code=303)


@bp.get("/<int:trip_id>/who")
def who(trip_id):
    """Ask for an ID number or phone on the keypad, after the privacy notice, to put the booking under."""
    kind = "phone" if request.args.get("kind") == "phone" else "id"
    return render_template("trips/who.html", trip=trips.get(trip_id), kind=kind, then=then_of(request.args),
                           seats=request.args.get("seats", type=int) or 1, token=trips.new_request_token(),
                           refusal=None, number="", **reader_context(), **helpers())


def then_of(values):
    """What the who-are-you step leads to: "wait" (the waiting list) or "book"."""
    return "wait" if values.get("then") == "wait" else "book"


def reader_context():
    """Whether an ID card reader is there to read the card instead of the keypad, and where its events stand."""
    return {"reader": current_app.extensions.get("idcard_present", False), "reader_seq": idcard.current_seq()}


@bp.post("/<int:trip_id>/card")
def who_card(trip_id):
    """Take the card the reader just read as the person the booking goes under, and book."""
    trip = trips.get(trip_id)
    reading = idcard.take(request.form.get("seq", type=int))
    if reading is None:
        raise DomainError(N_("The card was not read. Please place it on the reader again."))
    person = trips.person_of("id", reading.id_number, pii_keys.ring())
    session[PERSON_KEY] = _person_state(person)
    return then_for(trip, person, request.form.get("seats", type=int) or 1, then_of(request.form),
                    request.form.get("token", ""))


@bp.post("/<int:trip_id>/who")
def who_post(trip_id):
    """Check the number, keep only its fingerprint for this visit, and book."""
    trip = trips.get(trip_id)
    kind = "phone" if request.form.get("kind") == "phone" else "id"
    seats = request.form.get("seats", type=int) or 1
    try:
        person = trips.person_of(kind, request.form.get("number", ""), pii_keys.ring())
    except DomainError as refusal:
        speech.set_screen("trips.who")
        page = render_template("trips/who.html", trip=trip, kind=kind, seats=seats, then=then_of(request.form),
                               token=request.form.get("token", ""), refusal=said(refusal),
                               number=request.form.get("number", "")[:18], **reader_context(), **helpers())
        return make_response(page, 400)
    session[PERSON_KEY] = _person_state(person)
    return then_for(trip, person, seats, then_of(request.form), request.form.get("token", ""))


def _person_state(person):
    """What the session keeps of who books: hashes (under every live key), kind and last four, never the number."""
    return {"hash": person.hash, "kind": person.kind, "last4": person.last4, "matches": list(person.matches)}


def _person_state(person):
    """What the session keeps of who books: hashes (under every live key), kind and last four, never the number."""
    return {"hash": person.hash, "kind": person.kind, "last4": person.last4, "matches": list(person.matches)}


@bp.get("/booked/<int:booking_id>")
def booked(booking_id):
    """Show the seats just booked, what to do next, and the tickets as they print."""
    booking = made_in_this_visit(trips.Booking, booking_id, BOOKED_KEY)
    printing.wake()
    job = trips.print_job(booking)
    previews = []
    if job is not None:
        ticket = printing.Ticket.from_json(job.ticket)
        first = dataclasses.replace(ticket, parts=())  # one slip per image, as the worker tears them off
        previews = [printing.preview_data_uri(slip) for slip in (first, *ticket.parts)]
    return render_template("trips/booked.html", booking=booking, trip=booking.trip,
                           seats=trips.seats_of(booking), previews=previews, stuck=printer_stuck(), **helpers())


# --- the console: trips, boarding, check-ins ---------------------------------------


@console.context_processor
def console_idle():
    """Trips pages are part of the console: they sign out after the console's idle time."""
    return {"idle_seconds": current_app.config["VOLUNTEER_IDLE_SECONDS"]}


@console.after_request
def console_no_store(response):
    """Head counts and scan results must never come from a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


def check_in_hours():
    return current_app.config["TRIPS_CHECK_IN_HOURS"]


@console.get("/")
@volunteer_required()
def index():
    """List the trips: open for booking, on the road (overdue check-ins first), recently ended."""
    rows = trips.for_console()
    trips.count_missed_check_ins(check_in_hours())
    late = {t.id for t in trips.overdue(check_in_hours())}
    return render_template("trips/console.html", rows=rows, late=late,
                           counts={t.id: trips.head_count(t) for t in rows}, form=None, refusal=None,
                           provinces=_provinces(), **helpers())


def _provinces():
    from kiosk import regions

    return regions.destination_provinces(current_app.config["REGISTRATION_COMMON_DESTINATIONS"])


@console.post("/new")
@volunteer_required(role="manager")
def new():
    """Define a trip from the console's form (station manager)."""
    form = request.form
    try:
        spec = trips.check_spec(form.get("mode"), (form.get("city") or "").strip() or form.get("province"),
                                form.get("place"), form.get("departs"), form.get("seats"), form.get("escort"),
                                form.get("escort_phone"), form.get("deadline") or None)
    except DomainError as refusal:
        rows = trips.for_console()
        page = render_template("trips/console.html", rows=rows, late=set(), counts={t.id: trips.head_count(t) for t in rows},
                               form=form, refusal=said(refusal), provinces=_provinces(), **helpers())
        return make_response(page, 400)
    trip = trips.define(spec, volunteer_id=g.volunteer.id)
    return redirect(url_for("trips_console.detail", trip_id=trip.id), code=303)


@console.get("/<int:trip_id>")
@volunteer_required()
def detail(trip_id):
    """Show a trip: head count, check-ins, bookings, the manifest and what can be done next."""
    trip = trips.get(trip_id)
    bookings = list(trips.Booking.select().where(trips.Booking.trip == trip.id).order_by(trips.Booking.id))
    return render_template("trips/detail.html", trip=trip, count=trips.head_count(trip), bookings=bookings,
                           seat_text={b.id: trips.seat_numbers_text(b) for b in bookings},
                           masked=masked, due=trips.check_in_due(trip, check_in_hours()),
                           late=trip.id in {t.id for t in trips.overdue(check_in_hours())},
                           reasons=trips.REPRINT_REASONS, waiting=waiting.waiting(trip), left=trips.free_seats(trip),
                           release_reasons=RELEASE_REASONS, **helpers())


def back_to_detail(trip_id):
    return redirect(url_for("trips_console.detail", trip_id=trip_id), code=303)


@console.post("/<int:trip_id>/depart")
@volunteer_required()
def depart(trip_id):
    """The trip leaves now: seats not boarded become no-shows."""
    trips.depart(trip_id, g.volunteer.id)
    return back_to_detail(trip_id)


@console.post("/<int:trip_id>/safe")
@volunteer_required()
def safe(trip_id):
    """The escort reports all safe (平安)."""
    trips.check_in_safe(trip_id, g.volunteer.id)
    return back_to_detail(trip_id)


@console.post("/<int:trip_id>/arrive")
@volunteer_required()
def arrive(trip_id):
    """The trip arrived: it is closed."""
    trips.arrive(trip_id, g.volunteer.id)
    return back_to_detail(trip_id)


@console.post("/<int:trip_id>/cancel")
@volunteer_required(role="manager")
def cancel(trip_id):
    """Cancel a trip that has not left, with a reason (station manager)."""
    trips.cancel(trip_id, request.form.get("reason", ""), g.volunteer.id)
    return back_to_detail(trip_id)


@console.post("/bookings/<int:booking_id>/reprint")
@volunteer_required()
def reprint(booking_id):
    """Print a booking's seat tickets again (lost ticket): the same codes, audited."""
    booking = trips.reprint(booking_id, request.form.get("reason", ""), g.volunteer.id)
    return back_to_detail(booking.trip_id)


@console.post("/waiting/<int:entry_id>/seat")
@volunteer_required()
def seat_waiting(entry_id):
    """Give a waiting person the freed seats and print their tickets at the desk."""
    info = station_info.current()
    signing = keys()
    if printer_stuck():
        raise DomainError(N_("The printer is not working: fix it first, then give the seats (they need their tickets)."))
    booking = waiting.seat(entry_id, g.volunteer.id,
                           printer=lambda b, rows: trip_tickets.seat_tickets(b, rows, info, signing, gettext))
    return back_to_detail(booking.trip_id)


@console.post("/waiting/<int:entry_id>/remove")
@volunteer_required()
def remove_waiting(entry_id):
    """Take someone off the waiting list (found another way, or asked)."""
    entry = waiting.remove(entry_id, g.volunteer.id)
    return back_to_detail(entry.trip_id)


@console.post("/bookings/<int:booking_id>/release")
@volunteer_required(role="manager")
def release(booking_id):
    """Take back a booking whose people will not travel, freeing its seats for the waiting list (manager)."""
    trip = waiting.release_booking(booking_id, request.form.get("reason", ""), g.volunteer.id)
    return back_to_detail(trip.id)


@console.post("/<int:trip_id>/manifest/print")
@volunteer_required()
def print_manifest(trip_id):
    """Print the manifest on the station's printer for the escort."""
    printing.submit(trip_tickets.manifest_ticket(trips.get(trip_id), gettext), unprintable="replace")
    printing.wake()
    return back_to_detail(trip_id)


@console.get("/<int:trip_id>/manifest.pdf")
@volunteer_required()
def manifest_pdf(trip_id):
    """Download the manifest as a PDF for the escort's phone."""
    trip = trips.get(trip_id)
    pdf = trip_tickets.manifest_pdf(trip, gettext)
    day = clock.local_time(trip.departs_at).strftime("%Y%m%d-%H%M")
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": f'attachment; filename="manifest-{trip.id}-{day}.pdf"'}


@console.get("/<int:trip_id>/manifest.csv")
@volunteer_required()
def manifest_csv(trip_id):
    """Download the manifest as a spreadsheet (CSV) for the escort."""
    trip = trips.get(trip_id)
    day = clock.local_time(trip.departs_at).strftime("%Y%m%d-%H%M")
    return trip_tickets.manifest_csv(trip, gettext), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="manifest-{trip.id}-{day}.csv"'}


# --- boarding ---------------------------------------------------------------------


def boarding(trip, status=200, result=None, refusal=None, scanned=None, scanned_code=""):
    """Answer with the boarding panel (head count, result of the last scan, who is missing).

    ``scanned``: a seat whose ticket was scanned elsewhere (the console home), shown with a Board button.
    """
    context = {"trip": trip, "count": trips.head_count(trip), "result": result, "refusal": refusal,
               "scanned": scanned, "scanned_code": scanned_code,
               "reasons": trips.MANUAL_REASONS, "masked": masked, **helpers()}
    template = "trips/_boarding.html" if htmx else "trips/board.html"
    return make_response(render_template(template, **context), status)


@console.get("/<int:trip_id>/board")
@volunteer_required()
def board(trip_id):
    """The escort's boarding page: scan box, camera, live head count and who is missing."""
    return boarding(trips.get(trip_id))


def boarding_action(trip_id, action):
    """Run a boarding action and show the panel with the seat it boarded, or its refusal where the escort looks.

    A refusal is a normal answer for htmx (the panel shows it in red), a 4xx otherwise.
    """
    trip = trips.get(trip_id)
    try:
        seat = action(trip)
    except DomainError as refusal:
        return boarding(trip, 200 if htmx else refusal.status, refusal=said(refusal))
    return boarding(trip, result=seat)


@console.post("/<int:trip_id>/board")
@volunteer_required()
def board_scan(trip_id):
    """Board the seat of a scanned or typed ticket; refuse another trip's, a cancelled or a used one."""
    code = request.form.get("code", "")
    return boarding_action(trip_id, lambda trip: trips.board_by_scan(trip.id, code, g.volunteer.id, keys()).seat)


@console.post("/scan")
@volunteer_required()
def scan():
    """A seat ticket scanned in the console home's box: open its trip's boarding with that seat, one tap to board.

    Not boarded at once: a ticket shown at the desk the day before (is my trip
    still on?) must not count the person as on the bus.
    """
    code = request.form.get("code", "")
    seat = trips.find_seat(code, keys())
    return boarding(trips.get(seat.trip_id), scanned=seat, scanned_code=tokens.display_code(seat.code))


@console.post("/<int:trip_id>/seats/<int:seat_id>/board")
@volunteer_required()
def board_by_hand(trip_id, seat_id):
    """Board a seat without its ticket, with a reason."""
    reason = request.form.get("reason", "")
    return boarding_action(trip_id, lambda trip: trips.board_by_hand(trip.id, seat_id, reason, g.volunteer.id))


@console.post("/<int:trip_id>/seats/<int:seat_id>/no-show")
@volunteer_required()
def no_show(trip_id, seat_id):
    """Mark a seat as a no-show."""
    return boarding_action(trip_id, lambda trip: trips.mark_no_show(trip.id, seat_id, g.volunteer.id) and None)


@console.get("/<int:trip_id>/board/count")
@volunteer_required()
def board_count(trip_id):
    """The head count and missing list alone, for the page's periodic refresh (another phone may be scanning)."""
    trip = trips.get(trip_id)
    return render_template("trips/_count.html", trip=trip, count=trips.head_count(trip), reasons=trips.MANUAL_REASONS,
                           masked=masked, **helpers())


@console.app_context_processor
def overdue_on_console():
    """Give the console home ``trips_overdue()``: (id, title, last check-in) of trips whose check-in is late."""

    def trips_overdue():
        trips.count_missed_check_ins(check_in_hours())
        return [(t.id, trip_tickets.trip_title(t, gettext), trips.local_stamp(t.last_check_in_at))
                for t in trips.overdue(check_in_hours())]

    return {"trips_overdue": trips_overdue}
