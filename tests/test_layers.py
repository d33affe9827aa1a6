"""The dependency direction of ARCHITECTURE.md, checked on the source itself:
views → domain → models; domain modules never import Flask; only
kiosk/printing/escpos_* imports python-escpos; nothing but create_app imports views."""

import ast
from pathlib import Path

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"
# Modules that are the Flask edge by design.
FLASK_EDGE = {"__init__.py", "i18n.py", "database.py", "cli.py"}


def imports_of(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def python_files(folder):
    return sorted(p for p in folder.rglob("*.py") if ".venv" not in p.parts)


def rel(path):
    return path.relative_to(KIOSK).as_posix()


def test_domain_modules_do_not_import_flask():
    offenders = []
    for path in KIOSK.glob("*.py"):
        if path.name in FLASK_EDGE or path.name.endswith("_cli.py"):
            continue
        offenders += [(rel(path), m) for m in imports_of(path) if m.split(".")[0] in {"flask", "flask_babel", "flask_htmx", "werkzeug"}]
    assert offenders == []


def test_models_import_peewee_only():
    allowed = {"peewee", "playhouse", "datetime", "uuid", "json", "enum"}
    for path in [KIOSK / "models.py", *KIOSK.glob("models_*.py")]:
        # A feature's own models module builds on the shared BaseModel, and nothing else of ours.
        modules = {m for m in imports_of(path) if m != "kiosk.models"}
        assert {m.split(".")[0] for m in modules} <= allowed, rel(path)


def test_only_escpos_modules_import_python_escpos():
    offenders = [
        (rel(path), m)
        for path in python_files(KIOSK)
        for m in imports_of(path)
        if m.split(".")[0] == "escpos" and not path.name.startswith("escpos_")
    ]
    assert offenders == []


def test_nothing_imports_the_views_but_the_app_factories():
    factories = {"__init__.py", "central/__init__.py"}
    offenders = [
        (rel(path), m)
        for path in python_files(KIOSK)
        if rel(path) not in factories and not rel(path).startswith("views/")
        and not rel(path).startswith("central/views")
        for m in imports_of(path)
        if m.startswith("kiosk.views")
    ]
    assert offenders == []


def test_the_printing_layout_is_pure():
    layout = KIOSK / "printing" / "layout.py"
    for module in imports_of(layout):
        top = module.split(".")[0]
        assert top in {"dataclasses", "unicodedata", "textwrap", "typing", "enum", "kiosk"}, module
        assert not module.startswith("kiosk") or module.startswith("kiosk.printing.ticket"), module
