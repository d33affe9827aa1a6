"""A full trip's waiting list: joining at the kiosk, seats given at the desk when they free, bookings taken back."""

import datetime

import pytest

from kiosk import counts
from kiosk import printing
from kiosk import trips
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.models import AuditEntry
from kiosk.models import database
from kiosk.trips import tickets
from kiosk.trips import waiting
from kiosk.views import station_info
from tests.conftest import add_volunteer
from tests.test_trips import NOW
from tests.test_trips import book
from tests.test_trips import gettext
from tests.test_trips import person
from tests.test_trips import spec


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield app


def full_trip(seats=2):
    trip = trips.define(spec(seats=seats))
    book(trip, person("13900000001"), seats=seats)
    return trip


def test_people_join_a_full_trips_waiting_list_in_the_order_they_came(db):
    trip = full_trip()
    first = waiting.join(trip.id, person("13900000002"), 2, now=NOW)
    second = waiting.join(trip.id, person("13900000003"), 1, now=NOW + datetime.timedelta(minutes=1))
    assert [e.id for e in waiting.waiting(trip)] == [first.id, second.id]
    assert (waiting.place_of(first), waiting.place_of(second)) == (1, 2)
    assert counts.total("trips.waitlist_joined", datetime.date(2027, 2, 8)) == 2


def test_joining_again_keeps_the_first_place_and_counts_once(db):
    trip = full_trip()
    first = waiting.join(trip.id, person("13900000002"), 1, now=NOW)
    again = waiting.join(trip.id, person("13900000002"), 1, now=NOW + datetime.timedelta(minutes=5))
    assert again.id == first.id
    assert counts.total("trips.waitlist_joined", datetime.date(2027, 2, 8)) == 1


@pytest.mark.parametrize("who, seats, message", [
    ("13900000001", 1, "You already have %(seats)s seat(s) on this trip: seat %(numbers)s."),
    ("13900000002", 9, "Book between 1 and %(most)s seats."),
])
def test_the_waiting_list_refuses_who_has_seats_and_impossible_party_sizes(db, who, seats, message):
    trip = full_trip()
    with pytest.raises(DomainError) as refused:
        waiting.join(trip.id, person(who), seats, now=NOW)
    assert refused.value.message == message
    assert waiting.waiting(trip) == []


def test_a_trip_with_enough_seats_says_to_book_instead_of_waiting(db):
    trip = trips.define(spec(seats=4))
    book(trip, person("13900000001"), seats=2)
    with pytest.raises(Conflict) as refused:
        waiting.join(trip.id, person("13900000002"), 2, now=NOW)
    assert refused.value.message == "There are seats on this trip now: book them instead."
    assert waiting.join(trip.id, person("13900000002"), 3, now=NOW).seats == 3  # three do not fit


def test_seats_taken_back_go_to_the_person_the_desk_seats_and_print_at_the_desk(db):
    volunteer = add_volunteer(db)
    info = station_info.current()
    keys = trips.Keys(info.kiosk_id, db.config["SIGNING_KEY"])
    trip = trips.define(spec(seats=3))
    leaving = book(trip, person("13900000001"), seats=2)
    book(trip, person("13900000004"), seats=1)
    entry = waiting.join(trip.id, person("13900000002"), 2, now=NOW)
    with pytest.raises(trips.TripFull):
        waiting.seat(entry.id, volunteer, now=NOW)
    waiting.release_booking(leaving.id, "phoned: found work nearer home", volunteer)
    booking = waiting.seat(entry.id, volunteer, now=NOW,
                           printer=lambda b, rows: tickets.seat_tickets(b, rows, info, keys, gettext))
    assert booking.person_hash == person("13900000002").hash
    assert trips.seat_numbers_text(booking) == "1, 2"
    job = trips.print_job(booking)  # printed at the desk, one slip per seat
    ticket = printing.Ticket.from_json(job.ticket)
    assert [dict(line for line in s.lines if isinstance(line, tuple))["Seat"] for s in (ticket, *ticket.parts)] == ["1", "2"]
    assert waiting.waiting(trip) == []
    assert counts.total("trips.waitlist_seated", datetime.date(2027, 2, 8)) == 1
    actions = [a.action for a in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions[-2:] == ["trip_booking_release", "trip_waitlist_seat"]
    with pytest.raises(Conflict):
        waiting.seat(entry.id, volunteer, now=NOW)  # seated once


def test_more_seats_from_the_office_let_the_desk_seat_the_list_past_the_kiosks_booking_deadline(db):
    trip = full_trip()
    entry = waiting.join(trip.id, person("13900000002"), 1, now=NOW)
    trips.Trip.update(seats=3).where(trips.Trip.id == trip.id).execute()
    after_deadline = datetime.datetime(2027, 2, 9, 23, 0)  # booking closed at 22:00, leaves at 00:00
    booking = waiting.seat(entry.id, None, now=after_deadline)
    assert trips.seat_numbers_text(booking) == "3"


def test_a_booking_with_someone_on_board_cannot_be_taken_back(db):
    trip = full_trip()
    booking = trips.Booking.get(trips.Booking.trip == trip.id)
    seat = trips.seats_of(booking)[0]
    trips.board_by_hand(trip.id, seat.id, "Ticket lost", None, now=NOW)
    with pytest.raises(Conflict):
        waiting.release_booking(booking.id, "phoned", None)
    assert trips.booked_seats(trip) == 2


def test_a_taken_back_ticket_no_longer_boards(db):
    from tests.test_trips import KEYS

    trip = full_trip(seats=1)
    booking = trips.Booking.get(trips.Booking.trip == trip.id)
    code = trips.payload(trips.seats_of(booking)[0], trip, KEYS)
    waiting.release_booking(booking.id, "phoned", None)
    with pytest.raises(DomainError) as refused:
        trips.board_by_scan(trip.id, code, None, KEYS, now=NOW)
    assert refused.value.message.startswith("No seat was booked with this code")


def test_nobody_is_seated_from_the_list_of_a_cancelled_trip_or_one_that_left(db):
    trip = full_trip()
    entry = waiting.join(trip.id, person("13900000002"), 1, now=NOW)
    trips.cancel(trip.id, "road closed", None, now=NOW)
    with pytest.raises(Conflict) as refused:
        waiting.seat(entry.id, None, now=NOW)
    assert refused.value.message == "This trip was cancelled."


def test_the_retention_purge_forgets_who_waited(db):
    trip = full_trip()
    waiting.join(trip.id, person("13900000002"), 1, now=NOW)
    trips.purge_personal_fields(30, now=datetime.datetime(2027, 3, 20))
    entry = trips.WaitEntry.get(trips.WaitEntry.trip == trip.id)
    assert (entry.person_hash, entry.person_last4_sealed) == (None, None)


# --- over HTTP: the kiosk's screens and the desk's list ---------------------------------------------


def define_full(app, seats=1):
    from tests.test_trips_views import define

    trip = define(app, seats=seats)
    app.test_client().post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "13900000001", "seats": str(seats),
                                                          "token": trips.new_request_token()})
    return trip


def test_a_worker_finding_a_trip_full_joins_its_waiting_list_with_a_phone_number(app, client):
    trip = define_full(app)
    page = client.get(f"/trips/{trip.id}").get_data(as_text=True)
    assert 'id="wait-form"' in page and "登记候补" in page
    asked = client.post(f"/trips/{trip.id}/wait", data={"seats": "2"})
    assert asked.status_code == 303 and "then=wait" in asked.location
    who = client.get(asked.location).get_data(as_text=True)
    assert "登记候补 2 个座位" in who and 'name="then" value="wait"' in who
    joined = client.post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "13912345678", "seats": "2",
                                                       "then": "wait", "token": trips.new_request_token()})
    assert joined.status_code == 303 and "/trips/waiting/" in joined.location
    shown = client.get(joined.location).get_data(as_text=True)
    assert '<strong id="waiting-place">1</strong>' in shown and "不会有人打电话通知您" in shown
    assert app.test_client().get(joined.location).status_code == 404  # only the visit that joined sees it
    with app.app_context(), database.connection_context():
        assert [e.seats for e in waiting.waiting(trip)] == [2]
        assert trips.booked_seats(trip) == 1  # nothing booked by joining


@pytest.mark.parametrize("seats", ["0", "9", "many"])
def test_a_waiting_list_form_with_nonsense_changes_nothing(app, client, seats):
    trip = define_full(app)
    client.post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "13912345678", "seats": "1",
                                              "then": "wait", "token": trips.new_request_token()})
    with app.app_context(), database.connection_context():
        before = trips.WaitEntry.select().count()
    answer = client.post(f"/trips/{trip.id}/wait", data={"seats": seats})
    assert answer.status_code in (303, 400, 409)
    with app.app_context(), database.connection_context():
        assert trips.WaitEntry.select().count() == before


def test_the_desk_sees_the_list_masked_frees_a_booking_and_gives_the_seat_with_its_ticket(app, client, auth):
    trip = define_full(app)
    app.test_client().post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "13912345678", "seats": "1",
                                                          "then": "wait", "token": trips.new_request_token()})
    auth.sign_in(add_volunteer(app, name="陈站长", pin="135790", role="manager"), "135790")
    page = client.get(f"/volunteer/trips/{trip.id}").get_data(as_text=True)
    assert 'id="waiting-list"' in page and "手机尾号5678" in page and "13912345678" not in page
    with app.app_context(), database.connection_context():
        entry = waiting.waiting(trip)[0]
        booking = trips.Booking.get(trips.Booking.trip == trip.id)
    assert f'id="seat-waiting-{entry.id}" disabled' in page  # no free seat yet
    freed = client.post(f"/volunteer/trips/bookings/{booking.id}/release", data={"reason": "来电说不走了"})
    assert freed.status_code == 303
    given = client.post(f"/volunteer/trips/waiting/{entry.id}/seat")
    assert given.status_code == 303
    with app.app_context(), database.connection_context():
        seated = trips.Booking.get(trips.Booking.trip == trip.id)
        assert trips.last4_of(seated) == "5678" and seated.person_last4 is None  # sealed, not in clear
        assert trips.print_job(seated) is not None  # the seat ticket went to the desk's printer
    again = client.post(f"/volunteer/trips/waiting/{entry.id}/seat")
    assert again.status_code == 409 and "已不在候补名单上" in again.get_data(as_text=True)
    assert client.post("/volunteer/trips/waiting/999/seat").status_code == 404


def test_only_a_manager_takes_a_booking_back_and_only_with_a_reason(app, client, auth):
    trip = define_full(app)
    with app.app_context(), database.connection_context():
        booking = trips.Booking.get(trips.Booking.trip == trip.id)
    auth.sign_in(add_volunteer(app))
    assert client.post(f"/volunteer/trips/bookings/{booking.id}/release", data={"reason": "x"}).status_code == 403
    auth.sign_out()
    auth.sign_in(add_volunteer(app, name="陈站长", pin="135790", role="manager"), "135790")
    assert client.post(f"/volunteer/trips/bookings/{booking.id}/release", data={"reason": " "}).status_code == 400
    with app.app_context(), database.connection_context():
        assert trips.booked_seats(trip) == 1


def test_freed_seats_are_held_for_the_waiting_list_not_sold_at_the_kiosk(db):
    trip = trips.define(spec(seats=2))
    leaving = book(trip, person("13900000001"), seats=1)
    book(trip, person("13900000004"), seats=1)
    waiting.join(trip.id, person("13900000002"), 1, now=NOW)
    waiting.release_booking(leaving.id, "phoned", None)
    assert (trips.free_seats(trip), trips.seats_left(trip)) == (1, 0)
    with pytest.raises(trips.TripFull):
        book(trip, person("13900000005"))  # came later: the freed seat is the waiting person's
    assert trips.booked_seats(trip) == 1


def test_someone_on_the_list_who_books_at_the_kiosk_leaves_the_list(db):
    trip = trips.define(spec(seats=2))
    book(trip, person("13900000001"), seats=2)
    waiting.join(trip.id, person("13900000002"), 1, now=NOW)
    trips.Trip.update(seats=3).where(trips.Trip.id == trip.id).execute()  # the office added a seat
    trip = trips.get(trip.id)
    assert trips.seats_left(trip) == 0  # the one free seat is held for the list
    book(trip, person("13900000002"))  # ...so its first may take it at the kiosk
    assert waiting.waiting(trip) == []
    assert trips.Booking.select().where(trips.Booking.trip == trip.id).count() == 2
