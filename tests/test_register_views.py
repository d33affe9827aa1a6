"""The registration screens over HTTP: htmx swaps, bad input, skipped steps, double taps."""

import datetime
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from kiosk import clock
from kiosk import counts
from kiosk.models import database
from kiosk.registration import Registration
from tests.conftest import htmx_headers
from tests.conftest import make_app

SWAP_BUDGET = 4 * 1024


class Worker:
    """A person at the kiosk: every tap is one htmx request, remembered for checking."""

    def __init__(self, client):
        self.client = client
        self.swaps = []

    def tap(self, path, **form):
        response = self.client.post(f"/register/{path}", data=form, headers=htmx_headers())
        self.swaps.append(response)
        return response

    def back_to(self, step, **query):
        response = self.client.get(f"/register/step/{step}", query_string=query, headers=htmx_headers())
        self.swaps.append(response)
        return response

    def token(self):
        return re.search(r'name="token" value="(\w+)"', self.swaps[-1].get_data(as_text=True)).group(1)

    def confirm(self):
        return self.tap("confirm", token=self.token())


def registrations(app):
    with app.app_context(), database.connection_context():
        return list(Registration.select())


def today_total(app, **match):
    with app.app_context(), database.connection_context():
        return counts.total("registrations", clock.local_day(), **match)


@pytest.fixture
def worker(client):
    return Worker(client)


def test_the_home_tile_opens_registration(client):
    page = client.get("/").get_data(as_text=True)
    assert 'id="tile-register" href="/register"' in page
    start = client.get("/register").get_data(as_text=True)
    assert "返乡" in start and "返岗" in start and 'data-idle-needed="true"' in start


def test_coming_home_to_the_station_county_takes_three_taps_after_the_tile(app, worker):
    prefecture = worker.tap("direction", direction="home").get_data(as_text=True)
    assert prefecture.index("乐山市 市中区") < prefecture.index("成都市")  # the station's county first
    summary = worker.tap("county", code="511102").get_data(as_text=True)
    assert 'id="summary"' in summary and "乐山市 市中区" in summary
    done = worker.confirm().get_data(as_text=True)
    assert 'id="done"' in done and "登记成功" in done and "领取礼包" in done
    assert [(r.direction, r.home_code) for r in registrations(app)] == [("home", "511102")]


def test_going_to_work_records_home_county_destination_and_optional_details(app, worker):
    worker.tap("direction", direction="work")
    county = worker.tap("prefecture", code="510100").get_data(as_text=True)
    assert "双流区" in county
    destination = worker.tap("county", code="510116").get_data(as_text=True)
    assert destination.index("广东") < destination.index("天津")  # common destinations first
    worker.tap("destination", code="650000")
    assert "乌鲁木齐市" in worker.back_to("city").get_data(as_text=True)
    worker.tap("city", code="650100")
    worker.tap("intention", intention=["skills", "fair"])
    worker.tap("party", children="2", elderly="0")
    assert "个人信息" in worker.back_to("consent", then="phone").get_data(as_text=True)
    keypad = worker.tap("consent", answer="yes", then="phone").get_data(as_text=True)
    assert 'id="phone"' in keypad and "data-keypad" in keypad
    summary = worker.tap("phone", number="13800138000").get_data(as_text=True)
    assert "8000" in summary and "13800138000" not in summary
    worker.confirm()
    (row,) = registrations(app)
    assert (row.home_code, row.destination_code, row.destination_city_code) == ("510116", "650000", "650100")
    assert (row.intentions, row.children, row.phone_last4, len(row.phone_hash)) == ("skills,fair", 2, None, 64)
    assert today_total(app, direction="work", destination="650000") == 1


def test_every_swap_is_one_step_element_within_the_size_budget(worker):
    worker.tap("direction", direction="work")
    worker.tap("prefecture", code="510100")
    worker.tap("county", code="510116")
    worker.tap("destination", code="650000")
    worker.back_to("city")
    worker.tap("city", code="")
    worker.back_to("intention")
    worker.back_to("party")
    worker.back_to("consent", then="id_number")
    worker.tap("consent", answer="yes", then="id_number")
    worker.back_to("other_document")
    worker.back_to("id_number")
    worker.tap("id-number", number="11010519491231002X")
    worker.back_to("home_province")
    worker.back_to("summary")
    worker.confirm()
    for response in worker.swaps:
        body = response.get_data(as_text=True).strip()
        assert response.status_code == 200, body
        assert len(response.get_data()) <= SWAP_BUDGET, (response.request.path, len(response.get_data()))
        step = re.match(r'<section id="(\w+)" class="reg-step"', body).group(1)
        assert body.endswith("</section>") and body.count('class="reg-step"') == 1, step
        assert response.headers["Cache-Control"] == "no-store"


def test_back_is_offered_on_every_step_and_leads_to_the_one_before(worker):
    worker.tap("direction", direction="work")
    worker.tap("prefecture", code="511100")
    worker.tap("county", code="511123")
    destination = worker.swaps[-1].get_data(as_text=True)
    assert 'hx-get="/register/step/county"' in destination
    county = worker.back_to("county").get_data(as_text=True)
    assert 'hx-get="/register/step/prefecture"' in county and "犍为县" in county
    prefecture = worker.back_to("prefecture").get_data(as_text=True)
    assert 'hx-get="/register/step/direction"' in prefecture
    assert 'href="/"' in worker.back_to("direction").get_data(as_text=True)


@pytest.mark.parametrize(
    "number, message",
    [
        ("110105194912310021", "身份证号不正确，请逐位核对。"),
        ("11010519490230002" + "X", "号码中的出生日期不对。"),
        ("1101051949123100", "身份证号是18位"),
        ("11010519491231002😀", "身份证号是18位"),
        ("1" * 5000, "输入的内容太长了。"),
    ],
)
def test_a_bad_id_number_is_refused_in_chinese_and_nothing_changes(app, worker, number, message):
    worker.tap("direction", direction="home")
    worker.tap("county", code="511102")
    worker.tap("consent", answer="yes", then="id_number")
    response = worker.tap("id-number", number=number)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert response.headers["HX-Retarget"] == "#alerts"
    summary = worker.back_to("summary").get_data(as_text=True)
    assert "…" not in summary  # no document was kept
    assert registrations(app) == []


@pytest.mark.parametrize(
    "number, message",
    [
        ("1380013800", "手机号是以1开头的11位数字。"),
        ("138001380000", "手机号是以1开头的11位数字。"),
        ("13800l38000", "只能输入数字。"),
        ("📱📱📱", "只能输入数字。"),
        ("", "请输入手机号。"),
    ],
)
def test_a_bad_phone_number_is_refused_in_chinese(worker, number, message):
    worker.tap("direction", direction="home")
    worker.tap("county", code="511102")
    worker.tap("consent", answer="yes", then="phone")
    response = worker.tap("phone", number=number)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_a_phone_posted_before_the_privacy_notice_is_refused(app, worker):
    worker.tap("direction", direction="home")
    worker.tap("county", code="511102")
    response = worker.tap("phone", number="13800138000")
    assert response.status_code == 400 and "请先阅读并同意个人信息保护说明" in response.get_data(as_text=True)
    declined = worker.tap("consent", answer="no", then="phone").get_data(as_text=True)
    assert 'id="summary"' in declined
    worker.confirm()
    assert registrations(app)[0].phone_hash is None


def test_other_documents_are_accepted_through_their_own_keypad(app, worker):
    worker.tap("direction", direction="home")
    worker.tap("county", code="511102")
    worker.tap("consent", answer="yes", then="id_number")
    worker.tap("other-document", number="H12345678")
    worker.confirm()
    (row,) = registrations(app)
    assert (row.document_kind, row.document_last4, len(row.document_hash)) == ("other", None, 64)


@pytest.mark.parametrize(
    "path, form",
    [
        ("prefecture", {"code": "440100"}),  # Guangzhou is not a Sichuan prefecture
        ("county", {"code": "510104"}),  # a Chengdu district while Leshan is chosen
        ("county", {"code": "999999"}),
        ("county", {"code": "<script>"}),
        ("county", {}),
        ("home-province", {"code": "510000"}),
    ],
)
def test_tampered_codes_are_refused_and_the_draft_is_unchanged(worker, path, form):
    worker.tap("direction", direction="home")
    worker.tap("prefecture", code="511100")
    response = worker.tap(path, **form)
    assert response.status_code == 400
    assert "这个选项不在列表中" in response.get_data(as_text=True)
    assert "犍为县" in worker.back_to("county").get_data(as_text=True)


@pytest.mark.parametrize(
    "path, form",
    [
        ("prefecture", {"code": "511100"}),
        ("county", {"code": "511123"}),
        ("destination", {"code": "440000"}),
        ("phone", {"number": "13800138000"}),
        ("confirm", {"token": "0" * 32}),
    ],
)
def test_a_later_step_without_the_earlier_ones_is_refused_and_saves_nothing(app, worker, path, form):
    response = worker.tap(path, **form)
    assert response.status_code == 400
    assert "请" in response.get_data(as_text=True)
    assert registrations(app) == []


def test_showing_a_step_whose_choices_are_missing_is_refused(worker):
    assert worker.back_to("summary").status_code == 400
    assert worker.back_to("nonsense").status_code == 400
    worker.tap("direction", direction="home")
    assert worker.back_to("destination").status_code == 400  # arriving home has no destination
    assert worker.back_to("phone").status_code == 400


def test_a_double_tap_on_confirm_saves_exactly_one_registration(app, worker):
    worker.tap("direction", direction="work")
    worker.tap("county", code="511102")
    worker.tap("destination", code="440000")
    token = worker.token()
    first = worker.tap("confirm", token=token)
    second = worker.tap("confirm", token=token)  # the session no longer holds the draft
    assert first.status_code == second.status_code == 200
    assert 'id="done"' in second.get_data(as_text=True)
    assert len(registrations(app)) == 1 and today_total(app) == 1


def test_two_taps_sent_before_either_answer_save_one_registration(app):
    """Both requests carry the same cookie (the draft), as a browser's double tap does."""
    client = app.test_client()
    worker = Worker(client)
    worker.tap("direction", direction="home")
    worker.tap("county", code="511102")
    token = worker.token()
    cookie = client.get_cookie("session").value
    other = app.test_client()
    other.set_cookie("session", cookie)
    assert worker.tap("confirm", token=token).status_code == 200
    assert Worker(other).tap("confirm", token=token).status_code == 200
    assert len(registrations(app)) == 1 and today_total(app) == 1


def test_reset_discards_a_half_finished_registration(app, worker, client):
    worker.tap("direction", direction="work")
    worker.tap("county", code="511102")
    worker.tap("destination", code="440000")
    worker.tap("consent", answer="yes", then="phone")
    worker.tap("phone", number="13800138000")
    token = worker.token()
    assert client.post("/reset").status_code == 303
    assert worker.tap("destination", code="330000").status_code == 400
    assert worker.tap("confirm", token=token).status_code == 400
    assert registrations(app) == []


def test_a_new_registration_forgets_the_previous_persons_details(app, worker):
    worker.tap("direction", direction="home")
    worker.tap("county", code="511102")
    worker.tap("consent", answer="yes", then="phone")
    worker.tap("phone", number="13800138000")
    worker.tap("direction", direction="home")  # the next person starts over
    summary = worker.tap("county", code="511102").get_data(as_text=True)
    assert "8000" not in summary
    worker.confirm()
    assert registrations(app)[0].phone_hash is None


def test_the_confirmation_offers_the_gift_pack_tile_and_notes_a_repeat_visit(worker):
    for _ in range(2):
        worker.tap("direction", direction="home")
        worker.tap("county", code="511102")
        worker.tap("consent", answer="yes", then="phone")
        worker.tap("phone", number="13800138000")
        done = worker.confirm().get_data(as_text=True)
    assert 'href="/packs/"' in done  # the gift-pack flow
    assert "这次记为再次到访" in done


def test_the_privacy_notice_names_purpose_retention_and_the_station_hotline(tmp_path):
    app = make_app(tmp_path, PII_RETENTION_DAYS=14)
    worker = Worker(app.test_client())
    worker.tap("direction", direction="home")
    worker.tap("county", code="511102")
    notice = worker.back_to("consent", then="phone").get_data(as_text=True)
    assert "用途" in notice and "14天后一并删除" in notice and "加密指纹" in notice and "0833-12345" in notice


def test_the_flow_works_in_english_too(client, worker):
    client.post("/language", data={"lang": "en"})
    assert "Coming home" in client.get("/register").get_data(as_text=True)
    assert "Where is your home?" in worker.tap("direction", direction="home").get_data(as_text=True)
    assert "Is this right?" in worker.tap("county", code="511102").get_data(as_text=True)


def test_without_htmx_each_step_is_a_whole_page(client):
    response = client.post("/register/direction", data={"direction": "home"})
    page = response.get_data(as_text=True)
    assert page.startswith("<!doctype html>") and 'id="prefecture"' in page


def test_common_destinations_can_be_configured(tmp_path):
    app = make_app(tmp_path, REGISTRATION_COMMON_DESTINATIONS="330000, 440000")
    worker = Worker(app.test_client())
    worker.tap("direction", direction="work")
    page = worker.tap("county", code="511102").get_data(as_text=True)
    assert page.index("浙江") < page.index("广东") < page.index("北京")


def test_expired_personal_fields_are_purged_on_the_first_request_of_a_day(tmp_path):
    app = make_app(tmp_path, PII_RETENTION_DAYS=1)
    worker = Worker(app.test_client())
    worker.tap("direction", direction="home")
    worker.tap("county", code="511102")
    worker.tap("consent", answer="yes", then="phone")
    worker.tap("phone", number="13800138000")
    worker.confirm()
    with app.app_context(), database.connection_context():
        Registration.update(created_at=clock.now() - datetime.timedelta(days=2)).execute()
    app.extensions["daily_purge"]["day"] = None  # as if the station-local day had turned
    app.test_client().get("/statusbar")
    assert registrations(app)[0].phone_hash is None


# Property-based: whatever arrives at the form endpoints, the kiosk answers
# calmly and only a confirm with a complete draft saves anything.

ENDPOINTS = [
    "direction", "prefecture", "county", "home-province", "destination", "city",
    "intention", "party", "consent", "phone", "id-number", "other-document", "confirm",
]
FIELDS = ["direction", "code", "intention", "children", "elderly", "answer", "then", "number", "token"]
values = st.one_of(
    st.sampled_from(["home", "work", "511100", "511102", "510104", "440000", "440300", "yes", "phone",
                     "13800138000", "11010519491231002X", "local", "3", "12", ""]),
    st.text(max_size=40),
)


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("fuzz"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(ENDPOINTS), st.dictionaries(st.sampled_from(FIELDS), values, max_size=4)),
                min_size=1, max_size=8))
def test_any_sequence_of_form_posts_is_answered_without_a_crash(shared_app, posts):
    client = shared_app.test_client()
    before = len(registrations(shared_app))
    confirmed = 0
    for endpoint, form in posts:
        response = client.post(f"/register/{endpoint}", data=form, headers=htmx_headers())
        assert response.status_code in (200, 400), (endpoint, form, response.status_code)
        if response.status_code == 400:
            assert response.headers["HX-Retarget"] == "#alerts"
        if endpoint == "confirm" and 'id="done"' in response.get_data(as_text=True):
            confirmed += 1
    assert before <= len(registrations(shared_app)) <= before + confirmed


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30))
def test_any_step_name_in_the_address_is_answered_without_a_crash(shared_app, step, then):
    response = shared_app.test_client().get(
        "/register/step/" + quote(step, safe=""), query_string={"then": then}, headers=htmx_headers()
    )
    assert response.status_code in (200, 308, 400, 404)  # 308: Werkzeug merging a doubled slash
