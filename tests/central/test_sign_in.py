"""Only signed-in office users see the counts: strangers are sent to sign in, wrong passwords lock a name."""

import datetime
import re

import pytest

from kiosk.central import users
from kiosk.central.models import OfficeUser
from kiosk.central.models import database as central_db
from tests.central.conftest import OFFICE_USER
from tests.central.conftest import PASSWORD
from tests.central.conftest import OfficeAuth
from tests.central.conftest import add_office_user
from tests.central.conftest import make_central
from tests.central.conftest import seed_office
from tests.conftest import htmx_headers

WEEK = "from=2027-01-14&to=2027-01-20"
# Words and numbers only a signed-in reader may see.
SECRETS = ("乐山客运中心站", "峨眉山站", "leshan-kyzx", "返乡登记", "合计", "站点代码")


@pytest.fixture
def office(central_app, kiosks, tmp_path):
    """An office with counts and one user; the client is not signed in."""
    seed_office(kiosks(), tmp_path)
    add_office_user(central_app)
    return central_app.test_client()


@pytest.fixture
def auth(office):
    return OfficeAuth(office)


def assert_sent_to_sign_in(response, next_path=None):
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/sign-in")
    if next_path:
        assert location == "/sign-in?next=" + next_path.replace("=", "%3D").replace("&", "%26")
    body = response.get_data(as_text=True)
    assert not [word for word in SECRETS if word in body]
    assert "Content-Disposition" not in response.headers


def test_a_stranger_is_sent_to_sign_in_from_every_page_and_spreadsheet(office):
    assert_sent_to_sign_in(office.get("/?" + WEEK), next_path="/?" + WEEK)
    assert_sent_to_sign_in(office.get("/export.csv?" + WEEK), next_path="/export.csv?" + WEEK)
    assert_sent_to_sign_in(office.get("/export.xlsx?" + WEEK))
    assert_sent_to_sign_in(office.get("/export.pdf"))
    assert_sent_to_sign_in(office.get("/no-such-page"))
    page = office.get("/?" + WEEK, follow_redirects=True).get_data(as_text=True)
    assert "登录" in page and 'type="password"' in page
    assert not [word for word in SECRETS if word in page]


def test_an_htmx_request_from_a_stranger_is_told_to_load_the_sign_in_page(office):
    response = office.get("/?" + WEEK, headers=htmx_headers())
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].startswith("/sign-in?next=/")
    assert response.get_data(as_text=True) == ""


def test_signing_in_opens_the_page_asked_for_and_the_spreadsheets(office, auth):
    office.get("/?" + WEEK)
    signed_in = auth.sign_in(next="/?" + WEEK)
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/?" + WEEK
    page = office.get("/?" + WEEK).get_data(as_text=True)
    assert "乐山客运中心站" in page and "陈静" in page and "退出登录" in page
    csv_file = office.get("/export.csv?" + WEEK)
    assert csv_file.status_code == 200 and "站点代码" in csv_file.get_data().decode("utf-8")
    assert office.get("/export.xlsx?" + WEEK).get_data()[:2] == b"PK"
    assert office.get("/?" + WEEK).headers["Cache-Control"] == "no-store"  # Back after sign-out shows nothing


def test_only_pages_of_this_site_are_returned_to_after_signing_in(auth):
    assert auth.sign_in(next="//evil.example/").headers["Location"] == "/"


def test_the_session_cookie_is_http_only_and_same_site_lax(auth):
    cookie = auth.sign_in().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_wrong_password_is_refused_in_chinese_and_the_dashboard_stays_closed(office, auth):
    response = auth.sign_in(password="wrong password")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "用户名或密码错误" in page and "陈静" in page  # the name stays typed in
    assert_sent_to_sign_in(office.get("/"))


def refusal(response):
    return response.status_code, re.search(r'id="sign-in-error"[^>]*>([^<]+)<', response.get_data(as_text=True)).group(1)


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(auth):
    unknown = refusal(auth.sign_in(name="nobody", password=PASSWORD))
    assert unknown == refusal(auth.sign_in(password="wrong password"))
    assert unknown[0] == 403 and "用户名或密码错误" in unknown[1]


def test_five_wrong_passwords_lock_the_name_even_after_a_restart(office, auth, tmp_path, central_url):
    for _ in range(5):
        assert auth.sign_in(password="wrong password").status_code == 403
    restarted = make_central(tmp_path, central_url).test_client()
    response = OfficeAuth(restarted).sign_in()
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "错误次数过多" in page and "15" in page
    assert_sent_to_sign_in(restarted.get("/"))


def test_the_lock_ends_after_fifteen_minutes(central):
    users.add(OFFICE_USER, PASSWORD)
    start = datetime.datetime(2027, 1, 20, 8, 0)
    for _ in range(5):
        with pytest.raises(users.SignInRefused):
            users.sign_in(OFFICE_USER, "wrong password", now=start)
    with pytest.raises(users.SignInRefused, match="Too many"):
        users.sign_in(OFFICE_USER, PASSWORD, now=start + datetime.timedelta(minutes=14))
    assert users.sign_in(OFFICE_USER, PASSWORD, now=start + datetime.timedelta(minutes=16)).name == OFFICE_USER


@pytest.mark.real_password_cost
def test_passwords_are_stored_only_as_scrypt_hashes_at_owasps_cost_and_short_ones_are_refused(central):
    users.add(OFFICE_USER, PASSWORD)
    stored = OfficeUser.by_name(OFFICE_USER).password_hash
    assert stored.startswith("scrypt:131072:8:1$") and PASSWORD not in stored
    with pytest.raises(users.DomainError, match="at least 8"):
        users.add("李强", "1234567")


def test_a_disabled_user_loses_access_at_the_next_request(office, auth):
    auth.sign_in()
    assert office.get("/").status_code == 200
    with central_db.connection_context():
        users.set_active(OFFICE_USER, False)
    assert_sent_to_sign_in(office.get("/"))
    assert auth.sign_in().status_code == 403


def test_an_idle_dashboard_signs_the_user_out(tmp_path, central_url):
    app = make_central(tmp_path, central_url, CENTRAL_IDLE_SECONDS=0)
    add_office_user(app)
    client = app.test_client()
    OfficeAuth(client).sign_in()
    assert_sent_to_sign_in(client.get("/"))
    assert "长时间未使用" in client.get("/sign-in").get_data(as_text=True)


def test_signing_out_closes_the_dashboard(office, auth):
    auth.sign_in()
    signed_out = auth.sign_out()
    assert signed_out.status_code == 303 and signed_out.headers["Location"] == "/sign-in"
    assert "已退出登录" in office.get("/sign-in").get_data(as_text=True)
    assert_sent_to_sign_in(office.get("/"))


def test_with_no_users_the_sign_in_page_says_how_to_add_the_first(central_app):
    client = central_app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert "还没有办公室用户" in page and "flask --app kiosk.central users add" in page
    assert 'type="password"' not in page
    client.post("/language", data={"lang": "en", "next": "/sign-in"})
    assert "No office user exists yet" in client.get("/sign-in").get_data(as_text=True)


class TestWithCsrfProtection:
    """The same app as in production: every POST needs the session's token and a same-site origin."""

    @pytest.fixture
    def client(self, tmp_path, central_url):
        app = make_central(tmp_path, central_url, WTF_CSRF_ENABLED=True)
        add_office_user(app)
        return app.test_client()

    def test_a_sign_in_without_the_token_is_refused_even_with_the_right_password(self, client):
        response = client.post("/sign-in", data={"name": OFFICE_USER, "password": PASSWORD})
        assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
        assert_sent_to_sign_in(client.get("/"))

    def test_sign_out_and_the_language_switch_without_the_token_are_refused(self, client):
        assert OfficeAuth(client).sign_in().status_code == 303
        assert client.post("/sign-out").status_code == 400
        assert client.post("/language", data={"lang": "en"}).status_code == 400
        page = client.get("/").get_data(as_text=True)
        assert "退出登录" in page and 'lang="zh-Hans"' in page

    def test_a_cross_site_post_is_refused_even_with_a_token(self, client):
        auth = OfficeAuth(client)
        token = auth.csrf_token()
        data = {"name": OFFICE_USER, "password": PASSWORD, "csrf_token": token}
        for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
            assert client.post("/sign-in", data=data, headers=headers).status_code == 403
        assert_sent_to_sign_in(client.get("/"))
        same_site = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
        assert client.post("/sign-in", data=data, headers=same_site).status_code == 303


@pytest.mark.real_password_cost
def test_an_old_password_hash_still_signs_in_and_is_replaced_at_todays_cost(central):
    from kiosk import credentials

    user = users.add(OFFICE_USER, PASSWORD)
    OfficeUser.update(password_hash=credentials.hash_secret(PASSWORD)).where(OfficeUser.id == user.id).execute()
    assert users.sign_in(OFFICE_USER, PASSWORD).name == OFFICE_USER
    assert OfficeUser.by_name(OFFICE_USER).password_hash.startswith("scrypt:131072:8:1$")
    assert users.sign_in(OFFICE_USER, PASSWORD).name == OFFICE_USER
