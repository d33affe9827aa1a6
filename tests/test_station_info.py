"""The station on screens is read once per request, and never shown stale."""

from kiosk import stations
from kiosk.models import Station
from kiosk.models import database
from kiosk.views import station_info


def test_the_status_bar_shows_the_station(client):
    assert "乐山客运中心站" in client.get("/statusbar").get_data(as_text=True)


def test_a_station_provisioned_during_a_request_is_shown_at_once(app):
    with app.test_request_context("/"), database.connection_context():
        assert station_info.current().name == "乐山客运中心站"
        stations.provision("leshan-kyzx", "乐山高铁站", "511102", "0833-12345")
        assert station_info.current().name == "乐山高铁站"
        assert station_info.lazy.name == "乐山高铁站"


def test_the_next_request_reads_the_station_again_even_in_a_shared_app_context(app, client):
    # Flask reuses an app context that is already pushed (tests, CLI), and g lives there.
    with app.app_context():
        assert "乐山客运中心站" in client.get("/statusbar").get_data(as_text=True)
        with database.connection_context():
            Station.update(name="乐山高铁站").execute()
        assert "乐山高铁站" in client.get("/statusbar").get_data(as_text=True)


def test_a_page_without_a_station_yet_says_service_point(app, client):
    with app.app_context(), database.connection_context():
        database.execute_sql("DELETE FROM kiosk")
    page = client.get("/statusbar").get_data(as_text=True)
    assert "乐山客运中心站" not in page and "服务站" in page


def test_prompts_changed_during_a_request_are_read_again_with_the_station(app):
    """The prompt settings come with the station (one read per request) and are never stale, down to 0."""
    with app.test_request_context("/"), database.connection_context():
        assert station_info.prompt_settings() == stations.PromptSettings(volume=80, muted=False)
        for _ in range(10):
            stations.change_prompts("quieter")
        stations.change_prompts("mute")
        assert station_info.prompt_settings() == stations.PromptSettings(volume=0, muted=True)
        assert station_info.current().name == "乐山客运中心站"
