"""Left luggage, domain level: check-in, claims, overdue, lost tickets, reprints, the board."""

import datetime
import threading

import pytest

from kiosk import clock
from kiosk import counts
from kiosk import luggage
from kiosk import printing
from kiosk import stations
from kiosk import tokens
from kiosk import volunteers
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import NotFound
from kiosk.luggage import LuggageBag
from kiosk.luggage import LuggageDeposit
from kiosk.luggage import tickets as luggage_tickets
from kiosk.models import AuditEntry
from kiosk.models import database
from kiosk.models import Volunteer
from tests.conftest import add_volunteer
from tests.conftest import make_app

MORNING = datetime.datetime(2027, 1, 20, 1, 0)  # 09:00 in Leshan
CLOSING = datetime.datetime(2027, 1, 20, 14, 0)  # 22:00 in Leshan, the default STATION_HOURS' closing
DAY = datetime.date(2027, 1, 20)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield


@pytest.fixture
def volunteer(app):
    return add_volunteer(app)


@pytest.fixture
def manager(app):
    return add_volunteer(app, name="陈站长", pin="864297", role="manager")


@pytest.fixture
def rules(app):
    return luggage.Rules.from_config(app.config)


@pytest.fixture
def keys(app, db):
    return luggage.Keys(stations.current().kiosk_id, app.config["SIGNING_KEY"], app.config["PII_KEY"])


def plain_gettext(message, **params):
    return message % params if params else message


def check_in(volunteer, rules, keys, kinds=("suitcase", "woven_bag"), shelf="A", phone="", now=MORNING, due=CLOSING,
             printed=False):
    def slips(deposit):
        return luggage_tickets.slips(deposit, luggage.bags_of(deposit), stations.current(), keys, plain_gettext)

    return luggage.check_in(list(kinds), shelf, due, phone, volunteer, rules, keys, now=now,
                            slips=slips if printed else None)


def qr_of(deposit, keys):
    return tokens.payload("L", deposit.code, keys.kiosk_id, deposit.expires, keys.signing_key)


def count(event, unit, day=DAY):
    metric = f"luggage.{event}" if unit == "bags" else f"luggage.tickets.{event}"
    return counts.value(metric, day)


# --- check-in ------------------------------------------------------------


def test_checking_in_two_bags_stores_them_on_the_shelf_and_counts_them(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys)
    assert len(deposit.code) == 8 and deposit.shelf == "A" and deposit.bags == 2
    assert [(b.number, b.kind) for b in luggage.bags_of(deposit)] == [(1, "suitcase"), (2, "woven_bag")]
    assert (count("checked_in", "tickets"), count("checked_in", "bags")) == (1, 2)
    assert luggage.free_space("A", rules) == rules.shelves["A"] - 2


def test_the_qr_stays_valid_long_after_the_pick_up_time(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys)
    assert deposit.expires == DAY + datetime.timedelta(days=rules.unclaimed_days)


@pytest.mark.parametrize("kinds", [[], ["suitcase"] * 7, ["suitcase"] * 100])
def test_zero_or_too_many_bags_are_refused_and_nothing_is_stored(db, volunteer, rules, keys, kinds):
    with pytest.raises(DomainError):
        check_in(volunteer, rules, keys, kinds=kinds)
    assert LuggageDeposit.select().count() == 0 and count("checked_in", "bags") == 0


@pytest.mark.parametrize(
    "change",
    [{"kinds": ["suitcase", "handbag"]}, {"shelf": "Z"}, {"phone": "12345"}, {"phone": "１２３４"},
     {"due": MORNING - HOUR}, {"due": MORNING + 30 * HOUR}, {"due": "tomorrow"}],
)
def test_impossible_check_ins_are_refused(db, volunteer, rules, keys, change):
    with pytest.raises(DomainError):
        check_in(volunteer, rules, keys, **change)
    assert LuggageDeposit.select().count() == 0


def test_a_full_shelf_refuses_more_bags_and_says_how_much_room_is_left(app, tmp_path, volunteer):
    app = make_app(tmp_path, LUGGAGE_SHELVES={"A": 3, "B": 5})
    rules = luggage.Rules.from_config(app.config)
    with app.app_context(), database.connection_context():
        keys = luggage.Keys(stations.current().kiosk_id, "k", "p")
        check_in(volunteer, rules, keys, kinds=["box", "box"])
        with pytest.raises(DomainError, match="room for only 1 more"):
            check_in(volunteer, rules, keys, kinds=["box", "box"])
        check_in(volunteer, rules, keys, kinds=["box"])
        with pytest.raises(DomainError, match="Shelf A is full"):
            check_in(volunteer, rules, keys, kinds=["box"])
        assert check_in(volunteer, rules, keys, kinds=["box"], shelf="B").shelf == "B"
        assert luggage.room_left(rules) == 4


def test_the_phone_digits_are_kept_only_as_a_keyed_hash(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys, phone="4321")
    stored = LuggageDeposit.get_by_id(deposit.id)
    assert stored.phone_hash == luggage.phone_digest("4321", keys.pii_key)
    assert "4321" not in repr(stored.__data__)


def test_pick_up_defaults_to_closing_time_with_shorter_choices_before_it(rules):
    choices = luggage.pickup_choices(rules, MORNING + datetime.timedelta(minutes=7))
    assert choices[-1] == (CLOSING, True)
    assert [c for c, _ in choices[:-1]] == [MORNING + datetime.timedelta(minutes=m) for m in (70, 130, 250)]


def test_after_closing_the_default_is_tomorrows_closing_within_the_limit(rules):
    late = CLOSING + datetime.timedelta(hours=1, minutes=3)  # 22:03
    default = [c for c, is_default in luggage.pickup_choices(rules, late) if is_default]
    assert default == [CLOSING + 24 * HOUR]


def test_a_station_open_all_night_defaults_to_the_configured_limit(app):
    rules = luggage.Rules.from_config({**app.config, "STATION_HOURS": None, "LUGGAGE_MAX_HOURS": 8})
    assert luggage.pickup_choices(rules, MORNING)[-1] == (MORNING + 8 * HOUR, True)


@pytest.mark.parametrize("late", [0, 1, 5, 9, 10, 11])  # hours after closing: 22:00, 23:00, 03:00, 07:00, 08:00, 09:00
def test_pick_up_choices_never_fall_while_the_station_is_closed(rules, late):
    now = CLOSING + late * HOUR + datetime.timedelta(minutes=3)
    choices = luggage.pickup_choices(rules, now)
    assert choices and all(rules.hours.is_open(moment) and moment > now for moment, _ in choices)
    for moment, _ in choices:
        assert luggage.check_due(moment.isoformat(), rules, now) == moment  # what is offered is accepted
    tomorrows_closing = CLOSING + 24 * HOUR
    assert [c for c, is_default in choices if is_default] == [tomorrows_closing]
    if late < 9:  # before opening: the shorter choices count from 07:00
        assert [c for c, _ in choices[:-1]] == [CLOSING + h * HOUR for h in (10, 11, 13)]


def test_a_pick_up_time_while_the_station_is_closed_is_refused(rules):
    night = CLOSING + 3 * HOUR  # 01:00
    with pytest.raises(DomainError, match="closed then"):
        luggage.check_due(night, rules, MORNING)
    assert luggage.check_due(CLOSING, rules, MORNING) == CLOSING  # by closing time is still open


def test_opening_hours_past_midnight_and_the_short_limit(app):
    rules = luggage.Rules.from_config({**app.config, "STATION_HOURS": "18:00-02:00", "LUGGAGE_MAX_HOURS": 3})
    evening = CLOSING - 3 * HOUR  # 19:00
    choices = luggage.pickup_choices(rules, evening)
    assert choices[-1] == (evening + 3 * HOUR, True)  # the limit comes before the 02:00 closing
    late = CLOSING + 3 * HOUR + datetime.timedelta(minutes=30)  # 01:30, still open
    assert luggage.pickup_choices(rules, late)[-1] == (CLOSING + 4 * HOUR, True)  # 02:00


@pytest.mark.parametrize("text", ["7-22", "07:00", "07:00-07:00", "25:00-26:00", "07:00-22:00; rm", 7])
def test_nonsense_opening_hours_are_refused_at_start(app, text):
    with pytest.raises(ValueError, match="STATION_HOURS"):
        luggage.Rules.from_config({**app.config, "STATION_HOURS": text})


def test_the_old_closing_time_setting_says_what_replaced_it(app):
    with pytest.raises(ValueError, match="STATION_HOURS"):
        luggage.Rules.from_config({**app.config, "LUGGAGE_CLOSING_TIME": "21:00"})


@pytest.mark.parametrize("bad", [{"LUGGAGE_SHELVES": {}}, {"LUGGAGE_SHELVES": {"A": 0}}, {"LUGGAGE_MAX_BAGS": 0},
                                 {"LUGGAGE_MAX_BAGS": 100}])
def test_a_nonsense_luggage_configuration_stops_the_kiosk_from_starting(tmp_path, bad):
    with pytest.raises(ValueError):
        make_app(tmp_path, **bad)


# --- claim ---------------------------------------------------------------


def test_bags_are_handed_back_one_by_one_and_the_ticket_closes_with_the_last(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys, phone="4321")
    after_one = luggage.claim(qr_of(deposit, keys) + "\r\n", ["1"], volunteer, keys, now=MORNING + HOUR)
    assert after_one.closed_at is None
    assert (count("claimed", "bags"), count("claimed", "tickets")) == (1, 0)
    closed = luggage.claim(tokens.display_code(deposit.code).lower(), [2], volunteer, keys, now=MORNING + 2 * HOUR)
    assert closed.closed_at == MORNING + 2 * HOUR
    assert closed.phone_hash is None
    assert (count("claimed", "bags"), count("claimed", "tickets")) == (2, 1)
    assert luggage.free_space("A", rules) == rules.shelves["A"]


def test_claiming_a_bag_twice_is_refused_and_changes_nothing(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys)
    luggage.claim(qr_of(deposit, keys), [1], volunteer, keys, now=MORNING)
    with pytest.raises(Conflict, match="Bag 1 was already handed back"):
        luggage.claim(qr_of(deposit, keys), [1, 2], volunteer, keys, now=MORNING)
    assert [b.released_at is None for b in luggage.bags_of(deposit)] == [False, True]
    assert count("claimed", "bags") == 1


def test_a_closed_ticket_cannot_be_claimed_again(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys, kinds=["box"])
    luggage.claim(qr_of(deposit, keys), [1], volunteer, keys, now=MORNING)
    with pytest.raises(Conflict, match="Every bag on this ticket was handed back"):
        luggage.claim(qr_of(deposit, keys), [1], volunteer, keys, now=MORNING)


@pytest.mark.parametrize("numbers", [[3], [0], [1, 2, 3], ["x"], []])
def test_claiming_bags_the_ticket_does_not_have_is_refused(db, volunteer, rules, keys, numbers):
    deposit = check_in(volunteer, rules, keys)
    with pytest.raises(DomainError):
        luggage.claim(qr_of(deposit, keys), numbers, volunteer, keys, now=MORNING)
    assert count("claimed", "bags") == 0


def test_forged_other_station_and_voucher_codes_release_nothing(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys)
    genuine = qr_of(deposit, keys)
    forged = tokens.payload("L", deposit.code, keys.kiosk_id, deposit.expires, "guessed key")
    elsewhere = tokens.payload("L", deposit.code, "ffffffff" + "0" * 24, deposit.expires, keys.signing_key)
    voucher = tokens.payload("V", deposit.code, keys.kiosk_id, deposit.expires, keys.signing_key)
    for scanned, reason in [(forged, "altered"), (elsewhere, "another station"), (voucher, "voucher"),
                            (genuine[:-3], "not one of our"), ("NOTACODE", "not one of our")]:
        with pytest.raises(tokens.BadTicket, match=reason):
            luggage.claim(scanned, [1], volunteer, keys, now=MORNING)
    with pytest.raises(NotFound):
        luggage.claim("2345-6789", [1], volunteer, keys, now=MORNING)
    assert all(b.released_at is None for b in luggage.bags_of(deposit))


def test_an_overdue_bag_is_still_claimable_and_counted_overdue_once_on_its_due_day(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys)
    next_day = CLOSING + 12 * HOUR
    luggage.count_overdue(next_day)
    luggage.count_overdue(next_day + HOUR)
    assert (count("overdue", "tickets"), count("overdue", "bags")) == (1, 2)
    luggage.claim(qr_of(deposit, keys), [1, 2], volunteer, keys, now=next_day)
    assert count("claimed", "bags", day=DAY + datetime.timedelta(days=1)) == 2
    assert count("overdue", "tickets") == 1


def test_a_claim_past_the_due_time_counts_the_ticket_overdue_even_if_nobody_looked(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys, kinds=["box"])
    luggage.claim(qr_of(deposit, keys), [1], volunteer, keys, now=CLOSING + HOUR)
    assert (count("overdue", "tickets"), count("overdue", "bags")) == (1, 1)


def test_a_ticket_past_the_unclaimed_limit_is_refused_scanned_or_typed(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys)
    much_later = MORNING + datetime.timedelta(days=rules.unclaimed_days + 1)
    for scanned in (qr_of(deposit, keys), deposit.code):
        with pytest.raises(tokens.BadTicket, match="expired"):
            luggage.claim(scanned, [1], volunteer, keys, now=much_later)


def test_two_simultaneous_claims_of_the_same_bag_release_it_once(app, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys)
    scanned = qr_of(deposit, keys)
    start = threading.Barrier(2)
    outcomes = []

    def claim_once():
        with app.app_context(), database.connection_context():
            start.wait()
            try:
                luggage.claim(scanned, [1, 2], volunteer, keys, now=MORNING)
                outcomes.append("released")
            except Conflict:
                outcomes.append("refused")

    threads = [threading.Thread(target=claim_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "released"]
    assert (count("claimed", "bags"), count("claimed", "tickets")) == (2, 1)
    assert AuditEntry.select().where(AuditEntry.action == "luggage_claim").count() == 1


# --- lost ticket ---------------------------------------------------------


def test_a_lost_ticket_is_found_by_phone_digits_description_and_day(db, volunteer, rules, keys):
    mine = check_in(volunteer, rules, keys, kinds=["woven_bag", "box"], phone="4321")
    check_in(volunteer, rules, keys, kinds=["woven_bag"], phone="9999")
    anonymous = check_in(volunteer, rules, keys, kinds=["woven_bag"])
    found = luggage.find_lost(DAY, "woven_bag", "4321", keys)
    assert [(m.deposit.code, m.phone_matched) for m in found] == [(mine.code, True), (anonymous.code, False)]
    assert [m.deposit.code for m in luggage.find_lost(DAY, "woven_bag", "", keys)] == [anonymous.code]
    assert luggage.find_lost(DAY, "suitcase", "4321", keys) == []
    assert luggage.find_lost(DAY - datetime.timedelta(days=1), "box", "4321", keys) == []
    assert luggage.lost_days() == [DAY]


def test_a_lost_ticket_release_needs_the_managers_pin_and_a_reason(db, volunteer, manager, rules, keys):
    deposit = check_in(volunteer, rules, keys, phone="4321")
    release = dict(deposit_id=deposit.id, numbers=[1, 2], phone_last4="4321", volunteer_id=volunteer,
                   manager_id=manager, manager_pin="864297", reason="票丢了", keys=keys, now=MORNING)
    with pytest.raises(volunteers.SignInRefused, match="Wrong PIN"):
        luggage.release_lost(**{**release, "manager_pin": "1111"})
    with pytest.raises(volunteers.SignInRefused, match="station manager"):
        luggage.release_lost(**{**release, "manager_id": volunteer, "manager_pin": "2468"})
    with pytest.raises(DomainError, match="reason"):
        luggage.release_lost(**{**release, "reason": "  "})
    with pytest.raises(DomainError, match="phone digits"):
        luggage.release_lost(**{**release, "phone_last4": "1234"})
    assert all(b.released_at is None for b in luggage.bags_of(deposit))
    assert Volunteer.get_by_id(manager).failed_attempts == 1
    closed = luggage.release_lost(**release)
    assert closed.closed_at is not None
    assert [b.release for b in luggage.bags_of(deposit)] == ["lost_ticket", "lost_ticket"]
    assert (count("lost_released", "tickets"), count("lost_released", "bags")) == (1, 2)
    assert count("claimed", "bags") == 0


def test_five_wrong_manager_pins_lock_the_manager_out_of_approving(db, volunteer, manager, rules, keys):
    deposit = check_in(volunteer, rules, keys)
    for _ in range(5):
        with pytest.raises(volunteers.SignInRefused):
            luggage.release_lost(deposit.id, [1], "", volunteer, manager, "1111", "票丢了", keys, now=MORNING)
    with pytest.raises(volunteers.SignInRefused, match="Too many wrong PINs"):
        luggage.release_lost(deposit.id, [1], "", volunteer, manager, "864297", "票丢了", keys, now=MORNING)
    assert all(b.released_at is None for b in luggage.bags_of(deposit))


def test_every_release_is_in_the_audit_log_with_who_and_why(db, volunteer, manager, rules, keys):
    deposit = check_in(volunteer, rules, keys, kinds=["box", "box", "backpack"])
    luggage.claim(qr_of(deposit, keys), [1], volunteer, keys, now=MORNING)
    luggage.release_lost(deposit.id, [2, 3], "", volunteer, manager, "864297", "车票和寄存票一起丢了", keys, now=MORNING)
    entries = list(AuditEntry.about(luggage.subject(deposit.code)))
    assert [(e.action, e.volunteer_id, e.reason) for e in entries] == [
        ("luggage_claim", volunteer, ""),
        ("luggage_lost_release", volunteer, "车票和寄存票一起丢了"),
    ]
    assert "bags 1 of 3" in entries[0].detail
    assert "bags 2,3 of 3; ticket closed" in entries[1].detail and f"manager #{manager}" in entries[1].detail
    released = LuggageBag.select().where(LuggageBag.released_at.is_null(False)).count()
    assert released == 3


# --- printing and reprint -----------------------------------------------


def test_a_check_in_queues_one_job_the_owners_ticket_and_a_tag_per_bag_with_one_code(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys, kinds=["suitcase", "box", "other"], phone="4321", printed=True)
    job = luggage.print_job(deposit)
    ticket = printing.Ticket.from_json(job.ticket)
    assert (job.kind, job.code, ticket.qr_ec) == ("luggage", tokens.display_code(deposit.code), "Q")
    assert [t.title for t in ticket.parts] == [f"Bag {i} of 3" for i in (1, 2, 3)]
    assert {t.qr for t in (ticket, *ticket.parts)} == {qr_of(deposit, keys)}
    assert {t.code for t in (ticket, *ticket.parts)} == {tokens.display_code(deposit.code)}
    assert "Hotline 0833-12345" in ticket.footer
    assert ("Bags", "3 (Suitcase, Box, Other)") in ticket.lines
    assert all(("Shelf", "A") in t.lines for t in ticket.parts)


def test_a_check_in_whose_tickets_cannot_be_queued_leaves_nothing_behind(db, volunteer, rules, keys):
    def broken_printer(deposit):
        raise DomainError("The printer refused")

    with pytest.raises(DomainError):
        luggage.check_in(["box"], "A", CLOSING, "", volunteer, rules, keys, now=MORNING, slips=broken_printer)
    assert LuggageDeposit.select().count() == 0 and count("checked_in", "bags") == 0


def test_a_reprint_sends_the_same_bytes_and_code_and_is_logged(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys, printed=True)
    printing.process_queue()
    person = Volunteer.get_by_id(volunteer)
    again = luggage.reprint(deposit.id, "卡纸", person, rules, now=MORNING + datetime.timedelta(minutes=2))
    assert (again.code, again.expires, again.reprints) == (deposit.code, deposit.expires, 1)
    original = luggage.print_job(deposit)
    [copy] = original.reprints
    assert (copy.code, copy.data, copy.reprint_reason) == (original.code, original.data, "卡纸")
    [entry] = AuditEntry.about(luggage.subject(deposit.code))
    assert (entry.action, entry.reason, entry.volunteer_id) == ("reprint", "卡纸", volunteer)


def test_a_reprint_while_the_first_print_still_waits_is_refused(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys, printed=True)
    with pytest.raises(Conflict, match="still waiting for the printer"):
        luggage.reprint(deposit.id, "卡纸", Volunteer.get_by_id(volunteer), rules, now=MORNING)
    assert LuggageDeposit.get_by_id(deposit.id).reprints == 0


def test_a_late_reprint_needs_a_station_manager(db, volunteer, manager, rules, keys):
    deposit = check_in(volunteer, rules, keys, printed=True)
    printing.process_queue()
    later = MORNING + HOUR
    with pytest.raises(volunteers.SignInRefused, match="only a station manager"):
        luggage.reprint(deposit.id, "卡纸", Volunteer.get_by_id(volunteer), rules, now=later)
    assert luggage.reprint(deposit.id, "卡纸", Volunteer.get_by_id(manager), rules, now=later).reprints == 1


def test_a_reprint_without_a_reason_or_of_a_closed_ticket_is_refused(db, volunteer, rules, keys):
    deposit = check_in(volunteer, rules, keys, kinds=["box"], printed=True)
    printing.process_queue()
    person = Volunteer.get_by_id(volunteer)
    with pytest.raises(DomainError):
        luggage.reprint(deposit.id, "", person, rules, now=MORNING)
    luggage.claim(deposit.code, [1], volunteer, keys, now=MORNING)
    with pytest.raises(Conflict):
        luggage.reprint(deposit.id, "卡纸", person, rules, now=MORNING)
    assert AuditEntry.select().where(AuditEntry.action == "reprint").count() == 0


# --- custody board -------------------------------------------------------


def test_the_board_shows_bags_by_shelf_with_overdue_tickets_first(db, volunteer, rules, keys):
    on_time = check_in(volunteer, rules, keys, kinds=["box"], due=CLOSING)
    late = check_in(volunteer, rules, keys, kinds=["suitcase", "backpack"], due=MORNING + HOUR)
    check_in(volunteer, rules, keys, kinds=["other"], shelf="C")
    luggage.claim(late.code, [1], volunteer, keys, now=MORNING)
    shelves = luggage.board(rules, now=MORNING + 2 * HOUR)
    assert [(s.name, s.capacity, s.used) for s in shelves] == [("A", 12, 2), ("B", 12, 0), ("C", 8, 1)]
    a = shelves[0]
    assert [(i.code, i.overdue, i.bags_here, i.kinds) for i in a.items] == [
        (late.code, True, 1, ("backpack",)),
        (on_time.code, False, 1, ("box",)),
    ]


def test_the_cli_board_lists_bags_by_shelf_with_overdue_flagged(app, runner, volunteer, keys):
    rules = luggage.Rules.from_config({**app.config, "STATION_HOURS": None})  # the real clock: any hour of the day
    this_morning = clock.now() - 3 * HOUR
    late = check_in(volunteer, rules, keys, kinds=["box", "box"], now=this_morning, due=this_morning + HOUR)
    result = runner.invoke(args=["luggage", "board"])
    assert result.exit_code == 0
    assert "shelf A: 2/12 bags" in result.output and f"OVERDUE …{late.code[-4:]}  2 of 2 bags" in result.output
    assert late.code not in result.output
    assert count("overdue", "tickets", day=clock.local_day(this_morning + HOUR)) == 1


def test_the_days_numbers_add_up_tickets_and_bags_per_event(db, volunteer, manager, rules, keys):
    first = check_in(volunteer, rules, keys, kinds=["box", "box", "box"])
    check_in(volunteer, rules, keys, kinds=["suitcase"])
    luggage.claim(first.code, [1, 2], volunteer, keys, now=MORNING)
    luggage.release_lost(first.id, [3], "", volunteer, manager, "864297", "票丢了", keys, now=MORNING)
    assert luggage.day_counts(DAY) == {
        "checked_in": (2, 4), "claimed": (0, 2), "overdue": (0, 0), "lost_released": (1, 1),
    }
