#!/usr/bin/env python3
"""Look at the kiosk's screen in QEMU: screendumps through the monitor, and is the home page on them?

    screen.py watch --monitor SOCK --out DIR --console LOG [--timeout S] [--after-probe S]
    screen.py check FILE.ppm

``watch`` asks QEMU's monitor for a ``screendump`` every few seconds from
power-on, decides for each whether the kiosk's home page is showing, keeps
the first such picture as DIR/home.png and the last one as DIR/last.png, and
once the boot probe has finished on the serial console (``NUANTU-PROBE
end``) and the home page was seen (or ``--after-probe`` seconds passed
without it), powers the guest off with ACPI (``system_powerdown``). It prints
``SCREEN first-home=SECONDS|none`` (seconds from its start, i.e. power-on),
``SCREEN shots=N`` and ``SCREEN last nonblack=PERCENT``.

The home page is recognised by what a person sees first: its first four
service tiles, blue, red, green and slate, read left to right and top to
bottom (one row of four on a kiosk screen, two above two on a portrait one,
or three and then one), each a tenth of the screen wide or more. A black screen, a text console, an error
page or another screen of the app does not have them. Standard library only
(the build host's Debian python3).
"""

import argparse
import socket
import struct
import sys
import time
import zlib
from pathlib import Path

# kiosk/static/kiosk.css: --blue, --red, --green and .tone-slate, the first
# four home tiles in their order (kiosk/views/screen.py TILES).
TILES = [("blue", (0x0B, 0x3D, 0x91)), ("red", (0xA3, 0x14, 0x1C)),
         ("green", (0x17, 0x60, 0x2A)), ("slate", (0x36, 0x45, 0x4F))]
CLOSE = 40 * 40  # squared RGB distance that still counts as the tile's colour


def read_ppm(path):
    """(width, height, RGB bytes) of a binary PPM (P6, maxval 255) as QEMU writes it."""
    data = Path(path).read_bytes()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError(f"{path}: not a P6 PPM with maxval 255")
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + width * height * 3]
    if len(pixels) != width * height * 3:
        raise ValueError(f"{path}: truncated")
    return width, height, pixels


def write_png(path, width, height, pixels):
    """Write RGB pixels as a PNG (so a person can look at the screendump)."""
    raw = b"".join(b"\0" + pixels[y * width * 3:(y + 1) * width * 3] for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    Path(path).write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    )


def tile_of(r, g, b):
    for name, (tr, tg, tb) in TILES:
        if (r - tr) ** 2 + (g - tg) ** 2 + (b - tb) ** 2 <= CLOSE:
            return name
    return None


def runs(width, row):
    """The row's runs of tile colours as [(name, length)], short runs and gaps dropped."""
    found, current, length = [], None, 0
    for x in range(0, width, 2):
        name = tile_of(row[3 * x], row[3 * x + 1], row[3 * x + 2])
        if name == current:
            length += 2
            continue
        if current is not None:
            found.append((current, length))
        current, length = name, 2
    if current is not None:
        found.append((current, length))
    merged = []
    for name, length in found:
        if merged and merged[-1][0] == name:
            merged[-1] = (name, merged[-1][1] + length)
        else:
            merged.append((name, length))
    return merged


def home_visible(width, height, pixels):
    """Whether the first four tiles are there in reading order, between 15% and 95% of the height.

    Each band of rows that crosses tiles gives the tiles it crosses, left to
    right; the bands read top to bottom must begin with the four in order.
    """
    want = [name for name, _ in TILES]
    seen = []
    for y in range(height * 15 // 100, height * 95 // 100, max(1, height // 80)):
        row = pixels[y * width * 3:(y + 1) * width * 3]
        wide = [name for name, length in runs(width, row) if name and length >= width // 10]
        if not wide or (seen and seen[-1] == wide):
            continue
        seen.append(wide)
        found = [name for band in seen for name in band]
        if found[:len(want)] == want:
            return True
        if want[:len(found)] != found[:len(want)]:
            seen = [wide]  # a band out of order (a partly crossed row): read on from here
            found = wide
            if found[:len(want)] == want:
                return True
    return False


def nonblack(width, height, pixels):
    """Percentage of sampled pixels that are not (nearly) black."""
    step = 7
    seen = lit = 0
    for i in range(0, width * height, step):
        seen += 1
        if max(pixels[3 * i], pixels[3 * i + 1], pixels[3 * i + 2]) > 24:
            lit += 1
    return 100.0 * lit / max(seen, 1)


def monitor(sock_path, command, timeout=30):
    """Send one HMP command to QEMU's monitor socket; return what it answered."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(sock_path)
        answer = b""
        sock.sendall(command.encode() + b"\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                part = sock.recv(65536)
            except socket.timeout:
                break
            if not part:
                break
            answer += part
            if answer.count(b"(qemu)") >= 2:  # the banner's prompt and the one after our command
                break
        return answer.decode(errors="replace")


def watch(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    first_home = None
    probe_end = None
    shots = 0
    last = None
    powered_down = False
    while time.monotonic() - started < args.timeout:
        shot = out / "shot.ppm"
        try:
            monitor(args.monitor, f"screendump {shot}")
        except OSError:
            if shots or time.monotonic() - started > 30:
                break  # QEMU has gone
            time.sleep(1)
            continue
        elapsed = time.monotonic() - started
        try:
            width, height, pixels = read_ppm(shot)
        except (OSError, ValueError, IndexError):
            time.sleep(args.every)
            continue
        shots += 1
        last = (width, height, pixels, elapsed)
        if first_home is None and home_visible(width, height, pixels):
            first_home = elapsed
            write_png(out / "home.png", width, height, pixels)
            print(f"SCREEN home visible after {elapsed:.0f} s ({width}x{height})", flush=True)
        if args.keep_every and shots % args.keep_every == 0:
            write_png(out / f"shot-{int(elapsed):04d}.png", width, height, pixels)
        if probe_end is None and args.console and b"NUANTU-PROBE end" in Path(args.console).read_bytes():
            probe_end = elapsed
        if not powered_down and probe_end is not None and (
            first_home is not None or elapsed - probe_end > args.after_probe
        ):
            try:
                monitor(args.monitor, "system_powerdown")
            except OSError:
                pass
            powered_down = True
        time.sleep(args.every)
    if last is not None:
        width, height, pixels, elapsed = last
        write_png(out / "last.png", width, height, pixels)
        print(f"SCREEN last nonblack={nonblack(width, height, pixels):.1f} at={elapsed:.0f}s {width}x{height}")
    print(f"SCREEN shots={shots}")
    print(f"SCREEN first-home={'none' if first_home is None else f'{first_home:.0f}'}", flush=True)
    return 0


def check(args):
    width, height, pixels = read_ppm(args.file)
    visible = home_visible(width, height, pixels)
    print(f"{args.file}: {width}x{height} home={'yes' if visible else 'no'} "
          f"nonblack={nonblack(width, height, pixels):.1f}%")
    return 0 if visible else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("watch")
    w.add_argument("--monitor", required=True)
    w.add_argument("--out", required=True)
    w.add_argument("--console", default=None)
    w.add_argument("--timeout", type=float, default=900)
    w.add_argument("--every", type=float, default=5)
    w.add_argument("--after-probe", type=float, default=300)
    w.add_argument("--keep-every", type=int, default=12, help="also keep every Nth shot as PNG (0: none)")
    w.set_defaults(run=watch)
    c = sub.add_parser("check")
    c.add_argument("file")
    c.set_defaults(run=check)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
