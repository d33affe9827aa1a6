"""Enrolment at scale: a spreadsheet of stations becomes provisioning files and registry rows.

``flask --app kiosk.central fleet plan stations.xlsx --out DIR`` reads one row
per kiosk (station code, name, county, printer model, network), checks every
row, and only if all are good, in one step:

- generates each kiosk's sync token (never typed, never reused) and a unique
  host name (``nuantu-<station code>``);
- writes ``DIR/<code>/nuantu-provision.txt`` (what the technician copies to
  the kiosk's boot partition or a USB stick) with the station, printer,
  network, host name, token and the office's release key, and
  ``DIR/<code>/enrolment-qr.png``, a printable label whose QR code names
  the station, host and token key id (never the token);
- registers each kiosk at the office with its address and token, so the
  first nightly pull after the kiosk is switched on reads it.

A bad row refuses the whole sheet with its row number and reason; nothing is
written and nobody is registered. The files are written to a scratch folder
first and renamed into place after the registry commit.
"""

import functools
import ipaddress
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk import regions
from kiosk.central.models import Kiosk
from kiosk.central.models import write_transaction
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.sync import wire

APP_PORT = 8080
HOST_PREFIX = "nuantu-"
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,55}$")
MAX_ROWS = 5000

# Column headings accepted (English or Chinese), lower-cased, spaces kept.
COLUMNS = {
    "code": ("station code", "code", "站点代码", "站点编码"),
    "name": ("station name", "name", "站点名称", "名称"),
    "county": ("county", "county code", "区县代码", "区县"),
    "printer": ("printer model", "printer", "打印机型号", "打印机"),
    "network": ("network", "网络"),
}

# Printer models as sold → (profile, URL). Printer-class models are driven by
# usblp; Epson TM in its default (vendor-class) USB mode by libusb.
PRINTERS = {
    "generic58": ("generic58", "file:///dev/usb/lp0"),
    "xprinter xp-58": ("generic58", "file:///dev/usb/lp0"),
    "gprinter gp-58": ("generic58", "file:///dev/usb/lp0"),
    "generic80": ("generic80", "file:///dev/usb/lp0"),
    "xprinter xp-80": ("generic80", "file:///dev/usb/lp0"),
    "gprinter gp-80": ("generic80", "file:///dev/usb/lp0"),
    "epson tm-t20": ("tm-t20", "usb://04b8:0e15"),
    "epson tm-t20ii": ("tm-t20", "usb://04b8:0e15"),
    "epson tm-t20iii": ("tm-t20", "usb://04b8:0e28"),
}
PRINTER_SCHEMES = ("file", "usb", "tcp", "serial", "cups", "virtual")


@dataclass(frozen=True)
class Planned:
    """One kiosk of the plan, checked."""

    row: int
    code: str
    name: str
    county: str
    profile: str
    printer_url: str
    network: str  # dhcp, or ADDRESS/PREFIX[,GATEWAY]
    url: str
    hostname: str


class PlanRefused(DomainError):
    """The sheet has bad rows; ``problems`` lists them as (row, reason)."""

    def __init__(self, problems):
        super().__init__(N_("The plan was refused: %(count)s problems, nothing written."), count=len(problems))
        self.problems = problems


def read_xlsx(path):
    """Yield (row number, {column: text}) for each non-empty row of the first sheet."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise PlanRefused([(1, "the sheet is empty")])
        index = {}
        for position, title in enumerate(header):
            title = str(title or "").strip().lower()
            for column, names in COLUMNS.items():
                if title in names:
                    index[column] = position
        missing = [COLUMNS[c][0] for c in COLUMNS if c not in index]
        if missing:
            raise PlanRefused([(1, f"missing column(s): {', '.join(missing)}")])
        for number, values in enumerate(rows, start=2):
            cells = {c: _text(values[p] if p < len(values) else None) for c, p in index.items()}
            if any(cells.values()):
                yield number, cells
    finally:
        book.close()


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check(rows, domain=""):
    """Turn sheet rows into a list of Planned, or refuse with every problem found."""
    planned, problems, seen = [], [], {}
    registered = {k.name for k in Kiosk.select(Kiosk.name)}
    for number, cells in rows:
        if len(planned) + len(problems) >= MAX_ROWS:
            problems.append((number, f"more than {MAX_ROWS} rows"))
            break
        reasons = []
        code = cells["code"].lower()
        if not CODE.match(code):
            reasons.append("station code must be lowercase letters, digits and '-', 2 to 56 long")
        elif code in seen:
            reasons.append(f"station code {code} is also on row {seen[code]}")
        elif code in registered:
            reasons.append(f"a kiosk named {code} is already registered")
        seen.setdefault(code, number)
        name = cells["name"]
        if not name or len(name) > 64:
            reasons.append("station name is needed, 64 characters at most")
        county = cells["county"]
        region = regions.find(county)
        if not re.fullmatch(r"\d{6}", county) or region is None or county.endswith("00"):
            reasons.append(f"county {county!r} is not a GB/T 2260 county code")
        profile, printer_url, reason = _printer(cells["printer"])
        if reason:
            reasons.append(reason)
        hostname = HOST_PREFIX + code
        network, url, reason = _network(cells["network"], hostname, domain)
        if reason:
            reasons.append(reason)
        if reasons:
            problems.extend((number, r) for r in reasons)
            continue
        planned.append(Planned(number, code, name, county, profile, printer_url, network, url, hostname))
    if not planned and not problems:
        problems.append((1, "no kiosks in the sheet"))
    if problems:
        raise PlanRefused(problems)
    return planned


def _printer(text):
    """(profile, URL, problem) from "MODEL" or "MODEL URL"."""
    model, _, url = text.strip().partition(" ")
    key = text.strip().lower()
    if key in PRINTERS:
        return (*PRINTERS[key], "")
    if model.lower() in PRINTERS and url:
        profile = PRINTERS[model.lower()][0]
    elif model.lower() in {p for p, _ in PRINTERS.values()} and url:
        profile = model.lower()
    else:
        known = ", ".join(sorted(PRINTERS))
        return "", "", f"printer model {text!r} is unknown (known: {known}; or MODEL URL)"
    url = url.strip()
    if url.split("://", 1)[0] not in PRINTER_SCHEMES or "://" not in url:
        return "", "", f"printer URL {url!r} must start with one of " + ", ".join(s + "://" for s in PRINTER_SCHEMES)
    return profile, url, ""


def _network(text, hostname, domain):
    """(network setting, the office's URL for the kiosk, problem).

    ``dhcp``: the kiosk is reached by its host name (the station router's
    DNS, or ``--domain``). ``ADDRESS/PREFIX[ via GATEWAY]``: a fixed address.
    ``ADDRESS:PORT`` (a test on one machine): that address and port as given.
    """
    text = text.strip().lower()
    if text in ("", "dhcp"):
        host = f"{hostname}.{domain}" if domain else hostname
        return "dhcp", f"http://{host}:{APP_PORT}", ""
    match = re.fullmatch(r"([0-9.]+):(\d{2,5})", text)
    if match:
        try:
            ipaddress.IPv4Address(match.group(1))
        except ValueError:
            return "", "", f"network {text!r} is not an address"
        return "dhcp", f"http://{match.group(1)}:{match.group(2)}", ""
    match = re.fullmatch(r"([0-9./]+)(?:\s+via\s+([0-9.]+))?", text)
    if not match:
        return "", "", f"network {text!r} must be dhcp, or ADDRESS/PREFIX via GATEWAY (e.g. 10.8.1.20/24 via 10.8.1.1)"
    try:
        interface = ipaddress.IPv4Interface(match.group(1))
        gateway = ipaddress.IPv4Address(match.group(2)) if match.group(2) else None
    except ValueError:
        return "", "", f"network {text!r} must be dhcp, or ADDRESS/PREFIX via GATEWAY (e.g. 10.8.1.20/24 via 10.8.1.1)"
    if "/" not in match.group(1) or interface.network.prefixlen >= 31:
        return "", "", f"network {text!r} needs a prefix length, e.g. /24"
    if gateway is not None and gateway not in interface.network:
        return "", "", f"gateway {gateway} is not in {interface.network}"
    setting = f"{interface}" + (f",{gateway}" if gateway else "")
    return setting, f"http://{interface.ip}:{APP_PORT}", ""


def provision_text(kiosk, token, release_key, ntp_server=""):
    """The kiosk's nuantu-provision.txt (CRLF, for Notepad)."""
    lines = [
        f"# Nuantu kiosk {kiosk.hostname}: generated by the central office (fleet plan).",
        "# Holds this kiosk's secret token: copy it to the kiosk, then delete it here.",
        f"STATION={kiosk.code}",
        f"STATION_NAME={kiosk.name}",
        f"STATION_COUNTY={kiosk.county}",
        f"PRINTER_URL={kiosk.printer_url}",
        f"PRINTER_PROFILE={kiosk.profile}",
        f"HOSTNAME={kiosk.hostname}",
        f"NETWORK={kiosk.network}",
        f"SYNC_TOKEN={token}",
    ]
    if release_key:
        lines.append(f"RELEASE_PUBLIC_KEY={release_key}")
    if ntp_server:
        lines.append(f"NTP_SERVER={ntp_server}")
    return "\r\n".join(lines) + "\r\n"


def qr_payload(kiosk, token):
    """What the enrolment label's QR code says: who the kiosk is, never its secret."""
    return f"NUANTU-ENROL:1;station={kiosk.code};host={kiosk.hostname};key={wire.key_id(token)};url={kiosk.url}"


def label_png(kiosk, token):
    """A printable enrolment label: the QR code and the station in words."""
    import io

    import qrcode
    from PIL import Image
    from PIL import ImageDraw

    qr = qrcode.QRCode(border=2, box_size=8, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(qr_payload(kiosk, token))
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    label = Image.new("RGB", (code.width + 560, max(code.height, 260)), "white")
    label.paste(code, (0, 0))
    draw = ImageDraw.Draw(label)
    font = _font(30)
    small = _font(22)
    x = code.width + 16
    draw.text((x, 20), kiosk.name, fill="black", font=font)
    draw.text((x, 70), kiosk.code, fill="black", font=small)
    draw.text((x, 105), kiosk.hostname, fill="black", font=small)
    draw.text((x, 140), f"{regions.label(kiosk.county)} {kiosk.county}", fill="black", font=small)
    draw.text((x, 175), f"key {wire.key_id(token)}", fill="black", font=small)
    out = io.BytesIO()
    label.save(out, "PNG")
    return out.getvalue()


@functools.cache
def _font(size):
    """The CJK font at a size, loaded once (the .ttc is large: 2,000 labels would reload it 4,000 times)."""
    from PIL import ImageFont

    for path in ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def plan(rows, out_dir, release_key, domain="", ntp_server="", token_factory=None):
    """Check every row, write the files and register the kiosks, all or nothing; return the plan."""
    from kiosk.central import registry

    token_factory = token_factory or (lambda: secrets.token_urlsafe(32))
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise DomainError(N_("%(path)s is not empty: plan into a new folder."), path=str(out_dir))
    kiosks = check(rows, domain)
    tokens = {k.code: token_factory() for k in kiosks}
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    try:
        for kiosk in kiosks:
            folder = scratch / kiosk.code
            folder.mkdir()
            (folder / "nuantu-provision.txt").write_text(
                provision_text(kiosk, tokens[kiosk.code], release_key, ntp_server), encoding="utf-8"
            )
            (folder / "nuantu-provision.txt").chmod(0o600)
            (folder / "enrolment-qr.png").write_bytes(label_png(kiosk, tokens[kiosk.code]))
        (scratch / "kiosks.csv").write_text(
            "station,hostname,url,key_id\n"
            + "".join(f"{k.code},{k.hostname},{k.url},{wire.key_id(tokens[k.code])}\n" for k in kiosks),
            encoding="utf-8",
        )
        with write_transaction():
            for kiosk in kiosks:
                registry.register_in_transaction(kiosk.code, kiosk.url, tokens[kiosk.code])
        if out_dir.exists():
            out_dir.rmdir()
        scratch.rename(out_dir)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return kiosks
