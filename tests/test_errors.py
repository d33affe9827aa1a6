from tests.conftest import htmx_headers
from tests.conftest import make_app


def test_an_unknown_page_is_a_chinese_404_with_a_way_home(client):
    response = client.get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "没有找到这个页面" in page
    assert 'href="/"' in page


def test_a_wrong_method_is_a_405_in_the_users_language(client):
    client.post("/language", data={"lang": "en"})
    response = client.delete("/")
    assert response.status_code == 405
    assert "Not allowed" in response.get_data(as_text=True)


def test_an_oversized_body_is_refused_and_the_kiosk_keeps_serving(client):
    response = client.post("/language", data={"lang": "en", "padding": "x" * 100_000})
    assert response.status_code == 413
    assert "提交的内容太多" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_a_crash_shows_a_calm_page_without_a_traceback_and_serving_continues(tmp_path):
    app = make_app(tmp_path, TESTING=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    client = app.test_client()
    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "出了点问题" in page
    assert "secret internals" not in page and "Traceback" not in page
    assert client.get("/").status_code == 200


def test_htmx_errors_are_retargeted_to_the_alert_area(client):
    response = client.post("/language", data={"lang": "xx"}, headers=htmx_headers())
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#alerts"
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="alert"')
    assert "暂不支持这种语言" in body
