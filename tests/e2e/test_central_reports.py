"""The office's reports in a real browser: a province user and a county user, at office and tablet sizes.

The county user must not see another county's numbers: checked on screen,
in the files the page links to, and at the HTTP level.
"""

import datetime
import re

import pytest

from kiosk import counts
from kiosk import simulate
from kiosk import sync
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
PASSWORD = "correct horse battery"
STATIONS = [
    ("leshan-kyzx", "乐山客运中心站", "511102"),
    ("emei-bus", "峨眉山汽车站", "511181"),
    ("chengdu-east", "成都东站", "510108"),
    ("nanchong-bus", "南充汽车站", "511302"),
]
OTHERS = ("峨眉山汽车站", "成都东站", "南充汽车站", "emei-bus", "chengdu-east", "nanchong-bus")
ALL_DRAWN = """() => window.Chart && [...document.querySelectorAll('#report .chart-canvas')]
    .every((c) => Chart.getChart(c))"""
SIZES = {
    "1920x1080": VIEWPORTS["full_hd"],
    "1280x800": {"width": 1280, "height": 800},
    "800x1280": {"width": 800, "height": 1280},
    "360x740": {"width": 360, "height": 740},
}
RAW_KEYS = ("packs.on_hand", "luggage.tickets", "vouchers.issued", "registrations.home", "daybook.closed")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """Four stations in three cities, 30 simulated days each, with stock levels and registers; two office users."""
    tmp_path = tmp_path_factory.mktemp("office")
    bundles = []
    for index, (code, name, county) in enumerate(STATIONS):
        token = f"token-{code}-0123456789abcdef"
        kiosk = make_app(tmp_path / code, STATION=code, STATION_NAME=name, STATION_COUNTY=county, SYNC_TOKEN=token)
        with kiosk.app_context(), kiosk_db.connection_context():
            simulate.simulate(30, UNTIL, scale=0.2 + 0.1 * index, seed=index + 1)
            with counts.write_transaction():
                for back in range(0, 30, 3):
                    day = UNTIL - datetime.timedelta(days=back)
                    counts.put("packs.on_hand", day, 300 - 8 * back // 3 - 40 * index, pack="warm")
                    counts.add("registrations.intention", day, 1 + back % 2, intention="local", direction="work", county=county)
                    counts.add("registrations.children", day, 1, direction="home", county=county)
            bundle = tmp_path / f"{code}.json"
            sync.write_bundle(bundle, token)
        bundles.append((name, token, bundle))
    app = create_central_app({
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "central"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'central.sqlite3'}",
    })
    with app.app_context(), central_db.connection_context():
        for name, token, bundle in bundles:
            registry.register(f"{name} 1号机", "-", token)
            pull.import_bundle(bundle)
        registry.register("南充汽车站 2号机", "http://127.0.0.1:9", "n" * 32)
        pull.pull_all(registry.pullable(), timeout=1)
        users.add("省厅", PASSWORD, role="admin", scope="510000")
        users.add("市中区局", PASSWORD, role="viewer", scope="511102")
    with LiveServer(app) as server:
        yield server


def open_dashboard(browser, office, user, size, path=None):
    """Sign in as ``user`` at a viewport size and open the month's dashboard; return (context, page, problems)."""
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN", has_touch=size != "1920x1080")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    url = f"{office.url}{path or '/'}?from=2027-01-14&to={UNTIL.isoformat()}"
    page.goto(url)
    page.fill("input[name=name]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#sign-in button[type=submit]")
    page.wait_for_url(url)
    page.wait_for_function(ALL_DRAWN)
    return context, page, problems


def cards_do_not_overlap(page):
    boxes = [c.bounding_box() for c in page.locator(".card").all()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a["x"] + a["width"] <= b["x"] + 1 or b["x"] + b["width"] <= a["x"] + 1 \
                or a["y"] + a["height"] <= b["y"] + 1 or b["y"] + b["height"] <= a["y"] + 1
            assert apart, (a, b)
    labels = page.locator(".card-label").all()
    for label in labels:  # no label cut off inside its card
        assert label.evaluate("(e) => e.scrollWidth <= e.clientWidth + 1"), label.inner_text()


def test_a_province_user_reads_the_hierarchy_the_charts_and_the_kiosks_at_full_hd(browser, office):
    context, page, problems = open_dashboard(browser, office, "省厅", "1920x1080")
    text = page.locator("main").inner_text()
    assert not any(key in text for key in RAW_KEYS)
    assert "礼包库存" in page.locator(".cards").inner_text() and "已发礼包" in text
    cities = page.locator("#by-region tbody th").all_inner_texts()
    assert [c.split()[0] for c in cities] == ["成都市", "乐山市", "南充市"]  # by region code
    assert page.locator("#report .chart-canvas[data-chart=multiple]").count() >= 4
    assert page.locator("#kiosk-table").inner_text().count("号机") == 5
    assert "无法连接终端" in page.locator("#kiosk-table").inner_text()
    cards_do_not_overlap(page)
    screenshot(page, "central-province-1920x1080")
    page.screenshot(path=str(screenshot(page, "central-province-1920x1080-full")), full_page=True)
    page.click("#by-region a:has-text('乐山市')")
    page.wait_for_url("**region=511100**")
    page.wait_for_function(ALL_DRAWN)
    assert page.locator("#by-region tbody th").all_inner_texts()[0].startswith("市中区")
    assert "成都东站" not in page.locator("#by-station").inner_text()
    assert problems == [], problems
    context.close()


@pytest.mark.parametrize("size", ["1280x800", "800x1280", "360x740"])
def test_the_province_dashboard_on_tablets_and_a_phone(browser, office, size):
    context, page, problems = open_dashboard(browser, office, "省厅", size)
    cards_do_not_overlap(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"] + 1, "the page must not scroll sideways; wide tables scroll in their box"
    page.screenshot(path=str(screenshot(page, f"central-province-{size}")), full_page=True)
    assert problems == [], problems
    context.close()


@pytest.mark.parametrize("size", ["1920x1080", "800x1280"])
def test_a_county_user_sees_only_its_own_county_on_screen_and_in_files(browser, office, size):
    context, page, problems = open_dashboard(browser, office, "市中区局", size)
    text = page.locator("body").inner_text()
    assert "乐山客运中心站" in text and "市中区" in page.locator("#scope-name").inner_text()
    assert not any(other in text for other in OTHERS)
    assert [o.get_attribute("value") for o in page.locator("select[name=station] option").all()] == ["", "leshan-kyzx"]
    assert "南充" not in page.locator("#register-counties").inner_text()
    page.screenshot(path=str(screenshot(page, f"central-county-{size}")), full_page=True)
    csv_text = page.request.get(office.url + page.locator("#export-csv").get_attribute("href")).text()
    assert "乐山客运中心站" in csv_text and not any(other in csv_text for other in OTHERS)
    for url in ("/station/chengdu-east", "/?station=emei-bus", "/export.csv?station=nanchong-bus", "/?region=510000"):
        response = page.request.get(office.url + url)
        assert response.status == 404 and not any(other in response.text() for other in OTHERS[:3]), url
    assert problems == [], problems
    context.close()


def test_a_station_page_and_the_one_page_summary(browser, office, tmp_path):
    context, page, problems = open_dashboard(browser, office, "市中区局", "1920x1080", "/station/leshan-kyzx")
    assert "四川省 › 乐山市 › 市中区" in page.locator("#station-head").inner_text()
    assert "乐山客运中心站 1号机" in page.locator("#kiosk-table").inner_text()
    screenshot(page, "central-station-1920x1080")
    page.goto(f"{office.url}/summary?from=2027-02-06&to={UNTIL.isoformat()}")
    assert "返乡登记" in page.locator("#summary-totals").inner_text()
    screenshot(page, "central-summary-1920x1080")
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # the weekly summary fits one A4 page
    (tmp_path / "summary.pdf").write_bytes(pdf)
    assert problems == [], problems
    context.close()
