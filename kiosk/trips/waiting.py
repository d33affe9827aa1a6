"""A full trip's waiting list, and the bookings a station takes back.

A worker who finds a trip full joins its waiting list at the kiosk, named
like a booking (ID number or phone fingerprint, no free text). When seats
free (a manager takes back a booking of someone who will not come, or more
seats are added), nothing can reach the worker: they have left the kiosk and
the kiosk keeps no phone number. So the list is worked at the desk: the
volunteer or escort sees it in order with masked contacts (手机尾号1234),
and gives the freed seats to the first one who is there, checking the last
four of their ID or phone; that books them and prints the seat tickets at
the desk. Giving seats works until departure, past the kiosk's booking
deadline: the last free seats are given at the departure point. Freed seats
are held for the list: the kiosk sells only the free seats nobody on it
asked for, so someone arriving later cannot take the place of those waiting.

Counts: ``trips.waitlist_joined`` (people who joined) and
``trips.waitlist_seated`` (people given seats from the list).
"""

from peewee import IntegrityError

from kiosk import audit
from kiosk import clock
from kiosk import counts
from kiosk import pii_keys
from kiosk import printing
from kiosk import trips
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.trips.models import Booking
from kiosk.trips.models import Seat
from kiosk.trips.models import WaitEntry


def join(trip_id, person, seats, now=None):
    """Put a person (and the people travelling along) on a full trip's waiting list; return the entry.

    Only when the trip has fewer free seats than they need; once per person
    per trip (joining again returns their place); not for someone who
    already has seats on it.
    """
    now = now or clock.now()
    if not isinstance(person, trips.Person) or not person.hash:
        raise DomainError(N_("The waiting list needs your ID number or phone number."))
    seats = trips.checked_seats(seats)
    with counts.write_transaction():
        trip = trips.get(trip_id)
        trips.check_bookable(trip, now)
        mine = trips.booking_of(trip, person)
        if mine is not None:
            raise Conflict(N_("You already have %(seats)s seat(s) on this trip: seat %(numbers)s."),
                           seats=mine.seats, numbers=trips.seat_numbers_text(mine))
        waiting = WaitEntry.get_or_none(WaitEntry.trip == trip.id, WaitEntry.person_hash.in_(person.matches))
        if waiting is not None and waiting.state == "waiting":
            return waiting
        if waiting is not None:
            raise Conflict(N_("You were on this trip's waiting list already; please ask a volunteer."))
        if trips.seats_left(trip) >= seats:
            raise Conflict(N_("There are seats on this trip now: book them instead."))
        try:
            entry = WaitEntry.create(trip=trip.id, person_hash=person.hash, person_kind=person.kind,
                                     person_last4_sealed=pii_keys.seal(person.last4, now) if person.last4 else None,
                                     person_initial=person.initial, seats=seats,
                                     created_at=now)
        except IntegrityError:
            raise Conflict(N_("You were on this trip's waiting list already; please ask a volunteer.")) from None
        trips.add_count(trip, "trips.waitlist_joined", clock.local_day(now), 1)
    return entry


def waiting(trip):
    """Return the people still waiting for a trip, first come first."""
    return list(WaitEntry.select().where(WaitEntry.trip == trip.id, WaitEntry.state == "waiting")
                .order_by(WaitEntry.created_at, WaitEntry.id))


def place_of(entry):
    """Return an entry's place on its list (1 is next), or None once it has left the list."""
    if entry.state != "waiting":
        return None
    ahead = WaitEntry.select().where(
        WaitEntry.trip == entry.trip_id, WaitEntry.state == "waiting",
        (WaitEntry.created_at < entry.created_at) | ((WaitEntry.created_at == entry.created_at) & (WaitEntry.id < entry.id)))
    return ahead.count() + 1


def seat(entry_id, volunteer_id, printer=None, now=None):
    """Give a waiting person the seats they asked for and print their tickets at the desk (audited).

    Until departure, past the booking deadline. Any place on the list may be
    seated (the first may not be at the desk); the list shows the order.
    """
    now = now or clock.now()
    with counts.write_transaction():
        entry = _entry(entry_id)
        trip = trips.get(entry.trip_id)
        if trip.state == "cancelled":
            raise Conflict(N_("This trip was cancelled."))
        if trip.state != "open":
            raise Conflict(N_("This trip has already left."))
        if entry.state != "waiting" or entry.person_hash is None:
            raise Conflict(N_("This person is no longer on the waiting list."))
        person = trips.Person(entry.person_hash, entry.person_kind, trips.last4_of(entry) or "", entry.person_initial)
        booking = trips.take_seats(trip, person, entry.seats, trips.new_request_token(), printer, now)
        WaitEntry.update(state="seated", booking=booking.id, changed_by=volunteer_id).where(
            WaitEntry.id == entry.id).execute()
        trips.add_count(trip, "trips.waitlist_seated", clock.local_day(now), 1)
        audit.record("trip_waitlist_seat", trips.subject(trip.id), volunteer_id,
                     detail=f"{entry.seats} seat(s): {trips.seat_numbers_text(booking)}")
    printing.wake()
    return booking


def remove(entry_id, volunteer_id):
    """Take a person off the waiting list (they found another way, or asked), audited."""
    with counts.write_transaction():
        entry = _entry(entry_id)
        if entry.state != "waiting":
            raise Conflict(N_("This person is no longer on the waiting list."))
        WaitEntry.update(state="removed", changed_by=volunteer_id).where(WaitEntry.id == entry.id).execute()
        audit.record("trip_waitlist_remove", trips.subject(entry.trip_id), volunteer_id)
    return WaitEntry.get_by_id(entry.id)


def release_booking(booking_id, reason, volunteer_id):
    """Take back a booking whose people will not travel (they phoned, or asked at the desk), audited.

    Frees its seats for the waiting list; its printed tickets no longer board.
    Not once any of its seats has boarded, nor after departure.
    """
    reason = audit.require_reason(reason)
    with counts.write_transaction():
        booking = Booking.get_or_none(Booking.id == booking_id) if isinstance(booking_id, int) else None
        if booking is None:
            raise NotFound(N_("There is no such booking."))
        trip = trips.get(booking.trip_id)
        if trip.state != "open":
            raise Conflict(N_("This trip has already left."))
        numbers = trips.seat_numbers_text(booking)
        if Seat.select().where(Seat.booking == booking.id, Seat.state == "boarded").exists():
            raise Conflict(N_("Someone on this booking has boarded: it cannot be taken back."))
        Seat.delete().where(Seat.booking == booking.id).execute()
        WaitEntry.update(booking=None).where(WaitEntry.booking == booking.id).execute()
        Booking.delete().where(Booking.id == booking.id).execute()
        audit.record("trip_booking_release", trips.subject(trip.id), volunteer_id, reason=reason,
                     detail=f"seat(s) {numbers}")
    return trip


def _entry(entry_id):
    entry = WaitEntry.get_or_none(WaitEntry.id == entry_id) if isinstance(entry_id, int) else None
    if entry is None:
        raise NotFound(N_("There is no such place on the waiting list."))
    return entry
