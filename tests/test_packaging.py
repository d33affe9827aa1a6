"""What `pip install .` and the kiosk image get: compiled catalogs, and the locked versions."""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent


def pins(path):
    """{name: version} of a pip-tools lock file."""
    found = {}
    for line in (REPO / path).read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^ \\;]+)", line)
        if match:
            found[match.group(1).lower().replace("_", "-")] = match.group(2)
    return found


def requirements(extra=None):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(r) for r in listed if not r.startswith("nuantu-kiosk")]


def test_the_image_lock_pins_every_run_time_dependency_within_its_range_with_hashes():
    locked = pins("requirements/kiosk.lock")
    for requirement in requirements():
        name = requirement.name.lower().replace("_", "-")
        assert name in locked, f"{name} is not in requirements/kiosk.lock: run make lock"
        assert requirement.specifier.contains(locked[name]), f"{name}=={locked[name]} is outside {requirement}"
    # Every pin carries its hashes (pip --require-hashes in the image build).
    text = (REPO / "requirements/kiosk.lock").read_text()
    for block in re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text):
        if re.match(r"^[A-Za-z0-9_.-]+==", block):
            assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_test_lock_pins_the_office_and_test_dependencies_too():
    locked = pins("requirements/test.lock")
    for extra in ("central", "postgres", "test"):
        for requirement in requirements(extra):
            name = requirement.name.lower().replace("_", "-")
            assert name in locked, f"{name} ({extra}) is not in requirements/test.lock: run make lock"
            assert requirement.specifier.contains(locked[name]), f"{name}=={locked[name]} is outside {requirement}"


def test_the_wheel_build_compiles_every_catalog():
    # The hook itself (setup.py's build_py runs it), on a copy of the catalogs.
    import shutil
    import tempfile

    from babel.messages.mofile import read_mo

    with tempfile.TemporaryDirectory() as scratch:
        shutil.copytree(REPO / "kiosk" / "translations", Path(scratch) / "kiosk" / "translations",
                        ignore=shutil.ignore_patterns("*.mo"))
        module = _load_setup_functions()
        compiled = module.compile_catalogs(scratch)
        assert [p.relative_to(scratch).as_posix() for p in compiled] == [
            "kiosk/translations/zh_Hans/LC_MESSAGES/messages.mo"
        ]
        with compiled[0].open("rb") as f:
            catalog = read_mo(f)
        assert catalog.get("Welcome! Tap what you need.").string == "欢迎！请点选您需要的服务"


def _load_setup_functions():
    """setup.py's compile_catalogs without running setup()."""
    import ast
    import types

    tree = ast.parse((REPO / "setup.py").read_text())
    tree.body = [node for node in tree.body if isinstance(node, ast.FunctionDef) or
                 (isinstance(node, ast.ImportFrom) and node.module == "pathlib")]
    module = types.ModuleType("nuantu_setup_functions")
    exec(compile(tree, "setup.py", "exec"), module.__dict__)
    return module
