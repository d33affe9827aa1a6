"""Print-job retention: finished tickets' bytes go after PRINTJOB_RETENTION_DAYS, unless a
volunteer may still need to reprint them (an open voucher, bags still in custody)."""

import datetime

import pytest

from kiosk import clock
from kiosk import luggage
from kiosk import printing
from kiosk import retention
from kiosk import stations
from kiosk import tokens
from kiosk import vouchers
from kiosk.luggage import tickets as luggage_tickets
from kiosk.models import database
from kiosk.printing.models import PrintJob
from kiosk.printing.samples import sample_ticket
from kiosk.vouchers import Voucher
from kiosk.vouchers.ticket import build as voucher_ticket
from tests.conftest import add_volunteer
from tests.conftest import make_app
from tests.vouchers_factory import MORNING
from tests.vouchers_factory import issue
from tests.vouchers_factory import stock_station

DAY = datetime.timedelta(days=1)


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, PRINTER_URL="virtual://")


@pytest.fixture
def db(app):
    with app.app_context(), database.connection_context():
        yield


def age(job_id, days):
    """Make a job look as if it was queued and sent `days` ago."""
    then = clock.now() - days * DAY
    PrintJob.update(created_at=then, printed_at=then).where(PrintJob.id == job_id).execute()


def printed_job(code, days_ago):
    job = printing.submit(sample_ticket("voucher", code=code))
    printing.process_queue()
    age(job.id, days_ago)
    return job.id


def remaining():
    return {job.code for job in PrintJob.select()}


def test_finished_jobs_older_than_the_retention_are_deleted(db):
    printed_job("OLD-PRINTED", 31)
    printed_job("RECENT", 29)
    cancelled = printing.submit(sample_ticket("voucher", code="OLD-CANCELLED"))
    printing.cancel(cancelled.id, "nobody waiting")
    age(cancelled.id, 40)
    failed = printing.submit(sample_ticket("voucher", code="OLD-FAILED"))
    PrintJob.update(state="failed").where(PrintJob.id == failed.id).execute()
    age(failed.id, 40)
    assert retention.purge_print_jobs(30) == 3
    assert remaining() == {"RECENT"}


def test_jobs_still_waiting_for_the_printer_are_never_deleted(db):
    queued = printing.submit(sample_ticket("voucher", code="WAITING"))
    sending = printing.submit(sample_ticket("voucher", code="SENDING"))
    PrintJob.update(state="printing").where(PrintJob.id == sending.id).execute()
    age(queued.id, 90)
    age(sending.id, 90)
    assert retention.purge_print_jobs(30) == 0
    assert remaining() == {"WAITING", "SENDING"}


def test_a_job_printed_recently_after_a_long_wait_stays(db):
    job = printing.submit(sample_ticket("voucher", code="BACKLOG"))
    printing.process_queue()
    PrintJob.update(created_at=clock.now() - 40 * DAY).where(PrintJob.id == job.id).execute()
    assert retention.purge_print_jobs(30) == 0


def test_an_open_voucher_keeps_its_job_for_a_reprint_and_a_closed_one_lets_it_go(app, db):
    offers = stock_station()
    volunteer = add_volunteer(app)

    def print_voucher(voucher):
        info = stations.current()
        payload = vouchers.payload(voucher, info.kiosk_id, app.config["SIGNING_KEY"])
        return printing.submit(voucher_ticket(voucher, info, payload, lambda text, **p: text % p if p else text)).id

    still_open = issue(offers["warm"], printer=print_voucher)
    handed_out = issue(offers["warm"], printer=print_voucher)
    vouchers.redeem(handed_out.code, volunteer, now=MORNING)
    printing.process_queue()
    age(still_open.print_job, 40)
    age(handed_out.print_job, 40)

    assert retention.purge_print_jobs(30) == 1
    assert remaining() == {tokens.display_code(still_open.code)}
    assert Voucher.get_by_id(handed_out.id).print_job is None  # no dangling id a new job could reuse
    again = vouchers.reprint(still_open.code, volunteer, "other", "卡纸", reprinter=printing.reprint, now=MORNING)
    assert again.prints == 2


def luggage_setup(app):
    rules = luggage.Rules.from_config(app.config)
    keys = luggage.Keys(stations.current().kiosk_id, app.config["SIGNING_KEY"], app.config["PII_KEY"])

    def slips(deposit):
        return luggage_tickets.slips(deposit, luggage.bags_of(deposit), stations.current(), keys,
                                     lambda text, **p: text % p if p else text)

    def check_in():
        now = clock.now()
        # The kiosk's own default pick-up (closing time, or tomorrow's): "now + 12 h" fell in the
        # station's closed hours whenever these tests ran between 10:00 and 19:00 in Beijing.
        due = next(moment for moment, default in luggage.pickup_choices(rules, now) if default)
        return luggage.check_in(["suitcase"], "A", due, "", volunteer, rules, keys, now=now, slips=slips)

    volunteer = add_volunteer(app)
    return check_in, keys, volunteer


def test_bags_still_in_custody_keep_their_ticket_and_collected_ones_do_not(app, db):
    check_in, keys, volunteer = luggage_setup(app)
    in_custody, collected = check_in(), check_in()
    luggage.claim(tokens.display_code(collected.code), [1], volunteer, keys)
    printing.process_queue()
    age(luggage.print_job(in_custody).id, 40)
    age(luggage.print_job(collected).id, 40)

    assert retention.purge_print_jobs(30) == 1
    assert luggage.print_job(in_custody) is not None
    assert luggage.print_job(collected) is None


def test_an_old_reprint_of_a_kept_ticket_goes_but_the_original_stays(app, db):
    check_in, keys, volunteer = luggage_setup(app)
    deposit = check_in()
    original = luggage.print_job(deposit)
    printing.process_queue()
    copy = printing.reprint(original.id, "paper jam")
    printing.process_queue()
    age(original.id, 40)
    age(copy.id, 40)
    assert retention.purge_print_jobs(30) == 1
    assert [job.id for job in PrintJob.select()] == [original.id]


def test_an_old_original_with_a_recent_reprint_stays_with_it(db):
    original = printed_job("V-1", 40)
    copy = printing.reprint(original, "paper jam")
    printing.process_queue()
    assert retention.purge_print_jobs(30) == 0
    assert {job.id for job in PrintJob.select()} == {original, copy.id}


def test_a_negative_retention_is_refused(db):
    printed_job("V-1", 40)
    with pytest.raises(Exception) as refused:
        retention.purge_print_jobs(-1)
    assert "negative" in str(refused.value)
    assert remaining() == {"V-1"}


def test_the_cli_purges_with_the_configured_retention_by_default(tmp_path):
    app = make_app(tmp_path, PRINTER_URL="virtual://", PRINTJOB_RETENTION_DAYS=10)
    with app.app_context(), database.connection_context():
        printed_job("ELEVEN", 11)
        printed_job("NINE", 9)
    result = app.test_cli_runner().invoke(args=["printer", "purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 finished print job(s) older than 10 day(s)" in result.output
    with app.app_context(), database.connection_context():
        assert remaining() == {"NINE"}


def test_the_cli_takes_the_days_as_an_option(app):
    with app.app_context(), database.connection_context():
        printed_job("NINE", 9)
    result = app.test_cli_runner().invoke(args=["printer", "purge", "--older-than", "5"])
    assert result.exit_code == 0 and "deleted 1 " in result.output


def test_old_print_jobs_are_purged_on_the_first_request_of_a_day(app):
    client = app.test_client()
    client.get("/statusbar")  # today's purge has run
    with app.app_context(), database.connection_context():
        printed_job("OLD", 31)
        printed_job("RECENT", 1)
    client.get("/statusbar")
    with app.app_context(), database.connection_context():
        assert remaining() == {"OLD", "RECENT"}  # once a day, not on every request
    app.extensions["daily_purge"]["day"] = None  # as if the station-local day had turned
    client.get("/statusbar")
    with app.app_context(), database.connection_context():
        assert remaining() == {"RECENT"}
