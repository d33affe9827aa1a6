"""返岗专车 at the office in a real browser: the overdue trip first, in red, at full HD and on a portrait tablet."""

import datetime

import pytest

from kiosk import sync
from kiosk import trips
from kiosk.central import create_app as create_central_app
from kiosk.central import pull
from kiosk.central import registry
from kiosk.central import users
from kiosk.central.models import database as central_db
from kiosk.central.models import utcnow
from kiosk.models import database as kiosk_db
from tests.conftest import make_app
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.conftest import LiveServer
from tests.e2e.conftest import screenshot

OFFICE_USER = "陈静"
PASSWORD = "correct horse battery"
TABLET = {"width": 800, "height": 1280}


@pytest.fixture
def office(tmp_path):
    """One kiosk's bundle with three trips: one 3 h overdue, one on the road, one boarding tomorrow."""
    kiosk = make_app(tmp_path / "kiosk")
    now = utcnow()
    with kiosk.app_context(), kiosk_db.connection_context():
        for mode, dest, left in (("bus", "440300", 5), ("train", "350100", 0.5), ("bus", "330100", -24)):
            departs = now - datetime.timedelta(hours=left)
            spec = trips.check_spec(mode, dest, "乐山客运中心站北门广场", departs.replace(tzinfo=datetime.UTC), 45, "李强",
                                    "13812345678", now=departs - datetime.timedelta(days=1))
            trip = trips.define(spec)
            if left > 0:
                trips.depart(trip.id, None, now=departs)
        sync.write_bundle(tmp_path / "bundle.json", kiosk.config["SYNC_TOKEN"], trips.statuses(2))
    app = create_central_app(
        {"TESTING": True, "INSTANCE_PATH": str(tmp_path / "central"), "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}"}
    )
    with app.app_context(), central_db.connection_context():
        registry.register("乐山客运中心站 1号机", "-", kiosk.config["SYNC_TOKEN"])
        pull.import_bundle(tmp_path / "bundle.json")
        users.add(OFFICE_USER, PASSWORD)
    with LiveServer(app) as server:
        yield server


@pytest.mark.parametrize("size,viewport", [("1920x1080", VIEWPORTS["full_hd"]), ("800x1280", TABLET)])
def test_the_trips_page_puts_the_overdue_trip_first_in_red(office, new_page, size, viewport):
    page = new_page(viewport)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{office.url}/")
    page.fill("input[name=name]", OFFICE_USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_url(f"{office.url}/")
    assert "1 班报平安超时" in page.locator("#trips-alert").inner_text()
    screenshot(page, f"central-dashboard-trips-alert-{size}")
    page.click("#trips-alert a")
    page.wait_for_url("**/trips")
    rows = page.locator("#trip-table tbody tr")
    assert rows.count() == 3
    first = rows.nth(0)
    assert "row-overdue" in first.get_attribute("class") and "深圳市" in first.inner_text()
    assert "报平安已超时 3 小时" in first.inner_text()
    assert first.locator(".overdue").evaluate("e => getComputedStyle(e).color") == "rgb(163, 20, 28)"
    assert "在途中" in rows.nth(1).inner_text() and "未发车" in rows.nth(2).inner_text()
    # Nothing runs off the side: the table scrolls inside its own box on a narrow tablet.
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"central-trips-{size}")
    assert problems == [], problems
