"""The volunteer console's printer panel: state in plain words, reprint and cancel, audited."""

import datetime

import pytest

from kiosk import printing
from kiosk.models import AuditEntry
from kiosk.models import database
from kiosk.printing import Ticket
from kiosk.printing.models import PrintJob
from kiosk.printing.samples import sample_ticket
from tests.conftest import add_volunteer
from tests.conftest import htmx_headers
from tests.conftest import make_app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, PRINTER_URL="virtual://", PRINTER_WORKER=False)


@pytest.fixture
def signed_in(app, client, auth):
    auth.sign_in(add_volunteer(app))
    return client


def queue_ticket(app, code="7K9M-Q2XA"):
    with app.app_context(), database.connection_context():
        return printing.submit(Ticket(kind="voucher", title="暖心礼包领取凭证", code=code, qr="NT1.V.TEST")).id


def job_state(app, job_id):
    with app.app_context(), database.connection_context():
        return PrintJob.get_by_id(job_id).state


def test_the_panel_says_what_to_do_in_plain_words(tmp_path):
    app = make_app(tmp_path, PRINTER_URL="virtual://?fault=paper_out", PRINTER_WORKER=False)
    client = app.test_client()
    client.post("/volunteer/sign-in", data={"volunteer_id": add_volunteer(app), "pin": "2468"})
    queue_ticket(app)
    page = client.get("/volunteer/printer/").get_data(as_text=True)
    assert "打印机缺纸" in page
    assert "装纸：打开打印机盖" in page
    assert "1 张待打印" in page


def test_a_waiting_job_can_be_cancelled_with_a_reason_that_is_audited(app, signed_in):
    job = queue_ticket(app)
    response = signed_in.post(f"/volunteer/printer/jobs/{job}/cancel", data={"reason": "Nobody is waiting for it"},
                              headers=htmx_headers())
    assert response.status_code == 200
    assert job_state(app, job) == "cancelled"
    with app.app_context(), database.connection_context():
        entry = AuditEntry.get(AuditEntry.action == "cancel-print")
    assert (entry.subject, entry.reason, entry.volunteer.name) == ("voucher:7K9MQ2XA", "Nobody is waiting for it", "王芳")


def test_a_cancelled_job_is_never_sent(app, signed_in):
    job = queue_ticket(app)
    signed_in.post(f"/volunteer/printer/jobs/{job}/cancel", data={"reason": "Printed by mistake"})
    with app.app_context():
        run = printing.process_queue()
    assert job not in run.printed
    assert job_state(app, job) == "cancelled"


def test_a_printed_job_cannot_be_cancelled_but_can_be_reprinted_with_the_same_code(app, signed_in):
    job = queue_ticket(app)
    with app.app_context():
        printing.process_queue()
    refused = signed_in.post(f"/volunteer/printer/jobs/{job}/cancel", data={"reason": "Printed by mistake"},
                             headers=htmx_headers())
    assert refused.status_code == 409
    signed_in.post(f"/volunteer/printer/jobs/{job}/reprint", data={"reason": "Paper jam"}, headers=htmx_headers())
    with app.app_context(), database.connection_context():
        copy = PrintJob.get(PrintJob.reprint_of == job)
        assert copy.code == "7K9M-Q2XA"
        assert AuditEntry.get(AuditEntry.action == "reprint").reason == "Paper jam"


def test_cancelling_without_a_reason_changes_nothing(app, signed_in):
    job = queue_ticket(app)
    response = signed_in.post(f"/volunteer/printer/jobs/{job}/cancel", data={"reason": " "}, headers=htmx_headers())
    assert response.status_code == 400
    assert job_state(app, job) == "queued"


def test_the_printer_panel_needs_a_signed_in_volunteer(app, client):
    job = queue_ticket(app)
    assert client.post(f"/volunteer/printer/jobs/{job}/cancel", data={"reason": "x"}).status_code == 303
    assert job_state(app, job) == "queued"


def test_the_panel_says_which_tickets_were_held_back_as_too_old(tmp_path):
    app = make_app(tmp_path, PRINTER_STALE_MINUTES=15)
    volunteer = add_volunteer(app)
    job = printing.submit(sample_ticket("voucher", code="V-OLD"))
    PrintJob.update(created_at=job.created_at - datetime.timedelta(hours=1)).where(PrintJob.id == job.id).execute()
    printing.process_queue()
    client = app.test_client()
    client.post("/volunteer/sign-in", data={"volunteer_id": volunteer, "pin": "2468"})

    panel = client.get("/volunteer/printer/").get_data(as_text=True)

    assert "未打印：等待太久" in panel
    assert f"/volunteer/printer/jobs/{job.id}/reprint" in panel
