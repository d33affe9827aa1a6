"""The office's help pages: postings typed or imported, tips for case workers only, in Chinese."""

import datetime
import io
import json

import pytest
from openpyxl import Workbook

from kiosk.central import cases
from kiosk.central import content
from kiosk.central.help_models import Publication
from kiosk.central.help_models import TipEvent
from kiosk.central.help_models import WageTip
from kiosk.central.models import database as central_db
from kiosk import clock
from kiosk import keys
from kiosk.sync import sealed_wire
from tests.central.conftest import OfficeAuth
from tests.central.conftest import add_office_user

UNTIL = (datetime.date.today() + datetime.timedelta(days=20)).isoformat()


@pytest.fixture
def office(central_app):
    with central_app.app_context(), central_db.connection_context():
        content.init_key(central_app.instance_path)
    add_office_user(central_app)
    client = central_app.test_client()
    assert OfficeAuth(client).sign_in().status_code == 303
    return client


def posting_form(**extra):
    return {"employer": "乐山市鑫达建筑劳务有限公司", "title": "钢筋工", "sector": "construction", "pay_min": "7000",
            "pay_max": "9000", "place": "乐山市市中区", "place_code": "511102", "contact": "0833-2123456",
            "scope": "city:511100", "valid_until": UNTIL, **extra}


def publications(app):
    with app.app_context(), central_db.connection_context():
        return list(Publication.select())


def test_an_editor_publishes_a_posting_from_the_form_and_sees_it_listed(central_app, office):
    response = office.post("/jobs", data=posting_form())
    assert response.status_code == 303
    page = office.get(response.headers["Location"]).get_data(as_text=True)
    assert "已发布" in page and "钢筋工" in page and "乐山市" in page
    (row,) = publications(central_app)
    assert json.loads(row.signed)["signature"] and row.created_by == "陈静"


def test_a_posting_with_the_pay_upside_down_is_refused_in_chinese_and_nothing_is_published(central_app, office):
    response = office.post("/jobs", data=posting_form(pay_min="9000", pay_max="7000"))
    assert response.status_code == 400
    assert "最低工资高于最高工资" in response.get_data(as_text=True)
    assert publications(central_app) == []


def test_withdrawing_a_posting_publishes_a_version_closed_yesterday(central_app, office):
    office.post("/jobs", data=posting_form())
    (row,) = publications(central_app)
    assert office.post(f"/jobs/{row.item_id}/withdraw").status_code == 303
    (row,) = publications(central_app)
    assert row.version == 2 and row.valid_until < clock.local_day()  # the office's day


def test_a_job_fairs_xlsx_is_imported_from_the_page(central_app, office):
    book = Workbook()
    book.active.append(["用人单位", "岗位", "工作地点", "行业"])
    book.active.append(["乐山物流", "司机", "乐山", "物流"])
    data = io.BytesIO()
    book.save(data)
    response = office.post("/jobs/import", data={"file": (io.BytesIO(data.getvalue()), "fair.xlsx"),
                                                  "scope": "city:511100", "valid_until": UNTIL},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "已发布 1 条招聘信息" in response.get_data(as_text=True)


def sealed_tip(app):
    with app.app_context(), central_db.connection_context():
        key = content.current_key()
        tip = {"number": "T270120-ABCDE", "station": "leshan-kyzx", "station_name": "乐山客运中心站",
               "day": "2027-01-20", "province": "510000", "city": "511100", "sector": "factory", "amount": "under_5k",
               "duration": "1_3m", "workers": "1", "phone": keys.seal(b"13812345678", key.public_key), "employer": ""}
        envelope = {"id": "a" * 32, "number": tip["number"], "office_key": key.key_id, "day": tip["day"],
                    "sealed": sealed_wire.seal(tip, key.public_key)}
        cases.take({"kiosk": "b" * 32, "station": {"code": "leshan-kyzx", "county": "511102"}, "tips": [envelope]})
    return envelope


def test_tips_are_hidden_from_users_who_are_not_case_workers(central_app, office):
    envelope = sealed_tip(central_app)
    assert "欠薪线索" not in office.get("/jobs").get_data(as_text=True).split("</nav>")[0]
    assert office.get("/tips").status_code == 403
    refused = office.get(f"/tips/{envelope['id']}")
    assert refused.status_code == 403 and "13812345678" not in refused.get_data(as_text=True)


def test_a_case_worker_lists_opens_and_moves_a_tip_with_an_audit_trail(central_app, office):
    envelope = sealed_tip(central_app)
    with central_app.app_context(), central_db.connection_context():
        cases.grant("陈静")
    listing = office.get("/tips").get_data(as_text=True)
    assert "T270120-ABCDE" in listing and "新线索" in listing
    page = office.get(f"/tips/{envelope['id']}").get_data(as_text=True)
    assert "13812345678" in page and "工厂" in page and "1–3个月" in page
    moved = office.post(f"/tips/{envelope['id']}/status", data={"status": "referred", "note": "转交市中区监察大队"})
    assert moved.status_code == 303
    page = office.get(f"/tips/{envelope['id']}").get_data(as_text=True)
    assert "已转办" in page and "转交市中区监察大队" in page
    with central_app.app_context(), central_db.connection_context():
        assert WageTip.get().status == "referred"
        assert [e.action for e in TipEvent.select().order_by(TipEvent.id)] == [
            "received", "opened", "status", "opened"]


def test_a_job_fair_is_published_from_the_page_and_a_bad_one_refused(central_app, office):
    day = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    response = office.post("/fairs", data={"name": "春风行动招聘会", "date": day, "place": "乐山市体育馆",
                                           "organizer": "乐山市人社局", "scope": "city:511100"})
    assert response.status_code == 303
    page = office.get("/jobs").get_data(as_text=True)
    assert "春风行动招聘会" in page and day in page
    refused = office.post("/fairs", data={"name": "无日期", "date": "", "place": "x", "scope": "city:511100"})
    assert refused.status_code == 400 and "招聘会需要填写名称、地点和日期" in refused.get_data(as_text=True)
    (row,) = [r for r in publications(central_app) if r.kind == "fair"]
    assert row.valid_until.isoformat() == day


def test_a_case_worker_sees_only_the_tips_from_the_offices_area(tmp_path, central_url):
    from tests.central.conftest import make_central

    app = make_central(tmp_path, central_url, OFFICE_AREA="511100")  # Leshan's office
    with app.app_context(), central_db.connection_context():
        content.init_key(app.instance_path)
    add_office_user(app)
    client = app.test_client()
    OfficeAuth(client).sign_in()
    leshan = sealed_tip(app)
    with app.app_context(), central_db.connection_context():
        cases.grant("陈静")
        WageTip.create(tip_id="c" * 32, number="T270120-CDCDC", kiosk_id="d" * 32, station_code="chengdu-dxz",
                       county_code="510108", office_key=leshan["office_key"], day="2027-01-20", sealed=leshan["sealed"])
    listing = client.get("/tips").get_data(as_text=True)
    assert "T270120-ABCDE" in listing and "T270120-CDCDC" not in listing
    assert client.get(f"/tips/{'c' * 32}").status_code == 404


def test_a_county_case_worker_sees_only_the_tips_from_their_own_county(tmp_path, central_url):
    from kiosk.central import users
    from tests.central.conftest import make_central

    app = make_central(tmp_path, central_url, OFFICE_AREA="510000")  # the province's office
    with app.app_context(), central_db.connection_context():
        content.init_key(app.instance_path)
    add_office_user(app)
    with app.app_context(), central_db.connection_context():
        users.set_access("陈静", scope="510108")  # a Chengdu county bureau's case worker
    client = app.test_client()
    OfficeAuth(client).sign_in()
    leshan = sealed_tip(app)  # from a station in Leshan's 市中区 (511102)
    with app.app_context(), central_db.connection_context():
        cases.grant("陈静")
        WageTip.create(tip_id="c" * 32, number="T270120-CDCDC", kiosk_id="d" * 32, station_code="chengdu-dxz",
                       county_code="510108", office_key=leshan["office_key"], day="2027-01-20", sealed=leshan["sealed"])
    listing = client.get("/tips").get_data(as_text=True)
    assert "T270120-CDCDC" in listing and "T270120-ABCDE" not in listing
    assert client.get(f"/tips/{leshan['id']}").status_code == 404
