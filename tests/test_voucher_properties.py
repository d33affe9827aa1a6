"""Property tests: whatever volunteers and workers do, in any order over several days,
stock and counts reconcile and stock never goes negative."""

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

from kiosk import counts
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.models import AuditEntry
from kiosk.models import CountCell
from kiosk.models import database
from kiosk.vouchers import Campaign
from kiosk.vouchers import PackOffer
from kiosk.vouchers import PackType
from kiosk.vouchers import StockMove
from kiosk.vouchers import Voucher
from tests.conftest import add_volunteer
from tests.conftest import make_app
from tests.vouchers_factory import MORNING
from tests.vouchers_factory import person
from tests.vouchers_factory import stock_station

PACKS = ("warm", "return")
PEOPLE = (None, person("张三"), person("李四"), person("王五"))


_station = {}


def station_app():
    """One kiosk app for every example (building one per example would dominate the run time)."""
    if not _station:
        workdir = Path(tempfile.mkdtemp())
        _station.update(app=make_app(workdir), workdir=workdir)
        _station["volunteer"] = add_volunteer(_station["app"])
    return _station["app"], _station["volunteer"]


def empty_station(app):
    """Drop every gift-pack row and count cell, keeping the station, kiosk and volunteer."""
    with database.connection_context():
        for model in (Voucher, PackOffer, Campaign, StockMove, PackType, CountCell, AuditEntry):
            model.delete().execute()


class VoucherDesk(RuleBasedStateMachine):
    """A kiosk over a few days: deliveries, takes, double taps, hand-outs, voids, expiry."""

    @initialize(rule_name=st.sampled_from(["campaign", "day", "interval"]), valid_days=st.integers(0, 2))
    def open_station(self, rule_name, valid_days):
        self.app, self.volunteer = station_app()
        self.context = self.app.app_context()
        self.context.push()
        empty_station(self.app)
        database.connect(reuse_if_open=True)
        self.offers = stock_station(warm=3, ret=2, rule=rule_name, interval_days=3 if rule_name == "interval" else 0)
        self.valid_days = valid_days
        self.now = MORNING
        self.codes = []
        self.tokens = []
        self.moved = Counter({("warm", "in"): 3, ("return", "in"): 2})
        self.handed_out = Counter()

    def teardown(self):
        if hasattr(self, "context"):
            database.close()
            self.context.pop()

    @rule(key=st.sampled_from(PACKS), quantity=st.integers(1, 4))
    def delivery(self, key, quantity):
        vouchers.stock_in(key, quantity, "到货", now=self.now)
        self.moved[(key, "in")] += quantity

    @rule(key=st.sampled_from(PACKS), quantity=st.integers(1, 4))
    def damaged(self, key, quantity):
        try:
            vouchers.stock_out(key, quantity, "破损", now=self.now)
        except DomainError:
            return
        self.moved[(key, "out")] += quantity

    @rule(key=st.sampled_from(PACKS), who=st.sampled_from(PEOPLE), again=st.booleans(), override=st.booleans())
    def take(self, key, who, again, override):
        token = self.tokens[-1] if again and self.tokens else vouchers.new_request_token()
        decision = vouchers.Override(self.volunteer, "hardship") if override else None
        try:
            voucher = vouchers.issue(self.offers[key], token, person_key=who, override=decision,
                                     valid_days=self.valid_days, now=self.now)
        except DomainError:
            return
        self.tokens.append(token)
        if voucher.code not in self.codes:
            self.codes.append(voucher.code)

    @precondition(lambda self: self.codes)
    @rule(pick=st.integers(0, 1000))
    def hand_out(self, pick):
        code = self.codes[pick % len(self.codes)]
        try:
            voucher = vouchers.redeem(code, self.volunteer, now=self.now)
        except DomainError:
            return
        self.handed_out[voucher.pack_type.key] += 1

    @precondition(lambda self: self.codes)
    @rule(pick=st.integers(0, 1000), reason=st.sampled_from(["misprint", "duplicate", "other"]))
    def void(self, pick, reason):
        try:
            vouchers.void(self.codes[pick % len(self.codes)], self.volunteer, reason, "作废", now=self.now)
        except DomainError:
            pass

    @precondition(lambda self: self.codes)
    @rule(pick=st.integers(0, 1000))
    def reprint(self, pick):
        try:
            vouchers.reprint(self.codes[pick % len(self.codes)], self.volunteer, "lost", now=self.now)
        except DomainError:
            pass

    @rule(hours=st.sampled_from([3, 20, 30]))
    def time_passes(self, hours):
        self.now += datetime.timedelta(hours=hours)

    @rule()
    def nightly_expiry(self):
        vouchers.release_expired(now=self.now)

    @invariant()
    def stock_is_never_negative_nor_over_promised(self):
        for pack in PackType.select():
            assert 0 <= pack.reserved <= pack.on_hand

    @invariant()
    def stock_reconciles_with_moves_and_hand_outs(self):
        for pack in PackType.select():
            moves = Counter()
            for move in StockMove.select().where(StockMove.pack_type == pack):
                moves[move.kind] += move.quantity
            redeemed = Voucher.select().where(Voucher.pack_type == pack, Voucher.state == "redeemed").count()
            outstanding = Voucher.select().where(Voucher.pack_type == pack, Voucher.state == "issued").count()
            assert (moves["in"], moves["out"]) == (self.moved[(pack.key, "in")], self.moved[(pack.key, "out")])
            assert pack.on_hand == moves["in"] - moves["out"] - redeemed
            assert redeemed == self.handed_out[pack.key]
            assert pack.reserved == outstanding

    @invariant()
    def counts_match_the_vouchers_behind_them(self):
        cells = Counter()
        latest_on_hand = {}
        for cell in counts.changed_since(0, limit=100_000):
            pack = cell.dims.get("pack")
            if cell.metric == "packs.on_hand":
                latest_on_hand[pack] = max(latest_on_hand.get(pack, (cell.day, 0)), (cell.day, cell.value))
            else:
                cells[(cell.metric, pack)] += cell.value
        for pack in PackType.select():
            states = Counter(v.state for v in Voucher.select().where(Voucher.pack_type == pack))
            issued = sum(states.values())
            assert cells[("vouchers.issued", pack.key)] == issued
            for state in ("redeemed", "voided", "expired"):
                assert cells[(f"vouchers.{state}", pack.key)] == states[state]
            assert issued == states["issued"] + states["redeemed"] + states["voided"] + states["expired"]
            assert cells[("packs.stock_in", pack.key)] - cells[("packs.stock_out", pack.key)] - states["redeemed"] == pack.on_hand
            assert latest_on_hand[pack.key][1] == pack.on_hand


VoucherDesk.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_stock_and_counts_always_reconcile = VoucherDesk.TestCase
