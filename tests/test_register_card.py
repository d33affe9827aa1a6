"""Registration takes an ID card laid on the reader: its fingerprint, a proposed home, nothing else."""

import pytest

from kiosk.models import database
from kiosk.registration import Registration
from tests.conftest import htmx_headers
from tests.conftest import make_app

NUMBER = "513425197503150021"  # an old 会理县 number; the address names today's 会理市
ADDRESS = "四川省凉山彝族自治州会理市城北街道1号"


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path, IDCARD_URL=f"virtual://{tmp_path / 'reader'}?read_seconds=0")
    yield app
    app.extensions["idcard"].stop()


@pytest.fixture
def lay_card(app):
    watcher = app.extensions["idcard"]

    def lay(**card):
        watcher.reader.device.present(**{"id_number": NUMBER, "address": ADDRESS, **card})
        watcher.poll_once()
        watcher.reader.device.remove()
        watcher._last_id = None  # the next card counts as new even if it is the same
        return watcher.seq

    return lay


def post(client, path, **data):
    return client.post(path, data=data, headers=htmx_headers())


def test_a_card_before_the_direction_proposes_the_home_and_skips_two_steps(app, client, lay_card):
    page = client.get("/register").get_data(as_text=True)
    assert "请把身份证放在读卡区" in page and 'id="card-listener"' in page
    seq = lay_card()
    shown = post(client, "/register/card", seq=seq, step="direction").get_data(as_text=True)
    assert "尾号 0021" in shown and "凉山州 会理市" in shown
    assert NUMBER not in shown and "城北街道" not in shown
    assert 'id="destination"' in post(client, "/register/direction", direction="work").get_data(as_text=True)
    assert 'id="summary"' in post(client, "/register/destination", code="440000").get_data(as_text=True)
    session = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    assert NUMBER not in str(session) and "城北" not in str(session)  # a fingerprint and a county code only
    done = post(client, "/register/confirm").get_data(as_text=True)
    assert 'id="done"' in done
    with app.app_context(), database.connection_context():
        row = Registration.get()
    assert (row.direction, row.home_code, row.destination_code) == ("work", "513402", "440000")
    assert row.document_last4 is None and row.document_kind == "resident_id" and len(row.document_hash) == 64
    assert row.consented_at is not None
    session = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    assert NUMBER not in str(session) and "城北" not in str(session)


def test_a_card_laid_mid_flow_fills_the_home_and_moves_on(client, lay_card):
    post(client, "/register/direction", direction="home")
    seq = lay_card(address="", id_number="511102198001010012")  # no address: the number's county
    shown = post(client, "/register/card", seq=seq, step="prefecture").get_data(as_text=True)
    assert 'id="summary"' in shown and "乐山市 市中区" in shown


def test_a_card_on_the_keypad_step_replaces_typing(client, lay_card):
    post(client, "/register/direction", direction="home")
    post(client, "/register/county", code="511102")
    post(client, "/register/consent", answer="yes", then="id_number")
    seq = lay_card(address="广东省深圳市南山区", id_number="440304199002020035")
    shown = post(client, "/register/card", seq=seq, step="id_number").get_data(as_text=True)
    assert 'id="summary"' in shown and "0035" in shown
    assert "乐山市 市中区" in shown  # a home already chosen is kept: the card only proposes


def test_a_card_is_taken_once_and_a_stale_event_changes_nothing(client, lay_card):
    seq = lay_card()
    assert post(client, "/register/card", seq=seq, step="direction").status_code == 200
    again = post(client, "/register/card", seq=seq, step="direction")
    assert again.status_code == 400 and "重新放在读卡区" in again.get_data(as_text=True)
    assert post(client, "/register/card", seq=999, step="direction").status_code == 400


def test_a_card_whose_number_fails_its_check_is_refused(client, lay_card):
    seq = lay_card(id_number="513425197503150022")
    refused = post(client, "/register/card", seq=seq, step="direction")
    assert refused.status_code == 400 and "身份证号不正确" in refused.get_data(as_text=True)
    assert "尾号" not in client.get("/register").get_data(as_text=True)


def test_the_wait_endpoint_says_what_happened_never_the_card(app, client, lay_card):
    seq = lay_card()
    response = client.get("/idcard/wait?after=0&timeout=0")
    assert response.get_json() == {"seq": seq, "kind": "read"}
    assert client.get(f"/idcard/wait?after={seq}&timeout=0").status_code == 204


def test_without_a_reader_there_is_no_card_panel(tmp_path):
    app = make_app(tmp_path)
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    assert "读卡区" not in page and 'id="card-listener"' not in page
    assert client.get("/idcard/wait?after=0").status_code == 204
