"""`flask printer …`: samples, test pages, status, jobs, reprints and the virtual printer."""

import pytest

from kiosk import printing
from kiosk.printing import escpos_build
from kiosk.printing.profiles import get_profile
from kiosk.printing.samples import sample_ticket
from tests.conftest import make_app

COMMANDS = [["printer"], *[["printer", name] for name in ("sample", "test", "status", "jobs", "reprint", "virtual", "purge")]]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_printer_command_has_help(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 2


def test_sample_writes_the_exact_bytes_the_printer_would_get(runner, tmp_path):
    out = tmp_path / "voucher.bin"
    result = runner.invoke(args=["printer", "sample", "voucher", "--out", str(out), "--note", "两位老人同行"])
    assert result.exit_code == 0, result.output
    expected = escpos_build.build(sample_ticket("voucher", note="两位老人同行"), get_profile("generic58"))
    assert out.read_bytes() == expected
    assert "两位老人同行".encode("gbk") in expected
    assert f"{len(expected)} bytes" in result.output


def test_sample_can_use_another_profile_and_write_a_preview(runner, tmp_path):
    result = runner.invoke(
        args=["printer", "sample", "luggage", "--out", str(tmp_path / "l.bin"), "--png", str(tmp_path / "l.png"), "--profile", "generic80"]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "l.png").read_bytes().startswith(b"\x89PNG")
    assert b"\x1dV\x01" in (tmp_path / "l.bin").read_bytes()


def test_sample_refuses_a_note_the_printer_cannot_print(runner, tmp_path):
    result = runner.invoke(args=["printer", "sample", "voucher", "--out", str(tmp_path / "v.bin"), "--note", "吉𠮷😀"])
    assert result.exit_code == 2
    assert "𠮷" in result.output and "😀" in result.output
    assert not (tmp_path / "v.bin").exists()


def test_printer_test_prints_a_page_and_says_so(tmp_path):
    runner = make_app(tmp_path, PRINTER_URL=f"preview://{tmp_path / 'prints'}").test_cli_runner()
    result = runner.invoke(args=["printer", "test"])
    assert result.exit_code == 0, result.output
    assert "printed" in result.output
    assert len(list((tmp_path / "prints").glob("job-*.png"))) == 1


def test_printer_test_fails_clearly_when_the_printer_is_out_of_paper(tmp_path):
    runner = make_app(tmp_path, PRINTER_URL="virtual://?fault=paper_out").test_cli_runner()
    result = runner.invoke(args=["printer", "test"])
    assert result.exit_code == 1
    assert "not printed: virtual printer: paper out" in result.output


def test_printer_status_shows_the_state_and_the_queue(tmp_path):
    runner = make_app(tmp_path, PRINTER_URL="virtual://?fault=offline").test_cli_runner()
    printing.submit(sample_ticket("voucher"))
    result = runner.invoke(args=["printer", "status"])
    assert result.exit_code == 0
    assert "state:      offline" in result.output and "waiting:    1 job(s)" in result.output


def test_jobs_and_reprint_from_the_command_line(tmp_path):
    runner = make_app(tmp_path, PRINTER_URL="virtual://").test_cli_runner()
    job = printing.submit(sample_ticket("voucher"))
    printing.process_queue()
    result = runner.invoke(args=["printer", "reprint", str(job.id), "--reason", "paper jam"])
    assert result.exit_code == 0 and "reprint queued" in result.output
    listing = runner.invoke(args=["printer", "jobs"]).output
    assert f"reprint of {job.id} (paper jam)" in listing
    again = runner.invoke(args=["printer", "reprint", str(job.id), "--reason", "twice"])
    assert again.exit_code == 1 and "still waiting" in again.output


def test_the_virtual_printer_can_be_told_to_fail_from_another_process(tmp_path):
    folder = tmp_path / "virtual"
    runner = make_app(tmp_path, PRINTER_URL=f"virtual://{folder}").test_cli_runner()
    result = runner.invoke(args=["printer", "virtual", "--fault", "paper_out", "--delay", "2"])
    assert result.exit_code == 0 and "fault paper_out, 2 s a job" in result.output
    make_app(tmp_path, PRINTER_URL=f"virtual://{folder}")  # e.g. the running kiosk
    assert printing.printer_status().state == "paper_out"


def test_the_virtual_command_refuses_a_real_printer(runner):
    result = runner.invoke(args=["printer", "virtual", "--fault", "offline"])
    assert result.exit_code == 1 and "not virtual" in result.output
