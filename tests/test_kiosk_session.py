"""What the kiosk image's screen session (cage + Chromium) is started with.

`kiosk-session` is run for real with stand-ins for `cage` and
`systemd-detect-virt` on PATH; the stand-in cage records the command line it
would have started, which is what Chromium gets on a kiosk.
"""

import os
import subprocess

import pytest

from tests.image_helpers import IMAGE

SESSION = IMAGE / "overlay" / "usr" / "local" / "lib" / "nuantu" / "kiosk-session"


def started_with(tmp_path, in_vm):
    """Run kiosk-session; return (cage's arguments, environment it saw)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "cage-args"
    (bin_dir / "cage").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\nenv > {record}.env\n')
    (bin_dir / "systemd-detect-virt").write_text(f"#!/bin/sh\nexit {0 if in_vm else 1}\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    runtime = tmp_path / "run"
    runtime.mkdir()
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "XDG_RUNTIME_DIR": str(runtime), "WLR_DRM_DEVICES": "/dev/dri/card0"}
    subprocess.run(["sh", str(SESSION)], env=env, check=True, capture_output=True, timeout=30)
    environment = dict(line.split("=", 1) for line in (tmp_path / "cage-args.env").read_text().splitlines() if "=" in line)
    return record.read_text().splitlines(), environment


@pytest.mark.parametrize("in_vm", [False, True], ids=["kiosk hardware", "virtual machine"])
def test_chromium_opens_the_local_app_full_screen_without_app_mode(tmp_path, in_vm):
    args, _ = started_with(tmp_path, in_vm)
    chromium = args[args.index("--") + 1:]
    assert chromium[0] == "chromium"
    assert "--kiosk" in chromium
    # The page is a plain argument: with --app=URL beside --kiosk, bookworm's
    # Chromium 156 under cage died with SIGTRAP 20-40 s after start, over and
    # over, and the screen stayed black (QEMU boot test, 2026-12-01).
    assert chromium[-1] == "http://127.0.0.1:8080/"
    assert not [flag for flag in chromium if flag.startswith("--app")]
    assert "--ozone-platform=wayland" in chromium


def test_in_a_virtual_machine_both_draw_in_software(tmp_path):
    args, environment = started_with(tmp_path, in_vm=True)
    assert "--disable-gpu" in args
    assert environment["WLR_RENDERER"] == "pixman"


def test_on_kiosk_hardware_the_gpu_is_used(tmp_path):
    args, environment = started_with(tmp_path, in_vm=False)
    assert "--disable-gpu" not in args
    assert "WLR_RENDERER" not in environment
