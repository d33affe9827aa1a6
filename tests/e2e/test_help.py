"""Help at the kiosk in Chromium: a wage-arrears tip in at most 10 taps with its receipt read back from the
printer, a posting published at the office shown after one pull and its slip printed, and the tip opened
on the office's dashboard."""

import datetime
import shutil
from pathlib import Path

import pytest

from kiosk import printing
from kiosk.central import cases
from kiosk.central import content
from kiosk.central import create_app as create_central_app
from kiosk.central import registry
from kiosk.central import users
from kiosk.central.help_models import WageTip
from kiosk.central.models import database as central_db
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.conftest import LiveServer
from tests.e2e.conftest import screenshot
from tests.e2e.test_registration import Taps

SHOTS = Path("/tmp/help-shots")
SIZES = {
    "kiosk": VIEWPORTS["kiosk"],
    "tablet-portrait": {"width": 800, "height": 1280},
    "tablet-landscape": {"width": 1280, "height": 800},
    "phone": {"width": 360, "height": 740},
}
OFFICE_USER = "李监察"
PASSWORD = "correct horse battery"
TOKEN = "help-kiosk-token-0123456789abcdef"


def shot(page, name):
    """A screenshot in test-artifacts/, copied to /tmp/help-shots/ for the report."""
    path = screenshot(page, f"help-{name}")
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def fits(page):
    """True when the page needs no scrolling either way."""
    return page.evaluate(
        "() => document.documentElement.scrollHeight <= innerHeight && document.documentElement.scrollWidth <= innerWidth"
    )


@pytest.fixture
def office(tmp_path):
    """A central office with its key, a case worker, and nothing pulled yet."""
    app = create_central_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "central"),
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'central.sqlite3'}",
                              "OFFICE_AREA": "511100"})
    with app.app_context(), central_db.connection_context():
        content.init_key(app.instance_path)
        users.add(OFFICE_USER, PASSWORD)
        cases.grant(OFFICE_USER)
    return app


@pytest.fixture
def kiosk(serve, office, tmp_path):
    with office.app_context(), central_db.connection_context():
        public = content.current_key().public_key
    server = serve(OFFICE_PUBLIC_KEY=public, SYNC_TOKEN=TOKEN, PRINTER_URL=f"file://{tmp_path / 'lp0'}",
                   HELP_LABOUR_DESK="市中区劳动保障监察大队 0833-2122345")
    with office.app_context(), central_db.connection_context():
        registry.register("乐山客运中心站 1号机", server.url, TOKEN)
    server.printed = tmp_path / "lp0"
    return server


def printed_bytes(server):
    printing.process_queue()
    return server.printed.read_bytes()


def test_a_worker_leaves_a_tip_in_ten_taps_and_the_receipt_prints(kiosk, page):
    page.goto(kiosk.url)
    shot(page, "home-1024x600")
    assert fits(page)
    taps = Taps(page)
    taps.link("欠薪求助")
    page.locator("section#tip-province").wait_for()
    shot(page, "tip-province-1024x600")
    assert fits(page)
    taps.button("广东")
    page.locator("section#tip-city").wait_for()
    taps.button("深圳市")
    page.locator("section#tip-sector").wait_for()
    assert fits(page)
    shot(page, "tip-sector-1024x600")
    taps.button("建筑工地")
    taps.button("2万–5万元")
    taps.button("3–6个月")
    page.locator("section#tip-workers").wait_for()
    taps.button("2–5人")
    page.locator("section#tip-contact").wait_for()
    assert fits(page)
    shot(page, "tip-contact-1024x600")
    taps.button("不留电话")
    page.locator("section#tip-summary").wait_for()
    assert fits(page)
    shot(page, "tip-summary-1024x600")
    taps.button("提交线索并打印回执")
    page.locator("section#tip-done").wait_for()
    shot(page, "tip-done-1024x600")
    assert taps.count <= 10, taps.count
    number = page.locator("#tip-number").inner_text()
    data = printed_bytes(kiosk)
    assert "欠薪线索回执".encode("gbk") in data and number.encode() in data
    # Read back as the paper shows it: the 58 mm printer's 32 columns wrap the long lines.
    paper = data.decode("gbk", "replace").replace("\n", "")
    for text in ("线索编号：" + number, "3–5个工作日", "热线：12345（24小时）", "市中区劳动保障监察大队 0833-2122345",
                 "请带上：劳动合同、考勤记录、工资条、与老板的聊天记录"):
        assert text in paper, text
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1bd\x04")  # a whole slip: init … feed to the tear bar


def test_the_tip_with_a_phone_number_on_the_keypad_and_the_idle_reset_forgets_it(kiosk, page):
    page.goto(f"{kiosk.url}/help/tip")
    taps = Taps(page)
    for name in ("四川", "乐山市", "工厂", "5千元以下", "不到1个月", "只有我", "可以，留下电话"):
        taps.button(name)
    page.locator("section#tip-phone").wait_for()
    shot(page, "tip-phone-1024x600")
    for key in "13812345678":
        page.locator(f"#tip-phone [data-key='{key}']").tap()
    taps.button("确定")
    page.locator("section#tip-summary").wait_for()
    assert "…5678" in page.locator(".tip-summary").inner_text()
    assert "13812345678" not in page.content()
    # The idle reset (what kiosk.js posts after the countdown) forgets the half-made tip.
    page.evaluate("() => document.getElementById('reset-form').submit()")
    page.wait_for_url(f"{kiosk.url}/")
    page.goto(f"{kiosk.url}/help/tip/step/summary")
    assert "请回到首页重新开始" in page.locator("body").inner_text()
    with kiosk.app.app_context():
        from kiosk import help as kiosk_help
        from kiosk.models import database

        with database.connection_context():
            assert kiosk_help.SealedTip.select().count() == 0


def test_a_posting_from_the_office_shows_after_one_pull_prints_and_the_tip_opens_at_the_office(
    kiosk, office, page, browser
):
    with office.app_context(), central_db.connection_context():
        content.publish(office.instance_path, "job", {
            "employer": "乐山市鑫达建筑劳务有限公司", "title": "钢筋工", "place": "乐山市市中区", "place_code": "511102",
            "sector": "construction", "pay_min": 7000, "pay_max": 9000, "contact": "0833-2123456",
            "fair": {"name": "春风行动乐山专场", "date": (datetime.date.today() + datetime.timedelta(days=2)).isoformat(),
                     "place": "乐山市人力资源市场"}}, {"level": "city", "code": "511100"},
            datetime.date.today() + datetime.timedelta(days=20), user="陈静")
        content.publish(office.instance_path, "fair", {
            "name": "春风行动乐山专场", "date": (datetime.date.today() + datetime.timedelta(days=2)).isoformat(),
            "place": "乐山市人力资源市场", "organizer": "乐山市人社局"}, {"level": "city", "code": "511100"},
            datetime.date.today() + datetime.timedelta(days=2))
    # Before the pull: nothing to show.
    page.goto(f"{kiosk.url}/help/jobs")
    assert "暂时没有招聘信息" in page.locator("main").inner_text()
    # A tip waits on the kiosk, sealed.
    page.goto(f"{kiosk.url}/help/tip")
    taps = Taps(page)
    for name in ("四川", "乐山市", "建筑工地", "5千–2万元", "1–3个月", "6–20人", "不留电话", "提交线索并打印回执"):
        taps.button(name)
    number = page.locator("#tip-number").inner_text()

    pulled = office.test_cli_runner().invoke(args=["pull"])
    assert pulled.exit_code == 0, pulled.output
    assert "1 new tips; content 4 accepted" in pulled.output  # posting, fair, clock, ack

    page.goto(kiosk.url)
    page.locator("#tile-jobs").tap()
    page.get_by_role("heading", name="找工作").wait_for()
    shot(page, "jobs-1024x600")
    page.get_by_role("link", name="钢筋工").tap()
    page.get_by_role("button", name="打印这条招聘信息带走").wait_for()
    shot(page, "job-1024x600")
    page.get_by_role("button", name="打印这条招聘信息带走").tap()
    page.get_by_role("heading", name="正在打印").wait_for()
    assert page.locator("#ticket-preview").get_attribute("data-payload") == "tel:08332123456"
    assert page.locator("#ticket-preview img").evaluate("img => img.complete && img.naturalWidth > 300")
    shot(page, "job-slip-1024x600")
    data = printed_bytes(kiosk)
    paper = data.decode("gbk", "replace").replace("\n", "")
    for text in ("乐山市鑫达建筑劳务有限公司", "钢筋工", "每月 7000–9000 元", "春风行动乐山专场", "0833-2123456"):
        assert text in paper, text
    page.goto(f"{kiosk.url}/help/fairs")
    assert "春风行动乐山专场" in page.locator(".fair-list").inner_text()
    shot(page, "fairs-1024x600")
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        for path, name in (("/", "home"), ("/help/jobs", "jobs"), ("/help/tip", "tip-province")):
            page.goto(kiosk.url + path)
            assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth"), (label, name)
            shot(page, f"{name}-{size['width']}x{size['height']}")

    # The tip opens at the office, for its case worker, on the dashboard.
    with LiveServer(office) as dashboard:
        desk = browser.new_context(viewport=VIEWPORTS["full_hd"], locale="zh-CN").new_page()
        desk.goto(f"{dashboard.url}/tips")
        desk.wait_for_url("**/sign-in?next=**")
        desk.fill("input[name=name]", OFFICE_USER)
        desk.fill("input[name=password]", PASSWORD)
        desk.click("#sign-in button[type=submit]")
        desk.wait_for_url(f"{dashboard.url}/tips")
        assert number in desk.locator("#tips").inner_text()
        shot(desk, "office-tips-1920x1080")
        desk.get_by_role("link", name=number).click()
        desk.locator("#tip-fields").wait_for()
        assert "建筑工地" in desk.locator("#tip-fields").inner_text()
        assert "6–20人" in desk.locator("#tip-fields").inner_text()
        desk.select_option("select[name=status]", "contacted")
        desk.fill("input[name=note]", "已电话联系工地负责人")
        desk.click("#status-form button[type=submit]")
        desk.locator(".status-contacted").first.wait_for()
        assert "已电话联系工地负责人" in desk.locator("#trail").inner_text()
        shot(desk, "office-tip-1920x1080")
        desk.goto(f"{dashboard.url}/jobs")
        assert "钢筋工" in desk.locator("#postings").inner_text()
        shot(desk, "office-jobs-1920x1080")
        desk.context.close()
    with office.app_context(), central_db.connection_context():
        assert WageTip.select().count() == 1


def test_the_optional_employer_name_is_typed_on_the_kiosks_onscreen_keyboard(kiosk, page):
    from tests.e2e.test_onscreen_keyboard import tap_keys

    page.goto(kiosk.url)
    page.get_by_role("link", name="欠薪求助").tap()
    for choice in ("广东", "深圳市", "建筑工地", "2万–5万元", "3–6个月", "2–5人", "不留电话"):
        page.get_by_role("button", name=choice).tap()
    page.locator("section#tip-summary").wait_for()
    page.locator("#tip-employer").tap()
    page.locator("#osk").wait_for()
    tap_keys(page, "wang")
    page.locator(".hg-candidate-box-list-item", has_text="王").first.tap()
    page.locator('#osk .hg-button[data-skbtn="{done}"]').tap()
    shot(page, "tip-employer-osk-1024x600")
    page.get_by_role("button", name="保存名称").tap()
    page.locator("#tip-employer").wait_for()
    page.wait_for_function("document.querySelector('#tip-employer').value === '王'")
    page.get_by_role("button", name="提交线索并打印回执").tap()
    page.locator("section#tip-done").wait_for()
