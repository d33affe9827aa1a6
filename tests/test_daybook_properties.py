"""Property test: whatever happens over several days, in any order, every day's books add up,
a closed day's report never changes, and nothing counted is lost or counted twice."""

import datetime
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine
from hypothesis.stateful import initialize
from hypothesis.stateful import invariant
from hypothesis.stateful import precondition
from hypothesis.stateful import rule

from kiosk import clock
from kiosk import daybook
from kiosk import tallies
from kiosk import vouchers
from kiosk.daybook import LateCorrection
from kiosk.errors import DomainError
from kiosk.models import AuditEntry
from kiosk.models import CountCell
from kiosk.models import database
from kiosk.models import DayClose
from kiosk.tallies import Tally
from kiosk.vouchers import Campaign
from kiosk.vouchers import PackOffer
from kiosk.vouchers import PackType
from kiosk.vouchers import StockMove
from kiosk.vouchers import Voucher
from tests.conftest import add_volunteer
from tests.conftest import make_app
from tests.vouchers_factory import DAY
from tests.vouchers_factory import MORNING
from tests.vouchers_factory import stock_station

PACKS = ("warm", "return")
SERVICES = ("tea_water", "guidance")
_station = {}


def station_app():
    """One kiosk app for every example: building one per example would dominate the run."""
    if not _station:
        app = make_app(Path(tempfile.mkdtemp()))
        _station.update(app=app, volunteer=add_volunteer(app),
                        manager=add_volunteer(app, name="李站长", pin="135792", role="manager"))
    return _station["app"], _station["volunteer"], _station["manager"]


class StationDays(RuleBasedStateMachine):
    """A service point over a few days: stock, vouchers, tallies, closing time, late corrections."""

    @initialize()
    def open_station(self):
        self.app, self.volunteer, self.manager = station_app()
        self.context = self.app.app_context()
        self.context.push()
        database.connect(reuse_if_open=True)
        for model in (LateCorrection, DayClose, Tally, Voucher, PackOffer, Campaign, StockMove, PackType, CountCell,
                      AuditEntry):
            model.delete().execute()
        self.offers = stock_station(warm=4, ret=2)
        self.now = MORNING
        self.codes = []
        self.frozen = {}  # day → the sheet as it was closed
        self.people = 0  # everyone counted on a tally or a late correction
        self.moved = Counter({"in": 6})
        self.given = 0

    def teardown(self):
        if hasattr(self, "context"):
            database.close()
            self.context.pop()

    @property
    def today(self):
        return clock.local_day(self.now)

    @rule(key=st.sampled_from(PACKS), quantity=st.integers(1, 3), out=st.booleans())
    def stock_move(self, key, quantity, out):
        try:
            (vouchers.stock_out if out else vouchers.stock_in)(key, quantity, "盘点", now=self.now)
        except DomainError:
            return
        self.moved["out" if out else "in"] += quantity

    @rule(key=st.sampled_from(PACKS), valid_days=st.integers(0, 1))
    def take(self, key, valid_days):
        try:
            voucher = vouchers.issue(self.offers[key], vouchers.new_request_token(),
                                     override=vouchers.Override(self.volunteer, "hardship"),
                                     valid_days=valid_days, now=self.now)
        except DomainError:
            return
        self.codes.append(voucher.code)

    @precondition(lambda self: self.codes)
    @rule(pick=st.integers(0, 100), hand_out=st.booleans())
    def close_voucher(self, pick, hand_out):
        code = self.codes[pick % len(self.codes)]
        try:
            if hand_out:
                vouchers.redeem(code, self.volunteer, now=self.now)
                self.given += 1
            else:
                vouchers.void(code, self.volunteer, "misprint", now=self.now)
        except DomainError:
            pass

    @rule(service=st.sampled_from(SERVICES), people=st.integers(1, 5), undo=st.booleans())
    def tally(self, service, people, undo):
        tap = tallies.tap(service, self.volunteer, people=people, now=self.now)
        self.people += people
        if undo:
            try:
                tallies.undo(tap.id, self.volunteer, now=self.now + datetime.timedelta(seconds=20))
            except DomainError:
                return
            self.people -= people

    @rule(minutes=st.sampled_from([30, 300, 900, 1440]))
    def time_passes(self, minutes):
        self.now += datetime.timedelta(minutes=minutes)

    @rule(days_back=st.integers(0, 2))
    def close_a_day(self, days_back):
        day = self.today - datetime.timedelta(days=days_back)
        try:
            sheet = daybook.close_day(day, self.manager, SERVICES, now=self.now)
        except DomainError:
            assert day in self.frozen or day < DAY
            return
        self.frozen[day] = sheet

    @precondition(lambda self: self.frozen)
    @rule(pick=st.integers(0, 100), people=st.integers(1, 5))
    def late_correction(self, pick, people):
        day = sorted(self.frozen)[pick % len(self.frozen)]
        daybook.correct_late(day, "tea_water", people, "纸质表补录", self.manager, SERVICES, now=self.now)
        self.people += people

    def days(self):
        last = max([self.today, *self.frozen]) + datetime.timedelta(days=1)
        return [DAY + datetime.timedelta(days=n) for n in range((last - DAY).days + 1)]

    @invariant()
    def every_days_stock_adds_up_and_follows_on(self):
        previous = None
        for day in self.days():
            sheet = daybook.day_sheet(day, SERVICES, self.now)
            for pack in sheet.packs:
                assert pack.difference == 0, (day, pack)
                assert pack.free >= 0
                if previous is not None:
                    assert pack.start == previous[pack.key].on_hand
            previous = {pack.key: pack for pack in sheet.packs}

    @invariant()
    def closed_reports_never_change(self):
        for day, sheet in self.frozen.items():
            assert daybook.day_sheet(day, SERVICES, self.now) == sheet

    @invariant()
    def nothing_counted_is_lost_or_counted_twice(self):
        sheets = [daybook.day_sheet(day, SERVICES, self.now) for day in self.days()]
        assert sum(people for sheet in sheets for _, people in sheet.tallies) == self.people
        given = sum(pack.given for sheet in sheets for pack in sheet.packs)
        moved_in = sum(pack.stock_in for sheet in sheets for pack in sheet.packs)
        moved_out = sum(pack.stock_out for sheet in sheets for pack in sheet.packs)
        assert (given, moved_in, moved_out) == (self.given, self.moved["in"], self.moved["out"])
        assert sum(p.on_hand for p in PackType.select()) == moved_in - moved_out - given

    @invariant()
    def outstanding_is_what_is_still_promised(self):
        live = daybook.live_sheet(self.today, SERVICES, self.now)
        valid = Voucher.select().where(Voucher.state == "issued", Voucher.expires >= self.today)
        assert live.outstanding == valid.count()


StationDays.TestCase.settings = settings(
    max_examples=20,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_day_books_always_reconcile = StationDays.TestCase
