"""``python -m kiosk.serve`` talks to systemd the way a Type=notify service must."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

from kiosk import serve
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[1]
# Generous upper bounds for waiting on datagrams; nothing here asserts speed.
PATIENCE = 60


@pytest.fixture
def notify_socket(tmp_path):
    """A datagram socket standing in for systemd's $NOTIFY_SOCKET."""
    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(PATIENCE)
    yield sock, str(path)
    sock.close()


def receive(sock):
    return sock.recv(4096).decode()


def receive_until(sock, prefix):
    """Messages received up to and including the first that starts with prefix."""
    seen = []
    while not seen or not seen[-1].startswith(prefix):
        seen.append(receive(sock))
    return seen


def test_notify_does_nothing_when_not_started_by_systemd():
    assert serve.notify("READY=1", environ={}) is False


def test_notify_sends_the_message_as_one_datagram(notify_socket):
    sock, path = notify_socket
    assert serve.notify("READY=1\nSTATUS=Serving", environ={"NOTIFY_SOCKET": path}) is True
    assert receive(sock) == "READY=1\nSTATUS=Serving"


def test_notify_understands_abstract_socket_names():
    name = f"nuantu-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(PATIENCE)
        serve.notify("WATCHDOG=1", environ={"NOTIFY_SOCKET": "@" + name})
        assert receive(sock) == "WATCHDOG=1"


def test_watchdog_pings_at_half_the_timeout_systemd_gives():
    assert serve.watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert serve.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"}, pid=42) == 15.0


def test_no_watchdog_without_one_or_for_another_process():
    assert serve.watchdog_interval({}) is None
    assert serve.watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "42"}, pid=43) is None


@pytest.fixture
def kiosk_server(tmp_path, notify_socket):
    """A KioskServer on a free loopback port, reporting to the test's socket."""
    app = make_app(tmp_path)
    server = serve.KioskServer(app, port=0, threads=2, environ={"NOTIFY_SOCKET": notify_socket[1]})
    thread = threading.Thread(target=server.server.run, daemon=True)
    thread.start()
    yield server
    server.close()
    thread.join(timeout=PATIENCE)


def test_ready_is_announced_once_the_app_answers_its_health_check(kiosk_server, notify_socket):
    assert kiosk_server.announce_ready() is True
    assert receive(notify_socket[0]) == f"READY=1\nSTATUS=Serving on {kiosk_server.url}"


def test_a_server_on_every_interface_checks_itself_through_loopback(tmp_path, notify_socket):
    server = serve.KioskServer(make_app(tmp_path), host="0.0.0.0", port=0, threads=2, environ={"NOTIFY_SOCKET": notify_socket[1]})
    thread = threading.Thread(target=server.server.run, daemon=True)
    thread.start()
    try:
        assert server.announce_ready() is True
        assert receive(notify_socket[0]) == f"READY=1\nSTATUS=Serving on http://127.0.0.1:{server.port}"
    finally:
        server.close()
        thread.join(timeout=PATIENCE)


def test_the_watchdog_is_fed_while_the_app_answers(kiosk_server, notify_socket):
    assert kiosk_server.tick() is True
    assert receive(notify_socket[0]) == "WATCHDOG=1"


def test_the_watchdog_is_starved_when_the_database_stops_answering(kiosk_server, notify_socket, tmp_path):
    database = tmp_path / "kiosk.sqlite3"
    for leftover in tmp_path.glob("kiosk.sqlite3*"):
        leftover.unlink()
    database.mkdir()  # the file is gone and cannot be reopened: a dead disk, say

    assert kiosk_server.tick() is False
    assert receive(notify_socket[0]) == "STATUS=Not answering /healthz"

    shutil.rmtree(database)
    make_app(tmp_path)  # the database is back
    assert kiosk_server.tick() is True
    assert receive(notify_socket[0]) == "WATCHDOG=1"


def start_module(tmp_path, **env):
    """Run ``python -m kiosk.serve`` on a free port with the test's instance folder."""
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")},
        "KIOSK_INSTANCE_PATH": str(tmp_path / "instance"),
        "KIOSK_DATABASE_URL": f"sqlite:///{tmp_path / 'kiosk.sqlite3'}",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.serve", "--port", "0", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_module(process):
    """SIGTERM, as systemd stops a service; return the exit code."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=PATIENCE)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()


def health_of(url):
    with urllib.request.urlopen(f"{url}/healthz", timeout=PATIENCE) as response:
        return json.load(response)["status"]


def test_the_module_announces_ready_pings_and_stops_cleanly_on_sigterm(tmp_path, notify_socket):
    sock, path = notify_socket
    process = start_module(tmp_path, NOTIFY_SOCKET=path, WATCHDOG_USEC="400000")
    try:
        ready = receive(sock)
        assert ready.startswith("READY=1\nSTATUS=Serving on http://127.0.0.1:")
        assert health_of(ready.rsplit(" ", 1)[1]) == "ok"
        assert receive(sock) == "WATCHDOG=1"
    finally:
        exit_code = stop_module(process)
    assert receive_until(sock, "STOPPING=1")[-1] == "STOPPING=1"
    assert exit_code == 0


def test_the_module_serves_in_a_shell_without_systemd(tmp_path):
    process = start_module(tmp_path)
    try:
        line = ""
        while "ready: serving on " not in line:
            line = process.stderr.readline()
            assert line, "kiosk.serve exited before serving"
        assert health_of(line.split("ready: serving on ", 1)[1].strip()) == "ok"
    finally:
        exit_code = stop_module(process)
    assert exit_code == 0
