"""Every route of both apps, walked with generated input: nothing a browser can send gives a 500.

Hypothesis draws the URL parts and the query/form fields for each route from
what an attacker would try first (integers above 2**63, "²" and "①",
5,000-digit numbers, the year 9999, CR/LF, formulas, NUL) mixed with random
text. The field names are read off the views' source, so a new field is
fuzzed without editing this file. Derandomised, a few dozen examples a route:
a few seconds in CI, the same examples every run.
"""

import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import settings
from hypothesis import strategies as st

from kiosk import clock
from kiosk.central.models import database as central_db
from kiosk.models import database
from kiosk.models import Volunteer
from tests.central.conftest import add_office_user
from tests.central.conftest import make_central
from tests.central.conftest import OfficeAuth
from tests.conftest import add_volunteer
from tests.conftest import make_app
from tests.vouchers_factory import stock_station

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"
NASTY = [
    "9223372036854775808", "9223372036854775807", "18446744073709551616", "-1", "0", "1", "", " ",
    "²", "①", "٣", "１２３", "1" * 5000, "1e3", "0x10", "9999-12-31", "0001-01-01", "2027-02-30",
    "\x00", "%", "../..", "=HYPERLINK(\"http://x\")", "é\r\nX-Injected: 1", '"; filename=evil.exe', "<script>",
    "汉字", "\ud7ff", "yes", "no", "home", "work", "warm", "return", "csv", "xlsx", "2027-01-20",
]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=24), st.integers(-(2**70), 2**70).map(str))
# No shrinking: the failing request is printed whole, and a failure costs no extra minutes.
SETTINGS = settings(max_examples=12, derandomize=True, deadline=None, database=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def field_names(*folders):
    """Every query or form field a view reads, from the source of those folders."""
    found = set()
    for folder in folders:
        for path in folder.glob("*.py"):
            found |= set(re.findall(r'(?:form|args|values)\.get(?:list)?\(\s*"([^"]+)"', path.read_text()))
    return sorted(found)


KIOSK_FIELDS = field_names(KIOSK / "views")
CENTRAL_FIELDS = field_names(KIOSK / "central")


def fill(rule, parts):
    """The rule's URL with each <converter:name> replaced by a drawn value."""
    names = iter(parts)
    return re.sub(r"<[^>]+>", lambda _: quote(next(names), safe=""), rule.rule)


def request_for(data, rule, fields):
    """Draw URL parts and fields for one rule; return (method, url, fields)."""
    method = data.draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))
    url = fill(rule, [data.draw(VALUES) for _ in rule.arguments])
    chosen = data.draw(st.lists(st.sampled_from(fields), max_size=6, unique=True)) if fields else []
    values = {name: data.draw(st.one_of(VALUES, st.lists(VALUES, max_size=3))) for name in chosen}
    return method, url, values


# Sent first to every route, in every URL part and every field at once: what the attack test found.
SWEEP = ["9223372036854775808", "²", "①", "1" * 5000, "9999-12-31", "é\r\nX-Injected: 1", "", "-1"]


def send(client, method, url, values, headers=None):
    if method == "GET":
        return client.get(url, query_string=values, headers=headers)
    return client.open(url, method=method, data=values, query_string=values, headers=headers)


def sweep(client, rule, fields, headers=None, before=None, good_parts=(), one_at_a_time=False):
    """Send each SWEEP value as every URL part and every field; return the requests that gave a 500.

    ``good_parts`` are URL parts that reach a view (e.g. "csv"), tried with every bad field too;
    ``one_at_a_time`` also sends each field bad alone (a bad date first must not hide a bad name).
    """
    crashed = []
    for value in SWEEP:
        urls = [fill(rule, [part for _ in rule.arguments]) for part in (value, *good_parts)] if rule.arguments else [rule.rule]
        for url, method in ((u, m) for u in urls for m in sorted(rule.methods - {"HEAD", "OPTIONS"})):
            if before:
                before(client)
            forms = [{name: value for name in fields}] + ([{name: value} for name in fields] if one_at_a_time else [])
            for form in forms:
                response = send(client, method, url, form, headers)
                if response.status_code >= 500:
                    crashed.append((method, url, sorted(form)[:3], value[:20]))
    return crashed


# --- the kiosk --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def kiosk(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("fuzz-kiosk"))
    with app.app_context(), database.connection_context():
        stock_station(warm=50, starts=clock.local_day())
    manager = add_volunteer(app, name="陈站长", pin="975310", role="manager")
    add_volunteer(app)
    return app, manager


def kiosk_rules():
    import tempfile

    app = make_app(Path(tempfile.mkdtemp(prefix="fuzz-rules-")))
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


@pytest.mark.parametrize("rule", kiosk_rules(), ids=lambda r: f"{'+'.join(sorted(r.methods - {'HEAD', 'OPTIONS'}))} {r.rule}")
@pytest.mark.parametrize("signed_in", [False, True], ids=["worker", "manager"])
def test_no_kiosk_route_answers_500(kiosk, rule, signed_in):
    app, manager = kiosk
    bearer = {"Authorization": f"Bearer {app.config['SYNC_TOKEN']}"}  # so /sync/cells reads its parameters

    def as_manager(client):  # the session sign-in leaves, without paying scrypt per request
        if signed_in:
            with app.app_context(), database.connection_context():
                epoch = Volunteer.get_by_id(manager).session_epoch
            with client.session_transaction() as session:
                session.update(volunteer_id=manager, volunteer_epoch=epoch, volunteer_seen=time.time())

    assert sweep(app.test_client(), rule, KIOSK_FIELDS, bearer, as_manager) == []

    @SETTINGS
    @given(st.data())
    def walk(data):
        client = app.test_client()
        as_manager(client)
        method, url, values = request_for(data, rule, KIOSK_FIELDS)
        response = send(client, method, url, values, bearer)
        assert response.status_code < 500, (method, url, values, response.get_data(as_text=True)[:500])

    walk()


# --- the central office -----------------------------------------------------------------

@pytest.fixture(scope="module")
def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-central")
    app = make_central(folder, f"sqlite:///{folder / 'central.sqlite3'}")
    add_office_user(app)
    return app


def central_rules():
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="fuzz-central-rules-"))
    app = make_central(folder, f"sqlite:///{folder / 'central.sqlite3'}")
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


@pytest.mark.parametrize("rule", central_rules(), ids=lambda r: f"{'+'.join(sorted(r.methods - {'HEAD', 'OPTIONS'}))} {r.rule}")
@pytest.mark.parametrize("signed_in", [False, True], ids=["anyone", "office"])
def test_no_central_route_answers_500(office, rule, signed_in):
    client = office.test_client()
    if signed_in:
        assert OfficeAuth(client).sign_in().status_code == 303

    if rule.rule.endswith("sign-out"):  # signing out is fuzzed last, by the anonymous client
        client = office.test_client()
    with office.app_context():
        assert sweep(client, rule, CENTRAL_FIELDS, good_parts=("csv", "xlsx"), one_at_a_time=True) == []

    @SETTINGS
    @given(st.data())
    def walk(data):
        method, url, values = request_for(data, rule, CENTRAL_FIELDS)
        with office.app_context():
            response = send(client, method, url, values)
        assert response.status_code < 500, (method, url, values, response.get_data(as_text=True)[:500])

    walk()
    if not central_db.is_closed():
        central_db.close()
