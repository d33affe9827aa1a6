"""The central office may use the sync format, never the kiosk's views."""

import ast
from pathlib import Path

CENTRAL = Path(__file__).resolve().parents[2] / "kiosk" / "central"


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_central_office_never_imports_kiosk_views():
    offenders = [
        f"{path.name}: {module}"
        for path in CENTRAL.rglob("*.py")
        for module in imported_modules(path)
        if module == "kiosk.views" or module.startswith("kiosk.views.")
    ]
    assert offenders == []


def test_the_central_office_takes_the_wire_format_from_kiosk_sync():
    modules = {module for path in CENTRAL.rglob("*.py") for module in imported_modules(path)}
    assert "kiosk.sync" in modules
