"""A clock that jumps puts the kiosk in "check the clock": nothing irreversible runs on it (kiosk.clock)."""

import datetime

import pytest

from kiosk import clock
from kiosk import daybook
from kiosk import retention
from kiosk.errors import DomainError
from kiosk.models import database
from kiosk.registration import Registration
from kiosk.vouchers import Voucher
from tests.conftest import add_volunteer
from tests.vouchers_factory import stock_station

T0 = datetime.datetime(2027, 1, 20, 2, 0)
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield


def test_a_clock_that_keeps_time_stays_trusted(db):
    assert clock.observe(T0, mono=100.0)
    assert clock.observe(T0 + 5 * MINUTE, mono=400.0)
    assert clock.suspect() is None


@pytest.mark.parametrize("wall, mono, reason", [
    (T0 + datetime.timedelta(days=2), 160.0, "jumped"),     # +2 days a minute later
    (T0 + datetime.timedelta(days=365), 160.0, "jumped"),   # a year ahead
    (T0 - datetime.timedelta(hours=3), 160.0, "back"),      # set back
])
def test_a_jump_within_a_run_puts_the_kiosk_in_check_the_clock(db, wall, mono, reason):
    assert clock.observe(T0, mono=100.0)
    assert not clock.observe(wall, mono=mono)
    assert clock.suspect().suspect_reason == reason
    assert not clock.observe(T0 + 2 * MINUTE, mono=220.0)  # stays in doubt until a manager confirms


def test_a_start_long_after_the_last_time_seen_is_in_doubt_but_a_night_off_is_not(db):
    from kiosk import clock as module

    assert clock.observe(T0, mono=100.0)
    module._anchors.clear()  # a restart: no monotonic anchor any more
    assert clock.observe(T0 + datetime.timedelta(hours=14), mono=5.0)  # switched off overnight
    module._anchors.clear()
    assert not clock.observe(T0 + datetime.timedelta(days=3), mono=5.0)
    assert clock.suspect().suspect_reason == "ahead"


def test_a_managers_confirmation_trusts_the_clock_again(db):
    clock.observe(T0, mono=100.0)
    clock.observe(T0 + datetime.timedelta(days=2), mono=160.0)
    clock.confirm(manager_id=1, wall=T0 + datetime.timedelta(days=2), mono=170.0)
    assert clock.suspect() is None
    assert clock.observe(T0 + datetime.timedelta(days=2, minutes=3), mono=350.0)


def test_two_days_ahead_and_one_pack_taken_no_longer_expire_todays_vouchers(app, monkeypatch):
    from kiosk import vouchers

    real_now = clock.now
    with app.app_context(), database.connection_context():
        offers = stock_station(warm=5, starts=clock.local_day())
    client = app.test_client()
    client.get("/")  # the kiosk sees the right time
    taken = client.post("/packs/issue", data={"offer": offers["warm"], "token": vouchers.new_request_token()})
    assert taken.status_code == 200
    monkeypatch.setattr(clock, "now", lambda: real_now() + datetime.timedelta(days=2))
    client.get("/")  # the clock jumped: noticed
    other = app.test_client()
    other.post("/packs/issue", data={"offer": offers["warm"], "token": vouchers.new_request_token()})
    with app.app_context(), database.connection_context():
        assert [v.state for v in Voucher.select().order_by(Voucher.id)][0] == "issued"  # was "expired", for good
        assert clock.suspect() is not None


def test_the_console_says_check_the_clock_and_a_manager_confirms(app, monkeypatch):
    manager = add_volunteer(app, name="陈站长", pin="975310", role="manager")
    helper = add_volunteer(app)
    real_now = clock.now
    app.test_client().get("/")
    monkeypatch.setattr(clock, "now", lambda: real_now() + datetime.timedelta(days=365))
    volunteer = app.test_client()
    volunteer.post("/volunteer/sign-in", data={"volunteer_id": helper, "pin": "2468"})
    page = volunteer.get("/volunteer/").get_data(as_text=True)
    assert 'id="clock-check"' in page and "/volunteer/clock/confirm" not in page
    boss = app.test_client()
    boss.post("/volunteer/sign-in", data={"volunteer_id": manager, "pin": "975310"})
    assert "/volunteer/clock/confirm" in boss.get("/volunteer/").get_data(as_text=True)
    assert volunteer.post("/volunteer/clock/confirm").status_code == 403
    boss.post("/volunteer/clock/confirm")
    assert 'id="clock-check"' not in boss.get("/volunteer/").get_data(as_text=True)


def test_no_day_closes_and_no_purge_runs_on_a_clock_in_doubt(db):
    from kiosk import registration
    from kiosk import volunteers
    from tests.test_registration import going_to_work
    from tests.test_registration import with_phone

    manager = volunteers.add("陈站长", "975310", "manager").id
    registration.register(with_phone(going_to_work()), now=T0 - datetime.timedelta(days=2))
    clock.observe(T0, mono=100.0)
    clock.observe(T0 + datetime.timedelta(days=365), mono=160.0)
    with pytest.raises(DomainError, match="clock"):
        daybook.close_day(clock.local_day() - datetime.timedelta(days=1), manager)
    retention.purge_expired(30, 30, now=T0 + datetime.timedelta(days=365))
    assert Registration.get().phone_hash is not None  # a year ahead would have purged it early


def fake_clock(monkeypatch, wall):
    """Set the kiosk's wall clock to ``wall`` (what the doubtful clock says)."""
    monkeypatch.setattr(clock, "now", lambda: wall)


@pytest.mark.parametrize("jump", [datetime.timedelta(days=365), datetime.timedelta(days=-3)])
def test_counts_on_a_clock_in_doubt_are_held_on_the_last_trusted_day(db, monkeypatch, jump):
    from kiosk import counts
    from kiosk import registration
    from tests.test_registration import going_to_work

    trusted_day = clock.local_day(T0)
    fake_clock(monkeypatch, T0)
    clock.observe(T0, mono=100.0)
    wrong = T0 + jump
    fake_clock(monkeypatch, wrong)
    assert not clock.observe(wrong, mono=160.0)
    registration.register(going_to_work(), now=wrong)
    assert counts.total("registrations", trusted_day) == 1
    assert counts.total("registrations", clock.local_day(wrong)) == 0
    assert Registration.get().day == clock.local_day(wrong)  # the record keeps what the clock said


def test_counts_go_on_the_confirmed_day_once_a_manager_confirms_the_clock(db, monkeypatch):
    from kiosk import counts
    from kiosk import registration
    from tests.test_registration import going_to_work

    clock.observe(T0, mono=100.0)
    later = T0 + datetime.timedelta(days=2)
    fake_clock(monkeypatch, later)
    clock.observe(later, mono=160.0)
    registration.register(going_to_work(), now=later)  # held on the trusted day
    clock.confirm(manager_id=1, wall=later, mono=170.0)
    registration.register(going_to_work(), now=later)
    assert counts.total("registrations", clock.local_day(T0)) == 1
    assert counts.total("registrations", clock.local_day(later)) == 1


def test_a_day_a_volunteer_chooses_before_the_trusted_day_is_not_moved(db, monkeypatch):
    from kiosk import counts

    clock.observe(T0, mono=100.0)
    ahead = T0 + datetime.timedelta(days=365)
    fake_clock(monkeypatch, ahead)
    clock.observe(ahead, mono=160.0)
    yesterday = clock.local_day(T0) - datetime.timedelta(days=1)
    with counts.write_transaction():
        counts.add("registrations.repeat", yesterday, direction="home", county="511102")
    assert counts.total("registrations.repeat", yesterday) == 1
