"""The scan box (kiosk/static/scan.js) knows the shape of a ticket payload: it must be kiosk.tokens' shape."""

import re
from pathlib import Path

from kiosk import clock
from kiosk import tokens

SCAN_JS = (Path(tokens.__file__).parent / "static" / "scan.js").read_text(encoding="utf-8")


def js_constant(name):
    return re.search(rf"var {name} = (.+?);", SCAN_JS).group(1)


def test_the_payload_the_scan_box_waits_for_is_the_one_tokens_writes():
    written = tokens.payload("L", tokens.new_code(), "0" * 32, clock.local_day(), "k" * 32)
    assert int(js_constant("PAYLOAD_LENGTH")) == len(written)
    assert js_constant("PAYLOAD_START") == f'"{tokens.VERSION}."'
    pattern = js_constant("PAYLOAD").strip("/")
    assert pattern.endswith("$") and re.fullmatch(pattern[:-1], written)
    assert "^" + pattern[:-1] + "$" == tokens._PAYLOAD.pattern.replace("([VLT])", "[VLT]").replace("(", "").replace(")", "")
