"""Where stations belong, and who sees them: a county bureau sees its own stations only, in every page and file."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from kiosk.central import reports
from kiosk.central import scope as scopes
from kiosk.central import users
from kiosk.central.models import database as central_db
from kiosk.errors import DomainError
from tests.central.conftest import DAY
from tests.central.conftest import PASSWORD
from tests.central.conftest import OfficeAuth
from tests.central.conftest import seed_regions

WEEK = {"from": "2027-01-14", "to": "2027-01-20"}


@pytest.fixture
def offices(central_app, kiosks, tmp_path):
    """Three stations in two cities, and a signed-in client per user: province, city (乐山), county (市中区)."""
    seed_regions(kiosks, tmp_path)
    clients = {}
    for name, scope in (("省厅", "510000"), ("乐山市局", "511100"), ("市中区局", "511102")):
        with central_app.app_context(), central_db.connection_context():
            users.add(name, PASSWORD, role="viewer", scope=scope)
        client = central_app.test_client()
        assert OfficeAuth(client).sign_in(name).status_code == 303
        clients[scope] = client
    return clients


def text(response):
    return response.get_data(as_text=True)


def test_a_province_user_sees_every_station_and_cities_in_region_code_order(offices):
    page = text(offices["510000"].get("/", query_string=WEEK))
    assert "成都东站" in page and "峨眉山汽车站" in page and "乐山客运中心站" in page
    regions = page.split('id="by-region"')[1].split("</table>")[0]
    assert regions.index("成都市") < regions.index("乐山市")  # by GB/T 2260 code, not by code point
    stations = page.split('id="by-station"')[1].split("</table>")[0]
    assert stations.index("成都东站") < stations.index("乐山客运中心站") < stations.index("峨眉山汽车站")


def test_a_county_user_sees_and_exports_only_its_own_stations(offices):
    county = offices["511102"]
    page = text(county.get("/", query_string=WEEK))
    assert "乐山客运中心站" in page
    assert "成都东站" not in page and "峨眉山汽车站" not in page and "emei-bus" not in page
    assert "chengdu-east" not in page and 'id="last-run"' not in page  # the run counts every kiosk
    csv_text = county.get("/export.csv", query_string=WEEK).get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert {row[4] for row in rows[1:8]} == {"leshan-kyzx"} and rows[8][0] == "合计"
    assert "成都" not in csv_text and "峨眉" not in csv_text
    book = load_workbook(io.BytesIO(county.get("/export.xlsx", query_string=WEEK).get_data()))
    every_cell = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None}
    assert not any("成都东站" in v or "峨眉山汽车站" in v or "chengdu-east" in v for v in every_cell)


@pytest.mark.parametrize("path", ["/", "/export.csv", "/export.xlsx", "/summary"])
def test_a_county_user_asking_for_another_countys_station_or_region_gets_nothing(offices, path):
    county = offices["511102"]
    for query in ({"station": "chengdu-east"}, {"station": "emei-bus"}, {"region": "511100"}, {"region": "510000"}):
        response = county.get(path, query_string={**WEEK, **query})
        assert response.status_code == 404, (path, query)
        assert "成都东站" not in text(response) and "峨眉山汽车站" not in text(response)
    assert county.get("/station/chengdu-east").status_code == 404
    assert county.get("/station/leshan-kyzx", query_string=WEEK).status_code == 200


def test_a_city_user_sees_its_counties_and_may_narrow_to_one(offices):
    city = offices["511100"]
    page = text(city.get("/", query_string=WEEK))
    assert "乐山客运中心站" in page and "峨眉山汽车站" in page and "成都东站" not in page
    regions = page.split('id="by-region"')[1].split("</table>")[0]
    assert "市中区" in regions and "峨眉山市" in regions
    narrowed = text(city.get("/", query_string={**WEEK, "region": "511181"}))
    assert "峨眉山汽车站" in narrowed.split('id="by-station"')[1] and "乐山客运中心站" not in narrowed.split('id="by-station"')[1]


def test_a_scope_is_a_region_code_and_unknown_codes_are_refused():
    assert scopes.Scope("511100").prefix == "5111" and scopes.Scope("510000").level == "province"
    assert scopes.Scope("511102").contains("511102") and not scopes.Scope("511102").contains("511181")
    with pytest.raises(DomainError):
        scopes.parse("123456")


def test_levels_are_carried_forward_and_taken_at_the_periods_end(offices, central_app):
    with central_app.app_context(), central_db.connection_context():
        report = reports.report(*reports.period(WEEK["from"], WEEK["to"], None))
        stock = next(m for m in report.measures if m.key == "packs.on_hand")
        stock_by_day = {day.day: values["packs.on_hand"] for day, values in report.by_day().items()}
        # 峨眉 40 since long before the week; 乐山 120 from the 17th, 100 from the 19th: carried forward.
        assert stock_by_day == {14: 40, 15: 40, 16: 40, 17: 160, 18: 160, 19: 140, 20: 140}
        assert report.totals["packs.on_hand"] == 140  # never 7 days added up
        assert report.station_values("emei-bus")["packs.on_hand"] == 40
        assert stock.kind == "level"
        county = reports.report(*reports.period(WEEK["from"], WEEK["to"], None), scope=scopes.Scope("511102"))
        assert county.totals["packs.on_hand"] == 100 and [s.code for s in county.stations] == ["leshan-kyzx"]


def test_a_county_register_counts_its_own_people_wherever_they_registered(offices):
    page = text(offices["511102"].get("/", query_string=WEEK))
    register = page.split('id="register-counties"')[1].split("</table>")[0]
    # 3 came home through 乐山客运中心站 and 1 through 成都东站: 4, without naming the other station.
    assert "市中区" in register and "<td>4</td>" in register
    assert "成华区" not in register and "峨眉山市" not in register
    assert "广东" in page.split('id="register-destinations"')[1].split("</table>")[0]
    assert "就近就业" in page.split('id="register-intentions"')[1].split("</table>")[0]


def test_the_one_page_summary_is_printable_and_scoped(offices):
    page = text(offices["511100"].get("/summary", query_string=WEEK))
    assert "summary.css" in page and "暖途服务站统计摘要" in page
    assert "乐山市" in page and "成都" not in page
    assert "返乡登记" in page


def test_only_an_admin_sees_the_office_users_and_only_inside_their_region(offices, central_app):
    assert offices["511102"].get("/users").status_code == 403
    with central_app.app_context(), central_db.connection_context():
        users.add("乐山管理员", PASSWORD, role="admin", scope="511100")
    admin = central_app.test_client()
    OfficeAuth(admin).sign_in("乐山管理员")
    page = text(admin.get("/users"))
    assert "市中区局" in page and "乐山市局" in page and "省厅" not in page
    assert "管理员" in page and 'id="users-link"' in page
    assert 'id="users-link"' not in text(offices["511102"].get("/", query_string=WEEK))


def test_a_spreadsheet_too_large_to_open_is_refused_with_what_to_do(offices, monkeypatch):
    from kiosk.central import exports

    monkeypatch.setattr(exports, "MAX_ROWS", 10)
    response = offices["510000"].get("/export.xlsx", query_string=WEEK)
    assert response.status_code == 400 and "请缩短日期范围" in text(response)


def test_a_worker_who_has_not_decided_where_to_work_is_counted_and_shown_as_undecided(central_app, kiosks, tmp_path):
    """不确定/还没定 at the kiosk travels as its own destination and reads 未定 at the office, page and spreadsheet."""
    from kiosk import regions
    from kiosk.central import pull
    from kiosk.central import registry

    token = "token-leshan-kyzx-0123456789abcdef"
    kiosk = kiosks("k-leshan", SYNC_TOKEN=token, STATION="leshan-kyzx", STATION_NAME="乐山客运中心站", STATION_COUNTY="511102")
    kiosk.count("registrations", DAY, 2, direction="work", county="511102", destination=regions.UNDECIDED)
    kiosk.count("registrations", DAY, 1, direction="work", county="511102", destination="440000")
    kiosk.bundle(tmp_path / "leshan.json")
    kiosk.stop()
    with central_app.app_context(), central_db.connection_context():
        registry.register("乐山客运中心站 1号机", "-", token)
        pull.import_bundle(tmp_path / "leshan.json")
        users.add("市中区局", PASSWORD, role="viewer", scope="511102")
    client = central_app.test_client()
    assert OfficeAuth(client).sign_in("市中区局").status_code == 303
    day = {"from": DAY.isoformat(), "to": DAY.isoformat()}
    destinations = text(client.get("/", query_string=day)).split('id="register-destinations"')[1].split("</table>")[0]
    shown = re.sub(r"<[^>]+>", " ", destinations)  # what a reader sees, not the rows' data-code attributes
    assert "未定" in shown and "unsure" not in shown
    assert destinations.index("未定") < destinations.index("广东")  # 2 undecided before 1 to Guangdong
    book = load_workbook(io.BytesIO(client.get("/export.xlsx", query_string=day).get_data()))
    rows = [[c.value for c in row] for sheet in book for row in sheet.iter_rows()]
    undecided = [row for row in rows if "未定" in row]
    assert undecided and undecided[0][:3] == [None, "未定", 2]
