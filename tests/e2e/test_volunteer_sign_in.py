"""A volunteer signs in on a tablet with the on-screen PIN pad."""

from tests.conftest import add_volunteer
from tests.e2e.conftest import screenshot

TABLET = {"width": 1280, "height": 800}


def tap_pin(page, pin):
    for digit in pin:
        page.locator(f'.keypad [data-key="{digit}"]').tap()


def test_a_volunteer_signs_in_with_the_pin_pad_and_out_again(page, live_server):
    add_volunteer(live_server.app, name="王芳", pin="2468")
    page.set_viewport_size(TABLET)
    page.goto(live_server.url)
    page.get_by_role("link", name="志愿者").tap()
    page.get_by_role("link", name="王芳").tap()
    page.get_by_role("heading", name="王芳，请输入PIN").wait_for()
    tap_pin(page, "2468")
    assert page.locator("#pin-shown").inner_text() == "●●●●"
    screenshot(page, "volunteer-pin-pad")
    page.get_by_role("button", name="登录").tap()
    page.get_by_role("heading", name="您好，王芳").wait_for()
    screenshot(page, "volunteer-console")
    page.get_by_role("button", name="退出登录").tap()
    page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for()


def test_five_wrong_pins_lock_the_pad(page, live_server):
    add_volunteer(live_server.app, name="王芳", pin="2468")
    page.goto(f"{live_server.url}/volunteer/")
    page.get_by_role("link", name="王芳").tap()
    for attempt in range(5):
        tap_pin(page, "135792")
        page.get_by_role("button", name="登录").tap()
        expected = "请 15 分钟后再试" if attempt == 4 else f"还可以再试 {4 - attempt} 次"
        page.get_by_role("alert").filter(has_text=expected).wait_for()
    tap_pin(page, "2468")
    page.get_by_role("button", name="登录").tap()
    page.get_by_role("alert").filter(has_text="分钟后再试").wait_for()
    screenshot(page, "volunteer-locked")
    assert page.get_by_role("heading", name="您好，王芳").count() == 0
