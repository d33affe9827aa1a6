"""Registration use cases: a draft becomes one row and its count cells, once."""

import datetime

import pytest

from kiosk import counts
from kiosk import registration
from kiosk.errors import DomainError
from kiosk.models import database
from kiosk.registration import Draft
from kiosk.registration import Registration

KEY = "test-pii-key"
STATION_COUNTY = "511102"
# 2027-01-20 10:00 in Leshan (UTC+8)
MORNING = datetime.datetime(2027, 1, 20, 2, 0)
DAY = datetime.date(2027, 1, 20)


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield database


def going_to_work(home="511123", destination="440000"):
    draft = registration.start("work")
    draft = registration.choose_prefecture(draft, home[:4] + "00")
    draft = registration.choose_home(draft, home, STATION_COUNTY)
    return registration.choose_destination(draft, destination)


def coming_home(home=STATION_COUNTY):
    return registration.choose_home(registration.start("home"), home, STATION_COUNTY)


def with_phone(draft, number="13800138000"):
    return registration.add_phone(registration.answer_consent(draft, "yes"), number, KEY)


def test_a_registration_saves_one_row_and_counts_it_by_direction_home_and_destination(db):
    receipt = registration.register(going_to_work(), now=MORNING)
    row = Registration.get()
    assert (row.direction, row.home_code, row.destination_code, row.day) == ("work", "511123", "440000", DAY)
    assert receipt.visit == "first" and not receipt.repeat
    assert counts.value("registrations", DAY, direction="work", county="511123", destination="440000") == 1
    registration.register(coming_home(), now=MORNING)
    assert counts.value("registrations", DAY, direction="home", county="511102") == 1
    assert counts.total("registrations", DAY) == 2


def test_the_station_county_can_be_chosen_without_a_prefecture_but_others_cannot(db):
    draft = registration.choose_home(registration.start("home"), STATION_COUNTY, STATION_COUNTY)
    assert (draft.prefecture, draft.home) == ("511100", STATION_COUNTY)
    with pytest.raises(DomainError):
        registration.choose_home(registration.start("home"), "511123", STATION_COUNTY)


def test_a_county_outside_the_chosen_prefecture_is_refused_as_tampered(db):
    draft = registration.choose_prefecture(registration.start("home"), "510100")
    for code in ("511123", "440303", "510100", "51010", "510104; DROP", ""):
        with pytest.raises(DomainError):
            registration.choose_home(draft, code, STATION_COUNTY)
    assert registration.choose_home(draft, "510104", STATION_COUNTY).home == "510104"


def test_a_home_outside_sichuan_is_recorded_as_its_province(db):
    draft = registration.choose_home_province(registration.start("home"), "500000")
    registration.register(draft, now=MORNING)
    assert counts.value("registrations", DAY, direction="home", county="500000") == 1
    with pytest.raises(DomainError):
        registration.choose_home_province(registration.start("home"), "510000")


def test_the_same_phone_twice_on_one_day_is_one_person_and_a_repeat_visit(db):
    first = registration.register(with_phone(going_to_work()), now=MORNING)
    again = registration.register(with_phone(coming_home()), now=MORNING + datetime.timedelta(hours=5))
    assert (first.visit, again.visit) == ("first", "repeat") and again.repeat
    assert counts.total("registrations", DAY) == 1  # one person
    assert counts.value("registrations.repeat", DAY, direction="home", county="511102") == 1
    next_day = registration.register(with_phone(coming_home()), now=MORNING + datetime.timedelta(days=1))
    assert next_day.visit == "first"


def test_the_same_id_number_is_recognised_whatever_phone_comes_with_it(db):
    def with_id(draft, phone):
        draft = with_phone(draft, phone)
        return registration.add_id_number(draft, "11010519491231002X", KEY, today=DAY)

    registration.register(with_id(coming_home(), "13800138000"), now=MORNING)
    assert registration.register(with_id(coming_home(), "13900139000"), now=MORNING).repeat


def test_registrations_without_phone_or_id_always_count_as_new_people(db):
    registration.register(coming_home(), now=MORNING)
    assert registration.register(coming_home(), now=MORNING).visit == "first"


def test_saving_the_same_draft_twice_stores_and_counts_it_once(db):
    draft = with_phone(going_to_work())
    first = registration.register(draft, now=MORNING)
    second = registration.register(draft, now=MORNING + datetime.timedelta(seconds=1))
    assert first == second
    assert Registration.select().count() == 1
    assert counts.total("registrations", DAY) == 1


def test_only_fingerprints_are_stored_never_the_number_nor_its_last_four(db, app, tmp_path):
    draft = registration.add_id_number(with_phone(coming_home()), "11010519491231002X", KEY, today=DAY)
    receipt = registration.register(draft, now=MORNING)
    row = Registration.get()
    assert (row.phone_last4, row.document_last4, row.document_kind) == (None, None, "resident_id")
    assert len(row.phone_hash) == len(row.document_hash) == 64
    assert (receipt.phone_last4, receipt.document_last4) == ("8000", "002X")  # shown once, from the draft
    assert row.consented_at == MORNING
    database.execute_sql("PRAGMA wal_checkpoint(FULL)")
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.sqlite3*"))
    assert b"13800138000" not in stored and b"11010519491231002X" not in stored


def test_intentions_and_companions_are_counted_for_the_day(db):
    draft = registration.set_intentions(going_to_work(), ["fair", "local"])
    draft = registration.set_party(draft, "2", "1")
    registration.register(draft, now=MORNING)
    assert Registration.get().intentions == "local,fair"
    assert counts.total("registrations.intention", DAY, intention="local") == 1
    assert counts.total("registrations.children", DAY) == 2
    assert counts.total("registrations.elderly", DAY) == 1
    # Counted by direction and home county, so the county's register can find its own people.
    home = Registration.get().home_code
    assert counts.value("registrations.intention", DAY, intention="fair", direction="work", county=home) == 1
    assert counts.value("registrations.children", DAY, direction="work", county=home) == 2


def test_a_repeat_visit_adds_no_people_to_the_detail_counts(db):
    registration.register(with_phone(registration.set_party(coming_home(), "1", "0")), now=MORNING)
    registration.register(with_phone(registration.set_party(coming_home(), "1", "0")), now=MORNING)
    assert counts.total("registrations.children", DAY) == 1
    assert counts.total("registrations", DAY) == counts.total("registrations.repeat", DAY) == 1


def test_every_count_uses_the_agreed_metrics_and_dimensions(db):
    draft = registration.set_intentions(with_phone(going_to_work()), ["local", "skills", "fair"])
    registration.register(registration.set_party(draft, "3", "2"), now=MORNING)
    registration.register(with_phone(coming_home()), now=MORNING)
    for cell in counts.cells_for_day(DAY):
        assert cell.metric in counts.METRICS
        assert set(cell.dims) <= set(counts.METRICS[cell.metric])


def test_bad_optional_details_are_refused(db):
    draft = going_to_work()
    for children, elderly in (("10", "0"), ("-1", "0"), ("1.5", "0"), ("", "0"), ("٣", "0")):
        with pytest.raises(DomainError):
            registration.set_party(draft, children, elderly)
    with pytest.raises(DomainError):
        registration.set_intentions(draft, ["local", "lottery"])
    with pytest.raises(DomainError):
        registration.choose_city(draft, "330100")  # Hangzhou is not in Guangdong
    assert registration.choose_city(draft, "440300").city == "440300"


def test_a_phone_needs_consent_and_declining_drops_numbers_already_entered(db):
    with pytest.raises(DomainError):
        registration.add_phone(going_to_work(), "13800138000", KEY)
    draft = registration.answer_consent(with_phone(going_to_work()), "no")
    assert draft.phone is None and not draft.consent
    with pytest.raises(DomainError):
        registration.answer_consent(draft, "maybe")


def test_steps_cannot_be_skipped(db):
    with pytest.raises(DomainError):
        registration.register(None)
    with pytest.raises(DomainError):
        registration.register(registration.start("work"))
    with pytest.raises(DomainError):
        registration.choose_destination(registration.start("home"), "440000")
    with pytest.raises(DomainError):
        registration.choose_prefecture(None, "511100")
    assert Registration.select().count() == 0


def test_changing_the_destination_province_drops_the_city(db):
    draft = registration.choose_city(going_to_work(), "440300")
    assert registration.choose_destination(draft, "440000").city == "440300"
    assert registration.choose_destination(draft, "330000").city is None


def test_a_worker_not_yet_sure_where_to_work_is_registered_and_counted_as_undecided(db):
    from kiosk import regions

    draft = going_to_work(destination=regions.UNDECIDED)
    assert Draft.from_state(draft.to_state()) == draft  # survives the session cookie's recheck
    with pytest.raises(DomainError):
        registration.choose_city(draft, "440300")  # no city to choose in "not sure yet"
    registration.register(draft, now=MORNING)
    assert Registration.get().destination_code == regions.UNDECIDED
    assert counts.value("registrations", DAY, direction="work", county="511123", destination=regions.UNDECIDED) == 1
    assert regions.label(regions.UNDECIDED) == "未定"
    for forged in ("unsur", "Unsure ", "undecided", "000000"):
        with pytest.raises(DomainError):
            registration.choose_destination(going_to_work(), forged)


def test_a_draft_survives_the_session_and_a_forged_one_is_ignored(db):
    draft = registration.add_id_number(with_phone(going_to_work()), "11010519491231002X", KEY, today=DAY)
    assert Draft.from_state(draft.to_state()) == draft
    for forged in (None, "x", {}, {"t": "a", "d": "sideways"}, {"t": "a", "d": "home", "ch": "many"}, {"t": "a", "d": "home", "ph": [1]}):
        assert Draft.from_state(forged) is None


def test_a_saved_draft_with_a_bad_code_is_refused_at_confirm(db):
    forged = Draft.from_state({**coming_home().to_state(), "h": "999999"})
    with pytest.raises(DomainError):
        registration.register(forged)
    assert Registration.select().count() == 0


def test_a_failed_count_leaves_no_registration_behind(db):
    database.execute_sql(
        "CREATE TRIGGER no_counts BEFORE INSERT ON countcell BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    with pytest.raises(Exception, match="disk full"):
        registration.register(coming_home(), now=MORNING)
    assert Registration.select().count() == 0


def test_purge_clears_old_fingerprints_but_keeps_rows_and_counts(db):
    registration.register(with_phone(coming_home()), now=MORNING - datetime.timedelta(days=40))
    registration.register(with_phone(going_to_work()), now=MORNING)
    assert registration.purge_personal_fields(30, now=MORNING) == 1
    old, recent = Registration.select().order_by(Registration.created_at)
    assert (old.phone_hash, old.phone_last4, old.document_hash, old.purged_at) == (None, None, None, MORNING)
    assert old.direction == "home" and old.home_code == STATION_COUNTY
    assert recent.phone_hash is not None and recent.purged_at is None
    assert counts.total("registrations", DAY - datetime.timedelta(days=40)) == 1
    assert registration.purge_personal_fields(30, now=MORNING) == 0
    with pytest.raises(DomainError):
        registration.purge_personal_fields(-1)
