"""The spreadsheets as an office opens them: Chinese headers only, real dates, formulas, levels never summed,
no formula a kiosk could smuggle in, and any station code in the file name."""

import csv
import datetime
import io
import shutil
import subprocess
import urllib.parse

import pytest
from openpyxl import load_workbook

from kiosk import metrics
from kiosk.central.models import database as central_db
from kiosk.central import pull
from kiosk.central import registry
from tests.central.conftest import DAY
from tests.central.conftest import OfficeAuth
from tests.central.conftest import add_office_user
from tests.central.conftest import seed_regions

WEEK = {"from": "2027-01-14", "to": "2027-01-20"}
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def office(central_app, kiosks, tmp_path):
    """Three stations in two cities, a signed-in province-wide user."""
    seed_regions(kiosks, tmp_path)
    add_office_user(central_app)
    client = central_app.test_client()
    assert OfficeAuth(client).sign_in().status_code == 303
    return client


def workbook(office, **query):
    response = office.get("/export.xlsx", query_string={**WEEK, **query})
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.get_data())), response.get_data()


def test_the_day_sheet_has_chinese_headers_real_dates_rows_by_region_code_and_formulas(office):
    book, _ = workbook(office)
    sheet = book["日报"]
    heading = [c.value for c in sheet[2]]
    assert heading[:7] == ["省", "市(州)", "县(区)", "区划代码", "站点代码", "站点", "日期"]
    labels = {m.header() for m in metrics.MEASURES}
    assert all(h in labels for h in heading[7:]), heading  # every metric column in the glossary's words
    assert not any(m.key in heading for m in metrics.MEASURES)  # never a raw key
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    data = [r for r in rows if isinstance(r[6], datetime.datetime)]
    assert len(data) == 3 * 7
    assert [r[4] for r in data[::7]] == ["chengdu-east", "leshan-kyzx", "emei-bus"]  # 510108 < 511102 < 511181
    assert data[0][6] == datetime.datetime(2027, 1, 14) and sheet.cell(row=3, column=7).number_format == "yyyy-mm-dd"
    total = next(r for r in rows if r[0] == "合计")
    home = heading.index("返乡登记(人)")
    stock = heading.index("礼包库存(份)")
    assert total[home] == "=SUM($I$3:$I$23)"
    assert total[stock].startswith("=SUMIFS(") and "DATE(2027,1,20)" in total[stock]  # the last day, not a sum


def test_a_sheet_per_level_sums_the_day_sheet_by_region_with_formulas(office):
    book, _ = workbook(office)
    assert book.sheetnames == ["日报", "按省汇总", "按市汇总", "按县(区)汇总", "按站点汇总", "返乡返岗台账"]
    cities = list(book["按市汇总"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[2]) for r in cities] == [(510100, "成都市", 1), (511100, "乐山市", 2)]
    assert cities[1][3].startswith("=SUMIFS('日报'!") and '">=511100"' in cities[1][3] and '"<511200"' in cities[1][3]
    counties = [r[1] for r in book["按县(区)汇总"].iter_rows(min_row=3, values_only=True)]
    assert counties == ["成华区", "市中区", "峨眉山市"]
    register = list(book["返乡返岗台账"].iter_rows(min_row=2, values_only=True))
    assert register[0][:4] == ("区划代码", "户籍县(区)", "返乡登记(人)", "返岗登记(人)")
    zhongqu = next(r for r in register if r[0] == 511102)
    assert zhongqu[2:6] == (4, 1, 2, 0)  # 3 + 1 home (one through 成都东站), 1 to work, 2 children


def one_station_office(central_app, kiosks, tmp_path, **station):
    """An office holding one kiosk's bundle, and a signed-in client."""
    kiosk = kiosks("one", STATION_COUNTY="511102", **station)
    kiosk.count("registrations", DAY, 1, direction="home", county="511102")
    kiosk.bundle(tmp_path / "one.json")
    kiosk.stop()
    with central_app.app_context(), central_db.connection_context():
        registry.register("one", "-", kiosk.token)
        pull.import_bundle(tmp_path / "one.json")
    add_office_user(central_app)
    client = central_app.test_client()
    OfficeAuth(client).sign_in()
    return client


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    # Kiosks refuse such station names now (kiosk.stations); the office still never lets one run.
    from kiosk.central import exports
    from kiosk.central import registers
    from kiosk.central import reports

    day = datetime.date(2027, 1, 20)
    report = reports.Report(day, day, reports.measures_for({"registrations"}),
                            [reports.StationInfo("乐山站", '=HYPERLINK("http://x","点我")', "511102")],
                            flows={("乐山站", day): {"registrations": 1}})
    register = registers.Register(day, day, [], [], {})
    book = load_workbook(io.BytesIO(exports.to_xlsx(report, register, lambda text: text, "t")))
    cell = book["Daily report"]["F3"]
    assert cell.value == '=HYPERLINK("http://x","点我")' and cell.data_type == "s" and cell.quotePrefix
    assert book["Summary by station"]["D3"].data_type == "s"
    rows = list(csv.reader(io.StringIO(exports.to_csv(report, lambda text: text).decode("utf-8-sig"))))
    assert rows[1][5] == "'=HYPERLINK(\"http://x\",\"点我\")"
    for start in "+-@\t\r":
        assert exports.safe_text(start + "1") == "'" + start + "1"
    assert exports.safe_text("乐山") == "乐山"


def test_a_chinese_station_code_names_the_file_with_rfc_5987(central_app, kiosks, tmp_path):
    client = one_station_office(central_app, kiosks, tmp_path, STATION="乐山站", STATION_NAME="乐山站")
    response = client.get("/export.csv", query_string={**WEEK, "station": "乐山站"})
    assert response.status_code == 200
    header = response.headers["Content-Disposition"]
    header.encode("latin-1")  # a header must be Latin-1; the Chinese travels percent-encoded
    assert 'filename="nuantu-2027-01-14-2027-01-20-_.csv"' in header
    encoded = header.split("filename*=UTF-8''")[1]
    assert urllib.parse.unquote(encoded) == "nuantu-2027-01-14-2027-01-20-乐山站.csv"


@pytest.mark.parametrize("station", ["乐山\r\nSet-Cookie: x=1", "a\nb", "\u2028x", "名" * 300, "%0d%0a"])
def test_a_strange_station_parameter_is_refused_cleanly_and_never_reaches_a_header(office, station):
    for path in ("/export.csv", "/export.xlsx", "/"):
        response = office.get(path, query_string={**WEEK, "station": station})
        assert response.status_code == 404
        assert "Set-Cookie" not in response.headers or "x=1" not in response.headers.get("Set-Cookie", "")
        assert "Content-Disposition" not in response.headers
        assert "没有这个站点" in response.get_data(as_text=True)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (Debian: apt-get install libreoffice-calc-nogui)")
def test_libreoffice_opens_the_workbook_and_computes_the_same_totals(office, tmp_path):
    _, data = workbook(office)
    source = tmp_path / "week.xlsx"
    source.write_bytes(data)
    for sheet_index, name in ((1, "day"), (3, "city")):
        out = tmp_path / name
        out.mkdir()
        # Sheet by sheet: LibreOffice's CSV filter takes the sheet number as its 12th token.
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
             f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{sheet_index}",
             "--outdir", str(out), str(source)],
            check=True, capture_output=True, timeout=180,
        )
    day_csv = next((tmp_path / "day").glob("*.csv")).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(day_csv)))
    heading = rows[1]
    total = next(r for r in rows if r and r[0] == "合计")
    assert total[heading.index("返乡登记(人)")] == "11"  # 3 + 2 + 5 + 1, summed by LibreOffice
    assert total[heading.index("礼包库存(份)")] == "140"  # 100 + 40 on the last day, not 7 days added
    assert rows[2][6] == "2027-01-14"  # a real date, shown as a date
    city_csv = next((tmp_path / "city").glob("*.csv")).read_text(encoding="utf-8")
    cities = {r[1]: r for r in csv.reader(io.StringIO(city_csv)) if len(r) > 3}
    city_heading = list(csv.reader(io.StringIO(city_csv)))[1]
    assert cities["乐山市"][city_heading.index("返乡登记(人)")] == "5"
    assert cities["成都市"][city_heading.index("返乡登记(人)")] == "6"
    assert cities["乐山市"][city_heading.index("礼包库存(份)")] == "140"
