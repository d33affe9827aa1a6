"""ID card readers behind one small class, chosen by ``IDCARD_URL`` like the printers.

    serial:///dev/ttyUSB0?baud=115200   a reader on a USB-serial line (华视, 神思, 精伦 …)
    virtual://DIR                       the virtual reader: the same bytes over a pty,
                                        its card and faults set by `flask idcard virtual`
    virtual://                          the same, state in memory (tests)
    none                                no reader: the keypad only

A reader answers ``read_card()`` with the card's text fields, None when no card
lies on it, or raises ReaderError with a kind a screen can explain:
"offline" (unplugged, no answer), "unreadable" (the reader could not read
the card), "moved" (the answer was cut short: the card was pulled mid-read),
"noise" (bad checksums twice in a row).
"""

import json
import os
import select
import termios
import threading
import time
import tty
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from kiosk import serial_line
from kiosk.hardware import samv

KINDS = ("offline", "unreadable", "moved", "noise")


class ReaderError(Exception):
    """The reader could not give a card's text; ``kind`` is one of KINDS."""

    def __init__(self, kind, detail=""):
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail or kind


class NoReader:
    """``none``: there is no reader; screens offer the keypad only."""

    url = "none"
    present = False

    def read_card(self):
        raise ReaderError("offline", "no ID card reader configured")

    def close(self):
        pass


class SerialReader:
    """A reader on a serial line (or a pty), spoken to in samv frames with termios only."""

    present = True

    def __init__(self, path, baud=115200, timeout=2.0):
        if baud not in serial_line.BAUD_RATES:
            raise ValueError(f"baud must be one of {', '.join(map(str, serial_line.BAUD_RATES))}")
        self.path = path
        self.baud = baud
        self.timeout = timeout
        self.url = f"serial://{path}"
        self._fd = None

    # The line --------------------------------------------------------------

    def _open(self):
        if self._fd is not None:
            return self._fd
        try:
            self._fd = serial_line.open_raw(self.path, self.baud)
        except OSError as exc:
            raise ReaderError("offline", f"{self.path}: {exc.strerror}") from exc
        except termios.error as exc:
            raise ReaderError("offline", f"{self.path} is not a serial port: {exc}") from exc
        return self._fd

    def close(self):
        if self._fd is not None:
            try:
                os.close(self._fd)
            finally:
                self._fd = None

    def transact(self, cmd, para):
        """Send one command and return the reader's decoded answer (a samv.Frame)."""
        fd = self._open()
        try:
            termios.tcflush(fd, termios.TCIFLUSH)  # a late answer to an earlier command is stale
            os.write(fd, samv.command(cmd, para))
            return samv.parse_response(self._read_frame(fd))
        except OSError as exc:  # the USB-serial adapter went away
            self.close()
            raise ReaderError("offline", f"{self.path}: {exc.strerror}") from exc

    def _read_frame(self, fd):
        buffer = bytearray()
        deadline = time.monotonic() + self.timeout
        total = None
        while total is None or len(buffer) < total:
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(left, 0))[0] if left > 0 else []
            if not ready:
                if not buffer:
                    raise ReaderError("offline", f"no answer from the reader in {self.timeout:g} s")
                raise samv.Incomplete(f"answer cut short after {len(buffer)} bytes")
            chunk = os.read(fd, 4096)
            if not chunk:
                raise ReaderError("offline", "the reader's line closed")
            buffer += chunk
            try:
                total = samv.frame_length(buffer)
            except samv.FrameError:
                buffer = buffer[1:]  # resynchronise on the next preamble
                while buffer and not samv.PREAMBLE.startswith(bytes(buffer[:5])):
                    buffer = buffer[1:]
                total = None
        return bytes(buffer[:total])

    # The card ----------------------------------------------------------------

    def _ask(self, cmd, para):
        """One command, asked again once after a bad checksum."""
        for attempt in (1, 2):
            try:
                return self.transact(cmd, para)
            except samv.ChecksumError as exc:
                if attempt == 2:
                    raise ReaderError("noise", str(exc)) from exc
            except samv.Incomplete as exc:
                raise ReaderError("moved", str(exc)) from exc
            except samv.FrameError as exc:
                raise ReaderError("noise", str(exc)) from exc

    def read_card(self):
        """Return the card's text fields, or None when there is no card."""
        found = self._ask(*samv.FIND_CARD)
        if found.sw3 == samv.NO_CARD:
            return None
        if found.sw3 != samv.FOUND:
            raise ReaderError("unreadable", f"find card answered {found.sw3:#04x}")
        selected = self._ask(*samv.SELECT_CARD)
        if selected.sw3 != samv.OK:
            # The card left between find and select: treat as moved.
            raise ReaderError("moved", f"select card answered {selected.sw3:#04x}")
        answer = self._ask(*samv.READ_TEXT_AND_PHOTO)
        if answer.sw3 != samv.OK:
            raise ReaderError("unreadable", f"read answered {answer.sw3:#04x}")
        try:
            text, _photo_length = samv.split_read_data(answer.data)
            return samv.decode_text(text)
        except samv.FrameError as exc:
            raise ReaderError("noise", str(exc)) from exc


# The virtual reader ------------------------------------------------------------------

VIRTUAL_FAULTS = ("unreadable", "checksum", "unplugged", "pulled")
DEMO_CARD = {
    "name": "张三",
    "sex": "1",
    "ethnicity": "01",
    "birth_date": "19800101",
    "address": "四川省乐山市市中区嘉定北路1号",
    "id_number": "511102198001010012",
    "issuer": "乐山市公安局市中区分局",
    "valid_from": "20200101",
    "valid_to": "20400101",
}


class VirtualDevice:
    """A reader's firmware on the far side of a pty: answers samv frames from its state.

    The state (a card on it or not, a fault) lives in memory, or in
    ``DIR/state.json`` so `flask idcard virtual` can change it from another
    shell. ``read_seconds`` is how long a real reader takes to read a card
    (about a second: the radio link and the SAM's decryption).
    """

    def __init__(self, folder=None, read_seconds=0.8):
        self.folder = Path(folder) if folder else None
        self.read_seconds = read_seconds
        self._state = {"card": None, "fault": None}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.received = []  # commands seen, as (cmd, para)
        self._thread = threading.Thread(target=self._serve, name="virtual-idcard", daemon=True)
        self._thread.start()

    # State, shared with the CLI through the folder.

    def state(self):
        with self._lock:
            if self.folder and (self.folder / "state.json").exists():
                try:
                    self._state = json.loads((self.folder / "state.json").read_text())
                except (OSError, ValueError):
                    pass
            return dict(self._state)

    def set(self, card=..., fault=...):
        set_state(self.folder, card=card, fault=fault, memory=self)

    def present(self, **card):
        """Lay a card on the reader (DEMO_CARD's fields unless given)."""
        self.set(card={**DEMO_CARD, **card})

    def remove(self):
        self.set(card=None)

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass

    # The firmware.

    def _serve(self):
        buffer = bytearray()
        while not self._stop.is_set():
            ready = select.select([self.master], [], [], 0.1)[0]
            if not ready:
                continue
            try:
                buffer += os.read(self.master, 4096)
            except OSError:
                return
            while True:
                try:
                    total = samv.frame_length(buffer)
                except samv.FrameError:
                    buffer.clear()
                    break
                if total is None or len(buffer) < total:
                    break
                frame, buffer = bytes(buffer[:total]), buffer[total:]
                self._answer(frame)

    def _answer(self, frame):
        try:
            cmd = samv.parse_command(frame)
        except samv.FrameError:
            self._write(samv.response(samv.BAD_CHECKSUM_RECEIVED))
            return
        key = (cmd.head[0], cmd.head[1])
        self.received.append(key)
        state = self.state()
        fault, card = state.get("fault"), state.get("card")
        if fault == "unplugged":
            return  # a dead line: nothing comes back
        if key == samv.FIND_CARD:
            self._write(samv.response(samv.FOUND, bytes(4)) if card else samv.response(samv.NO_CARD))
        elif key == samv.SELECT_CARD:
            self._write(samv.response(samv.OK, bytes(8)) if card else samv.response(samv.SELECT_FAILED))
        elif key == samv.READ_TEXT_AND_PHOTO:
            self._read(card, fault)
        elif key == samv.SAM_STATUS:
            self._write(samv.response(samv.OK))
        else:
            self._write(samv.response(samv.UNKNOWN_COMMAND))

    def _read(self, card, fault):
        if not card:
            self._write(samv.response(samv.READ_FAILED))
            return
        if self._stop.wait(self.read_seconds):
            return
        if fault == "unreadable":
            self._write(samv.response(samv.READ_FAILED))
            return
        fields = {name: card.get(name, "") for name, _ in samv.TEXT_FIELDS}
        answer = samv.response(samv.OK, samv.read_data(samv.encode_text(**fields), b"WLT" * 10))
        if fault == "checksum":
            answer = answer[:-1] + bytes([answer[-1] ^ 0xFF])
        elif fault == "pulled":
            answer = answer[: len(answer) // 2]
            set_state(self.folder, card=None, fault=None, memory=self)  # the card has left
        self._write(answer)

    def _write(self, data):
        try:
            os.write(self.master, data)
        except OSError:
            pass


def set_state(folder, card=..., fault=..., memory=None):
    """Change the virtual reader's card (a dict, or None) and fault; ``...`` keeps what is set."""
    if fault not in (..., None) and fault not in VIRTUAL_FAULTS:
        raise ValueError(f"virtual reader fault must be one of {', '.join(VIRTUAL_FAULTS)} or none")
    folder = Path(folder) if folder else None
    state = {"card": None, "fault": None}
    if memory is not None:
        state = memory.state()
    elif folder and (folder / "state.json").exists():
        state = json.loads((folder / "state.json").read_text())
    if card is not ...:
        state["card"] = card
    if fault is not ...:
        state["fault"] = fault
    if memory is not None:
        with memory._lock:
            memory._state = dict(state)
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "state.json.tmp"
        tmp.write_text(json.dumps(state, ensure_ascii=False))
        tmp.replace(folder / "state.json")
    return state


class VirtualReader(SerialReader):
    """The serial reader, talking to a VirtualDevice through its pty: the real protocol code runs."""

    def __init__(self, folder=None, read_seconds=0.8, timeout=2.0):
        self.device = VirtualDevice(folder, read_seconds=read_seconds)
        super().__init__(self.device.path, timeout=timeout)
        self.url = f"virtual://{folder or ''}"

    def close(self):
        super().close()
        self.device.close()


def open_reader(url):
    """Return the reader a config URL names (see the module's docstring)."""
    url = (url or "none").strip()
    if url in ("none", ""):
        return NoReader()
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    timeout = float(options.get("timeout", 2.0))
    if parts.scheme == "serial":
        return SerialReader(parts.path, baud=int(options.get("baud", 115200)), timeout=timeout)
    if parts.scheme == "virtual":
        folder = (parts.netloc + parts.path) or None
        return VirtualReader(folder, read_seconds=float(options.get("read_seconds", 0.8)), timeout=timeout)
    raise ValueError(f"unknown ID card reader URL {url!r}: use serial://DEVICE, virtual://DIR or none")
