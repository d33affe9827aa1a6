"""ESC/POS bytes for a Ticket. The only module that imports python-escpos.

Each ticket is built once into a ``Dummy`` printer's output and stored with
its print job; the worker later writes those exact bytes in one go. The
library is used for what it does well (init, ``GS !`` sizes, alignment,
``GS ( k`` QR codes, raster images, cuts) and kept away from what it gets
wrong for Chinese (see shared/design/PRINTING.md):

- text is encoded here (charset.encode: GBK/GB18030, strict, with fix-ups),
  never through ``text()``, which picks single-byte code pages;
- Chinese mode (``FS &``) is switched on where the model needs it;
- sizes use ``GS !`` (custom_size): ``ESC !`` doubles only ASCII on many
  Chinese firmwares;
- the QR code is native at module size 5–6, EC M or Q, centred by ``ESC a``
  (``qr(center=True)`` raises for native codes), on its own line;
- cuts only where the model has a cutter, from our own profiles.
"""

import logging
import os
import tempfile
from pathlib import Path


def _capabilities_cache():
    """A private per-user folder for python-escpos's capabilities pickle.

    Without ESCPOS_CAPABILITIES_PICKLE_DIR the library makes a new temporary
    folder at every import and never removes it; a shared /tmp path would let
    another user plant the pickle it loads. Where the cache folder cannot be
    made (a read-only home on the kiosk image), a private temporary folder
    does: the app must start whatever the home directory allows.
    """
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "nuantu-kiosk" / "escpos"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return tempfile.mkdtemp(prefix="nuantu-escpos-")
    return str(folder)


if not os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR"):
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = _capabilities_cache()
_root_handlers = list(logging.getLogger().handlers)

from escpos import capabilities  # noqa: E402  (needs the environment above)
from escpos.constants import FS  # noqa: E402
from escpos.constants import QR_ECLEVEL_M  # noqa: E402
from escpos.constants import QR_ECLEVEL_Q  # noqa: E402
from escpos.constants import RT_STATUS  # noqa: E402
from escpos.printer import Dummy  # noqa: E402

# `import escpos` calls logging.basicConfig(); undo it so the app's own
# logging setup (Flask's handler, systemd's journal) stays in charge.
for _handler in logging.getLogger().handlers:
    if _handler not in _root_handlers:
        logging.getLogger().removeHandler(_handler)

from kiosk.printing import charset  # noqa: E402
from kiosk.printing import render  # noqa: E402
from kiosk.printing.layout import Cut  # noqa: E402
from kiosk.printing.layout import Qr  # noqa: E402
from kiosk.printing.layout import Rule  # noqa: E402
from kiosk.printing.layout import Text  # noqa: E402
from kiosk.printing.layout import layout  # noqa: E402
from kiosk.printing.profiles import DPI  # noqa: E402

ENTER_CHINESE_MODE = FS + b"&"
QR_LEVELS = {"M": QR_ECLEVEL_M, "Q": QR_ECLEVEL_Q}

# Real-time status requests (DLE EOT n), answered with one byte each.
STATUS_QUERIES = {
    "printer": RT_STATUS + b"\x01",
    "offline": RT_STATUS + b"\x02",
    "paper": RT_STATUS + b"\x04",
}


class KioskProfile(capabilities.Profile):
    """One of our profiles in python-escpos's terms (it ships none for these models)."""

    def __init__(self, profile):
        features = {
            "paperFullCut": profile.cutter,
            "paperPartCut": profile.cutter,
            "qrCode": profile.qr == "native",
            "bitImageRaster": True,
            "highDensity": True,
        }
        super().__init__(columns=profile.columns, features=features)
        self.profile_data = {
            "name": profile.name,
            "vendor": "",
            "notes": profile.label,
            "features": features,
            "fonts": {"0": {"name": "Font A", "columns": profile.columns}},
            "media": {"dpi": DPI, "width": {"mm": profile.paper_mm, "pixels": profile.dots}},
            "codePages": {"0": "CP437"},
        }


def build(ticket, profile):
    """Return the ESC/POS bytes that print ticket on a printer of this profile.

    Raises charset.UnprintableText before anything is built if a character
    is missing from the printer's font, and render.MissingFont if the
    profile rasterises text and no CJK font is installed.
    """
    missing = charset.unprintable("\n".join(ticket.texts()), profile.encoding)
    if missing:
        raise charset.UnprintableText(missing)
    printer = Dummy(profile=KioskProfile(profile))
    writer = _Writer(printer, profile)
    printer.hw("INIT")
    if profile.chinese_mode:
        printer._raw(ENTER_CHINESE_MODE)
    for block in layout(ticket, profile.columns):
        writer.write(block)
    return printer.output


class _Writer:
    """Sends layout blocks, emitting style commands only when the style changes."""

    def __init__(self, printer, profile):
        self.printer = printer
        self.profile = profile
        self.align = "left"
        self.size = 1
        self.bold = False

    def write(self, block):
        if isinstance(block, Text):
            self.text(block)
        elif isinstance(block, Rule):
            self.text(Text("-" * self.profile.columns))
        elif isinstance(block, Qr):
            self.qr(block)
        elif isinstance(block, Cut):
            self.cut()
        else:
            raise TypeError(f"unknown layout block {block!r}")

    def style(self, align="left", size=1, bold=False):
        if align != self.align:
            self.printer.set(align=align)
            self.align = align
        if size != self.size:
            self.printer.set(custom_size=True, width=size, height=size)
            self.size = size
        if bold != self.bold:
            self.printer.set(bold=bold)
            self.bold = bold

    def text(self, block):
        if self.profile.text == "raster" and not block.text.isascii():
            self.style()  # the image carries its own alignment and size
            self.printer.image(render.raster_line(block, self.profile), impl="bitImageRaster")
            return
        self.style(block.align, block.size, block.bold)
        self.printer._raw(charset.encode(block.text, self.profile.encoding) + b"\n")

    def qr(self, block):
        if self.profile.qr == "image":
            self.style()
            self.printer.image(render.qr_image(block.payload, block.ec, self.profile), center=True)
            return
        modules = render.qr_modules(block.payload, block.ec)
        self.style(align="center")
        self.printer._raw(b"\n")  # quiet zone above: one blank line
        self.printer.qr(
            block.payload,
            ec=QR_LEVELS[block.ec],
            size=render.qr_module_size(modules, self.profile),
            native=True,
        )
        self.printer._raw(b"\n")  # and below

    def cut(self):
        self.style()
        if self.profile.cutter:
            self.printer.cut(mode="PART")
        else:
            self.printer.print_and_feed(self.profile.tear_feed)
