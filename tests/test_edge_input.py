"""Bad input is refused at the edge with a clear answer (400/404), never a 500 (kiosk/web.py)."""

import pytest

from kiosk import web
from tests.conftest import add_volunteer

HUGE = "9223372036854775808"  # 2**63: one more than SQLite's largest integer


@pytest.mark.parametrize("text", [HUGE, "²", "①", "٣", "１２３", "1" * 5000, "-1", "1e3", "", " ", None])
def test_a_whole_number_is_ascii_digits_below_two_to_the_63(text):
    with pytest.raises(ValueError):
        web.whole_number(text)


def test_whole_numbers_that_are_fine():
    assert web.whole_number("0") == 0
    assert web.whole_number(" 42 ") == 42
    assert web.whole_number("9223372036854775807") == 2**63 - 1


@pytest.mark.parametrize("path", [f"/volunteer/sign-in/{HUGE}", "/volunteer/sign-in/%C2%B2", "/volunteer/sign-in/%E2%91%A0",
                                  "/packs/override/" + "1" * 5000])
def test_a_number_in_the_url_that_cannot_be_an_id_is_page_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "没有找到这个页面" in response.get_data(as_text=True)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2027-02-30", "２０２７-01-20"])
def test_a_day_no_kiosk_can_mean_is_page_not_found(app, client, auth, day):
    auth.sign_in(add_volunteer(app))
    assert client.get(f"/volunteer/day/{day}").status_code == 404
    assert client.get(f"/volunteer/day/{day}.csv").status_code == 404
    assert client.get("/volunteer/day/2027-01-20").status_code == 200


@pytest.mark.parametrize("field, path", [("offer", "/packs/issue"), ("volunteer_id", "/volunteer/sign-in")])
@pytest.mark.parametrize("value", [HUGE, "²", "1" * 5000])
def test_a_number_field_that_cannot_be_an_id_is_refused_calmly(client, field, path, value):
    response = client.post(path, data={field: value, "pin": "2468", "token": "x" * 32})
    assert 400 <= response.status_code < 500


def test_a_tally_undo_with_an_impossible_id_is_refused(app, client, auth):
    auth.sign_in(add_volunteer(app))
    assert 400 <= client.post("/volunteer/tallies/undo", data={"tally_id": HUGE}).status_code < 500


@pytest.mark.parametrize("value", [HUGE, "²", "1" * 5000])
def test_a_party_of_impossible_size_is_a_message_not_a_crash(client, value):
    client.post("/register/direction", data={"direction": "work"})
    response = client.post("/register/party", data={"children": value, "elderly": "0"})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("query", [f"since={HUGE}", "since=²", "limit=" + "1" * 5000, "since=-1"])
def test_the_sync_pull_refuses_an_impossible_cursor_with_400(app, client, query):
    response = client.get(f"/sync/cells?{query}", headers={"Authorization": f"Bearer {app.config['SYNC_TOKEN']}"})
    assert response.status_code == 400
    assert "whole numbers" in response.get_json()["error"]
