"""App releases at the office: the release key, publishing, and sending them to kiosks.

``fleet release-key`` makes the office's Ed25519 release key in its instance
folder (``release-signing.key``, 0600) on first use and prints the public half,
which ``fleet plan`` writes into every kiosk's provisioning file. ``fleet
publish WHEEL`` signs a wheel of the app into a release file kept in the
instance folder's ``releases/``. ``fleet update`` (after the nightly pull)
asks every kiosk which release it runs and sends the newest release to those
that run another; the kiosk checks, installs and switches by itself, or
rolls back, and says so the next night.
"""

import datetime
import logging
import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kiosk import keys
from kiosk import release_file
from kiosk import web
from kiosk.central.models import database
from kiosk.central.models import KioskSoftware
from kiosk.central.models import Release
from kiosk.central.models import utcnow
from kiosk.central.models import write_transaction
from kiosk.errors import DomainError
from kiosk.errors import N_

log = logging.getLogger(__name__)

KEY_FILE = "release-signing.key"
RELEASES = "releases"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def key_path(instance_path):
    return Path(instance_path) / KEY_FILE


def public_key(instance_path):
    """The release key's public half (hex), making the key first if there is none."""
    return keys.public_text(keys.load_or_generate(key_path(instance_path)))


def publish(instance_path, wheel_path):
    """Sign a wheel of the app into a release file and record it; return the Release row."""
    wheel_path = Path(wheel_path)
    signing_key = keys.load_or_generate(key_path(instance_path))
    now = utcnow()
    data = release_file.build(
        wheel_path.read_bytes(), wheel_path.name, signing_key, now.isoformat(timespec="seconds") + "Z"
    )
    release = release_file.read(data, keys.public_text(signing_key))  # what kiosks will check, checked here first
    if Release.get_or_none(Release.version == release.version):
        raise DomainError(N_("Release %(version)s is published already."), version=release.version)
    folder = Path(instance_path) / RELEASES
    folder.mkdir(parents=True, exist_ok=True)
    name = f"nuantu-kiosk-{release.version}.release"
    tmp = folder / (name + ".partial")
    tmp.write_bytes(data)
    tmp.replace(folder / name)
    with write_transaction():
        return Release.create(
            version=release.version, file_name=name, sha256=release.manifest["sha256"], size=len(data),
            published_at=now,
        )


def newest():
    """The release kiosks should run (the last published), or None."""
    return Release.select().order_by(Release.published_at.desc(), Release.id.desc()).first()


def release_bytes(instance_path, release):
    return (Path(instance_path) / RELEASES / release.file_name).read_bytes()


@dataclass
class Offer:
    """One kiosk's answer in ``fleet update``."""

    name: str
    version: str
    state: str
    detail: str = ""


def _call(kiosk, method, path, data=None, timeout=30):
    request = urllib.request.Request(
        kiosk.url + path, data=data, method=method,
        headers={"Authorization": f"Bearer {kiosk.token}", "Content-Type": "application/octet-stream"},
    )
    return web.json_exchange(_opener, request, timeout)


def offer(kiosk, target, data, timeout=30):
    """Ask one kiosk its release; send ``target`` if it runs another and never failed it."""
    try:
        status, body = _call(kiosk, "GET", "/sync/release", timeout=timeout)
        if status != 200:
            return Offer(kiosk.name, "", "unreachable", f"/sync/release answered {status}: {body.get('error', '')}")
        version = body.get("version", "")
        failed = body.get("failed", {})
        if target is None or version == target.version:
            return Offer(kiosk.name, version, "up to date")
        if target.version in failed:
            return Offer(kiosk.name, version, "rolled back", f"{target.version}: {failed[target.version]}")
        if body.get("pending") == target.version or (body.get("trial") or {}).get("version") == target.version:
            return Offer(kiosk.name, version, "installing", target.version)
        status, answer = _call(kiosk, "POST", "/sync/release", data=data, timeout=timeout)
        if status == 202:
            return Offer(kiosk.name, version, "sent", target.version)
        return Offer(kiosk.name, version, "refused", f"{target.version}: {answer.get('error', status)}")
    except (OSError, ValueError) as error:
        return Offer(kiosk.name, "", "unreachable", f"{type(error).__name__}: {error}")


def update_all(instance_path, kiosks, concurrency=16, timeout=30, progress=None):
    """Offer the newest release to every kiosk; record what each said; return the offers."""
    target = newest()
    data = release_bytes(instance_path, target) if target else None
    by_name = {k.name: k for k in kiosks}

    def one(kiosk):
        result = offer(kiosk, target, data, timeout)
        with database.connection_context():
            remember(by_name[result.name], result)
        if progress:
            progress(result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(one, kiosks))


def remember(kiosk, result):
    with write_transaction():
        row = KioskSoftware.get_or_none(KioskSoftware.kiosk == kiosk.id)
        values = {"state": result.state, "detail": result.detail, "checked_at": utcnow()}
        if result.version:  # an unreachable kiosk keeps the version it last said
            values["version"] = result.version
        if row is None:
            KioskSoftware.create(kiosk=kiosk.id, **values)
        else:
            KioskSoftware.update(values).where(KioskSoftware.id == row.id).execute()


def reported(kiosk, version):
    """Record the release a kiosk said it runs during the nightly pull; what ``fleet update`` did stays."""
    with write_transaction():
        updated = (KioskSoftware.update({KioskSoftware.version: version, KioskSoftware.checked_at: utcnow()})
                   .where(KioskSoftware.kiosk == kiosk.id).execute())
        if not updated:
            KioskSoftware.create(kiosk=kiosk.id, version=version)


def version_key(version):
    """A version as something that sorts: 1.10.0 after 1.9.2 (numbers compared as numbers)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.+_-]", version))


def behind(version, current):
    """Whether a kiosk running ``version`` is behind the ``current`` release (a Release or None)."""
    if not version or current is None or version == current.version:
        return False
    return version_key(version) < version_key(current.version)


def versions():
    """{kiosk name: KioskSoftware} for the list and the dashboard."""
    from kiosk.central.models import Kiosk

    rows = KioskSoftware.select(KioskSoftware, Kiosk).join(Kiosk)
    return {row.kiosk.name: row for row in rows}


def diagnostics(kiosk, timeout=30):
    """The support bundle a kiosk sends on request (JSON), or refuse."""
    try:
        status, body = _call(kiosk, "GET", "/sync/diagnostics", timeout=timeout)
    except (OSError, ValueError) as error:
        raise DomainError(N_("%(name)s did not answer: %(error)s"), name=kiosk.name, error=str(error)) from None
    if status != 200:
        raise DomainError(N_("%(name)s refused: %(error)s"), name=kiosk.name, error=body.get("error", status))
    body["received_at"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return body
