"""The end-of-day books: a day's sheet adds up, a manager closes it, late counts go to the next day."""

import datetime

import pytest

from kiosk import counts
from kiosk import daybook
from kiosk import luggage
from kiosk import stations
from kiosk import tallies
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.models import AuditEntry
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.vouchers_factory import DAY
from tests.vouchers_factory import MORNING
from tests.vouchers_factory import issue
from tests.vouchers_factory import stock_station

EVENING = MORNING + datetime.timedelta(hours=12)  # 21:00 in Leshan
NEXT_MORNING = MORNING + datetime.timedelta(days=1)
NEXT_DAY = DAY + datetime.timedelta(days=1)


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield


@pytest.fixture
def manager(app):
    return add_volunteer(app, name="李站长", pin="135792", role="manager")


@pytest.fixture
def volunteer(app):
    return add_volunteer(app)


@pytest.fixture
def offers(db):
    return stock_station(warm=10, ret=5)


def pack_line(sheet, key):
    return next(line for line in sheet.packs if line.key == key)


def a_busy_day(offers, volunteer):
    """Ten warm packs in, three vouchers, two handed out, one damaged pack out."""
    codes = [issue(offers["warm"], now=MORNING).code for _ in range(3)]
    for code in codes[:2]:
        vouchers.redeem(code, volunteer, now=MORNING)
    vouchers.stock_out("warm", 1, "破损", now=MORNING)
    tallies.tap("tea_water", volunteer, people=4, now=MORNING)
    return codes


def test_a_days_stock_adds_up(offers, volunteer):
    a_busy_day(offers, volunteer)

    warm = pack_line(daybook.day_sheet(DAY, now=EVENING), "warm")

    assert (warm.start, warm.stock_in, warm.stock_out, warm.given, warm.on_hand) == (0, 10, 1, 2, 7)
    assert warm.difference == 0
    assert (warm.issued, warm.reserved, warm.free) == (3, 1, 6)


def test_the_next_day_starts_where_the_last_ended(offers, volunteer):
    a_busy_day(offers, volunteer)
    vouchers.stock_in("warm", 5, "第二批", now=NEXT_MORNING)

    warm = pack_line(daybook.day_sheet(NEXT_DAY, now=NEXT_MORNING + datetime.timedelta(hours=12)), "warm")

    assert (warm.start, warm.stock_in, warm.on_hand, warm.difference) == (7, 5, 12, 0)


def test_a_sheet_that_does_not_add_up_says_so(offers, volunteer):
    a_busy_day(offers, volunteer)
    # Someone edits the stock level behind the books' back.
    with counts.write_transaction():
        counts.put("packs.on_hand", DAY, 9, pack="warm")

    sheet = daybook.day_sheet(DAY, now=EVENING)

    assert pack_line(sheet, "warm").difference == 2
    assert not sheet.balanced


def test_sheet_counts_registrations_luggage_and_tallies(offers, volunteer):
    with counts.write_transaction():
        counts.add("registrations", DAY, 3, direction="home", county="511102", destination=None)
        counts.add("registrations", DAY, 2, direction="work", county="511102", destination="44")
        counts.add("registrations.repeat", DAY, 1, direction="work", county="511102", destination="44")
    tallies.tap("guidance", volunteer, people=2, now=MORNING)

    sheet = daybook.day_sheet(DAY, now=EVENING)

    assert sheet.registrations == {"home": 3, "work": 2, "repeat": 1}
    assert dict(sheet.tallies)["guidance"] == 2
    assert dict(sheet.tallies)["medicine"] == 0
    assert sheet.luggage["in_custody"] == (0, 0)


def test_closing_freezes_the_report_and_later_counts_go_to_the_next_day(offers, volunteer, manager):
    codes = a_busy_day(offers, volunteer)
    closed = daybook.close_day(DAY, manager, now=EVENING)

    # After closing time the last voucher is handed out and tea is served, still on DAY's date.
    vouchers.redeem(codes[2], volunteer, now=EVENING + datetime.timedelta(minutes=30))
    tallies.tap("tea_water", volunteer, now=EVENING + datetime.timedelta(minutes=30))

    frozen = daybook.day_sheet(DAY, now=EVENING)
    assert frozen.closed and frozen.closed_by == "李站长"
    assert pack_line(frozen, "warm") == pack_line(closed, "warm")
    assert dict(frozen.tallies)["tea_water"] == 4
    assert counts.value("vouchers.redeemed", DAY, pack="warm") == 2

    following = daybook.day_sheet(NEXT_DAY, now=NEXT_MORNING + datetime.timedelta(hours=12))
    warm = pack_line(following, "warm")
    assert (warm.start, warm.given, warm.on_hand, warm.difference) == (7, 1, 6, 0)
    assert dict(following.tallies)["tea_water"] == 1
    assert counts.value("daybook.closed", DAY) == 1


def test_only_a_manager_closes_a_begun_day_once(offers, volunteer, manager):
    with pytest.raises(DomainError, match="station manager"):
        daybook.close_day(DAY, volunteer, now=EVENING)
    with pytest.raises(DomainError, match="once it has begun"):
        daybook.close_day(NEXT_DAY, manager, now=EVENING)
    daybook.close_day(DAY, manager, now=EVENING)
    with pytest.raises(DomainError, match="already closed by 李站长 at 21:00"):
        daybook.close_day(DAY, manager, now=EVENING)
    assert [e.action for e in AuditEntry.about(f"day:{DAY}")] == ["close_day"]


def test_a_tap_on_a_closed_day_cannot_be_undone(offers, volunteer, manager):
    tap = tallies.tap("medicine", volunteer, now=EVENING - datetime.timedelta(seconds=20))
    daybook.close_day(DAY, manager, now=EVENING)

    with pytest.raises(DomainError, match="day is closed"):
        tallies.undo(tap.id, volunteer, now=EVENING + datetime.timedelta(seconds=10))
    assert counts.value("tallies", DAY, service="medicine") == 1


def test_a_tap_after_closing_can_be_undone_from_the_next_day(offers, volunteer, manager):
    daybook.close_day(DAY, manager, now=EVENING)
    tap = tallies.tap("medicine", volunteer, now=EVENING + datetime.timedelta(minutes=1))

    tallies.undo(tap.id, volunteer, now=EVENING + datetime.timedelta(minutes=1, seconds=30))

    assert counts.value("tallies", NEXT_DAY, service="medicine") == 0


def test_late_correction_goes_to_the_next_open_day_with_its_reason(offers, volunteer, manager):
    daybook.close_day(DAY, manager, now=EVENING)

    daybook.correct_late(DAY, "tea_water", 6, "纸质登记表补录", manager, now=NEXT_MORNING)

    assert counts.value("tallies", DAY, service="tea_water") == 0
    assert counts.value("tallies", NEXT_DAY, service="tea_water") == 6
    [correction] = daybook.day_sheet(NEXT_DAY, now=NEXT_MORNING + datetime.timedelta(hours=12)).corrections
    assert (correction.corrects, correction.people, correction.reason, correction.by) == (DAY, 6, "纸质登记表补录", "李站长")
    assert daybook.corrections_for(DAY) == [correction]
    [entry] = [e for e in AuditEntry.about(f"day:{DAY}") if e.action == "late_correction"]
    assert entry.reason == "纸质登记表补录"


@pytest.mark.parametrize(
    "day, service, people, reason, message",
    [
        (DAY, "tea_water", 3, "  ", "reason"),
        (DAY, "tea_water", -3, "补录", "between 1 and"),
        (DAY, "tea_water", 0, "补录", "between 1 and"),
        (DAY, "massage", 3, "补录", "not counted"),
        (NEXT_DAY, "tea_water", 3, "补录", "still open"),
    ],
)
def test_bad_corrections_are_refused_and_change_nothing(offers, manager, day, service, people, reason, message):
    daybook.close_day(DAY, manager, now=EVENING)
    before = counts.head()

    with pytest.raises(DomainError, match=message):
        daybook.correct_late(day, service, people, reason, manager, now=NEXT_MORNING)

    assert counts.head() == before
    assert daybook.corrections_for(day) == []


def test_a_volunteer_cannot_correct_a_closed_day(offers, volunteer, manager):
    daybook.close_day(DAY, manager, now=EVENING)
    with pytest.raises(DomainError, match="station manager"):
        daybook.correct_late(DAY, "tea_water", 3, "补录", volunteer, now=NEXT_MORNING)


def test_outstanding_vouchers_at_closing_exclude_expired_ones(offers, volunteer, manager):
    issue(offers["warm"], now=MORNING, valid_days=0)  # valid on DAY only
    daybook.close_day(NEXT_DAY, manager, now=NEXT_MORNING + datetime.timedelta(hours=12))

    warm = pack_line(daybook.day_sheet(NEXT_DAY, now=NEXT_MORNING + datetime.timedelta(hours=12)), "warm")

    assert (warm.reserved, warm.expired) == (0, 0)  # expiry counts on the voucher's last day
    assert counts.value("vouchers.expired", DAY, pack="warm") == 1


def test_luggage_in_custody_is_on_the_sheet(app, offers, volunteer):
    rules = luggage.Rules.from_config(app.config)
    keys = luggage.Keys(stations.current().kiosk_id, "k", "p")
    due = MORNING + datetime.timedelta(hours=6)
    luggage.check_in(["backpack", "suitcase"], next(iter(rules.shelves)), due, "", volunteer, rules, keys, now=MORNING)

    sheet = daybook.day_sheet(DAY, now=EVENING)

    assert sheet.luggage["checked_in"] == (1, 2)
    assert sheet.luggage["in_custody"] == (1, 2)


def test_slip_and_rows_say_the_same(offers, volunteer, manager):
    a_busy_day(offers, volunteer)
    sheet = daybook.close_day(DAY, manager, now=EVENING)

    table = daybook.rows(sheet, lambda text, **params: text % params if params else text, "乐山站")
    ticket = daybook.slip(sheet, lambda text, **params: text % params if params else text, "乐山站")

    # Counts carry the glossary's words (kiosk.metrics), the same as the console and the office.
    assert ("Gift packs: 暖心小礼包", "礼包库存", 7) in table
    assert ("Gift packs: 暖心小礼包", "Stock check", "balanced") in table
    assert ("礼包库存", "7") in ticket.lines
    assert "—— 服务人次 ——" in ticket.lines
    assert ("Day closed", "21:00 by 李站长") in ticket.lines
    english = daybook.rows(sheet, lambda text, **params: text % params if params else text, "乐山站", "en")
    assert ("Gift packs: 暖心小礼包", "Gift packs in stock", 7) in english


def test_every_luggage_event_has_a_line_on_the_report():
    assert list(daybook.LUGGAGE_FIGURES) == [*luggage.EVENTS, "in_custody"]
