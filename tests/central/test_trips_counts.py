"""Return-to-work trips at the office: after a pull its numbers equal the kiosk's, and no person travels."""

import datetime
import json

from kiosk import personal_data
from kiosk import sync
from kiosk import trips
from kiosk.central import reports
from kiosk.models import database as kiosk_db
from tests.central.conftest import register
from tests.central.test_pull import assert_totals_match
from tests.central.test_pull import pull_all

DEPARTS = datetime.datetime(2027, 2, 12, 0, 0)  # 08:00 in Leshan
BOOKED = DEPARTS - datetime.timedelta(hours=6)  # 02:00 the same station-local day


def run_a_trip(kiosk):
    """A bus to Shenzhen: 3 bookings (5 seats), 4 boarded, one no-show, two check-ins, arrival."""
    with kiosk.app.app_context(), kiosk_db.connection_context():
        keys = trips.Keys("x", "y")  # boarded by typed codes
        trip = trips.define(trips.check_spec("bus", "440300", "乐山客运中心站", DEPARTS.replace(tzinfo=datetime.UTC), 45, "李强", "13800000000",
                                             now=BOOKED))
        for number, seats in (("13900000001", 2), ("13900000002", 2), ("13900000003", 1)):
            who = personal_data.fingerprint("phone", number, kiosk.app.config["PII_KEY"])
            trips.book(trip.id, trips.Person(who.hash, "phone", who.last4), seats, trips.new_request_token(),
                       now=BOOKED)
        for seat in list(trips.Seat.select().where(trips.Seat.trip == trip.id).order_by(trips.Seat.number))[:4]:
            trips.board_by_scan(trip.id, seat.code, None, keys, now=DEPARTS - datetime.timedelta(minutes=10))
        trips.depart(trip.id, None, now=DEPARTS)
        trips.check_in_safe(trip.id, None, now=DEPARTS + datetime.timedelta(hours=2))
        trips.check_in_safe(trip.id, None, now=DEPARTS + datetime.timedelta(hours=4))
        trips.arrive(trip.id, None, now=DEPARTS + datetime.timedelta(hours=9))


def test_trip_counts_at_the_office_equal_the_kiosks_after_a_pull(central, kiosks):
    kiosk = kiosks()
    run_a_trip(kiosk)
    register("bus station", kiosk)
    assert not pull_all(central).failed
    day = DEPARTS.date()
    assert_totals_match(kiosk, day=day)
    totals = reports.day_totals(day)["totals"]
    assert {m: v for m, v in totals.items() if m.startswith("trips.")} == {
        "trips.run": 1, "trips.seats_booked": 5, "trips.boarded": 4, "trips.no_show": 1,
        "trips.safety_checkins": 2, "trips.arrived": 1}
    # The office's report (dashboard and spreadsheets) carries them per station and day.
    report = reports.report(day, day)
    assert report.totals["trips.boarded"] == 4 and report.totals["trips.run"] == 1


def test_no_phone_fingerprint_seat_code_or_escort_travels_in_the_sync(kiosks):
    kiosk = kiosks()
    run_a_trip(kiosk)
    with kiosk.app.app_context(), kiosk_db.connection_context():
        sent = json.dumps(sync.page(kiosk.token, 0, 5000), ensure_ascii=False)
        secrets = [b.person_hash for b in trips.Booking.select()] + [s.code for s in trips.Seat.select()]
    assert not [s for s in secrets + ["13900000001", "0001", "李强", "13800000000"] if s in sent]
