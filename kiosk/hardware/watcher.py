"""One thread that polls the reader and tells waiting screens what happened.

The server owns the reader (a serial line has one reader at a time); pages
long-poll ``wait(after)`` for the next event. An event says only what kind of
thing happened ("read", "offline", "unreadable", "moved", "noise",
"removed"), never the card: the screen then asks to ``take(seq)`` the reading
once, into the person's registration. The watcher keeps only the ID number
and the address of the last card (never the name or photo) and forgets them
when taken, when the card is laid again, or after ``KEEP_SECONDS``.
"""

import threading
import time
from dataclasses import dataclass

from kiosk.hardware.idcard import ReaderError

KEEP_SECONDS = 60
SAME_CARD_SECONDS = 2.0  # a card still lying on the reader is not read as a new one


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str  # read | removed | offline | unreadable | moved | noise | ready
    at: float


@dataclass(frozen=True)
class Reading:
    """What the kiosk keeps of a card until a screen takes it: two fields."""

    id_number: str
    address: str
    at: float


class CardWatcher:
    def __init__(self, reader, interval=0.25, clock=time.monotonic):
        self.reader = reader
        self.interval = interval
        self.clock = clock
        self._cond = threading.Condition()
        self._seq = 0
        self._event = Event(0, "ready", clock())
        self._reading = None  # (seq, Reading)
        self._waiters = 0
        self._last_id, self._last_seen = None, 0.0
        self._stop = threading.Event()
        self._thread = None
        self.status = "starting"  # ready | offline | reading

    @property
    def present(self):
        return getattr(self.reader, "present", False)

    def start(self):
        with self._cond:
            if self._thread is None and self.present:
                self._thread = threading.Thread(target=self._run, name="idcard-watcher", daemon=True)
                self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        self.reader.close()

    @property
    def seq(self):
        with self._cond:
            return self._seq

    def wait(self, after, timeout):
        """Return the first event after ``after`` (blocking up to ``timeout`` s), or None.

        One screen reads cards, so a new waiter releases the earlier ones (a
        page left behind would otherwise hold a server thread until its timeout).
        """
        deadline = self.clock() + timeout
        with self._cond:
            self._waiters += 1
            me = self._waiters
            self._cond.notify_all()
            while self._seq <= after:
                left = deadline - self.clock()
                if left <= 0 or self._stop.is_set() or me != self._waiters:
                    return None
                self._cond.wait(left)
            return self._event

    def take(self, seq):
        """Hand over the reading of event ``seq`` once; None if it is gone, stale or another one."""
        with self._cond:
            held = self._reading
            if held is None or held[0] != seq:
                return None
            self._reading = None
            reading = held[1]
        return reading if self.clock() - reading.at <= KEEP_SECONDS else None

    def poll_once(self):
        """Ask the reader once and publish what changed (the thread's body; tests call it directly)."""
        now = self.clock()
        with self._cond:
            if self._reading and now - self._reading[1].at > KEEP_SECONDS:
                self._reading = None  # nobody took it: forget the number and address
        try:
            fields = self.reader.read_card()
        except ReaderError as exc:
            self.status = "offline" if exc.kind == "offline" else "ready"
            if exc.kind == "offline" and self._event.kind == "offline":
                return  # still unplugged: one event is enough
            self._publish(exc.kind)
            return
        self.status = "ready"
        if fields is None:
            if self._last_id and now - self._last_seen > SAME_CARD_SECONDS:
                self._last_id = None
                self._publish("removed")
            elif self._event.kind == "offline":
                self._publish("ready")  # plugged back in
            return
        number = fields.get("id_number", "")
        if number == self._last_id and now - self._last_seen <= SAME_CARD_SECONDS:
            self._last_seen = now  # the same card, still lying there
            return
        self._last_id, self._last_seen = number, now
        self._publish("read", Reading(number, fields.get("address", ""), now))

    def _publish(self, kind, reading=None):
        with self._cond:
            self._seq += 1
            self._event = Event(self._seq, kind, self.clock())
            self._reading = (self._seq, reading) if reading else None
            self._cond.notify_all()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # keep watching: a reader bug must not stop the kiosk
                self.status = "offline"
                self._publish("offline")
                self._stop.wait(1.0)
                del exc
            self._stop.wait(self.interval)
        with self._cond:
            self._cond.notify_all()
