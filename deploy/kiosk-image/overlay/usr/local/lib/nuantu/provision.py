#!/usr/bin/python3
"""First-boot (and any-boot) provisioning of a Nuantu kiosk.

A technician writes ``nuantu-provision.txt`` (KEY=VALUE lines, UTF-8, any
line endings; Windows Notepad is fine) to the image's boot partition
(NUANTU-BOOT, FAT, readable on any laptop) or to a USB stick left in the
kiosk at boot. This script, run as root by nuantu-provision.service before
the app starts, then:

1. validates the whole file; on any error nothing changes and
   ``nuantu-provision-error.txt`` beside it says what to fix;
2. stores the settings on the data partition (the root file system is
   read-only): ``instance/config.py`` for the app, the central office token in
   ``instance/secrets.json`` (mode 0600), screen/NTP settings for the OS;
3. checks that the app accepts them (``flask --app kiosk station show`` as the
   app's user), restoring the previous settings if it does not;
4. overwrites the file with zeros and deletes it (it holds a secret), leaving
   ``nuantu-provisioned.txt`` with the station and kiosk id but no secret.

On every boot it also re-creates what lives in /run: a udev rule giving the
app's user the USB printer named by ``usb://VID:PID``.

Only the standard library is used: this runs with Debian's python3.
"""

import argparse
import datetime
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

log = logging.getLogger("nuantu-provision")

FILE_NAME = "nuantu-provision.txt"
ERROR_NAME = "nuantu-provision-error.txt"
RECEIPT_NAME = "nuantu-provisioned.txt"
BOOT_LABEL = "NUANTU-BOOT"
OWN_LABELS = {"nuantu-root", "nuantu-data"}
MOUNTABLE = {"vfat", "exfat", "ext4", "ext3", "ext2"}

DATA = Path("/var/lib/nuantu")
APP_USER = "nuantu"
FLASK = "/opt/nuantu/venv/bin/flask"
APP_CACHE = "/var/cache/nuantu"  # XDG_CACHE_HOME, as in /etc/nuantu/kiosk.env
UDEV_RULE = Path("/run/udev/rules.d/61-nuantu-printer.rules")

# Settings the app reads from instance/config.py (kiosk/config.py keys).
APP_KEYS = (
    "STATION", "STATION_NAME", "STATION_COUNTY", "STATION_HOTLINE", "PRINTER_URL", "PRINTER_PROFILE",
    "RELEASE_PUBLIC_KEY",
)
# Secrets merged into instance/secrets.json (kiosk.config.SECRET_KEYS).
SECRET_KEYS = ("SYNC_TOKEN", "SECRET_KEY", "PII_KEY", "SIGNING_KEY")
# Settings of the operating system, kept in /var/lib/nuantu/os.json.
OS_KEYS = ("ROTATE", "NTP_SERVER", "LISTEN", "HOSTNAME", "NETWORK")
# Where the app listens: the station's LAN (volunteer tablets, the central
# office's nightly pull) or this machine only.
LISTEN_ADDRESSES = {"lan": "0.0.0.0", "local": "127.0.0.1"}
REQUIRED = ("STATION", "STATION_NAME", "STATION_COUNTY")
# Required unless an earlier provisioning stored them: without a token nobody
# can read the kiosk's counts (it would make one no one knows), without a
# printer URL it would "print" into files and call the printer ok.
REQUIRED_ONCE = {
    "SYNC_TOKEN": "SYNC_TOKEN is required: the central office's `fleet plan` writes it into this file",
    "PRINTER_URL": "PRINTER_URL is required (e.g. file:///dev/usb/lp0 or usb://04b8:0e15; "
                   "preview:///var/lib/nuantu/instance/prints only to print into files on purpose)",
}
PROFILES = ("generic58", "generic80", "tm-t20")
HOST_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
NETWORK = re.compile(r"^(dhcp|(\d{1,3}(\.\d{1,3}){3})/(\d{1,2})(,(\d{1,3}(\.\d{1,3}){3}))?)$")
STATIC_NETWORK = Path("/run/systemd/network/10-nuantu-static.network")
PRINTER_SCHEMES = ("preview", "file", "usb", "tcp", "serial", "cups", "virtual")

HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
USB_ID = re.compile(r"^usb://([0-9a-fA-F]{4}):([0-9a-fA-F]{4})(\?.*)?$")


class ProvisionError(Exception):
    """The provisioning file cannot be applied; ``problems`` says why, line by line."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = problems


def parse(text):
    """Read KEY=VALUE lines into a dict, validating every key and value.

    Blank lines and lines starting with # are ignored; a UTF-8 BOM and CRLF
    line endings (Notepad) are accepted; quotes around a value are removed.
    """
    settings, problems = {}, []
    known = set(APP_KEYS) | set(SECRET_KEYS) | set(OS_KEYS)
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip().upper(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        if not sep:
            problems.append(f"line {number}: expected KEY=VALUE, got {raw.strip()!r}")
        elif key not in known:
            problems.append(f"line {number}: unknown key {key!r} (known: {', '.join(sorted(known))})")
        elif key in settings:
            problems.append(f"line {number}: {key} is given twice")
        elif not value:
            problems.append(f"line {number}: {key} is empty")
        else:
            settings[key] = value
    problems.extend(validate(settings))
    if problems:
        raise ProvisionError(problems)
    return settings


def validate(settings):
    """Return the problems with a parsed settings dict (empty when fine)."""
    problems = [f"{key} is required" for key in REQUIRED if key not in settings]
    code = settings.get("STATION", "")
    if code and not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,63}", code):
        problems.append("STATION must be a short code of lowercase letters, digits and '-', e.g. leshan-kyzx")
    county = settings.get("STATION_COUNTY", "")
    if county and not re.fullmatch(r"\d{6}", county):
        problems.append("STATION_COUNTY must be the 6-digit county code (GB/T 2260), e.g. 511102")
    printer = settings.get("PRINTER_URL", "")
    if printer and printer.split("://", 1)[0] not in PRINTER_SCHEMES:
        problems.append(f"PRINTER_URL must start with one of {', '.join(s + '://' for s in PRINTER_SCHEMES)}")
    if printer.startswith("usb://") and not USB_ID.match(printer):
        problems.append("PRINTER_URL usb:// needs the USB id as VID:PID in hex, e.g. usb://0fe6:811e")
    if settings.get("LISTEN", "lan") not in LISTEN_ADDRESSES:
        problems.append("LISTEN must be lan (tablets and the central office can reach the app) or local")
    if settings.get("ROTATE", "0") not in ("0", "90", "180", "270"):
        problems.append("ROTATE must be 0, 90, 180 or 270 (degrees clockwise)")
    ntp = settings.get("NTP_SERVER", "")
    if ntp and not HOSTNAME.match(ntp):
        problems.append("NTP_SERVER must be a host name or IP address")
    profile = settings.get("PRINTER_PROFILE", "")
    if profile and profile.split("?", 1)[0] not in PROFILES:
        problems.append(f"PRINTER_PROFILE must be one of {', '.join(PROFILES)}")
    host = settings.get("HOSTNAME", "")
    if host and not HOST_LABEL.match(host):
        problems.append("HOSTNAME must be lowercase letters, digits and '-', at most 63, e.g. nuantu-leshan-kyzx")
    network = settings.get("NETWORK", "dhcp")
    if not NETWORK.match(network) or (network != "dhcp" and int(NETWORK.match(network).group(4)) > 30):
        problems.append("NETWORK must be dhcp or ADDRESS/PREFIX[,GATEWAY], e.g. 10.8.1.20/24,10.8.1.1")
    release_key = settings.get("RELEASE_PUBLIC_KEY", "")
    if release_key and not re.fullmatch(r"[A-Za-z0-9+/]{43}=", release_key):
        problems.append("RELEASE_PUBLIC_KEY must be the 44 base64 characters `fleet release-key` prints")
    for key in SECRET_KEYS:
        if key in settings and len(settings[key]) < 16:
            problems.append(f"{key} is too short to be a secret (16 characters at least)")
    return problems


def missing_once(settings, data_dir=DATA):
    """Problems for REQUIRED_ONCE keys neither in this file nor stored by an earlier one."""
    data_dir = Path(data_dir)
    stored = {**read_json(data_dir / "provisioned.json"), **read_json(data_dir / "instance" / "secrets.json")}
    return [problem for key, problem in REQUIRED_ONCE.items() if key not in settings and key not in stored]


def hostname_of(os_settings, applied):
    """This kiosk's host name: HOSTNAME, else nuantu-STATION (unique per station), else nuantu."""
    if os_settings.get("HOSTNAME"):
        return os_settings["HOSTNAME"]
    station = applied.get("STATION", "")
    return f"nuantu-{station}"[:63].rstrip("-") if station else "nuantu"


def static_network_text(network):
    """A systemd-networkd file for NETWORK=ADDRESS/PREFIX[,GATEWAY], or None for dhcp."""
    if not network or network == "dhcp":
        return None
    address, _, gateway = network.partition(",")
    text = (
        "# Written at boot by nuantu-provision from NETWORK=; do not edit.\n"
        "[Match]\nType=ether\n\n[Network]\n"
        f"Address={address}\n"
    )
    if gateway:
        text += f"Gateway={gateway}\nDNS={gateway}\n"
    return text


def write_atomically(path, text, mode=0o600, owner=None):
    """Write a file so that a pulled plug leaves either the old or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fchmod(f.fileno(), mode)
            if owner is not None:
                os.fchown(f.fileno(), *owner)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sync_directory(path.parent)


def sync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json(path):
    path = Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def app_config_text(values):
    """The instance/config.py the app loads: Python literals only, never code from the file."""
    lines = ["# Written by nuantu-provision from nuantu-provision.txt; re-provision to change.\n"]
    lines += [f"{key} = {values[key]!r}\n" for key in APP_KEYS if key in values]
    return "".join(lines)


def store(settings, data_dir=DATA, owner=None):
    """Merge settings into what the data partition already holds; return the previous files.

    The returned mapping (path → previous text or None) lets ``restore``
    undo the change if the app refuses the new settings.
    """
    data_dir = Path(data_dir)
    instance = data_dir / "instance"
    paths = {
        "settings": data_dir / "provisioned.json",
        "config": instance / "config.py",
        "secrets": instance / "secrets.json",
        "os": data_dir / "os.json",
    }
    previous = {p: (p.read_text(encoding="utf-8") if p.exists() else None) for p in paths.values()}

    applied = read_json(paths["settings"])
    applied.update({k: v for k, v in settings.items() if k in APP_KEYS})
    secrets = read_json(paths["secrets"])
    secrets.update({k: v for k, v in settings.items() if k in SECRET_KEYS})
    os_settings = read_json(paths["os"])
    os_settings.update({k: v for k, v in settings.items() if k in OS_KEYS})

    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    if owner is not None:
        os.chown(instance, *owner)
    write_atomically(paths["secrets"], json.dumps(secrets, indent=2), 0o600, owner)
    write_atomically(paths["config"], app_config_text(applied), 0o600, owner)
    write_atomically(paths["settings"], json.dumps(applied, indent=2, ensure_ascii=False), 0o644)
    write_atomically(paths["os"], json.dumps(os_settings, indent=2), 0o644)
    return previous


def restore(previous, owner=None):
    """Put back the files ``store`` replaced."""
    for path, text in previous.items():
        if text is None:
            path.unlink(missing_ok=True)
        else:
            write_atomically(path, text, path.stat().st_mode & 0o777, owner)


def consume(path):
    """Overwrite the provisioning file with zeros, then delete it: it holds a secret."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.write(b"\0" * size)
        f.flush()
        os.fsync(f.fileno())
    path.unlink()
    sync_directory(path.parent)


def receipt_text(settings, station_report, when, printers=()):
    """What the technician finds on the stick afterwards: no secrets, just what was applied."""
    given = ", ".join(sorted(k for k in settings if k not in SECRET_KEYS))
    secrets = ", ".join(sorted(k for k in settings if k in SECRET_KEYS)) or "none"
    seen = "".join(f"  {line}\n" for line in printers) or "  none\n"
    text = (
        f"Nuantu kiosk provisioned {when:%Y-%m-%d %H:%M:%S %z}\n"
        "暖途自助机已配置\n\n"
        f"{station_report.strip()}\n\n"
        f"settings applied: {given}\n"
        f"secrets applied (not shown): {secrets}\n"
        f"USB printers seen (suggested settings):\n{seen}"
    )
    return text.replace("\n", "\r\n")  # for Notepad


def error_text(problems, when):
    text = (
        f"Nuantu kiosk: nuantu-provision.txt was NOT applied ({when:%Y-%m-%d %H:%M:%S %z})\n"
        "暖途自助机：配置文件有误，未应用。请修改后重启自助机。\n\n"
        + "".join(f"- {problem}\n" for problem in problems)
    )
    return text.replace("\n", "\r\n")


def printer_udev_rule(printer_url):
    """A udev rule giving group lp the USB printer a usb://VID:PID URL names, or None.

    Vendor-class ESC/POS printers are not matched by Debian's printer-class
    rules; the app reaches them through libusb, so their usb_device node must
    be group lp. The /dev/escpos/ symlink shows a technician it was seen.
    """
    match = USB_ID.match(printer_url or "")
    if not match:
        return None
    vid, pid = (part.lower() for part in match.group(1, 2))
    return (
        "# Written at boot by nuantu-provision from PRINTER_URL; do not edit.\n"
        f'SUBSYSTEM=="usb", ENV{{DEVTYPE}}=="usb_device", ATTR{{idVendor}}=="{vid}", '
        f'ATTR{{idProduct}}=="{pid}", GROUP="lp", MODE="0660", SYMLINK+="escpos/{vid}-{pid}"\n'
    )


def apply_network(data_dir=DATA, path=STATIC_NETWORK, run=subprocess.run):
    """Host name for this boot (DHCP sends it to the router) and a fixed address if NETWORK gives one."""
    data_dir = Path(data_dir)
    name_file = data_dir / "hostname"
    if name_file.exists():
        run(["hostname", name_file.read_text().strip()], check=False)
    text = static_network_text(read_json(data_dir / "os.json").get("NETWORK"))
    path = Path(path)
    if text is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    run(["networkctl", "reload"], check=False, capture_output=True)
    return text is not None


def apply_runtime(data_dir=DATA, rule_path=UDEV_RULE, run=subprocess.run):
    """Re-create the per-boot bits kept in /run from the stored settings."""
    applied = read_json(Path(data_dir) / "provisioned.json")
    rule = printer_udev_rule(applied.get("PRINTER_URL"))
    rule_path = Path(rule_path)
    if rule is None:
        if rule_path.exists():
            rule_path.unlink()
        return False
    rule_path.parent.mkdir(parents=True, exist_ok=True)
    rule_path.write_text(rule)
    run(["udevadm", "control", "--reload"], check=False)
    run(["udevadm", "trigger", "--subsystem-match=usb", "--action=add"], check=False)
    return True


def write_os_files(data_dir=DATA):
    """Files the screen, the app unit, chrony and the initramfs read: screen.conf, listen.env,
    an NTP sourcedir, hostname."""
    data_dir = Path(data_dir)
    os_settings = read_json(data_dir / "os.json")
    # The initramfs copies it into the overlay's /etc/hostname at the next
    # boot (before systemd reads it); apply_hostname sets it for this one.
    write_atomically(data_dir / "hostname", hostname_of(os_settings, read_json(data_dir / "provisioned.json")) + "\n",
                     0o644)
    write_atomically(data_dir / "screen.conf", f"ROTATE={os_settings.get('ROTATE', '0')}\n", 0o644)
    address = LISTEN_ADDRESSES[os_settings.get("LISTEN", "lan")]
    write_atomically(data_dir / "listen.env", f"NUANTU_LISTEN={address}\n", 0o644)
    server = os_settings.get("NTP_SERVER")
    sources = data_dir / "chrony" / "nuantu.sources"
    if server:
        write_atomically(sources, f"server {server} iburst\n", 0o644)
    elif sources.exists():
        sources.unlink()


# USB ids of printers as sold → (what it is, PRINTER_URL, PRINTER_PROFILE).
# Printer-class devices not listed still get a usblp suggestion.
KNOWN_PRINTERS = {
    ("04b8", "0e15"): ("Epson TM-T20II (vendor-class USB)", "usb://04b8:0e15", "tm-t20"),
    ("04b8", "0e28"): ("Epson TM-T20III (vendor-class USB)", "usb://04b8:0e28", "tm-t20"),
    ("0416", "5011"): ("Xprinter/GPrinter 58 mm (printer-class USB)", "file:///dev/usb/lp0", "generic58"),
    ("0fe6", "811e"): ("Xprinter/GPrinter 80 mm (printer-class USB)", "file:///dev/usb/lp0", "generic80"),
}
DETECTED = "printer-detected.txt"


def detect_printers(sysfs=Path("/sys/bus/usb/devices")):
    """Printers plugged into USB now: [(vid, pid, what, suggested URL, suggested profile)]."""
    found = []
    for device in sorted(Path(sysfs).glob("*")):
        try:
            vid = (device / "idVendor").read_text().strip().lower()
            pid = (device / "idProduct").read_text().strip().lower()
        except OSError:
            continue
        classes = set()
        for interface in device.glob(f"{device.name}:*"):
            try:
                classes.add((interface / "bInterfaceClass").read_text().strip().lower())
            except OSError:
                continue
        if (vid, pid) in KNOWN_PRINTERS:
            found.append((vid, pid, *KNOWN_PRINTERS[(vid, pid)]))
        elif "07" in classes:
            found.append((vid, pid, "a printer-class USB printer", "file:///dev/usb/lp0", "generic58"))
        elif vid == "04b8" and "ff" in classes:
            found.append((vid, pid, "an Epson vendor-class USB device", f"usb://{vid}:{pid}", "tm-t20"))
    return found


def write_detected(data_dir=DATA, sysfs=Path("/sys/bus/usb/devices")):
    """Say which printer is plugged in and which settings would drive it (every boot)."""
    applied = read_json(Path(data_dir) / "provisioned.json")
    lines = []
    for vid, pid, what, url, profile in detect_printers(sysfs):
        match = " (what this kiosk uses)" if applied.get("PRINTER_URL") == url else ""
        lines.append(f"{vid}:{pid} {what}: PRINTER_URL={url} PRINTER_PROFILE={profile}{match}")
    text = "\n".join(lines) + "\n" if lines else "no USB printer seen\n"
    write_atomically(Path(data_dir) / DETECTED, text, 0o644)
    return lines


def keep_machine_id(data_dir=DATA, etc=Path("/etc")):
    """Save this boot's machine id on the data partition the first time.

    The root file system is read-only, so systemd invents a machine id at
    each boot; the initramfs (scripts/init-bottom/nuantu-machine-id) puts this
    saved one back, which keeps the persistent journal in one place.
    """
    saved = Path(data_dir) / "machine-id"
    current = (etc / "machine-id").read_text().strip()
    if current and not (saved.exists() and saved.read_text().strip()):
        write_atomically(saved, current + "\n", 0o444)
        return True
    return False


# -- the parts that touch the machine: mounts, users, the app ---------------


def block_devices():
    """(device, label, fstype, transport) of every block device, from lsblk."""
    out = subprocess.run(
        ["lsblk", "--json", "--paths", "--output", "NAME,LABEL,FSTYPE,TRAN,PKNAME"],
        capture_output=True, text=True, check=True,
    ).stdout
    devices, transports = [], {}

    def walk(nodes):
        for node in nodes:
            tran = node.get("tran") or transports.get(node.get("pkname"))
            transports[node["name"]] = tran
            devices.append((node["name"], node.get("label"), node.get("fstype"), tran))
            walk(node.get("children", []))

    walk(json.loads(out)["blockdevices"])
    return devices


def candidate_devices():
    """The boot partition first, then file systems on USB sticks (never our own root/data)."""
    devices = block_devices()
    boot = [d for d, label, fstype, _ in devices if label == BOOT_LABEL and fstype == "vfat"]
    sticks = [
        d for d, label, fstype, tran in devices
        if tran == "usb" and fstype in MOUNTABLE and label != BOOT_LABEL and label not in OWN_LABELS
    ]
    return boot + sticks


def mount(device, target, read_only=True):
    options = "ro" if read_only else "rw"
    subprocess.run(
        ["mount", "-o", f"{options},nosuid,nodev,noexec", device, str(target)],
        check=True, capture_output=True,
    )


def unmount(target):
    subprocess.run(["umount", str(target)], check=False)


def find_file(directory):
    """The provisioning file in a directory's top level, whatever its case (FAT)."""
    for entry in Path(directory).iterdir():
        if entry.name.lower() == FILE_NAME and entry.is_file():
            return entry
    return None


def app_user():
    import pwd

    entry = pwd.getpwnam(APP_USER)
    return entry.pw_uid, entry.pw_gid


def station_report(data_dir=DATA):
    """Ask the app, as its own user, which station and kiosk id it now has."""
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "KIOSK_INSTANCE_PATH": str(Path(data_dir) / "instance"),
        # As in /etc/nuantu/kiosk.env: the app's home is not its to write.
        "XDG_CACHE_HOME": APP_CACHE,
    }
    result = subprocess.run(
        ["setpriv", "--reuid", APP_USER, "--regid", APP_USER, "--init-groups",
         FLASK, "--app", "kiosk", "station", "show"],
        env=env, capture_output=True, text=True, check=False, cwd="/",
    )
    if result.returncode != 0:
        raise ProvisionError([f"the kiosk app refused these settings: {result.stderr.strip()[-500:]}"])
    return result.stdout


def provision_from(path, data_dir=DATA, owner=None, report=station_report, now=None, printers=()):
    """Apply one provisioning file; return True when applied, False when refused."""
    when = now or datetime.datetime.now().astimezone()
    folder = path.parent
    try:
        settings = parse(path.read_text(encoding="utf-8", errors="replace"))
        missing = missing_once(settings, data_dir)
        if missing:
            raise ProvisionError(missing)
        previous = store(settings, data_dir, owner)
        try:
            station = report(data_dir)
        except ProvisionError:
            restore(previous, owner)
            raise
    except ProvisionError as exc:
        log.error("%s not applied: %s", path, exc)
        write_atomically(folder / ERROR_NAME, error_text(exc.problems, when), 0o644)
        return False
    consume(path)
    (folder / ERROR_NAME).unlink(missing_ok=True)
    write_atomically(folder / RECEIPT_NAME, receipt_text(settings, station, when, printers), 0o644)
    log.info("provisioned from %s: %s", path, ", ".join(sorted(settings)))
    return True


def look_for_files(data_dir=DATA, printers=()):
    """Mount each candidate, apply the first provisioning file found; return whether one was."""
    with tempfile.TemporaryDirectory(prefix="nuantu-provision-") as scratch:
        target = Path(scratch)
        for device in candidate_devices():
            try:
                mount(device, target, read_only=True)
            except subprocess.CalledProcessError as exc:
                log.warning("cannot mount %s: %s", device, exc.stderr.decode(errors="replace").strip())
                continue
            try:
                if find_file(target) is None:
                    continue
                subprocess.run(["mount", "-o", "remount,rw", str(target)], check=True)
                found = find_file(target)
                log.info("found %s on %s", found.name, device)
                provision_from(found, data_dir, owner=app_user(), printers=printers)
                return True
            finally:
                subprocess.run(["sync"], check=False)
                unmount(target)
    return False


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", metavar="FILE", help="only validate a provisioning file and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if args.check:
        try:
            settings = parse(Path(args.check).read_text(encoding="utf-8"))
        except ProvisionError as exc:
            print("\n".join(exc.problems), file=sys.stderr)
            return 1
        print(f"{args.check}: OK ({', '.join(sorted(settings))})")
        return 0

    subprocess.run(["udevadm", "settle", "--timeout=10"], check=False)
    keep_machine_id()
    printers = write_detected()
    look_for_files(printers=printers)
    write_os_files()
    subprocess.run(["chronyc", "reload", "sources"], check=False, capture_output=True)
    apply_network()
    apply_runtime()
    return 0


if __name__ == "__main__":
    sys.exit(main())
