"""The day report and console overview over HTTP: see, print, download, close, correct."""

import csv
import datetime
import io

import pytest

from kiosk import clock
from kiosk import counts
from kiosk import luggage
from kiosk import stations
from kiosk import tallies
from kiosk import vouchers
from kiosk.models import DayClose
from kiosk.models import database
from kiosk.printing import PrintJob
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers
from tests.test_metrics import visible_text


def in_db(app, work):
    with app.app_context(), database.connection_context():
        return work()


@pytest.fixture
def today(app):
    return in_db(app, clock.local_day)


@pytest.fixture
def volunteer(app):
    return add_volunteer(app)


@pytest.fixture
def manager(app):
    return add_volunteer(app, name="李站长", pin="135792", role="manager")


@pytest.fixture
def stocked(app, volunteer):
    def work():
        vouchers.define_pack("warm", "暖心小礼包", "矿泉水、口罩", no_id_needed=True, low_stock=10)
        vouchers.stock_in("warm", 10, "首批到货")
        tallies.tap("tea_water", volunteer, people=3)

    in_db(app, work)


def test_the_report_needs_a_signed_in_volunteer(client, today):
    response = client.get(f"/volunteer/day/{today}")
    assert response.status_code == 303
    assert "/volunteer/sign-in" in response.headers["Location"]


def test_console_home_shows_todays_figures_stock_and_the_report_link(client, auth, volunteer, stocked, today):
    auth.sign_in(volunteer)

    body = client.get("/volunteer/").get_data(as_text=True)

    assert 'id="today-served">3<' in body
    text = visible_text(body)
    assert "Gift packs free to promise" not in text  # Chinese first, in the glossary's words
    assert "暖心小礼包 可发礼包 10 / 礼包库存 10" in text
    assert "库存不足" in body  # 10 free, warning at 10
    assert f'href="/volunteer/day/{today}"' in body


def check_in_two_bags(app, volunteer):
    def work():
        rules = luggage.Rules.from_config(app.config)
        keys = luggage.Keys(stations.current().kiosk_id, "k", "p")
        # The kiosk's own default pick-up: "now + 6 h" falls after closing from 16:00 in Beijing.
        due = next(moment for moment, default in luggage.pickup_choices(rules, clock.now()) if default)
        luggage.check_in(["backpack", "suitcase"], next(iter(rules.shelves)), due, "", volunteer, rules, keys)

    in_db(app, work)


def test_console_home_counts_the_bags_in_custody_beside_the_stock(app, client, auth, volunteer, stocked):
    """The bags are read with the pack stock (one statement): the number is the same."""
    check_in_two_bags(app, volunteer)
    auth.sign_in(volunteer)

    body = client.get("/volunteer/").get_data(as_text=True)

    assert 'id="today-bags">2<' in body
    assert "暖心小礼包 可发礼包 10 / 礼包库存 10" in visible_text(body)


def test_console_home_counts_the_bags_in_custody_at_a_station_without_packs(app, client, auth, volunteer):
    check_in_two_bags(app, volunteer)
    auth.sign_in(volunteer)

    assert 'id="today-bags">2<' in client.get("/volunteer/").get_data(as_text=True)


def test_a_tally_tap_tells_the_overview_to_refresh(client, auth, volunteer, stocked):
    auth.sign_in(volunteer)

    response = client.post("/volunteer/tallies/", data={"service": "guidance", "people": 2}, headers=htmx_headers())

    assert response.headers["HX-Trigger"] == "counts-changed"
    overview = client.get("/volunteer/day/overview", headers=htmx_headers()).get_data(as_text=True)
    assert 'id="today-served">5<' in overview


def test_the_report_shows_the_stock_sum(client, auth, volunteer, stocked, today):
    auth.sign_in(volunteer)

    body = client.get(f"/volunteer/day/{today}").get_data(as_text=True)

    assert '<tr id="stock-warm">' in body
    assert '<td data-count="on_hand">10</td>' in body
    assert 'id="served-tea_water">3<' in body
    assert "关闭这一天" not in body and 'id="close-day"' not in body  # only a manager closes


def test_printing_the_slip_queues_it_and_shows_its_preview(client, auth, volunteer, stocked, today, app):
    auth.sign_in(volunteer)

    response = client.post(f"/volunteer/day/{today}/print")

    assert response.status_code == 303
    job = in_db(app, lambda: PrintJob.get(PrintJob.kind == "day_report"))
    assert job.state == "queued"
    assert "暖心小礼包".encode("gb18030") in bytes(job.data)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="slip-preview"' in page and "data:image/png;base64," in page


def test_the_csv_opens_in_excel_with_chinese_headings(client, auth, volunteer, stocked, today):
    auth.sign_in(volunteer)

    response = client.get(f"/volunteer/day/{today}.csv")

    assert response.mimetype == "text/csv"
    assert f"nuantu-day-{today}.csv" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    assert table[0][:3] == ["分类", "项目", "数值"] and len(table[0]) == 4
    assert ["礼包：暖心小礼包", "礼包库存", "10"] in table  # the glossary's words, as at the office
    assert ["行李看护", "行李寄存", "0", "0"] in table  # luggage: tickets and bags in their own columns, as numbers
    assert ["服务人次", "茶水", "3"] in table


def test_a_volunteer_cannot_close_the_day(client, auth, volunteer, stocked, today, app):
    auth.sign_in(volunteer)

    response = client.post(f"/volunteer/day/{today}/close", headers=htmx_headers())

    assert response.status_code == 403
    assert "只有站长" in response.get_data(as_text=True)
    assert in_db(app, DayClose.select().count) == 0


def test_the_manager_closes_the_day_once(client, auth, manager, stocked, today, app):
    auth.sign_in(manager, "135792")
    assert 'id="close-day"' in client.get(f"/volunteer/day/{today}").get_data(as_text=True)

    response = client.post(f"/volunteer/day/{today}/close", headers=htmx_headers())

    assert response.headers["HX-Redirect"] == f"/volunteer/day/{today}"
    page = client.get(f"/volunteer/day/{today}").get_data(as_text=True)
    assert "李站长" in page and 'id="close-day"' not in page and 'id="add-correction"' in page
    again = client.post(f"/volunteer/day/{today}/close", headers=htmx_headers())
    assert again.status_code == 409
    assert "已由李站长" in again.get_data(as_text=True)


def test_after_closing_the_console_counts_for_the_next_day(client, auth, manager, stocked, today, app):
    auth.sign_in(manager, "135792")
    client.post(f"/volunteer/day/{today}/close")

    client.post("/volunteer/tallies/", data={"service": "tea_water", "people": 1})

    home = client.get("/volunteer/").get_data(as_text=True)
    assert 'id="today-served">1<' in home  # tomorrow's books
    assert in_db(app, lambda: counts.value("tallies", today, service="tea_water")) == 3


def test_a_correction_without_reason_is_refused_and_changes_nothing(client, auth, manager, stocked, today, app):
    auth.sign_in(manager, "135792")
    client.post(f"/volunteer/day/{today}/close")
    before = in_db(app, counts.head)

    response = client.post(f"/volunteer/day/{today}/corrections",
                           data={"service": "tea_water", "people": 4, "reason": ""}, headers=htmx_headers())

    assert response.status_code == 400
    assert "请填写原因" in response.get_data(as_text=True)
    assert in_db(app, counts.head) == before


def test_a_late_correction_is_listed_on_both_days(client, auth, manager, stocked, today, app):
    auth.sign_in(manager, "135792")
    client.post(f"/volunteer/day/{today}/close")

    client.post(f"/volunteer/day/{today}/corrections", data={"service": "tea_water", "people": 4, "reason": "纸质表补录"})

    closed_page = client.get(f"/volunteer/day/{today}").get_data(as_text=True)
    assert "纸质表补录" in closed_page and 'id="served-tea_water">3<' in closed_page
    next_day = in_db(app, lambda: counts.booking_day(today))
    next_page = client.get(f"/volunteer/day/{next_day}").get_data(as_text=True)
    assert 'id="served-tea_water">4<' in next_page and "纸质表补录" in next_page


def test_a_day_that_is_not_a_date_is_not_found(client, auth, volunteer):
    auth.sign_in(volunteer)
    assert client.get("/volunteer/day/yesterday").status_code == 404


def test_after_closing_the_console_still_says_today_and_where_new_counts_go(client, auth, manager, stocked, today):
    auth.sign_in(manager, "135792")
    form = client.get(f"/volunteer/day/{today}").get_data(as_text=True)
    assert 'id="still-open"' in form and "没有未完成的事项" in form
    client.post(f"/volunteer/day/{today}/close", headers=htmx_headers())

    home = client.get("/volunteer/").get_data(as_text=True)

    assert f"今天 {today:%m-%d}" in home
    tomorrow = today + datetime.timedelta(days=1)
    assert f"现在的计数记入{tomorrow:%m-%d}" in home


def test_a_fresh_kiosk_tells_the_volunteer_what_to_set_up_first(client, auth, volunteer):
    auth.sign_in(volunteer)
    home = client.get("/volunteer/").get_data(as_text=True)
    assert 'id="overview-setup"' in home and "还没有设置礼包" in home


def test_console_home_says_when_packs_are_stocked_but_none_is_on_offer_today(app, client, auth, volunteer, stocked, today):
    auth.sign_in(volunteer)
    assert "今天没有可领取的礼包" in client.get("/volunteer/").get_data(as_text=True)

    def offer():
        campaign = vouchers.add_campaign("春风行动", today, today + datetime.timedelta(days=10))
        vouchers.offer(campaign.id, "warm", "day")

    in_db(app, offer)
    assert "今天没有可领取的礼包" not in client.get("/volunteer/").get_data(as_text=True)
