"""The print queue: in order, faults leave jobs waiting, restarts lose nothing, reprints are explicit."""

import datetime

import pytest

from kiosk import printing
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import NotFound
from kiosk.models import AuditEntry
from kiosk.printing.models import PrintJob
from kiosk.printing.samples import sample_ticket
from kiosk.printing.ticket import Ticket
from tests.conftest import make_app


def virtual_app(tmp_path, url="virtual://", **config):
    return make_app(tmp_path, PRINTER_URL=url, **config)


def voucher(code):
    return sample_ticket("voucher", code=code)


def test_submit_queues_the_ticket_and_returns_at_once(tmp_path):
    virtual_app(tmp_path)
    job = printing.submit(voucher("V-1"))
    assert job.state == "queued"
    assert printing.backend().received == []
    assert printing.printer_status().waiting == 1


def test_jobs_print_in_the_order_they_were_submitted(tmp_path):
    virtual_app(tmp_path)
    jobs = [printing.submit(voucher(f"V-{n}")) for n in range(3)]
    run = printing.process_queue()
    assert run.printed == [job.id for job in jobs]
    assert printing.backend().received == [(job.name, job.data) for job in jobs]
    assert {job.state for job in PrintJob.select()} == {"printed"}


@pytest.mark.parametrize("fault", ["paper_out", "offline", "cover_open"])
def test_a_printer_fault_leaves_the_job_queued_with_the_reason(tmp_path, fault):
    virtual_app(tmp_path, f"virtual://?fault={fault}")
    job = printing.submit(voucher("V-1"))
    run = printing.process_queue()
    assert run.printed == [] and run.error.state == fault
    job = PrintJob.get_by_id(job.id)
    assert (job.state, job.attempts) == ("queued", 1)
    assert fault.replace("_", " ") in job.last_error
    status = printing.printer_status()
    assert status.state == fault and status.problem and status.waiting == 1


def test_nothing_jumps_the_queue_while_the_first_job_fails(tmp_path):
    virtual_app(tmp_path, "virtual://?fault=paper_out")
    first, second = printing.submit(voucher("V-1")), printing.submit(voucher("V-2"))
    printing.process_queue()
    assert PrintJob.get_by_id(second.id).attempts == 0
    printing.backend().set(fault=None)
    assert printing.process_queue().printed == [first.id, second.id]


def test_paper_running_out_mid_job_keeps_the_job_for_later(tmp_path):
    virtual_app(tmp_path, "virtual://?delay=0.5")
    job = printing.submit(voucher("V-1"))
    printer = printing.backend()
    printer.set(fault=None, delay=0.5)
    import threading

    def run_out_mid_job():  # once the printer has the job: a fixed delay raced the claim on a busy machine
        if printer.receiving.wait(10):
            printer.set(fault="paper_out", delay=0.5)

    threading.Thread(target=run_out_mid_job).start()
    run = printing.process_queue()
    assert run.error.state == "paper_out" and "during the job" in run.error.detail
    assert PrintJob.get_by_id(job.id).state == "queued"


def test_a_printer_slower_than_the_timeout_fails_the_job_instead_of_hanging(tmp_path):
    virtual_app(tmp_path, "virtual://?delay=30", PRINTER_TIMEOUT=0.2)
    printing.submit(voucher("V-1"))
    run = printing.process_queue()
    assert run.error.state == "offline" and "more than" in run.error.detail


def test_a_queued_job_survives_a_restart_and_prints_the_same_bytes(tmp_path):
    virtual_app(tmp_path, "virtual://?fault=offline")
    job = printing.submit(voucher("V-1"))
    printing.process_queue()
    virtual_app(tmp_path, "virtual://")  # the kiosk restarts; the printer is back
    run = printing.process_queue()
    assert run.printed == [job.id]
    assert printing.backend().received == [(job.name, job.data)]


def test_a_job_cut_off_by_a_crash_is_flagged_for_a_volunteer_not_resent(tmp_path):
    virtual_app(tmp_path)
    job = printing.submit(voucher("V-1"))
    PrintJob.update(state="printing").where(PrintJob.id == job.id).execute()  # as a power cut leaves it
    app = virtual_app(tmp_path, PRINTER_WORKER=True)
    try:
        app.test_client().get("/")  # the first request starts the worker, which recovers first
        job = PrintJob.get_by_id(job.id)
        assert job.state == "failed" and "may have printed" in job.last_error
        assert printing.backend().received == []
        status = printing.printer_status()
        assert status.needs_attention == 1 and status.problem
    finally:
        assert printing.stop_worker()
    copy = printing.reprint(job.id, "did not come out")
    assert printing.process_queue().printed == [copy.id]


def test_a_power_cut_while_a_backlog_prints_leaves_only_the_ticket_in_the_printer_in_doubt(tmp_path):
    """While the printer takes ticket N, the file on disk (all a power cut leaves) says: before N printed, N printing.

    The earlier tickets' "printed" marks are committed with the next ticket's claim, never after it.
    """
    import sqlite3

    virtual_app(tmp_path)
    jobs = [printing.submit(voucher(f"V-{n}")) for n in range(4)]
    printer = printing.backend()
    on_disk = []
    receive = printer.send

    def send(data, name, **kwargs):  # another connection: it sees only what was committed
        with sqlite3.connect(tmp_path / "kiosk.sqlite3") as other:
            on_disk.append(dict(other.execute("SELECT id, state FROM printjob").fetchall()))
        receive(data, name, **kwargs)

    printer.send = send
    assert printing.process_queue().printed == [job.id for job in jobs]
    for n, states in enumerate(on_disk):
        assert [states[job.id] for job in jobs] == ["printed"] * n + ["printing"] + ["queued"] * (3 - n)
    assert all(job.printed_at for job in PrintJob.select())
    assert {job.state for job in PrintJob.select()} == {"printed"}


def test_a_run_stopped_or_failed_mid_backlog_still_marks_the_tickets_that_came_out(tmp_path):
    virtual_app(tmp_path)
    first, second, third = (printing.submit(voucher(f"V-{n}")) for n in range(3))
    printer = printing.backend()
    receive = printer.send

    def send(data, name, **kwargs):
        if name == third.name:
            printer.set(fault="paper_out")
        receive(data, name, **kwargs)

    printer.send = send
    run = printing.process_queue()
    printer.send = receive
    assert run.printed == [first.id, second.id] and run.error.state == "paper_out"
    states = {job.id: job.state for job in PrintJob.select()}
    assert states == {first.id: "printed", second.id: "printed", third.id: "queued"}
    printer.set(fault=None)
    assert printing.process_queue(limit=1).printed == [third.id]
    assert PrintJob.get_by_id(third.id).state == "printed"


def test_a_reprint_sends_the_same_bytes_and_code_marked_as_a_reprint(tmp_path):
    virtual_app(tmp_path)
    job = printing.submit(voucher("V-1"))
    printing.process_queue()
    copy = printing.reprint(job.id, "  paper   jammed ")
    printing.process_queue()
    assert (copy.code, bytes(copy.data), copy.reprint_of_id, copy.reprint_reason) == ("V-1", job.data, job.id, "paper jammed")
    assert [data for _, data in printing.backend().received] == [job.data, job.data]
    entry = AuditEntry.about("voucher:V1").get()
    assert (entry.action, entry.reason) == ("reprint", "paper jammed")


def test_a_second_submit_of_the_same_code_is_refused_not_printed_twice(tmp_path):
    virtual_app(tmp_path)
    printing.submit(voucher("V-1"))
    with pytest.raises(Conflict):
        printing.submit(voucher("V-1"))
    assert PrintJob.select().count() == 1


def test_a_reprint_of_a_ticket_still_waiting_is_refused(tmp_path):
    virtual_app(tmp_path, "virtual://?fault=paper_out")
    job = printing.submit(voucher("V-1"))
    with pytest.raises(Conflict):
        printing.reprint(job.id, "nothing came out")
    printing.backend().set(fault=None)
    printing.process_queue()
    first = printing.reprint(job.id, "smudged")
    with pytest.raises(Conflict):
        printing.reprint(first.id, "tapped twice")


def test_a_reprint_needs_a_reason_and_an_existing_job(tmp_path):
    virtual_app(tmp_path)
    with pytest.raises(NotFound):
        printing.reprint(999, "lost")
    job = printing.submit(voucher("V-1"))
    printing.process_queue()
    with pytest.raises(DomainError):
        printing.reprint(job.id, "   ")


def test_test_pages_without_a_code_can_print_any_number_of_times(tmp_path):
    virtual_app(tmp_path)
    page = Ticket(kind="test", title="测试")
    printing.submit(page)
    printing.submit(page)
    assert len(printing.process_queue().printed) == 2


def test_unprintable_names_are_refused_before_queueing_or_replaced_on_request(tmp_path):
    virtual_app(tmp_path)
    ticket = Ticket(kind="luggage", title="行李寄存凭证", lines=(("姓名", "吉𠮷先生"), "🧳 两件"), code="L-1")
    with pytest.raises(printing.UnprintableText) as refused:
        printing.submit(ticket)
    assert refused.value.chars == ("𠮷", "🧳")
    assert PrintJob.select().count() == 0
    job = printing.submit(ticket, unprintable="replace")
    assert "姓名：吉□先生".encode("gbk") in job.data
    assert printing.check_text("吉𠮷") == ["𠮷"]


def test_the_printer_status_reports_the_queue_and_the_device(tmp_path):
    virtual_app(tmp_path)
    status = printing.printer_status()
    assert (status.state, status.backend, status.waiting, status.problem) == ("ok", "virtual", 0, False)
    printing.backend().set(fault="paper_low")
    assert printing.printer_status().notice == "Printer paper running low"


def age(job, minutes):
    """Pretend a job was queued this many minutes ago."""
    queued_at = PrintJob.get_by_id(job.id).created_at - datetime.timedelta(minutes=minutes)
    PrintJob.update(created_at=queued_at).where(PrintJob.id == job.id).execute()


def test_a_backlog_older_than_the_limit_waits_for_a_volunteer_instead_of_printing(tmp_path):
    virtual_app(tmp_path, "virtual://?fault=paper_out", PRINTER_STALE_MINUTES=15)
    old, recent = printing.submit(voucher("V-1")), printing.submit(voucher("V-2"))
    printing.process_queue()
    age(old, 40)  # paper was out for 40 minutes: that worker is long gone
    printing.backend().set(fault=None)

    run = printing.process_queue()

    assert run.printed == [recent.id]
    assert printing.backend().received == [(recent.name, recent.data)]
    old = PrintJob.get_by_id(old.id)
    assert old.state == "failed" and old.held_too_long
    assert printing.printer_status().needs_attention == 1
    copy = printing.reprint(old.id, "worker came back")  # a volunteer prints it on request
    assert printing.process_queue().printed == [copy.id]


def test_with_no_limit_the_whole_backlog_prints(tmp_path):
    virtual_app(tmp_path, PRINTER_STALE_MINUTES=0, PRINTER_HOLD_MINUTES={})
    job = printing.submit(voucher("V-1"))
    age(job, 600)
    assert printing.process_queue().printed == [job.id]


def test_a_kiosk_voucher_older_than_its_short_hold_waits_while_a_luggage_ticket_still_prints(tmp_path):
    virtual_app(tmp_path, "virtual://?fault=paper_out")  # defaults: vouchers held after 2 min, others after 15
    late_voucher = printing.submit(voucher("V-1"))
    luggage = printing.submit(Ticket(kind="luggage", title="行李寄存凭证", lines=("A架",), code="L-1"))
    printing.process_queue()
    age(late_voucher, 3)
    age(luggage, 3)
    printing.backend().set(fault=None)

    run = printing.process_queue()

    assert run.held == [late_voucher.id]
    assert run.printed == [luggage.id]
    assert PrintJob.get_by_id(late_voucher.id).held_too_long
