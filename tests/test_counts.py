import datetime
import threading

import pytest

from kiosk import clock
from kiosk import counts
from kiosk.errors import DomainError
from kiosk.models import database

DAY = datetime.date(2027, 1, 20)


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield database


def add(metric, delta=1, day=DAY, **dims):
    with counts.write_transaction():
        return counts.add(metric, day, delta, **dims)


def test_adding_to_a_cell_keeps_an_absolute_value_per_day_and_dimensions(db):
    add("registrations", direction="home", county="511102")
    add("registrations", direction="home", county="511102")
    add("registrations", direction="work", county="511102")
    add("registrations", day=DAY + datetime.timedelta(days=1), direction="home", county="511102")
    assert counts.value("registrations", DAY, direction="home", county="511102") == 2
    assert counts.total("registrations", DAY) == 3
    assert counts.total("registrations", DAY, direction="work") == 1


def test_a_count_never_goes_below_zero(db):
    add("vouchers.issued", pack="warm")
    with pytest.raises(DomainError):
        add("vouchers.issued", delta=-2, pack="warm")
    assert counts.value("vouchers.issued", DAY, pack="warm") == 1


def test_every_change_gets_a_new_sequence_and_pulls_page_through_them(db):
    add("a")
    add("b")
    add("a")
    changed = counts.changed_since(0)
    assert [(c.metric, c.value) for c in changed] == [("b", 1), ("a", 2)]
    assert changed[0].seq < changed[1].seq
    first_page = counts.changed_since(0, limit=1)
    assert counts.changed_since(first_page[-1].seq) == changed[1:]
    assert counts.changed_since(changed[-1].seq) == []


def test_dimensions_with_separators_are_refused(db):
    with pytest.raises(ValueError):
        add("x", county="51;1102")


def test_concurrent_writers_never_lose_a_count_or_share_a_sequence(app):
    def worker():
        with app.app_context(), database.connection_context():
            for _ in range(25):
                add("tally", service="tea")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context(), database.connection_context():
        assert counts.value("tally", DAY, service="tea") == 100
        seqs = [c.seq for c in counts.changed_since(0)]
        assert len(seqs) == len(set(seqs))


def test_the_local_day_follows_the_station_not_utc(app):
    late_evening_in_leshan = datetime.datetime(2027, 1, 20, 15, 30)  # 23:30 +08:00
    assert clock.local_day(late_evening_in_leshan) == datetime.date(2027, 1, 20)
    just_after_midnight = datetime.datetime(2027, 1, 20, 16, 5)
    assert clock.local_day(just_after_midnight) == datetime.date(2027, 1, 21)


def test_the_books_day_cells_are_the_days_own_until_it_is_closed_then_the_next_open_days(db, app):
    from kiosk.models import DayClose
    from tests.conftest import add_volunteer

    add("registrations", direction="home", county="511102")
    add("registrations", 2, day=DAY + datetime.timedelta(days=2), direction="home", county="511102")
    cells = counts.booking_day_cells(DAY)
    assert (cells.day, cells.total("registrations")) == (DAY, 1)

    manager = add_volunteer(app, name="李站长", pin="135792", role="manager")
    for closed in (DAY, DAY + datetime.timedelta(days=1)):
        DayClose.create(day=closed, closed_by=manager, sheet="{}")
    cells = counts.booking_day_cells(DAY, levels=("packs.on_hand",))
    assert (cells.day, cells.total("registrations")) == (DAY + datetime.timedelta(days=2), 2)
    assert cells.day == counts.booking_day(DAY)
