"""A station day played out in Chromium: a queue of strangers at one kiosk."""

import pytest

from kiosk import clock
from kiosk import vouchers
from kiosk.models import database
from kiosk.vouchers import Voucher
from tests.e2e.test_vouchers import register_with_a_phone
from tests.vouchers_factory import stock_station

SHOTS = "/tmp/field-shots"


@pytest.fixture
def station(live_server):
    with live_server.app.app_context(), database.connection_context():
        stock_station(warm=5, ret=5, starts=clock.local_day())
    return live_server


def issued(server):
    with server.app.app_context(), database.connection_context():
        return [(v.pack_type.key, v.person_key is not None) for v in Voucher.select().order_by(Voucher.id)]


@pytest.mark.parametrize("way_home", ["back-link", "header", "reset"])
def test_worker_b_after_worker_a_is_a_stranger(page, station, way_home):
    """A registers with a phone and goes home; B, next in the queue, is not A."""
    register_with_a_phone(page, station)
    page.locator("#pack-return").get_by_role("button", name="领取").tap()
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    if way_home == "back-link":
        page.get_by_role("link", name="返回首页").tap()
    elif way_home == "header":
        page.locator("#statusbar .station-name a").tap()
    else:
        page.locator("#reset-form").evaluate("form => form.submit()")
    page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for()

    # Worker B, five seconds later: no ID, no phone.
    page.locator("#tile-pack").tap()
    page.get_by_role("heading", name="领取礼包").wait_for()
    assert page.locator("#pack-return").get_by_role("button", name="领取").count() == 0
    assert page.locator("#pack-warm").get_by_role("button", name="领取").is_visible()
    page.locator("#pack-warm").get_by_role("button", name="领取").tap()
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    page.screenshot(path=f"{SHOTS}/a-then-b-{way_home}.png")
    # B's voucher is anonymous: nothing of A's was used.
    assert issued(station) == [("return", True), ("warm", False)]


def test_a_worker_registered_without_id_is_told_the_truth_not_to_register_again(page, station):
    """登记成功 without phone or ID, then 领取礼包: no 先登记, the reason the ID-only pack needs an ID."""
    from tests.e2e.test_registration import coming_home_to_the_station_county
    from tests.e2e.test_registration import step

    taps = coming_home_to_the_station_county(page, station)
    assert "返岗礼包" in page.locator("#why-id").inner_text()  # the summary says why to type a number
    page.screenshot(path=f"{SHOTS}/summary-why-id.png")
    taps.button("确认登记")
    step(page, "done")
    page.get_by_role("link", name="领取礼包").tap()
    page.get_by_role("heading", name="领取礼包").wait_for()
    assert page.locator("#pack-why-id").is_visible()
    assert page.get_by_role("link", name="先登记").count() == 0
    assert "先登记" not in page.locator("#packs").inner_text()
    page.screenshot(path=f"{SHOTS}/packs-registered-without-id.png")
