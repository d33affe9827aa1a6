"""PNG previews show the ticket as printed, with a QR code a phone can read."""

import io

import pytest
import zxingcpp
from PIL import Image

from kiosk import printing
from kiosk.printing import render
from kiosk.printing.profiles import get_profile
from kiosk.printing.samples import KINDS
from kiosk.printing.samples import sample_ticket
from tests.conftest import make_app


def decode_qr(png):
    image = Image.open(io.BytesIO(png))
    return [result.text for result in zxingcpp.read_barcodes(image) if result.format == zxingcpp.BarcodeFormat.QRCode]


@pytest.mark.parametrize("profile", ["generic58", "generic80", "tm-t20"])
@pytest.mark.parametrize("kind", KINDS)
def test_the_preview_qr_decodes_back_to_the_ticket_payload(kind, profile):
    ticket = sample_ticket(kind)
    png = printing.preview_png(ticket, profile)
    assert decode_qr(png) == [ticket.qr]


def test_the_preview_is_as_wide_as_the_paper(app):
    image = Image.open(io.BytesIO(printing.preview_png(sample_ticket("voucher"))))
    assert image.width == get_profile("generic58").dots + 2 * render.PAPER_MARGIN


def test_the_preview_backend_writes_the_exact_bytes_and_a_png_per_job(tmp_path):
    make_app(tmp_path, PRINTER_URL=f"preview://{tmp_path / 'prints'}")
    job = printing.submit(sample_ticket("voucher"))
    printing.process_queue()
    assert (tmp_path / "prints" / f"{job.name}.bin").read_bytes() == job.data
    assert decode_qr((tmp_path / "prints" / f"{job.name}.png").read_bytes()) == [sample_ticket("voucher").qr]


def test_a_job_preview_uses_the_profile_its_bytes_were_built_for(tmp_path):
    make_app(tmp_path, PRINTER_URL="virtual://", PRINTER_PROFILE="generic80")
    job = printing.submit(sample_ticket("luggage"))
    image = Image.open(io.BytesIO(printing.preview_png(job.id)))
    assert image.width == get_profile("generic80").dots + 2 * render.PAPER_MARGIN
    assert printing.preview_data_uri(job).startswith("data:image/png;base64,")


def test_without_a_cjk_font_the_preview_still_renders_and_says_what_is_missing(monkeypatch):
    monkeypatch.setenv("KIOSK_PRINT_FONT", "/nonexistent/font.ttc")
    assert render.font_source() is None
    image = render.render_ticket(sample_ticket("voucher"), get_profile("generic58"))
    banner = image.crop((0, 0, image.width, 20))
    assert banner.getextrema()[0] == 0  # the black banner across the top
    assert decode_qr(render.png_bytes(image)) == [sample_ticket("voucher").qr]


def test_without_a_cjk_font_a_rasterising_printer_refuses_instead_of_printing_boxes(tmp_path, monkeypatch):
    monkeypatch.setenv("KIOSK_PRINT_FONT", "/nonexistent/font.ttc")
    make_app(tmp_path, PRINTER_URL="virtual://", PRINTER_PROFILE="tm-t20")
    with pytest.raises(printing.MissingFont):
        printing.submit(sample_ticket("voucher"))
    assert printing.printer_status().waiting == 0
