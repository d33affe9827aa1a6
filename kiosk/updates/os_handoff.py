"""Handing a signed OS bundle to the kiosk's root updater (A/B root slots).

The app runs unprivileged and never writes partitions: it only copies a
``*.nuantu-os`` file into the spool folder on the data partition, beside the
instance folder (``/var/lib/nuantu/os-update/``), where a path unit starts the
root updater (deploy/kiosk-image/.../os_update.py). That one checks the
signature itself against the provisioned release key, writes the idle slot and
reports in ``os-update.json``, which ``status`` reads back. The file is
written under a staging name first, so the updater never sees half of it.
"""

import json
import shutil
from pathlib import Path

SUFFIX = ".nuantu-os"


def data_dir(instance_path):
    return Path(instance_path).parent


def spool(instance_path, source, reboot_now=False):
    """Copy a bundle into the spool; return its path there."""
    source = Path(source)
    name = source.name if source.name.endswith(SUFFIX) else source.name + SUFFIX
    data = data_dir(instance_path)
    staging, target = data / "os-update.staging", data / "os-update"
    staging.mkdir(exist_ok=True)
    target.mkdir(exist_ok=True)
    partial = staging / name
    with open(source, "rb") as src, open(partial, "wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)
        out.flush()
    if reboot_now:
        (target / "reboot-now").touch()
    return Path(shutil.move(partial, target / name))


def status(instance_path):
    """What the root updater last recorded (slots, versions, the last refusal), or {}."""
    try:
        return json.loads((data_dir(instance_path) / "os-update.json").read_text())
    except (FileNotFoundError, ValueError):
        return {}
