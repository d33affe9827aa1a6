"""The office's dashboard and its spreadsheets: Chinese first, English on request."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from kiosk.central import pull
from kiosk.central import registry
from kiosk.central.models import database as central_db
from tests.central.conftest import OfficeAuth
from tests.central.conftest import add_office_user
from tests.central.conftest import seed_office
from tests.conftest import htmx_headers

WEEK = {"from": "2027-01-14", "to": "2027-01-20"}


@pytest.fixture
def office(central_app, kiosks, tmp_path):
    """A signed-in test client of an office with some counts and a kiosk never heard from."""
    seed_office(kiosks(), tmp_path)
    add_office_user(central_app)
    client = central_app.test_client()
    assert OfficeAuth(client).sign_in().status_code == 303
    return client


def test_the_dashboard_shows_the_weeks_totals_in_chinese(office):
    page = office.get("/", query_string=WEEK).get_data(as_text=True)
    assert "暖途 · 中心统计" in page
    assert "返乡登记(人)" in page and "返岗登记(人)" in page and "已开凭证(张)" in page
    assert "乐山客运中心站" in page
    chart = json.loads(page.split('id="chart-data">')[1].split("</script>")[0])
    assert chart["days"][0] == "2027-01-14" and len(chart["days"]) == 7
    home = next(s for s in chart["multiples"] if s["label"] == "返乡登记(人)")
    assert home["data"][-1] == 3
    assert len(chart["trend"]["days"]) == 30


def test_a_kiosk_never_synced_is_warned_about(office):
    page = office.get("/", query_string=WEEK).get_data(as_text=True)
    assert "峨眉山站" in page and "从未同步" in page


def test_a_failed_pull_is_shown_with_its_reason_in_chinese(office):
    with central_db.connection_context():
        pull.pull_all(registry.pullable(), timeout=2)
    page = office.get("/", query_string=WEEK).get_data(as_text=True)
    assert "上次同步失败" in page and "无法连接终端" in page
    assert "0 台成功，1 台失败" in page


def test_an_htmx_request_gets_the_report_alone(office):
    response = office.get("/", query_string={**WEEK, "station": "leshan-kyzx"}, headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="report"')
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" not in body


def test_bad_dates_are_refused_in_the_alert_area_and_nothing_else_changes(office):
    response = office.get("/", query_string={"from": "2027-01-20", "to": "2027-01-14"}, headers=htmx_headers())
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#alerts"
    assert "开始日期不能晚于结束日期" in response.get_data(as_text=True)
    assert office.get("/?from=yesterday").status_code == 400


def test_english_is_one_tap_away(office):
    switched = office.post("/language", data={"lang": "en", "next": "/?from=2027-01-14&to=2027-01-20"})
    assert switched.status_code == 303 and switched.headers["Location"].endswith("to=2027-01-20")
    page = office.get("/", query_string=WEEK).get_data(as_text=True)
    assert "Arriving home" in page and "Nuantu central office" in page
    assert "vouchers.issued" not in page and "Vouchers printed (vouchers)" in page


def test_the_csv_has_chinese_headers_a_row_per_station_and_day_and_a_total(office):
    response = office.get("/export.csv", query_string=WEEK)
    assert response.headers["Content-Disposition"].startswith('attachment; filename="nuantu-2027-01-14-2027-01-20.csv"')
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:10] == ["省", "市(州)", "县(区)", "区划代码", "站点代码", "站点", "日期", "登记人数(人)", "返乡登记(人)", "返岗登记(人)"]
    assert len(rows) == 1 + 7 + 2  # a row per day of the week for the one station, the total, a note on levels
    assert rows[7][:10] == ["四川省", "乐山市", "市中区", "511102", "leshan-kyzx", "乐山客运中心站", "2027-01-20", "5", "3", "2"]
    assert rows[8][0] == "合计" and rows[8][7] == "5"
    assert rows[9][0].startswith("库存类指标取期末")
    assert not any("." in cell and cell[0].isalpha() and cell.isascii() for cell in rows[0])  # no raw metric keys
    closed = rows[0].index("已日结天数(天)")
    assert rows[7][closed] == "1"  # the office sees which stations signed their day off


def test_the_xlsx_is_the_same_report_even_for_an_english_reader(office):
    office.post("/language", data={"lang": "en"})
    response = office.get("/export.xlsx", query_string=WEEK)
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    assert sheet.title == "日报"
    assert "暖途服务站统计" in sheet["A1"].value
    assert [c.value for c in sheet[2]][7:10] == ["登记人数(人)", "返乡登记(人)", "返岗登记(人)"]
    assert book.sheetnames == ["日报", "按省汇总", "按市汇总", "按县(区)汇总", "按站点汇总", "返乡返岗台账"]


def test_an_unknown_spreadsheet_kind_is_refused(office):
    assert office.get("/export.pdf").status_code == 400
