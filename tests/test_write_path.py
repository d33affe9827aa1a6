"""How every write starts: BEGIN IMMEDIATE and one in-process writer queue (kiosk/database.py)."""

import datetime
import threading
import time

from kiosk import counts
from kiosk import database as kiosk_database
from kiosk import volunteers
from kiosk.models import database
from kiosk.models import Volunteer
from tests.conftest import add_volunteer

TODAY = datetime.date(2027, 1, 20)


def _busy_writer(app, stop, hold=0.02):
    """Issue count writes back to back (like a kiosk issuing vouchers), each holding the lock a while."""
    with app.app_context(), database.connection_context():
        while not stop.is_set():
            with counts.write_transaction():
                counts.add("tallies", TODAY, service="water")
                time.sleep(hold)


def test_a_correct_pin_signs_in_while_another_writer_commits(app, client, auth):
    person = add_volunteer(app)
    stop = threading.Event()
    writer = threading.Thread(target=_busy_writer, args=(app, stop))
    writer.start()
    try:
        answers = []
        for _ in range(8):
            answers.append(auth.sign_in(person).status_code)
            auth.sign_out()
    finally:
        stop.set()
        writer.join()
    assert answers == [303] * 8  # was HTTP 500 "database is locked" for every one


def test_a_wrong_pin_is_counted_while_another_writer_commits(app):
    person = add_volunteer(app)
    stop = threading.Event()
    writer = threading.Thread(target=_busy_writer, args=(app, stop))
    writer.start()
    try:
        with app.app_context(), database.connection_context():
            refusals = []
            for _ in range(3):
                try:
                    volunteers.sign_in(person, "9999")
                except volunteers.SignInRefused as refusal:
                    refusals.append(refusal.params)
            assert Volunteer.get_by_id(person).failed_attempts == 3
    finally:
        stop.set()
        writer.join()
    assert refusals == [{"left": 4}, {"left": 3}, {"left": 2}]


def test_every_transaction_begins_immediate(app):
    statements = []
    with app.app_context(), database.connection_context():
        real = database.obj.cursor

        class Spy:
            def __init__(self, cursor):
                self._cursor = cursor

            def execute(self, sql, *args):
                statements.append(sql)
                return self._cursor.execute(sql, *args)

            def __getattr__(self, name):
                return getattr(self._cursor, name)

        database.obj.cursor = lambda *a, **k: Spy(real(*a, **k))
        try:
            with database.atomic():  # a plain atomic(), as any domain may write
                Volunteer.select().count()
        finally:
            del database.obj.cursor
    assert "BEGIN IMMEDIATE" in statements


def test_writers_of_one_process_take_turns_in_arrival_order():
    queue = kiosk_database.WriterQueue()
    assert queue.acquire(timeout=1)
    order, threads = [], []
    for n in range(5):
        def wait(n=n):
            assert queue.acquire(timeout=5)
            order.append(n)
            queue.release()
        thread = threading.Thread(target=wait)
        thread.start()
        threads.append(thread)
        time.sleep(0.05)  # each arrives after the one before is waiting
    queue.release()
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]


def test_a_writer_that_waits_too_long_gives_up_and_the_queue_still_works():
    queue = kiosk_database.WriterQueue()
    assert queue.acquire(timeout=1)
    assert not queue.acquire(timeout=0.05)
    queue.release()
    assert queue.acquire(timeout=0.05)
    queue.release()


def test_a_failed_transaction_gives_its_turn_back(app):
    with app.app_context(), database.connection_context():
        try:
            with database.atomic():
                Volunteer.create(name="x", pin_hash="y")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        done = threading.Event()

        def other():
            with app.app_context(), database.connection_context():
                with database.atomic():
                    Volunteer.create(name="z", pin_hash="y")
            done.set()

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=5)
        assert done.is_set()
        assert [v.name for v in Volunteer.select()] == ["z"]
