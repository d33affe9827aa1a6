"""Printer connections, tested against real sockets, ptys, FIFOs and files on this machine."""

import os
import re
import socket
import stat
import threading
import time

import pytest

from kiosk.printing.backends import FilePrinter
from kiosk.printing.backends import PrinterError
from kiosk.printing.backends import open_backend
from kiosk.printing.backends import parse_url

# DLE EOT answers: bits 1 and 4 always set.
READY = {1: 0x12, 2: 0x12, 4: 0x12}
PAPER_OUT = {1: 0x1A, 2: 0x32, 4: 0x72}
COVER_OPEN = {1: 0x1A, 2: 0x16, 4: 0x12}
PAPER_LOW = {1: 0x12, 2: 0x12, 4: 0x1E}
QUERY = re.compile(rb"\x10\x04([\x01-\x04])")


class FakeNetworkPrinter:
    """A JetDirect-style printer on a loopback port that answers DLE EOT (or stays silent)."""

    def __init__(self, answers):
        self.answers = answers
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                while chunk := conn.recv(65536):
                    self.received += chunk
                    for n in QUERY.findall(chunk):
                        if self.answers:
                            conn.sendall(bytes([self.answers[n[0]]]))

    def close(self):
        self.server.close()


@pytest.fixture
def network_printer():
    printers = []

    def start(answers=READY):
        printer = FakeNetworkPrinter(answers)
        printers.append(printer)
        return printer

    yield start
    for printer in printers:
        printer.close()


def test_printer_urls_split_into_scheme_target_and_options():
    assert parse_url("serial:///dev/ttyUSB0?baud=9600") == ("serial", "/dev/ttyUSB0", {"baud": "9600"})
    assert parse_url("tcp://10.0.0.7:9100") == ("tcp", "10.0.0.7:9100", {})
    with pytest.raises(ValueError):
        open_backend("lpt1")
    with pytest.raises(ValueError):
        open_backend("bluetooth://printer")


def test_a_network_printer_that_is_ready_gets_the_whole_job(network_printer):
    printer = network_printer(READY)
    backend = open_backend(f"tcp://127.0.0.1:{printer.port}", timeout=2)
    backend.send(b"\x1b@hello\n", "job-000001")
    printer.thread.join(0.5)
    assert bytes(printer.received).endswith(b"\x1b@hello\n")
    assert backend.status().state == "ok"


@pytest.mark.parametrize("answers, state", [(PAPER_OUT, "paper_out"), (COVER_OPEN, "cover_open")])
def test_a_network_printer_out_of_paper_or_open_keeps_the_job(network_printer, answers, state):
    printer = network_printer(answers)
    backend = open_backend(f"tcp://127.0.0.1:{printer.port}", timeout=2)
    with pytest.raises(PrinterError) as failed:
        backend.send(b"TICKET", "job-000001")
    assert failed.value.state == state
    assert b"TICKET" not in printer.received
    assert backend.status().state == state


def test_low_paper_is_reported_but_still_prints(network_printer):
    printer = network_printer(PAPER_LOW)
    backend = open_backend(f"tcp://127.0.0.1:{printer.port}", timeout=2)
    assert backend.status().state == "paper_low"
    backend.send(b"TICKET", "job-000001")


def test_a_printer_that_never_answers_status_is_unknown_not_ok(network_printer):
    printer = network_printer(answers=None)
    backend = open_backend(f"tcp://127.0.0.1:{printer.port}", timeout=2)
    backend.answer_seconds = 0.2
    assert backend.status().state == "unknown"
    backend.send(b"TICKET", "job-000001")
    time.sleep(0.1)
    assert bytes(printer.received).endswith(b"TICKET")


def test_a_network_printer_that_is_switched_off_is_offline():
    unused = socket.create_server(("127.0.0.1", 0))
    port = unused.getsockname()[1]
    unused.close()
    backend = open_backend(f"tcp://127.0.0.1:{port}", timeout=1)
    with pytest.raises(PrinterError) as failed:
        backend.send(b"TICKET", "job-000001")
    assert failed.value.state == "offline"
    assert backend.status().state == "offline"


def test_a_serial_printer_gets_its_bytes_and_answers_status_over_the_line():
    master, slave = os.openpty()
    answered = []

    def printer_side():
        buffer = bytearray()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not buffer.endswith(b"END"):
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            buffer += chunk
            for n in QUERY.findall(chunk):
                os.write(master, bytes([READY[n[0]]]))
        answered.append(bytes(buffer))

    thread = threading.Thread(target=printer_side, daemon=True)
    thread.start()
    try:
        backend = open_backend(f"serial://{os.ttyname(slave)}?baud=9600", timeout=2)
        assert backend.transfer_seconds(960) == pytest.approx(1.0)
        backend.send("乐山".encode("gbk") + b"END", "job-000001")
        thread.join(5)
        assert answered and answered[0].endswith("乐山".encode("gbk") + b"END")
    finally:
        os.close(master)
        os.close(slave)


def test_a_missing_device_file_means_the_printer_is_unplugged(tmp_path):
    backend = open_backend(f"file://{tmp_path / 'usb' / 'lp0'}")
    with pytest.raises(PrinterError) as failed:
        backend.send(b"TICKET", "job-000001")
    assert failed.value.state == "offline"
    assert backend.status().state == "offline"


def test_an_unplugged_device_is_never_replaced_by_a_plain_file_in_dev():
    path = "/dev/nuantu-test-missing-lp0"
    try:
        with pytest.raises(PrinterError) as failed:
            open_backend(f"file://{path}").send(b"TICKET", "job-000001")
        assert failed.value.state == "offline"
        assert not os.path.exists(path)
    finally:
        if os.path.isfile(path):
            os.remove(path)


def test_a_plain_file_collects_jobs_and_cannot_report_status(tmp_path):
    backend = open_backend(f"file://{tmp_path / 'out.bin'}")
    backend.send(b"ONE", "job-000001")
    backend.send(b"TWO", "job-000002")
    assert (tmp_path / "out.bin").read_bytes() == b"ONETWO"
    assert backend.status().state == "unknown"


def test_a_device_that_stops_reading_times_out_instead_of_hanging(tmp_path):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a printer that takes nothing more
    try:
        backend = FilePrinter(f"file://{fifo}", str(fifo), {}, timeout=0.3)
        with pytest.raises(PrinterError) as failed:
            backend.send(b"x" * 1_000_000, "job-000001")
        assert failed.value.state == "offline" and "more than" in failed.value.detail
    finally:
        os.close(reader)


def fake_sysfs(root, name, vendor, product):
    interface = root / "devices" / "usb1" / "1-1" / "1-1:1.0"
    interface.mkdir(parents=True)
    (interface.parent / "idVendor").write_text(vendor + "\n")
    (interface.parent / "idProduct").write_text(product + "\n")
    (root / "class" / "usbmisc" / name).mkdir(parents=True)
    (root / "class" / "usbmisc" / name / "device").symlink_to(interface)
    return root / "class" / "usbmisc"


def test_a_usb_printer_is_found_by_vendor_and_product_id(tmp_path):
    backend = open_backend("usb://0416:5011")
    backend.sysfs = fake_sysfs(tmp_path, "lp3", "0416", "5011")
    assert backend.path() == "/dev/usb/lp3"


def test_an_unplugged_usb_printer_is_offline(tmp_path):
    backend = open_backend("usb://0416:5011")
    backend.sysfs = fake_sysfs(tmp_path, "lp0", "1fc9", "2016")
    with pytest.raises(PrinterError) as failed:
        backend.send(b"TICKET", "job-000001")
    assert failed.value.state == "offline" and "0416:5011" in failed.value.detail
    assert backend.status().state == "offline"
    with pytest.raises(ValueError):
        open_backend("usb://printer")


def fake_command(folder, name, script):
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_a_cups_queue_gets_the_job_raw_and_reports_only_what_cups_knows(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_command(bin_dir, "lp", f'echo "$@" > {tmp_path}/args; cat > {tmp_path}/job.bin\n')
    fake_command(bin_dir, "lpstat", 'echo "printer kiosk is idle.  enabled since Mon"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    backend = open_backend("cups://kiosk")
    backend.send(b"TICKET", "job-000007")
    assert (tmp_path / "job.bin").read_bytes() == b"TICKET"
    assert "-o raw" in (tmp_path / "args").read_text()
    assert backend.status().state == "unknown"
    fake_command(bin_dir, "lpstat", 'echo "printer kiosk disabled since Mon - paused"\n')
    assert backend.status().state == "offline"


def test_without_the_cups_client_the_error_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PrinterError) as failed:
        open_backend("cups://kiosk").send(b"TICKET", "job-000001")
    assert "not installed" in failed.value.detail
