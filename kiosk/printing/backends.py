"""Where the bytes go: one small class per printer connection, chosen by URL.

``KIOSK_PRINTER_URL`` selects one of::

    preview://DIR                       <job>.bin + <job>.png in DIR (the default)
    file:///dev/usb/lp0                 a device or plain file, written in one go
    usb://VID:PID                       that USB printer (hex ids): its usblp device, or libusb
    tcp://HOST:9100                     raw TCP (JetDirect), the Ethernet models
    serial:///dev/ttyUSB0?baud=9600     a serial line (flow=none|rtscts|xonxoff)
    cups://QUEUE                        a raw CUPS queue, through `lp`
    virtual://[DIR]?fault=…&delay=…     the virtual printer (see virtual.py)

python-escpos's own printer classes are not used: ``Usb(timeout=0)`` never
times out, ``Network.is_online()`` raises after 60 s and several report a
status they cannot read. Here every operation has a deadline, status comes
from real answers (DLE EOT, the usblp port status, lpstat) and "no answer"
is reported as unknown, never as ok.
"""

import errno
import fcntl
import os
import select
import shutil
import socket
import stat
import subprocess
import termios
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from kiosk.serial_line import BAUD_RATES
from kiosk.serial_line import FLOWS

from kiosk import serial_line
from kiosk.printing import render
from kiosk.printing.escpos_build import STATUS_QUERIES

STATES = ("ok", "paper_low", "paper_out", "cover_open", "offline", "error", "unknown")


@dataclass(frozen=True)
class DeviceStatus:
    """What the printer itself says (or that it cannot say)."""

    state: str
    detail: str = ""

    def __post_init__(self):
        if self.state not in STATES:
            raise ValueError(f"printer state must be one of {STATES}")


class PrinterError(Exception):
    """Sending failed; ``state`` says why in the words of DeviceStatus."""

    def __init__(self, state, detail):
        super().__init__(detail)
        self.state = state
        self.detail = detail


def parse_url(url):
    """Split a printer URL into (scheme, target, options)."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise ValueError(f"printer URL needs a scheme, e.g. preview://DIR, not {url!r}")
    target, _, query = rest.partition("?")
    return scheme, target, dict(parse_qsl(query))


def open_backend(url, timeout=10.0):
    """Return the backend for a printer URL."""
    scheme, target, options = parse_url(url)
    if scheme == "virtual":
        from kiosk.printing.virtual import VirtualPrinter

        return VirtualPrinter(url, target, options, timeout)
    if scheme not in BACKENDS:
        known = ", ".join(sorted([*BACKENDS, "virtual"]))
        raise ValueError(f"unknown printer URL scheme {scheme!r}; use one of {known}")
    return BACKENDS[scheme](url, target, options, timeout)


class Backend:
    """Base class: ``send()`` writes one job's bytes or raises PrinterError."""

    scheme = ""
    # Whether status() answers without waiting on a device (safe to call
    # from a web request).
    instant_status = False

    def __init__(self, url, target, options, timeout):
        self.url = url
        self.target = target
        self.options = options
        self.timeout = float(timeout)

    def send(self, data, name, ticket=None, profile=None):
        """Write data to the printer as one job."""
        raise NotImplementedError

    def status(self):
        """Return the printer's DeviceStatus, within the timeout."""
        return DeviceStatus("unknown", f"{self.scheme}:// cannot report printer status")


class PreviewPrinter(Backend):
    """Writes each job's exact bytes and a PNG of it into a folder: no printer needed."""

    scheme = "preview"
    instant_status = True

    def __init__(self, url, target, options, timeout):
        super().__init__(url, target, options, timeout)
        self.folder = Path(target or "prints")

    def send(self, data, name, ticket=None, profile=None):
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_atomic(self.folder / f"{name}.bin", data)
            if ticket is not None and profile is not None:
                _write_atomic(self.folder / f"{name}.png", render.png_bytes(render.render_ticket(ticket, profile)))
        except OSError as exc:
            raise PrinterError("error", f"cannot write previews to {self.folder}: {exc.strerror}") from exc

    def status(self):
        folder = self.folder if self.folder.exists() else self.folder.parent
        if os.access(folder, os.W_OK):
            return DeviceStatus("ok", f"previews in {self.folder}")
        return DeviceStatus("error", f"cannot write to {self.folder}")


def _write_atomic(path, data):
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


# Linux usblp: LPGETSTATUS reads the USB printer class port status.
LPGETSTATUS = 0x060B
LP_PERRORP = 0x08  # low means error
LP_PSELECD = 0x10  # high means selected (online)
LP_POUTPA = 0x20  # high means paper out


class FilePrinter(Backend):
    """A device file (/dev/usb/lp0) or a plain file, written non-blocking against a deadline."""

    scheme = "file"

    def path(self):
        """The file to write to."""
        return self.target

    def send(self, data, name, ticket=None, profile=None):
        path = self.path()
        flags = os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_APPEND
        if not os.path.abspath(path).startswith("/dev/"):
            # A plain file may be created to collect jobs; a device never is: an
            # unplugged printer must fail, not fill a file in /dev.
            flags |= os.O_CREAT
        try:
            fd = os.open(path, flags, 0o644)
        except FileNotFoundError as exc:
            raise PrinterError("offline", f"no printer at {path} (unplugged or switched off?)") from exc
        except PermissionError as exc:
            raise PrinterError("error", f"no permission to write {path} (is the kiosk user in group lp?)") from exc
        except OSError as exc:
            raise PrinterError("offline", f"cannot open {path}: {exc.strerror}") from exc
        try:
            write_all(fd, data, self.timeout, path)
        finally:
            os.close(fd)

    def status(self):
        path = self.path()
        if not path or not os.path.exists(path):
            return DeviceStatus("offline", f"no printer at {path or self.target}")
        if not stat.S_ISCHR(os.stat(path).st_mode):
            return DeviceStatus("unknown", f"{path} is a plain file")
        return usblp_status(path)


def usblp_status(path):
    """Ask the usblp driver for the printer's port status (paper out, offline, error)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return DeviceStatus("offline", f"cannot open {path}: {exc.strerror}")
    try:
        buffer = bytearray(4)
        fcntl.ioctl(fd, LPGETSTATUS, buffer)
    except OSError:
        return DeviceStatus("unknown", f"{path} does not report port status")
    finally:
        os.close(fd)
    bits = int.from_bytes(buffer, "little")
    if bits & LP_POUTPA:
        return DeviceStatus("paper_out", "usblp: paper out")
    if not bits & LP_PSELECD:
        return DeviceStatus("offline", "usblp: not selected (offline or cover open)")
    if not bits & LP_PERRORP:
        return DeviceStatus("error", "usblp: printer reports an error")
    return DeviceStatus("ok", "usblp: ready")


def write_all(fd, data, timeout, where):
    """Write all of data to a non-blocking fd, or raise PrinterError at the deadline."""
    deadline = time.monotonic() + timeout
    view = memoryview(data)
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    while view:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            sent = len(data) - len(view)
            raise PrinterError("offline", f"{where} took more than {timeout:.0f} s: {sent} of {len(data)} bytes sent")
        if not poller.poll(remaining * 1000):
            continue
        try:
            view = view[os.write(fd, view) :]
        except BlockingIOError:
            time.sleep(0.05)
        except OSError as exc:
            state = "paper_out" if exc.errno == errno.ENOSPC else "offline"
            raise PrinterError(state, f"writing to {where} failed: {exc.strerror}") from exc


class UsbPrinter(FilePrinter):
    """``usb://VID:PID``: a USB printer, whichever way the kernel sees it.

    - Printer-class devices (most Xprinter/GPrinter models) get a
      /dev/usb/lpN from the kernel's usblp driver; the device number can
      change when the printer is plugged back in, so it is looked up in sysfs
      for every job and written like ``file://``.
    - Vendor-class devices (Epson TM in its default USB mode) get no lp
      device: they are opened with libusb (pyusb), the job goes to their bulk
      OUT endpoint against the same deadline, and status comes from DLE EOT
      answers on the bulk IN endpoint. The device node must be the app's
      (the image writes a udev rule for the provisioned VID:PID).
    """

    scheme = "usb"
    sysfs = Path("/sys/class/usbmisc")
    answer_seconds = 0.5

    def __init__(self, url, target, options, timeout):
        super().__init__(url, target, options, timeout)
        vendor, _, product = target.lower().partition(":")
        if not (_is_hex_id(vendor) and _is_hex_id(product)):
            raise ValueError(f"usb:// needs VID:PID in hex, e.g. usb://0416:5011, not {target!r}")
        self.vendor, self.product = vendor.zfill(4), product.zfill(4)
        self.answers_status = True

    def path(self):
        for device in sorted(self.sysfs.glob("lp*")):
            usb_device = (device / "device").resolve().parent
            try:
                ids = ((usb_device / "idVendor").read_text().strip(), (usb_device / "idProduct").read_text().strip())
            except OSError:
                continue
            if ids == (self.vendor, self.product):
                return f"/dev/usb/{device.name}"
        return None

    def find_libusb(self):
        """The pyusb device for VID:PID, or None when it is not plugged in."""
        try:
            import usb.core
        except ImportError as exc:
            raise PrinterError("error", "pyusb is not installed: vendor-class USB printers need it") from exc
        try:
            return usb.core.find(idVendor=int(self.vendor, 16), idProduct=int(self.product, 16))
        except usb.core.NoBackendError as exc:
            raise PrinterError(
                "offline",
                f"USB printer {self.vendor}:{self.product} has no usblp device, and libusb-1.0 (Debian: "
                "libusb-1.0-0) is not installed to look for a vendor-class one",
            ) from exc

    def open_port(self, device):
        return LibusbPort(device, self.answer_seconds)

    def send(self, data, name, ticket=None, profile=None):
        if self.path() is not None:
            return super().send(data, name, ticket, profile)
        device = self.find_libusb()
        if device is None:
            raise PrinterError(
                "offline", f"USB printer {self.vendor}:{self.product} not found (unplugged or switched off?)"
            )
        port = self.open_port(device)
        try:
            check_ready(self, port.exchange)
            port.write(data, time.monotonic() + self.timeout)
        finally:
            port.close()
        return None

    def status(self):
        if self.path() is not None:
            return super().status()
        try:
            device = self.find_libusb()
            if device is None:
                return DeviceStatus("offline", f"no USB printer {self.vendor}:{self.product}")
            port = self.open_port(device)
        except PrinterError as exc:
            return DeviceStatus(exc.state, exc.detail)
        try:
            return read_status(port.exchange)
        finally:
            port.close()


class LibusbPort:
    """The bulk endpoints of a vendor-class printer, opened with pyusb."""

    def __init__(self, device, answer_seconds=0.5):
        import usb.core
        import usb.util

        self.usb = usb
        self.device = device
        self.answer_ms = int(answer_seconds * 1000)
        try:
            try:
                config = device.get_active_configuration()
            except usb.core.USBError:
                device.set_configuration()
                config = device.get_active_configuration()
            self.out = self.inp = None
            for interface in config:
                out = usb.util.find_descriptor(interface, custom_match=lambda e: _bulk(usb, e, usb.util.ENDPOINT_OUT))
                if out is None:
                    continue
                if device.is_kernel_driver_active(interface.bInterfaceNumber):
                    raise PrinterError("error", "the printer is held by the usblp driver: use file:///dev/usb/lpN")
                self.out = out
                self.inp = usb.util.find_descriptor(interface, custom_match=lambda e: _bulk(usb, e, usb.util.ENDPOINT_IN))
                break
        except usb.core.USBError as exc:
            raise PrinterError("offline", f"cannot open the USB printer: {exc}") from exc
        if self.out is None:
            raise PrinterError("error", "the USB device has no bulk OUT endpoint: not a printer?")

    def write(self, data, deadline):
        view = memoryview(data)
        while view:
            remaining = int((deadline - time.monotonic()) * 1000)
            if remaining <= 0:
                raise PrinterError("offline", f"USB printer took too long: {len(data) - len(view)} of {len(data)} bytes sent")
            try:
                view = view[self.out.write(bytes(view[:4096]), timeout=remaining):]
            except self.usb.core.USBTimeoutError:
                continue
            except self.usb.core.USBError as exc:
                raise PrinterError("offline", f"writing to the USB printer failed: {exc}") from exc

    def exchange(self, query):
        if self.inp is None:
            return None
        try:
            self.out.write(query, timeout=self.answer_ms)
            answer = self.inp.read(self.inp.wMaxPacketSize, timeout=self.answer_ms)
        except self.usb.core.USBError:
            return None
        return answer[-1] if len(answer) else None

    def close(self):
        self.usb.util.dispose_resources(self.device)


def _bulk(usb, endpoint, direction):
    return (usb.util.endpoint_type(endpoint.bmAttributes) == usb.util.ENDPOINT_TYPE_BULK
            and usb.util.endpoint_direction(endpoint.bEndpointAddress) == direction)


def _is_hex_id(text):
    return 1 <= len(text) <= 4 and all(c in "0123456789abcdef" for c in text)


def read_status(exchange):
    """Ask an ESC/POS printer for its state with DLE EOT; ``exchange(query)`` returns a byte or None.

    Valid answers have bits 1 and 4 set and bits 0 and 7 clear; anything else
    (no answer, an automatic status block) counts as "unknown".
    """
    printer = _answer(exchange, "printer")
    if printer is None:
        return DeviceStatus("unknown", "the printer did not answer a status request")
    if printer & 0x08:
        cause = _first_set(_answer(exchange, "offline"), OFFLINE_CAUSES)
        return cause or DeviceStatus("offline", "the printer says it is offline")
    return _first_set(_answer(exchange, "paper"), PAPER_STATES) or DeviceStatus("ok", "ready")


# (bits, state) of the DLE EOT 2 (offline cause) and DLE EOT 4 (paper sensor) answers.
OFFLINE_CAUSES = ((0x04, "cover_open"), (0x20, "paper_out"))
PAPER_STATES = ((0x60, "paper_out"), (0x0C, "paper_low"))
BLOCKING_STATES = ("paper_out", "cover_open", "offline", "error")


def _answer(exchange, query):
    byte = exchange(STATUS_QUERIES[query])
    return byte if byte is not None and byte & 0x93 == 0x12 else None


def _first_set(byte, table):
    for bits, state in table:
        if byte is not None and byte & bits:
            return DeviceStatus(state, state.replace("_", " "))
    return None


def check_ready(backend, exchange):
    """Before a job, ask the printer and refuse to send into paper-out, an open cover or offline.

    A printer that never answers is asked no more (each silent request costs
    ``answer_seconds``) and gets its jobs regardless.
    """
    if not backend.answers_status:
        return
    status = read_status(exchange)
    backend.answers_status = status.state != "unknown"
    if status.state in BLOCKING_STATES:
        raise PrinterError(status.state, status.detail)


class TcpPrinter(Backend):
    """Raw TCP on port 9100: asks for status first, then sends the job in one write."""

    scheme = "tcp"
    answer_seconds = 1.0

    def __init__(self, url, target, options, timeout):
        super().__init__(url, target, options, timeout)
        host, _, port = target.rpartition(":") if ":" in target else (target, "", "9100")
        if not host or not port.isdigit():
            raise ValueError(f"tcp:// needs HOST or HOST:PORT, not {target!r}")
        self.host, self.port = host.strip("[]"), int(port)
        self.answers_status = True  # until a printer stays silent once

    def _connect(self):
        try:
            return socket.create_connection((self.host, self.port), timeout=min(self.timeout, 5.0))
        except OSError as exc:
            raise PrinterError("offline", f"cannot reach the printer at {self.host}:{self.port}: {exc}") from exc

    def _exchange(self, sock):
        def exchange(query):
            sock.settimeout(self.answer_seconds)
            try:
                sock.sendall(query)
                answer = sock.recv(1)
            except OSError:
                return None
            return answer[0] if answer else None

        return exchange

    def send(self, data, name, ticket=None, profile=None):
        with self._connect() as sock:
            check_ready(self, self._exchange(sock))
            sock.settimeout(self.timeout)
            try:
                sock.sendall(data)
                sock.shutdown(socket.SHUT_WR)
            except OSError as exc:
                raise PrinterError("offline", f"sending to {self.host}:{self.port} failed: {exc}") from exc

    def status(self):
        try:
            with self._connect() as sock:
                return read_status(self._exchange(sock))
        except PrinterError as exc:
            return DeviceStatus(exc.state, exc.detail)


class SerialPrinter(Backend):
    """A serial line set up with termios (no extra library); the timeout grows with the bytes."""

    scheme = "serial"
    answer_seconds = 0.5

    def __init__(self, url, target, options, timeout):
        super().__init__(url, target, options, timeout)
        self.baud = int(options.get("baud", 9600))
        self.flow = options.get("flow", "none")
        if self.baud not in BAUD_RATES or self.flow not in FLOWS:
            raise ValueError(f"serial:// needs baud in {sorted(BAUD_RATES)} and flow none, rtscts or xonxoff")
        self.answers_status = True

    def transfer_seconds(self, size):
        """Seconds the bytes take on the wire: 10 bits a byte (start, 8 data, stop)."""
        return size * 10 / self.baud

    def _open(self):
        try:
            return serial_line.open_raw(self.target, self.baud, self.flow)
        except OSError as exc:
            raise PrinterError("offline", f"cannot open {self.target}: {exc.strerror}") from exc
        except termios.error as exc:
            raise PrinterError("error", f"{self.target} is not a serial port: {exc}") from exc

    def _exchange(self, fd):
        def exchange(query):
            termios.tcflush(fd, termios.TCIFLUSH)
            write_all(fd, query, self.answer_seconds, self.target)
            ready, _, _ = select.select([fd], [], [], self.answer_seconds)
            if not ready:
                return None
            answer = os.read(fd, 1)
            return answer[0] if answer else None

        return exchange

    def send(self, data, name, ticket=None, profile=None):
        fd = self._open()
        try:
            check_ready(self, self._exchange(fd))
            write_all(fd, data, self.timeout + 1.5 * self.transfer_seconds(len(data)), self.target)
        finally:
            os.close(fd)

    def status(self):
        try:
            fd = self._open()
        except PrinterError as exc:
            return DeviceStatus(exc.state, exc.detail)
        try:
            return read_status(self._exchange(fd))
        except PrinterError as exc:
            return DeviceStatus(exc.state, exc.detail)
        finally:
            os.close(fd)


class CupsPrinter(Backend):
    """A raw CUPS queue, through the `lp` and `lpstat` commands.

    CUPS knows whether its queue is enabled, not whether the printer has
    paper, so an enabled queue reports "unknown", not "ok".
    """

    scheme = "cups"

    def _run(self, command, data=None):
        if shutil.which(command[0]) is None:
            raise PrinterError("error", f"the CUPS client ({command[0]}) is not installed")
        try:
            return subprocess.run(command, input=data, capture_output=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PrinterError("offline", f"{command[0]} took more than {self.timeout:.0f} s") from exc

    def send(self, data, name, ticket=None, profile=None):
        result = self._run(["lp", "-d", self.target, "-o", "raw", "-t", name, "-"], data)
        if result.returncode != 0:
            raise PrinterError("error", f"lp refused the job: {result.stderr.decode(errors='replace').strip()}")

    def status(self):
        try:
            result = self._run(["lpstat", "-p", self.target])
        except PrinterError as exc:
            return DeviceStatus(exc.state, exc.detail)
        text = result.stdout.decode(errors="replace")
        if result.returncode != 0:
            return DeviceStatus("error", f"CUPS has no queue {self.target}")
        if "disabled" in text:
            return DeviceStatus("offline", f"CUPS queue {self.target} is disabled")
        return DeviceStatus("unknown", f"CUPS queue {self.target} is enabled (paper state unknown)")


BACKENDS = {
    cls.scheme: cls for cls in (PreviewPrinter, FilePrinter, UsbPrinter, TcpPrinter, SerialPrinter, CupsPrinter)
}
