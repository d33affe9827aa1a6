#!/usr/bin/env python3
"""Lint udev rules files: the mistakes udev itself forgives silently.

systemd 252 has no ``udevadm verify`` (it arrived in 253), and udev skips a
bad rule with at most a log line at boot, so a typo means a printer nobody can
open. This checks, per rule: only ASCII (smart quotes from a word processor
break rules without a word), ``KEY[{attr}]OP"value"`` tokens separated by
commas, operators that suit the key (``SUBSYSTEM="usb"`` assigns nothing and
matches nothing), USB ids in the lowercase hex sysfs uses, octal modes, groups
that exist in the image, and GOTO targets that have a LABEL.

Usage: lint_udev.py [--group-file ROOT/etc/group] RULES...
Exit status 1 and one line per problem when anything is wrong.
"""

import argparse
import re
import sys
from pathlib import Path

MATCH_OPS = {"==", "!="}
ASSIGN_OPS = {"=", "+=", "-=", ":="}
# Keys that can only be matched, only be assigned, or both (udev(7)).
MATCH_ONLY = {
    "ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEM", "SUBSYSTEMS", "DRIVER", "DRIVERS",
    "ATTRS", "TAGS", "TEST", "PROGRAM", "RESULT", "CONST",
}
ASSIGN_ONLY = {"OWNER", "GROUP", "MODE", "SECLABEL", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS", "WAIT_FOR"}
BOTH = {"NAME", "SYMLINK", "ATTR", "SYSCTL", "ENV", "TAG"}
KNOWN = MATCH_ONLY | ASSIGN_ONLY | BOTH
NEEDS_ATTRIBUTE = {"ATTR", "ATTRS", "ENV", "SYSCTL", "SECLABEL", "IMPORT", "CONST"}
USB_ID_ATTRS = {"idVendor", "idProduct"}

TOKEN = re.compile(r'\s*(?P<key>[A-Z_]+)(?:\{(?P<attr>[^}]*)\})?\s*(?P<op>==|!=|\+=|-=|:=|=)\s*"(?P<value>[^"]*)"\s*')


def logical_lines(text):
    """(line number, text) of each rule, joining backslash continuations."""
    pending, start = "", None
    for number, line in enumerate(text.splitlines(), start=1):
        if start is None:
            start = number
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        yield start, pending + line
        pending, start = "", None
    if pending:
        yield start, pending


def parse_rule(line):
    """Split a rule into (key, attr, op, value) tokens; raise ValueError on bad syntax."""
    tokens, position = [], 0
    while position < len(line):
        match = TOKEN.match(line, position)
        if not match:
            raise ValueError(f"cannot read a KEY==\"value\" token at column {position + 1}: {line[position:][:40]!r}")
        tokens.append((match["key"], match["attr"], match["op"], match["value"]))
        position = match.end()
        if position < len(line):
            if line[position] != ",":
                raise ValueError(f"expected ',' between tokens at column {position + 1}")
            position += 1
    return tokens


def lint_text(text, groups=None):
    """Return problems as (line number, message) for one rules file's text."""
    problems, labels, gotos = [], set(), []
    for number, raw in enumerate(text.splitlines(), start=1):
        for column, char in enumerate(raw, start=1):
            if ord(char) > 127:
                problems.append((number, f"non-ASCII character {char!r} at column {column} (smart quote?)"))
                break
    for number, line in logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            tokens = parse_rule(stripped)
        except ValueError as exc:
            problems.append((number, str(exc)))
            continue
        for key, attr, op, value in tokens:
            problems.extend((number, message) for message in lint_token(key, attr, op, value, groups))
            if key == "LABEL":
                labels.add(value)
            elif key == "GOTO":
                gotos.append((number, value))
    problems.extend((number, f"GOTO {target!r} has no LABEL in this file") for number, target in gotos if target not in labels)
    return problems


def lint_token(key, attr, op, value, groups):
    if key not in KNOWN:
        yield f"unknown key {key}"
        return
    if key in MATCH_ONLY and op not in MATCH_OPS:
        yield f"{key} can only be matched (== or !=), not assigned with {op}"
    if key in ASSIGN_ONLY and op not in ASSIGN_OPS:
        yield f"{key} can only be assigned, not matched with {op}"
    if key in NEEDS_ATTRIBUTE and not attr:
        yield f"{key} needs an attribute name in braces, e.g. {key}{{name}}"
    if key in ("ATTR", "ATTRS") and attr in USB_ID_ATTRS and op in MATCH_OPS and not re.fullmatch(r"[0-9a-f]{4}", value):
        yield f"{key}{{{attr}}} must be 4 lowercase hex digits as in sysfs, got {value!r}"
    if key == "MODE" and not re.fullmatch(r"0?[0-7]{3}", value):
        yield f"MODE must be octal like 0660, got {value!r}"
    if key == "GROUP" and groups is not None and value not in groups and not value.isdigit():
        yield f"GROUP {value!r} does not exist in the image's /etc/group"


def read_groups(path):
    return {line.split(":", 1)[0] for line in Path(path).read_text().splitlines() if line and not line.startswith("#")}


def main(argv=None):
    parser = argparse.ArgumentParser(description="Lint udev rules files.")
    parser.add_argument("--group-file", help="the image's etc/group, to check GROUP= names")
    parser.add_argument("rules", nargs="+")
    args = parser.parse_args(argv)
    groups = read_groups(args.group_file) if args.group_file else None
    failed = False
    for path in args.rules:
        for number, message in lint_text(Path(path).read_text(encoding="utf-8", errors="replace"), groups):
            print(f"{path}:{number}: {message}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
