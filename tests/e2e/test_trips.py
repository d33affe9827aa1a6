"""Return-to-work trips in a real Chromium: a worker books from the end of 返岗 registration at the
kiosk's 1024×600, an escort boards by scan and by the phone camera at 360×740, the console shows an
overdue safety check-in, a full trip's waiting list worked at the desk, a seat ticket scanned on the console
home."""

import dataclasses
import datetime
import shutil
from pathlib import Path

from kiosk import clock
from kiosk import counts
from kiosk import personal_data
from kiosk import printing
from kiosk import trips
from kiosk.models import database
from kiosk.trips import tickets
from kiosk.views import station_info
from tests.conftest import add_volunteer
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.conftest import screenshot
from tests.e2e.test_registration import Taps
from tests.e2e.test_registration import step
from tests.e2e.test_luggage import sign_in

PHONE = {"width": 360, "height": 740}
TABLET_PORTRAIT = {"width": 800, "height": 1280}
SHOTS = Path("/tmp/trips-shots")


def shot(page, name, full_page=False):
    """Save a screenshot in test-artifacts/ and, for the reviewer, under /tmp/trips-shots/."""
    path = screenshot(page, name)
    if full_page:
        page.screenshot(path=str(path), full_page=True)
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def define_trip(app, **changes):
    values = dict(mode="bus", destination="440300", departure_place="乐山客运中心站 3号门",
                  departs_at=clock.local_time() + datetime.timedelta(days=1), seats=35, escort_name="李强",
                  escort_phone="13800000000")
    values.update(changes)
    with app.app_context(), database.connection_context():
        return trips.define(trips.check_spec(**values))


def book_directly(app, trip, number, seats):
    """A booking made at the kiosk earlier, with its tickets printed; return the seats' QR payloads."""
    with app.test_request_context(), database.connection_context():
        info = station_info.current()
        keys = trips.Keys(info.kiosk_id, app.config["SIGNING_KEY"])
        fingerprint = personal_data.fingerprint("phone", number, app.config["PII_KEY"])
        person = trips.Person(fingerprint.hash, "phone", fingerprint.last4)
        booking = trips.book(trip.id, person, seats, trips.new_request_token(),
                             printer=lambda b, rows: tickets.seat_tickets(b, rows, info, keys, lambda m, **p: m % p if p else m))
        return [trips.payload(seat, trip, keys) for seat in trips.seats_of(booking)], booking


def test_a_worker_books_two_seats_in_at_most_eight_taps_from_the_end_of_registration(live_server, page):
    trip = define_trip(live_server.app)
    define_trip(live_server.app, destination="330600", seats=40)  # Shaoxing: listed after Guangdong
    page.goto(f"{live_server.url}/register")
    taps = Taps(page)
    taps.button("返岗")
    taps.button("乐山市 市中区")
    taps.button("广东")
    taps.button("手机号")
    taps.button("同意", exact=True)
    step(page, "phone")
    taps.keys("phone", "13900001234")
    taps.button("确定")
    step(page, "summary")
    taps.button("确认登记")
    step(page, "done")
    shot(page, "trips-registration-done")

    taps = Taps(page)  # from the end of registration
    taps.link("预约免费返岗专车")
    page.locator("#trips").wait_for()
    assert page.locator(".trip-card").first.get_attribute("id") == f"trip-{trip.id}"  # to Guangdong first
    shot(page, "trips-choose")
    taps.count += 1
    page.locator(f"#trip-{trip.id}").tap()
    page.locator("#trip-book").wait_for()
    assert "尾号 1234" in page.locator("#booking-under").inner_text()
    taps.count += 1
    page.locator("label.seat-count", has_text="2").tap()
    shot(page, "trips-book")
    taps.button("预约并打印乘车凭证")
    page.locator("#trip-booked").wait_for()
    assert taps.count <= 8, taps.count
    assert page.locator("#seat-numbers").inner_text() == "1, 2"
    assert page.locator("#arrive-early").inner_text() == "请提前30分钟到达"
    assert page.locator("#slips img.slip").count() == 2
    page.wait_for_function("() => [...document.querySelectorAll('#slips img')].every(i => i.complete && i.naturalWidth > 300)")
    shot(page, "trips-booked")
    page.locator("#booked-done").tap()  # the visit ends: the next person starts with nobody's number
    page.locator("#tile-trip").tap()
    page.locator(f"#trip-{trip.id}").tap()
    # Wait for the booking screen itself: asking at once would ask the list page (a tap does not wait for
    # the navigation it starts), and a test ending mid-navigation left context.close() hanging in CI.
    page.locator("#trip-book").wait_for()
    page.wait_for_load_state("load")
    assert page.locator("#book-submit").is_visible()
    assert page.locator("#booking-under").count() == 0
    with live_server.app.app_context(), database.connection_context():
        assert trips.head_count(trips.get(trip.id)).booked == 2


def test_a_worker_without_registration_books_with_an_id_number_after_the_privacy_notice(live_server, page):
    trip = define_trip(live_server.app, seats=1)
    later = define_trip(live_server.app, departs_at=clock.local_time() + datetime.timedelta(days=2))
    page.goto(live_server.url)
    page.locator("#tile-trip").tap()
    page.locator(f"#trip-{trip.id}").wait_for()  # the tap navigates: no screenshot of a page half-way
    shot(page, "trips-choose-no-registration")
    page.locator(f"#trip-{trip.id}").tap()
    page.get_by_role("button", name="预约并打印乘车凭证").tap()
    page.locator("#trip-who").wait_for()
    assert "不保存号码本身" in page.locator("#privacy-notice").inner_text()
    for key in "11010519491231002":
        page.locator(f'.keypad [data-key="{key}"]').tap()
    page.locator('.keypad [data-key="1"]').tap()  # a wrong check digit
    page.locator("#who-submit").tap()
    assert "身份证号不正确" in page.locator("#who-refusal").inner_text()
    shot(page, "trips-who-wrong-id")
    assert page.locator("#number-shown").inner_text() == "110105194912310021"  # kept to mend, not retyped
    for key in ["back", "X"]:
        page.locator(f'.keypad [data-key="{key}"]').tap()
    page.locator("#who-submit").tap()
    page.locator("#trip-booked").wait_for()
    # The trip is now full: the next person is offered the next one to the same place.
    page.goto(f"{live_server.url}/trips/{trip.id}")
    assert page.locator("#already-booked").is_visible()
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/trips/{trip.id}")
    page.locator("#trip-full").wait_for()
    assert page.locator("#next-trip").get_attribute("href").endswith(f"/trips/{later.id}")
    shot(page, "trips-full-next")


def test_booking_is_off_while_the_printer_is_out_of_paper(serve, page):
    server = serve(PRINTER_URL="virtual://?fault=paper_out")
    trip = define_trip(server.app)
    page.goto(f"{server.url}/trips/{trip.id}")
    page.locator("#printer-stuck").wait_for()
    assert page.locator("#book-submit").count() == 0
    shot(page, "trips-paper-out")
    with server.app.app_context(), database.connection_context():
        assert trips.booked_seats(trip) == 0


def test_an_escort_boards_three_of_four_on_a_phone_and_sees_who_is_missing(live_server, page):
    add_volunteer(live_server.app)
    trip = define_trip(live_server.app)
    other = define_trip(live_server.app, destination="350100")
    first, _ = book_directly(live_server.app, trip, "13911110001", 2)
    second, booking = book_directly(live_server.app, trip, "13922220002", 2)
    stranger, _ = book_directly(live_server.app, other, "13933330003", 1)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server)
    page.locator("#open-trips").tap()
    page.locator(f"#console-trip-{trip.id} a").tap()
    page.locator("#open-boarding").tap()
    page.locator("#camera-start").wait_for()  # shown by trips.js once it and jsQR have loaded
    box = page.locator("#board-scan")

    box.fill(first[0])  # a wedge scanner types the payload; no Enter needed
    page.locator("#scan-result", has_text="1 号座 已上车").wait_for()
    box.fill(first[1].lower())
    box.press("Enter")
    page.locator("#scan-result", has_text="2 号座 已上车").wait_for()
    # The phone's camera: a photo of the third ticket, decoded in the browser by the vendored jsQR.
    with live_server.app.app_context(), database.connection_context():
        job = trips.print_job(booking)
        ticket = printing.Ticket.from_json(job.ticket)
        photo = printing.preview_png(dataclasses.replace(ticket, parts=()))  # seat 3's slip alone
    assert page.locator("#camera-start").is_visible()
    page.locator("#camera-photo").set_input_files({"name": "ticket.png", "mimeType": "image/png", "buffer": photo})
    page.locator("#scan-result", has_text="3 号座 已上车").wait_for()
    assert page.locator("#board-count").inner_text().startswith("3/4")
    assert page.locator("#missing li").count() == 1
    assert "手机尾号0002" in page.locator("#missing-4").inner_text()
    shot(page, "trips-boarding-phone", full_page=True)

    box.fill(first[0])
    page.locator("#scan-result", has_text="1 号座已经上车").wait_for()
    box.fill(stranger[0])
    page.locator("#scan-result", has_text="另一趟车").wait_for()
    shot(page, "trips-boarding-refused-phone")
    assert page.locator("#board-count").inner_text().startswith("3/4")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px sideways scroll at 360 wide"

    page.locator("#missing-4").get_by_role("button", name="未到").tap()
    page.locator("#missing-4 .chip", has_text="未到").wait_for()
    shot(page, "trips-boarding-no-show-phone", full_page=True)
    with live_server.app.app_context(), database.connection_context():
        count = trips.head_count(trips.get(trip.id))
        assert (count.boarded, count.booked) == (3, 4)
    page.locator("#board .console-head a").tap()  # back to the trip: it leaves, after a confirming tap
    page.locator("#trip-depart").tap()
    page.get_by_text("未上车的 1 人将记为未到。").wait_for()
    page.locator("#trip-depart-confirm").tap()
    page.locator("#trip-safe").wait_for()
    shot(page, "trips-detail-departed-phone")


def test_an_overdue_safety_check_in_shows_on_the_console_until_the_escort_taps_all_safe(live_server, page):
    add_volunteer(live_server.app)
    trip = define_trip(live_server.app, departs_at=clock.local_time() + datetime.timedelta(hours=3),
                       booking_deadline=clock.local_time() + datetime.timedelta(hours=1))
    with live_server.app.app_context(), database.connection_context():
        trips.depart(trip.id, None, now=clock.now() - datetime.timedelta(hours=2, minutes=30))
    page.set_viewport_size(TABLET_PORTRAIT)
    sign_in(page, live_server)
    page.locator("#trips-overdue").wait_for()
    assert "报平安超时" in page.locator("#trips-overdue").inner_text()
    shot(page, "trips-console-overdue")
    page.locator("#trips-overdue a").tap()
    page.locator("#check-in-late").wait_for()
    shot(page, "trips-detail-overdue")
    with live_server.app.app_context(), database.connection_context():  # what the office will see
        due = clock.now() - datetime.timedelta(minutes=30)  # departed 2.5 hours ago, due 2 hours after
        assert counts.total("trips.checkins_missed", clock.local_day(due)) == 1
    page.locator("#trip-safe").tap()
    page.locator("#check-in-due").wait_for()
    page.goto(f"{live_server.url}/volunteer/")
    assert page.locator("#trips-overdue").count() == 0


SIZES = {"kiosk": VIEWPORTS["kiosk"], "tablet_portrait": TABLET_PORTRAIT, "tablet_landscape": {"width": 1280, "height": 800},
         "full_hd": VIEWPORTS["full_hd"]}


def test_the_worker_screens_fit_every_screen_without_scrolling(live_server, page):
    trip = define_trip(live_server.app)
    for n in range(5):
        define_trip(live_server.app, destination=("330600", "350100", "650100", "320500", "310000")[n],
                    mode="train" if n % 2 else "bus")
    pages = {"choose": "/trips/", "book": f"/trips/{trip.id}", "who": f"/trips/{trip.id}/who?seats=2&kind=id",
             "ticket": "/trips/ticket?code=ABCD-EFGH"}
    for size_name, size in SIZES.items():
        page.set_viewport_size(size)
        for name, url in pages.items():
            page.goto(live_server.url + url)
            fits = page.evaluate("""() => {
                const main = document.querySelector('main');
                return [main.scrollHeight - main.clientHeight, document.documentElement.scrollWidth - innerWidth];
            }""")
            assert fits[0] <= 0 and fits[1] <= 0, f"{name} at {size_name}: {fits[0]}px down, {fits[1]}px across"
            shot(page, f"trips-{name}-{size_name}")


def test_a_full_trip_takes_a_waiting_list_and_the_desk_gives_a_freed_seat_with_its_ticket(live_server, page):
    add_volunteer(live_server.app, name="陈站长", pin="135790", role="manager")
    trip = define_trip(live_server.app, seats=2)
    book_directly(live_server.app, trip, "13911110001", 1)
    _, leaving = book_directly(live_server.app, trip, "13922220002", 1)
    # At the kiosk: the trip is full; the worker joins the waiting list with their phone.
    page.goto(f"{live_server.url}/trips/{trip.id}")
    page.locator("#trip-full").wait_for()
    page.locator("label.seat-count", has_text="1").tap()
    shot(page, "trips-full-waiting-list")
    page.locator("#wait-submit").tap()
    page.locator("#trip-who").wait_for()
    page.locator("#switch-kind").tap()
    page.locator("#trip-who").wait_for()
    assert "登记候补 1 个座位" in page.locator("#who-submit").inner_text()
    for key in "13933330003":
        page.locator(f'.keypad [data-key="{key}"]').tap()
    page.locator("#who-submit").tap()
    page.locator("#trip-waiting").wait_for()
    assert page.locator("#waiting-place").inner_text() == "1"
    shot(page, "trips-waiting-place")
    fits = page.evaluate("() => document.querySelector('main').scrollHeight - document.querySelector('main').clientHeight")
    assert fits <= 0, f"{fits}px to scroll at 1024×600"
    page.locator("#waiting-done").tap()
    page.locator("#tile-trip").wait_for()

    # At the desk, on a phone: a booking is taken back, the seat goes to the first on the list.
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, name="陈站长", pin="135790")
    page.goto(f"{live_server.url}/volunteer/trips/{trip.id}")
    page.locator("#waiting-list").wait_for()
    assert "手机尾号0003" in page.locator("#waiting-list").inner_text()
    with live_server.app.app_context(), database.connection_context():
        entry = trips.WaitEntry.get(trips.WaitEntry.trip == trip.id)
    assert page.locator(f"#seat-waiting-{entry.id}").is_disabled()  # no free seat yet
    page.locator(f"#release-{leaving.id}").tap()
    page.locator(f"#release-confirm-{leaving.id}").tap()
    page.locator(f"#booking-{leaving.id}").wait_for(state="detached")
    shot(page, "trips-waiting-list-phone", full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{overflow}px sideways scroll at 360 wide"
    page.locator(f"#seat-waiting-{entry.id}").tap()
    page.locator("#waiting-list").wait_for(state="detached")
    assert "手机尾号0003" in page.locator(".bookings").inner_text()
    shot(page, "trips-waiting-seated-phone", full_page=True)
    with live_server.app.app_context(), database.connection_context():
        seated = trips.Booking.get(trips.Booking.trip == trip.id, trips.Booking.person_hash == entry.person_hash)
        assert trips.seat_numbers_text(seated) == "2"
        assert trips.print_job(seated) is not None


def test_a_seat_ticket_scanned_on_the_console_home_opens_its_boarding_and_boards_with_one_tap(live_server, page):
    add_volunteer(live_server.app)
    trip = define_trip(live_server.app)
    codes, _ = book_directly(live_server.app, trip, "13911110001", 1)
    sign_in(page, live_server)
    for size in (VIEWPORTS["kiosk"], PHONE):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}/volunteer/")
        page.locator("body[data-scan-ready]").wait_for(state="attached")
        page.locator("#console-scan").fill(codes[0])
        page.locator("#console-scan").press("Enter")
        page.locator("#scanned-seat").wait_for()
        assert "1 号座" in page.locator("#scanned-seat").inner_text()
        assert "手机尾号0001" in page.locator("#scanned-seat").inner_text()
        shot(page, f"trips-console-scan-{size['width']}")
        if size is PHONE:
            page.locator("#board-scanned").tap()
            page.locator("#scan-result", has_text="1 号座 已上车").wait_for()
            assert page.locator("#board-count").inner_text().startswith("1/1")
            shot(page, "trips-console-scan-boarded-phone")
    page.goto(f"{live_server.url}/volunteer/")
    page.locator("#console-scan").fill(codes[0])
    page.locator("#console-scan").press("Enter")
    page.locator("#scanned-seat").wait_for()
    assert page.locator("#board-scanned").count() == 0  # already on board: nothing to tap
