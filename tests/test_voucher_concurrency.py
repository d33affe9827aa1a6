"""Two volunteers at the same moment, with real threads on the real SQLite file: exactly one wins."""

import threading

import pytest

from kiosk import clock
from kiosk import counts
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.models import database
from kiosk.vouchers import PackType
from kiosk.vouchers import Voucher
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers
from tests.vouchers_factory import stock_station

ROUNDS = 12


def at_once(app, calls):
    """Run each call in its own thread with its own connection, released together; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        with app.app_context(), database.connection_context():
            barrier.wait()
            try:
                outcomes[index] = call()
            except DomainError as refusal:
                outcomes[index] = refusal

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.fixture
def offers(app):
    with app.app_context(), database.connection_context():
        return stock_station(warm=ROUNDS, starts=clock.local_day())


def test_two_volunteers_confirming_one_voucher_hand_out_one_pack(app, offers):
    first = add_volunteer(app, name="王芳", pin="2468")
    second = add_volunteer(app, name="张伟", pin="135792")
    with app.app_context(), database.connection_context():
        codes = [vouchers.issue(offers["warm"], vouchers.new_request_token()).code for _ in range(ROUNDS)]
    for code in codes:
        outcomes = at_once(app, [lambda c=code: vouchers.redeem(c, first), lambda c=code: vouchers.redeem(c, second)])
        winners = [o for o in outcomes if isinstance(o, Voucher)]
        losers = [o for o in outcomes if isinstance(o, DomainError)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert "Already handed out" in str(losers[0])
    with app.app_context(), database.connection_context():
        pack = PackType.get(PackType.key == "warm")
        assert (pack.on_hand, pack.reserved) == (0, 0)
        assert counts.value("vouchers.redeemed", clock.local_day(), pack="warm") == ROUNDS


def test_many_workers_racing_for_the_last_packs_get_exactly_that_many(app, offers):
    outcomes = at_once(app, [lambda: vouchers.issue(offers["warm"], vouchers.new_request_token())
                             for _ in range(ROUNDS + 4)])
    assert sum(isinstance(o, Voucher) for o in outcomes) == ROUNDS
    assert sum(isinstance(o, DomainError) and "ran out" in str(o) for o in outcomes) == 4
    with app.app_context(), database.connection_context():
        pack = PackType.get(PackType.key == "warm")
        assert (pack.on_hand, pack.reserved) == (ROUNDS, ROUNDS)
        assert counts.value("vouchers.issued", clock.local_day(), pack="warm") == ROUNDS


def test_a_double_tap_arriving_on_two_threads_issues_one_voucher(app, offers):
    token = vouchers.new_request_token()
    outcomes = at_once(app, [lambda: vouchers.issue(offers["warm"], token)] * 2)
    assert outcomes[0].id == outcomes[1].id
    with app.app_context(), database.connection_context():
        assert Voucher.select().count() == 1
        assert counts.value("vouchers.issued", clock.local_day(), pack="warm") == 1


def test_two_desks_posting_the_same_confirmation_over_http_get_one_hand_out(app, offers):
    volunteers = [add_volunteer(app, name="王芳", pin="2468"), add_volunteer(app, name="张伟", pin="135792")]
    with app.app_context(), database.connection_context():
        code = vouchers.issue(offers["warm"], vouchers.new_request_token()).code
    desks = []
    for volunteer_id, pin in zip(volunteers, ("2468", "135792")):
        desk = app.test_client()
        desk.post("/volunteer/sign-in", data={"volunteer_id": volunteer_id, "pin": pin})
        desks.append(desk)
    barrier = threading.Barrier(2)
    statuses = []

    def confirm(desk):
        barrier.wait()
        statuses.append(desk.post(f"/volunteer/packs/{code}/redeem", headers=htmx_headers()).status_code)

    threads = [threading.Thread(target=confirm, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [200, 409]
    with app.app_context(), database.connection_context():
        assert PackType.get(PackType.key == "warm").on_hand == ROUNDS - 1
