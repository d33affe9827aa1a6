"""OS updates into the idle A/B root slot (deploy/kiosk-image/.../os_update.py).

The kiosk's disk is faked with files: two files stand in for the root slot
partitions (``/dev/disk/by-partlabel``), a folder for the boot partition, a
file for /proc/cmdline; ``bootctl`` and ``systemctl`` are stand-ins that
record what they were asked. Bundles are made by the office's own tool
(deploy/kiosk-image/os_bundle.py) with keys made like the office's release key.
"""

import io
import json
import os
import tarfile

import pytest

from kiosk import keys
from tests.image_helpers import IMAGE
from tests.image_helpers import load
from tests.image_helpers import os_update

os_bundle = load(IMAGE / "os_bundle.py", "nuantu_image_os_bundle")

CMDLINE = "root=PARTLABEL=nuantu-root-@SLOT@ ro rootfstype=ext4 overlayroot=tmpfs:recurse=0 quiet"
SLOT_BYTES = 4 * 1024 * 1024


class Kiosk:
    """A fake kiosk disk in tmp_path, booted from ``slot``."""

    def __init__(self, tmp_path, release_key, slot="a", default="a"):
        self.root = tmp_path / "kiosk"
        self.data = self.root / "data"
        self.esp = self.root / "esp"
        self.dev = self.root / "by-partlabel"
        for folder in (self.data / "os-update", self.esp / "loader" / "entries", self.dev):
            folder.mkdir(parents=True)
        if release_key:
            (self.data / "provisioned.json").write_text(json.dumps({"RELEASE_PUBLIC_KEY": release_key}))
        (self.esp / "loader" / "loader.conf").write_text(f"default nuantu-{default}.conf\ntimeout 0\neditor no\n")
        (self.esp / "loader" / "entries" / "nuantu-a.conf").write_text(
            "title Nuantu kiosk OS 2026.1 (slot A)\nlinux /nuantu/a/vmlinuz\ninitrd /nuantu/a/initrd.img\n"
            "options " + CMDLINE.replace("@SLOT@", "a") + " nuantu.probe\n"
        )
        for name in ("a", "b"):
            (self.dev / f"nuantu-root-{name}").write_bytes(name.encode() * SLOT_BYTES)
        self.boot(slot)
        (self.root / "build-info").write_text("image: nuantu-kiosk-0.1.0-amd64\nos-version: 2026.1\n")
        self.calls = self.root / "calls.log"
        stand_in = self.root / "record"
        stand_in.write_text(f'#!/bin/sh\necho "$(basename "$0") $*" >> {self.calls}\n')
        stand_in.chmod(0o755)
        for name in ("bootctl", "systemctl"):
            os.symlink(stand_in, self.root / name)

    def boot(self, slot):
        (self.root / "cmdline").write_text(CMDLINE.replace("@SLOT@", slot) + " nuantu.probe\n")

    def args(self):
        return ["--data", str(self.data), "--esp", str(self.esp), "--partlabels", str(self.dev),
                "--cmdline", str(self.root / "cmdline"), "--build-info", str(self.root / "build-info"),
                "--bootctl", str(self.root / "bootctl"), "--systemctl", str(self.root / "systemctl")]

    def run(self, *argv):
        return os_update.main([*self.args(), *argv])

    def config(self):
        return os_update.Config(data=self.data, esp=self.esp, partlabels=self.dev, cmdline=self.root / "cmdline",
                                bootctl=str(self.root / "bootctl"), systemctl=str(self.root / "systemctl"),
                                build_info=self.root / "build-info")

    def recorded(self):
        return self.calls.read_text().splitlines() if self.calls.exists() else []

    def status(self):
        return json.loads((self.data / "os-update.json").read_text())

    def slot(self, name):
        return (self.dev / f"nuantu-root-{name}").read_bytes()

    def default(self):
        return os_update.loader_default(self.esp)


@pytest.fixture
def office_key():
    return keys.generate()


@pytest.fixture
def parts(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    root = folder / "root.ext4"
    root.write_bytes(os.urandom(64 * 1024) + bytes(2 * 1024 * 1024))
    (folder / "vmlinuz").write_bytes(b"kernel " * 1000)
    (folder / "initrd.img").write_bytes(b"initrd " * 3000)
    return folder


def make_bundle(tmp_path, parts, key, version="2026.2", cmdline=CMDLINE, name=None):
    out = tmp_path / (name or f"nuantu-os-{version}.nuantu-os")
    os_bundle.build(out, version, cmdline, parts / "root.ext4", parts / "vmlinuz", parts / "initrd.img", key)
    return out


def rewrite_member(bundle, member, change):
    """Rewrite one member of a bundle's tar (same order), e.g. an altered part."""
    source = io.BytesIO(bundle.read_bytes())
    out = io.BytesIO()
    with tarfile.open(fileobj=source, mode="r:") as old, tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as new:
        for info in old:
            data = old.extractfile(info).read()
            if info.name == member:
                data = change(data)
                info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    bundle.write_bytes(out.getvalue())


def test_a_bundle_goes_into_the_idle_slot_and_is_booted_once(tmp_path, parts, office_key):
    kiosk = Kiosk(tmp_path, keys.public_text(office_key), slot="a")
    bundle = make_bundle(kiosk.data / "os-update", parts, office_key)
    slot_a = kiosk.slot("a")

    assert kiosk.run("install-spool") == 0

    written = kiosk.slot("b")
    root = (parts / "root.ext4").read_bytes()
    assert written[: len(root)] == root
    assert kiosk.slot("a") == slot_a
    assert (kiosk.esp / "nuantu" / "b" / "vmlinuz").read_bytes() == (parts / "vmlinuz").read_bytes()
    assert (kiosk.esp / "nuantu" / "b" / "initrd.img").read_bytes() == (parts / "initrd.img").read_bytes()
    entry = (kiosk.esp / "loader" / "entries" / "nuantu-b.conf").read_text()
    assert "linux /nuantu/b/vmlinuz\ninitrd /nuantu/b/initrd.img\n" in entry
    options = os_update.entry_options(entry)
    assert "root=PARTLABEL=nuantu-root-b" in options and "nuantu.probe" in options
    # Booted once: the known-good slot A stays the default until B confirms.
    assert kiosk.recorded() == ["bootctl set-oneshot nuantu-b.conf"]
    assert kiosk.default() == "nuantu-a.conf"
    status = kiosk.status()
    assert status["slots"]["b"]["state"] == "trial" and status["slots"]["b"]["version"] == "2026.2"
    assert status["pending_reboot"] == "b"
    assert "2026.2 written to slot B" in status["message"]
    assert not bundle.exists()

    # The quiet hour's timer reboots into it; asked at once, it reboots right away.
    assert kiosk.run("reboot-if-pending") == 0
    assert kiosk.recorded()[-1] == "systemctl reboot"


def test_running_on_b_installs_into_a(tmp_path, parts, office_key):
    kiosk = Kiosk(tmp_path, keys.public_text(office_key), slot="b", default="b")
    (kiosk.esp / "loader" / "entries" / "nuantu-a.conf").rename(kiosk.esp / "loader" / "entries" / "nuantu-b.conf")
    bundle = make_bundle(tmp_path, parts, office_key)

    assert kiosk.run("install", str(bundle), "--reboot", "now") == 0

    assert kiosk.slot("b") == b"b" * SLOT_BYTES
    assert "root=PARTLABEL=nuantu-root-a" in (kiosk.esp / "loader" / "entries" / "nuantu-a.conf").read_text()
    assert kiosk.recorded() == ["bootctl set-oneshot nuantu-a.conf", "systemctl reboot"]


def wrong_key(tmp_path, parts, office_key):
    return make_bundle(tmp_path, parts, keys.generate())


def altered_root(tmp_path, parts, office_key):
    bundle = make_bundle(tmp_path, parts, office_key)
    rewrite_member(bundle, "root.ext4.zst", lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:])
    return bundle


def altered_kernel(tmp_path, parts, office_key):
    bundle = make_bundle(tmp_path, parts, office_key)
    rewrite_member(bundle, "vmlinuz", lambda data: data + b"rootkit")
    return bundle


def altered_manifest(tmp_path, parts, office_key):
    bundle = make_bundle(tmp_path, parts, office_key)
    rewrite_member(bundle, "manifest.json", lambda data: data.replace(b"2026.2", b"2026.9"))
    return bundle


def older_version(tmp_path, parts, office_key):
    return make_bundle(tmp_path, parts, office_key, version="2025.12")


def not_a_bundle(tmp_path, parts, office_key):
    junk = tmp_path / "junk.nuantu-os"
    junk.write_bytes(b"MZ" + os.urandom(5000))
    return junk


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (wrong_key, "signature is not the office's release key"),
        (altered_manifest, "signature is not the office's release key"),
        (altered_root, "does not match its signed manifest"),
        (altered_kernel, "vmlinuz does not match its signed manifest"),
        (older_version, "version 2025.12 is not newer than the running 2026.1"),
        (not_a_bundle, "not an OS bundle"),
    ],
)
def test_a_refused_bundle_changes_nothing_and_says_why(tmp_path, parts, office_key, make, reason):
    kiosk = Kiosk(tmp_path, keys.public_text(office_key))
    bundle = make(tmp_path, parts, office_key)
    spooled = kiosk.data / "os-update" / bundle.name
    bundle.rename(spooled)
    slot_a = kiosk.slot("a")

    assert kiosk.run("install-spool") == 1

    assert kiosk.recorded() == []
    assert not (kiosk.esp / "loader" / "entries" / "nuantu-b.conf").exists()
    assert not (kiosk.esp / "nuantu" / "b").exists()
    assert kiosk.default() == "nuantu-a.conf"
    assert kiosk.slot("a") == slot_a
    status = kiosk.status()
    assert reason in status["last_refused"]["reason"]
    assert reason in status["message"]
    assert "pending_reboot" not in status
    assert not spooled.exists()
    if make in (wrong_key, altered_manifest, older_version, not_a_bundle):
        assert kiosk.slot("b") == b"b" * SLOT_BYTES  # refused before the slot was touched


def test_a_kiosk_without_a_release_key_accepts_no_bundle(tmp_path, parts, office_key):
    kiosk = Kiosk(tmp_path, release_key=None)
    bundle = make_bundle(tmp_path, parts, office_key)
    assert kiosk.run("install", str(bundle)) == 1
    assert "no RELEASE_PUBLIC_KEY" in kiosk.status()["message"]
    assert kiosk.recorded() == []


def test_the_new_slot_becomes_the_default_once_healthy(tmp_path, parts, office_key):
    kiosk = Kiosk(tmp_path, keys.public_text(office_key))
    make_bundle(kiosk.data / "os-update", parts, office_key)
    assert kiosk.run("install-spool") == 0
    kiosk.boot("b")  # systemd-boot's one-shot entry
    checks = iter([False, False, True])

    assert os_update.confirm(kiosk.config(), deadline=300, check=lambda: next(checks),
                             clock=lambda: 100.0, sleep=lambda s: None) == 0

    assert kiosk.default() == "nuantu-b.conf"
    assert kiosk.recorded()[-1] == "bootctl set-default nuantu-b.conf"
    status = kiosk.status()
    assert status["slots"]["b"]["state"] == "confirmed"
    assert "2026.2 in slot B confirmed" in status["message"]
    assert "pending_reboot" not in status

    # The next bundle goes into A, the slot now idle.
    make_bundle(kiosk.data / "os-update", parts, office_key, version="2026.3")
    assert kiosk.run("install-spool") == 0
    assert kiosk.recorded()[-1] == "bootctl set-oneshot nuantu-a.conf"


def test_a_new_slot_that_never_gets_healthy_falls_back_and_is_not_tried_again(tmp_path, parts, office_key):
    kiosk = Kiosk(tmp_path, keys.public_text(office_key))
    make_bundle(kiosk.data / "os-update", parts, office_key)
    assert kiosk.run("install-spool") == 0
    kiosk.boot("b")
    times = iter(range(0, 1000, 100))

    assert os_update.confirm(kiosk.config(), deadline=300, check=lambda: False,
                             clock=lambda: float(next(times)), sleep=lambda s: None) == 1

    assert kiosk.recorded()[-1] == "systemctl reboot"
    assert kiosk.default() == "nuantu-a.conf"
    assert "not healthy 300 s after boot: rebooting into slot A" in kiosk.status()["message"]

    kiosk.boot("a")  # the one-shot is used up: systemd-boot starts the default
    assert kiosk.run("confirm") == 0
    assert kiosk.status()["slots"]["a"]["state"] == "confirmed"

    again = make_bundle(tmp_path, parts, office_key)
    assert kiosk.run("install", str(again)) == 1
    assert "2026.2 failed on this kiosk before" in kiosk.status()["message"]


def test_a_trial_slot_that_hung_is_reported_by_the_old_slot(tmp_path, parts, office_key):
    kiosk = Kiosk(tmp_path, keys.public_text(office_key))
    make_bundle(kiosk.data / "os-update", parts, office_key)
    assert kiosk.run("install-spool") == 0
    # B never got to confirm (hung; the watchdog reset the machine): A boots again.
    assert kiosk.run("confirm") == 0
    status = kiosk.status()
    assert "version 2026.2 in slot B did not confirm: back on slot A" in status["message"]
    assert status["failed"] == ["2026.2"]
    assert kiosk.default() == "nuantu-a.conf"


def test_no_install_while_the_running_slot_is_on_trial(tmp_path, parts, office_key):
    kiosk = Kiosk(tmp_path, keys.public_text(office_key), slot="b", default="a")
    bundle = make_bundle(tmp_path, parts, office_key)
    assert kiosk.run("install", str(bundle)) == 1
    assert "runs on trial" in kiosk.status()["message"]


def test_the_app_hands_a_bundle_from_a_stick_to_the_root_updater(tmp_path, parts, office_key):
    from kiosk import create_app

    kiosk = Kiosk(tmp_path, keys.public_text(office_key))
    stick = tmp_path / "stick"
    stick.mkdir()
    bundle = make_bundle(stick, parts, office_key)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(kiosk.data / "instance")})
    runner = app.test_cli_runner()

    result = runner.invoke(args=["update", "install-os", str(bundle), "--now"])
    assert result.exit_code == 0, result.output
    assert bundle.exists()  # the stick is only read
    assert sorted(p.name for p in (kiosk.data / "os-update").iterdir()) == [bundle.name, "reboot-now"]

    # The path unit starts the root updater, which trusts only the signature.
    assert kiosk.run("install-spool") == 0
    assert kiosk.recorded() == ["bootctl set-oneshot nuantu-b.conf", "systemctl reboot"]
    shown = json.loads(runner.invoke(args=["update", "os-status"]).output)
    assert shown["slots"]["b"]["version"] == "2026.2"
    assert "written to slot B; booting it once, now" in shown["message"]


def test_a_link_in_the_spool_is_not_followed(tmp_path, parts, office_key):
    kiosk = Kiosk(tmp_path, keys.public_text(office_key))
    bundle = make_bundle(tmp_path, parts, office_key)
    (kiosk.data / "os-update" / bundle.name).symlink_to(bundle)
    assert kiosk.run("install-spool") == 1
    assert kiosk.recorded() == []
    assert bundle.exists()


def test_when_bootctl_fails_the_new_slot_gets_no_entry(tmp_path, parts, office_key):
    kiosk = Kiosk(tmp_path, keys.public_text(office_key))
    failing = kiosk.root / "failing-bootctl"
    failing.write_text("#!/bin/sh\necho 'Failed to set EFI variable' >&2\nexit 1\n")
    failing.chmod(0o755)
    bundle = make_bundle(tmp_path, parts, office_key)
    assert os_update.main([*kiosk.args(), "--bootctl", str(failing), "install", str(bundle)]) == 1
    assert not (kiosk.esp / "loader" / "entries" / "nuantu-b.conf").exists()
    assert "Failed to set EFI variable" in kiosk.status()["message"]
    assert "pending_reboot" not in kiosk.status()
