"""The console on the kiosk itself: a name typed in pinyin on the vendored on-screen keyboard."""

from tests.conftest import add_volunteer
from tests.e2e.test_volunteer_sign_in import tap_pin

SHOTS = "/tmp/field-shots"


def tap_keys(page, keys):
    for key in keys:
        page.locator(f'#osk .hg-button[data-skbtn="{key}"]').tap()


def test_a_manager_at_the_kiosk_adds_a_volunteer_by_pinyin(page, live_server):
    add_volunteer(live_server.app, name="陈站长", pin="246813", role="manager")
    page.goto(f"{live_server.url}/volunteer/")
    page.get_by_role("link", name="陈站长").tap()
    tap_pin(page, "246813")
    page.get_by_role("button", name="登录").tap()
    page.get_by_role("link", name="志愿者名单").tap()
    page.locator('input[name="name"]').tap()
    page.locator("#osk").wait_for()
    tap_keys(page, "wang")
    page.locator(".hg-candidate-box-list-item", has_text="王").first.tap()
    tap_keys(page, "fang")
    page.screenshot(path=f"{SHOTS}/osk-pinyin-candidates-1024x600.png")
    page.locator(".hg-candidate-box-list-item", has_text="芳").first.tap()
    assert page.locator('input[name="name"]').input_value() == "王芳"
    page.locator('#osk .hg-button[data-skbtn="{done}"]').tap()
    assert page.locator("#osk").is_hidden()
    page.screenshot(path=f"{SHOTS}/osk-name-typed-1024x600.png")


def test_a_tablet_on_the_network_gets_no_onscreen_keyboard(page, serve):
    server = serve(ONSCREEN_KEYBOARD=False)
    add_volunteer(server.app, name="陈站长", pin="246813", role="manager")
    page.goto(f"{server.url}/volunteer/")
    assert page.locator("body[data-osk]").count() == 0
