"""Gift packs over HTTP: the worker's chooser and voucher, the override, the volunteer's desk."""

import re

import pytest

from kiosk import clock
from kiosk import printing
from kiosk import stations
from kiosk import vouchers
from kiosk.models import AuditEntry
from kiosk.models import database
from kiosk.printing import PrintJob
from kiosk.printing import Ticket
from kiosk.views.register import DONE_KEY
from kiosk.vouchers import PackType
from kiosk.vouchers import Voucher
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers
from tests.conftest import make_app
from tests.vouchers_factory import person
from tests.vouchers_factory import registration
from tests.vouchers_factory import stock_station

@pytest.fixture
def offers(app):
    with app.app_context(), database.connection_context():
        return stock_station(warm=3, starts=clock.local_day())


@pytest.fixture
def volunteer(app):
    return add_volunteer(app)


def registered_as(app, client, name):
    """Leave in the session what registration's confirmation leaves: the saved registration's token."""
    token = in_db(app, lambda: registration(document_hash=person(name)))
    with client.session_transaction() as session:
        session[DONE_KEY] = token


def in_db(app, query):
    with app.app_context(), database.connection_context():
        return query()


def take(client, offer_id, token=None, **headers):
    token = token or vouchers.new_request_token()
    return client.post("/packs/issue", data={"offer": offer_id, "token": token}, headers=headers)


def payload_on(body):
    return re.search(r'data-payload="([^"]+)"', body).group(1)


def test_the_pack_tile_opens_the_pack_chooser(client, offers):
    home = client.get("/").get_data(as_text=True)
    assert 'id="tile-pack" href="/packs/"' in home
    body = client.get("/packs/").get_data(as_text=True)
    assert "暖心小礼包" in body and "矿泉水、口罩、面包、纸巾、苹果" in body
    assert "无需证件" in body
    assert "请先用手机号或身份证登记" in body  # 返岗礼包 needs registration


def test_taking_a_pack_shows_the_voucher_with_its_ticket(app, client, offers):
    body = take(client, offers["warm"], **htmx_headers()).get_data(as_text=True)
    assert body.lstrip().startswith('<section id="voucher"')
    voucher = in_db(app, lambda: Voucher.get())
    code = f"{voucher.code[:4]}-{voucher.code[4:]}"
    assert code in body and "暖心小礼包" in body and "data:image/png" not in body
    assert len(body.encode()) <= 4096  # the picture is its own URL, not inlined in the swap
    assert payload_on(body).startswith(f"NT1.V.{voucher.code}.")
    job = in_db(app, lambda: PrintJob.get_by_id(voucher.print_job))
    ticket = Ticket.from_json(job.ticket)
    src = re.search(r'<img src="([^"]+)"', body).group(1)
    assert src == f"/packs/voucher/{voucher.code}/ticket.png"
    picture = client.get(src)
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert "max-age" in picture.headers["Cache-Control"]
    with app.app_context():
        assert picture.data == printing.preview_png(ticket)
    assert (ticket.code, ticket.qr) == (code, payload_on(body))
    assert ("站点", "乐山客运中心站") in ticket.lines and ("内容", "矿泉水、口罩、面包、纸巾、苹果") in ticket.lines
    assert "请凭此券到志愿者服务台领取礼包。" in ticket.footer


def test_the_ticket_picture_is_drawn_once_per_job_and_only_for_this_visit(app, client, offers, monkeypatch):
    from kiosk.printing import render

    drawn = []
    real = render.render_ticket
    monkeypatch.setattr(render, "render_ticket", lambda *a, **k: drawn.append(1) or real(*a, **k))
    body = take(client, offers["warm"], **htmx_headers()).get_data(as_text=True)
    assert drawn == []  # nothing drawn while issuing
    src = re.search(r'<img src="([^"]+)"', body).group(1)
    first, second = client.get(src), client.get(src)
    assert first.data == second.data and len(drawn) == 1
    assert app.test_client().get(src).status_code == 404  # another visit (the next person)
    assert client.get("/packs/voucher/ZZZZZZZZ/ticket.png").status_code == 404


def test_a_double_tap_on_take_issues_one_voucher(app, client, offers):
    token = vouchers.new_request_token()
    first = take(client, offers["warm"], token).get_data(as_text=True)
    second = take(client, offers["warm"], token).get_data(as_text=True)
    assert payload_on(first) == payload_on(second)
    assert in_db(app, lambda: Voucher.select().count()) == 1
    assert in_db(app, lambda: PackType.get(PackType.key == "warm").reserved) == 1


def test_tapping_the_same_pack_again_in_one_visit_shows_the_same_voucher(app, client, offers):
    first = take(client, offers["warm"]).get_data(as_text=True)
    again = take(client, offers["warm"]).get_data(as_text=True)
    assert payload_on(first) == payload_on(again)
    assert in_db(app, lambda: Voucher.select().count()) == 1


def test_the_next_person_after_a_reset_gets_their_own_voucher(app, client, offers):
    take(client, offers["warm"])
    client.post("/reset")
    take(client, offers["warm"])
    assert in_db(app, lambda: Voucher.select().count()) == 2


def test_a_registered_person_is_held_to_the_quota(app, client, offers):
    registered_as(app, client, "张三")
    take(client, offers["return"])
    client.post("/reset")
    registered_as(app, client, "张三")  # the same ID, registered again
    response = take(client, offers["return"], **htmx_headers())
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#alerts"
    assert "返岗礼包" in response.get_data(as_text=True)
    assert in_db(app, lambda: Voucher.select().count()) == 1


def test_out_of_stock_mid_issue_is_a_clear_message(app, client, offers):
    for _ in range(3):
        take(client, offers["warm"])
        client.post("/reset")
    response = take(client, offers["warm"], **htmx_headers())
    assert response.status_code == 409
    assert "暖心小礼包刚刚发完" in response.get_data(as_text=True)
    assert "已发完" in client.get("/packs/").get_data(as_text=True)


@pytest.mark.parametrize("form", [{}, {"offer": "x", "token": "y"}, {"offer": "999", "token": "a" * 32},
                                  {"offer": "1", "token": "<script>"}])
def test_bad_issue_requests_are_refused_without_a_500(app, client, offers, form):
    response = client.post("/packs/issue", data=form, headers=htmx_headers())
    assert 400 <= response.status_code < 500
    assert in_db(app, lambda: Voucher.select().count()) == 0


def test_a_volunteer_override_at_the_kiosk_needs_their_pin_and_a_reason(app, client, offers, volunteer):
    token = vouchers.new_request_token()
    form = {"token": token, "reason": "family", "volunteer_id": volunteer, "pin": "9999"}
    page = client.get(f"/packs/override/{offers['return']}").get_data(as_text=True)
    assert "王芳" in page and "代家人领取" in page
    wrong = client.post(f"/packs/override/{offers['return']}", data=form, headers=htmx_headers())
    assert wrong.status_code == 403
    assert in_db(app, lambda: Voucher.select().count()) == 0
    right = client.post(f"/packs/override/{offers['return']}", data={**form, "pin": "2468"})
    assert right.status_code == 200 and "返岗礼包" in right.get_data(as_text=True)
    entry = in_db(app, lambda: AuditEntry.get(AuditEntry.action == "override"))
    assert (entry.reason, entry.volunteer_id) == ("family", volunteer)


def test_an_allowed_pack_needs_no_override(client, offers):
    assert client.get(f"/packs/override/{offers['warm']}").status_code == 404


def sign_in(auth, volunteer):
    auth.sign_in(volunteer)


def issue_one(app, client, offer_id):
    body = take(client, offer_id).get_data(as_text=True)
    client.post("/reset")
    return payload_on(body)


def test_the_desk_needs_a_signed_in_volunteer(client):
    response = client.get("/volunteer/packs/")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/volunteer/sign-in")


def test_scanning_at_the_desk_shows_the_pack_to_hand_out(app, client, auth, offers, volunteer):
    scanned = issue_one(app, client, offers["warm"])
    sign_in(auth, volunteer)
    body = client.post("/volunteer/packs/scan", data={"code": scanned + "\n"}, headers=htmx_headers()).get_data(as_text=True)
    assert body.lstrip().startswith('<section id="voucher-card"')
    assert "暖心小礼包" in body and "确认发放" in body


def test_confirming_redeems_and_updates_the_counts(app, client, auth, offers, volunteer):
    scanned = issue_one(app, client, offers["warm"])
    code = scanned.split(".")[2]
    sign_in(auth, volunteer)
    response = client.post(f"/volunteer/packs/{code}/redeem", headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert "已发放" in body
    assert 'id="pack-counts" class="pack-counts" hx-swap-oob="true"' in body
    assert '<td data-count="redeemed">1</td>' in body
    assert response.headers["Cache-Control"] == "no-store"
    again = client.post("/volunteer/packs/scan", data={"code": scanned}, headers=htmx_headers())
    assert again.status_code == 409
    assert "王芳" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    "scanned, words",
    [
        ("NT1.V.23456789.00000000.20270120.AAAAAAAAAAAAAAAA", "其他服务站打印"),
        ("hello", "不是本服务站"),
        ("2345-6789", "没有编号为 2345-6789"),
    ],
)
def test_bad_scans_are_refused_in_the_card(client, auth, offers, volunteer, scanned, words):
    sign_in(auth, volunteer)
    response = client.post("/volunteer/packs/scan", data={"code": scanned}, headers=htmx_headers())
    assert 400 <= response.status_code < 500
    body = response.get_data(as_text=True)
    assert 'class="voucher-card is-refused"' in body and words in body


def test_an_altered_payload_is_refused(app, client, auth, offers, volunteer):
    scanned = issue_one(app, client, offers["warm"])
    tampered = scanned[:-1] + ("A" if scanned[-1] != "A" else "B")
    sign_in(auth, volunteer)
    body = client.post("/volunteer/packs/scan", data={"code": tampered}, headers=htmx_headers()).get_data(as_text=True)
    assert "可能被改动过" in body


def test_void_and_reprint_from_the_desk_need_a_reason(app, client, auth, offers, volunteer):
    scanned = issue_one(app, client, offers["warm"])
    code = scanned.split(".")[2]
    sign_in(auth, volunteer)
    assert client.post(f"/volunteer/packs/{code}/void", data={}, headers=htmx_headers()).status_code == 400
    waiting = client.post(f"/volunteer/packs/{code}/reprint", data={"reason": "printer"}, headers=htmx_headers())
    assert waiting.status_code == 409  # the first print is still queued: nothing to reprint yet
    with app.app_context():
        printing.process_queue()
    assert "同一编号" in client.post(f"/volunteer/packs/{code}/reprint", data={"reason": "printer"},
                                    headers=htmx_headers()).get_data(as_text=True)
    assert "已作废" in client.post(f"/volunteer/packs/{code}/void", data={"reason": "misprint"},
                                  headers=htmx_headers()).get_data(as_text=True)
    actions = in_db(app, lambda: [e.action for e in AuditEntry.select().order_by(AuditEntry.id)])
    assert actions == ["reprint", "void"]


def test_only_a_manager_can_count_stock_in_and_out(app, client, auth, offers, volunteer):
    sign_in(auth, volunteer)
    assert client.post("/volunteer/packs/stock", data={"pack": "warm", "quantity": "5", "reason": "到货"}).status_code == 403
    manager = add_volunteer(app, name="陈站长", pin="864297", role="manager")
    auth.sign_in(manager, pin="864297")
    assert client.post("/volunteer/packs/stock", data={"pack": "warm", "quantity": "5", "reason": "到货"}).status_code == 303
    refused = client.post("/volunteer/packs/stock", data={"pack": "warm", "direction": "out", "quantity": "50", "reason": "破损"})
    assert refused.status_code == 409
    assert in_db(app, lambda: PackType.get(PackType.key == "warm").on_hand) == 8
    page = client.get("/volunteer/packs/stock").get_data(as_text=True)
    assert '<td data-count="on_hand">8</td>' in page


def test_the_console_links_to_the_desk(client, auth, volunteer):
    sign_in(auth, volunteer)
    assert 'href="/volunteer/packs/"' in client.get("/volunteer/").get_data(as_text=True)


def test_the_payload_carries_no_personal_data(app, client, offers):
    registered_as(app, client, "张三")
    body = take(client, offers["return"]).get_data(as_text=True)
    scanned = payload_on(body)
    info = in_db(app, stations.current)
    assert person("张三")[:8].upper() not in scanned
    assert scanned.split(".")[3] == info.kiosk_id[:8].upper()


def test_a_volunteer_left_signed_in_at_the_kiosk_does_not_let_a_worker_override(app, client, auth, offers, volunteer):
    sign_in(auth, volunteer)
    form = {"token": vouchers.new_request_token(), "reason": "hardship"}
    response = client.post(f"/packs/override/{offers['return']}", data=form, headers=htmx_headers())
    assert response.status_code == 403
    assert in_db(app, lambda: Voucher.select().count()) == 0


@pytest.mark.parametrize("code", ["nothing", "ZZZZZZZZZZZZZZZZZZZZ", "0OIL0OIL", "%E6%9A%96"])
def test_confirming_a_code_that_does_not_exist_changes_nothing(app, client, auth, offers, volunteer, code):
    sign_in(auth, volunteer)
    response = client.post(f"/volunteer/packs/{code}/redeem", headers=htmx_headers())
    assert response.status_code == 404
    assert "is-refused" in response.get_data(as_text=True)
    assert in_db(app, lambda: PackType.get(PackType.key == "warm").on_hand) == 3


def test_a_registered_worker_may_take_the_pack_that_needs_id_and_it_is_linked(app, client, offers):
    registered_as(app, client, "李四")
    page = client.get("/packs/").get_data(as_text=True)
    assert "没有登记" not in page and "请先用手机号或身份证登记" not in page
    take(client, offers["return"])
    voucher = in_db(app, lambda: Voucher.get())
    with client.session_transaction() as session:
        assert voucher.registration_token == session[DONE_KEY]
    assert voucher.person_key == person("李四")


def test_a_phone_only_registration_is_counted_on_the_phone(app, offers):
    with app.app_context(), database.connection_context():
        token = registration(phone_hash=person("13800001234"))
        assert vouchers.person_key_of(token) == person("13800001234")
        assert vouchers.person_key_of(registration()) is None
        assert vouchers.person_key_of("no such token") is None


def test_with_the_printer_out_of_paper_the_worker_is_told_to_show_the_code(tmp_path):
    app = make_app(tmp_path, PRINTER_URL="virtual://?fault=paper_out")
    offers = in_db(app, lambda: stock_station(warm=3, starts=clock.local_day()))
    client = app.test_client()

    body = take(client, offers["warm"], **htmx_headers()).get_data(as_text=True)

    assert "凭证正在打印" not in body
    assert "请把这个号码给志愿者看" in body
    voucher = in_db(app, lambda: Voucher.get())
    assert f"{voucher.code[:4]}-{voucher.code[4:]}" in body


def test_a_ticket_held_back_earlier_does_not_stop_the_next_one_printing(tmp_path):
    app = make_app(tmp_path, PRINTER_URL="virtual://")
    offers = in_db(app, lambda: stock_station(warm=3, starts=clock.local_day()))
    client = app.test_client()
    in_db(app, lambda: PrintJob.create(kind="voucher", code="OLD1-OLD1", ticket="{}", data=b"", profile="generic58",
                                       state="failed", last_error=printing.models.HELD))

    body = take(client, offers["warm"], **htmx_headers()).get_data(as_text=True)

    assert "凭证正在打印" in body


def test_wrong_pins_at_the_worker_screen_never_lock_the_manager_out_of_the_console(app, offers):
    manager = add_volunteer(app, name="陈站长", pin="864297", role="manager")
    screen = app.test_client()
    form = {"token": vouchers.new_request_token(), "reason": "family", "volunteer_id": manager, "pin": "111111"}
    for _ in range(12):  # someone at the public screen keeps guessing
        screen.post(f"/packs/override/{offers['return']}", data=form)
    locked = screen.post(f"/packs/override/{offers['return']}", data={**form, "pin": "864297"})
    assert locked.status_code == 403 and "15" in locked.get_data(as_text=True)  # the screen path stays hard
    console = app.test_client()
    assert console.post("/volunteer/sign-in", data={"volunteer_id": manager, "pin": "864297"}).status_code == 303
    roster = console.get("/volunteer/people").get_data(as_text=True)
    assert "PIN 码在务工人员屏幕上已锁定" in roster
    console.post(f"/volunteer/people/{manager}/unlock")
    again = screen.post(f"/packs/override/{offers['return']}", data={**form, "pin": "864297"})
    assert again.status_code == 200 and "返岗礼包" in again.get_data(as_text=True)
