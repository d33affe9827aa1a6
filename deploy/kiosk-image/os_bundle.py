#!/usr/bin/env python3
"""Make a signed OS bundle (``*.nuantu-os``) for kiosks' A/B root slots.

The bundle is what overlay/usr/local/lib/nuantu/os_update.py installs: one
uncompressed tar of ``manifest.json`` (format ``nuantu-os/1``, version, kernel
command line with ``@SLOT@``, name/size/SHA-256 of each part), ``manifest.sig``
(Ed25519 over the manifest's bytes with the office's release key, exactly as
``kiosk/release_file.py`` signs app releases: ``kiosk.keys.sign``), then
``vmlinuz``, ``initrd.img`` and ``root.ext4.zst``.

From a built disk image (slot A's root partition, kernel, initrd and entry)::

    .venv/bin/python deploy/kiosk-image/os_bundle.py --key release-signing.key \\
        --image build/kiosk-image/nuantu-kiosk-0.1.0-amd64.img --out OS.nuantu-os

or from build.sh's parts (``--root --kernel --initrd --cmdline --version``).
The key file is the office's (``instance/release-signing.key``, 0600, base64
seed); it must match the ``RELEASE_PUBLIC_KEY`` kiosks were provisioned with.
Run with the repository's venv (PyNaCl, ``kiosk.keys``).
"""

import argparse
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from datetime import datetime
from datetime import timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk import keys  # noqa: E402

FORMAT = "nuantu-os/1"
CHUNK = 1024 * 1024


def sha256_of(path):
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def build(out, version, cmdline, root, kernel, initrd, signing_key, threads=2):
    """Write the bundle to ``out``; return its manifest."""
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="nuantu-os-", dir=out.parent) as scratch:
        packed = Path(scratch) / "root.ext4.zst"
        subprocess.run(["zstd", "-q", f"-T{threads}", "-f", str(root), "-o", str(packed)], check=True)
        raw_sha, raw_size = sha256_of(root)
        parts = {}
        for part, name, path in (("kernel", "vmlinuz", kernel), ("initrd", "initrd.img", initrd),
                                 ("root", "root.ext4.zst", packed)):
            digest, size = sha256_of(path)
            parts[part] = {"name": name, "size": size, "sha256": digest}
        parts["root"].update(raw_size=raw_size, raw_sha256=raw_sha)
        manifest = {
            "format": FORMAT,
            "version": version,
            "cmdline": cmdline,
            "parts": parts,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "key_id": keys.key_id(signing_key.verify_key),
        }
        manifest_bytes = json.dumps(manifest, sort_keys=True, indent=1).encode()
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name, data in (("manifest.json", manifest_bytes),
                               ("manifest.sig", keys.sign(manifest_bytes, signing_key).encode())):
                info = tarfile.TarInfo(name)
                info.size, info.mode, info.mtime = len(data), 0o644, 0
                tar.addfile(info, io.BytesIO(data))
            for part, path in (("kernel", kernel), ("initrd", initrd), ("root", packed)):
                info = tarfile.TarInfo(parts[part]["name"])
                info.size, info.mode, info.mtime = parts[part]["size"], 0o644, 0
                with open(path, "rb") as f:
                    tar.addfile(info, f)
        partial.replace(out)
    return manifest


def parts_of_image(image, scratch):
    """Slot A's root partition, kernel, initrd and kernel command line of a built .img (or .img.zst)."""
    if str(image).endswith(".zst"):
        raw = Path(scratch) / "disk.img"
        subprocess.run(["zstd", "-q", "-d", "-f", str(image), "-o", str(raw)], check=True)
        image = raw
    table = json.loads(subprocess.run(["sfdisk", "--json", str(image)], check=True,
                                      capture_output=True, text=True).stdout)["partitiontable"]
    sector = table.get("sectorsize", 512)
    by_name = {p.get("name"): p for p in table["partitions"]}
    if "nuantu-root-a" not in by_name or "NUANTU-BOOT" not in by_name:
        raise SystemExit(f"{image}: not an A/B kiosk image (no nuantu-root-a / NUANTU-BOOT partition)")
    root_part, esp_part = by_name["nuantu-root-a"], by_name["NUANTU-BOOT"]
    root = Path(scratch) / "root.ext4"
    subprocess.run(["dd", f"if={image}", f"of={root}", "bs=1M", "iflag=skip_bytes,count_bytes",
                    f"skip={root_part['start'] * sector}", f"count={root_part['size'] * sector}",
                    "conv=sparse", "status=none"], check=True)
    esp = f"{image}@@{esp_part['start'] * sector}"
    env = {"MTOOLS_SKIP_CHECK": "1", "PATH": "/usr/bin:/bin"}
    files = {}
    for name in ("vmlinuz", "initrd.img"):
        files[name] = Path(scratch) / name
        subprocess.run(["mcopy", "-n", "-i", esp, f"::/nuantu/a/{name}", str(files[name])], check=True, env=env)
    entry = subprocess.run(["mtype", "-i", esp, "::/loader/entries/nuantu-a.conf"], check=True,
                           capture_output=True, text=True, env=env).stdout
    options = next(line[len("options "):] for line in entry.splitlines() if line.startswith("options "))
    cmdline = " ".join(t for t in options.split() if not t.startswith("nuantu."))
    cmdline = cmdline.replace("root=PARTLABEL=nuantu-root-a", "root=PARTLABEL=nuantu-root-@SLOT@")
    info = subprocess.run(["debugfs", "-R", "cat /usr/local/share/nuantu/build-info", str(root)],
                          capture_output=True, text=True).stdout
    match = re.search(r"^os-version: (\S+)", info, re.M)
    return root, files["vmlinuz"], files["initrd.img"], cmdline, match.group(1) if match else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--key", required=True, help="the office's release key file (base64 seed, 0600)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--image", help="a built .img (uncompressed): take slot A's parts from it")
    parser.add_argument("--root")
    parser.add_argument("--kernel")
    parser.add_argument("--initrd")
    parser.add_argument("--cmdline", help="kernel command line with root=PARTLABEL=nuantu-root-@SLOT@")
    parser.add_argument("--version", help="OS version (default with --image: its build-info's os-version)")
    parser.add_argument("--append-cmdline", default="", help="more kernel options (tests: a bundle that never confirms)")
    args = parser.parse_args(argv)
    signing_key = keys.read_private(Path(args.key))
    with tempfile.TemporaryDirectory(prefix="nuantu-os-parts-", dir=Path(args.out).resolve().parent) as scratch:
        if args.image:
            root, kernel, initrd, cmdline, version = parts_of_image(args.image, scratch)
        else:
            root, kernel, initrd, cmdline, version = args.root, args.kernel, args.initrd, args.cmdline, None
        version = args.version or version
        cmdline = " ".join(filter(None, [cmdline, args.append_cmdline]))
        if not (root and kernel and initrd and cmdline and version):
            parser.error("give --image, or --root --kernel --initrd --cmdline --version")
        manifest = build(args.out, version, cmdline, root, kernel, initrd, signing_key)
    size = Path(args.out).stat().st_size
    print(f"{args.out}: OS {manifest['version']}, {size / 2**20:.0f} MiB, key {manifest['key_id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
