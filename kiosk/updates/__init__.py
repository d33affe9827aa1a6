"""App updates on the kiosk: signed releases installed beside the running one.

The office sends a release file during its nightly session (``POST
/sync/release``) or a technician brings one on a USB stick (``flask --app
kiosk update install FILE``). Here it is checked against the office's
release key (``RELEASE_PUBLIC_KEY``), unpacked into its own folder under
``RELEASES_DIR`` and marked *pending*. The launcher (``kiosk.updates.launch``,
which the image runs instead of ``kiosk.serve`` directly) then stops the app,
starts the pending release *on trial* and keeps it only when its ``/healthz``
answers 200 with the new version within ``TRIAL_SECONDS``; otherwise it goes
back to the previous release and remembers the failed version, which is never
installed again.

The state is one JSON file, written atomically::

    {"current": "0.2.0" | null,   # null: the app installed in the image
     "previous": "0.1.0" | null,
     "pending": "0.3.0" | null,   # unpacked and checked, not running yet
     "trial": {"version": "0.3.0", "starts": 1} | null,
     "failed": {"0.3.0": "why"},
     "events": [{"at": ..., "event": ..., "version": ..., "detail": ...}]}

The database is shared by every release: a release only adds tables and
named migrations (``kiosk.schema``), so the previous release still runs on
it after a roll-back.
"""

import datetime
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from kiosk import keys
from kiosk import release_file
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.release_file import ReleaseRefused

STATE = "state.json"
KEEP_EVENTS = 30
# Releases kept on disk besides the current and the previous one: none.
SITE = "site"


def releases_dir(config):
    """The folder holding releases and their state (``RELEASES_DIR``)."""
    return Path(config["RELEASES_DIR"])


def load_state(folder):
    path = Path(folder) / STATE
    state = json.loads(path.read_text()) if path.exists() else {}
    for key in ("current", "previous", "pending", "trial"):
        state.setdefault(key, None)
    state.setdefault("failed", {})
    state.setdefault("events", [])
    return state


def save_state(folder, state):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state["events"] = state["events"][-KEEP_EVENTS:]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".state.")
    with os.fdopen(fd, "w") as f:
        json.dump(state, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / STATE)


def record(state, event, version, detail=""):
    at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    state["events"].append({"at": at, "event": event, "version": version, "detail": detail})


def site_of(folder, version):
    """The folder put first on the app's ``sys.path`` for a release (None: the image's app)."""
    return None if version is None else Path(folder) / version / SITE


def verify_key(config):
    text = config.get("RELEASE_PUBLIC_KEY")
    if not text:
        raise ReleaseRefused(N_("This kiosk has no release key: provision RELEASE_PUBLIC_KEY to accept updates."))
    try:
        keys.load_public(text)
    except keys.BadKey:
        raise ReleaseRefused(N_("This kiosk's RELEASE_PUBLIC_KEY is not a public key.")) from None
    return text


def stage(config, data, running_version):
    """Check a release file and unpack it beside the running app; return its version.

    Refuses a bad signature, a wheel that does not match, the version already
    running or pending, and a version that failed here before. The launcher
    switches to it.
    """
    folder = releases_dir(config)
    release = release_file.read(data, verify_key(config))
    version = release.version
    state = load_state(folder)
    if version in state["failed"]:
        raise DomainError(
            N_("Release %(version)s failed on this kiosk before (%(reason)s): not installed again."),
            version=version, reason=state["failed"][version],
        )
    if version == running_version or version == state["pending"]:
        raise DomainError(N_("Release %(version)s is already installed."), version=version)
    target = Path(folder) / version
    folder.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=folder, prefix=f".{version}."))
    try:
        _unpack_wheel(release.wheel, scratch / SITE)
        (scratch / release_file.MANIFEST).write_text(json.dumps(release.manifest, indent=1))
        if target.exists():
            shutil.rmtree(target)
        os.replace(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    state = load_state(folder)
    state["pending"] = version
    record(state, "staged", version, f"signed by key {release.manifest['key_id']}")
    save_state(folder, state)
    return version


def refuse(config, version, reason):
    """Note a refused release in the state, so the office sees why."""
    folder = releases_dir(config)
    state = load_state(folder)
    record(state, "refused", version, reason)
    save_state(folder, state)


def _unpack_wheel(data, target):
    """Install a pure-Python wheel by unpacking it (no pip, no network)."""
    import io

    target.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(data)) as wheel:
        for name in wheel.namelist():
            parts = Path(name).parts
            # Only the package and its metadata: no absolute or climbing
            # paths, no NAME.data/ (scripts, headers) that pip would place
            # elsewhere.
            if not parts or name.startswith("/") or ".." in parts or parts[0].endswith(".data"):
                raise ReleaseRefused(N_("The release's wheel holds a file outside the app: not installed."))
        wheel.extractall(target)


def status(config, running_version):
    """What the office and the technician see: running, pending, failed, recent events."""
    state = load_state(releases_dir(config))
    return {
        "version": running_version,
        "current": state["current"],
        "previous": state["previous"],
        "pending": state["pending"],
        "trial": state["trial"],
        "failed": state["failed"],
        "events": state["events"][-10:],
    }


def prune(folder, state):
    """Remove unpacked releases that are neither current, previous nor pending."""
    keep = {state["current"], state["previous"], state["pending"]}
    for entry in Path(folder).iterdir():
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True)
