"""返岗专车 at the office: each kiosk's trips (on the road, overdue check-ins) reach the office's page, nothing personal
travels, bad records are refused, and a county bureau sees only its own stations' trips."""

import datetime
import json

import pytest

from kiosk import sync
from kiosk import trips
from kiosk.central import pull
from kiosk.central import registry
from kiosk.central import users
from kiosk.central.models import database as central_db
from kiosk.central.models import History
from kiosk.central.models import Station
from kiosk.central.models import TripStatus
from kiosk.central.models import utcnow
from kiosk.models import database as kiosk_db
from kiosk.sync import wire
from tests.central.conftest import OfficeAuth
from tests.central.conftest import PASSWORD
from tests.central.conftest import register
from tests.central.conftest import STATIONS
from tests.central.test_pull import pull_all

ESCORT, ESCORT_PHONE = "李强", "13812345678"


def put_trips(kiosk, now=None):
    """On one kiosk: a bus to 深圳 that left 5 h ago (check-in 3 h overdue), a train that left 30 min ago, one boarding
    tomorrow. Returns the trip ids (late, on the road, boarding)."""
    now = now or utcnow()
    with kiosk.app.app_context(), kiosk_db.connection_context():
        made = []
        for mode, dest, left in (("bus", "440300", 5), ("train", "350100", 0.5), ("bus", "440000", -24)):
            departs = now - datetime.timedelta(hours=left)
            spec = trips.check_spec(mode, dest, "乐山客运中心站北门", departs.replace(tzinfo=datetime.UTC), 45, ESCORT,
                                    ESCORT_PHONE, now=departs - datetime.timedelta(days=1))
            trip = trips.define(spec)
            if left > 0:
                trips.depart(trip.id, None, now=departs)
            made.append(trip.id)
    return made


def kiosk_page(client, token, query="since=0&trips=1"):
    return client.get(f"/sync/cells?{query}", headers={"Authorization": f"Bearer {token}"})


def test_a_pull_brings_the_trips_and_the_page_lists_the_overdue_one_first_in_red(central_app, kiosks):
    kiosk = kiosks()
    late, road, boarding = put_trips(kiosk)
    with central_app.app_context(), central_db.connection_context():
        register("bus station", kiosk)
        assert not pull_all(central_app).failed
        stored = {s.trip_id: s for s in TripStatus.select(TripStatus, Station).join(Station)}
        users.add("省厅", PASSWORD, role="viewer", scope="")
    assert set(stored) == {late, road, boarding}
    assert stored[late].state == "departed" and stored[late].overdue and stored[late].province == "440000"
    assert stored[late].city == "440300" and stored[road].mode == "train" and not stored[road].overdue
    assert stored[boarding].state == "open" and stored[boarding].next_due_at is None and stored[boarding].seats == 45

    client = central_app.test_client()
    OfficeAuth(client).sign_in("省厅")
    dashboard = client.get("/").get_data(as_text=True)
    assert 'id="nav-trips"' in dashboard  # linked from the dashboard, which also says a check-in is overdue
    assert "在途的 2 班专车专列中有 1 班报平安超时" in dashboard
    page = client.get("/trips").get_data(as_text=True)
    rows = page.split('id="trip-table"')[1].split("</table>")[0].split("<tr")[2:]
    assert [f'data-trip="{t}"' in row for row, t in zip(rows, (late, road, boarding), strict=True)] == [True] * 3
    assert 'class="row-overdue"' in rows[0] and "row-overdue" not in rows[1] + rows[2]
    assert "深圳市" in rows[0] and ("超时 3 小时 0 分钟" in rows[0] or "超时 3 小时 1 分钟" in rows[0])
    # The station's own page shows its trips too.
    station = client.get(f"/station/{stored[late].station.code}").get_data(as_text=True)
    assert f'data-trip="{late}"' in station


def test_a_newer_report_replaces_the_list_and_an_older_bundle_changes_nothing(central, kiosks, tmp_path):
    kiosk = kiosks()
    late, road, _ = put_trips(kiosk)
    with kiosk.app.app_context(), kiosk_db.connection_context():
        old = sync.write_bundle(tmp_path / "old.json", kiosk.token, trips.statuses(2))
        trips.arrive(road, None)
        trips.check_in_safe(late, None)
        sync.write_bundle(tmp_path / "new.json", kiosk.token, trips.statuses(2))
    registry.register("bus station", "-", kiosk.token)
    # generated_at has one-second steps: make the old bundle plainly older.
    older = dict(old, generated_at="2020-01-01T00:00:00Z")
    wire.write_document(tmp_path / "old.json", wire.sign(older, kiosk.token))
    pull.import_bundle(tmp_path / "new.json")
    pull.import_bundle(tmp_path / "old.json")
    stored = {s.trip_id: s for s in TripStatus.select()}
    assert stored[road].state == "arrived" and not stored[late].overdue


def test_nothing_personal_is_in_the_trips_part_and_an_older_office_gets_none(kiosks):
    kiosk = kiosks()
    put_trips(kiosk)
    client = kiosk.app.test_client()
    sent = kiosk_page(client, kiosk.token).get_json()
    assert len(sent["trips"]) == 3
    assert set(sent["trips"][0]) == wire.TRIP_FIELDS
    text = json.dumps(sent, ensure_ascii=False)
    assert ESCORT not in text and ESCORT_PHONE not in text and ESCORT_PHONE[-4:] not in text
    # An office that does not ask (older than trips) gets the batch it knows, which its own check accepts.
    plain = kiosk_page(client, kiosk.token, "since=0").get_json()
    assert "trips" not in plain
    assert set(wire.validate(plain)) == wire.BATCH_FIELDS


def good_batch():
    return {
        "format": wire.FORMAT, "kiosk": "a" * 32, "key": "b" * 16,
        "station": {"code": STATIONS[0][0], "name": STATIONS[0][1], "county": STATIONS[0][2]},
        "since": 0, "next": 0, "head": 0, "more": False, "generated_at": "2027-01-20T08:00:00Z", "cells": [],
        "trips": [{"id": 7, "mode": "bus", "province": "440000", "city": "440300", "place": "北门",
                   "departs_at": "2027-01-20T00:00:00Z", "seats": 45, "booked": 5, "boarded": 4, "state": "departed",
                   "last_check_in_at": "2027-01-20T02:00:00Z", "next_due_at": "2027-01-20T04:00:00Z",
                   "overdue": True}],
    }


@pytest.mark.parametrize("change", [
    lambda t: t.update(escort_name=ESCORT),  # a field outside the whitelist
    lambda t: t.pop("overdue"),
    lambda t: t.update(mode="plane"),
    lambda t: t.update(province="440300"),  # a city where the province goes
    lambda t: t.update(city="510100"),  # a city of another province
    lambda t: t.update(place="x" * 65),
    lambda t: t.update(place=ESCORT_PHONE + "\n"),
    lambda t: t.update(seats=2001),
    lambda t: t.update(booked=-1),
    lambda t: t.update(state="lost"),
    lambda t: t.update(next_due_at="tomorrow"),
    lambda t: t.update(departs_at="2027-01-20T00:00:00"),  # no zone
    lambda t: t.update(overdue="yes"),
    lambda t: t.update(id=True),
])
def test_a_bad_trip_record_is_refused(change):
    wire.validate(good_batch())
    batch = good_batch()
    change(batch["trips"][0])
    with pytest.raises(wire.BatchRefused):
        wire.validate(batch)


def test_too_many_or_duplicate_trips_are_refused():
    batch = good_batch()
    batch["trips"] = batch["trips"] * 2
    with pytest.raises(wire.BatchRefused, match="duplicate trip"):
        wire.validate(batch)
    batch["trips"] = [dict(batch["trips"][0], id=n) for n in range(wire.MAX_TRIPS + 1)]
    with pytest.raises(wire.BatchRefused, match="trips"):
        wire.validate(batch)


def test_a_signed_bundle_with_a_bad_trip_is_refused_with_a_clear_line_and_changes_nothing(central, tmp_path):
    token = "bundle-token-0123456789abcdef"
    registry.register("bus station", "-", token)
    batch = good_batch()
    batch["key"] = wire.key_id(token)
    batch["trips"][0]["escort_phone"] = ESCORT_PHONE
    wire.write_document(tmp_path / "bad.json", wire.sign(batch, token))
    with pytest.raises(wire.BatchRefused) as refused:
        pull.import_bundle(tmp_path / "bad.json")
    assert "trip fields" in str(refused.value)
    assert TripStatus.select().count() == 0
    result = central.test_cli_runner().invoke(args=["import", str(tmp_path / "bad.json")])
    assert result.exit_code != 0 and "trip fields" in result.output
    assert TripStatus.select().count() == 0


def test_a_county_user_sees_only_its_stations_trips(central_app, kiosks, tmp_path):
    """Two stations in different counties; the 市中区 bureau's pages hold only 乐山客运中心站's trips."""
    made = {}
    for code, name, county in STATIONS[:2]:
        token = f"token-{code}-0123456789abcdef"
        kiosk = kiosks(f"k-{code}", SYNC_TOKEN=token, STATION=code, STATION_NAME=name, STATION_COUNTY=county)
        made[code] = put_trips(kiosk)
        with kiosk.app.app_context(), kiosk_db.connection_context():
            sync.write_bundle(tmp_path / f"{code}.json", token, trips.statuses(2))
        kiosk.stop()
        with central_app.app_context(), central_db.connection_context():
            registry.register(name, "-", token)
            pull.import_bundle(tmp_path / f"{code}.json")
            users.add(f"{county}局", PASSWORD, role="viewer", scope=county)
    client = central_app.test_client()
    assert OfficeAuth(client).sign_in("511102局").status_code == 303
    assert "在途的 2 班专车专列中有 1 班报平安超时" in client.get("/").get_data(as_text=True)  # not 4 and 2
    page = client.get("/trips").get_data(as_text=True)
    assert "乐山客运中心站" in page and "峨眉山汽车站" not in page
    assert page.count("data-trip=") == 3
    # Asking for a wider region or the other station's page does not widen the scope.
    assert "峨眉山汽车站" not in client.get("/trips?region=510000").get_data(as_text=True)
    assert client.get("/station/emei-bus").status_code == 404
    with central_app.app_context(), central_db.connection_context():
        assert TripStatus.select().count() == 6


def test_the_daytime_trips_only_pull_refreshes_trips_and_leaves_the_counts_to_the_evening(central_app, kiosks):
    kiosk = kiosks()
    late, road, _ = put_trips(kiosk)
    with central_app.app_context(), central_db.connection_context():
        register("bus station", kiosk)
        assert not pull_all(central_app).failed
        cursor = History.get(History.registered == registry.get("bus station").id).cursor
        # A kiosk that reported no trip out is not asked during the day (this one would not even answer).
        registry.register("quiet station", "http://127.0.0.1:9", "another-token-0123456789abcdef")
    with kiosk.app.app_context(), kiosk_db.connection_context():
        trips.check_in_safe(late, None)
        trips.arrive(road, None)
    kiosk.count("registrations", delta=2, direction="home", county="511102")
    result = central_app.test_cli_runner().invoke(args=["pull", "--trips-only"])
    assert result.exit_code == 0, result.output
    assert "bus station: ok, 3 trips" in result.output and "quiet station" not in result.output
    with central_app.app_context(), central_db.connection_context():
        stored = {s.trip_id: s for s in TripStatus.select()}
        assert History.get(History.registered == registry.get("bus station").id).cursor == cursor
    assert not stored[late].overdue and stored[late].next_due_at > utcnow() and stored[road].state == "arrived"
