"""The console's one scan box sends each code to the desk that handles its kind."""

import pytest

from kiosk.models import database
from tests.conftest import add_volunteer
from tests.test_luggage_views import check_in
from tests.test_luggage_views import deposits
from tests.test_luggage_views import payload
from tests.vouchers_factory import issue
from tests.vouchers_factory import stock_station


@pytest.fixture
def desk(app, client, auth):
    auth.sign_in(add_volunteer(app))
    return client


def a_voucher(app):
    with app.app_context(), database.connection_context():
        offers = stock_station()
        return issue(offers["warm"])


def test_a_scanned_luggage_ticket_opens_the_luggage_claim(app, desk):
    check_in(desk)
    scanned = payload(app, deposits(app)[0]) + "\r\n"
    response = desk.post("/volunteer/scan", data={"code": scanned})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/volunteer/luggage/claim?code=NT1.L.")
    assert deposits(app)[0].code in desk.get(response.headers["Location"]).get_data(as_text=True).replace("-", "")


def test_a_typed_luggage_code_is_found_too(app, desk):
    check_in(desk)
    code = deposits(app)[0].code
    response = desk.post("/volunteer/scan", data={"code": f"{code[:4]}-{code[4:]}".lower()})
    assert response.status_code == 303 and "/volunteer/luggage/claim" in response.headers["Location"]


def test_a_typed_voucher_code_goes_to_the_gift_pack_desk_with_the_same_post(app, desk):
    voucher = a_voucher(app)
    response = desk.post("/volunteer/scan", data={"code": voucher.code})
    assert response.status_code == 307
    assert response.headers["Location"] == "/volunteer/packs/scan"
    followed = desk.post("/volunteer/scan", data={"code": voucher.code}, follow_redirects=True)
    assert "暖心小礼包" in followed.get_data(as_text=True)


def test_an_unknown_code_is_refused_in_chinese(desk):
    response = desk.post("/volunteer/scan", data={"code": "ZZZZ-ZZZZ"})
    assert response.status_code == 400
    assert "没有找到这个号码的礼包凭证或行李凭证" in response.get_data(as_text=True)


def test_the_scan_box_needs_a_signed_in_volunteer(client):
    response = client.post("/volunteer/scan", data={"code": "ZZZZ-ZZZZ"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/volunteer/sign-in")
