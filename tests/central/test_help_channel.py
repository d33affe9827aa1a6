"""The office's content channel and sealed tips end to end: a real kiosk on a socket, the office's commands.

A posting published at the office shows on the kiosk after one pull and its slip
prints; a tip tapped in at the kiosk reaches the office sealed, opens there and
nowhere else, and is erased on the kiosk once acknowledged; the faults of the
issue (key rotation, lost key, another city's bundle, tips by USB).
"""

import datetime
import io
import json

import pytest
from openpyxl import Workbook

from kiosk import help as kiosk_help
from kiosk import keys
from kiosk.central import cases
from kiosk.central import content
from kiosk.central import users
from kiosk.central.help_models import WageTip
from kiosk.central.models import Station
from kiosk.models import database as kiosk_db
from kiosk.printing import PrintJob
from kiosk.printing import Ticket
from kiosk.sync import sealed_wire
from tests.conftest import htmx_headers


@pytest.fixture
def runner(central):
    return central.test_cli_runner()


@pytest.fixture
def office_key(central, runner):
    made = runner.invoke(args=["keys", "init"])
    assert made.exit_code == 0, made.output
    return content.current_key()


@pytest.fixture
def kiosk(kiosks, office_key, runner):
    started = kiosks("k1", OFFICE_PUBLIC_KEY=office_key.public_key, HELP_LABOUR_DESK="市中区劳动保障监察大队")
    assert runner.invoke(args=["kiosks", "add", "乐山1号机", started.url], input=started.token + "\n").exit_code == 0
    return started


def publish_posting(central, scope=None, **extra):
    body = {"employer": "乐山市鑫达建筑劳务有限公司", "title": "钢筋工", "place": "乐山市市中区", "place_code": "511102",
            "sector": "construction", "pay_min": 7000, "pay_max": 9000, "contact": "0833-2123456", **extra}
    return content.publish(central.instance_path, "job", body, scope or {"level": "city", "code": "511100"},
                           datetime.date.today() + datetime.timedelta(days=20), user="陈静")


def tip_at(kiosk, phone="13812345678"):
    client = kiosk.app.test_client()
    client.get("/help/tip")
    client.post("/help/tip/province", data={"code": "510000"}, headers=htmx_headers())
    client.post("/help/tip/city", data={"code": "511100"}, headers=htmx_headers())
    for step, value in (("sector", "construction"), ("amount", "5k_20k"), ("duration", "1_3m"), ("workers", "2_5")):
        client.post(f"/help/tip/{step}", data={"value": value}, headers=htmx_headers())
    client.post("/help/tip/contact", data={"value": "phone"}, headers=htmx_headers())
    client.post("/help/tip/phone", data={"number": phone}, headers=htmx_headers())
    client.post("/help/tip/employer", data={"employer": "某某劳务公司"}, headers=htmx_headers())
    assert client.post("/help/tip/confirm", headers=htmx_headers()).status_code == 200
    return kiosk_sealed(kiosk)[-1]


def kiosk_sealed(kiosk):
    with kiosk.app.app_context(), kiosk_db.connection_context():
        return list(kiosk_help.SealedTip.select())


def case_worker(central, name="李监察"):
    user = users.add(name, "correct horse battery")
    cases.grant(name)
    return user


def test_a_posting_published_at_the_office_shows_on_the_kiosk_after_one_pull_and_its_slip_prints(central, kiosk,
                                                                                                   runner):
    posting = publish_posting(central)
    pulled = runner.invoke(args=["pull"])
    assert pulled.exit_code == 0, pulled.output
    assert "乐山1号机: 0 new tips; content 2 accepted, 0 already held, 0 refused" in pulled.output
    client = kiosk.app.test_client()
    listing = client.get("/help/jobs").get_data(as_text=True)
    assert "钢筋工" in listing and posting.item_id in listing
    printed = client.post(f"/help/jobs/{posting.item_id}/print", headers=htmx_headers())
    assert printed.status_code == 200
    with kiosk.app.app_context(), kiosk_db.connection_context():
        job = PrintJob.select().where(PrintJob.kind == "job").get()
    assert "乐山市鑫达建筑劳务有限公司" in " ".join(Ticket.from_json(job.ticket).texts())
    assert Ticket.from_json(job.ticket).qr == "tel:08332123456"
    again = runner.invoke(args=["pull"])
    assert "content 0 accepted, 2 already held, 0 refused" in again.output  # the same night again: nothing new


def test_a_tip_reaches_the_office_sealed_opens_there_only_and_the_kiosk_erases_it_when_acknowledged(central, kiosk,
                                                                                                    runner):
    sealed = tip_at(kiosk)
    pulled = runner.invoke(args=["pull"])
    assert "乐山1号机: 1 new tips" in pulled.output
    stored = WageTip.get(WageTip.tip_id == sealed.tip_id)
    assert stored.sealed == sealed.sealed and "13812345678" not in stored.sealed
    # The kiosk erased its copy when the acknowledgement came with the content.
    assert kiosk_sealed(kiosk) == []
    # Nobody but a case worker holding the office key opens it.
    with pytest.raises(ValueError):
        sealed_wire.open_sealed(stored.sealed, keys.generate())
    plain_user = users.add("王科员", "correct horse battery")
    with pytest.raises(cases.NotACaseWorker):
        cases.open_tip(central.instance_path, plain_user, stored.tip_id)
    worker = case_worker(central)
    opened = cases.open_tip(central.instance_path, worker, stored.tip_id)
    assert opened.fields["sector"] == "construction" and opened.fields["employer"] == "某某劳务公司"
    assert opened.phone == "13812345678"
    cases.set_status(worker, stored.tip_id, "contacted", "已电话联系")
    assert [e.action for e in cases.trail(stored)] == ["received", "opened", "status"]
    # A second night changes nothing and erases nothing more.
    assert "0 new tips" in runner.invoke(args=["pull"]).output
    assert WageTip.select().count() == 1


def test_a_tip_sealed_to_a_key_the_office_lost_says_cannot_open_with_the_key_id(central, kiosk, runner, office_key):
    tip_at(kiosk)
    runner.invoke(args=["pull"])
    content.key_path(central.instance_path, office_key.key_id).unlink()
    worker = case_worker(central)
    opened = cases.open_tip(central.instance_path, worker, WageTip.get().tip_id)
    assert opened.fields is None
    assert opened.problem % opened.problem_params == f"Cannot open: key id {office_key.key_id} is not held by this office."
    assert cases.trail(WageTip.get())[-1].action == "unreadable"


def test_a_rotated_key_reaches_the_kiosk_and_old_tips_still_open(central, kiosk, runner, office_key):
    posting = publish_posting(central)
    runner.invoke(args=["pull"])
    old_tip = tip_at(kiosk)
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    new_key = content.current_key()
    pulled = runner.invoke(args=["pull"])
    assert "0 refused" in pulled.output, pulled.output
    with kiosk.app.app_context(), kiosk_db.connection_context():
        assert kiosk_help.current_key().key_id == new_key.key_id
        held = kiosk_help.ContentItem.get(kiosk_help.ContentItem.item_id == posting.item_id)
    assert held.version == 2 and json.loads(held.signed)["key"] == new_key.key_id
    new_tip = tip_at(kiosk)
    assert (old_tip.office_key, new_tip.office_key) == (office_key.key_id, new_key.key_id)
    runner.invoke(args=["pull"])
    worker = case_worker(central)
    for tip_id in (old_tip.tip_id, new_tip.tip_id):
        assert cases.open_tip(central.instance_path, worker, tip_id).fields is not None


def test_a_usb_content_file_for_another_city_is_refused_by_the_kiosk(central, kiosk, runner, tmp_path):
    Station.create(code="chengdu-dxz", name="成都东客站", county_code="510108")
    publish_posting(central, scope={"level": "city", "code": "510100"}, place="成都市成华区", place_code="510108")
    exported = runner.invoke(args=["content", "export", "--station", "chengdu-dxz", "--out", str(tmp_path / "cd.json")])
    assert exported.exit_code == 0, exported.output
    kiosk_runner = kiosk.app.test_cli_runner()
    taken = kiosk_runner.invoke(args=["help", "import", str(tmp_path / "cd.json")])
    assert "1 accepted, 0 already held, 1 refused" in taken.output  # the province-wide clock is taken
    assert "meant for another place (city 510100)" in taken.output
    assert "钢筋工" not in kiosk.app.test_client().get("/help/jobs").get_data(as_text=True)


def test_tips_travel_by_usb_and_the_acknowledgement_comes_back_by_usb(central, kiosk, runner, tmp_path):
    runner.invoke(args=["pull", "--no-content"])  # the office learns the station from the counts
    sealed = tip_at(kiosk)
    kiosk_runner = kiosk.app.test_cli_runner()
    with kiosk.app.app_context():  # the office's app context is the test's: the kiosk's command needs its own
        exported = kiosk_runner.invoke(args=["help", "export-tips", "--out", str(tmp_path / "tips.json")])
    assert exported.exit_code == 0, exported.output
    first = runner.invoke(args=["tips", "import", str(tmp_path / "tips.json")])
    assert "1 new tips" in first.output
    assert "0 new tips" in runner.invoke(args=["tips", "import", str(tmp_path / "tips.json")]).output
    forged = json.loads((tmp_path / "tips.json").read_text())
    forged["tips"][0]["number"] = "T000000-AAAAA"
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    refused = runner.invoke(args=["tips", "import", str(tmp_path / "forged.json")])
    assert refused.exit_code == 1 and "signature does not match" in refused.output
    assert kiosk_sealed(kiosk) != []
    runner.invoke(args=["content", "export", "--station", "leshan-kyzx", "--out", str(tmp_path / "back.json")])
    kiosk_runner.invoke(args=["help", "import", str(tmp_path / "back.json")])
    assert kiosk_sealed(kiosk) == [] and WageTip.get().tip_id == sealed.tip_id


def job_fair_workbook(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(["用人单位", "岗位", "工资下限", "工资上限", "工作地点", "联系电话", "行业", "有效期至", "招聘会", "招聘会日期"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_job_fairs_xlsx_publishes_its_good_rows_and_names_the_bad_ones(central, office_key):
    day = datetime.date.today() + datetime.timedelta(days=10)
    data = job_fair_workbook([
        ["绍兴柯桥纺织有限公司", "挡车工", 6000, 8000, "浙江绍兴", "0575-8888888", "纺织", day, "春风行动专场", day],
        ["", "普工", 5000, 6000, "成都", "", "", "", "", ""],
        ["乐山某酒店", "服务员", "面议", "", "乐山", "", "酒店", "", "", ""],
        ["乐山物流", "司机", 7000, 9000, "乐山", "13900000000", "物流", "", "", ""],
    ])
    published, problems = content.import_xlsx(central.instance_path, data, {"level": "city", "code": "511100"},
                                              day + datetime.timedelta(days=5), user="陈静")
    bodies = [json.loads(p.body) for p in published]
    assert [(b["employer"], b["sector"]) for b in bodies] == [("绍兴柯桥纺织有限公司", "factory"), ("乐山物流", "transport")]
    assert bodies[0]["fair"] == {"name": "春风行动专场", "date": day.isoformat(), "place": ""}
    assert published[0].valid_until == day and published[1].valid_until == day + datetime.timedelta(days=5)
    assert [row for row, _ in problems] == [3, 4]


def test_something_that_is_not_a_workbook_is_refused_with_a_message(central, office_key):
    with pytest.raises(content.DomainError):
        content.import_xlsx(central.instance_path, b"PK\x03\x04 not really", {"level": "city", "code": "511100"},
                            datetime.date.today())


def test_a_notice_from_the_office_shows_on_the_kiosks_job_page(central, kiosk, runner):
    until = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
    made = runner.invoke(args=["content", "notice", "返岗专车报名", "2月10日前到服务台报名，免费乘车到深圳。",
                               "--valid-until", until])
    assert made.exit_code == 0, made.output
    runner.invoke(args=["pull"])
    page = kiosk.app.test_client().get("/help/jobs").get_data(as_text=True)
    assert "返岗专车报名" in page and "免费乘车到深圳" in page


def test_the_fairs_a_spreadsheet_names_go_on_the_calendar_once(central, office_key):
    day = datetime.date.today() + datetime.timedelta(days=4)
    book = Workbook()
    book.active.append(["用人单位", "岗位", "工作地点", "招聘会", "招聘会日期", "招聘会地点"])
    book.active.append(["乐山物流", "司机", "乐山", "春风行动专场", day, "乐山市人力资源市场"])
    book.active.append(["乐山酒店", "服务员", "乐山", "春风行动专场", day, "乐山市人力资源市场"])
    data = io.BytesIO()
    book.save(data)
    for _ in range(2):
        content.import_xlsx(central.instance_path, data.getvalue(), {"level": "city", "code": "511100"}, day)
    fairs = content.publications("fair")
    assert [json.loads(f.body) for f in fairs] == [{"name": "春风行动专场", "date": day.isoformat(),
                                                    "place": "乐山市人力资源市场"}]
    assert fairs[0].valid_until == day


def test_a_trip_published_at_the_office_is_bookable_on_the_kiosk_after_one_pull_and_its_cancel_follows(
        central, kiosk, runner):
    from kiosk import trips

    leaves = (datetime.datetime.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT08:00")
    made = runner.invoke(args=["content", "trip", "440300", leaves, "--from", "乐山客运中心站 3号门", "--seats", "45",
                               "--escort", "李强", "--escort-phone", "13800000000", "--scope", "city:511100"])
    assert made.exit_code == 0, made.output
    item_id = made.output.split()[2]
    runner.invoke(args=["pull"])
    with kiosk.app.app_context(), kiosk_db.connection_context():
        (trip,) = trips.bookable()
        assert (trip.destination_city, trip.seats, trip.source, trip.office_id) == ("440300", 45, "office", item_id)
    page = kiosk.app.test_client().get("/trips/").get_data(as_text=True)
    assert f"trip-{trip.id}" in page

    cancelled = runner.invoke(args=["content", "trip", "440300", leaves, "--from", "乐山客运中心站 3号门",
                                    "--seats", "45", "--escort", "李强", "--escort-phone", "13800000000",
                                    "--scope", "city:511100", "--item", item_id, "--cancel", "天气原因停运"])
    assert cancelled.exit_code == 0, cancelled.output
    runner.invoke(args=["pull"])
    with kiosk.app.app_context(), kiosk_db.connection_context():
        assert trips.bookable() == [] and trips.get(trip.id).state == "cancelled"


def test_a_trip_with_a_bad_scope_is_refused_at_the_office_and_nothing_is_published(central, office_key, runner):
    made = runner.invoke(args=["content", "trip", "440300", "2027-02-12T08:00", "--from", "3号门", "--seats", "45",
                               "--escort", "李强", "--escort-phone", "13800000000", "--scope", "everywhere"])
    assert made.exit_code != 0 and "published" not in made.output
    from kiosk.central.help_models import Publication
    from kiosk.central.models import database as central_db

    with central.app_context(), central_db.connection_context():
        assert Publication.select().where(Publication.kind == "trips").count() == 0
