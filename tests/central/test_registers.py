"""The county registers end to end: a worker's choices at the kiosk → count cells → the pull → the office.

Counts only: what reaches the office is how many people left for a province
or a city named on the screen, never who.
"""

import datetime
import io

import openpyxl
import pytest

from kiosk import clock
from kiosk import registration
from kiosk.central import registers
from kiosk.central.models import Cell
from kiosk.models import database as kiosk_db
from kiosk.central import users
from kiosk.central.models import database as central_db
from tests.central.conftest import PASSWORD
from tests.central.conftest import OfficeAuth
from tests.central.conftest import register
from tests.central.test_pull import pull_all

HOME = "511102"  # 乐山市 市中区, the test kiosk's own county


@pytest.fixture
def client_of(central_app):
    """A signed-in office client of a bureau whose scope is a region code."""

    def sign_in(scope, _day):
        with central_app.app_context(), central_db.connection_context():
            users.add(f"bureau-{scope}", PASSWORD, role="viewer", scope=scope)
        client = central_app.test_client()
        assert OfficeAuth(client).sign_in(f"bureau-{scope}").status_code == 303
        return client

    return sign_in


def leave_for_work(destination, city=None, home="511123"):
    draft = registration.start("work")
    draft = registration.choose_prefecture(draft, home[:4] + "00")
    draft = registration.choose_home(draft, home, HOME)
    draft = registration.choose_destination(draft, destination)
    if city:
        draft = registration.choose_city(draft, city)
    return registration.register(draft)


def test_departures_reach_the_county_register_by_destination_province_and_city(central_app, kiosks, client_of):
    kiosk = kiosks("k1", STATION_COUNTY=HOME)
    with kiosk.app.app_context(), kiosk_db.connection_context():
        day = clock.local_day()
        for city in ("440300", "440300", "440100", None):  # 深圳 ×2, 广州, Guangdong without a city
            leave_for_work("440000", city)
        leave_for_work("330000", "330100")  # 杭州
        leave_for_work("310000")  # 上海: a municipality has no city to choose
    with central_app.app_context(), central_db.connection_context():
        register("乐山 1号机", kiosk)
        assert not pull_all(central_app).failed
        # Only codes travelled: destinations at city level where the worker named one.
        sent = dict(Cell.select(Cell.dims, Cell.value).where(Cell.metric == "registrations").tuples())
        book = registers.register(day, day)
    assert sent == {
        "county=511123;destination=440300;direction=work": 2,
        "county=511123;destination=440100;direction=work": 1,
        "county=511123;destination=440000;direction=work": 1,
        "county=511123;destination=330100;direction=work": 1,
        "county=511123;destination=310000;direction=work": 1,
    }

    lines = {line.code: line for line in book.destinations}
    assert [line.code for line in book.destinations] == ["440000", "310000", "330000"]  # most people first
    assert lines["440000"].people == 4 and lines["440000"].city_not_given == 1
    assert lines["440000"].cities == [("440300", "深圳市", 2), ("440100", "广州市", 1)]
    assert lines["330000"].cities == [("330100", "杭州市", 1)] and lines["330000"].city_not_given == 0
    assert lines["310000"].cities == [] and book.totals["work"] == 6  # a city is never counted twice

    # The home county's bureau (犍为县, 511123) sees it on its dashboard…
    office = client_of("511123", day)
    page = office.get("/", query_string={"from": day.isoformat(), "to": day.isoformat()}).get_data(as_text=True)
    table = page.split('id="register-destinations"')[1].split("</table>")[0]
    assert table.index("广东") < table.index("深圳市") < table.index("广州市") < table.index("城市未填")
    assert '<tr class="destination-city" data-code="440300"><th scope="row">深圳市</th><td>2</td>' in table

    # …and in the register sheet it sends upward: provinces in C (they add up), cities under them in D.
    response = office.get("/export.xlsx", query_string={"from": day.isoformat(), "to": day.isoformat()})
    sheet = next(ws for ws in openpyxl.load_workbook(io.BytesIO(response.data)).worksheets if "台账" in ws.title)
    rows = [tuple(c.value for c in row[:4]) for row in sheet.iter_rows()]
    assert (440000, "广东", 4, None) in rows
    assert (440300, "广东 › 深圳市", None, 2) in rows
    assert (None, "广东 › 城市未填", None, 1) in rows


def test_old_cells_with_province_destinations_still_make_the_register(central):
    found = registers.destination_lines({"440000": 3, "44": 1, "440300": 2, "长三角": 1})
    assert [(d.code, d.people) for d in found] == [("440000", 6), ("长三角", 1)]
    assert found[0].cities == [("440300", "深圳市", 2)] and found[0].city_not_given == 4
    assert list(found[0]) == ["440000", found[0].name, 6]  # still (code, name, people) for older readers
    day = datetime.date(2027, 1, 20)
    assert registers.register(day, day).destinations == []  # a period without cells
