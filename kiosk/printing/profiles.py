"""Printer models met in the field, as small profiles of our own.

python-escpos ships no Xprinter, GPrinter or HPRT profile, and its generic
58 mm ones have no cutter flag, so the kiosk carries these. A profile is
chosen by ``KIOSK_PRINTER_PROFILE``: a name, optionally followed by
overrides in query form, e.g. ``generic58?cutter=yes&encoding=gb18030``.
"""

from dataclasses import dataclass
from dataclasses import fields
from dataclasses import replace
from urllib.parse import parse_qsl

from kiosk.printing.charset import ENCODINGS

DPI = 203  # every model here prints 8 dots per mm


@dataclass(frozen=True)
class PrinterProfile:
    """What the kiosk must know about one printer model to build its bytes."""

    name: str
    label: str
    paper_mm: int
    dots: int  # printable width in dots
    columns: int  # Font A (12-dot) columns across the printable width
    encoding: str = "gbk"  # "gbk" or "gb18030" (models with the larger font)
    text: str = "native"  # "native": the printer's Chinese font; "raster": we draw it
    chinese_mode: bool = True  # send FS & after ESC @ (Chinese firmwares that boot in ASCII mode)
    qr: str = "native"  # "native" (GS ( k) or "image" (firmware without a QR encoder)
    qr_size: int = 6  # module size in dots: 5–6 scans well at 203 dpi
    cutter: bool = False
    tear_feed: int = 4  # lines fed after a part when there is no cutter

    def __post_init__(self):
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}")
        if self.text not in ("native", "raster") or self.qr not in ("native", "image"):
            raise ValueError("text must be native or raster; qr must be native or image")
        if not 1 <= self.qr_size <= 16 or self.columns * 12 > self.dots:
            raise ValueError("qr_size must be 1–16 and the columns must fit the dots")

    @property
    def spec(self):
        """The text that selects exactly this profile (name plus any overrides)."""
        base = PROFILES.get(self.name)
        changes = [
            f"{f.name}={_format(getattr(self, f.name))}"
            for f in fields(self)
            if base is None or getattr(self, f.name) != getattr(base, f.name)
        ]
        return self.name + ("?" + "&".join(changes) if changes else "")


PROFILES = {
    profile.name: profile
    for profile in (
        PrinterProfile(
            name="generic58",
            label="58 mm, Chinese GB font (Xprinter XP-58, GPrinter GP-58, HPRT…), tear bar",
            paper_mm=58,
            dots=384,
            columns=32,
        ),
        PrinterProfile(
            name="generic80",
            label="80 mm, Chinese GB font (Xprinter XP-80, GPrinter GP-80…), auto-cutter",
            paper_mm=80,
            dots=576,
            columns=48,
            cutter=True,
        ),
        PrinterProfile(
            name="tm-t20",
            label="Epson TM-T20 international (no Chinese font: Chinese text is rasterised)",
            paper_mm=80,
            dots=576,
            columns=48,
            encoding="gb18030",
            text="raster",
            chinese_mode=False,
            cutter=True,
        ),
    )
}

DEFAULT_PROFILE = "generic58"
_BOOLEAN = {"1": True, "yes": True, "true": True, "on": True, "0": False, "no": False, "false": False, "off": False}


def get_profile(spec=DEFAULT_PROFILE):
    """Return the profile named by spec (``name`` or ``name?field=value&…``)."""
    if isinstance(spec, PrinterProfile):
        return spec
    name, _, query = (spec or DEFAULT_PROFILE).partition("?")
    if name not in PROFILES:
        raise ValueError(f"unknown printer profile {name!r}; known: {', '.join(sorted(PROFILES))}")
    profile = PROFILES[name]
    types = {f.name: f.type for f in fields(PrinterProfile)}
    changes = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key not in types or key == "name":
            raise ValueError(f"unknown printer profile setting {key!r}")
        changes[key] = _parse(key, types[key], value)
    return replace(profile, **changes) if changes else profile


def _parse(key, kind, value):
    if kind in (bool, "bool"):
        if value.lower() not in _BOOLEAN:
            raise ValueError(f"{key} must be yes or no")
        return _BOOLEAN[value.lower()]
    if kind in (int, "int"):
        return int(value)
    return value


def _format(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
