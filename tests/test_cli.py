import pytest


def test_init_is_idempotent_and_keeps_the_kiosk_id(runner):
    first = runner.invoke(args=["init"])
    second = runner.invoke(args=["init"])
    assert first.exit_code == second.exit_code == 0
    assert "up to date" in second.output
    kiosk_line = [line for line in first.output.splitlines() if "kiosk id" in line]
    assert kiosk_line and kiosk_line[0] in second.output


def test_station_show_prints_the_demo_station(runner):
    result = runner.invoke(args=["station", "show"])
    assert result.exit_code == 0
    assert "乐山客运中心站" in result.output
    assert "511102" in result.output


@pytest.mark.parametrize("command", [["init"], ["station"], ["station", "show"]])
def test_every_command_has_help(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 2
