"""The office dashboard in a real browser: sign in, chart drawn, filters swap the report, no CSP errors."""

import datetime

import pytest

from kiosk import counts
from kiosk import simulate
from kiosk.central import create_app as create_central_app
from kiosk.central import pull
from kiosk.central import registry
from kiosk.central import users
from kiosk.central.models import database as central_db
from kiosk.models import database as kiosk_db
from tests.conftest import make_app
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.conftest import LiveServer
from tests.e2e.conftest import screenshot

UNTIL = datetime.date(2027, 2, 12)
# Functions, not expressions: Playwright compiles an expression with eval on
# every poll, which the Content-Security-Policy (rightly) refuses.
CHART_DRAWN = "() => window.Chart && Chart.getChart(document.querySelector('.chart-canvas'))"
CHART_DAYS = "(days) => Chart.getChart(document.querySelector('.chart-canvas'))?.data.labels.length === days"
OFFICE_USER = "陈静"
PASSWORD = "correct horse battery"


@pytest.fixture
def office(tmp_path):
    """A central office with a week of one simulated kiosk, imported from a bundle."""
    kiosk = make_app(tmp_path / "kiosk")
    with kiosk.app_context(), kiosk_db.connection_context():
        simulate.simulate(7, UNTIL, scale=0.3, seed=3)
        with counts.write_transaction():
            counts.add("registrations", UNTIL, 1, direction="home", county="511102", destination="440300")
        from kiosk import sync

        sync.write_bundle(tmp_path / "bundle.json", kiosk.config["SYNC_TOKEN"])
    app = create_central_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "central"), "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}"}
    )
    with app.app_context(), central_db.connection_context():
        registry.register("乐山客运中心站 1号机", "-", kiosk.config["SYNC_TOKEN"])
        registry.register("峨眉山站 2号机", "http://127.0.0.1:9", "t" * 32)
        pull.import_bundle(tmp_path / "bundle.json")
        users.add(OFFICE_USER, PASSWORD)
    with LiveServer(app) as server:
        yield server


def sign_in(page, url):
    """Open a dashboard URL, which lands on the sign-in page, and sign in to come back to it."""
    page.goto(url)
    page.wait_for_url("**/sign-in?next=**")
    page.fill("input[name=name]", OFFICE_USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_url(url)


def test_the_dashboard_draws_the_week_and_the_filters_swap_the_report(office, page):
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    sign_in(page, f"{office.url}/?from=2027-02-06&to={UNTIL.isoformat()}")
    page.wait_for_function(CHART_DRAWN)
    assert page.locator(".warning").first.inner_text().startswith("峨眉山站 2号机")
    screenshot(page, "central-dashboard-1024x600")
    page.select_option("select[name=station]", "leshan-kyzx")
    page.fill("input[name=from]", "2027-02-10")
    page.click("button[type=submit].button-primary")
    page.wait_for_url("**from=2027-02-10**")
    page.wait_for_function(CHART_DAYS, arg=3)
    assert "2027-02-10 至 2027-02-12 合计" in page.locator("#report-title").inner_text()
    assert page.locator("#by-day tbody tr").count() == 3
    assert problems == [], problems


def test_the_dashboard_at_full_hd(office, browser):
    context = browser.new_context(viewport=VIEWPORTS["full_hd"], locale="zh-CN")
    page = context.new_page()
    sign_in(page, f"{office.url}/?from=2027-02-06&to={UNTIL.isoformat()}")
    page.wait_for_function(CHART_DRAWN)
    screenshot(page, "central-dashboard-1920x1080")
    page.click("button[value=en]")
    page.wait_for_function(CHART_DRAWN)
    assert "Arriving home" in page.locator("#report").inner_text()
    screenshot(page, "central-dashboard-english-1920x1080")
    context.close()


def test_a_wrong_password_is_shown_and_signing_out_closes_the_dashboard(office, page):
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{office.url}/")
    page.fill("input[name=name]", OFFICE_USER)
    page.fill("input[name=password]", "wrong password")
    page.click("#sign-in button[type=submit]")
    assert "用户名或密码错误" in page.locator("#sign-in-error").inner_text()
    assert page.locator("input[name=name]").input_value() == OFFICE_USER
    screenshot(page, "central-sign-in-1024x600")
    problems.clear()  # the refusal itself is a 403, which the console reports
    page.fill("input[name=password]", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_function(CHART_DRAWN)
    assert OFFICE_USER in page.locator("#sign-out").inner_text()
    page.click("#sign-out button")
    page.wait_for_url("**/sign-in")
    assert "已退出登录" in page.locator("#sign-in").inner_text()
    page.goto(f"{office.url}/export.csv")
    page.wait_for_url("**/sign-in?next=**")
    assert "乐山" not in page.content()
    assert problems == [], problems
