"""The kiosk image's nightly backup and the checkers `make image-check` runs."""

import datetime
import json
import sqlite3

import pytest

from tests.image_helpers import IMAGE
from tests.image_helpers import backup_db
from tests.image_helpers import check_policies
from tests.image_helpers import lint_udev

NIGHT = datetime.datetime(2025, 1, 20, 2, 30)
POLICY_FILE = IMAGE / "overlay" / "etc" / "chromium" / "policies" / "managed" / "nuantu.json"
RULES_FILE = IMAGE / "overlay" / "etc" / "udev" / "rules.d" / "60-nuantu-escpos.rules"


@pytest.fixture
def live_database(tmp_path):
    """A WAL database with a connection still open and a commit only in the WAL."""
    path = tmp_path / "kiosk.sqlite3"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=wal")
    connection.execute("CREATE TABLE visit (id INTEGER PRIMARY KEY, name TEXT)")
    connection.executemany("INSERT INTO visit (name) VALUES (?)", [("返乡",), ("返岗",)])
    connection.commit()
    yield path, connection
    connection.close()


def rows_in(path):
    with sqlite3.connect(path) as copy:
        return copy.execute("SELECT name FROM visit ORDER BY id").fetchall()


def test_the_backup_holds_every_committed_row_while_the_app_is_running(live_database, tmp_path):
    path, connection = live_database

    copy = backup_db.backup(path, tmp_path / "backups", now=NIGHT)

    assert copy.name == "kiosk-20250120-023000.sqlite3"
    assert rows_in(copy) == [("返乡",), ("返岗",)]
    with sqlite3.connect(copy) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    assert not list((tmp_path / "backups").glob(".*partial"))


def test_only_the_newest_backups_are_kept(live_database, tmp_path):
    path, _ = live_database
    for day in range(1, 6):
        backup_db.backup(path, tmp_path / "backups", keep=3, now=NIGHT.replace(day=day))

    names = [p.name for p in backup_db.backups_in(tmp_path / "backups")]
    assert names == ["kiosk-20250103-023000.sqlite3", "kiosk-20250104-023000.sqlite3", "kiosk-20250105-023000.sqlite3"]


def test_a_backup_that_would_fill_the_disk_is_refused(live_database, tmp_path):
    path, _ = live_database
    with pytest.raises(backup_db.BackupError, match="not enough space"):
        backup_db.backup(path, tmp_path / "backups", reserve_bytes=2**62, now=NIGHT)
    assert backup_db.backups_in(tmp_path / "backups") == []


def test_a_missing_database_is_an_error_not_an_empty_backup(tmp_path):
    assert backup_db.main(["--database", str(tmp_path / "none.sqlite3"), "--into", str(tmp_path / "b")]) == 1
    assert backup_db.backups_in(tmp_path / "b") == []


def test_the_shipped_udev_rules_pass_the_lint():
    assert lint_udev.lint_text(RULES_FILE.read_text(), groups={"lp"}) == []


@pytest.mark.parametrize(
    ("rule", "complaint"),
    [
        ('SUBSYSTEM=="usb", ATTR{idVendor}==\u201c0fe6\u201d, GROUP="lp"', "non-ASCII"),
        ('SUBSYSTEM="usb", GROUP="lp"', "SUBSYSTEM can only be matched"),
        ('SUBSYSTEM=="usb", GROUP=="lp"', "GROUP can only be assigned"),
        ('SUBSYSTEM=="usb", ATTR{idVendor}=="0FE6", GROUP="lp"', "lowercase hex"),
        ('SUBSYSTEM=="usb", MODE="666x"', "MODE must be octal"),
        ('SUBSYSTEM=="usb", GROUP="printers"', "does not exist"),
        ('SUBSYSTEM=="usb" GROUP="lp"', "expected ','"),
        ('ACTION=="remove", GOTO="nowhere"', "no LABEL"),
        ('SUBSYSTEMZ=="usb"', "unknown key"),
    ],
)
def test_udev_mistakes_that_fail_silently_are_caught(rule, complaint):
    problems = lint_udev.lint_text(rule + "\n", groups={"lp"})
    assert any(complaint in message for _, message in problems), problems


def test_the_shipped_chromium_policies_lock_the_browser_to_the_local_app():
    assert check_policies.check(POLICY_FILE.read_text(), port=8080) == []


def test_policies_for_another_port_are_refused():
    assert any("not the local app" in p for p in check_policies.check(POLICY_FILE.read_text(), port=9090))


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"PasswordManagerEnabled": True}, "PasswordManagerEnabled must be false"),
        ({"AutofillAddressEnabled": "false"}, "must be bool"),
        ({"URLAllowlist": ["http://127.0.0.1:8080", "https://example.com"]}, "'https://example.com' is not the local app"),
        ({"DeveloperToolsAvaliability": 2}, "unknown policy"),
        ({"DownloadRestrictions": 0}, "DownloadRestrictions must be 3"),
    ],
)
def test_policy_mistakes_chromium_would_ignore_are_caught(change, complaint):
    policies = json.loads(POLICY_FILE.read_text())
    policies.update(change)
    assert any(complaint in p for p in check_policies.check(json.dumps(policies), port=8080))


def test_duplicate_or_broken_json_is_caught():
    assert "duplicate keys: PrintingEnabled" in check_policies.check('{"PrintingEnabled": false, "PrintingEnabled": true}', 8080)[0]
    assert check_policies.check('{"PrintingEnabled": false,}', 8080)[0].startswith("not valid JSON")
