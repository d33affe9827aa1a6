"""The bytes each printer model gets, pinned by golden files (tests/golden/escpos/).

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/test_printing_escpos.py``
and review the diff of the .bin files (``cmp -l`` or ``xxd``).
"""

import logging
import os
import re
from pathlib import Path

import pytest

from kiosk.printing import escpos_build
from kiosk.printing.charset import UnprintableText
from kiosk.printing.profiles import get_profile
from kiosk.printing.samples import KINDS
from kiosk.printing.samples import sample_ticket
from kiosk.printing.ticket import Ticket

GOLDEN = Path(__file__).parent / "golden" / "escpos"
PROFILES = ["generic58", "generic80", "tm-t20", "generic58?qr=image"]
RASTER = re.compile(rb"\x1dv0(.)(..)(..)", re.S)

GS_SIZE_2X = b"\x1d!\x11"
ESC_BANG = b"\x1b!"
CHINESE_MODE = b"\x1c&"
PARTIAL_CUT = b"\x1dV\x01"


def without_raster_pixels(data):
    """Replace each GS v 0 image's pixels by its size: glyph pixels depend on the font build."""
    out, position = bytearray(), 0
    while (match := RASTER.search(data, position)) is not None:
        width_bytes = int.from_bytes(match.group(2), "little")
        rows = int.from_bytes(match.group(3), "little")
        out += data[position : match.start()] + b"\x1dv0[raster %d rows]" % rows
        position = match.end() + width_bytes * rows
    return bytes(out + data[position:])


def golden_name(profile):
    return profile.replace("?", "-").replace("=", "-")


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("kind", KINDS)
def test_each_ticket_kind_builds_the_golden_bytes_for_each_profile(kind, profile):
    data = escpos_build.build(sample_ticket(kind), get_profile(profile))
    if get_profile(profile).text == "raster":
        data = without_raster_pixels(data)
    path = GOLDEN / golden_name(profile) / f"{kind}.bin"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    assert data == path.read_bytes()


def test_a_58mm_voucher_with_native_qr_is_under_400_bytes():
    data = escpos_build.build(sample_ticket("voucher"), get_profile("generic58"))
    assert len(data) <= 400


def test_chinese_printers_get_chinese_mode_gbk_text_and_gs_sizes():
    data = escpos_build.build(sample_ticket("voucher"), get_profile("generic58"))
    assert data.startswith(b"\x1b@" + CHINESE_MODE)
    assert "暖心礼包领取凭证".encode("gbk") in data
    assert "站点：乐山客运中心站".encode("gbk") in data
    assert GS_SIZE_2X in data and ESC_BANG not in data


def test_the_native_qr_is_size_6_with_ec_m_for_vouchers_and_q_for_luggage():
    voucher = escpos_build.build(sample_ticket("voucher"), get_profile("generic58"))
    luggage = escpos_build.build(sample_ticket("luggage"), get_profile("generic58"))
    assert b"\x1d(k\x03\x001C\x06" in voucher  # module size 6
    assert b"\x1d(k\x03\x001E1" in voucher  # EC M
    assert b"\x1d(k\x03\x001E2" in luggage  # EC Q
    payload = sample_ticket("voucher").qr.encode()
    assert b"\x1d(k" + (len(payload) + 3).to_bytes(2, "little") + b"1P0" + payload in voucher
    qr_start = voucher.index(b"\x1d(k")
    assert voucher[qr_start - 1 : qr_start] == b"\n"  # on its own line
    assert voucher[voucher.rindex(b"\x1ba", 0, qr_start) :].startswith(b"\x1ba\x01")  # centred


def test_only_models_with_a_cutter_get_a_cut():
    assert PARTIAL_CUT in escpos_build.build(sample_ticket("voucher"), get_profile("generic80"))
    without = escpos_build.build(sample_ticket("voucher"), get_profile("generic58"))
    assert b"\x1dV" not in without
    assert without.endswith(b"\x1bd\x04")  # fed past the tear bar instead
    assert PARTIAL_CUT in escpos_build.build(sample_ticket("voucher"), get_profile("generic58?cutter=yes"))


def test_an_epson_without_chinese_font_gets_chinese_as_images_and_ascii_as_text():
    data = escpos_build.build(sample_ticket("voucher"), get_profile("tm-t20"))
    assert CHINESE_MODE not in data
    assert "暖心".encode("gbk") not in data and "暖心".encode("gb18030") not in data
    assert data.count(b"\x1dv0") >= 6
    assert b"7K9M-Q2XA\n" in data


def test_the_image_qr_fallback_sends_no_native_qr():
    data = escpos_build.build(sample_ticket("voucher"), get_profile("generic58?qr=image"))
    assert b"\x1d(k" not in data
    assert b"\x1dv0" in data


def test_unprintable_characters_are_refused_before_any_byte_is_built():
    ticket = Ticket(kind="voucher", title="领取凭证", lines=("姓名：吉𠮷",))
    with pytest.raises(UnprintableText) as refused:
        escpos_build.build(ticket, get_profile("generic58"))
    assert refused.value.chars == ("𠮷",)


def test_importing_python_escpos_leaves_logging_and_temp_folders_alone():
    assert os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"].endswith(os.path.join("nuantu-kiosk", "escpos"))
    basic = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert basic == []
