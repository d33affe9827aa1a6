"""Devices at the kiosk other than the printer: the ID card reader (身份证阅读器).

Public names: ``open_reader(url)`` (``serial://``, ``virtual://DIR``, ``none``),
``CardWatcher`` (the one thread that polls it for the screens), ``Reading``
(what is kept of a card until a screen takes it: ID number and address),
``ReaderError`` and the virtual reader's ``set_state`` for the command line.
The frame protocol is in ``samv``. Like printing, this package imports no
domain, no view and no Flask (its ``cli.py`` excepted).
"""

from kiosk.hardware.idcard import DEMO_CARD
from kiosk.hardware.idcard import KINDS
from kiosk.hardware.idcard import VIRTUAL_FAULTS
from kiosk.hardware.idcard import ReaderError
from kiosk.hardware.idcard import VirtualReader
from kiosk.hardware.idcard import open_reader
from kiosk.hardware.idcard import set_state
from kiosk.hardware.watcher import CardWatcher
from kiosk.hardware.watcher import Event
from kiosk.hardware.watcher import Reading

__all__ = [
    "CardWatcher", "DEMO_CARD", "Event", "KINDS", "ReaderError", "Reading", "VIRTUAL_FAULTS",
    "VirtualReader", "open_reader", "set_state",
]
