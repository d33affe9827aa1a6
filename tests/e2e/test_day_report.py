"""A station manager ends the day on a tablet: sees today's numbers, prints the report slip, closes the day."""

from playwright.sync_api import expect

from kiosk import vouchers
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.e2e.conftest import screenshot
from tests.e2e.test_volunteer_sign_in import TABLET
from tests.e2e.test_volunteer_sign_in import tap_pin

SMALL_KIOSK = {"width": 1024, "height": 600}


def stock(app):
    with app.app_context(), database.connection_context():
        vouchers.define_pack("warm", "暖心小礼包", "矿泉水、口罩", no_id_needed=True, low_stock=2)
        vouchers.stock_in("warm", 20, "首批到货")


def sign_in_manager(page, live_server):
    page.goto(f"{live_server.url}/volunteer/")
    page.get_by_role("link", name="李站长").tap()
    tap_pin(page, "135792")
    page.get_by_role("button", name="登录").tap()


def test_manager_sees_counts_change_prints_the_day_report_and_closes_the_day(page, live_server):
    add_volunteer(live_server.app, name="李站长", pin="135792", role="manager")
    stock(live_server.app)
    page.set_viewport_size(TABLET)
    sign_in_manager(page, live_server)

    served = page.locator("#today-served")
    expect(served).to_have_text("0")
    expect(page.locator("#level-warm")).to_contain_text("可发礼包 20 / 礼包库存 20")  # the glossary's words
    page.locator(".chip", has_text="3").tap()
    page.locator("#tally-tea_water").tap()
    expect(served).to_have_text("3")  # the overview follows the tally without a reload
    screenshot(page, "console-overview")

    page.locator("#open-day-report").tap()
    page.get_by_role("heading", name="日结报表").wait_for()
    expect(page.locator("#served-tea_water")).to_have_text("3")
    expect(page.locator("#stock-warm [data-count=on_hand]")).to_have_text("20")
    page.locator("#print-report").tap()
    preview = page.locator("#slip-preview img")
    expect(preview).to_be_visible()
    assert preview.evaluate("img => img.naturalHeight") > 300  # a real slip, not a placeholder
    screenshot(page, "day-report-printed")

    page.locator("#close-day").tap()
    page.locator("#confirm-close").tap()
    expect(page.locator(".day-state")).to_contain_text("李站长")
    expect(page.locator("#add-correction")).to_be_visible()
    page.get_by_role("textbox", name="原因").fill("纸质登记表补录")
    page.get_by_role("spinbutton", name="人数").fill("2")
    page.locator("#add-correction").tap()
    expect(page.locator(".corrections")).to_contain_text("纸质登记表补录")
    screenshot(page, "day-report-closed")


def test_a_correction_without_reason_gets_a_clear_message(page, live_server):
    add_volunteer(live_server.app, name="李站长", pin="135792", role="manager")
    page.set_viewport_size(SMALL_KIOSK)
    sign_in_manager(page, live_server)
    page.locator("#overview").wait_for()
    screenshot(page, "console-home-1024x600")
    page.locator("#open-day-report").tap()
    page.locator("#close-day").tap()
    page.locator("#confirm-close").tap()
    expect(page.locator("#add-correction")).to_be_visible()

    page.get_by_role("textbox", name="原因").fill("   ")  # spaces pass the browser's "required", not ours
    page.locator("#add-correction").tap()

    expect(page.locator("#alerts")).to_contain_text("请填写原因")
    assert page.locator(".corrections").count() == 0
    screenshot(page, "day-report-correction-refused")

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.get_by_role("button", name="English").tap()
    page.get_by_role("heading", name="Day report").wait_for()
    expect(page.locator(".day-state")).to_contain_text("This report is final")
    screenshot(page, "day-report-english-1920x1080")
