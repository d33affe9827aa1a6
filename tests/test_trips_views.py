"""Trips over HTTP and the command line: bad input gets a message and changes nothing, never a 500."""

import datetime
import io

import pytest

from kiosk import clock
from kiosk import trips
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers


def define(app, **changes):
    values = dict(mode="train", destination="350100", departure_place="乐山站",
                  departs_at=clock.local_time() + datetime.timedelta(days=1), seats=2, escort_name="陈静",
                  escort_phone="0833-2123456")
    values.update(changes)
    with app.app_context(), database.connection_context():
        return trips.define(trips.check_spec(**values))


def seats_booked(app, trip):
    with app.app_context(), database.connection_context():
        return trips.booked_seats(trip)


def test_the_home_screen_has_a_trips_tile_and_the_list_says_when_nothing_is_open(client):
    home = client.get("/").get_data(as_text=True)
    assert 'id="tile-trip"' in home and "返岗专车" in home
    assert "现在没有可预约的专车专列" in client.get("/trips/").get_data(as_text=True)


def test_booking_without_a_registration_asks_for_an_id_and_a_bad_number_books_nothing(app, client):
    trip = define(app)
    answer = client.post(f"/trips/{trip.id}/book", data={"seats": "2", "token": trips.new_request_token()})
    assert answer.status_code == 303 and f"/trips/{trip.id}/who" in answer.location
    refused = client.post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "12345", "seats": "2",
                                                        "token": trips.new_request_token()})
    assert refused.status_code == 400
    assert "手机号是11位数字" in refused.get_data(as_text=True) or "11" in refused.get_data(as_text=True)
    assert seats_booked(app, trip) == 0


@pytest.mark.parametrize("form", [
    {"seats": "7"}, {"seats": "-1"}, {"seats": "2", "token": "not-a-token"},
])
def test_nonsense_on_the_booking_form_is_refused_with_a_message(app, client, form):
    trip = define(app, seats=10)
    client.post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "13912345678", "seats": "1",
                                              "token": "x" * 3})
    answer = client.post(f"/trips/{trip.id}/book", data={"token": trips.new_request_token(), **form})
    assert answer.status_code in (400, 409)
    assert seats_booked(app, trip) == 0


def test_a_full_trip_is_refused_and_the_next_one_is_offered(app, client):
    trip = define(app, seats=1)
    later = define(app, departs_at=clock.local_time() + datetime.timedelta(days=2))
    client.post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "13912345678", "seats": "1",
                                              "token": trips.new_request_token()})
    other = app.test_client()
    answer = other.post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "13987654321", "seats": "1",
                                                      "token": trips.new_request_token()})
    assert answer.status_code == 409
    page = answer.get_data(as_text=True)
    assert "这趟车已满" in page and f"/trips/{later.id}" in page


def test_a_booked_worker_scanning_their_ticket_at_the_kiosk_sees_that_the_trip_was_cancelled(app, client):
    trip = define(app)
    client.post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "13912345678", "seats": "1",
                                              "token": trips.new_request_token()})
    with app.app_context(), database.connection_context():
        code = trips.Seat.get().code
    page = client.get(f"/trips/ticket?code={code}").get_data(as_text=True)
    assert "您的车次照常" in page
    with app.app_context(), database.connection_context():
        trips.cancel(trip.id, "大雪封路")
    page = app.test_client().get(f"/trips/ticket?code={code.lower()}").get_data(as_text=True)
    assert "这趟车已取消（大雪封路）" in page
    refused = client.get("/trips/ticket?code=NT1.V.AAAAAAAA.00000000.20270101.AAAAAAAAAAAAAAAA")
    assert refused.status_code == 200 and "ticket-refusal" in refused.get_data(as_text=True)


def test_a_booking_is_shown_only_to_the_visit_that_made_it(app, client):
    trip = define(app)
    done = client.post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": "13912345678", "seats": "1",
                                                     "token": trips.new_request_token()})
    assert client.get(done.location).status_code == 200
    assert app.test_client().get(done.location).status_code == 404
    assert client.get("/trips/999").status_code == 404
    assert client.get("/trips/booked/abc").status_code == 404


def test_the_console_refuses_a_trip_in_the_past_with_a_message_and_a_volunteer_cannot_create_one(app, client, auth):
    manager = add_volunteer(app, name="陈站长", pin="135790", role="manager")
    auth.sign_in(manager, "135790")
    past = (clock.local_time() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post("/volunteer/trips/new", data={"mode": "bus", "province": "440000", "place": "乐山",
                                                       "departs": past, "seats": "45", "escort": "李强",
                                                       "escort_phone": "13800000000"})
    assert answer.status_code == 400 and "发车时间已经过了" in answer.get_data(as_text=True)
    future = (clock.local_time() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    created = client.post("/volunteer/trips/new", data={"mode": "bus", "province": "440000", "city": "440300",
                                                        "place": "乐山", "departs": future, "seats": "45",
                                                        "escort": "李强", "escort_phone": "13800000000"})
    assert created.status_code == 303
    auth.sign_out()
    volunteer = add_volunteer(app)
    auth.sign_in(volunteer)
    refused = client.post("/volunteer/trips/new", data={"mode": "bus", "province": "440000", "place": "乐山",
                                                        "departs": future, "seats": "45", "escort": "李强",
                                                        "escort_phone": "13800000000"})
    assert refused.status_code == 403
    with app.app_context(), database.connection_context():
        assert trips.Trip.select().count() == 1


def test_boarding_refuses_garbage_in_the_card_and_the_pages_need_a_signed_in_volunteer(app, client, auth):
    trip = define(app)
    assert client.get(f"/volunteer/trips/{trip.id}/board").status_code in (302, 303)
    assert client.get(f"/volunteer/trips/{trip.id}/manifest.pdf").status_code in (302, 303)
    auth.sign_in(add_volunteer(app))
    answer = client.post(f"/volunteer/trips/{trip.id}/board", data={"code": "\u0000" * 200}, headers=htmx_headers())
    assert answer.status_code == 200 and "scan-refused" in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.post(f"/volunteer/trips/{trip.id}/board", data={"code": "ABCD-EFGH"}).status_code == 404
    assert client.post(f"/volunteer/trips/{trip.id}/seats/1/board", data={"reason": ""}).status_code in (400, 404)
    assert client.post(f"/volunteer/trips/{trip.id}/arrive").status_code == 409
    pdf = client.get(f"/volunteer/trips/{trip.id}/manifest.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_command_line_adds_lists_and_cancels_trips(app, runner):
    departs = (clock.local_time() + datetime.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    added = runner.invoke(args=["trips", "add", "--mode", "bus", "--to", "440300", "--from", "乐山客运中心站",
                                "--departs", departs, "--seats", "45", "--escort", "李强",
                                "--escort-phone", "13800000000"])
    assert added.exit_code == 0, added.output
    assert "trip 1: bus to 深圳市" in added.output
    listed = runner.invoke(args=["trips", "list"])
    assert "booked 0/45" in listed.output
    bad = runner.invoke(args=["trips", "add", "--mode", "bus", "--to", "440300", "--from", "乐山",
                              "--departs", "2020-01-01 08:00", "--seats", "45", "--escort", "李强",
                              "--escort-phone", "13800000000"])
    assert bad.exit_code != 0 and "The departure time has already passed." in bad.output
    cancelled = runner.invoke(args=["trips", "cancel", "1", "--reason", "改期"])
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.output
    assert "cancelled" in runner.invoke(args=["trips", "list"]).output
    again = runner.invoke(args=["trips", "cancel", "1", "--reason", "改期"])
    assert again.exit_code != 0 and "already cancelled" in again.output


def booked_trip(app, bookings=2):
    trip = define(app, seats=10)
    for n in range(bookings):
        app.test_client().post(f"/trips/{trip.id}/who", data={"kind": "phone", "number": f"1391234567{n}", "seats": "1",
                                                              "token": trips.new_request_token()})
    return trip


def test_the_manifest_spreadsheet_lists_seat_masked_name_and_state_and_opens_in_excel(app, client, auth):
    trip = booked_trip(app)
    assert client.get(f"/volunteer/trips/{trip.id}/manifest.csv").status_code in (302, 303)
    auth.sign_in(add_volunteer(app))
    answer = client.get(f"/volunteer/trips/{trip.id}/manifest.csv")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    assert answer.data.startswith("\ufeff".encode())  # Excel reads UTF-8 Chinese only with the BOM
    rows = [line.split(",") for line in answer.data.decode("utf-8-sig").splitlines()]
    assert rows[1] == ["座位", "预约人", "状态"]
    assert rows[2:] == [["1", "手机尾号5670", "未上车"], ["2", "手机尾号5671", "未上车"]]
    assert "13912345670" not in answer.data.decode("utf-8-sig")


@pytest.mark.parametrize("profile, dots", [("generic80", 576), ("generic58", 384)])
def test_the_printed_manifest_uses_the_station_printers_own_width(tmp_path, profile, dots):
    """The kiosk has one printer: the manifest fills an 80 mm roll, and is not cut off on a 58 mm one."""
    from PIL import Image

    from kiosk import printing
    from kiosk.printing.profiles import get_profile
    from tests.conftest import make_app

    app = make_app(tmp_path, PRINTER_PROFILE=profile)
    trip = booked_trip(app)
    client = app.test_client()
    client.post("/volunteer/sign-in", data={"volunteer_id": add_volunteer(app), "pin": "2468"})
    assert client.post(f"/volunteer/trips/{trip.id}/manifest/print").status_code == 303
    with app.app_context(), database.connection_context():
        job = printing.PrintJob.get(printing.PrintJob.kind == "manifest")
        assert get_profile(job.profile).dots == dots
        drawn = Image.open(io.BytesIO(printing.preview_png(job))).width  # the roll as the preview draws it
        assert drawn - dots == Image.open(io.BytesIO(printing.preview_png(job, profile="generic58"))).width - 384


def test_a_trip_booked_after_registering_goes_under_the_registrations_number_and_its_last_four(app, client):
    from tests.test_register_views import Worker

    trip = define(app, destination="440100")
    worker = Worker(client)
    worker.tap("direction", direction="work")
    worker.tap("county", code="511102")
    worker.tap("destination", code="440000")
    worker.tap("consent", answer="yes", then="phone")
    worker.tap("phone", number="13800138000")
    worker.confirm()
    page = client.get(f"/trips/{trip.id}").get_data(as_text=True)
    assert "8000" in page and "13800138000" not in page  # from the visit's session: the row keeps no last four
    done = client.post(f"/trips/{trip.id}/book", data={"seats": "1", "token": trips.new_request_token()})
    assert done.status_code == 303 and "/trips/booked/" in done.location
    with app.app_context(), database.connection_context():
        booking = trips.Booking.get()
        assert "8000" not in (booking.person_last4_sealed or "") and booking.person_last4 is None
        assert trips.masked_name(booking) == "Phone …8000"
