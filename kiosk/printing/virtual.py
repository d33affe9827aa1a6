"""The virtual printer: a printer you can tell to run out of paper, go offline or be slow.

A product feature, not only a test double (like OctoPrint's virtual
printer): demos, training volunteers and tests all use it. Chosen by URL::

    virtual://                          in memory, ready
    virtual://?fault=paper_out          starts out of paper (or offline, cover_open, paper_low)
    virtual://?delay=3                  every job takes 3 s (a slow serial printer)
    virtual:///var/lib/kiosk/virtual    keeps received jobs as .bin files and its
                                        state in state.json, so `flask printer
                                        virtual --fault …` can change it from
                                        another process

A job slower than the printer timeout fails as a real one would. A fault set
while a job is under way makes that job fail ("paper ran out mid-job").
"""

import json
import threading
from pathlib import Path

from kiosk.printing.backends import Backend
from kiosk.printing.backends import DeviceStatus
from kiosk.printing.backends import PrinterError

FAULTS = ("paper_out", "offline", "cover_open", "paper_low")
BLOCKING_FAULTS = ("paper_out", "offline", "cover_open")


class VirtualPrinter(Backend):
    """Accepts jobs into ``received`` (and a folder), or fails the way it has been told to."""

    scheme = "virtual"
    instant_status = True

    def __init__(self, url, target, options, timeout):
        super().__init__(url, target, options, timeout)
        self.folder = Path(target) if target else None
        self.received = []  # (name, bytes) in the order they arrived
        self.receiving = threading.Event()  # set while a slow job is under way
        self._released = threading.Event()  # set: slow jobs finish at once
        self._lock = threading.Lock()
        self._state = {"fault": None, "delay": 0.0}
        if self.folder and (self.folder / "state.json").exists():
            self._state = self._read_state()
        self.set(
            fault=options.get("fault", self._state["fault"]),
            delay=float(options.get("delay", self._state["delay"])),
        )

    def set(self, fault=None, delay=0.0):
        """Change what the printer does next: a fault from FAULTS (or None) and seconds per job."""
        if fault in ("", "none"):
            fault = None
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"virtual printer fault must be one of {', '.join(FAULTS)} or none")
        if delay < 0:
            raise ValueError("delay must be zero or more seconds")
        with self._lock:
            self._released.clear()
            self._state = {"fault": fault, "delay": float(delay)}
            if self.folder:
                self.folder.mkdir(parents=True, exist_ok=True)
                tmp = self.folder / "state.json.tmp"
                tmp.write_text(json.dumps(self._state))
                tmp.replace(self.folder / "state.json")

    def state(self):
        """Return {"fault": …, "delay": …} as currently set (re-read from the folder if shared)."""
        with self._lock:
            if self.folder and (self.folder / "state.json").exists():
                self._state = self._read_state()
            return dict(self._state)

    def _read_state(self):
        state = json.loads((self.folder / "state.json").read_text())
        return {"fault": state.get("fault"), "delay": float(state.get("delay", 0.0))}

    def release(self):
        """Let the slow job under way, and every later one, finish now (until the next set())."""
        self._released.set()

    def send(self, data, name, ticket=None, profile=None):
        state = self.state()
        if state["fault"] in BLOCKING_FAULTS:
            raise PrinterError(state["fault"], f"virtual printer: {state['fault'].replace('_', ' ')}")
        if state["delay"]:
            self.receiving.set()
            try:
                released = self._released.wait(min(state["delay"], self.timeout))
            finally:
                self.receiving.clear()
            if not released and state["delay"] > self.timeout:
                raise PrinterError("offline", f"virtual printer took more than {self.timeout:.0f} s")
            fault = self.state()["fault"]
            if fault in BLOCKING_FAULTS:
                raise PrinterError(fault, f"virtual printer: {fault.replace('_', ' ')} during the job")
        self.received.append((name, bytes(data)))
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{name}.bin").write_bytes(data)

    def status(self):
        state = self.state()
        if state["fault"]:
            return DeviceStatus(state["fault"], "virtual printer")
        return DeviceStatus("ok", "virtual printer" + (f", {state['delay']:g} s a job" if state["delay"] else ""))
