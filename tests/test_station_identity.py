"""One rule for a station's identity: provisioning, start-up and every sync batch apply the same."""

import pytest

from kiosk import stations
from kiosk import sync
from kiosk.errors import DomainError
from kiosk.models import database
from kiosk.sync import wire
from tests.conftest import make_app

LONG = "乐山" * 33  # 66 characters: passed provisioning, then made every pull 500


@pytest.mark.parametrize("name", [LONG, "=HYPERLINK(\"http://x\",\"点我\")", "+1", "@SUM(A1)", "乐山\r\n站", ""])
def test_a_station_name_that_could_not_travel_or_would_be_a_formula_stops_the_start(tmp_path, name):
    with pytest.raises(DomainError):
        make_app(tmp_path, STATION_NAME=name)


def test_a_64_character_chinese_name_is_fine_and_travels(tmp_path):
    name = "乐" * 64
    app = make_app(tmp_path, STATION_NAME=name)
    with app.app_context(), database.connection_context():
        page = sync.page(app.config["SYNC_TOKEN"], 0, 10)
    assert page["station"]["name"] == name
    wire.validate(page)


def test_the_wire_refuses_a_batch_whose_station_provisioning_would_refuse(app):
    with app.app_context(), database.connection_context():
        page = sync.page(app.config["SYNC_TOKEN"], 0, 10)
    for bad in (LONG, "=cmd|' /C calc'!A0"):
        with pytest.raises(wire.BatchRefused):
            wire.validate({**page, "station": {**page["station"], "name": bad}})


def test_the_identity_rule_names_the_problem():
    assert stations.identity_problem("leshan-kyzx", "乐山客运中心站", "511102") is None
    assert "64" in stations.identity_problem("leshan-kyzx", LONG, "511102")
    assert stations.identity_problem("leshan kyzx", "乐山", "511102")
    assert stations.identity_problem("leshan-kyzx", "乐山", "5111")
