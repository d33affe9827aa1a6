"""The home screen as a worker sees it, in a real Chromium."""

from tests.e2e.conftest import VIEWPORTS
from tests.e2e.conftest import screenshot


def test_the_home_screen_shows_the_services_in_chinese(page, live_server):
    page.goto(live_server.url)
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", name="欢迎！请点选您需要的服务").is_visible()
    for name in ("登记", "领取礼包", "行李寄存", "服务", "志愿者"):
        assert page.get_by_role("link", name=name).first.is_visible()
    assert page.get_by_text("乐山客运中心站").is_visible()
    screenshot(page, "home-1024x600")


def test_everything_fits_on_one_screen_at_both_kiosk_sizes(page, live_server):
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.goto(live_server.url)
        overflow = page.evaluate(
            "[document.documentElement.scrollHeight - innerHeight, document.documentElement.scrollWidth - innerWidth]"
        )
        assert overflow == [0, 0], label
        for tile in page.locator(".tile:visible, .button:visible").all():
            box = tile.bounding_box()
            assert box["height"] >= 56 and box["width"] >= 56, (label, tile.inner_text())
        screenshot(page, f"home-{size['width']}x{size['height']}")


def test_switching_to_english_and_back(page, live_server):
    page.goto(live_server.url)
    page.get_by_role("button", name="English").tap()
    page.get_by_role("heading", name="Welcome! Tap what you need.").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Gift pack").is_visible()
    screenshot(page, "home-english")
    page.get_by_role("button", name="中文").tap()
    page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for()


def test_idle_timeout_warns_then_returns_home_in_chinese(page, serve):
    server = serve(IDLE_SECONDS=3, IDLE_WARNING_SECONDS=2)
    page.goto(server.url)
    page.get_by_role("button", name="English").tap()
    page.get_by_role("link", name="Luggage").tap()
    page.wait_for_url(f"{server.url}/luggage")
    warning = page.get_by_role("alertdialog")
    warning.wait_for(state="visible", timeout=5_000)
    screenshot(page, "idle-warning")
    page.wait_for_url(f"{server.url}/", timeout=5_000)
    page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for()


def test_a_touch_during_the_warning_keeps_the_person_where_they_are(page, serve):
    server = serve(IDLE_SECONDS=3, IDLE_WARNING_SECONDS=2)
    page.goto(f"{server.url}/soon/register")
    page.get_by_role("alertdialog").wait_for(state="visible", timeout=5_000)
    page.get_by_role("button", name="继续").tap()
    assert page.get_by_role("alertdialog").is_hidden()
    assert page.url == f"{server.url}/soon/register"


def test_an_htmx_error_appears_as_an_alert_in_the_page(page, live_server):
    page.goto(live_server.url)
    page.evaluate("htmx.ajax('POST', '/language', {values: {lang: 'xx'}, target: '#main'})")
    alert = page.locator("#alerts .alert")
    alert.wait_for()
    assert "暂不支持这种语言" in alert.inner_text()
    assert page.get_by_role("heading", name="欢迎！请点选您需要的服务").is_visible()
