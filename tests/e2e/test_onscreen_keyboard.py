"""The console on the kiosk itself: a name typed in pinyin on the vendored on-screen keyboard."""

from tests.conftest import add_volunteer
from tests.e2e.test_volunteer_sign_in import tap_pin

SHOTS = "/tmp/field-shots"


def tap_keys(page, keys):
    for key in keys:
        page.locator(f'#osk .hg-button[data-skbtn="{key}"]').tap()


def word_tables_fetched(page):
    return page.evaluate("performance.getEntriesByType('resource').some(e => e.name.includes('pinyin-phrases'))")


def open_the_roster_and_tap_the_name_field(page, server):
    """A manager signs in at the kiosk, opens 志愿者名单 and taps the new volunteer's name: the keyboard opens."""
    add_volunteer(server.app, name="陈站长", pin="246813", role="manager")
    page.goto(f"{server.url}/volunteer/")
    page.get_by_role("link", name="陈站长").tap()
    tap_pin(page, "246813")
    page.get_by_role("button", name="登录").tap()
    page.get_by_role("link", name="志愿者名单").tap()
    field = page.locator('input[name="name"]')
    field.wait_for()
    # The pinyin word tables (about 180 kB) come with the first tap on a field, not with every page.
    assert not word_tables_fetched(page)
    field.tap()
    page.locator("#osk").wait_for()
    assert word_tables_fetched(page)
    return field


def test_a_manager_at_the_kiosk_adds_a_volunteer_by_pinyin(page, live_server):
    open_the_roster_and_tap_the_name_field(page, live_server)
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


def test_a_reason_is_typed_by_words_not_only_one_character_at_a_time(page, live_server, capsys):
    """证件丢失: two words of pinyin, two picks (four with single characters)."""
    import time

    from playwright.sync_api import expect

    field = open_the_roster_and_tap_the_name_field(page, live_server)
    started = time.monotonic()
    tap_keys(page, "zhengjian")
    per_key = (time.monotonic() - started) / len("zhengjian")
    page.locator(".hg-candidate-box-list-item", has_text="证件").first.tap()
    tap_keys(page, "diushi")
    page.screenshot(path=f"{SHOTS}/osk-word-candidates-1024x600.png")
    page.locator(".hg-candidate-box-list-item", has_text="丢失").first.tap()
    assert field.input_value() == "证件丢失"
    tap_keys(page, "xian")  # a syllable that is also a word (西安): the characters come first
    expect(page.locator(".hg-candidate-box-list-item").first).to_have_text("现")
    with capsys.disabled():
        print(f"\n[osk] a tap with {len('zhengjian')} keys of pinyin: {per_key * 1000:.0f} ms a key, browser round trip included")
