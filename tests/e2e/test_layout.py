"""Every page at the sizes the stations use: no sideways scrolling, readable headers, tallies in reach.

Screenshots land in test-artifacts/layout/ (and /tmp/field-shots/layout/ when that folder exists).
"""

import os
from pathlib import Path

import pytest

from kiosk import clock
from kiosk import luggage
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_volunteer_sign_in import tap_pin
from tests.vouchers_factory import stock_station

SIZES = {
    "kiosk": (1024, 600),
    "tablet-portrait": (800, 1280),
    "tablet-landscape": (1280, 800),
    "full-hd": (1920, 1080),
}
WORKER_PAGES = ["/", "/register", "/packs/", "/luggage", "/services"]
CONSOLE_PAGES = [
    "/volunteer/", "/volunteer/people", "/volunteer/packs/", "/volunteer/packs/stock", "/volunteer/luggage/",
    "/volunteer/luggage/check-in", "/volunteer/luggage/lost", "/volunteer/luggage/t/{deposit}",
    "/volunteer/printer/", "/volunteer/day/",
]
SHOT_DIRS = [ARTIFACTS / "layout"] + ([Path("/tmp/field-shots/layout")] if os.path.isdir("/tmp/field-shots") else [])

MEASURE = """() => {
  const th = [...document.querySelectorAll('th')].filter(e => e.offsetParent).map(e => {
    const s = getComputedStyle(e);
    const inner = e.clientHeight - parseFloat(s.paddingTop) - parseFloat(s.paddingBottom);
    return {text: e.innerText, lines: inner / (parseFloat(s.fontSize) * 1.25)};
  });
  const name = document.querySelector('.station-name');
  const main = document.querySelector('main') || document.documentElement;
  return {
    overflow: Math.max(document.documentElement.scrollWidth - innerWidth, main.scrollWidth - main.clientWidth),
    hasMain: !!document.querySelector('main'),
    offscreen: [...document.querySelectorAll('button, a, input, th, label')].filter(e => e.offsetParent)
      .filter(e => { const r = e.getBoundingClientRect(); return r.width && (r.right > innerWidth + 1 || r.left < -1); })
      .map(e => e.tagName + ':' + (e.innerText || e.value || e.id).slice(0, 12)),
    stationName: name ? name.getBoundingClientRect().width : 0,
    stationFont: name ? parseFloat(getComputedStyle(name).fontSize) : 0,
    tallHeaders: th.filter(h => h.lines > 2.3).map(h => h.text),
  };
}"""

SMALL_TEXT = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.offsetParent && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .filter(e => parseFloat(getComputedStyle(e).fontSize) < 18)
  .map(e => e.tagName + '.' + e.className + ': ' + e.innerText.slice(0, 30))"""


@pytest.fixture
def station(live_server):
    app = live_server.app
    with app.app_context(), database.connection_context():
        stock_station(warm=5, ret=5, starts=clock.local_day())
    add_volunteer(app, name="陈站长", pin="246813", role="manager")
    from kiosk.models import Volunteer
    from kiosk.views.luggage import keys
    from kiosk.views.luggage import rules

    with app.test_request_context(), database.connection_context():
        station_rules = rules()
        due = luggage.pickup_choices(station_rules)[0][0]
        manager = Volunteer.get(Volunteer.name == "陈站长")
        deposit = luggage.check_in(["suitcase", "backpack"], "A", due.isoformat(), "", manager.id,
                                   station_rules, keys())
    live_server.deposit = deposit.id
    return live_server


def shoot(page, name):
    for folder in SHOT_DIRS:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_fits_the_width_at_every_size(page, station, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    problems = []
    for path in WORKER_PAGES:
        page.goto(station.url + path)
        found = page.evaluate(MEASURE)
        small = page.evaluate(SMALL_TEXT)
        if found["overflow"] > 0 or found["offscreen"]:
            problems.append(f"{path}: {found['overflow']}px sideways, off screen: {found['offscreen'][:4]}")
        if small:
            problems.append(f"{path}: text under 18px: {small[:3]}")
        shoot(page, f"{size}{path.replace('/', '_') or '_home'}")
    page.goto(f"{station.url}/volunteer/")
    page.get_by_role("link", name="陈站长").tap()
    tap_pin(page, "246813")
    page.get_by_role("button", name="登录").tap()
    page.get_by_role("heading", name="您好，陈站长").wait_for()
    tally = page.locator(".tally-button").first.bounding_box()
    if tally["y"] + tally["height"] > height:
        problems.append(f"tallies below the fold ({tally['y']:.0f}px of {height})")
    for path in CONSOLE_PAGES:
        path = path.format(deposit=station.deposit)
        page.goto(station.url + path)
        found = page.evaluate(MEASURE)
        if found["overflow"] > 0 or found["offscreen"]:
            problems.append(f"{path}: {found['overflow']}px sideways, off screen: {found['offscreen'][:4]}")
        if not found["hasMain"]:
            problems.append(f"{path}: not a page of its own")
        elif found["stationName"] < 4 * found["stationFont"]:
            problems.append(f"{path}: station name squeezed to {found['stationName']:.0f}px")
        if found["tallHeaders"]:
            problems.append(f"{path}: headers broken one character a line: {found['tallHeaders']}")
        shoot(page, f"{size}{path.replace('/', '_')}")
    assert not problems, "\n".join(problems)
