"""Left luggage in a real browser on the kiosk's 1024×600 screen, CSRF on."""

import re

from kiosk import luggage
from kiosk import stations
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.conftest import screenshot
from tests.e2e.test_volunteer_sign_in import tap_pin


def sign_in(page, server, name="王芳", pin="2468"):
    page.goto(f"{server.url}/volunteer/")
    page.get_by_role("link", name=name).tap()
    tap_pin(page, pin)
    page.get_by_role("button", name="登录").tap()
    page.get_by_role("heading", name=f"您好，{name}").wait_for()


def assert_fits_the_screen(page):
    overflow = page.evaluate("document.querySelector('main').scrollHeight - document.querySelector('main').clientHeight")
    assert overflow <= 0, f"{overflow}px scroll at 1024×600"


def test_two_bags_are_checked_in_printed_and_handed_back_one_at_a_time(page, live_server):
    add_volunteer(live_server.app)
    sign_in(page, live_server)
    page.locator("#open-luggage").tap()
    page.get_by_role("heading", name="行李寄存").wait_for()
    page.locator("#start-check-in").tap()
    page.get_by_role("heading", name="寄存行李").wait_for()
    page.locator("#add-suitcase").tap()
    page.get_by_text("第1件：行李箱").wait_for()
    page.locator("#add-woven_bag").tap()
    page.get_by_text("第2件：编织袋").wait_for()
    tap_pin(page, "4321")
    assert page.locator("#phone-shown").inner_text() == "4321"
    assert_fits_the_screen(page)
    screenshot(page, "luggage-check-in")

    page.locator("#check-in-submit").tap()
    page.locator("#slips").wait_for()
    assert page.locator("#slips img.slip").count() == 3  # the printer's previews: ticket + 2 tags
    code = page.locator("#ticket-title").inner_text().removeprefix("凭证 ")
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    page.wait_for_function("() => [...document.querySelectorAll('#slips img')].every(i => i.complete && i.naturalWidth > 300)")
    assert_fits_the_screen(page)
    screenshot(page, "luggage-printed")
    page.set_viewport_size(VIEWPORTS["full_hd"])
    screenshot(page, "luggage-printed-full-hd")
    page.set_viewport_size(VIEWPORTS["kiosk"])

    page.get_by_role("link", name="完成").tap()
    page.locator("#shelf-1").get_by_text("2件").wait_for()
    screenshot(page, "luggage-board")
    page.locator("#scan").fill(code.lower())
    page.locator("#scan").press("Enter")
    page.get_by_role("heading", name=f"凭证 {code}").wait_for()
    assert page.locator("#ticket-shelf").inner_text() == "A"
    page.get_by_text("第1件/共2件：行李箱").tap()
    screenshot(page, "luggage-claim")
    page.locator("#hand-back").tap()
    page.get_by_role("status").filter(has_text="已归还：第1件").wait_for()
    assert page.locator("#ticket-state").inner_text() == "寄存中"
    page.get_by_text("第2件/共2件：编织袋").tap()
    page.locator("#hand-back").tap()
    page.get_by_role("status").filter(has_text="行李已全部归还").wait_for()
    assert page.locator("#ticket-state").inner_text() == "已关闭"
    screenshot(page, "luggage-closed")


def test_a_lost_ticket_is_released_only_with_the_managers_pin(page, live_server):
    app = live_server.app
    volunteer = add_volunteer(app)
    add_volunteer(app, name="陈站长", pin="864297", role="manager")
    with app.app_context(), database.connection_context():
        rules = luggage.Rules.from_config(app.config)
        keys = luggage.Keys(stations.current().kiosk_id, app.config["SIGNING_KEY"], app.config["PII_KEY"])
        due = luggage.pickup_choices(rules)[-1][0]
        luggage.check_in(["woven_bag", "box"], "B", due, "4321", volunteer, rules, keys)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/volunteer/luggage/")
    page.locator("#start-lost").tap()
    page.get_by_role("heading", name="凭证丢失").wait_for()
    page.get_by_text("编织袋").tap()
    tap_pin(page, "4321")
    page.locator("#lost-search").tap()
    page.get_by_text("手机尾号相符").wait_for()
    assert_fits_the_screen(page)
    screenshot(page, "luggage-lost-search")
    page.get_by_text("手机尾号相符").tap()
    page.get_by_role("heading", name="无凭证放行").wait_for()
    page.locator(".chip", has_text="凭证丢失").tap()
    tap_pin(page, "1111")
    page.locator("#release-submit").tap()
    page.get_by_role("alert").filter(has_text="还可以再试 4 次").wait_for()
    assert_fits_the_screen(page)
    screenshot(page, "luggage-release-wrong-pin")
    tap_pin(page, "864297")
    page.locator("#release-submit").tap()
    page.get_by_role("status").filter(has_text="已经站长批准放行").wait_for()
    assert page.locator("#ticket-state").inner_text() == "已关闭"
    screenshot(page, "luggage-released")


def test_the_luggage_tile_tells_a_worker_to_see_a_volunteer(page, live_server):
    page.goto(live_server.url)
    page.locator("#tile-luggage").tap()
    page.get_by_role("heading", name="行李寄存看护").wait_for()
    assert "现在还可以寄存32件行李" in page.locator("#luggage-room").inner_text()
    assert_fits_the_screen(page)
    screenshot(page, "luggage-worker-info")
