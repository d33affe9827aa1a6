"""The console home and the day report name counts in the glossary's words, and the longer words still fit.

kiosk/metrics.py names every count; on the kiosk's 1024×600 screen, a tablet
held either way and the office's 1920×1080 the stock table and the day's
figures must not run off the screen.
"""

import pytest
from playwright.sync_api import expect

from kiosk import metrics
from tests.conftest import add_volunteer
from tests.e2e.conftest import screenshot
from tests.e2e.test_day_report import sign_in_manager
from tests.e2e.test_day_report import stock

SIZES = {"1024x600": {"width": 1024, "height": 600}, "800x1280": {"width": 800, "height": 1280},
         "1280x800": {"width": 1280, "height": 800}, "1920x1080": {"width": 1920, "height": 1080}}


def fits(locator):
    return locator.evaluate("e => e.getBoundingClientRect().right <= document.documentElement.clientWidth + 1")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_day_report_and_console_speak_the_glossary_and_fit(page, live_server, size):
    add_volunteer(live_server.app, name="李站长", pin="135792", role="manager")
    stock(live_server.app)
    page.set_viewport_size(SIZES[size])
    sign_in_manager(page, live_server)

    overview = page.locator("#overview")
    for key in ("registrations.home", "registrations.work", "vouchers.issued", "vouchers.redeemed",
                "luggage.in_custody", "tallies"):
        expect(overview.locator(".figures")).to_contain_text(metrics.get(key).zh)
    expect(page.locator("#level-warm")).to_contain_text("可发礼包 20 / 礼包库存 20")
    assert fits(overview.locator(".figures")) and fits(page.locator("#level-warm"))
    overview.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot(page, f"glossary-console-{size}")), full_page=True)

    page.locator("#open-day-report").tap() if size != "1920x1080" else page.locator("#open-day-report").click()
    page.wait_for_url("**/volunteer/day/**")
    page.locator("#day-report").wait_for()
    table = page.locator("#stock-warm").locator("xpath=ancestor::table")
    headers = [" ".join(h.split()) for h in table.locator("thead th").all_inner_texts()]
    assert [h.replace("\xa0", " ") for h in headers] == ["礼包", "期初库存", "+ 礼包入库", "− 礼包出库", "− 已发礼包", "= 礼包库存", "核对",
                       "已开凭证", "未领凭证", "可发礼包"]
    expect(page.locator("#luggage-in_custody th")).to_have_text("在寄行李")
    expect(page.locator("#luggage-title")).to_have_text("行李看护")
    expect(page.locator("#served-title")).to_have_text("服务人次")
    assert fits(page.locator(".report-grid")) and fits(table)
    page.screenshot(path=str(screenshot(page, f"glossary-day-report-{size}")), full_page=True)
    table.scroll_into_view_if_needed()
    page.locator("#stock-title").locator("xpath=..").screenshot(path=str(screenshot(page, f"glossary-stock-{size}")))

    page.get_by_role("button", name="English").click()
    expect(page.locator("#luggage-title")).to_have_text("Left luggage")
    expect(page.locator("#luggage-in_custody th")).to_have_text("Bags in custody")
    expect(page.locator("#reg-title")).to_have_text("Registrations")
    assert fits(page.locator(".report-grid"))
    page.screenshot(path=str(screenshot(page, f"glossary-day-report-en-{size}")), full_page=True)
