"""The office's content channel at the kiosk: verify, store, expire; refuse replays, old versions,
other places, bad signatures and unknown keys, each with a log line."""

import datetime
import json
import logging

import pytest

from kiosk import help as help_domain
from kiosk import keys
from kiosk.help import jobs
from kiosk.models import database
from tests.conftest import make_app
from tests.help_factory import OFFICE_DAY
from tests.help_factory import clock
from tests.help_factory import item
from tests.help_factory import job_body
from tests.help_factory import office_key

STATION = "leshan-kyzx"
COUNTY = "511102"


@pytest.fixture
def key():
    return office_key()


@pytest.fixture
def kiosk(tmp_path, key):
    app = make_app(tmp_path, OFFICE_PUBLIC_KEY=keys.public_text(key))
    with app.app_context(), database.connection_context():
        yield app


def receive(*items, now=None):
    return help_domain.receive(list(items), STATION, COUNTY, now=now)


def live_jobs(today=OFFICE_DAY):
    return [p.item_id for p in jobs.postings(COUNTY, today=today)]


def test_a_signed_posting_for_this_city_is_stored_and_listed(kiosk, key):
    received = receive(item(key))
    assert received.accepted == ["job-1"]
    assert live_jobs() == ["job-1"]
    assert jobs.postings(COUNTY, today=OFFICE_DAY)[0].local


def test_receiving_the_same_delivery_twice_changes_nothing(kiosk, key, caplog):
    posting = item(key)
    receive(posting)
    with caplog.at_level(logging.INFO, logger="kiosk.help.content"):
        again = receive(posting)
    assert again.accepted == [] and again.unchanged == ["job-1"]
    assert "replay ignored: job job-1 v1" in caplog.text
    assert live_jobs() == ["job-1"]


def test_a_newer_version_replaces_the_posting_and_an_older_one_is_refused_with_a_log_line(kiosk, key, caplog):
    receive(item(key, version=1))
    receive(item(key, version=2, body=job_body(title="架子工")))
    with caplog.at_level(logging.WARNING, logger="kiosk.help.content"):
        old = receive(item(key, version=1))
    assert old.refused == [("job-1", "older version 1: version 2 is held")]
    assert "content refused: job job-1 v1: older version 1: version 2 is held" in caplog.text
    assert jobs.postings(COUNTY, today=OFFICE_DAY)[0].title == "架子工"


def test_the_same_version_with_other_content_is_refused_as_a_replay(kiosk, key):
    receive(item(key, version=3))
    forged = receive(item(key, version=3, body=job_body(pay_max=99000)))
    assert "already held with other content" in forged.refused[0][1]
    assert jobs.postings(COUNTY, today=OFFICE_DAY)[0].pay_max == 9000


def test_a_tampered_item_is_refused_for_its_signature(kiosk, key, caplog):
    posting = item(key)
    posting["body"]["pay_max"] = 20000
    with caplog.at_level(logging.WARNING, logger="kiosk.help.content"):
        received = receive(posting)
    assert received.refused == [("job-1", "bad signature")]
    assert "content refused: job job-1 v1: bad signature" in caplog.text
    assert live_jobs() == []


def test_an_item_signed_by_another_key_is_refused_naming_the_key(kiosk, key):
    stranger = office_key()
    received = receive(item(stranger))
    assert received.refused[0][1].startswith(f"signed by unknown office key {keys.key_id(stranger.verify_key)}")
    assert live_jobs() == []


def test_a_bundle_for_another_city_is_refused_and_one_for_the_province_taken(kiosk, key, caplog):
    chengdu = item(key, item_id="job-cd", scope=("city", "510100"), body=job_body(place_code="510104"))
    province = item(key, item_id="job-sc", scope=("province", "510000"), body=job_body(place_code="510104"))
    other_station = item(key, item_id="job-st", scope=("station", "emeishan"))
    with caplog.at_level(logging.WARNING, logger="kiosk.help.content"):
        received = receive(chengdu, province, other_station)
    assert received.accepted == ["job-sc"]
    assert [i for i, _ in received.refused] == ["job-cd", "job-st"]
    assert "meant for another place (city 510100), not station leshan-kyzx in county 511102" in caplog.text
    assert live_jobs() == ["job-sc"]


def test_a_malformed_item_is_refused_and_the_rest_of_the_delivery_goes_on(kiosk, key):
    broken = item(key, item_id="job-x", body=job_body(sector="astronaut"))
    received = receive(broken, item(key))
    assert received.refused[0][0] == "job-x" and "sector" in received.refused[0][1]
    assert received.accepted == ["job-1"]


def test_a_delivery_that_is_not_json_is_refused_whole(kiosk, key):
    with pytest.raises(help_domain.ItemRefused):
        help_domain.receive_delivery(b'{"format": "nuantu-content-delivery/1", "items": [', _station())


def _station():
    from kiosk import stations

    return stations.current()


# Expiry judged by the office's date ------------------------------------------------


def at(day, hour=4):
    """A naive UTC moment that is `day` at noon in Leshan."""
    return datetime.datetime.combine(day, datetime.time(hour))


def test_postings_expire_on_the_office_date_plus_days_elapsed(kiosk, key):
    receive(clock(key, OFFICE_DAY), item(key, valid_until=OFFICE_DAY + datetime.timedelta(days=2)),
            now=at(OFFICE_DAY))
    assert help_domain.office_today(now=at(OFFICE_DAY + datetime.timedelta(days=2))) == OFFICE_DAY + datetime.timedelta(days=2)
    assert [p.item_id for p in jobs.postings(COUNTY, today=help_domain.office_today(
        now=at(OFFICE_DAY + datetime.timedelta(days=2))))] == ["job-1"]
    assert jobs.postings(COUNTY, today=help_domain.office_today(now=at(OFFICE_DAY + datetime.timedelta(days=3)))) == []


def test_a_kiosk_clock_years_behind_does_not_bring_back_an_expired_posting(kiosk, key):
    way_back = datetime.date(2019, 5, 1)
    expired = item(key, item_id="job-old", valid_until=OFFICE_DAY - datetime.timedelta(days=1))
    current = item(key, item_id="job-new", valid_until=OFFICE_DAY + datetime.timedelta(days=5))
    receive(clock(key, OFFICE_DAY), expired, current, now=at(way_back))
    today = help_domain.office_today(now=at(way_back))
    assert today == OFFICE_DAY
    assert [p.item_id for p in jobs.postings(COUNTY, today=today)] == ["job-new"]


def test_a_kiosk_clock_years_ahead_does_not_hide_a_current_posting(kiosk, key):
    far_ahead = datetime.date(2031, 8, 1)
    receive(clock(key, OFFICE_DAY), item(key, valid_until=OFFICE_DAY + datetime.timedelta(days=5)),
            now=at(far_ahead))
    today = help_domain.office_today(now=at(far_ahead + datetime.timedelta(days=1)))
    assert today == OFFICE_DAY + datetime.timedelta(days=1)
    assert live_jobs(today) == ["job-1"]


def test_an_old_clock_item_is_refused_and_does_not_move_the_office_date_back(kiosk, key):
    receive(clock(key, OFFICE_DAY), now=at(OFFICE_DAY))
    stale = receive(clock(key, OFFICE_DAY - datetime.timedelta(days=10)), now=at(OFFICE_DAY))
    assert "older version" in stale.refused[0][1]
    assert help_domain.office_today(now=at(OFFICE_DAY)) == OFFICE_DAY


def test_an_expired_item_keeps_its_version_so_a_replay_stays_refused(kiosk, key):
    posting = item(key, valid_until=OFFICE_DAY)
    receive(clock(key, OFFICE_DAY), posting, now=at(OFFICE_DAY))
    receive(clock(key, OFFICE_DAY + datetime.timedelta(days=3)), now=at(OFFICE_DAY + datetime.timedelta(days=3)))
    held = help_domain.ContentItem.get(help_domain.ContentItem.item_id == "job-1")
    assert held.expired == 1 and json.loads(held.body) == {}
    again = receive(posting, now=at(OFFICE_DAY + datetime.timedelta(days=3)))
    assert again.accepted == [] and live_jobs(OFFICE_DAY + datetime.timedelta(days=3)) == []


# Key rotation ------------------------------------------------------------------------


def rotation(old, new, version=1):
    return item(old, "key", f"key-{keys.key_id(new.verify_key)}", version, ("province", "510000"),
                {"public_key": keys.public_text(new)}, valid_until=None)


def test_a_new_key_signed_by_the_old_one_is_trusted_and_the_old_one_retired(kiosk, key):
    new = office_key()
    received = receive(rotation(key, new), item(new, item_id="job-2"))
    assert received.accepted == [f"key-{keys.key_id(new.verify_key)}", "job-2"]
    assert help_domain.current_key().key_id == keys.key_id(new.verify_key)
    late = receive(item(key, item_id="job-3"))
    assert "retired since key" in late.refused[0][1]


def test_a_new_key_signed_by_a_stranger_is_refused(kiosk, key):
    stranger, new = office_key(), office_key()
    received = receive(rotation(stranger, new))
    assert received.refused and help_domain.current_key().key_id == keys.key_id(key.verify_key)
    assert receive(item(new)).refused


def test_re_provisioning_trusts_the_new_key_and_restarting_on_the_old_file_does_not_undo_a_rotation(kiosk, key):
    new = office_key()
    receive(rotation(key, new))
    assert help_domain.trust_provisioned(keys.public_text(key)) is False  # the old provisioning file again
    assert help_domain.current_key().key_id == keys.key_id(new.verify_key)
    replacement = office_key()
    assert help_domain.trust_provisioned(keys.public_text(replacement)) is True
    assert help_domain.current_key().key_id == keys.key_id(replacement.verify_key)
    assert receive(item(new)).refused


def test_a_kiosk_without_an_office_key_refuses_content(tmp_path, key):
    app = make_app(tmp_path)
    with app.app_context(), database.connection_context():
        received = receive(item(key))
    assert received.refused == [("job-1", "no office key is provisioned on this kiosk")]


def test_another_feature_gets_its_kind_through_a_handler(kiosk, key):
    seen = []
    help_domain.on_item("trips", seen.append)
    try:
        receive(item(key, "trips", "trips-1", body={"route": "乐山→深圳"}))
    finally:
        help_domain.content._handlers.pop("trips")
    assert [i["id"] for i in seen] == ["trips-1"]
