"""What people see of the printer: /healthz, and the status bar when someone should act."""

from kiosk import printing
from kiosk.printing.samples import sample_ticket
from tests.conftest import htmx_headers
from tests.conftest import make_app


def test_healthz_reports_the_real_printer_state_and_queue(tmp_path):
    client = make_app(tmp_path, PRINTER_URL="virtual://?fault=paper_out").test_client()
    printing.submit(sample_ticket("voucher"))
    printing.process_queue()
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok"  # paper out is reported, not a reason to restart the kiosk
    printer = body["printer"]
    assert (printer["state"], printer["backend"], printer["waiting"]) == ("paper_out", "virtual", 1)
    assert "paper out" in printer["last_error"]
    assert printer["checked_at"].endswith("Z")


def test_the_default_preview_printer_is_healthy(client):
    printer = client.get("/healthz").get_json()["printer"]
    assert (printer["state"], printer["backend"], printer["profile"]) == ("ok", "preview", "generic58")


def test_the_status_bar_says_nothing_while_the_printer_is_fine(client):
    html = client.get("/statusbar", headers=htmx_headers()).get_data(as_text=True)
    assert '<div id="printer" hidden></div>' in html


CONSOLE = htmx_headers(**{"HX-Current-URL": "http://kiosk/volunteer/"})


def test_the_console_status_bar_calls_a_volunteer_when_the_printer_is_out_of_paper(tmp_path):
    client = make_app(tmp_path, PRINTER_URL="virtual://?fault=paper_out").test_client()
    printing.submit(sample_ticket("voucher"))
    html = client.get("/statusbar", headers=CONSOLE).get_data(as_text=True)
    assert "自助机需要志愿者" in html and "打印机缺纸" in html and "1 张待打印" in html
    assert "data-call=" in html  # the console chimes on a new call


def test_the_worker_status_bar_says_nothing_a_worker_cannot_act_on(tmp_path):
    client = make_app(tmp_path, PRINTER_URL="virtual://?fault=paper_out").test_client()
    printing.submit(sample_ticket("voucher"))
    html = client.get("/statusbar", headers=htmx_headers()).get_data(as_text=True)
    assert '<div id="printer" hidden></div>' in html and "打印机" not in html


def test_the_console_status_bar_warns_early_when_paper_runs_low(tmp_path):
    client = make_app(tmp_path, PRINTER_URL="virtual://?fault=paper_low").test_client()
    html = client.get("/statusbar", headers=CONSOLE).get_data(as_text=True)
    assert "printer-warning" in html and "打印纸快用完了" in html


def test_a_broken_print_queue_never_breaks_a_page(tmp_path, app, client):
    from kiosk.models import database

    with app.app_context(), database.connection_context():
        database.execute_sql("DROP TABLE printjob")
    assert client.get("/").status_code == 200
    assert client.get("/healthz").get_json()["printer"]["state"] == "unknown"
