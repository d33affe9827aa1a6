import re
from pathlib import Path

from tests.conftest import htmx_headers

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"


def test_home_is_in_chinese_with_the_station_and_every_service(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page
    assert "乐山客运中心站" in page
    for label in ("登记", "领取礼包", "行李寄存", "服务", "志愿者"):
        assert label in page


def test_switching_to_english_changes_the_words_and_returns_to_the_page(client):
    response = client.post("/language", data={"lang": "en", "next": "/soon/pack"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/soon/pack"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Register" in page and "Gift pack" in page
    assert "中文" in page  # the way back, in its own language


def test_an_unknown_language_is_refused_in_chinese_and_nothing_changes(client):
    response = client.post("/language", data={"lang": "xx"})
    assert response.status_code == 400
    assert "暂不支持这种语言" in response.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in client.get("/").get_data(as_text=True)


def test_the_language_switch_never_redirects_off_the_kiosk(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil"):
        response = client.post("/language", data={"lang": "en", "next": target})
        assert response.headers["Location"] == "/"


def test_reset_forgets_the_language_and_returns_home(client):
    client.post("/language", data={"lang": "en"})
    response = client.post("/reset")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert '<html lang="zh-Hans">' in client.get("/").get_data(as_text=True)


def test_home_at_rest_needs_no_idle_reset_but_other_pages_do(client):
    assert 'data-idle-needed="false"' in client.get("/").get_data(as_text=True)
    assert 'data-idle-needed="true"' in client.get("/soon/luggage").get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    assert 'data-idle-needed="true"' in client.get("/").get_data(as_text=True)


def test_the_status_bar_partial_is_one_element_that_refreshes_itself(client):
    response = client.get("/statusbar", headers=htmx_headers())
    body = response.get_data(as_text=True).strip()
    assert body.startswith('<header id="statusbar"') and body.endswith("</header>")
    assert 'hx-trigger="every 30s"' in body
    assert "HX-Request" in response.headers["Vary"]


def test_pages_and_static_files_reference_no_external_urls(client):
    pages = [client.get(url).get_data(as_text=True) for url in ("/", "/soon/register", "/nowhere")]
    static = [p.read_text() for p in (KIOSK / "static").glob("*.*")]
    for text in pages + static:
        urls = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, flags=re.I)
        assert urls == []


def test_htmx_is_vendored_with_its_version_in_the_file_name(client):
    vendored = list((KIOSK / "static" / "vendor").glob("htmx-*.min.js"))
    assert len(vendored) == 1
    version = re.search(r"htmx-(\d+\.\d+\.\d+)\.min\.js", vendored[0].name).group(1)
    assert f'version:"{version}"' in vendored[0].read_text()
    with client.get(f"/static/vendor/{vendored[0].name}") as response:
        assert response.status_code == 200


def test_every_control_on_home_has_an_accessible_name(client):
    page = client.get("/").get_data(as_text=True)
    for control in re.findall(r"<(?:a|button)\b[^>]*>.*?</(?:a|button)>", page, flags=re.S):
        visible_text = re.sub(r"<svg.*?</svg>|<[^>]+>", "", control, flags=re.S).strip()
        assert visible_text or "aria-label=" in control, control


def test_the_home_screen_ends_the_visit_on_the_server_but_keeps_the_language(client):
    with client.session_transaction() as session:
        session.update({"registration": {"x": 1}, "registration_done": "tok", "pack_vouchers": ["ABCD2345"],
                        "volunteer_id": 1, "volunteer_seen": 1.0, "lang": "en", "some_future_key": 1})
    client.get("/")
    with client.session_transaction() as session:
        assert set(session) <= {"lang", "csrf_token"}
        assert session["lang"] == "en"


def test_the_idle_reset_forgets_the_language_too(client):
    with client.session_transaction() as session:
        session.update({"registration_done": "tok", "lang": "en"})
    client.post("/reset")
    with client.session_transaction() as session:
        assert "lang" not in session and "registration_done" not in session
