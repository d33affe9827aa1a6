"""The office in a browser: departures by destination city in a county's register, kiosks' app versions.

At the office's 1920×1080 and on a tablet held upright (800×1280), as a
province user and as a county bureau.
"""

import datetime

import pytest
from playwright.sync_api import expect

from kiosk import counts
from kiosk import sync
from kiosk.central import create_app as create_central_app
from kiosk.central import pull
from kiosk.central import registry
from kiosk.central import releases
from kiosk.central import users
from kiosk.central.models import database as central_db
from kiosk.central.models import Kiosk as Registered
from kiosk.central.models import Release
from kiosk.models import database as kiosk_db
from tests.conftest import make_app
from tests.e2e.conftest import LiveServer
from tests.e2e.conftest import screenshot
from tests.e2e.test_central_reports import open_dashboard

DAY = datetime.date(2027, 2, 12)
PASSWORD = "correct horse battery"
SIZES = {"1920x1080": {"width": 1920, "height": 1080}, "800x1280": {"width": 800, "height": 1280}}  # of test_central_reports
DEPARTURES = [("440300", 5), ("440100", 2), ("440000", 1), ("330100", 3), ("310000", 2), ("500000", 1)]


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """One station's week: people of 市中区 leaving for cities in 广东 and 浙江; three kiosks on two releases."""
    tmp_path = tmp_path_factory.mktemp("office")
    token = "token-leshan-kyzx-0123456789abcdef"
    kiosk = make_app(tmp_path / "kiosk", STATION="leshan-kyzx", STATION_NAME="乐山客运中心站", STATION_COUNTY="511102",
                     SYNC_TOKEN=token)
    with kiosk.app_context(), kiosk_db.connection_context(), counts.write_transaction():
        for destination, people in DEPARTURES:
            counts.add("registrations", DAY, people, direction="work", county="511102", destination=destination)
        counts.add("registrations", DAY, 9, direction="home", county="511102")
    with kiosk.app_context(), kiosk_db.connection_context():
        sync.write_bundle(tmp_path / "bundle.json", token)
    app = create_central_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "central"),
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'central.sqlite3'}"})
    with app.app_context(), central_db.connection_context():
        registry.register("乐山客运中心站 1号机", "-", token)
        pull.import_bundle(tmp_path / "bundle.json")
        registry.register("乐山客运中心站 2号机", "http://127.0.0.1:9", "b" * 32)
        registry.register("峨眉山站 1号机", "http://127.0.0.1:9", "c" * 32)
        Release.create(version="1.4.0", file_name="nuantu-kiosk-1.4.0.release", sha256="0" * 64, size=1)
        for name, version in (("乐山客运中心站 1号机", "1.4.0"), ("乐山客运中心站 2号机", "1.3.2")):
            releases.reported(Registered.get(Registered.name == name), version)
        users.add("省厅", PASSWORD, role="admin", scope="510000")
        users.add("市中区局", PASSWORD, role="viewer", scope="511102")
    with LiveServer(app) as server:
        yield server


@pytest.mark.parametrize("size", list(SIZES))
def test_a_county_bureau_reads_departures_by_province_and_city(browser, office, size):
    context, page, problems = open_dashboard(browser, office, "市中区局", size)
    table = page.locator("#register-destinations")
    table.scroll_into_view_if_needed()
    rows = [" ".join(r.split()) for r in table.locator("tbody tr").all_inner_texts()]
    assert rows[:4] == ["广东 8", "深圳市 5", "广州市 2", "城市未填 1"]
    assert "浙江 3" in rows and "杭州市 3" in rows and "上海 2" in rows
    city = table.locator("tr.destination-city").first
    province = table.locator("tr.destination-province").first
    # Cities stand indented under their province, so nobody adds them to it twice.
    assert city.locator("th").bounding_box()["x"] == province.locator("th").bounding_box()["x"]
    assert city.locator("th").evaluate("e => parseFloat(getComputedStyle(e).paddingLeft)") > \
        province.locator("th").evaluate("e => parseFloat(getComputedStyle(e).paddingLeft)")
    assert table.evaluate("t => t.getBoundingClientRect().right <= document.documentElement.clientWidth")
    page.locator("#register").screenshot(path=str(screenshot(page, f"central-register-cities-{size}")))
    assert not problems
    context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_province_sees_each_kiosks_version_and_who_is_behind(browser, office, size):
    context, page, problems = open_dashboard(browser, office, "省厅", size)
    kiosks = page.locator("#kiosk-table")
    kiosks.scroll_into_view_if_needed()
    expect(page.locator("#release-state")).to_contain_text("3 台服务机中有 1 台运行的版本低于当前版本 1.4.0")
    behind = kiosks.locator("tr.row-behind")
    expect(behind).to_have_count(1)
    expect(behind).to_contain_text("乐山客运中心站 2号机")
    expect(behind.locator("td.version")).to_contain_text("1.3.2")
    expect(behind.locator("td.version")).to_contain_text("落后于 1.4.0")
    expect(kiosks.locator('tr[data-kiosk="乐山客运中心站 1号机"] td.version')).to_have_text("1.4.0")
    expect(kiosks.locator('tr[data-kiosk="峨眉山站 1号机"] td.version')).to_have_text("未报告")
    marked = behind.locator("td.version").evaluate("e => getComputedStyle(e).backgroundColor")
    plain = kiosks.locator('tr[data-kiosk="乐山客运中心站 1号机"] td.version').evaluate(
        "e => getComputedStyle(e).backgroundColor")
    assert marked != plain  # the kiosk behind stands out
    box = behind.locator("td.version").bounding_box()  # seen without scrolling the table sideways
    assert box["x"] + box["width"] <= SIZES[size]["width"]
    page.locator("#sync-state").screenshot(path=str(screenshot(page, f"central-kiosk-versions-{size}")))
    assert not problems
    context.close()
