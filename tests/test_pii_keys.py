"""Crypto-shredding: one fingerprint key a week, destroyed by the retention purge (kiosk.pii_keys).

Someone who copies the kiosk's disk after the purge, database and key files and
secrets.json alike, must not be able to match a known phone number to anything
that was stored about it, even in a copy of the database taken while it was kept.
And while the data is kept, a number is still recognised across a week's start.
"""

import datetime
import shutil
import stat

import pytest

from kiosk import clock
from kiosk import personal_data
from kiosk import pii_keys
from kiosk import registration
from kiosk import retention
from kiosk import trips
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.models import database
from kiosk.registration import Registration
from tests.vouchers_factory import stock_station

PHONE = "13800138000"
MONDAY = datetime.datetime(2027, 1, 18, 2, 0)  # a Monday, 10:00 in Leshan: the week starts 00:00 UTC
SUNDAY_NIGHT = datetime.datetime(2027, 1, 24, 23, 30)  # 07:30 on Monday the 25th in Leshan, last week's key
MONDAY_AFTER = datetime.datetime(2027, 1, 25, 0, 30)  # 08:30 the same Leshan morning, this week's key
RETENTION_DAYS = 30


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield


def register_phone(now, number=PHONE):
    draft = registration.choose_home(registration.start("home"), "511102", "511102")
    draft = registration.answer_consent(draft, "yes")
    draft = registration.add_phone(draft, number, pii_keys.ring(now))
    return draft, registration.register(draft, now=now)


def disk_copy(app, tmp_path, name):
    """Copy what a thief would take: the database (checkpointed), secrets.json and the key folder."""
    database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    target = tmp_path / name
    target.mkdir()
    shutil.copy(tmp_path / "kiosk.sqlite3", target / "kiosk.sqlite3")
    shutil.copy(tmp_path / "instance" / "secrets.json", target / "secrets.json")
    if (tmp_path / "instance" / "pii-keys").exists():
        shutil.copytree(tmp_path / "instance" / "pii-keys", target / "pii-keys")
    else:
        (target / "pii-keys").mkdir()
    return target


def number_found(database_copy, key_folder, pii_key, number=PHONE):
    """The attack: fingerprint a known number under every key on the disk, look for it in a database file."""
    pii_keys.configure(key_folder, pii_key)
    ring = pii_keys.ring(create=False) + (pii_key,)  # every week key on the disk, and PII_KEY alone
    stored = database_copy.read_bytes()
    return any(h.encode() in stored for h in personal_data.fingerprint("phone", number, ring).matches)


def test_a_disk_taken_after_the_purge_cannot_match_a_known_number_even_in_an_old_copy(app, db, tmp_path):
    register_phone(MONDAY)
    kept = disk_copy(app, tmp_path, "while-kept")
    pii_key = app.config["PII_KEY"]
    # While the week's key lives, the disk gives the number away: that is why it must be destroyed.
    assert number_found(kept / "kiosk.sqlite3", kept / "pii-keys", pii_key)

    pii_keys.configure(app.config["PII_KEY_DIR"], pii_key)
    purge_day = MONDAY + datetime.timedelta(days=7 + RETENTION_DAYS)
    retention.purge_personal_data(RETENTION_DAYS, now=purge_day)
    taken = disk_copy(app, tmp_path, "after-purge")

    assert list((taken / "pii-keys").glob("*.key")) == []  # the week's key is gone, overwritten first
    # The old copy of the database still holds the fingerprint: with today's disk nothing matches it.
    assert not number_found(kept / "kiosk.sqlite3", taken / "pii-keys", pii_key)
    assert not number_found(taken / "kiosk.sqlite3", taken / "pii-keys", pii_key)
    pii_keys.configure(app.config["PII_KEY_DIR"], pii_key)
    assert Registration.get().phone_hash is None


def test_the_purge_destroys_only_weeks_whose_data_must_be_gone(app, db):
    register_phone(MONDAY)
    later = MONDAY + datetime.timedelta(days=20)
    _draft, _receipt = register_phone(later)
    purge_day = MONDAY + datetime.timedelta(days=7 + RETENTION_DAYS)
    retention.purge_personal_data(RETENTION_DAYS, now=purge_day)
    (left,) = pii_keys.live()
    assert left[0] == pii_keys.period_start(later)
    # The later registration is still recognised the same day: its key was kept.
    draft, receipt = register_phone(later + datetime.timedelta(hours=1))
    assert receipt.repeat


def test_a_repeat_visit_is_recognised_across_the_start_of_a_new_weeks_key(app, db):
    first_draft, first = register_phone(SUNDAY_NIGHT)
    second_draft, second = register_phone(MONDAY_AFTER)
    assert clock.local_day(SUNDAY_NIGHT) == clock.local_day(MONDAY_AFTER)
    assert first_draft.phone.hash != second_draft.phone.hash  # stored under two different weeks' keys
    assert (first.repeat, second.repeat) == (False, True)
    assert len(pii_keys.live()) == 2


def test_a_one_per_person_pack_taken_last_week_is_refused_this_week(app, db):
    offers = stock_station(starts=SUNDAY_NIGHT.date(), ends=SUNDAY_NIGHT.date() + datetime.timedelta(days=30))
    draft, first = register_phone(SUNDAY_NIGHT)
    keys = vouchers.person_keys_of(first.token, draft.phone.matches)
    vouchers.issue(offers["return"], vouchers.new_request_token(), person_key=keys, now=SUNDAY_NIGHT)

    draft, again = register_phone(MONDAY_AFTER)
    last_weeks = vouchers.person_key_of(first.token)
    keys = vouchers.person_keys_of(again.token, draft.phone.matches)
    assert keys[0] == draft.phone.hash != last_weeks and last_weeks in keys
    with pytest.raises(DomainError, match="one per person"):
        vouchers.issue(offers["return"], vouchers.new_request_token(), person_key=keys, now=MONDAY_AFTER)


def test_a_trip_booking_keeps_its_last_four_sealed_until_its_weeks_key_is_destroyed(app, db, tmp_path):
    sealed = pii_keys.seal("8000", MONDAY)
    assert "8000" not in sealed and pii_keys.unseal(sealed) == "8000"
    booking = trips.Booking(person_kind="phone", person_last4_sealed=sealed)
    assert trips.masked_name(booking) == "Phone …8000"
    pii_keys.destroy_before(MONDAY + datetime.timedelta(days=7))
    assert pii_keys.unseal(sealed) is None and trips.masked_name(booking) == "—"


def test_key_files_are_the_owners_alone_and_a_week_has_one_key(app, db):
    first = pii_keys.ring(MONDAY)
    again = pii_keys.ring(MONDAY + datetime.timedelta(days=6, hours=21))
    assert first == again and len(pii_keys.live()) == 1
    (path,) = pii_keys.directory().glob("*.key")
    assert path.name == "2027-01-18.key" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert PHONE not in path.read_text()


def test_fingerprints_from_before_the_weekly_keys_are_matched_until_the_retention_has_cleared_them(app, db):
    draft = registration.choose_home(registration.start("home"), "511102", "511102")
    draft = registration.add_phone(registration.answer_consent(draft, "yes"), PHONE, app.config["PII_KEY"])
    registration.register(draft, now=MONDAY - datetime.timedelta(hours=1))  # made by the kiosk before its upgrade
    _draft, receipt = register_phone(MONDAY)
    assert receipt.repeat  # PII_KEY alone is still matched with
    assert Registration.select().where(Registration.phone_hash == _draft.phone.hash).count() == 1
    gone = MONDAY + datetime.timedelta(days=7 + RETENTION_DAYS)
    assert len(pii_keys.ring(MONDAY)) == 2 and len(pii_keys.ring(gone)) == 2  # this week's and the first's
    assert app.config["PII_KEY"].encode() not in pii_keys.ring(gone)
