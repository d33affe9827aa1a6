"""Every string a person can see has a Simplified Chinese translation."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "kiosk" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
METHODS = [
    ("kiosk/**.py", "python"),
    ("kiosk/templates/**.html", "jinja2"),
    ("kiosk/central/templates/**.html", "jinja2"),
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None}


def source_msgids():
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_source_string_is_translated_to_chinese():
    with CATALOG.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans")
    # Plural entries (ngettext) have a (singular, plural) id and a list of strings.
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]: m.string
        for m in catalog
        if m.id and m.string and (isinstance(m.string, str) or all(m.string)) and not m.fuzzy
    }
    missing = sorted(source_msgids() - set(translated))
    assert missing == [], "run `make extract-messages` and translate: %s" % missing


def test_placeholders_survive_translation():
    import re

    with CATALOG.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans")
    for message in catalog:
        ids = [message.id] if isinstance(message.id, str) else message.id
        strings = [message.string] if isinstance(message.string, str) else message.string
        for translated in strings:
            if message.id and translated:
                assert sorted(re.findall(r"%\(\w+\)s", ids[-1])) == sorted(
                    re.findall(r"%\(\w+\)s", translated)
                ), message.id
