"""Return-to-work buses and trains (返岗专车/专列): trips, seat bookings, boarding, safety check-ins.

A station manager (console or CLI) or the central office (``upsert_from_office``)
defines a trip. At the kiosk a worker books seats for themselves and the people
travelling along, tap-only, identified by the keyed hash of their ID number or
phone (never the number). Each seat gets its own ticket code and signed QR
(kind ``T``), printed at once in one print job. At departure the escort scans
each seat ticket (or boards a seat by hand with a reason, or marks it a
no-show) and sees the head count; on the road they report "all safe" every
``check_in_hours``; arrival closes the trip.

Counts (per station-local day, codes only): ``trips.seats_booked``,
``trips.boarded``, ``trips.no_show`` (seats not boarded at departure),
``trips.run`` and ``trips.arrived`` (runs, by destination province and mode),
``trips.safety_checkins`` and ``trips.checkins_missed`` (a late check-in, once
per missed window: how the office learns of it). The manifest (seat, masked name) never leaves the
kiosk: it is printed or downloaded, and purged with the other personal data.
"""

import datetime
import re
import secrets
from dataclasses import dataclass

from peewee import fn
from peewee import IntegrityError

from kiosk import audit
from kiosk import clock
from kiosk import counts
from kiosk import help as content
from kiosk import personal_data
from kiosk import pii_keys
from kiosk import printing
from kiosk import regions
from kiosk import registration
from kiosk import tokens
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.printing import PrintJob
from kiosk.trips.models import Booking
from kiosk.trips.models import Seat
from kiosk.trips.models import Trip
from kiosk.trips.models import WaitEntry

__all__ = ["Booking", "Seat", "Trip", "WaitEntry"]

TOKEN_KIND = "T"
PRINT_KIND = "seat"
MANIFEST_KIND = "manifest"
MODES = {"bus": N_("Bus"), "train": N_("Train")}
MOST_SEATS_PER_BOOKING = 6
MOST_SEATS_PER_TRIP = 2000
# Tap choices for boarding a seat without its ticket, and for a reprint.
MANUAL_REASONS = (N_("Ticket lost"), N_("Phone or ID checked"), N_("Ticket unreadable"))
REPRINT_REASONS = (N_("Ticket lost"), N_("Paper jam"), N_("Print unreadable"))
# How long after departure a seat ticket's signed QR is still honoured (days).
TICKET_GRACE_DAYS = 1


class TripFull(DomainError):
    """Not enough seats left: the screen offers the next trip to the same place."""

    status = 409


@dataclass(frozen=True)
class Person:
    """Who books: the keyed hash of their ID number (or phone), its last four, and a surname initial if known."""

    hash: str
    kind: str  # document | phone
    last4: str
    initial: str | None = None
    matches: tuple = ()  # the same number's hashes under every live key (kiosk.pii_keys), ``hash`` first

    def __post_init__(self):
        object.__setattr__(self, "matches", tuple(self.matches) or (self.hash,))


@dataclass(frozen=True)
class Keys:
    """What signs seat tickets on this kiosk."""

    kiosk_id: str
    signing_key: str


@dataclass(frozen=True)
class BoardResult:
    """What the escort sees after a scan: the seat, and whether it was boarded just now."""

    seat: Seat
    boarded_now: bool


def subject(trip_id):
    """Return the audit-log subject of a trip."""
    return f"trip:{trip_id}"


def local_stamp(moment):
    """Return a UTC moment as the station-local 'MM-DD HH:MM' printed and shown everywhere."""
    return clock.local_time(moment).strftime("%m-%d %H:%M")


def new_request_token():
    """Return a fresh idempotency token for a booking screen."""
    return secrets.token_hex(16)


# --- defining trips -------------------------------------------------------


def _province_and_city(code):
    """Return (province, city or None) for a destination code, or refuse it."""
    region = regions.find(code if isinstance(code, str) else "")
    if region is None:
        raise DomainError(N_("Choose a destination province or city."))
    province = code[:2] + "0000"
    if code == province:
        return province, None
    return province, code[:4] + "00"


def _aware_to_utc(moment, field_message):
    """Return a naive UTC datetime from a naive station-local one, an aware one or ISO text."""
    if isinstance(moment, str):
        try:
            moment = datetime.datetime.fromisoformat(moment.strip())
        except ValueError:
            raise DomainError(field_message) from None
    if not isinstance(moment, datetime.datetime):
        raise DomainError(field_message)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.zone())
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


def _clean_text(text, message, longest):
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text or len(text) > longest or not text.isprintable():
        raise DomainError(message)
    return text


def _clean_phone(text):
    """An escort's phone as people write it: digits, spaces, dashes and a leading +."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if not re.fullmatch(r"\+?[\d -]{7,20}", text) or sum(ch.isdigit() for ch in text) < 7:
        raise DomainError(N_("Enter the escort's phone number (digits only)."))
    return text


@dataclass(frozen=True)
class TripSpec:
    """A checked trip definition, before it is stored."""

    mode: str
    destination_province: str
    destination_city: str | None
    departure_place: str
    departs_at: datetime.datetime
    booking_deadline: datetime.datetime
    seats: int
    escort_name: str
    escort_phone: str


def check_spec(mode, destination, departure_place, departs_at, seats, escort_name, escort_phone,
               booking_deadline=None, now=None):
    """Return a TripSpec or refuse the first thing wrong, in words a manager can act on.

    Times are station-local unless they carry a zone. The booking deadline
    defaults to two hours before departure.
    """
    now = now or clock.now()
    if mode not in MODES:
        raise DomainError(N_("Choose bus or train."))
    province, city = _province_and_city(destination)
    place = _clean_text(departure_place, N_("Say where the trip leaves from."), 64)
    departs = _aware_to_utc(departs_at, N_("Give the departure date and time, e.g. 2027-02-10 08:00."))
    if departs <= now:
        raise DomainError(N_("The departure time has already passed."))
    if booking_deadline in (None, ""):
        deadline = departs - datetime.timedelta(hours=2)
    else:
        deadline = _aware_to_utc(booking_deadline, N_("Give the booking deadline as a date and time."))
    if deadline > departs:
        raise DomainError(N_("Booking must close before the trip leaves."))
    if deadline <= now:
        raise DomainError(N_("The booking deadline has already passed."))
    seats = _seats_between(seats, MOST_SEATS_PER_TRIP, N_("A trip has between 1 and %(most)s seats."))
    name = _clean_text(escort_name, N_("Give the escort's name."), 32)
    phone = _clean_phone(escort_phone)
    return TripSpec(mode, province, city, place, departs, deadline, seats, name, phone)


def define(spec, volunteer_id=None, source="local", office_id=None, office_version=0):
    """Store a checked trip; return it (audited)."""
    with counts.write_transaction():
        trip = Trip.create(
            mode=spec.mode,
            destination_province=spec.destination_province,
            destination_city=spec.destination_city,
            departure_place=spec.departure_place,
            departs_at=spec.departs_at,
            booking_deadline=spec.booking_deadline,
            seats=spec.seats,
            escort_name=spec.escort_name,
            escort_phone=spec.escort_phone,
            source=source,
            office_id=office_id,
            office_version=office_version,
        )
        audit.record("trip_define", subject(trip.id), volunteer_id, detail=f"{source} {spec.mode} {destination_of(trip)}")
    return trip


def get(trip_id):
    """Return the trip with this id, or raise NotFound."""
    trip = Trip.get_or_none(Trip.id == trip_id) if isinstance(trip_id, int) else None
    if trip is None:
        raise NotFound(N_("There is no such trip."))
    return trip


def destination_of(trip):
    """Return the destination code shown: the city if given, else the province."""
    return trip.destination_city or trip.destination_province


def cancel(trip_id, reason, volunteer_id=None, now=None):
    """Cancel a trip that has not left (audited); booked workers see it when their ticket is scanned."""
    reason = audit.require_reason(reason)
    now = now or clock.now()
    with counts.write_transaction():
        trip = get(trip_id)
        if trip.state == "cancelled":
            raise Conflict(N_("This trip was already cancelled."))
        if trip.state != "open":
            raise Conflict(N_("This trip has already left and cannot be cancelled."))
        Trip.update(state="cancelled", cancelled_at=now, cancel_reason=reason).where(Trip.id == trip.id).execute()
        audit.record("trip_cancel", subject(trip.id), volunteer_id, reason=reason,
                     detail=f"{booked_seats(trip)} seats booked")
    return Trip.get_by_id(trip.id)


def upsert_from_office(item, now=None):
    """Create or update a trip the central office pushed down; return it, or None for an old version.

    ``item`` is the content channel's trip payload: ``id`` (the office's),
    ``version`` (a newer one wins, an older or equal one changes nothing),
    ``mode``, ``destination`` (province or city code), ``departure_place``,
    ``departs_at`` / ``booking_deadline`` (ISO, with a zone or station-local),
    ``seats``, ``escort_name``, ``escort_phone`` and optionally
    ``cancelled`` (with ``cancel_reason``). A trip already on the road is
    not changed; fewer seats than are booked are refused.
    """
    if not isinstance(item, dict):
        raise DomainError(N_("That trip from the office is not readable."))
    office_id = str(item.get("id") or "").strip()
    if not office_id or len(office_id) > 64:
        raise DomainError(N_("That trip from the office has no id."))
    try:
        version = int(item.get("version", 0))
    except (TypeError, ValueError):
        raise DomainError(N_("That trip from the office has no version.")) from None
    now = now or clock.now()
    existing = Trip.get_or_none(Trip.office_id == office_id)
    if existing is not None and version <= existing.office_version:
        return None
    if item.get("cancelled"):
        if existing is None:
            return None  # never seen, already cancelled: nothing to show
        with counts.write_transaction():
            Trip.update(office_version=version).where(Trip.id == existing.id).execute()
        if existing.state == "open":
            return cancel(existing.id, item.get("cancel_reason") or "cancelled by the office", now=now)
        return Trip.get_by_id(existing.id)
    fields = [item.get(k) for k in ("mode", "destination", "departure_place", "departs_at", "seats",
                                    "escort_name", "escort_phone", "booking_deadline")]
    if existing is None:
        return define(check_spec(*fields, now=now), source="office", office_id=office_id, office_version=version)
    if existing.state != "open":
        raise Conflict(N_("This trip has already left and cannot be changed."))
    spec = check_spec(*fields, now=now)
    with counts.write_transaction():
        if spec.seats < booked_seats(existing):
            raise Conflict(N_("More seats are booked than the new number of seats."))
        Trip.update(office_version=version, **spec.__dict__).where(Trip.id == existing.id).execute()
        audit.record("trip_update", subject(existing.id), detail=f"office version {version}")
    return Trip.get_by_id(existing.id)


def take_office_item(item):
    """The content channel's handler for ``trips`` items (``help.on_item``): the verified item's body is the trip.

    Runs inside the channel's transaction; a trip the kiosk cannot take
    (departure passed, fewer seats than booked…) refuses that item only.
    """
    body = item.get("body") if isinstance(item.get("body"), dict) else {}
    try:
        return upsert_from_office({**body, "id": item.get("id"), "version": item.get("version")})
    except DomainError as refusal:
        raise content.ItemRefused(refusal.message, **refusal.params) from None


# --- what the kiosk offers ------------------------------------------------


@dataclass(frozen=True)
class Traveller:
    """What a saved registration tells the booking screen: who (if they gave an ID or phone), where to, how many."""

    person: Person | None
    destination: str | None
    party: int


def traveller_of_registration(token):
    """Return the Traveller of a registration saved in this visit (an empty one without it).

    The ID number's fingerprint is preferred to the phone's, as for gift-pack
    quotas; the party is the worker plus the children and elderly travelling along.
    """
    row = registration.Registration.by_token(token) if isinstance(token, str) else None
    if row is None:
        return Traveller(None, None, 1)
    person = None
    # The row keeps no last four (kiosk.registration): the view adds it from the visit's session.
    if row.document_hash:
        person = Person(row.document_hash, "document", row.document_last4 or "")
    elif row.phone_hash:
        person = Person(row.phone_hash, "phone", row.phone_last4 or "")
    party = min(MOST_SEATS_PER_BOOKING, 1 + (row.children or 0) + (row.elderly or 0))
    destination = row.destination_code if row.direction == "work" else None
    return Traveller(person, destination, party)


def person_of(kind, text, pii_key, today=None):
    """Check an ID number or phone typed on the booking keypad; return its Person (never the number)."""
    if kind == "phone":
        number = personal_data.check_phone(text)
        fingerprint = personal_data.fingerprint("phone", number, pii_key)
        return Person(fingerprint.hash, "phone", fingerprint.last4, matches=fingerprint.matches)
    document = personal_data.check_id_number(text, today or clock.local_day())
    # The same namespace as registration's, so one person is one person across both.
    fingerprint = personal_data.fingerprint("document", document.number, pii_key)
    return Person(fingerprint.hash, "document", fingerprint.last4, matches=fingerprint.matches)



def booked_seats(trip):
    """Return how many seats of a trip are booked."""
    return Seat.select().where(Seat.trip == trip.id).count()


def free_seats(trip):
    """Return how many seats nobody has booked (what the desk can give to the waiting list)."""
    return max(0, trip.seats - booked_seats(trip))


def held_for_waiting_list(trip, except_for=None):
    """Return how many seats the people on the trip's waiting list asked for: freed seats are theirs first.

    ``except_for``: a Person whose own place (under any live key) does not hold seats against them.
    """
    rows = WaitEntry.select(WaitEntry.seats).where(WaitEntry.trip == trip.id, WaitEntry.state == "waiting")
    if except_for is not None and except_for.hash:
        rows = rows.where(WaitEntry.person_hash.not_in(except_for.matches))
    return sum(e.seats for e in rows)


def seats_left(trip):
    """Return how many seats a worker can still book at the kiosk (free ones not held for the waiting list)."""
    return max(0, free_seats(trip) - held_for_waiting_list(trip))


def bookable(now=None):
    """Return the trips a worker may book now, soonest first."""
    now = now or clock.now()
    return list(Trip.select().where(Trip.state == "open", Trip.booking_deadline > now, Trip.departs_at > now)
                .order_by(Trip.departs_at, Trip.id))


def offered(destination=None, now=None):
    """Return the bookable trips, those going to the worker's destination province first."""
    trips = bookable(now)
    if not destination:
        return trips
    province = destination[:2] + "0000"
    return [t for t in trips if t.destination_province == province] + [
        t for t in trips if t.destination_province != province]


def next_to_same_place(trip, seats=1, now=None):
    """Return the next bookable trip to the same province with enough seats, or None."""
    for other in bookable(now):
        if (other.id != trip.id and other.destination_province == trip.destination_province
                and other.departs_at >= trip.departs_at and seats_left(other) >= seats):
            return other
    return None


def booking_of(trip, person):
    """Return this person's booking on a trip (booked under any key still alive), or None."""
    if person is None or not person.hash:
        return None
    return Booking.get_or_none(Booking.trip == trip.id, Booking.person_hash.in_(person.matches))


# --- booking ----------------------------------------------------------------


def book(trip_id, person, seats, token, printer=None, now=None):
    """Book seats on a trip for a person and the people travelling along; return the Booking.

    Exactly one booking wins the last seats when two kiosks race (the check
    and the insert run under SQLite's write lock, and seat numbers are
    unique). One booking per person per trip. A token already used returns
    its booking (a double tap books once). ``printer`` (booking, seats →
    printing.Ticket) is queued in the same transaction, so a booking whose
    tickets cannot be queued leaves nothing behind.
    """
    now = now or clock.now()
    if not isinstance(person, Person) or not person.hash:
        raise DomainError(N_("A booking needs your ID number or phone number."))
    seats = checked_seats(seats)
    if not isinstance(token, str) or not re.fullmatch(r"[0-9a-f]{32}", token):
        raise DomainError(N_("This screen is out of date. Please start again."))
    with counts.write_transaction():
        done = Booking.get_or_none(Booking.token == token)
        if done is not None:
            return done
        trip = get(trip_id)
        check_bookable(trip, now)
        booking = take_seats(trip, person, seats, token, printer, now, held=held_for_waiting_list(trip, except_for=person))
    printing.wake()
    return booking


def checked_seats(seats):
    """Return how many seats were asked for, as a whole number from 1 to MOST_SEATS_PER_BOOKING, or refuse."""
    return _seats_between(seats, MOST_SEATS_PER_BOOKING, N_("Book between 1 and %(most)s seats."))


def _seats_between(seats, most, message):
    """``seats`` as a whole number from 1 to ``most``, or a refusal with ``message`` (given ``most``)."""
    try:
        seats = int(seats)
    except (TypeError, ValueError):
        seats = 0
    if not 1 <= seats <= most:
        raise DomainError(message, most=most)
    return seats


def take_seats(trip, person, seats, token, printer, now, held=0):
    """Give a person free seats on a trip and queue their tickets (inside the caller's write transaction).

    Refuses a second booking of the same person and more seats than are
    free beyond the ``held`` ones (TripFull); takes the person off the
    trip's waiting list if they were on it; counts ``trips.seats_booked``.
    """
    mine = booking_of(trip, person)
    if mine is not None:
        raise Conflict(N_("You already have %(seats)s seat(s) on this trip: seat %(numbers)s."),
                       seats=mine.seats, numbers=seat_numbers_text(mine))
    taken = sorted(s.number for s in Seat.select(Seat.number).where(Seat.trip == trip.id))
    if trip.seats - len(taken) - held < seats:
        left = max(0, trip.seats - len(taken) - held)
        if left <= 0:
            raise TripFull(N_("This trip is full."))
        raise TripFull(N_("Only %(left)s seat(s) left on this trip."), left=left)
    free = [n for n in range(1, trip.seats + 1) if n not in set(taken)][:seats]
    try:
        booking = Booking.create(trip=trip.id, token=token, person_hash=person.hash, person_kind=person.kind,
                                 person_last4_sealed=pii_keys.seal(person.last4, now) if person.last4 else None,
                                 person_initial=person.initial, seats=seats, created_at=now)
        for number in free:
            Seat.create(trip=trip.id, booking=booking.id, number=number, code=_unused_code())
    except IntegrityError:
        raise Conflict(N_("Those seats were just taken. Please try again.")) from None
    WaitEntry.update(state="seated", booking=booking.id).where(
        WaitEntry.trip == trip.id, WaitEntry.person_hash.in_(person.matches), WaitEntry.state == "waiting").execute()
    add_count(trip, "trips.seats_booked", clock.local_day(now), seats)
    if printer is not None:
        send_to_printer(printer(booking, seats_of(booking)))
    return booking


def add_count(trip, metric, day, delta):
    """Add to one of the trip's count cells, by destination province and mode (inside the caller's transaction)."""
    counts.add(metric, day, delta, destination=trip.destination_province, mode=trip.mode)


def check_bookable(trip, now):
    """Refuse a trip a worker cannot book now: cancelled, left, or past its booking deadline."""
    if trip.state == "cancelled":
        raise Conflict(N_("This trip was cancelled."))
    if trip.state != "open" or trip.departs_at <= now:
        raise Conflict(N_("This trip has already left."))
    if trip.booking_deadline <= now:
        raise Conflict(N_("Booking for this trip has closed."))


def _unused_code():
    while True:
        code = tokens.new_code()
        if not Seat.select().where(Seat.code == code).exists():
            return code


def send_to_printer(ticket):
    """Queue seat tickets (rare characters print as □: the code and QR are what count)."""
    return printing.submit(ticket, unprintable="replace")


def seats_of(booking):
    """Return a booking's seats in seat order."""
    return list(Seat.select().where(Seat.booking == booking.id).order_by(Seat.number))


def seat_numbers_text(booking):
    """Return a booking's seat numbers as printed: '7, 8'."""
    return ", ".join(str(s.number) for s in seats_of(booking))


def payload(seat, trip, keys):
    """Return a seat ticket's signed QR payload (valid until the day after departure)."""
    expires = clock.local_day(trip.departs_at) + datetime.timedelta(days=TICKET_GRACE_DAYS)
    return tokens.payload(TOKEN_KIND, seat.code, keys.kiosk_id, expires, keys.signing_key)


def print_job(booking):
    """Return the booking's original print job (reprints point at it), or None."""
    first = seats_of(booking)
    if not first:
        return None
    return PrintJob.original(PRINT_KIND, tokens.display_code(first[0].code))


def reprint(booking_id, reason, volunteer_id):
    """Print a booking's seat tickets again: the same bytes and codes, audited."""
    reason = audit.require_reason(reason)
    booking = Booking.get_or_none(Booking.id == booking_id) if isinstance(booking_id, int) else None
    if booking is None:
        raise NotFound(N_("There is no such booking."))
    if booking.trip.state in ("arrived", "cancelled"):
        raise Conflict(N_("This trip is over; there is nothing to reprint."))
    with counts.write_transaction():
        job = print_job(booking)
        if job is None:
            raise NotFound(N_("These tickets were never sent to the printer."))
        Booking.update(reprints=Booking.reprints + 1).where(Booking.id == booking.id).execute()
        printing.reprint(job.id, reason, volunteer_id=volunteer_id, subject=subject(booking.trip_id))
    printing.wake()
    return Booking.get_by_id(booking.id)


# --- boarding -----------------------------------------------------------------


def find_seat(scanned, keys, today=None):
    """Return the seat a scanned or typed seat ticket points at, or raise BadTicket/NotFound."""
    today = today or clock.local_day()
    ref = tokens.read(scanned, TOKEN_KIND, keys.kiosk_id, keys.signing_key, today)
    seat = Seat.get_or_none(Seat.code == ref.code)
    if seat is None:
        raise NotFound(N_("No seat was booked with this code. Check the code and try again."))
    return seat


def board_by_scan(trip_id, scanned, volunteer_id, keys, now=None):
    """Board the seat of a scanned ticket on this trip; return BoardResult.

    Refuses a ticket of another trip, of a cancelled trip, or one already
    boarded (saying when), so nobody is counted twice.
    """
    now = now or clock.now()
    trip = get(trip_id)
    seat = find_seat(scanned, keys, clock.local_day(now))
    if seat.trip_id != trip.id:
        other = seat.trip
        if other.state == "cancelled":
            raise Conflict(N_("This ticket is for a trip that was cancelled (%(time)s to %(place)s)."),
                           time=local_stamp(other.departs_at), place=regions.label(destination_of(other)))
        raise Conflict(N_("This ticket is for another trip: %(time)s to %(place)s, seat %(seat)s."),
                       time=local_stamp(other.departs_at), place=regions.label(destination_of(other)), seat=seat.number)
    return BoardResult(_board(trip, seat, volunteer_id, "scan", "", now), True)


def board_by_hand(trip_id, seat_id, reason, volunteer_id, now=None):
    """Board a seat without its ticket (lost, unreadable) with a reason, audited."""
    reason = audit.require_reason(reason)
    now = now or clock.now()
    trip = get(trip_id)
    seat = _seat_of(trip, seat_id)
    return _board(trip, seat, volunteer_id, "manual", reason, now)


def _seat_of(trip, seat_id):
    seat = Seat.get_or_none(Seat.id == seat_id, Seat.trip == trip.id) if isinstance(seat_id, int) else None
    if seat is None:
        raise NotFound(N_("There is no such seat on this trip."))
    return seat


def _board(trip, seat, volunteer_id, how, reason, now):
    if trip.state == "cancelled":
        raise Conflict(N_("This trip was cancelled (%(reason)s)."), reason=trip.cancel_reason)
    if trip.state == "arrived":
        raise Conflict(N_("This trip has already arrived."))
    with counts.write_transaction():
        updated = (Seat.update(state="boarded", changed_at=now, changed_by=volunteer_id, how=how, reason=reason)
                   .where(Seat.id == seat.id, Seat.state != "boarded").execute())
        if updated != 1:
            again = Seat.get_by_id(seat.id)
            raise Conflict(N_("Seat %(seat)s has already boarded (%(time)s)."), seat=again.number,
                           time=local_stamp(again.changed_at))
        if seat.state == "no_show" and trip.state == "departed":
            add_count(trip, "trips.no_show", clock.local_day(trip.departed_at), -1)
        add_count(trip, "trips.boarded", clock.local_day(now), 1)
        audit.record("trip_board", subject(trip.id), volunteer_id, reason=reason, detail=f"seat {seat.number} by {how}")
    return Seat.get_by_id(seat.id)


def mark_no_show(trip_id, seat_id, volunteer_id, now=None):
    """Mark a booked seat as a no-show (its ticket can still board it if the person turns up)."""
    now = now or clock.now()
    trip = get(trip_id)
    seat = _seat_of(trip, seat_id)
    with counts.write_transaction():
        updated = (Seat.update(state="no_show", changed_at=now, changed_by=volunteer_id, how=None)
                   .where(Seat.id == seat.id, Seat.state == "booked").execute())
        if updated != 1:
            raise Conflict(N_("Seat %(seat)s has already boarded."), seat=seat.number)
        if trip.state == "departed":
            add_count(trip, "trips.no_show", clock.local_day(trip.departed_at), 1)
        audit.record("trip_no_show", subject(trip.id), volunteer_id, detail=f"seat {seat.number}")
    return Seat.get_by_id(seat.id)


@dataclass(frozen=True)
class HeadCount:
    """The escort's view: seats booked, boarded, and who is still missing."""

    booked: int
    boarded: int
    missing: tuple  # Seat rows not boarded (booked or no-show), in seat order
    capacity: int


def head_count(trip):
    """Return the trip's head count and the seats still missing."""
    rows = list(Seat.select(Seat, Booking).join(Booking).where(Seat.trip == trip.id).order_by(Seat.number))
    boarded = sum(1 for s in rows if s.state == "boarded")
    return HeadCount(len(rows), boarded, tuple(s for s in rows if s.state != "boarded"), trip.seats)


def last4_of(booking):
    """Return the last four a booking was made under, or None (none given, purged, or its week's key destroyed)."""
    if booking.person_last4_sealed:
        return pii_keys.unseal(booking.person_last4_sealed)
    return getattr(booking, "person_last4", None) or None  # a booking made before the sealed column


def masked_name(booking, gettext=None):
    """Return the name on the manifest: surname initial (if known) and the masked ID or phone.

    In words every thermal printer's GB font has (no ☎), in the reader's language.
    """
    last4 = last4_of(booking)
    if last4 is None:
        return "—"
    _ = gettext or (lambda message, **params: message % params)
    if booking.person_kind == "document":
        masked = _(N_("ID …%(last4)s"), last4=last4)
    else:
        masked = _(N_("Phone …%(last4)s"), last4=last4)
    return f"{booking.person_initial}* {masked}" if booking.person_initial else masked


# --- on the road ------------------------------------------------------------------


def depart(trip_id, volunteer_id, now=None):
    """The trip leaves: seats not boarded become no-shows; the run is counted; check-ins start."""
    now = now or clock.now()
    with counts.write_transaction():
        trip = get(trip_id)
        if trip.state != "open":
            raise Conflict(N_("Only a trip still boarding can leave."))
        Trip.update(state="departed", departed_at=now, last_check_in_at=now).where(Trip.id == trip.id).execute()
        missing = Seat.update(state="no_show", changed_at=now).where(Seat.trip == trip.id, Seat.state != "boarded")
        missing.execute()
        no_shows = Seat.select().where(Seat.trip == trip.id, Seat.state == "no_show").count()
        day = clock.local_day(now)
        add_count(trip, "trips.run", day, 1)
        add_count(trip, "trips.no_show", day, no_shows)
        audit.record("trip_depart", subject(trip.id), volunteer_id, detail=f"{no_shows} no-show(s)")
    return Trip.get_by_id(trip.id)


def check_in_safe(trip_id, volunteer_id, now=None):
    """The escort reports "all safe" (平安); the next check-in is due ``check_in_hours`` later."""
    now = now or clock.now()
    with counts.write_transaction():
        trip = get(trip_id)
        if trip.state != "departed":
            raise Conflict(N_("Safety check-ins are for trips on the road."))
        Trip.update(last_check_in_at=now).where(Trip.id == trip.id).execute()
        add_count(trip, "trips.safety_checkins", clock.local_day(now), 1)
        audit.record("trip_safe", subject(trip.id), volunteer_id)
    return Trip.get_by_id(trip.id)


def arrive(trip_id, volunteer_id, now=None):
    """The trip arrived: it is closed."""
    now = now or clock.now()
    with counts.write_transaction():
        trip = get(trip_id)
        if trip.state != "departed":
            raise Conflict(N_("Only a trip on the road can arrive."))
        Trip.update(state="arrived", arrived_at=now, last_check_in_at=now).where(Trip.id == trip.id).execute()
        add_count(trip, "trips.arrived", clock.local_day(now), 1)
        audit.record("trip_arrive", subject(trip.id), volunteer_id)
    return Trip.get_by_id(trip.id)


def check_in_due(trip, hours):
    """Return when the trip's next safety check-in is due (naive UTC), or None when not on the road."""
    if trip.state != "departed" or trip.last_check_in_at is None:
        return None
    return trip.last_check_in_at + datetime.timedelta(hours=hours)


def count_missed_check_ins(hours, now=None, late=None):
    """Count, once per missed window, the trips whose safety check-in is late (``trips.checkins_missed``).

    The office sees late check-ins only as this count, after its pull; the
    console sees the trips themselves. Takes the write lock only when there
    is something new to count.
    ``late`` is ``overdue(hours, now)`` when the caller has just read it (the
    console shows it): then no statement runs unless a trip is newly late.
    """
    now = now or clock.now()
    if late is not None:
        late = [trip for trip in late if trip.missed_counted_for != trip.last_check_in_at]
        if not late:
            return 0
    else:
        limit = now - datetime.timedelta(hours=hours)
        late = Trip.select().where(Trip.state == "departed", Trip.last_check_in_at < limit,
                                   Trip.missed_counted_for.is_null(True)
                                   | (Trip.missed_counted_for != Trip.last_check_in_at))
        if not late.exists():
            return 0
    counted = 0
    with counts.write_transaction():
        for trip in late:
            marked = (Trip.update(missed_counted_for=trip.last_check_in_at)
                      .where(Trip.id == trip.id, Trip.last_check_in_at == trip.last_check_in_at).execute())
            if marked:
                due = trip.last_check_in_at + datetime.timedelta(hours=hours)
                add_count(trip, "trips.checkins_missed", clock.local_day(due), 1)
                counted += 1
    return counted


def overdue(hours, now=None):
    """Return the trips on the road whose safety check-in is overdue, most overdue first."""
    now = now or clock.now()
    limit = now - datetime.timedelta(hours=hours)
    return list(Trip.select().where(Trip.state == "departed", Trip.last_check_in_at < limit)
                .order_by(Trip.last_check_in_at))


def for_console(now=None, days_back=3):
    """Return the trips the console lists: not yet arrived, and those that ended in the last few days."""
    now = now or clock.now()
    since = now - datetime.timedelta(days=days_back)
    return list(Trip.select().where((Trip.state.in_(("open", "departed"))) | (Trip.departs_at > since))
                .order_by(Trip.departs_at, Trip.id))


def statuses(hours, now=None, days_back=1):
    """Return the trips the central office follows, in the sync's ``trips`` shape (kiosk.sync.wire).

    Trips still open or on the road, and those departing or ended since ``days_back`` days: codes,
    place, times (UTC, ``Z``), seat counts, state and safety check-ins. Nothing about a person: no
    escort, no booking.
    """
    now = now or clock.now()
    since = now - datetime.timedelta(days=days_back)
    listed = list(Trip.select().where(Trip.state.in_(("open", "departed")) | (Trip.departs_at > since)
                                      | (Trip.arrived_at > since) | (Trip.cancelled_at > since))
                  .order_by(Trip.departs_at, Trip.id).limit(500))
    seats = {}
    for trip_id, state, n in (Seat.select(Seat.trip, Seat.state, fn.COUNT(Seat.id))
                              .where(Seat.trip.in_([t.id for t in listed])).group_by(Seat.trip, Seat.state).tuples()):
        seats.setdefault(trip_id, {})[state] = n
    return [_status(trip, seats.get(trip.id, {}), hours, now) for trip in listed]


def _status(trip, seats, hours, now):
    due = check_in_due(trip, hours)
    return {
        "id": trip.id, "mode": trip.mode, "province": trip.destination_province, "city": trip.destination_city,
        "place": trip.departure_place, "departs_at": _utc_text(trip.departs_at),
        "seats": trip.seats, "booked": sum(seats.values()), "boarded": seats.get("boarded", 0),
        "state": trip.state, "last_check_in_at": _utc_text(trip.last_check_in_at), "next_due_at": _utc_text(due),
        "overdue": due is not None and due < now,
    }


def _utc_text(moment):
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


# --- manifest and retention ---------------------------------------------------------


@dataclass(frozen=True)
class ManifestRow:
    """One line of the escort's manifest."""

    seat: int
    name: str
    state: str


def manifest(trip, gettext=None):
    """Return the manifest rows in seat order: seat, masked name, state."""
    rows = Seat.select(Seat, Booking).join(Booking).where(Seat.trip == trip.id).order_by(Seat.number)
    return [ManifestRow(s.number, masked_name(s.booking, gettext), s.state) for s in rows]


def purge_personal_fields(older_than_days, now=None):
    """Clear who booked or waited (hash, last four, initial) on trips that ended more than N days ago; return how many."""
    if older_than_days < 0:
        raise DomainError(N_("The number of days cannot be negative."))
    now = now or clock.now()
    cutoff = now - datetime.timedelta(days=older_than_days)
    ended = Trip.select(Trip.id).where(Trip.departs_at < cutoff)
    with counts.write_transaction():
        WaitEntry.update(person_hash=None, person_last4_sealed=None, person_initial=None, purged_at=now).where(
            WaitEntry.trip.in_(ended), WaitEntry.purged_at.is_null()).execute()
        return (Booking.update(person_hash=None, person_last4=None, person_last4_sealed=None, person_initial=None,
                               purged_at=now)
                .where(Booking.trip.in_(ended), Booking.purged_at.is_null()).execute())


def print_jobs_in_use():
    """Return the print jobs of seat tickets of trips not yet left: an escort may need a reprint."""
    codes = [tokens.display_code(s.code) for s in Seat.select(Seat.code).join(Trip).where(Trip.state == "open")]
    originals = PrintJob.select(PrintJob.id).where(
        PrintJob.kind == PRINT_KIND, PrintJob.code.in_(codes), PrintJob.reprint_of.is_null())
    return {job.id for job in originals}
