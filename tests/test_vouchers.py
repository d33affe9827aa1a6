"""Gift packs in the domain: stock, quotas, issuing, redeeming, voiding, expiry, counts."""

import datetime

import pytest

from kiosk import counts
from kiosk import printing
from kiosk import stations
from kiosk import tokens
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.models import AuditEntry
from kiosk.models import database
from kiosk.printing import PrintJob
from kiosk.vouchers import PackType
from kiosk.vouchers import Voucher
from kiosk.vouchers.ticket import build
from tests.conftest import add_volunteer
from tests.vouchers_factory import DAY
from tests.vouchers_factory import MORNING
from tests.vouchers_factory import issue
from tests.vouchers_factory import person
from tests.vouchers_factory import stock_station

LATER = MORNING + datetime.timedelta(hours=2)
TOMORROW = MORNING + datetime.timedelta(days=1)


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield


@pytest.fixture
def volunteer(app):
    return add_volunteer(app)


@pytest.fixture
def offers(db):
    return stock_station()


def pack(key):
    return PackType.get(PackType.key == key)


def ticket_of(app, voucher):
    info = stations.current()
    return build(voucher, info, scan_payload(app, voucher), lambda text, **params: text % params if params else text)


def scan_payload(app, voucher):
    info = stations.current()
    return vouchers.payload(voucher, info.kiosk_id, app.config["SIGNING_KEY"])


def test_issuing_a_voucher_reserves_one_pack_and_counts_it(offers):
    voucher = issue(offers["warm"])
    assert (pack("warm").on_hand, pack("warm").reserved, pack("warm").available) == (10, 1, 9)
    assert voucher.state == "issued" and voucher.expires == DAY
    assert counts.value("vouchers.issued", DAY, pack="warm") == 1
    assert not set(voucher.code) & set("01OIL")


def test_redeeming_turns_the_reservation_into_a_pack_given(offers, volunteer):
    voucher = issue(offers["warm"])
    vouchers.redeem(voucher.code, volunteer, now=LATER)
    assert (pack("warm").on_hand, pack("warm").reserved) == (9, 0)
    assert counts.value("vouchers.redeemed", DAY, pack="warm") == 1
    assert counts.value("packs.on_hand", DAY, pack="warm") == 9


def test_a_second_redemption_says_when_and_by_whom(offers, volunteer):
    voucher = issue(offers["warm"])
    vouchers.redeem(voucher.code, volunteer, now=LATER)
    with pytest.raises(DomainError) as refused:
        vouchers.redeem(voucher.code, volunteer, now=LATER)
    assert "Already handed out on 2027-01-20 11:00 by 王芳 at 乐山客运中心站" in str(refused.value)
    assert pack("warm").on_hand == 9
    assert counts.value("vouchers.redeemed", DAY, pack="warm") == 1


def test_the_same_request_token_issues_one_voucher(offers):
    token = vouchers.new_request_token()
    first = vouchers.issue(offers["warm"], token, now=MORNING)
    again = vouchers.issue(offers["warm"], token, now=MORNING)
    assert first.id == again.id
    assert Voucher.select().count() == 1
    assert pack("warm").reserved == 1
    assert counts.value("vouchers.issued", DAY, pack="warm") == 1


def test_a_printer_is_asked_once_per_voucher_inside_the_transaction(offers):
    printed = []
    token = vouchers.new_request_token()
    vouchers.issue(offers["warm"], token, printer=printed.append, now=MORNING)
    vouchers.issue(offers["warm"], token, printer=printed.append, now=MORNING)
    assert len(printed) == 1


def test_a_failing_printer_queue_leaves_no_voucher_and_no_reservation(offers):
    def broken(voucher):
        raise DomainError("printer queue full")

    with pytest.raises(DomainError):
        issue(offers["warm"], printer=broken)
    assert Voucher.select().count() == 0
    assert pack("warm").reserved == 0
    assert counts.value("vouchers.issued", DAY, pack="warm") == 0


def test_the_last_pack_goes_to_one_voucher_and_then_it_is_out_of_stock(db):
    offers = stock_station(warm=1)
    issue(offers["warm"])
    with pytest.raises(DomainError) as refused:
        issue(offers["warm"])
    assert "just ran out" in str(refused.value)
    assert (pack("warm").on_hand, pack("warm").reserved) == (1, 1)
    assert counts.value("vouchers.issued", DAY, pack="warm") == 1


def test_an_anonymous_worker_may_take_only_packs_needing_no_id(offers):
    with pytest.raises(DomainError) as refused:
        issue(offers["return"])
    assert "register" in str(refused.value)
    choices = {c.pack.key: c for c in vouchers.choices(None, DAY)}
    assert choices["warm"].allowed and not choices["return"].allowed
    assert choices["return"].overridable


def test_one_per_person_per_campaign(offers, volunteer):
    worker = person("张三")
    voucher = issue(offers["return"], worker)
    with pytest.raises(DomainError):
        issue(offers["return"], worker, now=LATER)
    vouchers.redeem(voucher.code, volunteer, now=LATER)
    with pytest.raises(DomainError) as refused:
        issue(offers["return"], worker, now=TOMORROW)
    assert "already got 返岗礼包 on 2027-01-20" in str(refused.value)
    issue(offers["return"], person("李四"))


def test_a_voucher_left_to_expire_does_not_use_up_the_quota(offers):
    worker = person("张三")
    issue(offers["return"], worker)
    issue(offers["return"], worker, now=TOMORROW)


def test_one_per_person_per_day(db, volunteer):
    offers = stock_station(rule="day")
    worker = person("张三")
    vouchers.redeem(issue(offers["return"], worker).code, volunteer, now=LATER)
    with pytest.raises(DomainError):
        issue(offers["return"], worker, now=LATER)
    issue(offers["return"], worker, now=TOMORROW)


def test_a_minimum_interval_between_packs(db, volunteer):
    offers = stock_station(rule="interval", interval_days=7)
    worker = person("张三")
    vouchers.redeem(issue(offers["return"], worker).code, volunteer, now=LATER)
    with pytest.raises(DomainError) as refused:
        issue(offers["return"], worker, now=MORNING + datetime.timedelta(days=6))
    assert "another from 2027-01-27" in str(refused.value)
    issue(offers["return"], worker, now=MORNING + datetime.timedelta(days=7))


def test_a_voided_voucher_does_not_use_up_the_quota(offers, volunteer):
    worker = person("张三")
    voucher = issue(offers["return"], worker)
    vouchers.void(voucher.code, volunteer, "misprint")
    issue(offers["return"], worker)


def test_a_volunteer_override_passes_the_quota_and_is_audited(offers, volunteer):
    worker = person("张三")
    issue(offers["return"], worker)
    override = vouchers.Override(volunteer, "family", "为妻子代领")
    voucher = issue(offers["return"], worker, override=override)
    assert voucher.overridden_by_id == volunteer
    entry = AuditEntry.about(vouchers.subject(voucher)).get()
    assert (entry.action, entry.reason, entry.volunteer_id) == ("override", "family", volunteer)
    assert "为妻子代领" in entry.detail and "already got" in entry.detail


def test_an_override_needs_a_known_reason_and_a_void_for_other_needs_a_note(offers, volunteer):
    with pytest.raises(DomainError):
        issue(offers["return"], override=vouchers.Override(volunteer, "because"))
    assert Voucher.select().count() == 0
    voucher = issue(offers["warm"])
    with pytest.raises(DomainError):
        vouchers.void(voucher.code, volunteer, "other", "  ")
    assert Voucher.get_by_id(voucher.id).state == "issued"


def test_an_override_does_not_conjure_stock(db, volunteer):
    offers = stock_station(ret=0)
    with pytest.raises(DomainError):
        issue(offers["return"], person("张三"), override=vouchers.Override(volunteer, "hardship"))
    assert pack("return").reserved == 0


def test_voiding_releases_the_pack_and_is_audited(offers, volunteer):
    voucher = issue(offers["warm"])
    vouchers.void(voucher.code, volunteer, "other", "打印机卡纸后作废", now=LATER)
    assert (pack("warm").on_hand, pack("warm").reserved) == (10, 0)
    assert counts.value("vouchers.voided", DAY, pack="warm") == 1
    entry = AuditEntry.about(vouchers.subject(voucher)).get()
    assert (entry.action, entry.reason, entry.detail) == ("void", "other", "打印机卡纸后作废")
    with pytest.raises(DomainError) as refused:
        vouchers.redeem(voucher.code, volunteer, now=LATER)
    assert "cancelled" in str(refused.value)


def test_a_reprint_copies_the_same_print_job_and_is_audited_once(app, offers, volunteer):
    voucher = issue(offers["warm"], printer=lambda v: printing.submit(ticket_of(app, v)).id)
    printing.process_queue()
    again = vouchers.reprint(voucher.code, volunteer, "other", "卡纸", reprinter=printing.reprint)
    assert again.code == voucher.code and again.prints == 2
    copy = PrintJob.get(PrintJob.reprint_of == voucher.print_job)
    assert (copy.code, copy.data) == (PrintJob.get_by_id(voucher.print_job).code, PrintJob.get_by_id(voucher.print_job).data)
    entry = AuditEntry.about(vouchers.subject(voucher)).get()
    assert (entry.action, entry.reason, entry.volunteer_id) == ("reprint", "other: 卡纸", volunteer)
    assert pack("warm").reserved == 1


def test_a_voucher_is_queued_for_the_printer_in_its_own_transaction(app, offers):
    voucher = issue(offers["warm"], printer=lambda v: printing.submit(ticket_of(app, v)).id)
    job = PrintJob.get_by_id(voucher.print_job)
    assert job.kind == "voucher" and job.code == tokens.display_code(voucher.code)
    assert vouchers.payload(voucher, stations.current().kiosk_id, app.config["SIGNING_KEY"]) in job.ticket


def test_a_pack_name_the_printer_cannot_print_is_refused(db):
    with pytest.raises(DomainError) as refused:
        vouchers.define_pack("duck", "𠮷家甜皮鸭")
    assert "𠮷" in str(refused.value)


def test_expired_vouchers_release_their_packs_when_stock_is_next_touched(offers, volunteer):
    voucher = issue(offers["warm"])
    issue(offers["warm"], now=TOMORROW)  # the next day's first write processes expiry
    assert Voucher.get_by_id(voucher.id).state == "expired"
    assert pack("warm").reserved == 1
    assert counts.value("vouchers.expired", DAY, pack="warm") == 1
    with pytest.raises(DomainError) as refused:
        vouchers.redeem(voucher.code, volunteer, now=TOMORROW)
    assert "expired on 2027-01-20" in str(refused.value)


def test_expiry_is_swept_once_a_day_and_a_sweep_rolled_back_with_a_refused_write_is_done_again(offers):
    voucher = issue(offers["warm"])
    issue(offers["warm"], now=MORNING + datetime.timedelta(hours=1))  # today's sweep: nothing due yet
    assert Voucher.get_by_id(voucher.id).state == "issued"
    with pytest.raises(DomainError):  # tomorrow's first write is refused after its sweep, which goes with it
        vouchers.issue(offers["warm"] + 1000, vouchers.new_request_token(), now=TOMORROW)
    assert Voucher.get_by_id(voucher.id).state == "issued"
    issue(offers["warm"], now=TOMORROW + datetime.timedelta(hours=1))
    assert Voucher.get_by_id(voucher.id).state == "expired"
    assert counts.value("vouchers.expired", DAY, pack="warm") == 2  # both of that day's vouchers, once each


def test_a_voucher_issued_after_the_days_sweep_for_an_earlier_day_is_still_expired(offers):
    issue(offers["warm"], now=TOMORROW)  # tomorrow is swept
    late = issue(offers["warm"], now=MORNING)  # a replayed write dated the day before, valid that day only
    issue(offers["warm"], now=TOMORROW + datetime.timedelta(hours=1))
    assert Voucher.get_by_id(late.id).state == "expired"


def test_a_typed_code_of_an_expired_voucher_is_refused_before_expiry_is_processed(app, offers):
    voucher = issue(offers["warm"])
    info = stations.current()
    with pytest.raises(tokens.BadTicket) as refused:
        vouchers.find(voucher.code, info.kiosk_id, app.config["SIGNING_KEY"], DAY + datetime.timedelta(days=1))
    assert "expired on 2027-01-20" in str(refused.value)


def test_a_voucher_may_be_valid_for_days_but_not_past_the_campaign(db):
    offers = stock_station(ends=DAY + datetime.timedelta(days=1))
    voucher = issue(offers["warm"], valid_days=3)
    assert voucher.expires == DAY + datetime.timedelta(days=1)


def test_a_scanned_voucher_is_found_and_an_unknown_code_is_not(app, offers):
    voucher = issue(offers["warm"])
    info = stations.current()
    key = app.config["SIGNING_KEY"]
    assert vouchers.find(scan_payload(app, voucher) + "\r\n", info.kiosk_id, key, DAY).id == voucher.id
    assert vouchers.find(tokens.display_code(voucher.code).lower(), info.kiosk_id, key, DAY).id == voucher.id
    with pytest.raises(DomainError) as refused:
        vouchers.find("2345-6789", info.kiosk_id, key, DAY)
    assert "No voucher has the code 2345-6789" in str(refused.value)


def test_stock_out_cannot_take_packs_promised_to_vouchers(db):
    offers = stock_station(warm=2)
    issue(offers["warm"])
    with pytest.raises(DomainError) as refused:
        vouchers.stock_out("warm", 2, "破损")
    assert "Only 1 of 暖心小礼包" in str(refused.value)
    vouchers.stock_out("warm", 1, "破损", now=MORNING)
    assert (pack("warm").on_hand, pack("warm").reserved) == (1, 1)
    assert counts.value("packs.stock_out", DAY, pack="warm") == 1


@pytest.mark.parametrize("quantity", [0, -1, 100_001, "5", 2.5, True])
def test_impossible_stock_quantities_are_refused(offers, quantity):
    with pytest.raises(DomainError):
        vouchers.stock_in("warm", quantity, "到货")
    assert pack("warm").on_hand == 10


def test_stock_moves_need_a_reason(offers):
    with pytest.raises(DomainError):
        vouchers.stock_in("warm", 5, " ")


@pytest.mark.parametrize("key", ["", "Warm", "1warm", "warm;x=1", "w" * 33, "暖心"])
def test_pack_keys_are_short_codes_safe_for_count_cells(db, key):
    with pytest.raises(DomainError):
        vouchers.define_pack(key, "暖心小礼包")


def test_the_day_report_reconciles_with_stock(offers, volunteer):
    a, b, c = (issue(offers["warm"]) for _ in range(3))
    vouchers.redeem(a.code, volunteer, now=LATER)
    vouchers.void(b.code, volunteer, "duplicate", now=LATER)
    line = next(line for line in vouchers.day_report(DAY) if line.pack.key == "warm")
    assert (line.issued, line.redeemed, line.voided, line.expired, line.stock_in) == (3, 1, 1, 0, 10)
    assert line.pack.on_hand == line.stock_in - line.redeemed
    assert line.pack.reserved == line.issued - line.redeemed - line.voided - line.expired


def test_person_keys_are_forgotten_once_the_campaign_is_over(db):
    offers = stock_station(ends=DAY)
    issue(offers["return"], person("张三"))
    vouchers.release_expired(DAY + datetime.timedelta(days=1))
    assert Voucher.select().where(Voucher.person_key.is_null(False)).count() == 0


def test_an_offer_outside_its_campaign_dates_is_not_offered(db):
    offers = stock_station(starts=DAY + datetime.timedelta(days=1))
    assert vouchers.choices(None, DAY) == []
    with pytest.raises(DomainError):
        issue(offers["warm"])


def test_stock_on_hand_is_counted_for_the_day_even_when_it_falls_to_zero(db):
    stock_station(warm=2)
    vouchers.stock_out("warm", 2, "调拨到火车站", now=TOMORROW)
    cells = [c for c in counts.changed_since(0) if c.metric == "packs.on_hand" and c.dims["pack"] == "warm"]
    assert [(c.day, c.value) for c in cells] == [("2027-01-20", 2), ("2027-01-21", 0)]


def test_the_retention_purge_clears_the_person_key_of_vouchers_with_the_registrations(db):
    from kiosk import retention

    offers = stock_station()
    old = issue(offers["warm"], person_key=person("王芳"), now=MORNING)
    recent = issue(offers["warm"], person_key=person("李强"), now=MORNING + datetime.timedelta(days=25))
    retention.purge_personal_data(20, now=MORNING + datetime.timedelta(days=30))
    assert Voucher.get_by_id(old.id).person_key is None  # kept the ID/phone HMAC for good before
    assert Voucher.get_by_id(recent.id).person_key == person("李强")
