"""Every state-changing request needs the session's CSRF token and a same-site origin."""

import re

import pytest

from tests.conftest import make_app


@pytest.fixture
def client(tmp_path):
    return make_app(tmp_path, WTF_CSRF_ENABLED=True).test_client()


def token(client):
    page = client.get("/").get_data(as_text=True)
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def lang(client):
    return re.search(r'<html lang="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)


def test_a_post_without_a_token_is_refused_and_changes_nothing(client):
    response = client.post("/language", data={"lang": "en"})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)
    assert lang(client) == "zh-Hans"


def test_a_form_with_the_token_goes_through(client):
    response = client.post("/language", data={"lang": "en", "csrf_token": token(client)})
    assert response.status_code == 303
    assert lang(client) == "en"


def test_htmx_requests_may_send_the_token_as_a_header(client):
    response = client.post("/language", data={"lang": "en"}, headers={"HX-Request": "true", "X-CSRFToken": token(client)})
    assert response.status_code == 303


def test_a_cross_site_post_is_refused_even_with_a_token(client):
    valid = token(client)
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post("/language", data={"lang": "en", "csrf_token": valid}, headers=headers)
        assert response.status_code == 403
    assert lang(client) == "zh-Hans"


def test_a_same_origin_post_is_accepted(client):
    valid = token(client)
    response = client.post("/language", data={"lang": "en", "csrf_token": valid},
                           headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 303
