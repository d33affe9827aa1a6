"""Bytes and build time of a gift-pack voucher ticket: ours against python-escpos defaults
and a fully rasterised ticket, with the seconds each takes on a 9600-baud serial line.

    .venv/bin/python bench/bench_printing.py [--runs N]

Every variant prints the same ticket (sample voucher: title, 5 body lines, the
big code, a 49-character signed QR payload, 2 footer lines). Target: ≤ 400 B
on the 58 mm profile with the native QR.
"""

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.printing import escpos_build  # noqa: E402  (sets up python-escpos's environment first)
from kiosk.printing import render  # noqa: E402
from kiosk.printing.layout import Qr  # noqa: E402
from kiosk.printing.layout import Rule  # noqa: E402
from kiosk.printing.layout import Text  # noqa: E402
from kiosk.printing.layout import layout  # noqa: E402
from kiosk.printing.profiles import get_profile  # noqa: E402
from kiosk.printing.samples import sample_ticket  # noqa: E402

from escpos.printer import Dummy  # noqa: E402  (only for the comparison rows)

from bench.harness import print_table  # noqa: E402

BAUD = 9600
TARGET_BYTES = 400


def ours(profile_spec):
    profile = get_profile(profile_spec)
    return lambda ticket: escpos_build.build(ticket, profile)


def escpos_defaults(escpos_profile, columns):
    """What the library does out of the box: text() per line, qr() with its defaults, cut()."""

    def build(ticket):
        printer = Dummy(profile=escpos_profile)
        for block in layout(ticket, columns):
            if isinstance(block, Text):
                printer.text(block.text + "\n")
            elif isinstance(block, Rule):
                printer.text("-" * columns + "\n")
            elif isinstance(block, Qr):
                printer.qr(block.payload)
        printer.cut()
        return printer.output

    return build


def fully_rasterised(profile_spec):
    """The whole ticket drawn as one bitmap (what a driver that prints images sends)."""
    profile = get_profile(profile_spec)

    def build(ticket):
        image = render.render_ticket(ticket, profile)
        image = image.crop((render.PAPER_MARGIN, 0, render.PAPER_MARGIN + profile.dots, image.height))
        printer = Dummy(profile=escpos_build.KioskProfile(profile))
        printer.hw("INIT")
        printer.image(image.point(lambda v: 0 if v < 128 else 255).convert("1"), impl="bitImageRaster")
        printer.cut(mode="PART")
        return printer.output

    return build


VARIANTS = [
    ("58 mm ours: GBK text + native QR (generic58)", ours("generic58")),
    ("58 mm python-escpos defaults: text() + qr() (POS-5890)", escpos_defaults("POS-5890", 32)),
    ("58 mm ours, image-QR fallback (generic58?qr=image)", ours("generic58?qr=image")),
    ("58 mm fully rasterised ticket", fully_rasterised("generic58")),
    ("80 mm ours: GBK text + native QR (generic80)", ours("generic80")),
    ("80 mm python-escpos defaults: text() + qr() (TM-T20II)", escpos_defaults("TM-T20II", 48)),
    ("80 mm ours, rasterised Chinese + native QR (tm-t20)", ours("tm-t20")),
    ("80 mm fully rasterised ticket", fully_rasterised("generic80")),
]


def measure(build, ticket, runs):
    build(ticket)  # warm caches (fonts, QR tables)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        data = build(ticket)
        times.append((time.perf_counter() - start) * 1000)
    return data, statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    ticket = sample_ticket("voucher")
    print(f"# Python {platform.python_version()}, {args.runs} builds each, QR payload {len(ticket.qr)} characters\n")
    rows = []
    ours_58 = None
    for name, build in VARIANTS:
        data, build_ms = measure(build, ticket, args.runs)
        ours_58 = ours_58 or len(data)
        seconds = len(data) * 10 / BAUD
        rows.append((name, f"{len(data):,}", f"{build_ms:.2f}", f"{seconds:.2f}", f"{len(data) / ours_58:.1f}×"))
    print_table(rows, header=("variant", "bytes", "build ms (median)", f"s at {BAUD} baud", "bytes vs ours 58 mm"))
    preview_ms = measure(lambda t: render.png_bytes(render.render_ticket(t, get_profile("generic58"))), ticket, args.runs)[1]
    print(f"\nPNG preview of the same ticket (58 mm): {preview_ms:.1f} ms median")
    verdict = "meets" if ours_58 <= TARGET_BYTES else "MISSES"
    print(f"58 mm voucher with native QR: {ours_58} B, {verdict} the {TARGET_BYTES} B target")


if __name__ == "__main__":
    main()
