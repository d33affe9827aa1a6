"""A season built in bulk behaves like one written through the use cases: same numbers, real records."""

import datetime
import random

import pytest
from peewee import fn

from kiosk import clock
from kiosk import counts
from kiosk import luggage
from kiosk import personal_data
from kiosk import pii_keys
from kiosk import registration
from kiosk import simulate
from kiosk import stations
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.luggage.models import LuggageBag
from kiosk.luggage.models import LuggageDeposit
from kiosk.models import CountCell
from kiosk.models import Volunteer
from kiosk.models import database
from kiosk.registration.models import Registration
from kiosk.simulate import bulk
from kiosk.tallies.models import Tally
from kiosk.vouchers.models import PackType
from kiosk.vouchers.models import Voucher
from tests.conftest import make_app

# Four days across the 2027 festival (6 February): both campaigns, people going home and leaving for work.
UNTIL = datetime.date(2027, 2, 8)
DAYS, SCALE, SEED = 4, 0.4, 5


@pytest.fixture
def season(app):
    """A small season built in bulk, with the app's keys (the week's key ring, as at a kiosk)."""
    with app.app_context(), database.connection_context():
        summary = bulk.build(DAYS, UNTIL, scale=SCALE, seed=SEED, config=app.config)
    return summary


def cell_sum(metric):
    return CountCell.select(fn.COALESCE(fn.SUM(CountCell.value), 0)).where(CountCell.metric == metric).scalar()


def test_bulk_and_use_cases_write_the_same_numbers_for_the_same_seed(tmp_path):
    built = {}
    for way in ("bulk", "use_cases"):
        app = make_app(tmp_path / way)
        with app.app_context(), database.connection_context():
            write = bulk.build if way == "bulk" else simulate.simulate
            summary = write(DAYS, UNTIL, scale=SCALE, seed=SEED, config=app.config)
            cells = {(c.day, c.metric, c.dims): c.value for c in CountCell.select()}
        built[way] = summary, cells

    (bulk_summary, bulk_cells), (real_summary, real_cells) = built["bulk"], built["use_cases"]
    assert bulk_summary.records == real_summary.records
    assert bulk_summary.totals == real_summary.totals
    assert bulk_cells == real_cells  # cell by cell, day by day
    assert real_summary.records["vouchers.refused"] > 0  # the quota was tested on the way
    assert real_summary.records["luggage"] > 0 and real_summary.records["vouchers.redeemed"] > 0


def test_the_cells_of_a_bulk_season_agree_with_its_rows(app, season):
    with app.app_context(), database.connection_context():
        first_visits = Registration.select().where(Registration.visit == "first").count()
        assert cell_sum("registrations") == first_visits > 100
        assert cell_sum("registrations.repeat") == Registration.select().where(Registration.visit == "repeat").count()
        assert cell_sum("vouchers.issued") == Voucher.select().count()
        for state in ("redeemed", "expired"):
            assert cell_sum(f"vouchers.{state}") == Voucher.select().where(Voucher.state == state).count() > 0
        assert cell_sum("tallies") == Tally.select(fn.SUM(Tally.people)).scalar()
        assert cell_sum("luggage.checked_in") == LuggageBag.select().count()
        assert cell_sum("luggage.claimed") == LuggageBag.select().where(LuggageBag.release == "claim").count()
        assert cell_sum("luggage.tickets.overdue") == LuggageDeposit.select().where(
            LuggageDeposit.overdue_counted == True).count()  # noqa: E712
        for pack in PackType.select():
            issued = Voucher.select().where(Voucher.pack_type == pack, Voucher.state == "issued").count()
            redeemed = Voucher.select().where(Voucher.pack_type == pack, Voucher.state == "redeemed").count()
            delivered = cell_sum("packs.stock_in") // 2  # both packs get the same delivery
            assert (pack.on_hand, pack.reserved) == (delivered - redeemed, issued)
            last_level = counts.value("packs.on_hand", UNTIL, pack=pack.key)
            assert last_level == pack.on_hand
        assert len(counts.changed_since(0, limit=10 ** 6)) == CountCell.select().count()  # a pull gets every cell


def test_a_bulk_voucher_is_redeemed_at_the_desk(app, season):
    with app.app_context(), database.connection_context():
        voucher = Voucher.select().where(Voucher.state == "issued").order_by(Voucher.issued_at).first()
        station = stations.current()
        scanned = vouchers.payload(voucher, station.kiosk_id, app.config["SIGNING_KEY"])
        found = vouchers.find(scanned, station.kiosk_id, app.config["SIGNING_KEY"], today=UNTIL)
        volunteer = Volunteer.get(Volunteer.name == simulate.SIMULATED_VOLUNTEER)
        before = cell_sum("vouchers.redeemed")

        redeemed = vouchers.redeem(found.code, volunteer.id, now=voucher.issued_at + datetime.timedelta(minutes=5))

        assert redeemed.state == "redeemed"
        assert cell_sum("vouchers.redeemed") == before + 1


def test_a_bulk_luggage_ticket_is_claimed(app, season):
    with app.app_context(), database.connection_context():
        deposit = LuggageDeposit.open().order_by(LuggageDeposit.checked_in_at).first()
        station = stations.current()
        keys = luggage.Keys(station.kiosk_id, app.config["SIGNING_KEY"], pii_keys.ring(now=deposit.checked_in_at))
        volunteer = Volunteer.get(Volunteer.name == simulate.SIMULATED_VOLUNTEER)

        claimed = luggage.claim(deposit.code, range(1, deposit.bags + 1), volunteer.id, keys,
                                now=deposit.checked_in_at + datetime.timedelta(hours=1))

        assert claimed.closed_at is not None
        assert luggage.in_custody(deposit.shelf) == sum(
            d.bags for d in LuggageDeposit.open().where(LuggageDeposit.shelf == deposit.shelf))


def planned_visitors(day):
    """The visitors the build planned for a day (the same seed gives the same people)."""
    events = []
    rng = random.Random(f"{SEED}:{stations.current().code}:{day.isoformat()}")
    simulate.plan_day(day, rng, SCALE, events)
    return [(moment, visitor) for moment, _, _, visitor in sorted(events)]


def test_the_quota_applies_to_a_phone_registered_in_bulk(app, season):
    with app.app_context(), database.connection_context():
        evening = datetime.datetime.combine(UNTIL, datetime.time(21, 0), clock.zone())
        now = evening.astimezone(datetime.UTC).replace(tzinfo=None)
        ring = pii_keys.ring(now=now)
        for moment, visitor in planned_visitors(UNTIL - datetime.timedelta(days=1)):  # after the festival
            if visitor["phone"] and visitor["direction"] == "work" and visitor["voucher"]:
                phone = visitor["phone"]
                break
        took = Voucher.select().where(Voucher.person_key.in_(
            personal_data.fingerprint("phone", phone, ring).matches)).get()
        offer_id = next(o.id for o in vouchers.offers_today(UNTIL) if o.pack_type.key == "return")

        draft = registration.choose_prefecture(registration.start("work"), visitor["county"][:4] + "00")
        draft = registration.choose_home(draft, visitor["county"], stations.current().county_code)
        draft = registration.choose_destination(draft, visitor["destination"])
        draft = registration.add_phone(registration.answer_consent(draft, "yes"), phone, ring)
        receipt = registration.register(draft, now=now)
        person = vouchers.person_keys_of(receipt.token, draft.phone.matches)

        with pytest.raises(DomainError, match="already got"):
            vouchers.issue(offer_id, vouchers.new_request_token(), person_key=person, now=now)
        assert took.pack_type.key == "return"


def test_the_season_command_builds_in_bulk_and_says_what_it_wrote(app, runner):
    result = runner.invoke(args=["simulate", "--season", "--scale", "0.003"])

    assert result.exit_code == 0, result.output
    assert "simulated 80 days ending 2027-03-10" in result.output
    with app.app_context(), database.connection_context():
        assert Registration.select().count() > 300
        assert cell_sum("vouchers.issued") == Voucher.select().count()
        assert LuggageDeposit.select().count() > 0


def test_the_season_command_refuses_to_build_in_bulk_over_visitors(app, runner, season):
    result = runner.invoke(args=["simulate", "--season", "--scale", "0.003"])

    assert result.exit_code != 0
    assert "use the use-case path" in result.output
