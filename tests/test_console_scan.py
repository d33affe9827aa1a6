"""The console's one scan box sends each code to the desk that handles its kind."""

import datetime

import pytest

from kiosk import clock
from kiosk import trips
from kiosk.models import database
from kiosk.views import station_info
from tests.conftest import add_volunteer
from tests.test_luggage_views import check_in
from tests.test_luggage_views import deposits
from tests.test_luggage_views import payload
from tests.vouchers_factory import issue
from tests.vouchers_factory import stock_station


@pytest.fixture
def desk(app, client, auth):
    auth.sign_in(add_volunteer(app))
    return client


def a_voucher(app):
    with app.app_context(), database.connection_context():
        offers = stock_station()
        return issue(offers["warm"])


def test_a_scanned_luggage_ticket_opens_the_luggage_claim(app, desk):
    check_in(desk)
    scanned = payload(app, deposits(app)[0]) + "\r\n"
    response = desk.post("/volunteer/scan", data={"code": scanned})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/volunteer/luggage/claim?code=NT1.L.")
    assert deposits(app)[0].code in desk.get(response.headers["Location"]).get_data(as_text=True).replace("-", "")


def test_a_typed_luggage_code_is_found_too(app, desk):
    check_in(desk)
    code = deposits(app)[0].code
    response = desk.post("/volunteer/scan", data={"code": f"{code[:4]}-{code[4:]}".lower()})
    assert response.status_code == 303 and "/volunteer/luggage/claim" in response.headers["Location"]


def test_a_typed_voucher_code_goes_to_the_gift_pack_desk_with_the_same_post(app, desk):
    voucher = a_voucher(app)
    response = desk.post("/volunteer/scan", data={"code": voucher.code})
    assert response.status_code == 307
    assert response.headers["Location"] == "/volunteer/packs/scan"
    followed = desk.post("/volunteer/scan", data={"code": voucher.code}, follow_redirects=True)
    assert "暖心小礼包" in followed.get_data(as_text=True)


def test_an_unknown_code_is_refused_in_chinese(desk):
    response = desk.post("/volunteer/scan", data={"code": "ZZZZ-ZZZZ"})
    assert response.status_code == 400
    assert "没有找到这个号码的礼包凭证、行李凭证或乘车凭证" in response.get_data(as_text=True)


def test_the_scan_box_needs_a_signed_in_volunteer(client):
    response = client.post("/volunteer/scan", data={"code": "ZZZZ-ZZZZ"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/volunteer/sign-in")


def a_seat_ticket(app, departs_in=datetime.timedelta(days=1)):
    """A seat booked at this kiosk; return its QR payload and seat."""
    with app.test_request_context(), database.connection_context():
        spec = trips.check_spec("bus", "440300", "乐山客运中心站", clock.local_time() + departs_in, 3, "李强", "13800000000")
        trip = trips.define(spec)
        person = trips.person_of("phone", "13912345678", app.config["PII_KEY"])
        booking = trips.book(trip.id, person, 1, trips.new_request_token())
        seat = trips.seats_of(booking)[0]
        keys = trips.Keys(station_info.current().kiosk_id, app.config["SIGNING_KEY"])
        return trips.payload(seat, trip, keys), seat


def test_a_scanned_seat_ticket_opens_its_trips_boarding_with_the_seat_not_yet_boarded(app, desk):
    scanned, seat = a_seat_ticket(app)
    response = desk.post("/volunteer/scan", data={"code": scanned + "\r\n"})
    assert response.status_code == 307 and response.headers["Location"] == "/volunteer/trips/scan"
    page = desk.post("/volunteer/trips/scan", data={"code": scanned}).get_data(as_text=True)  # where the browser re-posts
    assert 'id="scanned-seat"' in page and "1 号座" in page and "手机尾号5678" in page
    assert 'id="board-scanned"' in page
    with app.app_context(), database.connection_context():
        assert trips.head_count(trips.get(seat.trip_id)).boarded == 0  # shown at the desk: not on the bus yet


def test_the_board_button_after_a_console_scan_boards_that_seat(app, desk):
    scanned, seat = a_seat_ticket(app)
    code = seat.code
    answer = desk.post(f"/volunteer/trips/{seat.trip_id}/board", data={"code": f"{code[:4]}-{code[4:]}"})
    assert answer.status_code == 200 and "1 号座 已上车" in answer.get_data(as_text=True)


def test_a_typed_seat_code_is_routed_too(app, desk):
    _, seat = a_seat_ticket(app)
    response = desk.post("/volunteer/scan", data={"code": f"{seat.code[:4]}-{seat.code[4:]}".lower()})
    assert response.status_code == 307 and response.headers["Location"] == "/volunteer/trips/scan"
