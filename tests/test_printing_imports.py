"""The printing package's dependency rules (ARCHITECTURE.md), checked on the source."""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "kiosk" / "printing"
STDLIB = set(sys.stdlib_module_names)


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_only_escpos_build_imports_python_escpos():
    users = {p.name for p in PACKAGE.glob("*.py") if any(m.split(".")[0] == "escpos" for m in imported_modules(p))}
    assert users == {"escpos_build.py"}


def test_layout_and_ticket_use_the_standard_library_only():
    for name in ("layout.py", "ticket.py"):
        assert {m.split(".")[0] for m in imported_modules(PACKAGE / name)} <= STDLIB, name


def test_nothing_in_printing_but_its_cli_imports_flask_or_the_views():
    for path in PACKAGE.glob("*.py"):
        roots = {m for m in imported_modules(path) if m.split(".")[0] in ("flask", "click") or m.startswith("kiosk.views")}
        if path.name != "cli.py":
            assert roots == set(), path.name
