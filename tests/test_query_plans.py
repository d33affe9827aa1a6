"""Every statement of the hot paths finds its rows by index: no full scan of the big tables.

The kiosk's season holds hundreds of thousands of registrations, vouchers,
print jobs and count cells. A statement that scans one of them costs tens of
milliseconds there and nothing in a test database, so timings cannot catch
it; the query plan can. These tests walk the paths a worker and a volunteer
use all day over HTTP, record every statement the app sends, and ask SQLite
how it would run each one (EXPLAIN QUERY PLAN, the same plan whatever the
size of the tables, since the kiosk never runs ANALYZE).
"""

import re

import pytest

from kiosk import clock
from kiosk import registration as registrations
from kiosk import vouchers
from kiosk.models import database
from kiosk.views.register import DONE_KEY
from kiosk.vouchers import Voucher
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers
from tests.vouchers_factory import stock_station

BIG_TABLES = ("registration", "voucher", "printjob", "countcell")
# Indexes that narrow a big table only to a large slice of it: every voucher of
# a campaign or pack type, every registration of a day or of the station. A
# hot statement that searches by one of these alone reads thousands of rows at
# season scale (the quota check once did: "SEARCH voucher USING INDEX
# voucher_campaign_id"), so it counts as a scan.
WIDE_INDEXES = {
    "voucher_campaign_id", "voucher_pack_type_id", "voucher_state", "voucher_day",
    # Every voucher no volunteer overrode: nearly all of them (the no-ID limits once read them on each
    # anonymous tap, 45 ms a statement on the full season).
    "voucher_overridden_by_id",
    "registration_day", "registration_station_id", "registration_kiosk_id", "registration_created_at",
    # A composite index searched by its first column alone is as wide as that column's own index was
    # (voucher_pack_type_id was dropped for repeating this first column). Not so voucher_state_expires
    # (state=?): the hot paths ask it for the open vouchers, a day's worth, since vouchers expire.
    "voucher_pack_type_id_expires (pack_type_id=?)",
}


class Recorder:
    """Collects the statements the app sends while it is switched on."""

    def __init__(self):
        self.statements = []
        self.on = False

    def wrap(self, db):
        original = db.execute_sql

        def execute_sql(sql, params=None, *args, **kwargs):
            if self.on:
                self.statements.append((sql, tuple(params or ())))
            return original(sql, params, *args, **kwargs)

        db.execute_sql = execute_sql


@pytest.fixture
def recorder(app):
    found = Recorder()
    found.wrap(database.obj)
    return found


def full_scans(statements):
    """Return [(statement, plan line)] for plans that read a big table from end to end.

    ``SCAN t USING INDEX i`` under ``ORDER BY … LIMIT`` reads the index in
    order and stops after the limit (the latest sequence number): not a scan.
    """
    found = []
    with database.connection_context():
        for sql, params in statements:
            if not re.match(r"\s*(SELECT|UPDATE|DELETE)", sql, re.I):
                continue
            for row in database.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params).fetchall():
                detail = row[-1]
                wide = re.search(r"USING (?:COVERING )?INDEX (\w+) \(([^)]*)\)", detail)
                if detail.startswith("SEARCH") and wide and {wide.group(1), f"{wide.group(1)} ({wide.group(2)})"} & WIDE_INDEXES:
                    found.append((sql, detail))
                    continue
                match = re.match(r"SCAN (\w+)", detail)
                if not match or match.group(1).strip('"') not in BIG_TABLES:
                    continue
                bounded = "USING" in detail and "INDEX" in detail and re.search(r"LIMIT", sql, re.I)
                if not bounded:
                    found.append((sql, detail))
    return found


@pytest.fixture
def season(app):
    """Packs on offer, a volunteer, a registered worker, a voucher to collect."""
    with app.app_context(), database.connection_context():
        offers = stock_station(warm=50, ret=50, starts=clock.local_day())
        draft = registrations.choose_home(registrations.start("home"), "511102", "511102")
        draft = registrations.answer_consent(draft, "yes")
        draft = registrations.add_phone(draft, "13812345678", app.config["PII_KEY"])
        token = registrations.register(draft).token
        waiting = vouchers.issue(offers["warm"], vouchers.new_request_token())
    return {"offers": offers, "token": token, "volunteer": add_volunteer(app), "waiting": waiting.code}


def walk_worker(client, season):
    """Home, status bar, registration confirm, pack chooser, 领取, the ticket picture."""
    client.get("/")
    client.get("/statusbar", headers=htmx_headers())
    client.get("/register/")
    with client.session_transaction() as session:
        session[DONE_KEY] = season["token"]
    client.get("/packs/", headers=htmx_headers())
    form = {"offer": season["offers"]["return"], "token": vouchers.new_request_token()}
    body = client.post("/packs/issue", data=form, headers=htmx_headers()).get_data(as_text=True)
    picture = re.search(r'<img src="([^"]+)"', body).group(1)
    assert client.get(picture).status_code == 200
    client.get("/packs/", headers=htmx_headers())  # the quota now refuses a second one


def walk_volunteer(client, season):
    """Console home, a tally tap, scanning and handing out a voucher, the day report."""
    client.post("/volunteer/sign-in", data={"volunteer_id": season["volunteer"], "pin": "2468"})
    assert client.get("/volunteer/").status_code == 200
    client.post("/volunteer/tallies/", data={"service": "tea_water", "people": 1}, headers=htmx_headers())
    client.post("/volunteer/packs/scan", data={"code": season["waiting"]}, headers=htmx_headers())
    client.post(f"/volunteer/packs/{season['waiting']}/redeem", headers=htmx_headers())
    client.get(f"/volunteer/day/{clock.local_day().isoformat()}")


def test_the_worker_path_reads_no_big_table_end_to_end(app, client, season, recorder):
    recorder.on = True
    walk_worker(client, season)
    recorder.on = False
    assert len(recorder.statements) > 20
    with app.app_context():
        assert full_scans(recorder.statements) == []


def test_an_anonymous_tap_checks_the_no_id_limits_without_reading_the_season(app, client, season, recorder):
    """The no-ID pack to a worker who gave no phone or ID: the per-kiosk limits look at the last minutes only."""
    assert app.config["NO_ID_MIN_SECONDS"] and app.config["NO_ID_PER_HOUR"]  # on, as on a kiosk
    client.get("/packs/", headers=htmx_headers())
    recorder.on = True
    form = {"offer": season["offers"]["warm"], "token": vouchers.new_request_token()}
    refused = client.post("/packs/issue", data=form, headers=htmx_headers())  # the season's waiting one was just now
    recorder.on = False
    assert refused.status_code == 429
    assert any("issued_at" in sql for sql, _ in recorder.statements)
    with app.app_context():
        assert full_scans(recorder.statements) == []


def test_the_volunteer_path_reads_no_big_table_end_to_end(app, client, season, recorder):
    recorder.on = True
    walk_volunteer(client, season)
    recorder.on = False
    assert len(recorder.statements) > 20
    with app.app_context():
        assert Voucher.select().where(Voucher.state == "redeemed").count() == 1
        assert full_scans(recorder.statements) == []


def test_the_central_office_pull_reads_cells_by_sequence(app, client, season, recorder):
    recorder.on = True
    pulled = client.get("/sync/cells?since=0&limit=50", headers={"Authorization": f"Bearer {app.config['SYNC_TOKEN']}"})
    recorder.on = False
    assert pulled.status_code == 200
    with app.app_context():
        assert full_scans(recorder.statements) == []


def test_the_check_catches_a_scan(app, recorder):
    """The test above would notice: a quota-like query on an unindexed column is reported."""
    with app.app_context():
        scans = full_scans([('SELECT "id" FROM "voucher" WHERE "registration_token" = ? ORDER BY "day"', ("x",))])
    assert [detail for _sql, detail in scans] and "voucher" in scans[0][1]


def test_the_console_home_reads_the_day_once(app, client, season, recorder):
    client.post("/volunteer/sign-in", data={"volunteer_id": season["volunteer"], "pin": "2468"})
    recorder.on = True
    assert client.get("/volunteer/").status_code == 200
    recorder.on = False
    day_reads = [sql for sql, _ in recorder.statements if re.search(r'FROM "countcell" .*"day" = \?', sql)]
    assert len(day_reads) == 1
    # #16's target, 8. It was 29, then 15; the offers' station is a subquery, "anything on offer
    # today?" comes with the stock, trips' overdue list is read once, the closed days come with the
    # day's cells; the prompt settings come with the station, the bags in custody with the stock,
    # and the overview reads no late corrections (it does not show them).
    assert len(recorder.statements) <= 8


def test_static_files_open_no_database_connection(app, client, recorder):
    recorder.on = True
    connects = []
    original = database.obj._connect
    database.obj._connect = lambda: connects.append(1) or original()
    try:
        for path in ("/static/kiosk.css", "/static/vendor/htmx-2.0.11.min.js"):
            with client.get(path) as response:
                assert response.status_code == 200
    finally:
        database.obj._connect = original
    assert recorder.statements == [] and connects == []


def test_a_connection_is_set_up_once_and_then_reused_by_later_requests(app, client):
    """The pragmas (WAL, synchronous, foreign keys, cache) run per new connection, not per request."""
    import peewee

    opened = []
    original = peewee.SqliteDatabase._connect
    peewee.SqliteDatabase._connect = lambda self: opened.append(1) or original(self)
    try:
        for _ in range(5):
            assert client.get("/statusbar", headers=htmx_headers()).status_code == 200
    finally:
        peewee.SqliteDatabase._connect = original
    assert len(opened) <= 1
    with app.app_context(), database.connection_context():
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_tap_writes_its_voucher_once_with_its_print_job(app, client, season, recorder):
    """领取 by a registered worker: the print job, then the voucher with the job's id: one INSERT each."""
    with client.session_transaction() as session:
        session[DONE_KEY] = season["token"]
    client.get("/packs/", headers=htmx_headers())  # the day's first request: its purge and sweep are not the tap's
    form = {"offer": season["offers"]["return"], "token": vouchers.new_request_token()}
    recorder.on = True
    response = client.post("/packs/issue", data=form, headers=htmx_headers())
    recorder.on = False
    assert response.status_code == 200 and "<img" in response.get_data(as_text=True)
    writes = [re.match(r'\s*(?:INSERT INTO|UPDATE) "?(\w+)', sql).group(1) for sql, _ in recorder.statements
              if re.match(r"\s*(INSERT|UPDATE)", sql)]
    assert writes == ["packtype", "printjob", "voucher", "countcell"]  # no UPDATE of the voucher after its INSERT
    # 18 before: the voucher was inserted, then updated with its job's id. The anonymous tap of
    # bench_tap.py sends two fewer (no registration, no quota read): 16 → 15.
    assert len(recorder.statements) <= 17
