"""Stock levels at the office when a kiosk is wiped or replaced: the new database's shelf, never both added up.

A level is the last value of the period, carried over days without a change.
A kiosk re-enrolled with an empty database (same registered kiosk, new kiosk
id, new history) starts counting its stock afresh: the station manager counts
the shelf in again. Carrying the old database's level past that day would add
the same packs twice once they are counted in, and show packs nobody vouches
for before that; so the old level stops on the day the new history begins.
"""

import datetime

from kiosk import counts
from kiosk.central import registry
from kiosk.central import reports
from kiosk.models import database as kiosk_db
from tests.central.conftest import DAY
from tests.central.conftest import register
from tests.central.test_pull import pull_all


def put_level(kiosk, day, value, pack="warm"):
    with kiosk.app.app_context(), kiosk_db.connection_context(), counts.write_transaction():
        counts.put("packs.on_hand", day, value, pack=pack)


def stock_by_day(start, end):
    report = reports.report(start, end)
    return {day.day: values.get("packs.on_hand", 0) for day, values in report.by_day().items()}, report


def test_a_wiped_kiosk_shows_its_new_stock_not_the_old_databases(central, kiosks):
    before = DAY - datetime.timedelta(days=3)
    old = kiosks("before")
    put_level(old, before, 100)
    register("bus station", old)
    pull_all(central)
    old.stop()

    wiped = kiosks("after")  # same token, station and registration; empty database, new kiosk id
    wiped.count("registrations", DAY, direction="home", county="511102")
    registry.update("bus station", url=wiped.url)
    pull_all(central)

    week, report = stock_by_day(before, DAY + datetime.timedelta(days=1))
    # The old shelf until the wiped kiosk began counting, then nothing counted in yet.
    assert [week[before.day + n] for n in range(5)] == [100, 100, 100, 0, 0]
    assert report.totals["packs.on_hand"] == 0

    put_level(wiped, DAY + datetime.timedelta(days=1), 80)  # the manager counts the shelf in again
    pull_all(central)
    week, report = stock_by_day(before, DAY + datetime.timedelta(days=1))
    assert week[DAY.day + 1] == 80 and report.totals["packs.on_hand"] == 80  # not 180
    # A period that ended before the kiosk was wiped still shows the stock it had then.
    earlier, _ = stock_by_day(before, DAY - datetime.timedelta(days=1))
    assert earlier[DAY.day - 1] == 100


def test_two_kiosks_at_one_station_still_add_their_shelves(central, kiosks):
    first = kiosks("one")
    put_level(first, DAY, 30)
    register("bus station 1", first)
    pull_all(central)
    first.stop()
    second = kiosks("two", SYNC_TOKEN="another-kiosk-token-0123456789ab")
    put_level(second, DAY, 12)
    register("bus station 2", second)
    pull_all(central)

    week, report = stock_by_day(DAY, DAY)
    assert report.totals["packs.on_hand"] == 42
