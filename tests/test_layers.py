"""The dependency direction of ARCHITECTURE.md, checked on the source itself.

    views → domain packages → foundations
    domain → printing's public API (``kiosk.printing``), another domain's public names only
    central → foundations + ``kiosk.sync.wire``
    nothing but the app factory imports views

A module's layer is read off its path, so a new file lands in a layer by the
folder it is put in, and a new top-level package must be named below.
"""

import ast
from pathlib import Path

KIOSK = Path(__file__).resolve().parent.parent / "kiosk"

# Shared by every domain; they import no domain, no view, no printing.
FOUNDATIONS = {
    "audit", "cli_options", "clock", "config", "counts", "credentials", "database", "errors", "i18n",
    "keys", "metrics", "models", "personal_data", "pii_keys", "regions", "release_file", "serial_line", "stations", "tokens", "web",
}
# One package per domain: its __init__ is the use cases, beside models, tickets, cli.
DOMAINS = {
    "daybook", "help", "luggage", "registration", "retention", "scan", "simulate", "sync", "tallies",
    "trips", "updates", "volunteers", "vouchers",
}
# Devices and media at the kiosk: the ID card reader (hardware) and the spoken
# prompts (speech). Like printing they serve the views and import foundations
# only: no domain, no view, no Flask (their cli.py excepted).
DEVICES = {"hardware", "speech"}
# The app itself: the factory, the command line that gathers every domain's
# group, the table list and the server. They may import anything but views
# (the factory alone imports views).
APP = {"__init__", "cli", "schema", "serve"}
# Where the design card puts them.
CARD_PACKAGES = {"central", "printing", "views", "static", "templates", "translations", "data"}
# The formats both the kiosk and the central office speak: counts (kiosk → office),
# the office's signed content (office → kiosk) and sealed cases (kiosk → office).
# Any domain and the office may import them; they import foundations only.
WIRE_MODULES = {"wire", "content_wire", "sealed_wire"}
FLASK = {"flask", "flask_babel", "flask_htmx", "flask_wtf", "werkzeug"}


def imports_of(path):
    """Yield every module a file imports, with ``from X import Y`` also as ``X.Y``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            for alias in node.names:
                yield f"{node.module}.{alias.name}"


def python_files(folder):
    return sorted(p for p in folder.rglob("*.py") if ".venv" not in p.parts)


def rel(path):
    return path.relative_to(KIOSK).as_posix()


def top(path):
    """The first part of a kiosk module's path: its foundation module, domain or card package."""
    return rel(path).split("/")[0].removesuffix(".py")


def kiosk_part(module):
    """``kiosk.vouchers.models.Voucher`` → ["vouchers", "models", "Voucher"]; [] for other packages."""
    parts = module.split(".")
    return parts[1:] if parts[0] == "kiosk" else None


def test_every_kiosk_module_has_a_layer():
    unplaced = {top(p) for p in python_files(KIOSK)} - FOUNDATIONS - DOMAINS - APP - CARD_PACKAGES - DEVICES
    assert unplaced == set(), "name the layer of each new top-level module or package here"


def test_every_domain_is_a_package_not_a_module():
    assert {d for d in DOMAINS if not (KIOSK / d / "__init__.py").exists()} == set()
    assert {p.name for p in KIOSK.glob("*.py")} == {f"{m}.py" for m in FOUNDATIONS | APP}


def test_foundations_import_no_domain_view_or_printing():
    offenders = []
    for name in FOUNDATIONS:
        path = KIOSK / f"{name}.py"
        for module in imports_of(path):
            parts = kiosk_part(module)
            if parts and parts[0] not in FOUNDATIONS and parts != ["__version__"]:
                offenders.append((rel(path), module))
    assert offenders == []


def test_domains_and_foundations_do_not_import_flask_except_their_commands():
    offenders = []
    for path in python_files(KIOSK):
        if top(path) not in FOUNDATIONS | DOMAINS or path.name == "cli.py":
            continue
        # The Flask edge of the foundations, by design; web.py holds the URL converters (werkzeug)
        # that check input once at the edge for both apps.
        if rel(path) in {"i18n.py", "database.py", "web.py"}:
            continue
        offenders += [(rel(path), m) for m in imports_of(path) if m.split(".")[0] in FLASK]
    assert offenders == []


def test_domains_use_printing_and_each_other_through_public_names_only():
    offenders = []
    for path in python_files(KIOSK):
        own = top(path)
        if own not in DOMAINS:
            continue
        for module in imports_of(path):
            parts = kiosk_part(module)
            if not parts or parts[0] in FOUNDATIONS or parts[0] == own:
                continue
            if parts[0] == "views" or parts[0] == "central":
                offenders.append((rel(path), module))
            elif parts[0] == "sync" and len(parts) >= 2 and parts[1] in WIRE_MODULES:
                continue  # a shared wire format, not sync's internals
            elif parts[0] in DOMAINS | {"printing"}:
                # `from kiosk import luggage` / `from kiosk.luggage import LuggageDeposit`: public.
                # `from kiosk.luggage.models import …` / `from kiosk.printing.jobs import …`: internals.
                if len(parts) > 2 or (len(parts) == 2 and (KIOSK / parts[0] / f"{parts[1]}.py").exists()):
                    offenders.append((rel(path), module))
    assert offenders == []


def test_a_public_name_imported_from_a_domain_is_in_its_init():
    """``from kiosk.vouchers import Voucher`` must name something vouchers/__init__ defines or imports."""
    import importlib

    missing = []
    for path in python_files(KIOSK) + python_files(KIOSK.parent / "tests"):
        for module in imports_of(path):
            parts = kiosk_part(module)
            if parts and len(parts) == 2 and parts[0] in DOMAINS and not (KIOSK / parts[0] / f"{parts[1]}.py").exists():
                package = importlib.import_module(f"kiosk.{parts[0]}")
                if not hasattr(package, parts[1]):
                    missing.append((rel(path) if KIOSK in path.parents else path.name, module))
    assert missing == []


def test_the_central_office_takes_only_the_sync_wire_format_and_foundations():
    offenders = []
    for path in python_files(KIOSK / "central"):
        for module in imports_of(path):
            parts = kiosk_part(module)
            if not parts or parts[0] in FOUNDATIONS | {"central", "__version__"}:
                continue
            if not (parts[0] == "sync" and len(parts) >= 2 and parts[1] in WIRE_MODULES) and parts != ["sync"]:
                offenders.append((rel(path), module))
            if parts == ["sync"] and module != "kiosk.sync":  # `from kiosk import sync`: the kiosk side
                offenders.append((rel(path), module))
    assert offenders == []


def test_the_wire_formats_import_foundations_and_each_other_only():
    offenders = []
    for name in WIRE_MODULES:
        path = KIOSK / "sync" / f"{name}.py"
        for module in imports_of(path):
            parts = kiosk_part(module)
            if not parts or parts[0] in FOUNDATIONS or parts == ["sync"]:  # `from kiosk.sync import wire`
                continue
            if not (parts[0] == "sync" and len(parts) >= 2 and parts[1] in WIRE_MODULES):
                offenders.append((rel(path), module))
    assert offenders == []


def test_only_escpos_modules_import_python_escpos():
    offenders = [
        (rel(path), m)
        for path in python_files(KIOSK)
        for m in imports_of(path)
        if m.split(".")[0] == "escpos" and not path.name.startswith("escpos_")
    ]
    assert offenders == []


def test_nothing_imports_the_views_but_the_app_factories_and_other_views():
    factories = {"__init__.py", "central/__init__.py"}
    offenders = [
        (rel(path), m)
        for path in python_files(KIOSK)
        if rel(path) not in factories and top(path) != "views"
        for m in imports_of(path)
        if m.startswith("kiosk.views")
    ]
    assert offenders == []


def test_the_views_have_no_import_cycle():
    views = {p.stem: p for p in (KIOSK / "views").glob("*.py") if p.stem != "__init__"}
    graph = {
        name: {m.split(".")[2] for m in imports_of(path) if m.startswith("kiosk.views.") and m.split(".")[2] in views}
        for name, path in views.items()
    }
    graph = {name: deps - {name} for name, deps in graph.items()}

    def reaches(start, goal, seen=()):
        return any(dep == goal or (dep not in seen and reaches(dep, goal, (*seen, dep))) for dep in graph[start])

    assert [name for name in graph if reaches(name, name)] == []


def test_models_import_peewee_and_the_foundation_models_only():
    allowed = {"peewee", "playhouse", "datetime", "uuid", "json", "enum"}
    for path in [KIOSK / "models.py", *KIOSK.glob("*/models.py")]:
        if top(path) == "central":
            continue
        ours = {m for m in imports_of(path) if m.startswith("kiosk.")}
        assert {m.split(".")[0] for m in set(imports_of(path)) - ours} <= allowed, rel(path)
        assert all(m.startswith("kiosk.models") for m in ours), rel(path)


def test_the_printing_layout_is_pure():
    layout = KIOSK / "printing" / "layout.py"
    for module in imports_of(layout):
        first = module.split(".")[0]
        assert first in {"dataclasses", "unicodedata", "textwrap", "typing", "enum", "kiosk"}, module
        assert not module.startswith("kiosk") or module.startswith("kiosk.printing.ticket"), module


def test_devices_import_foundations_and_themselves_only():
    offenders = []
    for name in DEVICES:
        for path in python_files(KIOSK / name):
            for module in imports_of(path):
                parts = kiosk_part(module)
                if parts and parts[0] not in FOUNDATIONS | {name}:
                    offenders.append((rel(path), module))
                if path.name != "cli.py" and module.split(".")[0] in FLASK:
                    offenders.append((rel(path), module))
    assert offenders == []
