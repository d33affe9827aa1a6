"""Left luggage over HTTP: what a volunteer sees and is refused, in Chinese, without a 500."""

import io
import re

import pytest
import zxingcpp
from PIL import Image

from kiosk import luggage
from kiosk import printing
from kiosk import stations
from kiosk import tokens
from kiosk.luggage import LuggageBag
from kiosk.luggage import LuggageDeposit
from kiosk.models import AuditEntry
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers
from tests.conftest import make_app


@pytest.fixture
def volunteer(app, auth):
    person = add_volunteer(app)
    auth.sign_in(person)
    return person


@pytest.fixture
def manager(app):
    return add_volunteer(app, name="陈站长", pin="864297", role="manager")


def text(response):
    return response.get_data(as_text=True)


def default_due(client):
    page = text(client.get("/volunteer/luggage/check-in"))
    return re.search(r'name="due" value="([^"]+)" checked', page).group(1)


def check_in(client, bags=("suitcase", "woven_bag"), shelf="A", phone="4321", due=None):
    data = {"bag": list(bags), "shelf": shelf, "due": due or default_due(client), "phone": phone}
    return client.post("/volunteer/luggage/check-in", data=data)


def deposits(app):
    with app.app_context(), database.connection_context():
        return list(LuggageDeposit.select().order_by(LuggageDeposit.id))


def payload(app, deposit):
    with app.app_context(), database.connection_context():
        kiosk_id = stations.current().kiosk_id
    return tokens.payload("L", deposit.code, kiosk_id, deposit.expires, app.config["SIGNING_KEY"])


def test_the_luggage_tile_opens_an_explanation_not_a_check_in(client):
    home = text(client.get("/"))
    assert 'id="tile-luggage" href="/luggage"' in home
    info = text(client.get("/luggage"))
    assert "请到服务台找志愿者办理" in info and "现在还可以寄存32件行李" in info
    assert "<form" not in info.split('id="luggage-info"')[1].split("</section>")[0]


def test_the_luggage_desk_needs_a_signed_in_volunteer(client):
    response = client.get("/volunteer/luggage/")
    assert response.status_code == 303 and response.headers["Location"].endswith("/volunteer/sign-in")
    assert client.post("/volunteer/luggage/claim", data={"code": "2345-6789", "bag": "1"}).status_code == 303


def test_luggage_pages_use_the_consoles_idle_time(app, client, volunteer):
    page = text(client.get("/volunteer/luggage/"))
    assert f'data-idle-seconds="{app.config["VOLUNTEER_IDLE_SECONDS"]}"' in page


def decode_qr(png):
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png))) if r.format == zxingcpp.BarcodeFormat.QRCode]


def test_a_check_in_prints_a_claim_ticket_and_one_tag_per_bag_with_the_same_code(app, client, volunteer):
    response = check_in(client)
    [deposit] = deposits(app)
    assert response.headers["Location"].endswith(f"/volunteer/luggage/t/{deposit.id}?printed=1")
    page = text(client.get(response.headers["Location"]))
    previews = re.findall(r'<img class="slip" src="([^"]+)"', page)
    assert previews == [f"/volunteer/luggage/t/{deposit.id}/slip/{i}.png" for i in range(3)]
    assert [decode_qr(client.get(url).data) for url in previews] == [[payload(app, deposit)]] * 3
    assert client.get(f"/volunteer/luggage/t/{deposit.id}/slip/3.png").status_code == 404
    with app.app_context(), database.connection_context():
        ticket = printing.Ticket.from_json(luggage.print_job(deposit).ticket)
    assert [ticket.title, *(t.title for t in ticket.parts)] == ["行李寄存凭证", "第1件/共2件", "第2件/共2件"]
    assert "服务热线 0833-12345" in ticket.footer and ("件数", "2件（行李箱、编织袋）") in ticket.lines


@pytest.mark.parametrize(
    "bags, message",
    [((), "请至少添加一件行李"), (("box",) * 7, "每张凭证最多6件"), (("box",) * 100, "每张凭证最多6件"),
     (("box", "suitcase", "sofa"), "请选择每件行李的类型")],
)
def test_impossible_bag_counts_are_refused_in_chinese_and_nothing_is_stored(app, client, volunteer, bags, message):
    response = check_in(client, bags=bags, phone="")
    assert response.status_code == 400
    assert message in text(response)
    assert deposits(app) == []


def test_a_refused_check_in_keeps_what_was_chosen(client, volunteer):
    response = check_in(client, shelf="Z", phone="4321", bags=("box", "backpack"), due="soon")
    page = text(response)
    assert response.status_code == 400 and "请选择货架" in page
    assert page.count('name="bag" value=') == 2 and 'id="phone" value="4321"' in page


def test_a_full_shelf_is_refused_and_shown_as_full(tmp_path):
    app = make_app(tmp_path, LUGGAGE_SHELVES={"A": 2, "B": 4})
    client = app.test_client()
    client.post("/volunteer/sign-in", data={"volunteer_id": add_volunteer(app), "pin": "2468"})
    assert check_in(client, bags=("box", "box")).status_code == 303
    refused = check_in(client, bags=("box",))
    assert refused.status_code == 400 and "A号货架已满，请选择其他货架" in text(refused)
    assert len(deposits(app)) == 1
    form = text(client.get("/volunteer/luggage/check-in"))
    assert re.search(r'value="A"\s+disabled', form) and re.search(r'value="B" checked', form)
    assert "A号货架" in text(client.get("/volunteer/luggage/")) and "已满" in text(client.get("/volunteer/luggage/"))


def test_adding_and_removing_bags_redraws_only_the_form_for_htmx(client, volunteer):
    response = client.get("/volunteer/luggage/check-in?bag=suitcase&bag=box&add=backpack&remove=0",
                          headers=htmx_headers())
    page = text(response)
    assert page.strip().startswith('<section id="check_in"') and "<html" not in page
    assert re.findall(r'name="bag" value="(\w+)"', page) == ["box", "backpack"]


def test_the_board_shows_only_the_last_four_characters_of_each_code(app, client, volunteer):
    check_in(client)
    [deposit] = deposits(app)
    board = text(client.get("/volunteer/luggage/"))
    assert f"…{deposit.code[-4:]}" in board and deposit.code not in board
    assert "今日：寄存2件" in board


def test_a_scanned_ticket_opens_its_bags_and_is_not_cached(app, client, volunteer):
    check_in(client)
    [deposit] = deposits(app)
    response = client.get("/volunteer/luggage/claim", query_string={"code": payload(app, deposit) + "\n"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = text(response)
    assert 'id="ticket-shelf">A<' in page and page.count('name="bag"') == 2


@pytest.mark.parametrize(
    "forge, message",
    [(lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"), "可能被改动过"),
     (lambda p: p.replace(p.split(".")[3], "FFFFFFFF"), "其他服务站打印"),
     (lambda p: "NOT-A-CODE", "不是本服务站的凭证")],
)
def test_forged_or_foreign_codes_are_refused_in_chinese(app, client, volunteer, forge, message):
    check_in(client)
    [deposit] = deposits(app)
    response = client.get("/volunteer/luggage/claim", query_string={"code": forge(payload(app, deposit))})
    assert response.status_code == 400 and message in text(response)
    posted = client.post("/volunteer/luggage/claim", data={"code": forge(payload(app, deposit)), "bag": "1"})
    assert posted.status_code == 400
    with app.app_context(), database.connection_context():
        assert LuggageBag.select().where(LuggageBag.released_at.is_null(False)).count() == 0


def test_claiming_twice_or_more_bags_than_checked_in_is_refused(app, client, volunteer):
    check_in(client)
    [deposit] = deposits(app)
    code = tokens.display_code(deposit.code)
    assert client.post("/volunteer/luggage/claim", data={"code": code, "bag": ["1"]}).status_code == 200
    again = client.post("/volunteer/luggage/claim", data={"code": code, "bag": ["1"]}, headers=htmx_headers())
    assert again.status_code == 409 and "第1件行李已于" in text(again)
    too_many = client.post("/volunteer/luggage/claim", data={"code": code, "bag": ["2", "3"]})
    assert too_many.status_code == 400 and "本凭证只有2件行李" in text(too_many)
    closed = client.post("/volunteer/luggage/claim", data={"code": code, "bag": ["2"]})
    assert "行李已全部归还" in text(closed)
    after = client.post("/volunteer/luggage/claim", data={"code": code, "bag": ["2"]})
    assert after.status_code == 409 and "全部归还" in text(after)


def test_a_ticket_opened_from_the_board_cannot_hand_bags_back(app, client, volunteer):
    check_in(client)
    [deposit] = deposits(app)
    page = text(client.get(f"/volunteer/luggage/t/{deposit.id}"))
    assert 'id="hand-back"' not in page and "/volunteer/luggage/lost" in page


def test_a_reprint_prints_the_same_code_and_is_in_the_audit_log(app, client, volunteer):
    check_in(client)
    [deposit] = deposits(app)
    early = client.post(f"/volunteer/luggage/t/{deposit.id}/reprint", data={"reason": "卡纸"})
    assert early.status_code == 409 and "还在等待打印" in text(early)
    with app.app_context():
        printing.process_queue()
    again = text(client.post(f"/volunteer/luggage/t/{deposit.id}/reprint", data={"reason": "卡纸"}))
    assert "已用同一凭证码补打" in again
    assert len(re.findall(r'<img class="slip" src="([^"]+)"', again)) == 3
    with app.app_context(), database.connection_context():
        original = luggage.print_job(deposit)
        [copy] = original.reprints
        [entry] = AuditEntry.about(luggage.subject(deposit.code))
    assert (copy.code, copy.data) == (original.code, original.data)
    assert (entry.action, entry.reason, entry.volunteer_id) == ("reprint", "卡纸", volunteer)


def test_a_reprint_without_a_reason_is_refused(app, client, volunteer):
    check_in(client)
    [deposit] = deposits(app)
    response = client.post(f"/volunteer/luggage/t/{deposit.id}/reprint", data={})
    assert response.status_code == 400 and "请填写原因" in text(response)


def test_lost_ticket_search_finds_bags_by_phone_digits_and_hides_others(app, client, volunteer):
    check_in(client, bags=("woven_bag",), phone="4321")
    [deposit] = deposits(app)
    day = deposit.day.isoformat()
    found = text(client.get("/volunteer/luggage/lost", query_string={"day": day, "kind": "woven_bag", "phone": "4321"}))
    assert f"/volunteer/luggage/lost/{deposit.id}?phone=4321" in found and "手机尾号相符" in found
    wrong = text(client.get("/volunteer/luggage/lost", query_string={"day": day, "kind": "woven_bag", "phone": "1234"}))
    assert f"/volunteer/luggage/lost/{deposit.id}" not in wrong and "没有相符的行李" in wrong


def test_a_lost_ticket_release_with_a_wrong_pin_releases_nothing(app, client, volunteer, manager):
    check_in(client, bags=("woven_bag",), phone="4321")
    [deposit] = deposits(app)
    url = f"/volunteer/luggage/lost/{deposit.id}"
    form = {"bag": ["1"], "phone": "4321", "manager_id": manager, "reason": "凭证丢失"}
    wrong = client.post(url, data={**form, "pin": "1111"})
    assert wrong.status_code == 403 and "PIN 错误，还可以再试 4 次" in text(wrong)
    no_reason = client.post(url, data={**form, "reason": "", "pin": "864297"})
    assert no_reason.status_code == 400 and "请填写原因" in text(no_reason)
    not_manager = client.post(url, data={**form, "manager_id": volunteer, "pin": "2468"})
    assert not_manager.status_code == 403 and "请选择批准放行的站长" in text(not_manager)
    with app.app_context(), database.connection_context():
        assert LuggageBag.select().where(LuggageBag.released_at.is_null(False)).count() == 0
    released = client.post(url, data={**form, "reason_text": "和车票一起丢了", "pin": "864297"})
    assert released.status_code == 200 and "已经站长批准放行，本凭证已关闭" in text(released)
    with app.app_context(), database.connection_context():
        [entry] = AuditEntry.about(luggage.subject(deposit.code))
    assert (entry.action, entry.reason) == ("luggage_lost_release", "和车票一起丢了")


def test_a_lost_ticket_release_is_refused_without_a_csrf_token(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context(), database.connection_context():
        volunteer = add_volunteer(app)
    with client.session_transaction() as session:
        session["volunteer_id"] = volunteer
        session["volunteer_seen"] = 10**12
    response = client.post("/volunteer/luggage/lost/1", data={"pin": "864297", "reason": "x"})
    assert response.status_code == 400 and "页面已过期" in text(response)
