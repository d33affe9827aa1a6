"""Build hook: compile the gettext catalogs into every wheel and sdist install.

The .mo files are build products (not in git). Without this hook `pip install
.` or a wheel for the kiosk image ships only the .po sources and the UI and
the office's spreadsheets come out in English. Everything else about the
package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


def compile_catalogs(root):
    """Compile each kiosk/translations/*/LC_MESSAGES/*.po next to itself; return the .mo paths."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(Path(root, "kiosk", "translations").glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        compiled.append(mo)
    return compiled


class BuildWithCatalogs(build_py):
    def run(self):
        compile_catalogs(Path(__file__).resolve().parent)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogs})
