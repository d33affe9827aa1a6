"""The printer's state in the status bar, as a worker or volunteer sees it in Chromium."""

from kiosk import printing
from kiosk.printing.samples import sample_ticket
from tests.conftest import add_volunteer
from tests.e2e.conftest import VIEWPORTS
from tests.e2e.test_luggage import sign_in
from tests.e2e.conftest import screenshot


def test_a_printer_out_of_paper_calls_a_volunteer_on_the_console_and_clears_when_refilled(page, serve):
    server = serve(PRINTER_URL="virtual://?fault=paper_out")
    add_volunteer(server.app)
    printing.submit(sample_ticket("voucher"))
    printing.process_queue()
    sign_in(page, server)
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.goto(f"{server.url}/volunteer/")
        notice = page.locator("#printer")
        assert notice.is_visible()
        assert "自助机需要志愿者" in notice.inner_text()
        assert "打印机缺纸" in notice.inner_text() and "1 张待打印" in notice.inner_text()
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, label
        screenshot(page, f"printer-paper-out-{size['width']}x{size['height']}")
    page.goto(server.url)  # the worker's bar says nothing a worker cannot act on
    assert page.locator("#printer").is_hidden()
    printing.backend().set(fault=None)
    printing.process_queue()
    sign_in(page, server)
    assert page.locator("#printer").is_hidden()


def test_a_ticket_preview_renders_on_a_kiosk_page(page, live_server):
    uri = printing.preview_data_uri(sample_ticket("voucher"))
    page.goto(live_server.url)
    page.evaluate(
        """uri => { const img = document.createElement('img'); img.src = uri; img.id = 'ticket-preview';
                   img.style = 'position:fixed;top:110px;right:20px;height:470px;border:2px solid #888';
                   document.body.appendChild(img); }""",
        uri,
    )
    size = page.evaluate(
        "new Promise(ok => { const i = document.getElementById('ticket-preview');"
        " i.complete ? ok([i.naturalWidth, i.naturalHeight]) : i.onload = () => ok([i.naturalWidth, i.naturalHeight]); })"
    )
    assert size[0] == 384 + 48 and size[1] > 600
    screenshot(page, "printer-ticket-preview")
