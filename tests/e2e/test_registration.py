"""Registration as a worker does it: taps only, in a real Chromium at 1024×600."""

import pytest

from kiosk.models import database
from kiosk.registration import Registration
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.conftest import screenshot

MOST_TAPS = 6


class Taps:
    """Taps on the touchscreen, counted: the issue allows six for a first-time worker."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def button(self, name, **options):
        self.count += 1
        self.page.get_by_role("button", name=name, **options).tap()

    def link(self, name):
        self.count += 1
        self.page.get_by_role("link", name=name).tap()

    def keys(self, step, text):
        for key in text:
            self.page.locator(f"#{step} [data-key='{key}']").tap()


def saved(server):
    with server.app.app_context(), database.connection_context():
        return [(r.direction, r.home_code, r.destination_code) for r in Registration.select()]


def step(page, name):
    page.locator(f"section#{name}").wait_for()


def coming_home_to_the_station_county(page, server):
    """Open registration and reach the summary by the shortest path; return the tap counter."""
    page.goto(f"{server.url}/register")
    taps = Taps(page)
    taps.button("返乡")
    taps.button("乐山市 市中区")
    step(page, "summary")
    return taps


def test_coming_home_by_taps_only_in_at_most_six_taps(live_server, page):
    page.goto(live_server.url)
    taps = Taps(page)
    taps.link("登记")
    step(page, "direction")
    taps.button("返乡")
    step(page, "prefecture")
    taps.button("乐山市", exact=True)
    step(page, "county")
    screenshot(page, "reg-county-leshan")
    taps.button("犍为县")
    step(page, "summary")
    screenshot(page, "reg-summary-home")
    taps.button("确认登记")
    step(page, "done")
    screenshot(page, "reg-done")
    assert taps.count <= MOST_TAPS
    assert page.get_by_role("heading", name="登记成功，谢谢您！").is_visible()
    assert page.get_by_role("link", name="领取礼包").is_visible()
    assert saved(live_server) == [("home", "511123", None)]


def test_going_to_work_by_taps_only_in_at_most_six_taps(live_server, page):
    page.goto(live_server.url)
    taps = Taps(page)
    taps.link("登记")
    step(page, "direction")
    screenshot(page, "reg-direction")
    taps.button("返岗")
    step(page, "prefecture")
    screenshot(page, "reg-prefecture")
    taps.button("成都市")
    step(page, "county")
    screenshot(page, "reg-county-chengdu")
    taps.button("双流区")
    step(page, "destination")
    screenshot(page, "reg-destination")
    taps.button("广东")
    step(page, "summary")
    screenshot(page, "reg-summary-work")
    taps.button("确认登记")
    step(page, "done")
    assert taps.count <= MOST_TAPS
    assert saved(live_server) == [("work", "510116", "440000")]


def test_a_wrong_checksum_id_is_refused_with_a_message_then_the_right_one_is_kept(live_server, page):
    taps = coming_home_to_the_station_county(page, live_server)
    taps.button("身份证")
    step(page, "consent")
    screenshot(page, "reg-consent")
    taps.button("同意", exact=True)
    step(page, "id_number")
    taps.keys("id_number", "11010519491231002")
    assert page.locator("#id_number [data-key='X']").is_enabled()  # X only as the 18th character
    taps.keys("id_number", "1")
    assert page.locator(".keypad-display").inner_text() == "110105 19491231 0021"
    taps.button("确定")
    alert = page.locator("#alerts .alert")
    alert.wait_for()
    assert "身份证号不正确，请逐位核对。" in alert.inner_text()
    screenshot(page, "reg-id-wrong-checksum")
    taps.keys("id_number", ["back", "X"])
    assert alert.is_hidden() or page.locator("#alerts").inner_text() == ""
    taps.button("确定")
    step(page, "summary")
    assert page.get_by_role("button", name="…002X").is_visible()
    assert page.locator("#alerts").inner_text() == ""
    screenshot(page, "reg-summary-with-id")


def test_other_documents_and_phone_use_their_own_keypads(live_server, page):
    page.goto(f"{live_server.url}/register")
    taps = Taps(page)
    taps.button("返岗")
    taps.button("乐山市 市中区")
    taps.button("福建")
    taps.button("手机号")
    taps.button("同意", exact=True)
    step(page, "phone")
    taps.keys("phone", "1380013800")
    screenshot(page, "reg-phone")
    taps.keys("phone", "0")
    taps.button("确定")
    step(page, "summary")
    taps.button("身份证")
    step(page, "id_number")  # consent is asked once per registration
    taps.button("其他证件")
    step(page, "other_document")
    taps.keys("other_document", "H12345678")
    screenshot(page, "reg-other-document")
    taps.button("确定")
    step(page, "summary")
    assert page.get_by_role("button", name="…8000").is_visible()
    assert page.get_by_role("button", name="…5678").is_visible()


def test_idle_reset_mid_flow_returns_home_and_forgets_the_form(serve, page):
    server = serve(IDLE_SECONDS=3, IDLE_WARNING_SECONDS=2)
    page.goto(server.url)
    taps = Taps(page)
    taps.link("登记")
    taps.button("返岗")
    taps.button("乐山市 市中区")
    taps.button("广东")
    taps.button("手机号")
    taps.button("同意", exact=True)
    taps.keys("phone", "138")
    page.get_by_role("alertdialog").wait_for(state="visible", timeout=5_000)
    page.wait_for_url(f"{server.url}/", timeout=5_000)
    page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for()
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    confirm = page.request.post(f"{server.url}/register/confirm", headers={"HX-Request": "true", "X-CSRFToken": csrf})
    assert confirm.status == 400 and "请从第一步重新开始登记" in confirm.text()  # the draft went with the session
    taps.link("登记")
    step(page, "direction")
    assert saved(server) == []


def test_a_double_tap_on_confirm_saves_one_registration(live_server, page):
    coming_home_to_the_station_county(page, live_server)
    page.locator("button.reg-go").evaluate("button => { button.click(); button.click(); }")
    step(page, "done")
    page.wait_for_timeout(300)
    assert saved(live_server) == [("home", "511102", None)]


def test_a_second_tap_just_after_a_swap_does_not_choose_on_the_next_screen(live_server, page):
    page.goto(f"{live_server.url}/register")
    page.wait_for_timeout(400)  # the page's own settle time after the tile tap
    box = page.get_by_role("button", name="返乡").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    step(page, "prefecture")
    page.touchscreen.tap(x, y)  # lands where a prefecture button now is
    page.wait_for_timeout(400)
    assert page.locator("section#prefecture").is_visible()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_every_step_fits_the_screen_with_large_targets(live_server, page, size):
    page.set_viewport_size(VIEWPORTS[size])
    page.goto(f"{live_server.url}/register")
    taps = Taps(page)

    def check(name):
        step(page, name)
        page.wait_for_timeout(350)  # the settle animation
        overflow = page.evaluate(
            "[document.documentElement.scrollHeight - innerHeight, document.documentElement.scrollWidth - innerWidth,"
            " document.querySelector('main').scrollHeight - document.querySelector('main').clientHeight]"
        )
        assert overflow == [0, 0, 0], (size, name)
        too_small = page.evaluate(
            """[...document.querySelectorAll('main button, main a, main label')]
                 .filter(e => e.offsetParent !== null)
                 .map(e => [e.innerText, e.getBoundingClientRect()])
                 .filter(([text, box]) => box.width < 56 || box.height < 56)
                 .map(([text, box]) => text)"""
        )
        assert too_small == [], (size, name)
        if size == "full_hd":
            screenshot(page, f"reg-{name}-1920x1080")

    check("direction")
    taps.button("返岗")
    check("prefecture")
    taps.button("成都市")
    check("county")
    taps.button("龙泉驿区")
    check("destination")
    taps.button("新疆")
    check("summary")
    taps.button("城市")
    check("city")
    taps.button("不确定")
    taps.button("找工作")
    check("intention")
    taps.button("确定")
    taps.button("同行家人")
    check("party")
    taps.button("确定")
    taps.button("身份证")
    check("consent")
    taps.button("同意", exact=True)
    check("id_number")
    taps.button("其他证件")
    check("other_document")
    taps.button("返回")
    step(page, "id_number")  # each Back is a swap; a second tap before it lands is dropped by design
    taps.button("返回")
    step(page, "summary")
    taps.button("手机号")
    check("phone")
    taps.button("返回")
    taps.button("确认登记")
    check("done")


def test_the_flow_reads_in_english_and_still_fits(live_server, page):
    page.goto(live_server.url)
    page.get_by_role("button", name="English").tap()
    page.get_by_role("link", name="Register").tap()
    step(page, "direction")
    screenshot(page, "reg-direction-english")
    page.get_by_role("button", name="Going to work").tap()
    page.get_by_role("button", name="乐山市 市中区").tap()
    page.get_by_role("button", name="广东").tap()
    step(page, "summary")
    page.get_by_role("button", name="Phone").tap()
    step(page, "consent")
    screenshot(page, "reg-consent-english")
    page.get_by_role("button", name="No, skip").tap()
    step(page, "summary")
    screenshot(page, "reg-summary-english")
    overflow = page.evaluate("document.querySelector('main').scrollHeight - document.querySelector('main').clientHeight")
    assert overflow == 0
