from kiosk.models import database


def test_healthz_reports_database_station_and_version(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["station"] == "leshan-kyzx"
    assert len(body["kiosk_id"]) == 32
    assert body["version"]
    assert "printer" in body
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_says_503_when_the_database_is_gone(app, client):
    with app.app_context(), database.connection_context():
        database.execute_sql("DROP TABLE kiosk")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("error")
