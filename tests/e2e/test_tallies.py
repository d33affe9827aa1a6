"""A volunteer counts services on a tablet and undoes a mistaken tap."""

from playwright.sync_api import expect

from tests.conftest import add_volunteer
from tests.e2e.conftest import screenshot
from tests.e2e.test_volunteer_sign_in import TABLET
from tests.e2e.test_volunteer_sign_in import tap_pin


def test_tapping_tallies_changes_the_counts_and_undo_takes_one_back(page, live_server):
    add_volunteer(live_server.app, name="王芳", pin="2468")
    page.set_viewport_size(TABLET)
    page.goto(f"{live_server.url}/volunteer/")
    page.get_by_role("link", name="王芳").tap()
    tap_pin(page, "2468")
    page.get_by_role("button", name="登录").tap()
    tea = page.locator("#tally-tea_water .tally-count")
    assert tea.inner_text() == "0"
    page.locator("#tally-tea_water").tap()
    page.get_by_role("status").filter(has_text="已记录：茶水 × 1").wait_for()
    page.locator(".chip", has_text="4").tap()
    page.locator("#tally-tea_water").tap()
    page.get_by_role("status").filter(has_text="已记录：茶水 × 4").wait_for()
    assert tea.inner_text() == "5"
    screenshot(page, "volunteer-tallies")
    page.get_by_role("button", name="撤销").tap()
    # A locator assertion, not wait_for_function: the CSP forbids the eval a string predicate needs.
    expect(tea).to_have_text("1")


def test_the_worker_screen_lists_services_but_cannot_count_them(page, live_server):
    page.goto(live_server.url)
    page.get_by_role("link", name="服务").first.tap()
    page.get_by_role("heading", name="本站服务").wait_for()
    assert page.get_by_text("茶水").is_visible()
    assert page.locator("button[name=service]").count() == 0
    screenshot(page, "worker-services")
