"""Pulling kiosks over HTTP: the faults of the issue, and totals that always match."""

import datetime
import json

import pytest

from kiosk import clock
from kiosk.central import pull
from kiosk.central import registry
from kiosk.central import reports
from kiosk.central.models import History
from kiosk.central.models import Kiosk as Registered
from kiosk.models import CountCell
from kiosk.models import database as kiosk_db
from tests.central.conftest import DAY
from tests.central.conftest import comparable
from tests.central.conftest import register


def some_activity(kiosk, day=DAY):
    kiosk.count("registrations", day, direction="home", county="511102", destination="440300")
    kiosk.count("registrations", day, 2, direction="work", county="511123", destination="350100")
    kiosk.count("vouchers.issued", day, 3, pack="warm")
    kiosk.count("vouchers.redeemed", day, 2, pack="warm")
    kiosk.count("luggage.checked_in", day)
    for service in ("tea", "guidance", "medicine", "transport", "care", "supplies", "tea"):
        kiosk.count("tallies", day, service=service)


def pull_all(central, **options):
    options.setdefault("page_size", central.config["PAGE_SIZE"])
    options.setdefault("timeout", 5)
    options.setdefault("limits", pull.Limits(backoff=0.1))
    return pull.pull_all(list(registry.pullable()), **options)


def assert_totals_match(*kiosks, day=DAY):
    own = [cell for k in kiosks for cell in k.report(day)["cells"]]
    office = reports.day_totals(day)["cells"]
    merged = {}
    for metric, dims, value in comparable(own):
        merged[metric, dims] = merged.get((metric, dims), 0) + value
    assert comparable(office) == sorted((m, d, v) for (m, d), v in merged.items())


def test_a_pull_brings_the_kiosks_own_totals_over_several_pages(central, kiosks):
    kiosk = kiosks()
    some_activity(kiosk)
    register("bus station", kiosk)
    summary = pull_all(central)
    assert not summary.failed
    assert summary.outcomes[0].pages > 1  # page size 7, 11 cells
    assert_totals_match(kiosk)


def test_pulling_twice_changes_nothing_and_a_later_change_arrives_once(central, kiosks):
    kiosk = kiosks()
    some_activity(kiosk)
    register("bus station", kiosk)
    pull_all(central)
    again = pull_all(central)
    assert (again.cells, again.changed) == (0, 0)
    kiosk.count("vouchers.issued", delta=5, pack="warm")
    later = pull_all(central)
    assert (later.cells, later.changed) == (1, 1)
    assert reports.day_totals(DAY)["totals"]["vouchers.issued"] == 8
    assert_totals_match(kiosk)


def test_the_same_page_delivered_twice_is_counted_once(central, kiosks):
    from kiosk.central import ingest

    kiosk = kiosks()
    some_activity(kiosk)
    registered = register("bus station", kiosk)
    page = kiosk.page(0, 500)
    first = ingest.ingest(page, registered)
    second = ingest.ingest(page, registered)
    assert first.changed == len(page["cells"]) and second.changed == 0
    assert_totals_match(kiosk)


def test_an_unreachable_kiosk_is_listed_as_failed_and_the_others_still_arrive(central, kiosks):
    kiosk = kiosks()
    some_activity(kiosk)
    register("bus station", kiosk)
    registry.register("closed station", "http://127.0.0.1:9", "a-token-long-enough-1234")
    summary = pull_all(central)
    assert [o.name for o in summary.failed] == ["closed station"]
    assert "could not be reached" in summary.failed[0].message()
    assert_totals_match(kiosk)
    assert Registered.by_name("closed station").last_error.startswith("The kiosk could not be reached")


def test_a_wrong_token_is_refused_with_a_clear_message_and_nothing_is_counted(central, kiosks):
    kiosk = kiosks()
    some_activity(kiosk)
    register("bus station", kiosk, token="not-the-kiosks-token-000")
    summary = pull_all(central)
    assert "refused the token" in summary.failed[0].message()
    assert reports.day_totals(DAY)["cells"] == []


class CutConnection:
    """Serves the kiosk but sends only half of the chosen responses, then hangs up."""

    def __init__(self, app, cut=(2,)):
        self.app, self.cut, self.calls = app, set(cut), 0

    def __call__(self, environ, start_response):
        self.calls += 1
        if self.calls not in self.cut:
            return self.app(environ, start_response)
        seen = {}

        def capture(status, headers, exc_info=None):
            seen.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        start_response(seen["status"], seen["headers"])  # still declares the full length
        return [body[: len(body) // 2]]


def test_a_connection_cut_mid_page_keeps_the_pages_before_it_and_the_next_pull_finishes(central, kiosks):
    kiosk = kiosks(wrap=CutConnection)
    some_activity(kiosk)
    register("bus station", kiosk)
    first = pull_all(central, limits=pull.Limits(attempts=1))
    assert "cut in the middle of a page" in first.failed[0].message()
    assert History.get().cursor == kiosk.page(0, 7)["next"]  # the first page was committed with its cursor
    second = pull_all(central)
    assert not second.failed
    assert_totals_match(kiosk)


def test_a_cut_connection_is_tried_again_in_the_same_run_after_a_back_off(central, kiosks):
    kiosk = kiosks(wrap=CutConnection)
    some_activity(kiosk)
    register("bus station", kiosk)
    summary = pull_all(central, limits=pull.Limits(attempts=2, backoff=0.2))
    assert not summary.failed and [o.attempts for o in summary.outcomes] == [2]
    assert_totals_match(kiosk)


def test_a_wrong_token_is_not_tried_again(central, kiosks):
    kiosk = kiosks()
    some_activity(kiosk)
    register("bus station", kiosk, token="not-the-kiosks-token-000")
    summary = pull_all(central, limits=pull.Limits(attempts=3, backoff=0.1))
    assert [o.attempts for o in summary.failed] == [1]


def test_hanging_kiosks_cost_their_timeout_once_side_by_side(central, kiosks):
    """Ten kiosks that accept the connection and never answer, beside a live one."""
    import socket
    import time

    kiosk = kiosks()
    some_activity(kiosk)
    register("bus station", kiosk)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    port = silent.getsockname()[1]
    try:
        for n in range(10):
            registry.register(f"hanging {n}", f"http://127.0.0.1:{port}", f"a-token-long-enough-{n:04d}")
        started = time.monotonic()
        summary = pull_all(central, timeout=None, limits=pull.Limits(read=1.0, attempts=2, backoff=0.3))
        took = time.monotonic() - started
    finally:
        silent.close()
    assert sorted(o.name for o in summary.failed) == [f"hanging {n}" for n in range(10)]
    assert all(o.attempts == 2 and "timed out" in o.message() for o in summary.failed)
    assert took < 6  # one second of silence, twice, plus the back-off: in parallel, not 10 × 2 s
    assert_totals_match(kiosk)


def test_a_wiped_kiosk_starts_a_new_history_and_its_old_counts_stay(central, kiosks):
    old = kiosks("before")
    some_activity(old)
    old_cells = old.report()["cells"]
    register("bus station", old)
    pull_all(central)
    old.stop()
    wiped = kiosks("after")  # same token and station, empty database, new kiosk id
    wiped.count("registrations", direction="home", county="511102", destination="440300")
    registry.update("bus station", url=wiped.url)
    summary = pull_all(central)
    assert summary.outcomes[0].new_history
    assert History.select().count() == 2
    office = reports.day_totals(DAY)
    assert office["totals"]["registrations"] == 3 + 1
    expected = old_cells + wiped.report()["cells"]
    merged = {}
    for metric, dims, value in comparable(expected):
        merged[metric, dims] = merged.get((metric, dims), 0) + value
    assert comparable(office["cells"]) == sorted((m, d, v) for (m, d), v in merged.items())


@pytest.mark.parametrize("days, warning", [(365, "clock is off by 365.0 days"), (-1, "clock is off by -1.0 days")])
def test_a_kiosk_clock_off_by_a_year_or_a_day_is_counted_as_it_says_and_flagged(central, kiosks, monkeypatch, days, warning):
    kiosk = kiosks()
    real_now = clock.now()
    kiosk_day = clock.local_day(real_now) + datetime.timedelta(days=days)  # the day the kiosk believes it is
    some_activity(kiosk, day=kiosk_day)
    monkeypatch.setattr(clock, "now", lambda: real_now + datetime.timedelta(days=days))
    register("bus station", kiosk)
    summary = pull_all(central)
    monkeypatch.undo()
    warnings = [msgid % params for msgid, params in summary.outcomes[0].warnings]
    assert any(warning in w for w in warnings)
    assert any("dated in the future" in w for w in warnings) == (days > 1)
    assert_totals_match(kiosk, day=kiosk_day)
    status = registry.statuses(stale_days=2)[0]
    assert status.clock_off and status.clock_days == days


def test_a_kiosk_that_went_backwards_is_refused_and_nothing_is_lost(central, kiosks):
    kiosk = kiosks()
    some_activity(kiosk)
    register("bus station", kiosk)
    pull_all(central)
    before = reports.day_totals(DAY)
    with kiosk.app.app_context(), kiosk_db.connection_context():
        top = CountCell.select().order_by(CountCell.seq.desc()).first()
        CountCell.delete().where(CountCell.seq > top.seq - 3).execute()  # "restored from an old copy"
    summary = pull_all(central)
    assert "went back to change" in summary.failed[0].message()
    assert reports.day_totals(DAY) == before


def test_a_page_after_a_gap_is_counted_but_does_not_move_the_cursor(central, kiosks):
    from kiosk.central import ingest

    kiosk = kiosks()
    some_activity(kiosk)
    registered = register("bus station", kiosk)
    later = kiosk.page(since=5)
    ingest.ingest(later, registered)
    assert History.get().cursor == 0
    pull_all(central)
    assert History.get().cursor == later["head"]
    assert_totals_match(kiosk)


def test_the_pull_summary_is_json_for_scripts(central, kiosks):
    kiosk = kiosks()
    some_activity(kiosk)
    register("bus station", kiosk)
    summary = json.loads(pull.to_json(pull_all(central)))
    assert summary["kiosks"] == 1 and summary["failed"] == [] and summary["cells_changed"] == 11


def test_writes_waiting_together_are_committed_together_and_a_failing_one_rolls_back_alone(central, monkeypatch):
    """Group commit: one transaction for the writes queued behind each other, a savepoint each."""
    import threading

    from kiosk.central.models import database as central_db
    from kiosk.errors import DomainError

    kiosks = [registry.register(f"kiosk {n}", f"http://127.0.0.1:9/k{n}", f"token-{n}-0123456789abcdef")
              for n in range(3)]

    def write_then_fail(kiosk):
        Registered.update(last_error="half-written").where(Registered.id == kiosk.id).execute()
        raise RuntimeError("broken page")

    monkeypatch.setattr(pull, "_WRITES", pull._WRITES | {write_then_fail})
    commits = []
    original_commit = central_db.obj.commit
    monkeypatch.setattr(central_db.obj, "commit", lambda: commits.append(1) or original_commit())
    db = pull._Database(1)
    gate = threading.Event()
    answers = {}
    try:
        blocker = threading.Thread(target=lambda: db.run(gate.wait))  # the one database thread is busy
        blocker.start()
        writes = [(pull.ingest.mark_failure, kiosks[0], clock.now(), DomainError("down")),
                  (write_then_fail, kiosks[1]),
                  (pull.ingest.mark_failure, kiosks[2], clock.now(), DomainError("down"))]

        def submit(n, fn, *args):
            try:
                answers[n] = db.run(fn, *args)
            except Exception as error:
                answers[n] = error

        submitters = [threading.Thread(target=submit, args=(n, *w)) for n, w in enumerate(writes)]
        for thread in submitters:
            thread.start()
        while db.tasks.qsize() < 3:
            threading.Event().wait(0.01)
        gate.set()
        for thread in [blocker, *submitters]:
            thread.join(10)
    finally:
        gate.set()
        db.close()

    assert isinstance(answers[1], RuntimeError) and answers[0] is None and answers[2] is None
    rows = {k.id: Registered.get_by_id(k.id).last_error for k in kiosks}
    assert rows == {kiosks[0].id: "down", kiosks[1].id: "", kiosks[2].id: "down"}
    assert len(commits) == 1


def test_kiosks_that_failed_last_time_are_tried_first(central, kiosks):
    """Their timeouts then pass while the others are read, not at the end of the night."""
    kiosk = kiosks()
    some_activity(kiosk)
    register("a bus station", kiosk)
    registry.register("b closed station", "http://127.0.0.1:9", "a-token-long-enough-1234")
    tried = []
    options = {"concurrency": 1, "limits": pull.Limits(attempts=1), "progress": lambda _d, _t, o: tried.append(o.name)}
    pull_all(central, **options)
    assert tried == ["a bus station", "b closed station"]
    tried.clear()
    pull_all(central, **options)
    assert tried == ["b closed station", "a bus station"]


def test_a_retry_that_is_due_goes_ahead_of_the_first_tries_still_waiting():
    """Else a hanging kiosk's second try waited until every other kiosk had been started."""
    schedule = pull._Schedule(["a", "b", "c"])
    assert schedule.take() == ("a", 1)
    schedule.again("a", 2, 0)
    assert schedule.take() == ("a", 2)
    assert schedule.take() == ("b", 1)
