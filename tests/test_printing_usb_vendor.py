"""usb://VID:PID for vendor-class printers (Epson TM in its default USB mode): libusb, not usblp.

The printer is a stand-in at pyusb's level (a device with a configuration,
an interface and two bulk endpoints) so the real LibusbPort code runs: the
job's bytes land on the OUT endpoint, DLE EOT answers come back on IN.
"""

import pytest
import usb.core
import usb.util

from kiosk.printing import backends
from kiosk.printing.backends import PrinterError
from kiosk.printing.escpos_build import STATUS_QUERIES

READY = {"printer": 0x16, "offline": 0x12, "paper": 0x12}


class Endpoint:
    def __init__(self, address, printer):
        self.bEndpointAddress = address
        self.bmAttributes = usb.util.ENDPOINT_TYPE_BULK
        self.wMaxPacketSize = 64
        self.printer = printer

    def write(self, data, timeout=None):
        return self.printer.receive(bytes(data))

    def read(self, size, timeout=None):
        return self.printer.answer()


class Interface:
    bInterfaceClass = 0xFF
    bInterfaceNumber = 0

    def __init__(self, printer):
        self.endpoints = [Endpoint(0x01, printer), Endpoint(0x82, printer)]

    def __iter__(self):
        return iter(self.endpoints)


class Context:
    def __init__(self, printer):
        self.printer = printer

    def dispose(self, device):
        self.printer.disposed += 1


class VendorPrinter:
    """A vendor-class ESC/POS printer as pyusb shows it; ``state`` and ``stall`` simulate faults."""

    def __init__(self, answers=READY, held_by_usblp=False, stall=False):
        self.answers, self.held, self.stall = dict(answers), held_by_usblp, stall
        self.received, self.pending, self.disposed = b"", None, 0
        self._ctx = Context(self)

    def get_active_configuration(self):
        return [Interface(self)]

    def is_kernel_driver_active(self, number):
        return self.held

    def receive(self, data):
        for name, query in STATUS_QUERIES.items():
            if data == query:
                self.pending = self.answers.get(name)
                return len(data)
        if self.stall:
            raise usb.core.USBTimeoutError("timeout")
        self.received += data
        return min(len(data), 4096)

    def answer(self):
        answer, self.pending = self.pending, None
        if answer is None:
            raise usb.core.USBTimeoutError("no answer")
        return bytes([answer])


@pytest.fixture
def plugged(monkeypatch, tmp_path):
    """Plug a stand-in printer in as 04b8:0e15 (no usblp device for it)."""
    monkeypatch.setattr(backends.UsbPrinter, "sysfs", tmp_path / "usbmisc")
    found = {}

    def find(idVendor, idProduct):
        return found.get((idVendor, idProduct))

    monkeypatch.setattr(usb.core, "find", find)

    def plug(printer):
        found[(0x04B8, 0x0E15)] = printer
        return printer

    return plug


def test_a_job_goes_to_the_bulk_endpoint_of_a_vendor_class_printer(plugged):
    printer = plugged(VendorPrinter())
    backend = backends.open_backend("usb://04b8:0e15", timeout=2)

    backend.send(b"\x1b@hello\n" * 1000, "job-1")

    assert printer.received == b"\x1b@hello\n" * 1000
    assert backend.status().state == "ok"
    assert printer.disposed >= 2  # the interface is let go after each use


def test_paper_out_is_reported_and_the_job_not_sent(plugged):
    printer = plugged(VendorPrinter(answers={"printer": 0x1E, "offline": 0x32, "paper": 0x72}))
    backend = backends.open_backend("usb://04b8:0e15", timeout=2)

    with pytest.raises(PrinterError) as refused:
        backend.send(b"ticket", "job-1")
    assert refused.value.state == "paper_out"
    assert printer.received == b""
    assert backend.status().state == "paper_out"


def test_an_unplugged_printer_is_offline_not_ok(plugged):
    backend = backends.open_backend("usb://04b8:0e15", timeout=2)
    with pytest.raises(PrinterError) as refused:
        backend.send(b"ticket", "job-1")
    assert refused.value.state == "offline"
    assert backend.status().state == "offline"


def test_a_printer_that_stops_taking_bytes_times_out(plugged):
    plugged(VendorPrinter(stall=True))
    backend = backends.open_backend("usb://04b8:0e15", timeout=0.5)
    with pytest.raises(PrinterError, match="took too long") as refused:
        backend.send(b"ticket", "job-1")
    assert refused.value.state == "offline"


def test_a_printer_held_by_usblp_says_to_use_its_lp_device(plugged):
    plugged(VendorPrinter(held_by_usblp=True))
    backend = backends.open_backend("usb://04b8:0e15", timeout=2)
    with pytest.raises(PrinterError, match="usblp"):
        backend.send(b"ticket", "job-1")
