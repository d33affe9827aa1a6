"""The central office may use the sync wire format, never the kiosk's views."""

import re
from pathlib import Path

CENTRAL = Path(__file__).resolve().parents[2] / "kiosk" / "central"
VIEWS_IMPORT = re.compile(r"^\s*(from\s+kiosk\.views\b|from\s+kiosk\s+import\s+.*\bviews\b|import\s+kiosk\.views\b)", re.M)


def sources():
    return {path.relative_to(CENTRAL).as_posix(): path.read_text() for path in CENTRAL.rglob("*.py")}


def test_the_central_office_never_imports_kiosk_views():
    assert [name for name, text in sources().items() if VIEWS_IMPORT.search(text)] == []


def test_the_central_office_takes_the_wire_format_from_kiosk_sync_wire():
    assert any(re.search(r"^from kiosk.sync import wire$", text, re.M) for text in sources().values())
