"""A worker takes a gift pack at the kiosk; a volunteer scans the voucher and hands it out."""

import pytest

from kiosk import clock
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.conftest import screenshot
from tests.e2e.test_registration import coming_home_to_the_station_county
from tests.e2e.test_registration import step
from tests.e2e.test_volunteer_sign_in import TABLET
from tests.e2e.test_volunteer_sign_in import tap_pin
from tests.vouchers_factory import stock_station


@pytest.fixture
def station(live_server):
    with live_server.app.app_context(), database.connection_context():
        stock_station(warm=3, ret=2, starts=clock.local_day())
    add_volunteer(live_server.app, name="王芳", pin="2468")
    return live_server


def fits_without_scrolling(page):
    # Measured once the web fonts are in: a fallback font's wider glyphs overflowed for a moment under load.
    return page.evaluate("document.fonts.ready.then(() => { const m = document.querySelector('main'); "
                         "return m.scrollHeight <= m.clientHeight; })")


def take_warm_pack(page, url, suffix=""):
    page.goto(url)
    page.locator("#tile-pack").tap()
    page.get_by_role("heading", name="领取礼包").wait_for()
    assert fits_without_scrolling(page)
    screenshot(page, "packs-choose" + suffix)
    page.locator("#pack-warm").get_by_role("button", name="领取").tap()
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    assert fits_without_scrolling(page)
    screenshot(page, "packs-voucher" + suffix)
    return page.locator("#ticket-preview").get_attribute("data-payload")


def open_desk(new_page, url, name="王芳", pin="2468"):
    """Sign a volunteer in on a tablet (a window from the new_page fixture) and open the gift-pack desk."""
    desk = new_page(TABLET, has_touch=True)
    desk.goto(f"{url}/volunteer/")
    desk.get_by_role("link", name=name).tap()
    tap_pin(desk, pin)
    desk.get_by_role("button", name="登录").tap()
    desk.get_by_role("link", name="礼包发放台").tap()
    desk.get_by_role("heading", name="礼包发放台").wait_for()
    scan_box_ready(desk)
    return desk


def scan_box_ready(desk):
    """Wait until the page has loaded and the scan box listens: a scanner's first key must not race the load."""
    desk.wait_for_load_state("load")
    desk.wait_for_function("document.body.dataset.scanReady === 'true'")


def register_with_a_phone(page, server):
    """Register by taps (registration's own shortest path, plus a phone), then follow the link to the packs."""
    taps = coming_home_to_the_station_county(page, server)
    taps.button("手机号")
    taps.button("同意", exact=True)
    taps.keys("phone", "13800138000")
    taps.button("确定")
    step(page, "summary")
    taps.button("确认登记")
    step(page, "done")
    taps.link("领取礼包")
    page.get_by_role("heading", name="领取礼包").wait_for()


def test_a_registered_worker_takes_a_pack_and_a_volunteer_scans_and_hands_it_out(new_page, page, station):
    register_with_a_phone(page, station)
    assert page.locator("#pack-return").get_by_role("button", name="领取").is_visible()  # registered: ID-only pack too
    page.locator("#pack-return").get_by_role("button", name="领取").tap()
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    assert fits_without_scrolling(page)
    screenshot(page, "packs-voucher-after-registration")
    payload = page.locator("#ticket-preview").get_attribute("data-payload")
    assert page.locator("#ticket-preview img").evaluate("img => img.complete && img.naturalWidth > 300")
    assert payload.split(".")[2] == page.locator("#voucher-code").inner_text().replace("-", "")

    desk = open_desk(new_page, station.url)
    counts = desk.locator("#counts-return")
    assert counts.locator('[data-count="issued"]').inner_text() == "1"
    assert counts.locator('[data-count="reserved"]').inner_text() == "1"

    # A keyboard-wedge scanner types the payload into the focused box and presses Enter.
    assert desk.evaluate("document.activeElement.id") == "scan-box"
    desk.keyboard.type(payload + "\n", delay=5)
    card = desk.locator("#voucher-card")
    card.get_by_role("heading", name="返岗礼包").wait_for()
    screenshot(desk, "desk-scanned")
    desk.get_by_role("button", name="确认发放").tap()
    card.get_by_text("已发放，库存已更新。").wait_for()
    assert counts.locator('[data-count="redeemed"]').inner_text() == "1"
    assert counts.locator('[data-count="reserved"]').inner_text() == "0"
    assert counts.locator('[data-count="available"]').inner_text() == "1"
    screenshot(desk, "desk-handed-out")

    # The same voucher again, from a scanner that sends no Enter: refused, saying when and by whom.
    desk.locator("#scan-box").focus()
    desk.keyboard.type(payload, delay=5)
    card.get_by_text("不要发放").wait_for()
    assert "由王芳发放" in card.inner_text()
    assert counts.locator('[data-count="redeemed"]').inner_text() == "1"
    screenshot(desk, "desk-second-scan-refused")

    # The same phone registers again later: the pack is one per person in the campaign.
    page.locator("#reset-form").evaluate("form => form.submit()")
    page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for()
    register_with_a_phone(page, station)
    assert "每人限领一份" in page.locator("#pack-return").inner_text()


def test_a_typed_code_works_and_a_void_needs_a_reason(new_page, page, station):
    take_warm_pack(page, station.url)
    code = page.locator("#voucher-code").inner_text()
    desk = open_desk(new_page, station.url)
    desk.locator("#scan-box").fill(code.lower())
    desk.get_by_role("button", name="查询").tap()
    desk.locator("#voucher-card").get_by_role("heading", name="暖心小礼包").wait_for()
    desk.get_by_text("作废…").tap()
    desk.get_by_text("打印错误").tap()
    desk.get_by_role("button", name="作废凭证").tap()
    desk.get_by_text("凭证已作废，礼包已退回可发数量。").wait_for()
    assert desk.locator('#counts-warm [data-count="voided"]').inner_text() == "1"


def test_a_volunteer_allows_a_pack_at_the_kiosk_with_pin_and_reason(page, station):
    page.goto(f"{station.url}/packs/")
    page.locator("#pack-return").get_by_role("link", name="请志愿者放行").tap()
    page.get_by_role("heading", name="志愿者：放行返岗礼包").wait_for()
    page.get_by_text("未带证件").tap()
    page.get_by_text("王芳").tap()
    tap_pin(page, "2468")
    assert fits_without_scrolling(page)
    screenshot(page, "packs-override")
    page.get_by_role("button", name="放行并打印").tap()
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    assert "返岗礼包" in page.locator("#voucher").inner_text()


def test_the_voucher_fits_a_full_hd_screen_too(page, station):
    page.set_viewport_size(VIEWPORTS["full_hd"])
    take_warm_pack(page, station.url, suffix="-full-hd")


def test_a_manager_counts_a_delivery_in_on_the_stock_screen(new_page, station):
    add_volunteer(station.app, name="陈站长", pin="864297", role="manager")
    desk = open_desk(new_page, station.url, name="陈站长", pin="864297")
    desk.get_by_role("link", name="库存").tap()
    desk.get_by_role("heading", name="礼包库存").wait_for()
    desk.get_by_label("数量").fill("40")
    desk.get_by_label("原因").fill("区人社局配送")
    desk.get_by_role("button", name="记录").tap()
    desk.wait_for_function("document.querySelector('#stock-warm [data-count=\"on_hand\"]').textContent.trim() === '43'")
    screenshot(desk, "packs-stock")


def test_with_the_printer_out_of_paper_the_worker_is_told_before_taking_a_pack(page, serve):
    server = serve(PRINTER_URL="virtual://?fault=paper_out")
    with server.app.app_context(), database.connection_context():
        stock_station(warm=3, ret=2, starts=clock.local_day())
    page.goto(server.url)
    page.locator("#tile-pack").tap()
    page.locator("#printer-down").wait_for()
    assert page.get_by_role("button", name="领取").count() == 0  # no voucher that cannot print
    assert fits_without_scrolling(page)
    screenshot(page, "packs-printer-out-of-paper")
