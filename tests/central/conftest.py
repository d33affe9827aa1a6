"""Central office fixtures: each test runs on SQLite and, when one is reachable, on PostgreSQL.

PostgreSQL is the one on 127.0.0.1:5432 (trust auth, database ``test``) unless
KIOSK_TEST_POSTGRES_URL names another. Every test gets a schema of its own,
dropped afterwards, so parallel runs never collide.
"""

import datetime
import functools
import os
import re
import socket
import uuid
from urllib.parse import urlsplit

import pytest
from waitress import wasyncore

from kiosk import counts
from kiosk import sync
from kiosk.central import create_app as create_central_app
from kiosk.central import pull
from kiosk.central import registry
from kiosk.central import users
from kiosk.central.models import database as central_db
from kiosk.models import database as kiosk_db
from tests.conftest import make_app
from tests.e2e.conftest import LiveServer

POSTGRES_URL = os.environ.get("KIOSK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TOKEN = "kiosk-one-token-0123456789abcdef"
DAY = datetime.date(2027, 1, 20)
OFFICE_USER = "陈静"
PASSWORD = "correct horse battery"


@functools.cache
def postgres_unavailable():
    """Return why PostgreSQL cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    where = urlsplit(POSTGRES_URL)
    try:
        socket.create_connection((where.hostname or "127.0.0.1", where.port or 5432), timeout=1).close()
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except (OSError, psycopg.Error) as error:
        return f"PostgreSQL not reachable at {where.hostname}:{where.port or 5432} ({error}); ran on SQLite only"
    return None


@pytest.fixture(params=["sqlite", "postgresql"])
def central_url(request, tmp_path):
    """A database URL for the central office: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"central_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    if not central_db.is_closed():
        central_db.close()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def make_central(tmp_path, url, **overrides):
    """Build a central office app on the given database."""
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "central"),
        "DATABASE_URL": url,
        "PAGE_SIZE": 7,
        # HTTP tests post forms directly; tests/central/test_sign_in.py and the
        # browser test run with CSRF protection on.
        "WTF_CSRF_ENABLED": False,
    }
    config.update(overrides)
    return create_central_app(config)


@pytest.fixture
def central_app(tmp_path, central_url):
    """The central office app (its test client connects per request)."""
    return make_central(tmp_path, central_url)


@pytest.fixture
def central(central_app):
    """The central office app, with a database connection for the test body."""
    with central_app.app_context(), central_db.connection_context():
        yield central_app


class QuickServer(LiveServer):
    """A LiveServer that does not join its serving thread.

    The thread is a daemon and leaves its loop by itself once its socket map
    is empty; joining it would add up to a second to every test.
    """

    def __exit__(self, *exc):
        # Closed from inside the loop's own thread, like LiveServer: closing the
        # socket from here let the loop's next select() hit a closed descriptor
        # ("Bad file descriptor" in the daemon thread, blamed on a later test).
        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self.server._map))
        self.server.task_dispatcher.shutdown()


class Kiosk:
    """An in-process kiosk on a real socket: count on it, read its own totals.

    The kiosk's models share one database binding per process, so a test runs
    one in-process kiosk at a time (stop one before starting the next);
    tests/central/test_integration.py runs two at once in their own processes.
    """

    def __init__(self, tmp_path, name, wrap=None, **overrides):
        overrides.setdefault("SYNC_TOKEN", TOKEN)
        self.app = make_app(tmp_path / name, **overrides)
        self.token = self.app.config["SYNC_TOKEN"]
        self.server = QuickServer(wrap(self.app) if wrap else self.app).__enter__()
        self.url = self.server.url

    def count(self, metric, day=DAY, delta=1, **dims):
        with self.app.app_context(), kiosk_db.connection_context(), counts.write_transaction():
            counts.add(metric, day, delta, **dims)

    def report(self, day=DAY):
        with self.app.app_context(), kiosk_db.connection_context():
            return sync.day_report(day)

    def page(self, since=0, limit=500):
        with self.app.app_context(), kiosk_db.connection_context():
            return sync.page(self.token, since, limit)

    def bundle(self, path):
        with self.app.app_context(), kiosk_db.connection_context():
            return sync.write_bundle(path, self.token)

    def stop(self):
        if self.server is not None:
            self.server.__exit__()
            self.server = None


@pytest.fixture
def kiosks(tmp_path):
    """Start in-process kiosks by name; all are stopped after the test."""
    started = []

    def start(name="k1", **overrides):
        kiosk = Kiosk(tmp_path, name, **overrides)
        started.append(kiosk)
        return kiosk

    yield start
    for kiosk in started:
        kiosk.stop()


def seed_office(kiosk, tmp_path):
    """One kiosk's bundle imported, and one kiosk never heard from."""
    kiosk.count("registrations", DAY, 3, direction="home", county="511102", destination="440300")
    kiosk.count("registrations", DAY, 2, direction="work", county="511123", destination="350100")
    kiosk.count("vouchers.issued", DAY, 4, pack="warm")
    kiosk.count("tallies", DAY, 6, service="tea")
    kiosk.count("daybook.closed", DAY, 1)
    with central_db.connection_context():
        registry.register("乐山客运中心站 1号机", "-", kiosk.token)
        registry.register("峨眉山站", "http://127.0.0.1:9", "t" * 32)
        kiosk.bundle(tmp_path / "b.json")
        pull.import_bundle(tmp_path / "b.json")


def add_office_user(app, name=OFFICE_USER, password=PASSWORD):
    """Create an office user directly in the database; return it."""
    with app.app_context(), central_db.connection_context():
        return users.add(name, password)


class OfficeAuth:
    """Sign an office user in and out through the real pages, CSRF token included."""

    def __init__(self, client):
        self._client = client

    def csrf_token(self):
        page = self._client.get("/sign-in").get_data(as_text=True)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        return found.group(1) if found else ""

    def sign_in(self, name=OFFICE_USER, password=PASSWORD, **extra):
        data = {"name": name, "password": password, "csrf_token": self.csrf_token(), **extra}
        return self._client.post("/sign-in", data=data)

    def sign_out(self):
        token = re.search(r'name="csrf_token" value="([^"]+)"', self._client.get("/").get_data(as_text=True))
        return self._client.post("/sign-out", data={"csrf_token": token.group(1) if token else ""})


def register(name, kiosk, url=None, token=None):
    """Register a kiosk at the central office."""
    return registry.register(name, url or kiosk.url, token or kiosk.token)


def comparable(cells):
    """Cells as a set of (metric, dims, value) for exact comparison."""
    return sorted((c["metric"], tuple(sorted(c["dims"].items())), c["value"]) for c in cells)


# Three stations in two cities: 市中区 and 峨眉山市 in 乐山市, 成华区 in 成都市.
STATIONS = [
    ("leshan-kyzx", "乐山客运中心站", "511102"),
    ("emei-bus", "峨眉山汽车站", "511181"),
    ("chengdu-east", "成都东站", "510108"),
]


def seed_regions(kiosks, tmp_path, day=DAY):
    """One kiosk per station of STATIONS, each bundle imported; return {station code: kiosk token}.

    乐山客运中心站 registers 3 home from 市中区 and 1 leaving for 广东; 峨眉山汽车站 2 home from
    峨眉山市; 成都东站 5 home from 成华区 and 1 home from 市中区 (a 市中区 worker coming home
    through Chengdu). Packs in stock: 100 at Leshan (the level before the day: 120), 40 at 峨眉.
    """
    counted = {
        "leshan-kyzx": [
            ("registrations", 3, {"direction": "home", "county": "511102"}),
            ("registrations", 1, {"direction": "work", "county": "511102", "destination": "440000"}),
            ("registrations.children", 2, {"direction": "home", "county": "511102"}),
            ("registrations.intention", 1, {"intention": "local", "direction": "home", "county": "511102"}),
            ("vouchers.redeemed", 4, {"pack": "warm"}),
        ],
        "emei-bus": [("registrations", 2, {"direction": "home", "county": "511181"})],
        "chengdu-east": [
            ("registrations", 5, {"direction": "home", "county": "510108"}),
            ("registrations", 1, {"direction": "home", "county": "511102"}),
        ],
    }
    tokens = {}
    for index, (code, name, county) in enumerate(STATIONS):
        token = f"token-{code}-0123456789abcdef"
        kiosk = kiosks(f"k-{code}", SYNC_TOKEN=token, STATION=code, STATION_NAME=name, STATION_COUNTY=county)
        for metric, value, dims in counted[code]:
            kiosk.count(metric, day, value, **dims)
        if code == "leshan-kyzx":
            with kiosk.app.app_context(), kiosk_db.connection_context(), counts.write_transaction():
                counts.put("packs.on_hand", day - datetime.timedelta(days=3), 120, pack="warm")
                counts.put("packs.on_hand", day - datetime.timedelta(days=1), 100, pack="warm")
        if code == "emei-bus":
            with kiosk.app.app_context(), kiosk_db.connection_context(), counts.write_transaction():
                counts.put("packs.on_hand", day - datetime.timedelta(days=10), 40, pack="warm")
        bundle = tmp_path / f"{code}.json"
        kiosk.bundle(bundle)
        kiosk.stop()
        with central_db.connection_context():
            registry.register(f"{name} {index + 1}号机", "-", token)
            pull.import_bundle(bundle)
        tokens[code] = token
    return tokens


@pytest.fixture(autouse=True)
def quick_office_passwords(request, monkeypatch):
    """Hash office passwords at scrypt N=2**14 in tests not about the hash itself.

    Today's cost (N=2**17, 128 MiB) takes about half a second per hash on a quiet
    core and several seconds on a loaded CI machine; a test that checks the cost
    says so with ``@pytest.mark.real_password_cost``.
    """
    if request.node.get_closest_marker("real_password_cost") is None:
        monkeypatch.setattr(users, "PASSWORD_METHOD", "scrypt:16384:8:1")
