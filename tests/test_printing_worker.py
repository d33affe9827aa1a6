"""The worker prints in the background, so no screen ever waits for paper."""

import threading
import time

from flask import Blueprint
from flask import request

from kiosk import printing
from kiosk.printing.models import PrintJob
from kiosk.printing.samples import sample_ticket
from tests.conftest import htmx_headers
from tests.conftest import make_app


def finishes(action, seconds=10):
    """Run action in a thread; return its result, or fail if it is still running after seconds."""
    result = []
    thread = threading.Thread(target=lambda: result.append(action()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the kiosk hung waiting for the printer"
    return result[0]


def app_with_a_ticket_endpoint(tmp_path, **config):
    """A kiosk app plus the kind of endpoint vouchers and luggage add: it submits a ticket."""
    app = make_app(tmp_path, **config)
    demo = Blueprint("demo_ticket", __name__)

    @demo.post("/demo-ticket")
    def issue():
        job = printing.submit(sample_ticket("voucher", code=request.form["code"]))
        return {"job": job.id, "state": job.state}

    app.register_blueprint(demo)
    return app


def test_screens_answer_while_the_printer_is_stuck_on_a_slow_job(tmp_path):
    app = app_with_a_ticket_endpoint(
        tmp_path, PRINTER_URL="virtual://?delay=120", PRINTER_WORKER=True, PRINTER_TIMEOUT=300
    )
    client = app.test_client()
    printer = printing.backend()
    try:
        assert client.post("/demo-ticket", data={"code": "V-1"}).get_json()["state"] == "queued"
        assert printer.receiving.wait(10), "the worker should be sending the first ticket"

        issued = finishes(lambda: client.post("/demo-ticket", data={"code": "V-2"}))
        home = finishes(lambda: client.get("/"))
        bar = finishes(lambda: client.get("/statusbar", headers=htmx_headers()))
        health = finishes(lambda: client.get("/healthz"))

        assert issued.status_code == home.status_code == bar.status_code == health.status_code == 200
        assert health.get_json()["printer"]["waiting"] == 2
    finally:
        printer.release()
        assert printing.stop_worker(10)
    # The stop let the job being sent finish; the one not started stays queued for the next start.
    assert [job.state for job in PrintJob.select().order_by(PrintJob.id)] == ["printed", "queued"]


def test_screens_answer_while_the_printer_is_offline(tmp_path):
    app = app_with_a_ticket_endpoint(tmp_path, PRINTER_URL="virtual://?fault=offline", PRINTER_WORKER=True)
    client = app.test_client()
    try:
        issued = finishes(lambda: client.post("/demo-ticket", data={"code": "V-1"}))
        assert issued.status_code == 200
        page = finishes(lambda: client.get("/volunteer/"))  # the console's bar calls a volunteer
        assert "打印机离线" in page.get_data(as_text=True)
    finally:
        assert printing.stop_worker(10)


def test_the_worker_prints_a_submitted_ticket_without_being_asked(tmp_path):
    app = make_app(tmp_path, PRINTER_URL="virtual://", PRINTER_WORKER=True)
    app.test_client().get("/")
    try:
        job = printing.submit(sample_ticket("voucher"))
        printer = printing.backend()
        finishes(lambda: _wait_for(lambda: printer.received))
        assert printer.received == [(job.name, job.data)]
    finally:
        assert printing.stop_worker(10)


def _wait_for(condition):
    event = threading.Event()
    while not condition():
        event.wait(0.05)
    return True


def test_tests_and_cli_commands_do_not_start_a_worker(tmp_path):
    app = make_app(tmp_path, PRINTER_URL="virtual://")
    app.test_client().get("/")
    printing.submit(sample_ticket("voucher"))
    threading.Event().wait(0.2)
    assert printing.backend().received == []


def test_the_backlog_prints_within_seconds_of_the_fault_clearing_not_after_the_back_off(tmp_path):
    app = make_app(tmp_path, PRINTER_URL="virtual://?fault=paper_out", PRINTER_WORKER=True)
    app.test_client().get("/")
    try:
        job = printing.submit(sample_ticket("voucher"))
        printer = printing.backend()
        time.sleep(8)  # failures 1 s, 2 s, 4 s apart: the worker now backs off 8 s, then 16 s, 30 s
        assert printer.received == []
        printer.set(fault=None)  # the volunteer puts paper in
        cleared = time.monotonic()
        finishes(lambda: _wait_for(lambda: printer.received), seconds=20)
        assert time.monotonic() - cleared < 4  # was up to 30 s
        assert printer.received == [(job.name, job.data)]
    finally:
        assert printing.stop_worker(10)


def test_a_normal_stop_lets_the_job_being_sent_finish_and_leaves_the_rest_clearly_unsent(tmp_path):
    from kiosk.models import database
    from kiosk.printing.models import PRINTED
    from kiosk.printing.models import QUEUED

    app = make_app(tmp_path, PRINTER_URL="virtual://?delay=1.5", PRINTER_WORKER=True)
    with app.app_context(), database.connection_context():
        ids = [printing.submit(sample_ticket("voucher", code=f"K7M2Q9X{n}")).id for n in range(3)]
    app.test_client().get("/")  # starts the worker, which begins on the first job
    printer = printing.backend()
    assert printer.receiving.wait(10)  # mid-send of the first job, as SIGTERM would find it
    assert printing.stop_worker(10)
    with app.app_context(), database.connection_context():
        states = [PrintJob.get_by_id(i).state for i in ids]
    assert states == [PRINTED, QUEUED, QUEUED]  # nothing left "printing", so nothing "may have printed"
    assert len(printer.received) == 1


def test_a_normal_stop_mid_backlog_leaves_every_ticket_that_came_out_marked_printed(tmp_path):
    """The first ticket's "printed" mark is written with the second's claim; the second's, when the stop ends the run."""
    from kiosk.models import database
    from kiosk.printing.models import PRINTED
    from kiosk.printing.models import QUEUED

    app = make_app(tmp_path, PRINTER_URL="virtual://?delay=0.6", PRINTER_WORKER=True)
    with app.app_context(), database.connection_context():
        ids = [printing.submit(sample_ticket("voucher", code=f"K7M2Q9X{n}")).id for n in range(3)]
    app.test_client().get("/")
    printer = printing.backend()
    deadline = time.monotonic() + 10
    while not (len(printer.received) == 1 and printer.receiving.is_set()):  # mid-send of the second ticket
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert printing.stop_worker(10)
    with app.app_context(), database.connection_context():
        states = [PrintJob.get_by_id(i).state for i in ids]
    assert states == [PRINTED, PRINTED, QUEUED]
    assert len(printer.received) == 2
