#!/usr/bin/python3
"""Signed OS updates into the idle root slot (A/B), run as root on the kiosk.

The disk has two root partitions, ``nuantu-root-a`` and ``nuantu-root-b``;
the running one is named by ``root=PARTLABEL=nuantu-root-X`` on the kernel
command line, the other is idle. An OS bundle (``*.nuantu-os``, made by
``deploy/kiosk-image/os-bundle.sh``) is one uncompressed tar:

- ``manifest.json``: format ``nuantu-os/1``, version, the kernel command line
  (``@SLOT@`` for the slot letter), and for each part (kernel, initrd, root)
  its file name, size and SHA-256 (the root also its raw ext4 size and hash);
- ``manifest.sig``: the Ed25519 signature of ``manifest.json``'s bytes by the
  office's release key, exactly as app releases (``kiosk/release_file.py``,
  ``kiosk/keys.py``): same key, same base64 encoding;
- ``vmlinuz``, ``initrd.img``, ``root.ext4.zst``, in that order.

``install BUNDLE`` (nuantu-os-update.service, started by a path unit when a
bundle lands in /var/lib/nuantu/os-update/) checks the signature against the
``RELEASE_PUBLIC_KEY`` provisioning stored (root's ``provisioned.json``, not
the app's files: the app is not trusted), refuses older versions and ones that
failed before, streams the root image into the idle slot while hashing exactly
the bytes it writes, copies kernel and initrd to ``/nuantu/X/`` on the boot
partition, writes ``loader/entries/nuantu-X.conf`` and asks systemd-boot to
boot it once (``bootctl set-oneshot``). Then it reboots at once (when asked) or
in the quiet hour (nuantu-os-reboot.timer runs ``reboot-if-pending``).

``confirm`` (nuantu-os-confirm.service, every boot): on a trial boot (running
slot is not loader.conf's default) it waits for the app's /healthz and the
screen, then makes this slot the default (loader.conf and ``bootctl
set-default``); if they do not come up in time it records the failure and
reboots, and systemd-boot starts the old default slot again.

Every decision goes to the journal and to ``os-update.json`` on the data
partition (readable by the app). A refused bundle changes nothing else.
"""

import argparse
import datetime
import hashlib
import json
import logging
import os
import re
import stat
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path

log = logging.getLogger("nuantu-os-update")

FORMAT = "nuantu-os/1"
SLOTS = ("a", "b")
PARTLABEL = "nuantu-root-{slot}"
ENTRY = "nuantu-{slot}.conf"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PART_ORDER = ("kernel", "initrd", "root")
ESP_FILES = {"kernel": "vmlinuz", "initrd": "initrd.img"}
VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,5}$")
SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_MANIFEST = 64 * 1024
MAX_BOOT_FILE = 200 * 1024 * 1024
CHUNK = 1024 * 1024
# Tokens of the running entry's options that a technician may have added on
# the boot partition (the boot probe); they are carried over to the new entry.
CARRIED = re.compile(r"^nuantu\.")
DATA = Path("/var/lib/nuantu")
APP_URL = "http://127.0.0.1:8080/healthz"


class Refused(Exception):
    """A bundle that must not be installed; the message says why."""


class Config:
    """Where things are: the real kiosk by default, temp files in tests."""

    def __init__(self, data=DATA, esp=None, partlabels="/dev/disk/by-partlabel",
                 cmdline="/proc/cmdline", bootctl=None, systemctl="systemctl",
                 build_info="/usr/local/share/nuantu/build-info"):
        self.data = Path(data)
        self.esp = Path(esp) if esp else None
        self.partlabels = Path(partlabels)
        self.cmdline = Path(cmdline)
        self.bootctl = (bootctl or os.environ.get("NUANTU_BOOTCTL") or "bootctl").split()
        self.systemctl = systemctl.split()
        self.build_info = Path(build_info)

    @property
    def spool(self):
        return self.data / "os-update"

    @property
    def status_path(self):
        return self.data / "os-update.json"


# -- small pure helpers ----------------------------------------------------------


def version_key(version):
    return tuple(int(part) for part in version.split("."))


def running_slot(cmdline_text):
    """The slot letter of ``root=PARTLABEL=nuantu-root-X`` on a kernel command line."""
    match = re.search(r"(?:^|\s)root=PARTLABEL=nuantu-root-([ab])(?:\s|$)", cmdline_text)
    if not match:
        raise Refused("the running system was not booted from an A/B root slot (root=PARTLABEL=nuantu-root-a|b)")
    return match.group(1)


def other(slot):
    return "b" if slot == "a" else "a"


def entry_text(slot, version, cmdline, carried=()):
    options = cmdline.replace("@SLOT@", slot)
    extra = [token for token in carried if token not in options.split()]
    return (
        f"title Nuantu kiosk OS {version} (slot {slot.upper()})\n"
        f"linux /nuantu/{slot}/vmlinuz\n"
        f"initrd /nuantu/{slot}/initrd.img\n"
        f"options {' '.join([options, *extra])}\n"
    )


def entry_options(text):
    for line in text.splitlines():
        if line.startswith("options "):
            return line[len("options "):].split()
    return []


def loader_default(esp):
    """The entry loader.conf boots by default (e.g. ``nuantu-a.conf``)."""
    path = esp / "loader" / "loader.conf"
    for line in path.read_text().splitlines():
        if line.startswith("default "):
            return line.split(None, 1)[1].strip()
    return None


def slot_of_entry(entry):
    match = re.match(r"^nuantu-([ab])\.conf$", entry or "")
    return match.group(1) if match else None


def write_atomically(path, data):
    """Write via a temporary name and rename (also on the FAT boot partition, so no chmod)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as out:
        out.write(data if isinstance(data, bytes) else data.encode())
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def set_loader_default(esp, entry):
    path = esp / "loader" / "loader.conf"
    lines = [line for line in path.read_text().splitlines() if not line.startswith("default ")]
    write_atomically(path, "\n".join([f"default {entry}", *lines]) + "\n")


# -- state: os-update.json on the data partition ----------------------------------


def now_text():
    return datetime.datetime.now().astimezone().isoformat(timespec="seconds")


def load_state(config):
    try:
        return json.loads(config.status_path.read_text())
    except (FileNotFoundError, ValueError):
        return {"slots": {}, "failed": [], "events": []}


def save_state(config, state, message, level=logging.INFO):
    """Record a decision in the journal and in os-update.json (last 20 events kept)."""
    log.log(level, "%s", message)
    state.setdefault("events", []).append({"at": now_text(), "message": message})
    state["events"] = state["events"][-20:]
    state["message"] = message
    state["updated_at"] = now_text()
    write_atomically(config.status_path, json.dumps(state, indent=1, sort_keys=True))


def image_version(config):
    """The version of the OS image itself (build-info's ``os-version:``)."""
    try:
        for line in config.build_info.read_text().splitlines():
            if line.startswith("os-version:"):
                return line.split(":", 1)[1].strip()
    except FileNotFoundError:
        pass
    return "0"


def slot_version(config, state, slot):
    return state.get("slots", {}).get(slot, {}).get("version") or image_version(config)


# -- the signature: the app releases' scheme, key from root's provisioning ---------


def release_key(config):
    """RELEASE_PUBLIC_KEY as provisioning stored it (root-owned provisioned.json)."""
    try:
        settings = json.loads((config.data / "provisioned.json").read_text())
    except (FileNotFoundError, ValueError):
        settings = {}
    key = settings.get("RELEASE_PUBLIC_KEY", "").strip()
    if not key:
        raise Refused("no RELEASE_PUBLIC_KEY was provisioned: this kiosk accepts no update")
    return key


def verify_signature(manifest_bytes, signature_text, public_text):
    """The app's own check (kiosk.keys.verify: Ed25519, base64 signature and key), from the image's
    venv on the read-only root, never from a release on the data partition."""
    from kiosk import keys

    return keys.verify(manifest_bytes, signature_text, public_text)


def check_manifest(manifest):
    if manifest.get("format") != FORMAT:
        raise Refused("not an OS bundle (format)")
    version = str(manifest.get("version", ""))
    if not VERSION.match(version):
        raise Refused(f"version {version!r} is not one an OS bundle can have")
    parts = manifest.get("parts") or {}
    for part in PART_ORDER:
        facts = parts.get(part) or {}
        if not SAFE_NAME.match(str(facts.get("name", ""))) or not re.match(r"^[0-9a-f]{64}$", str(facts.get("sha256", ""))):
            raise Refused(f"the manifest's {part} entry is incomplete")
    root = parts["root"]
    if not isinstance(root.get("raw_size"), int) or not re.match(r"^[0-9a-f]{64}$", str(root.get("raw_sha256", ""))):
        raise Refused("the manifest's root entry is incomplete")
    cmdline = str(manifest.get("cmdline", ""))
    if "root=PARTLABEL=nuantu-root-@SLOT@" not in cmdline.split() or "\n" in cmdline:
        raise Refused("the manifest's kernel command line does not boot a root slot")
    return version


# -- writing the slot ----------------------------------------------------------------


def device_size(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)


def stream_root(member_file, device, facts):
    """Decompress the zstd root image into the slot; hash what is read and what is written."""
    packed_hash, raw_hash = hashlib.sha256(), hashlib.sha256()
    limit = facts["raw_size"]
    capacity = device_size(device)
    if limit > capacity:
        raise Refused(f"the root image ({limit} bytes) is bigger than the slot ({capacity} bytes)")
    zstd = subprocess.Popen(["zstd", "-d", "-c", "-q"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    feed_error = []

    def feed():
        try:
            while True:
                chunk = member_file.read(CHUNK)
                if not chunk:
                    break
                packed_hash.update(chunk)
                zstd.stdin.write(chunk)
        except (OSError, tarfile.TarError, EOFError) as exc:  # a truncated bundle
            feed_error.append(exc)
        finally:
            try:
                zstd.stdin.close()
            except OSError:
                pass

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    written = 0
    fd = os.open(device, os.O_WRONLY)
    try:
        while True:
            chunk = zstd.stdout.read(CHUNK)
            if not chunk:
                break
            written += len(chunk)
            if written > limit:
                zstd.kill()
                raise Refused("the root image is longer than its signed size")
            raw_hash.update(chunk)
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
        feeder.join()
        zstd.stdout.close()
        zstd.wait()
    if feed_error:
        raise Refused(f"the bundle ends early ({feed_error[0]})")
    if packed_hash.hexdigest() != facts["sha256"]:
        raise Refused("the root image does not match its signed manifest")
    if zstd.returncode != 0:
        raise Refused("the root image could not be decompressed")
    if written != limit or raw_hash.hexdigest() != facts["raw_sha256"]:
        raise Refused("the root image does not match its signed manifest")
    return written


def spoil_slot(device):
    """Make a half-written slot unmountable (its ext4 superblock is in the first MiB)."""
    try:
        fd = os.open(device, os.O_WRONLY)
        try:
            os.write(fd, bytes(CHUNK))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("could not wipe the start of %s: %s", device, exc)


def read_boot_file(member_file, facts):
    data = member_file.read(MAX_BOOT_FILE + 1)
    if len(data) > MAX_BOOT_FILE or hashlib.sha256(data).hexdigest() != facts["sha256"]:
        raise Refused(f"{facts['name']} does not match its signed manifest")
    return data


def install_from(tar, config, esp, state, public_key):
    """Check and write one bundle (an open streaming tar); return (slot, version)."""
    members = iter(tar)

    def next_member(expected):
        info = next(members, None)
        if info is None or info.name != expected or not info.isfile():
            raise Refused(f"not an OS bundle (expected {expected})")
        return tar.extractfile(info)

    manifest_bytes = next_member(MANIFEST).read(MAX_MANIFEST + 1)
    signature = next_member(SIGNATURE).read(1024).decode("ascii", "replace")
    if len(manifest_bytes) > MAX_MANIFEST or not verify_signature(manifest_bytes, signature, public_key):
        raise Refused("the bundle's signature is not the office's release key")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        raise Refused("not an OS bundle (manifest)") from None
    version = check_manifest(manifest)

    running = running_slot(config.cmdline.read_text())
    idle = other(running)
    default = slot_of_entry(loader_default(esp))
    if default != running:
        raise Refused(f"slot {running.upper()} runs on trial and is not confirmed yet: install after it is")
    current = slot_version(config, state, running)
    if version_key(version) <= version_key(current):
        raise Refused(f"version {version} is not newer than the running {current}")
    if version in state.get("failed", []):
        raise Refused(f"version {version} failed on this kiosk before")

    device = config.partlabels / PARTLABEL.format(slot=idle)
    if not device.exists():
        raise Refused(f"there is no partition {device.name} (an image from before A/B roots)")
    entries = esp / "loader" / "entries"
    # From here the idle slot is being overwritten: it must not stay bootable.
    (entries / ENTRY.format(slot=idle)).unlink(missing_ok=True)
    state.setdefault("slots", {})[idle] = {"state": "writing", "version": version, "at": now_text()}
    save_state(config, state, f"writing version {version} into slot {idle.upper()}")

    parts = manifest["parts"]
    boot_files = {}
    started = time.monotonic()
    try:
        for part in ("kernel", "initrd"):
            boot_files[part] = read_boot_file(next_member(parts[part]["name"]), parts[part])
        written = stream_root(next_member(parts["root"]["name"]), str(device), parts["root"])
    except (Refused, OSError) as exc:
        spoil_slot(str(device))
        state["slots"][idle] = {"state": "empty", "at": now_text()}
        if isinstance(exc, Refused):
            raise
        raise Refused(f"writing slot {idle.upper()} failed: {exc}") from None
    seconds = time.monotonic() - started

    folder = esp / "nuantu" / idle
    folder.mkdir(parents=True, exist_ok=True)
    for part, data in boot_files.items():
        write_atomically(folder / ESP_FILES[part], data)
    carried = [t for t in entry_options(_read(entries / ENTRY.format(slot=running))) if CARRIED.match(t)]
    entry = entries / ENTRY.format(slot=idle)
    write_atomically(entry, entry_text(idle, version, manifest["cmdline"], carried))
    try:
        run(config.bootctl + ["set-oneshot", ENTRY.format(slot=idle)])
    except Refused:
        entry.unlink(missing_ok=True)  # never booted: no entry left for it
        state["slots"][idle] = {"state": "empty", "at": now_text()}
        raise
    state["slots"][idle] = {"state": "trial", "version": version, "at": now_text(),
                            "write_seconds": round(seconds, 1), "bytes": written}
    return idle, version


def _read(path):
    try:
        return Path(path).read_text()
    except FileNotFoundError:
        return ""


def run(command):
    log.info("running %s", " ".join(command))
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise Refused(f"{' '.join(command)} failed: {(result.stderr or result.stdout).strip()[-300:]}")
    return result.stdout


class MountedEsp:
    """The boot partition: the directory given, or mounted by its partition label for the duration."""

    def __init__(self, config):
        self.config = config
        self.scratch = None

    def __enter__(self):
        if self.config.esp is not None:
            return self.config.esp
        self.scratch = tempfile.mkdtemp(prefix="nuantu-esp-")
        subprocess.run(["mount", "-t", "vfat", "-o", "rw,nosuid,nodev,noexec",
                        str(self.config.partlabels / "NUANTU-BOOT"), self.scratch], check=True)
        return Path(self.scratch)

    def __exit__(self, *exc):
        if self.scratch:
            subprocess.run(["sync"], check=False)
            subprocess.run(["umount", self.scratch], check=False)
            os.rmdir(self.scratch)


def install(bundle, config, reboot="later", remove=True):
    """Install one bundle file; return 0 when installed, 1 when refused. The spool's file is removed either way."""
    state = load_state(config)
    bundle = Path(bundle)
    try:
        public_key = release_key(config)
        # Not a symlink, not a FIFO or device the app put there: a regular file.
        fd = os.open(bundle, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise Refused("not a regular file")
        with os.fdopen(fd, "rb") as raw, MountedEsp(config) as esp:
            try:
                with tarfile.open(fileobj=raw, mode="r|") as tar:
                    slot, version = install_from(tar, config, esp, state, public_key)
            except (tarfile.TarError, EOFError) as exc:
                raise Refused(f"not an OS bundle ({exc})") from None
    except (Refused, OSError, subprocess.CalledProcessError) as exc:
        state["last_refused"] = {"file": bundle.name, "reason": str(exc), "at": now_text()}
        save_state(config, state, f"{bundle.name} refused: {exc}", logging.ERROR)
        if remove:
            bundle.unlink(missing_ok=True)
        return 1
    if remove:
        bundle.unlink(missing_ok=True)
    state["pending_reboot"] = slot
    state.pop("last_refused", None)
    when = "now" if reboot == "now" else "in the quiet hour (nuantu-os-reboot.timer)"
    save_state(config, state, f"version {version} written to slot {slot.upper()}; booting it once, {when}")
    if reboot == "now":
        run(config.systemctl + ["reboot"])
    return 0


def on_trial(config):
    """Whether the running slot is not (yet) loader.conf's default."""
    running = running_slot(config.cmdline.read_text())
    with MountedEsp(config) as esp:
        return slot_of_entry(loader_default(esp)) != running


def install_spool(config, reboot=None, wait=1800, sleep=time.sleep):
    """Install every bundle waiting in the spool folder (oldest first); a ``reboot-now`` file asks for an immediate reboot.

    During a trial boot it waits: the trial ends confirmed or in a reboot.
    """
    waited = 0
    while on_trial(config) and waited < wait:
        sleep(10)
        waited += 10
    flag = config.spool / "reboot-now"
    wanted = reboot or ("now" if flag.exists() else "later")
    flag.unlink(missing_ok=True)
    bundles = sorted(config.spool.glob("*.nuantu-os"), key=lambda p: p.stat().st_mtime)
    status = 0
    for bundle in bundles:
        status = install(bundle, config, reboot=wanted) or status
    return status


def usb_filesystems():
    """File systems on USB sticks (device paths), from lsblk."""
    out = subprocess.run(["lsblk", "--json", "--paths", "--output", "NAME,FSTYPE,TRAN,PKNAME"],
                         capture_output=True, text=True, check=True).stdout
    found, transports = [], {}

    def walk(nodes):
        for node in nodes:
            tran = node.get("tran") or transports.get(node.get("pkname"))
            transports[node["name"]] = tran
            if tran == "usb" and node.get("fstype") in ("vfat", "exfat", "ext4", "ext3", "ext2"):
                found.append(node["name"])
            walk(node.get("children", []))

    walk(json.loads(out)["blockdevices"])
    return found


def bundles_in(folder):
    return sorted(p for p in Path(folder).iterdir() if p.name.lower().endswith(".nuantu-os") and p.is_file())


def install_usb(config):
    """At boot: install a bundle from the top folder of a USB stick (read-only), rebooting at once.

    A technician is standing there; the stick is never written, so a bundle
    left on it is refused as not newer at the next boots (and changes nothing).
    """
    status = 0
    for device in usb_filesystems():
        scratch = tempfile.mkdtemp(prefix="nuantu-stick-")
        try:
            if subprocess.run(["mount", "-o", "ro,nosuid,nodev,noexec", device, scratch],
                              capture_output=True, check=False).returncode != 0:
                continue
            try:
                for bundle in bundles_in(scratch):
                    log.info("found %s on %s", bundle.name, device)
                    status = install(bundle, config, reboot="now", remove=False) or status
            finally:
                subprocess.run(["umount", scratch], check=False)
        finally:
            os.rmdir(scratch)
    return status


# -- after the reboot: confirm the trial slot or fall back ------------------------------


def healthy(systemctl):
    """The app answers /healthz with 200 and the screen's unit is up."""
    import urllib.request

    for unit in ("nuantu-app.service", "cage@tty1.service"):
        if subprocess.run(systemctl + ["is-active", "--quiet", unit], check=False).returncode != 0:
            return False
    try:
        with urllib.request.urlopen(APP_URL, timeout=10) as response:
            return response.status == 200
    except OSError:
        return False


def uptime():
    return float(Path("/proc/uptime").read_text().split()[0])


def confirm(config, deadline=600, check=None, clock=uptime, sleep=time.sleep):
    """Make a trial slot the default once healthy; reboot to the old default when not in time."""
    check = check or (lambda: healthy(config.systemctl))
    state = load_state(config)
    running = running_slot(config.cmdline.read_text())
    with MountedEsp(config) as esp:
        default = slot_of_entry(loader_default(esp))
    slots = state.setdefault("slots", {})
    if running == default:
        mine = slots.setdefault(running, {})
        standby = slots.get(other(running), {})
        if standby.get("state") == "trial":
            # Any boot after an install starts the new slot once (set-oneshot), so
            # being back on the default with the other slot still on trial means it
            # never confirmed (it rebooted itself, hung, or lost power).
            state.pop("pending_reboot", None)
            failed = standby.get("version")
            standby["state"] = "failed"
            if failed and failed not in state.setdefault("failed", []):
                state["failed"].append(failed)
            mine.update(state="confirmed", version=slot_version(config, state, running))
            save_state(config, state, f"version {failed} in slot {other(running).upper()} did not confirm: "
                                      f"back on slot {running.upper()}", logging.ERROR)
            return 0
        if mine.get("state") != "confirmed":
            mine.update(state="confirmed", version=slot_version(config, state, running), at=now_text())
            save_state(config, state, f"running slot {running.upper()}, version {mine['version']}")
        return 0
    state.pop("pending_reboot", None)
    version = slot_version(config, state, running)
    # The bundle's own command line may give its trial more or less time.
    match = re.search(r"(?:^|\s)nuantu\.os_trial=([0-9]+)(?:\s|$)", config.cmdline.read_text())
    if match:
        deadline = float(match.group(1))
    save_state(config, state, f"trial boot of version {version} in slot {running.upper()}: waiting for the app and the screen")
    try:
        return _wait_and_confirm(config, state, running, default, version, deadline, check, clock, sleep)
    except Exception as exc:  # noqa: BLE001 -- a trial boot that cannot confirm must fall back
        slots[running] = {**slots.get(running, {}), "state": "failed"}
        save_state(config, state, f"confirming slot {running.upper()} failed ({exc}): rebooting into slot "
                                  f"{default.upper()}", logging.ERROR)
        run(config.systemctl + ["reboot"])
        return 1


def _wait_and_confirm(config, state, running, default, version, deadline, check, clock, sleep):
    slots = state["slots"]
    while True:
        if check():
            with MountedEsp(config) as esp:
                set_loader_default(esp, ENTRY.format(slot=running))
            run(config.bootctl + ["set-default", ENTRY.format(slot=running)])
            slots[running] = {**slots.get(running, {}), "state": "confirmed", "confirmed_at": now_text(),
                              "confirmed_after": round(clock(), 1)}
            save_state(config, state, f"version {version} in slot {running.upper()} confirmed "
                                      f"{clock():.0f} s after boot: it is now the default")
            return 0
        if clock() > deadline:
            slots[running] = {**slots.get(running, {}), "state": "failed"}
            if version not in state.setdefault("failed", []):
                state["failed"].append(version)
            save_state(config, state, f"version {version} in slot {running.upper()} not healthy "
                                      f"{deadline:.0f} s after boot: rebooting into slot {default.upper()}", logging.ERROR)
            run(config.systemctl + ["reboot"])
            return 1
        sleep(5)


def reboot_if_pending(config):
    state = load_state(config)
    slot = state.get("pending_reboot")
    if slot:
        save_state(config, state, f"rebooting into slot {slot.upper()} (quiet hour)")
        run(config.systemctl + ["reboot"])
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(DATA), help="the data partition (os-update/, os-update.json)")
    parser.add_argument("--esp", help="the boot partition, already mounted (default: mount NUANTU-BOOT)")
    parser.add_argument("--partlabels", default="/dev/disk/by-partlabel")
    parser.add_argument("--cmdline", default="/proc/cmdline")
    parser.add_argument("--build-info", default="/usr/local/share/nuantu/build-info")
    parser.add_argument("--bootctl", help="bootctl command (default: $NUANTU_BOOTCTL or bootctl)")
    parser.add_argument("--systemctl", default="systemctl")
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("install", help="install one bundle file")
    one.add_argument("bundle")
    one.add_argument("--reboot", choices=("now", "later"), default="later")
    spool = sub.add_parser("install-spool", help="install what waits in DATA/os-update/")
    spool.add_argument("--reboot", choices=("now", "later"))
    conf = sub.add_parser("confirm", help="at boot: confirm a trial slot or fall back")
    conf.add_argument("--deadline", type=float, default=float(os.environ.get("NUANTU_OS_TRIAL_SECONDS", 600)))
    sub.add_parser("install-usb", help="install a bundle found on a USB stick, reboot at once")
    boot = sub.add_parser("at-boot", help="confirm (or fall back), then install-usb")
    boot.add_argument("--deadline", type=float, default=float(os.environ.get("NUANTU_OS_TRIAL_SECONDS", 600)))
    sub.add_parser("reboot-if-pending", help="reboot when a new slot waits for its first boot")
    sub.add_parser("status", help="print os-update.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    config = Config(data=args.data, esp=args.esp, partlabels=args.partlabels, cmdline=args.cmdline,
                    bootctl=args.bootctl, systemctl=args.systemctl, build_info=args.build_info)
    if args.command == "install":
        return install(args.bundle, config, reboot=args.reboot)
    if args.command == "install-spool":
        return install_spool(config, reboot=args.reboot)
    if args.command == "confirm":
        return confirm(config, deadline=args.deadline)
    if args.command == "at-boot":
        status = confirm(config, deadline=args.deadline)
        return install_usb(config) if status == 0 else status
    if args.command == "install-usb":
        return install_usb(config)
    if args.command == "reboot-if-pending":
        return reboot_if_pending(config)
    print(json.dumps(load_state(config), indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
