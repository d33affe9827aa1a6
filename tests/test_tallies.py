import datetime

import pytest

from kiosk import counts
from kiosk import tallies
from kiosk.errors import DomainError
from kiosk.models import database
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers
from tests.conftest import make_app

MORNING = datetime.datetime(2027, 1, 20, 1, 0)  # 09:00 in Leshan
DAY = datetime.date(2027, 1, 20)


@pytest.fixture
def volunteer(app):
    return add_volunteer(app)


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield


def test_a_tap_counts_the_people_served_today(db, volunteer):
    tallies.tap("tea_water", volunteer, now=MORNING)
    tallies.tap("tea_water", volunteer, people=4, now=MORNING)
    assert counts.value("tallies", DAY, service="tea_water") == 5


def test_the_last_tap_can_be_undone_within_a_minute(db, volunteer):
    tap = tallies.tap("medicine", volunteer, people=2, now=MORNING)
    tallies.undo(tap.id, volunteer, now=MORNING + datetime.timedelta(seconds=50))
    assert counts.value("tallies", DAY, service="medicine") == 0
    with pytest.raises(DomainError):
        tallies.undo(tap.id, volunteer, now=MORNING + datetime.timedelta(seconds=55))


def test_an_old_tap_or_an_earlier_one_cannot_be_undone(db, volunteer):
    first = tallies.tap("guidance", volunteer, now=MORNING)
    second = tallies.tap("guidance", volunteer, now=MORNING)
    with pytest.raises(DomainError):
        tallies.undo(first.id, volunteer, now=MORNING)
    with pytest.raises(DomainError):
        tallies.undo(second.id, volunteer, now=MORNING + datetime.timedelta(minutes=2))
    assert counts.value("tallies", DAY, service="guidance") == 2


def test_nobody_can_undo_another_volunteers_tap(app, db, volunteer):
    other = add_volunteer(app, name="张伟", pin="135792")
    tap = tallies.tap("care", volunteer, now=MORNING)
    with pytest.raises(DomainError):
        tallies.undo(tap.id, other, now=MORNING)


@pytest.mark.parametrize("people", [0, -3, 51, "4"])
def test_impossible_people_counts_are_refused_and_change_nothing(db, volunteer, people):
    with pytest.raises(DomainError):
        tallies.tap("care", volunteer, people=people, now=MORNING)
    assert counts.value("tallies", DAY, service="care") == 0


def test_a_service_the_station_does_not_count_is_refused(db, volunteer):
    with pytest.raises(DomainError):
        tallies.tap("road_rescue", volunteer, allowed=("tea_water",), now=MORNING)


def test_a_station_cannot_be_configured_with_unknown_services(tmp_path):
    with pytest.raises(ValueError):
        make_app(tmp_path, TALLY_SERVICES=["tea_water", "karaoke"])


def test_tapping_on_the_console_updates_the_number_shown(app, client, auth, volunteer):
    auth.sign_in(volunteer)
    response = client.post("/volunteer/tallies/", data={"service": "tea_water", "people": "3"}, headers=htmx_headers())
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="tallies"')
    assert '<span class="tally-count" aria-label="今天">3</span>' in body
    assert "已记录：茶水 × 3" in body


def test_a_negative_count_from_the_console_is_refused(client, auth, volunteer):
    auth.sign_in(volunteer)
    response = client.post("/volunteer/tallies/", data={"service": "tea_water", "people": "-2"}, headers=htmx_headers())
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#alerts"


def test_tallies_cannot_be_tapped_without_signing_in(app, client):
    response = client.post("/volunteer/tallies/", data={"service": "tea_water"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/volunteer/sign-in")
    with app.app_context(), database.connection_context():
        assert counts.changed_since(0) == []
