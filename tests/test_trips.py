"""Return-to-work trips: defining, booking (one winner for the last seat), boarding, check-ins, counts."""

import datetime
import threading

import pytest

from kiosk import counts
from kiosk import personal_data
from kiosk import printing
from kiosk import tokens
from kiosk import trips
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import NotFound
from kiosk.models import AuditEntry
from kiosk.models import database
from kiosk.printing import PrintJob
from kiosk.trips import tickets
from kiosk.views import station_info
from tests.conftest import add_volunteer
from tests.conftest import make_app

NOW = datetime.datetime(2027, 2, 8, 2, 0)  # 10:00 in Leshan
KEYS = trips.Keys(kiosk_id="0123456789abcdef0123456789abcdef", signing_key="k" * 32)


def gettext(message, **params):
    return message % params if params else message


def spec(**changes):
    values = dict(mode="bus", destination="440300", departure_place="乐山客运中心站 3号门",
                  departs_at="2027-02-10 08:00", seats=4, escort_name="李强", escort_phone="13800000000",
                  booking_deadline=None, now=NOW)
    values.update(changes)
    return trips.check_spec(**values)


def person(number="13912345678", kind="phone"):
    fingerprint = personal_data.fingerprint(kind if kind == "phone" else "document", number, "pii-key")
    return trips.Person(hash=fingerprint.hash, kind="phone" if kind == "phone" else "document", last4=fingerprint.last4)


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield app


def test_a_trip_keeps_its_destination_province_city_and_station_local_times(db):
    trip = trips.define(spec())
    assert (trip.destination_province, trip.destination_city) == ("440000", "440300")
    assert trip.departs_at == datetime.datetime(2027, 2, 10, 0, 0)  # 08:00 Asia/Shanghai
    assert trip.booking_deadline == datetime.datetime(2027, 2, 9, 22, 0)  # two hours before by default


@pytest.mark.parametrize("changes, message", [
    ({"departs_at": "2027-02-07 08:00"}, "The departure time has already passed."),
    ({"departs_at": "tomorrow"}, "Give the departure date and time, e.g. 2027-02-10 08:00."),
    ({"mode": "plane"}, "Choose bus or train."),
    ({"destination": "999999"}, "Choose a destination province or city."),
    ({"seats": 0}, "A trip has between 1 and %(most)s seats."),
    ({"booking_deadline": "2027-02-11 08:00"}, "Booking must close before the trip leaves."),
    ({"escort_phone": "call me"}, "Enter the escort's phone number (digits only)."),
    ({"escort_name": " "}, "Give the escort's name."),
])
def test_a_trip_that_makes_no_sense_is_refused_with_the_reason(db, changes, message):
    with pytest.raises(DomainError) as refused:
        spec(**changes)
    assert refused.value.message == message


def book(trip, who=None, seats=1, token=None, now=NOW):
    return trips.book(trip.id, who or person(), seats, token or trips.new_request_token(), now=now)


def test_booking_two_seats_gives_two_seat_numbers_with_their_own_codes_and_counts_them(db):
    trip = trips.define(spec())
    booking = book(trip, seats=2)
    seats = trips.seats_of(booking)
    assert [s.number for s in seats] == [1, 2]
    assert len({s.code for s in seats}) == 2
    assert trips.seats_left(trip) == 2
    assert counts.value("trips.seats_booked", datetime.date(2027, 2, 8), destination="440000", mode="bus") == 2


def test_a_double_tap_books_once_and_a_second_booking_by_the_same_person_is_refused(db):
    trip = trips.define(spec())
    token = trips.new_request_token()
    first = book(trip, token=token)
    assert book(trip, token=token).id == first.id
    with pytest.raises(Conflict) as refused:
        book(trip)
    assert "already have" in refused.value.message
    assert trips.booked_seats(trip) == 1


def test_a_full_trip_refuses_and_offers_the_next_one_to_the_same_province(db):
    trip = trips.define(spec(seats=2))
    later = trips.define(spec(departs_at="2027-02-11 08:00"))
    book(trip, seats=2)
    with pytest.raises(trips.TripFull):
        book(trip, who=person("13700000000"))
    assert trips.next_to_same_place(trip, 1, now=NOW).id == later.id


def test_booking_is_refused_after_the_deadline_and_on_a_cancelled_trip(db):
    trip = trips.define(spec())
    with pytest.raises(Conflict, match="closed"):
        book(trip, now=datetime.datetime(2027, 2, 9, 23, 0))
    trips.cancel(trip.id, "bus broke down")
    with pytest.raises(Conflict, match="cancelled"):
        book(trip)


def test_two_kiosks_racing_for_the_last_seat_one_wins(tmp_path):
    app = make_app(tmp_path)
    with app.app_context(), database.connection_context():
        trip = trips.define(spec(seats=1))
    outcomes = []
    barrier = threading.Barrier(2)

    def kiosk(number):
        with app.app_context(), database.connection_context():
            barrier.wait()
            try:
                book(trip, who=person(number))
                outcomes.append("booked")
            except (trips.TripFull, Conflict) as refused:
                outcomes.append(type(refused).__name__)

    threads = [threading.Thread(target=kiosk, args=(n,)) for n in ("13911111111", "13922222222")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["TripFull", "booked"]
    with app.app_context(), database.connection_context():
        assert trips.booked_seats(trip) == 1
        assert counts.value("trips.seats_booked", datetime.date(2027, 2, 8), destination="440000", mode="bus") == 1


def scan_of(seat, trip):
    return trips.payload(seat, trip, KEYS)


def test_boarding_by_scan_counts_heads_and_refuses_a_second_scan_and_another_trips_ticket(db):
    volunteer = add_volunteer(db)
    trip = trips.define(spec())
    other = trips.define(spec(destination="350100", departs_at="2027-02-10 09:00"))
    seats = trips.seats_of(book(trip, seats=2))
    stranger = trips.seats_of(book(other))[0]
    trips.board_by_scan(trip.id, scan_of(seats[0], trip), volunteer, KEYS, now=NOW)
    count = trips.head_count(trip)
    assert (count.boarded, count.booked) == (1, 2)
    assert [s.number for s in count.missing] == [2]
    with pytest.raises(Conflict, match="already boarded"):
        trips.board_by_scan(trip.id, scan_of(seats[0], trip), volunteer, KEYS, now=NOW)
    with pytest.raises(Conflict, match="another trip"):
        trips.board_by_scan(trip.id, scan_of(stranger, other), volunteer, KEYS, now=NOW)
    with pytest.raises(tokens.BadTicket):
        trips.board_by_scan(trip.id, scan_of(seats[1], trip)[:-3] + "AAA", volunteer, KEYS, now=NOW)
    assert trips.head_count(trip).boarded == 1
    typed = tokens.display_code(seats[1].code).lower()
    trips.board_by_scan(trip.id, typed, volunteer, KEYS, now=NOW)
    assert trips.head_count(trip).boarded == 2


def test_a_ticket_of_a_cancelled_trip_says_so_when_scanned(db):
    volunteer = add_volunteer(db)
    trip = trips.define(spec())
    cancelled = trips.define(spec(departs_at="2027-02-10 07:00"))
    seat = trips.seats_of(book(cancelled))[0]
    trips.cancel(cancelled.id, "road closed by snow")
    with pytest.raises(Conflict, match="cancelled"):
        trips.board_by_scan(trip.id, scan_of(seat, cancelled), volunteer, KEYS, now=NOW)
    with pytest.raises(Conflict, match="cancelled"):
        trips.board_by_scan(cancelled.id, scan_of(seat, cancelled), volunteer, KEYS, now=NOW)


def test_boarding_by_hand_needs_a_reason_and_is_audited(db):
    volunteer = add_volunteer(db)
    trip = trips.define(spec())
    seat = trips.seats_of(book(trip))[0]
    with pytest.raises(DomainError, match="reason"):
        trips.board_by_hand(trip.id, seat.id, " ", volunteer)
    trips.board_by_hand(trip.id, seat.id, "Ticket lost", volunteer, now=NOW)
    entry = AuditEntry.about(trips.subject(trip.id)).where(AuditEntry.action == "trip_board").get()
    assert (entry.reason, entry.detail) == ("Ticket lost", "seat 1 by manual")


def test_departure_turns_the_missing_into_no_shows_and_counts_the_run(db):
    volunteer = add_volunteer(db)
    trip = trips.define(spec())
    seats = trips.seats_of(book(trip, seats=3))
    trips.board_by_scan(trip.id, scan_of(seats[0], trip), volunteer, KEYS, now=NOW)
    trips.mark_no_show(trip.id, seats[1].id, volunteer, now=NOW)
    departed_at = datetime.datetime(2027, 2, 10, 0, 5)
    trips.depart(trip.id, volunteer, now=departed_at)
    day = datetime.date(2027, 2, 10)
    assert counts.value("trips.run", day, destination="440000", mode="bus") == 1
    assert counts.value("trips.no_show", day, destination="440000", mode="bus") == 2
    # The no-show who turns up just before the doors close still boards, and is no longer a no-show.
    trips.board_by_scan(trip.id, scan_of(seats[2], trip), volunteer, KEYS, now=departed_at)
    assert counts.value("trips.no_show", day, destination="440000", mode="bus") == 1
    assert counts.value("trips.boarded", day, destination="440000", mode="bus") == 1
    assert counts.value("trips.boarded", datetime.date(2027, 2, 8), destination="440000", mode="bus") == 1


def test_a_check_in_is_overdue_after_the_configured_hours_and_arrival_closes_the_trip(db):
    volunteer = add_volunteer(db)
    trip = trips.define(spec())
    left = datetime.datetime(2027, 2, 10, 0, 0)
    trips.depart(trip.id, volunteer, now=left)
    assert trips.overdue(2, now=left + datetime.timedelta(hours=1, minutes=59)) == []
    assert [t.id for t in trips.overdue(2, now=left + datetime.timedelta(hours=2, minutes=1))] == [trip.id]
    assert trips.count_missed_check_ins(2, now=left + datetime.timedelta(hours=2, minutes=1)) == 1
    assert trips.count_missed_check_ins(2, now=left + datetime.timedelta(hours=2, minutes=3)) == 0  # once
    trips.check_in_safe(trip.id, volunteer, now=left + datetime.timedelta(hours=2, minutes=5))
    assert trips.overdue(2, now=left + datetime.timedelta(hours=3)) == []
    trips.arrive(trip.id, volunteer, now=left + datetime.timedelta(hours=10))  # 18:00 in Leshan
    assert trips.overdue(2, now=left + datetime.timedelta(hours=30)) == []
    with pytest.raises(Conflict):
        trips.check_in_safe(trip.id, volunteer)
    day = datetime.date(2027, 2, 10)
    assert counts.value("trips.safety_checkins", day, destination="440000", mode="bus") == 1
    assert counts.value("trips.arrived", day, destination="440000", mode="bus") == 1
    assert counts.value("trips.checkins_missed", day, destination="440000", mode="bus") == 1


def test_seat_tickets_print_one_slip_per_seat_with_its_own_qr_and_the_escort_phone(db):
    trip = trips.define(spec())
    info = station_info.current()
    keys = trips.Keys(info.kiosk_id, db.config["SIGNING_KEY"])
    booking = trips.book(trip.id, person(), 2, trips.new_request_token(), now=NOW,
                         printer=lambda b, seats: tickets.seat_tickets(b, seats, info, keys, gettext))
    job = PrintJob.select().where(PrintJob.kind == "seat").get()
    ticket = printing.Ticket.from_json(job.ticket)
    slips = [ticket, *ticket.parts]
    assert [dict(line for line in s.lines if isinstance(line, tuple))["Seat"] for s in slips] == ["1", "2"]
    assert all("Please arrive 30 minutes early." in s.footer for s in slips)
    assert all("13800000000" in dict(s.lines[:5])["Escort"] for s in slips)
    assert trips.find_seat(slips[1].qr, keys, today=datetime.date(2027, 2, 10)).number == 2
    printing.process_queue()
    # A lost ticket: the same code again, audited.
    trips.reprint(booking.id, "Ticket lost", None)
    assert PrintJob.select().where(PrintJob.reprint_of == job.id).count() == 1
    assert AuditEntry.select().where(AuditEntry.action == "reprint").count() == 1


def test_the_manifest_masks_people_and_is_purged_after_retention(db):
    trip = trips.define(spec())
    trips.book(trip.id, person("511102199001011234", kind="document"), 1, trips.new_request_token(), now=NOW)
    book(trip, who=person("13912345678"))
    rows = trips.manifest(trip)
    assert [(r.seat, r.name) for r in rows] == [(1, "ID …1234"), (2, "Phone …5678")]
    assert printing.check_text("".join(r.name for r in trips.manifest(trip, lambda m, **p: {
        "ID …%(last4)s": "证件尾号%(last4)s", "Phone …%(last4)s": "手机尾号%(last4)s"}[m] % p))) == []
    pdf = tickets.manifest_pdf(trip, gettext)
    assert pdf.startswith(b"%PDF")
    assert trips.purge_personal_fields(30, now=datetime.datetime(2027, 3, 1)) == 0  # not 30 days yet
    assert trips.purge_personal_fields(30, now=datetime.datetime(2027, 3, 20)) == 2
    assert [r.name for r in trips.manifest(trip)] == ["—", "—"]


def test_the_office_pushes_a_trip_updates_it_with_a_newer_version_and_ignores_an_older_one(db):
    item = {"id": "leshan-2027-007", "version": 2, "mode": "train", "destination": "350100",
            "departure_place": "乐山站", "departs_at": "2027-02-12T07:30:00+08:00", "seats": 196,
            "escort_name": "陈静", "escort_phone": "0833-2123456"}
    trip = trips.upsert_from_office(item, now=NOW)
    assert (trip.source, trip.seats, trip.destination_province) == ("office", 196, "350000")
    assert trips.upsert_from_office({**item, "version": 1, "seats": 5}, now=NOW) is None
    assert trips.upsert_from_office({**item, "seats": 5}, now=NOW) is None  # same version: a replay
    updated = trips.upsert_from_office({**item, "version": 3, "seats": 200}, now=NOW)
    assert (updated.id, updated.seats) == (trip.id, 200)
    cancelled = trips.upsert_from_office({"id": item["id"], "version": 4, "cancelled": True,
                                          "cancel_reason": "改为4号发车"}, now=NOW)
    assert (cancelled.state, cancelled.cancel_reason) == ("cancelled", "改为4号发车")


def test_the_office_cannot_shrink_a_trip_below_its_bookings_or_send_nonsense(db):
    item = {"id": "x1", "version": 1, "mode": "bus", "destination": "440300", "departure_place": "乐山",
            "departs_at": "2027-02-12 07:30", "seats": 3, "escort_name": "陈静", "escort_phone": "13800000000"}
    trip = trips.upsert_from_office(item, now=NOW)
    book(trip, seats=2)
    with pytest.raises(Conflict):
        trips.upsert_from_office({**item, "version": 2, "seats": 1}, now=NOW)
    assert trips.get(trip.id).seats == 3
    with pytest.raises(DomainError):
        trips.upsert_from_office({"version": 1}, now=NOW)
    with pytest.raises(DomainError):
        trips.upsert_from_office({**item, "id": "x2", "departs_at": "2027-01-01 07:30"}, now=NOW)
    with pytest.raises(NotFound):
        trips.get(99999)


def test_trip_counts_use_only_whitelisted_codes():
    for metric in ("trips.run", "trips.seats_booked", "trips.boarded", "trips.no_show", "trips.safety_checkins",
                   "trips.arrived"):
        assert counts.METRICS[metric] == ("destination", "mode")
    counts.check_dimension("mode", "train")
    with pytest.raises(ValueError):
        counts.check_dimension("mode", "13912345678")


def test_a_trip_the_office_publishes_arrives_through_the_content_channel(tmp_path):
    from kiosk import help as help_domain
    from kiosk import keys as office_keys
    from tests.help_factory import item
    from tests.help_factory import office_key

    key = office_key()
    app = make_app(tmp_path, OFFICE_PUBLIC_KEY=office_keys.public_text(key))
    body = {"mode": "train", "destination": "350100", "departure_place": "乐山站",
            "departs_at": (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)).isoformat(),
            "seats": 196, "escort_name": "陈静", "escort_phone": "0833-2123456"}
    with app.app_context(), database.connection_context():
        received = help_domain.receive([item(key, "trips", "trip-7", body=body),
                                        item(key, "trips", "trip-8", body={**body, "seats": 0})],
                                       "leshan-kyzx", "511102")
        assert received.accepted == ["trip-7"]
        assert [i for i, _ in received.refused] == ["trip-8"]
        trip = trips.Trip.get(trips.Trip.office_id == "trip-7")
        assert (trip.seats, trip.source, trip.destination_province) == (196, "office", "350000")


def test_missed_check_ins_counted_from_the_list_the_console_already_read_are_counted_once(db):
    volunteer = add_volunteer(db)
    trip = trips.define(spec())
    left = datetime.datetime(2027, 2, 10, 0, 0)
    trips.depart(trip.id, volunteer, now=left)
    late_at = left + datetime.timedelta(hours=2, minutes=1)
    assert trips.count_missed_check_ins(2, now=late_at, late=trips.overdue(2, now=late_at)) == 1
    again = left + datetime.timedelta(hours=2, minutes=3)
    assert trips.count_missed_check_ins(2, now=again, late=trips.overdue(2, now=again)) == 0
    assert trips.count_missed_check_ins(2, now=again) == 0
    assert counts.value("trips.checkins_missed", datetime.date(2027, 2, 10), destination="440000", mode="bus") == 1
