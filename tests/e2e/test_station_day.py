"""A station day played out in Chromium: a queue of strangers at one kiosk."""

import pytest

from kiosk import clock
from kiosk.models import database
from kiosk.vouchers import Voucher
from tests.e2e.test_vouchers import register_with_a_phone
from tests.vouchers_factory import stock_station

SHOTS = "/tmp/field-shots"
SIZES = {"1024x600": (1024, 600), "1280x800": (1280, 800), "800x1280": (800, 1280)}


def sized(page, size):
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})


def start_registering(page, server, size, direction):
    """At the given screen size: 登记, the direction, the station's own county; return the Taps so far."""
    from tests.e2e.test_registration import Taps

    sized(page, size)
    page.goto(server.url)
    taps = Taps(page)
    taps.link("登记")
    taps.button(direction)
    taps.button("乐山市 市中区")
    return taps


def overflow(page):
    """How far the page scrolls sideways and down, and how far <main> overflows: all 0 when it fits."""
    return page.evaluate(
        "[document.documentElement.scrollWidth - innerWidth, document.documentElement.scrollHeight - innerHeight,"
        " document.querySelector('main').scrollHeight - document.querySelector('main').clientHeight]"
    )


@pytest.fixture
def station(live_server):
    with live_server.app.app_context(), database.connection_context():
        stock_station(warm=5, ret=5, starts=clock.local_day())
    return live_server


def issued(server):
    with server.app.app_context(), database.connection_context():
        return [(v.pack_type.key, v.person_key is not None) for v in Voucher.select().order_by(Voucher.id)]


@pytest.mark.parametrize("way_home", ["back-link", "header", "reset"])
def test_worker_b_after_worker_a_is_a_stranger(page, station, way_home):
    """A registers with a phone and goes home; B, next in the queue, is not A."""
    register_with_a_phone(page, station)
    page.locator("#pack-return").get_by_role("button", name="领取").tap()
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    if way_home == "back-link":
        page.get_by_role("link", name="返回首页").tap()
    elif way_home == "header":
        page.locator("#statusbar .station-name a").tap()
    else:
        page.locator("#reset-form").evaluate("form => form.submit()")
    page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for()

    # Worker B, five seconds later: no ID, no phone.
    page.locator("#tile-pack").tap()
    page.get_by_role("heading", name="领取礼包").wait_for()
    assert page.locator("#pack-return").get_by_role("button", name="领取").count() == 0
    assert page.locator("#pack-warm").get_by_role("button", name="领取").is_visible()
    page.locator("#pack-warm").get_by_role("button", name="领取").tap()
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    page.screenshot(path=f"{SHOTS}/a-then-b-{way_home}.png")
    # B's voucher is anonymous: nothing of A's was used.
    assert issued(station) == [("return", True), ("warm", False)]


def test_a_worker_registered_without_id_is_told_the_truth_not_to_register_again(page, station):
    """登记成功 without phone or ID, then 领取礼包: no 先登记, the reason the ID-only pack needs an ID."""
    from tests.e2e.test_registration import coming_home_to_the_station_county
    from tests.e2e.test_registration import step

    taps = coming_home_to_the_station_county(page, station)
    assert "返岗礼包" in page.locator("#why-id").inner_text()  # the summary says why to type a number
    page.screenshot(path=f"{SHOTS}/summary-why-id.png")
    taps.button("确认登记")
    step(page, "done")
    page.get_by_role("link", name="领取礼包").tap()
    page.get_by_role("heading", name="领取礼包").wait_for()
    assert page.locator("#pack-why-id").is_visible()
    assert page.get_by_role("link", name="先登记").count() == 0
    assert "先登记" not in page.locator("#packs").inner_text()
    page.screenshot(path=f"{SHOTS}/packs-registered-without-id.png")


def test_paper_out_at_the_kiosk_and_the_luggage_desk_calls_a_volunteer(new_page, page, serve):
    """Paper runs out: the worker is told plainly, nothing is issued, the console calls and chimes."""
    from kiosk import printing
    from tests.conftest import add_volunteer
    from tests.e2e.test_vouchers import open_desk

    server = serve(PRINTER_URL="virtual://")
    with server.app.app_context(), database.connection_context():
        stock_station(warm=5, ret=5, starts=clock.local_day())
    add_volunteer(server.app, name="王芳", pin="2468")
    desk = open_desk(new_page, server.url)  # a volunteer's tablet, signed in before the roll ends
    assert desk.locator("#printer.volunteer-call").count() == 0

    printing.backend().set(fault="paper_out")
    page.goto(server.url)
    page.locator("#tile-pack").tap()
    page.locator("#printer-down").wait_for()
    assert "凭证打印机暂时不能用" in page.locator("#printer-down").inner_text()
    assert page.get_by_role("button", name="领取").count() == 0
    assert page.locator("#statusbar #printer").is_hidden()  # nothing in the worker's bar they cannot act on
    page.screenshot(path=f"{SHOTS}/paper-out-pack-chooser-1024x600.png")
    page.goto(f"{server.url}/luggage")
    page.locator("#printer-down").wait_for()
    page.screenshot(path=f"{SHOTS}/paper-out-luggage-worker-1024x600.png")

    desk.goto(f"{server.url}/volunteer/")
    call = desk.locator("#printer.volunteer-call")
    call.wait_for()
    assert "自助机需要志愿者" in call.inner_text() and "缺纸" in call.inner_text()
    desk.wait_for_function("document.body.dataset.chimes === '1'")  # the console chimed once for the new call
    desk.screenshot(path=f"{SHOTS}/paper-out-console-1280x800.png")
    desk.goto(f"{server.url}/volunteer/luggage/check-in")
    desk.locator("#printer-down").wait_for()
    assert desk.locator("#check-in-submit").is_disabled()
    assert desk.evaluate("document.body.dataset.chimes") is None  # same call on the next page: no second chime
    desk.screenshot(path=f"{SHOTS}/paper-out-luggage-desk-1280x800.png")

    # Refilled: the worker may take a pack; then the roll ends while it is being sent.
    printing.backend().set(fault=None)
    page.goto(server.url)
    page.locator("#tile-pack").tap()
    page.locator("#pack-warm").get_by_role("button", name="领取").tap()
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    printing.backend().set(fault="paper_out")
    with server.app.app_context(), database.connection_context():
        printing.process_queue()
    page.get_by_role("heading", name="请在这里稍候：志愿者马上就来").wait_for(timeout=8000)
    page.screenshot(path=f"{SHOTS}/paper-out-mid-issue-1024x600.png")


SCANNER_MS = 4  # a keyboard-wedge scanner types a key every few milliseconds


def altered(payload):
    return payload[:-1] + ("A" if payload[-1] != "A" else "B")


def test_the_one_scan_box_takes_scanner_bursts_with_or_without_enter_doubled_or_after_stale_text(new_page, page, serve):
    """Scanner bursts at the pack desk, the console home and the luggage desk.

    Each scan waits for its own look-up (not a fixed time), and every look-up must carry the
    whole code: on a loaded machine the browser may get a burst's keys unevenly, and the box
    must neither wait for ever nor send half a code.
    """
    from urllib.parse import parse_qs

    from playwright.sync_api import expect

    from kiosk import tokens
    from tests.conftest import add_volunteer
    from tests.e2e.test_vouchers import open_desk
    from tests.e2e.test_vouchers import scan_box_ready
    from tests.e2e.test_vouchers import take_warm_pack

    server = serve()
    with server.app.app_context(), database.connection_context():
        stock_station(warm=5, ret=5, starts=clock.local_day())
    add_volunteer(server.app, name="王芳", pin="2468")
    payload = take_warm_pack(page, server.url)
    code = page.locator("#voucher-code").inner_text()
    desk = open_desk(new_page, server.url)
    box, card = desk.locator("#scan-box"), desk.locator("#voucher-card")

    def is_lookup(request):
        return request.method == "POST" and request.url.endswith("/volunteer/packs/scan")

    sent = []  # the code field of every look-up the desk sent
    desk.on("request", lambda r: sent.append(parse_qs(r.post_data)["code"][0]) if is_lookup(r) else None)
    found = card.get_by_role("heading", name="暖心小礼包")

    def scan(text, answer, delay=SCANNER_MS, stale="", stall_after=0):
        """Type a burst into the box; once the card answers, return the codes this scan's look-ups carried."""
        card.evaluate("c => c.replaceChildren()")  # so each check sees a fresh answer
        box.focus()
        start = len(sent)
        with desk.expect_response(lambda r: is_lookup(r.request)):  # its own look-up, however long it takes
            if stale:
                desk.keyboard.type(stale, delay=200)  # someone typed and walked away
            if stall_after:  # the machine froze mid-burst for longer than the box's quiet gap
                desk.keyboard.type(text[:stall_after], delay=delay)
                desk.wait_for_timeout(700)
                text = text[stall_after:]
            desk.keyboard.type(text, delay=delay)
        answer.wait_for()
        expect(box).to_have_value("")  # emptied for the next scan, however the burst ended
        return sent[start:]

    def whole(looked_up, expected):
        """At least one look-up, and none carried a cut code (a burst split by a slow machine)."""
        return bool(looked_up) and all(tokens.last_scan(value) == expected for value in looked_up)

    assert whole(scan(payload, found), payload)  # no Enter: the gap after the burst sends it
    assert whole(scan(payload + "\n", found), payload)  # with Enter
    assert whole(scan(payload + payload, found), payload)  # doubled, no Enter
    assert whole(scan(payload + "\n" + payload + "\n", found), payload)  # doubled, each with Enter
    assert whole(scan(payload, found, stale="ab"), payload)  # after stale text
    assert whole(scan(payload, found, delay=80), payload)  # keys slowed by a busy machine, no Enter: still a scan
    assert whole(scan(payload, found, stall_after=20), payload)  # one burst split by a busy machine: not half a code
    # A person types the printed code, lower case, with spaces.
    assert whole(scan(" " + code.lower() + " \n", found, delay=120), code)
    desk.screenshot(path=f"{SHOTS}/scan-desk-found-1280x800.png")

    assert scan("hello123\n", card.get_by_text("这不是本服务站的凭证")) == ["hello123"]
    with server.app.app_context():
        key = server.app.config["SIGNING_KEY"]
    other = tokens.payload("V", code.replace("-", ""), "9f8e7d6c" + "0" * 24, clock.local_day(), key)
    assert whole(scan(other, card.get_by_text("其他服务站打印的")), other)
    assert whole(scan(altered(payload), card.get_by_text("可能被改动过")), altered(payload))
    desk.screenshot(path=f"{SHOTS}/scan-desk-altered-1280x800.png")

    # The console home's box and the luggage desk's box are the same component.
    desk.goto(f"{server.url}/volunteer/")
    scan_box_ready(desk)
    desk.locator("#console-scan").focus()
    desk.keyboard.type(payload + payload, delay=SCANNER_MS)
    desk.locator("#voucher-card").get_by_role("heading", name="暖心小礼包").wait_for()
    desk.goto(f"{server.url}/volunteer/luggage/")
    scan_box_ready(desk)
    desk.locator("#scan").focus()
    desk.keyboard.type(payload, delay=SCANNER_MS)  # a voucher at the luggage desk, no Enter
    desk.get_by_text("这是礼包领取凭证，不是行李寄存凭证").wait_for()
    desk.screenshot(path=f"{SHOTS}/scan-luggage-voucher-1280x800.png")


def test_a_child_tapping_again_and_again_gets_one_voucher_and_a_friendly_message(page, station):
    page.goto(station.url)
    for attempt in range(4):
        page.locator("#tile-pack").tap()
        page.locator("#pack-warm").get_by_role("button", name="领取").tap()
        if attempt == 0:
            page.get_by_role("heading", name="凭证正在打印").wait_for()
        else:
            page.locator("#alerts").get_by_text("请稍等").wait_for()
            if attempt == 3:
                page.screenshot(path=f"{SHOTS}/no-id-rate-limit-1024x600.png")
        page.get_by_role("link", name="返回首页").tap()
        page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for()
    assert issued(station) == [("warm", False)]


SECONDS_PER_TAP = 1.5


def test_the_five_worker_paths_in_taps_and_seconds(page, station, capsys):
    """Count the taps of the five worker paths from the home screen (1.5 s a tap, as the issue reckons)."""
    from tests.e2e.test_registration import Taps
    from tests.e2e.test_registration import step

    paths = {}

    def start():
        page.goto(station.url)
        page.get_by_role("heading", name="欢迎！请点选您需要的服务").wait_for()
        return Taps(page)

    taps = start()  # 1. coming home to the station's own county
    taps.link("登记")
    taps.button("返乡")
    taps.button("乐山市 市中区")
    taps.button("确认登记")
    step(page, "done")
    paths["register coming home (station county)"] = taps.count

    taps = start()  # 2. leaving for work, home elsewhere in Sichuan
    taps.link("登记")
    taps.button("返岗")
    taps.button("成都市")
    taps.button("双流区")
    taps.button("广东")
    taps.button("确认登记")
    step(page, "done")
    paths["register leaving for work"] = taps.count

    taps = start()  # 3. a pack that needs no ID, without registering
    taps.link("领取礼包")
    page.locator("#pack-warm").get_by_role("button", name="领取").tap()
    taps.count += 1
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    paths["no-ID pack, anonymous"] = taps.count

    taps = start()  # 4. register for work with a phone, then the return-to-work pack
    taps.link("登记")
    taps.button("返岗")
    taps.button("乐山市 市中区")
    taps.button("广东")
    taps.button("手机号")
    taps.button("同意", exact=True)
    for key in "13800138000":
        page.locator(f"#phone [data-key='{key}']").tap()
        taps.count += 1
    taps.button("确定")
    taps.button("确认登记")
    step(page, "done")
    taps.link("领取礼包")
    page.locator("#pack-return").get_by_role("button", name="领取").tap()
    taps.count += 1
    page.get_by_role("heading", name="凭证正在打印").wait_for()
    paths["register with phone + 返岗礼包"] = taps.count

    taps = start()  # 5. left luggage: what to do (the volunteer takes the bags)
    taps.link("行李寄存")
    page.locator("#luggage-info").wait_for()
    paths["luggage: how it works"] = taps.count

    with capsys.disabled():
        print()
        for name, count in paths.items():
            print(f"  {name:<40} {count:>2} taps  {count * SECONDS_PER_TAP:>5.1f} s")
    assert paths["register coming home (station county)"] <= 6 and paths["register leaving for work"] <= 6
    assert paths["no-ID pack, anonymous"] == 2


@pytest.mark.parametrize("size", SIZES)
def test_a_worker_not_yet_sure_where_to_work_says_so_and_is_registered_as_undecided(page, live_server, size):
    from tests.e2e.test_registration import saved
    from tests.e2e.test_registration import step

    taps = start_registering(page, live_server, size, "返岗")
    step(page, "destination")
    page.wait_for_timeout(350)  # the settle animation
    unsure = page.locator("#destination-undecided")
    assert unsure.inner_text().replace("\n", "") == "不确定/还没定"
    box = unsure.bounding_box()
    assert box["width"] >= 56 and box["height"] >= 56 and box["y"] + box["height"] <= SIZES[size][1]
    assert overflow(page) == [0, 0, 0]
    page.screenshot(path=f"{SHOTS}/destination-not-sure-{size}.png")
    taps.button("不确定/还没定")
    step(page, "summary")
    assert "未定" in page.locator("section#summary").inner_text()
    assert page.get_by_role("button", name="城市").count() == 0  # no city to choose in "not sure"
    page.screenshot(path=f"{SHOTS}/summary-not-sure-{size}.png")
    taps.button("确认登记")
    step(page, "done")
    assert taps.count == 5
    assert saved(live_server) == [("work", "511102", "unsure")]


@pytest.mark.parametrize("size", ["1024x600", "800x1280"])
def test_find_work_and_learn_a_skill_have_icons_of_their_own(page, live_server, size):
    """找工作 (the summary's job help, like the home screen's jobs) and 学技能 no longer share the wrench."""
    from tests.e2e.test_registration import step

    def drawing(locator):
        return locator.locator("svg.icon").first.inner_html()

    taps = start_registering(page, live_server, size, "返乡")
    step(page, "summary")
    find_work = drawing(page.get_by_role("button", name="找工作"))
    page.screenshot(path=f"{SHOTS}/summary-icons-{size}.png")
    taps.button("找工作")
    step(page, "intention")
    page.wait_for_timeout(350)  # the settle animation
    toggles = {label: drawing(page.locator("label.reg-toggle", has_text=label)) for label in ("学技能", "在家附近找工作", "招聘会信息")}
    assert overflow(page) == [0, 0, 0]
    page.screenshot(path=f"{SHOTS}/intention-icons-{size}.png")
    assert find_work and all(toggles.values())
    assert len({find_work, *toggles.values()}) == 4  # four choices, four pictures
    assert drawing(page.locator("section#intention h1")) == find_work  # the step's title: 找工作's own picture


def _hours_around_now(opens_in, closes_in):
    """Opening hours as "HH:MM-HH:MM", ``opens_in``/``closes_in`` hours from now, station-local, whole minutes."""
    import datetime

    now = clock.local_time().replace(second=0, microsecond=0)
    at = [(now + datetime.timedelta(hours=h)).strftime("%H:%M") for h in (opens_in, closes_in)]
    return "-".join(at)


@pytest.mark.parametrize("when", ["open now", "closed now"])
def test_luggage_pick_up_falls_while_the_station_is_open_and_the_worker_screen_agrees(page, new_page, serve, when):
    """The worker's screen names the pick-up time the volunteer's check-in offers first; no choice falls after closing."""
    import datetime

    from kiosk import luggage
    from kiosk import stations
    from tests.conftest import add_volunteer
    from tests.e2e.test_luggage import sign_in

    hours = _hours_around_now(-2, 5) if when == "open now" else _hours_around_now(2, 9)
    server = serve(STATION_HOURS=hours)
    add_volunteer(server.app, name="王芳", pin="2468")
    opening = stations.OpeningHours.parse(hours)

    page.goto(server.url)  # the worker, at the kiosk
    page.locator("#tile-luggage").tap()
    page.locator("#luggage-info").wait_for()
    assert page.locator("#luggage-hours").inner_text() == f"服务站开放时间：{opening}"
    worker_says = page.locator("#luggage-due").inner_text()
    assert overflow(page) == [0, 0, 0]
    page.screenshot(path=f"{SHOTS}/luggage-worker-hours-{when.replace(' ', '-')}-1024x600.png")

    desk = new_page({"width": 1280, "height": 800}, has_touch=True)  # the volunteer's tablet
    sign_in(desk, server)
    desk.goto(f"{server.url}/volunteer/luggage/check-in")
    desk.get_by_role("heading", name="寄存行李").wait_for()
    chips = desk.locator("input[name=due]")
    offered = [datetime.datetime.fromisoformat(v) for v in chips.evaluate_all("inputs => inputs.map(i => i.value)")]
    default = desk.locator("input[name=due]:checked").locator("xpath=..").inner_text()
    assert worker_says == f"请在 {default} 前取回"
    assert offered and all(opening.is_open(moment) for moment in offered)
    assert max(offered) == luggage.next_closing(luggage.Rules.from_config(server.app.config), clock.now())
    assert overflow(desk)[0] == 0
    desk.screenshot(path=f"{SHOTS}/luggage-check-in-hours-{when.replace(' ', '-')}-1280x800.png")
