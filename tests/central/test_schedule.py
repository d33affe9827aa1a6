"""The nightly pull in a station's day: evening after closing, retries with back-off until the morning."""

import datetime

import pytest

from kiosk.central import pull
from kiosk.central import registry
from kiosk.central import schedule
from kiosk.central.models import Kiosk
from kiosk.central.models import OfficeUser
from kiosk.central.models import database as central_db

CONFIG = {"PULL_EVENING": "20:30", "PULL_UNTIL": "10:00", "PULL_BACKOFF_MINUTES": [15, 30, 60, 120]}


def beijing(day, hour, minute=0):
    """A Beijing time as the naive UTC the office stores."""
    return datetime.datetime(2027, 1, day, hour, minute) - datetime.timedelta(hours=8)


def test_the_window_opens_in_the_evening_and_closes_the_next_morning(central):
    assert schedule.window(CONFIG, beijing(20, 20, 29)) is None
    assert schedule.window(CONFIG, beijing(20, 20, 30)) == (beijing(20, 20, 30), beijing(21, 10))
    assert schedule.window(CONFIG, beijing(21, 7)) == (beijing(20, 20, 30), beijing(21, 10))
    assert schedule.window(CONFIG, beijing(21, 10)) is None
    assert schedule.window(CONFIG, beijing(21, 14)) is None


def test_a_failing_kiosk_is_retried_with_back_off_until_it_answers(central, kiosks):
    registry.register("关机的终端", "http://127.0.0.1:9", "t" * 32)
    kiosk = kiosks()
    registry.register("在线的终端", kiosk.url, kiosk.token)
    registry.register("U盘终端", "-", "u" * 32)
    evening = beijing(20, 20, 30)
    assert [k.name for k in schedule.due(registry.pullable(), CONFIG, evening)] == ["关机的终端", "在线的终端"]
    summary = pull.pull_all(schedule.due(registry.pullable(), CONFIG, evening), timeout=2)
    schedule.record(summary, CONFIG, evening)
    off = Kiosk.by_name("关机的终端")
    assert off.failures == 1 and off.next_attempt_at == evening + datetime.timedelta(minutes=15)
    assert Kiosk.by_name("在线的终端").failures == 0
    # The one that answered is not asked again tonight; the other waits out its back-off.
    Kiosk.update(last_success_at=evening).where(Kiosk.name == "在线的终端").execute()
    assert schedule.due(registry.pullable(), CONFIG, evening + datetime.timedelta(minutes=10)) == []
    retry = schedule.due(registry.pullable(), CONFIG, evening + datetime.timedelta(minutes=15))
    assert [k.name for k in retry] == ["关机的终端"]
    waits = []
    moment = evening
    for _ in range(5):
        moment = Kiosk.by_name("关机的终端").next_attempt_at
        schedule.record(pull.pull_all([Kiosk.by_name("关机的终端")], timeout=2), CONFIG, moment)
        waits.append(int((Kiosk.by_name("关机的终端").next_attempt_at - moment).total_seconds() // 60))
    assert waits == [30, 60, 120, 120, 120]
    # Next morning, outside the window, nobody is pulled; the next evening starts afresh.
    assert schedule.due(registry.pullable(), CONFIG, beijing(21, 11)) == []
    assert [k.name for k in schedule.due(registry.pullable(), CONFIG, beijing(21, 20, 45))] == ["关机的终端", "在线的终端"]


def test_the_next_try_shown_is_tonights_retry_or_the_next_evening(central):
    registry.register("关机的终端", "http://127.0.0.1:9", "t" * 32)
    off = Kiosk.by_name("关机的终端")
    assert schedule.next_retry(off, CONFIG, beijing(20, 21)) is None  # never failed: nothing to show
    Kiosk.update(last_error="x", next_attempt_at=beijing(20, 21, 30)).where(Kiosk.id == off.id).execute()
    off = Kiosk.by_name("关机的终端")
    assert schedule.next_retry(off, CONFIG, beijing(20, 21)) == beijing(20, 21, 30)
    assert schedule.next_retry(off, CONFIG, beijing(21, 12)) == beijing(21, 20, 30)


def test_pull_due_does_nothing_outside_the_window(runner, central):
    registry.register("关机的终端", "http://127.0.0.1:9", "t" * 32)
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=9)  # Beijing time in an hour
    later = soon + datetime.timedelta(hours=1)
    runner.app.config.update(PULL_EVENING=soon.strftime("%H:%M"), PULL_UNTIL=later.strftime("%H:%M"))
    result = runner.invoke(args=["pull", "--due"])
    assert result.exit_code == 0 and "no kiosk is due now" in result.output


def test_an_office_database_from_before_roles_and_retries_gains_the_columns_and_keeps_its_users(tmp_path, central_url):
    from tests.central.conftest import make_central

    old_table = (
        "CREATE TABLE officeuser (id {id} PRIMARY KEY, name VARCHAR(64) UNIQUE NOT NULL, password_hash VARCHAR(255) NOT NULL,"
        " active {bool} NOT NULL, failed_attempts INTEGER NOT NULL, locked_until {time}, created_at {time} NOT NULL,"
        " last_sign_in {time})"
    )
    insert = "INSERT INTO officeuser VALUES (1, '陈静', 'x', {true}, 0, NULL, '2027-01-01 00:00:00', NULL)"
    if central_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(central_url.removeprefix("sqlite:///")) as old:
            old.execute(old_table.format(id="INTEGER", bool="INTEGER", time="DATETIME"))
            old.execute(insert.format(true=1))
    else:
        import psycopg

        with psycopg.connect(central_url.split("?")[0], autocommit=True, options=f"-csearch_path={central_url.split('%3D')[1]}") as old:
            old.execute(old_table.format(id="SERIAL", bool="BOOLEAN", time="TIMESTAMP"))
            old.execute(insert.format(true="TRUE"))
    app = make_central(tmp_path, central_url)
    with app.app_context(), central_db.connection_context():
        user = OfficeUser.by_name("陈静")
        assert (user.role, user.scope) == ("admin", "")  # could do everything before; still can
        assert Kiosk.select().count() == 0 and "failures" in {c.name for c in central_db.get_columns("kiosk")}
    with app.app_context(), central_db.connection_context():  # a second start changes nothing
        from kiosk.central import models

        models.create_tables()
        assert OfficeUser.by_name("陈静").role == "admin"


@pytest.fixture
def runner(central_app):
    return central_app.test_cli_runner()
