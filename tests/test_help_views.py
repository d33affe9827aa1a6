"""The worker's help screens over HTTP: the tip flow, its sealed storage and receipt, job slips and counts."""

import datetime
import json

import pytest

from kiosk import clock as clock_module
from kiosk import counts
from kiosk import help as help_domain
from kiosk import keys
from kiosk.models import database
from kiosk.printing import PrintJob
from kiosk.printing import Ticket
from kiosk.sync import sealed_wire
from tests.conftest import htmx_headers
from tests.conftest import make_app
from tests.help_factory import clock
from tests.help_factory import item
from tests.help_factory import job_body
from tests.help_factory import office_key


@pytest.fixture
def key():
    return office_key()


@pytest.fixture
def app(tmp_path, key):
    return make_app(tmp_path, OFFICE_PUBLIC_KEY=keys.public_text(key), HELP_LABOUR_DESK="市中区劳动保障监察大队 0833-2122345")


@pytest.fixture
def client(app):
    return app.test_client()


def tap_through_tip(client, phone=None):
    """The worker's taps, as htmx sends them; returns the last response."""
    client.get("/help/tip")
    client.post("/help/tip/province", data={"code": "440000"}, headers=htmx_headers())
    client.post("/help/tip/city", data={"code": "440300"}, headers=htmx_headers())
    client.post("/help/tip/sector", data={"value": "construction"}, headers=htmx_headers())
    client.post("/help/tip/amount", data={"value": "20k_50k"}, headers=htmx_headers())
    client.post("/help/tip/duration", data={"value": "3_6m"}, headers=htmx_headers())
    client.post("/help/tip/workers", data={"value": "2_5"}, headers=htmx_headers())
    if phone:
        client.post("/help/tip/contact", data={"value": "phone"}, headers=htmx_headers())
        client.post("/help/tip/phone", data={"number": phone}, headers=htmx_headers())
    else:
        client.post("/help/tip/contact", data={"value": "none"}, headers=htmx_headers())
    return client.post("/help/tip/confirm", headers=htmx_headers())


def stored_tips(app):
    with app.app_context(), database.connection_context():
        return list(help_domain.SealedTip.select())


def test_a_tip_is_stored_only_sealed_and_opens_with_the_office_key(app, client, key):
    done = tap_through_tip(client, phone="13812345678")
    assert done.status_code == 200
    page = done.get_data(as_text=True)
    (tip,) = stored_tips(app)
    assert tip.number in page
    assert "13812345678" not in tip.sealed and "construction" not in tip.sealed
    opened = sealed_wire.open_sealed(tip.sealed, key)
    assert opened["sector"] == "construction" and opened["city"] == "440300" and opened["workers"] == "2_5"
    assert keys.unseal(opened["phone"], key).decode() == "13812345678"
    with pytest.raises(ValueError):
        sealed_wire.open_sealed(tip.sealed, office_key())


def test_the_session_never_holds_the_phone_number_in_clear(client):
    tap_through_tip(client)  # warm up a session
    client.get("/help/tip")
    for step, value in (("province", "510000"),):
        client.post(f"/help/tip/{step}", data={"code": value}, headers=htmx_headers())
    client.post("/help/tip/city", data={"code": "511100"}, headers=htmx_headers())
    for step, value in (("sector", "factory"), ("amount", "under_5k"), ("duration", "under_1m"), ("workers", "1"),
                        ("contact", "phone")):
        client.post(f"/help/tip/{step}", data={"value": value}, headers=htmx_headers())
    client.post("/help/tip/phone", data={"number": "139 0000 1234"}, headers=htmx_headers())
    with client.session_transaction() as session:
        state = json.dumps(dict(session))
    assert "13900001234" not in state and "1234" in state  # the last 4 to show back, and no more


def test_the_receipt_slip_says_what_happens_next_and_where_to_call(app, client):
    tap_through_tip(client)
    with app.app_context(), database.connection_context():
        job = PrintJob.select().where(PrintJob.kind == "wage_tip").get()
        ticket = Ticket.from_json(job.ticket)
        data = bytes(job.data)
        tip = help_domain.SealedTip.get()
    text = " ".join(str(t) for t in ticket.texts())
    assert tip.number in text and "12345" in text and "3–5" in text
    assert "市中区劳动保障监察大队 0833-2122345" in text
    assert "合同" in text and "考勤" in text and "工资条" in text and "聊天记录" in text
    assert tip.number.encode("gbk") in data and "欠薪线索回执".encode("gbk") in data


def test_a_tip_counts_by_kind_of_work_and_the_count_carries_nothing_else(app, client):
    tap_through_tip(client)
    with app.app_context(), database.connection_context():
        cells = [c for c in counts.changed_since(0) if c.metric == "wage_tips.received"]
    assert [(c.dims, c.value) for c in cells] == [({"sector": "construction"}, 1)]


def test_a_double_tap_on_send_stores_one_tip(app, client):
    tap_through_tip(client)
    again = client.post("/help/tip/confirm", headers=htmx_headers())
    assert again.status_code == 200
    assert len(stored_tips(app)) == 1


def test_a_skipped_step_is_refused_in_chinese_and_stores_nothing(app, client):
    client.get("/help/tip")
    response = client.post("/help/tip/amount", data={"value": "under_5k"}, headers=htmx_headers())
    assert response.status_code == 400
    assert "请回到首页重新开始" in response.get_data(as_text=True)
    assert stored_tips(app) == []


def test_a_bad_phone_number_is_refused_and_the_draft_keeps_no_number(app, client):
    client.get("/help/tip")
    client.post("/help/tip/province", data={"code": "510000"}, headers=htmx_headers())
    client.post("/help/tip/city", data={"code": "511100"}, headers=htmx_headers())
    for step, value in (("sector", "factory"), ("amount", "under_5k"), ("duration", "under_1m"), ("workers", "1"),
                        ("contact", "phone")):
        client.post(f"/help/tip/{step}", data={"value": value}, headers=htmx_headers())
    response = client.post("/help/tip/phone", data={"number": "12345"}, headers=htmx_headers())
    assert response.status_code == 400
    with client.session_transaction() as session:
        assert session["wage_tip"]["phone_sealed"] is None


def test_a_kiosk_without_the_office_key_says_to_call_12345_and_stores_nothing(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    response = tap_through_tip(client)
    assert response.status_code == 400
    assert "12345" in response.get_data(as_text=True)
    assert stored_tips(app) == []


def test_the_office_acknowledgement_erases_the_sealed_tip(app, client, key):
    tap_through_tip(client)
    (tip,) = stored_tips(app)
    ack = item(key, "ack", "ack-k1", 1, ("station", "leshan-kyzx"), {"tips": [tip.tip_id]}, valid_until=None)
    with app.app_context(), database.connection_context():
        forged = item(office_key(), "ack", "ack-k2", 1, ("station", "leshan-kyzx"), {"tips": [tip.tip_id]},
                      valid_until=None)
        help_domain.receive([forged], "leshan-kyzx", "511102")
        assert help_domain.SealedTip.select().count() == 1
        help_domain.receive([ack], "leshan-kyzx", "511102")
        assert help_domain.SealedTip.select().count() == 0


# Jobs -------------------------------------------------------------------------------


def publish(app, *items):
    with app.app_context(), database.connection_context():
        return help_domain.receive(list(items), "leshan-kyzx", "511102")


def test_postings_list_local_first_then_the_registered_destination(app, client, key, monkeypatch):
    publish(
        app,
        clock(key, datetime.date.today()),
        item(key, item_id="job-sz", body=job_body(title="电子厂普工", place="深圳市宝安区", place_code="440306",
                                                  sector="factory")),
        item(key, item_id="job-zj", body=job_body(title="纺织工", place="绍兴市柯桥区", place_code="330603",
                                                  sector="factory")),
        item(key, item_id="job-ls", valid_until=datetime.date.today() + datetime.timedelta(days=9)),
    )
    page = client.get("/help/jobs").get_data(as_text=True)
    assert page.index("job-ls") < page.index("job-sz") and page.index("job-ls") < page.index("job-zj")
    # Registered 返岗 to Zhejiang: Zhejiang's posting comes before Guangdong's.
    client.post("/register/direction", data={"direction": "work"}, headers=htmx_headers())
    client.post("/register/prefecture", data={"code": "511100"}, headers=htmx_headers())
    client.post("/register/county", data={"code": "511102"}, headers=htmx_headers())
    client.post("/register/destination", data={"code": "330000"}, headers=htmx_headers())
    client.post("/register/confirm", headers=htmx_headers())
    page = client.get("/help/jobs").get_data(as_text=True)
    assert page.index("job-ls") < page.index("job-zj") < page.index("job-sz")


def test_a_posting_prints_a_slip_with_a_qr_to_call_and_is_counted(app, client, key):
    today = datetime.date.today()
    publish(app, clock(key, today), item(key, valid_until=today + datetime.timedelta(days=9),
                                          body=job_body(fair={"name": "春风行动乐山专场", "date": today.isoformat(),
                                                              "place": "乐山市人力资源市场"})))
    assert client.get("/help/jobs/job-1").status_code == 200
    response = client.post("/help/jobs/job-1/print", headers=htmx_headers())
    assert response.status_code == 200 and 'data-payload="tel:08332123456"' in response.get_data(as_text=True)
    with app.app_context(), database.connection_context():
        job = PrintJob.select().where(PrintJob.kind == "job").get()
        text = " ".join(Ticket.from_json(job.ticket).texts())
        day = clock_module.local_day()  # the station's day, not the machine's (they differ after 16:00 UTC)
        viewed = counts.value("jobs.viewed", day, sector="construction", locality="local")
        printed = counts.value("jobs.slips_printed", day, sector="construction", locality="local")
    for expected in ("乐山市鑫达建筑劳务有限公司", "钢筋工", "7000–9000", "乐山市市中区", "0833-2123456",
                     "春风行动乐山专场", "乐山市人力资源市场"):
        assert expected in text
    assert (viewed, printed) == (1, 1)


def test_an_expired_or_unknown_posting_is_a_clear_message_not_a_crash(app, client, key):
    publish(app, clock(key, datetime.date.today()), item(key, valid_until=datetime.date.today() - datetime.timedelta(days=1)))
    response = client.get("/help/jobs/job-1")
    assert response.status_code == 404
    assert "这条招聘信息已经截止" in response.get_data(as_text=True)
    assert client.post("/help/jobs/nope/print", headers=htmx_headers()).status_code == 404


def test_the_fair_calendar_marks_fair_days(app, client, key):
    today = datetime.date.today()
    fair_day = today + datetime.timedelta(days=1)
    publish(app, clock(key, today), item(key, "fair", "fair-1", body={"name": "春风行动招聘会", "date": fair_day.isoformat(),
                                                                  "place": "乐山市体育馆"}, valid_until=fair_day))
    page = client.get("/help/fairs").get_data(as_text=True)
    assert "春风行动招聘会" in page and "乐山市体育馆" in page
    assert f'class="has-fair">{fair_day.day}<' in page or f'class="has-fair today">{fair_day.day}<' in page


# The evening session's endpoints -----------------------------------------------------


def test_the_session_endpoints_need_the_sync_token(client):
    assert client.get("/sync/tips").status_code == 401
    assert client.post("/sync/content", data=b"{}").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert client.get("/sync/tips", headers=wrong).status_code == 401


def test_a_night_with_hundreds_of_postings_is_taken_in_one_request(app, client, key):
    from kiosk.sync import content_wire

    bearer = {"Authorization": f"Bearer {app.config['SYNC_TOKEN']}"}
    items = [item(key, item_id=f"job-{n}") for n in range(300)]
    body = json.dumps(content_wire.delivery(items), ensure_ascii=False).encode()
    assert len(body) > app.config["MAX_CONTENT_LENGTH"]
    answer = client.post("/sync/content", data=body, headers=bearer)
    assert answer.status_code == 200 and len(answer.get_json()["accepted"]) == 300
    again = client.post("/sync/content", data=body, headers=bearer).get_json()
    assert again["accepted"] == [] and len(again["unchanged"]) == 300


def test_the_tips_batch_is_signed_with_the_token_and_holds_only_sealed_tips(app, client, key):
    from kiosk import sync

    tap_through_tip(client, phone="13812345678")
    response = client.get("/sync/tips", headers={"Authorization": f"Bearer {app.config['SYNC_TOKEN']}"})
    assert response.headers["Cache-Control"] == "no-store"
    found = sealed_wire.validate(sealed_wire.verify(response.get_json(), app.config["SYNC_TOKEN"]))
    assert len(found["tips"]) == 1
    text = response.get_data(as_text=True)
    assert "13812345678" not in text and "construction" not in text and "440300" not in text
    with pytest.raises(sealed_wire.TipsRefused):
        sealed_wire.verify(response.get_json(), "another-kiosk-token")
    assert sync.key_id(app.config["SYNC_TOKEN"]) == found["key"]


def test_many_postings_come_a_page_at_a_time(app, client, key):
    publish(app, clock(key, datetime.date.today()),
            *[item(key, item_id=f"job-{n:02d}", valid_until=datetime.date.today() + datetime.timedelta(days=5))
              for n in range(20)])
    first = client.get("/help/jobs").get_data(as_text=True)
    assert first.count('class="job-card') == 8 and "job-00" in first and "job-08" not in first
    last = client.get("/help/jobs?page=3").get_data(as_text=True)
    assert last.count('class="job-card') == 4 and "job-19" in last
    assert client.get("/help/jobs?page=99").status_code == 200


def test_a_municipality_has_no_city_step_and_back_returns_to_the_provinces(client):
    client.get("/help/tip")
    response = client.post("/help/tip/province", data={"code": "110000"}, headers=htmx_headers())
    page = response.get_data(as_text=True)
    assert 'id="tip-sector"' in page
    assert "/help/tip/step/province" in page  # Back skips the city step Beijing does not have
