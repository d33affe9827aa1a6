"""The office's commands: users, registry, pull with its exit code, import, totals, report."""

import json

import pytest
from openpyxl import load_workbook

from kiosk.central import users
from tests.central.conftest import DAY
from tests.central.conftest import comparable


@pytest.fixture
def runner(central):
    return central.test_cli_runner()


def test_kiosks_are_added_listed_and_removed(runner):
    added = runner.invoke(args=["kiosks", "add", "乐山站", "http://127.0.0.1:9/"], input="t" * 32 + "\n")
    assert added.exit_code == 0, added.output
    duplicate = runner.invoke(args=["kiosks", "add", "乐山站", "http://127.0.0.1:9"], input="t" * 32 + "\n")
    assert duplicate.exit_code == 1 and "already registered" in duplicate.output
    listed = runner.invoke(args=["kiosks", "list"])
    assert "乐山站" in listed.output and "never" in listed.output and "STALE" in listed.output
    assert runner.invoke(args=["kiosks", "remove", "乐山站"]).exit_code == 0
    assert "no kiosks registered" in runner.invoke(args=["kiosks", "list"]).output


def test_a_bad_address_or_short_token_is_refused_with_a_reason(runner):
    assert "http://" in runner.invoke(args=["kiosks", "add", "a", "ftp://x"], input="t" * 32 + "\n").output
    assert "too short" in runner.invoke(args=["kiosks", "add", "a", "http://x"], input="short" + "\n").output


def test_pull_prints_progress_and_a_summary_and_exits_1_when_a_kiosk_failed(runner, kiosks):
    kiosk = kiosks()
    kiosk.count("tallies", service="tea")
    runner.invoke(args=["kiosks", "add", "good", kiosk.url], input=kiosk.token + "\n")
    runner.invoke(args=["kiosks", "add", "gone", "http://127.0.0.1:9"], input="t" * 32 + "\n")
    result = runner.invoke(args=["pull", "--concurrency", "2"])
    assert result.exit_code == 1
    assert "[1/2]" in result.output and "[2/2]" in result.output
    assert "pulled 2 kiosks" in result.output and "1 ok, 1 failed" in result.output
    assert "FAILED gone: The kiosk could not be reached" in result.output
    only_good = runner.invoke(args=["pull", "--only", "good", "--quiet"])
    assert only_good.exit_code == 0 and "[1/1]" not in only_good.output


def test_import_and_totals_agree_with_the_kiosk_and_a_refused_file_exits_1(runner, kiosks, tmp_path):
    kiosk = kiosks()
    kiosk.count("registrations", DAY, 3, direction="work", county="511102", destination="440300")
    runner.invoke(args=["kiosks", "add", "usb", "-"], input=kiosk.token + "\n")
    kiosk.bundle(tmp_path / "b.json")
    imported = runner.invoke(args=["import", str(tmp_path / "b.json")])
    assert imported.exit_code == 0 and "1 cells, 1 changed" in imported.output
    (tmp_path / "bad.json").write_text("{")
    refused = runner.invoke(args=["import", str(tmp_path / "bad.json")])
    assert refused.exit_code == 1 and "REFUSED" in refused.output
    totals = json.loads(runner.invoke(args=["totals", "--day", DAY.isoformat(), "--format", "json"]).output)
    assert totals["totals"] == {"registrations": 3}
    assert comparable(totals["cells"]) == comparable(kiosk.report()["cells"])


def test_report_writes_a_spreadsheet_with_chinese_headers(runner, kiosks, tmp_path):
    kiosk = kiosks()
    kiosk.count("registrations", DAY, 2, direction="home", county="511102", destination="440300")
    runner.invoke(args=["kiosks", "add", "usb", "-"], input=kiosk.token + "\n")
    kiosk.bundle(tmp_path / "b.json")
    runner.invoke(args=["import", str(tmp_path / "b.json")])
    out = tmp_path / "week.xlsx"
    result = runner.invoke(args=["report", "--from", "2027-01-14", "--to", "2027-01-20", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    assert [c.value for c in sheet[2]][:5] == ["站点代码", "站点", "日期", "登记人数", "返乡登记"]
    assert [c.value for c in sheet[3]][:5] == ["leshan-kyzx", "乐山客运中心站", "2027-01-20", 2, 2]


def test_office_users_are_added_with_a_password_asked_twice_listed_and_disabled(runner, central):
    added = runner.invoke(args=["users", "add", "陈静"], input="correct horse battery\ncorrect horse battery\n")
    assert added.exit_code == 0, added.output
    assert "added office user 陈静" in added.output and "correct horse" not in added.output
    assert users.sign_in("陈静", "correct horse battery").name == "陈静"
    listed = runner.invoke(args=["users", "list"])
    assert "陈静" in listed.output and "active" in listed.output
    disabled = runner.invoke(args=["users", "disable", "陈静"])
    assert disabled.exit_code == 0
    assert "DISABLED" in runner.invoke(args=["users", "list"]).output
    with pytest.raises(users.SignInRefused):
        users.sign_in("陈静", "correct horse battery")


def test_a_short_password_a_mistyped_repeat_or_a_taken_name_adds_no_one(runner, central):
    short = runner.invoke(args=["users", "add", "王磊"], input="1234567\n1234567\n")
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    mistyped = runner.invoke(args=["users", "add", "王磊"], input="correct horse battery\ncorrect horse batery\n")
    assert mistyped.exit_code != 0
    assert "no office users" in runner.invoke(args=["users", "list"]).output
    runner.invoke(args=["users", "add", "王磊"], input="correct horse battery\ncorrect horse battery\n")
    taken = runner.invoke(args=["users", "add", "王磊"], input="another password\nanother password\n")
    assert taken.exit_code == 1 and "already an office user" in taken.output
    assert runner.invoke(args=["users", "disable", "nobody"]).exit_code == 1


def test_a_kiosk_token_never_goes_on_the_command_line(central, runner, tmp_path):
    assert runner.invoke(args=["kiosks", "add", "乐山站", "http://127.0.0.1:9/", "t" * 32]).exit_code != 0
    token_file = tmp_path / "token"
    token_file.write_text("u" * 32 + "\n")
    added = runner.invoke(args=["kiosks", "add", "乐山站", "http://127.0.0.1:9/", "--token-file", str(token_file)])
    assert added.exit_code == 0, added.output
    assert "u" * 32 not in added.output
    updated = runner.invoke(args=["kiosks", "update", "乐山站", "--new-token"], input="v" * 32 + "\n")
    assert updated.exit_code == 0, updated.output
