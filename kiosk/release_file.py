"""The signed release file both sides share: the office writes it, kiosks check it.

A release is one uncompressed tar, ``nuantu-kiosk-VERSION.release``, holding

- ``manifest.json``: format, package name, version, the wheel's file name,
  size and SHA-256, when and under which key it was signed;
- ``manifest.sig``: the Ed25519 signature of ``manifest.json``'s exact bytes
  by the office's release key (``kiosk.keys``);
- the wheel itself (the app with its compiled catalogs).

A kiosk believes nothing in it before the signature checks out with the
public key it was provisioned with, and then nothing in the wheel that does
not match the signed hash. Only the standard library and ``kiosk.keys``.
"""

import hashlib
import io
import json
import re
import tarfile
import zipfile
from dataclasses import dataclass

from kiosk import keys
from kiosk.errors import DomainError
from kiosk.errors import N_

FORMAT = "nuantu-release/1"
PACKAGE = "nuantu-kiosk"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
# A release is the app (a few MB); anything far bigger is not one.
MAX_BYTES = 64 * 1024 * 1024
VERSION = re.compile(r"^[0-9]+(\.[0-9]+){1,3}([a-z0-9.+-]{0,32})$")
WHEEL = re.compile(r"^nuantu_kiosk-([^-]+)-py3-none-any\.whl$")
CATALOG = "kiosk/translations/zh_Hans/LC_MESSAGES/messages.mo"


class ReleaseRefused(DomainError):
    """A release file that must not be installed; the message says why."""

    status = 422


@dataclass(frozen=True)
class Release:
    """A release whose signature and wheel hash have been checked."""

    manifest: dict
    wheel_name: str
    wheel: bytes

    @property
    def version(self):
        return self.manifest["version"]


def wheel_facts(wheel_bytes, wheel_name):
    """Check a wheel is the app's, with compiled catalogs; return its version."""
    match = WHEEL.match(wheel_name)
    if not match:
        raise ReleaseRefused(N_("%(name)s is not a wheel of the kiosk app."), name=wheel_name)
    version = match.group(1)
    if not VERSION.match(version):
        raise ReleaseRefused(N_("Version %(version)s is not one a release can have."), version=version)
    try:
        with zipfile.ZipFile(io.BytesIO(wheel_bytes)) as wheel:
            names = set(wheel.namelist())
    except zipfile.BadZipFile:
        raise ReleaseRefused(N_("%(name)s is not a wheel of the kiosk app."), name=wheel_name) from None
    if "kiosk/__init__.py" not in names:
        raise ReleaseRefused(N_("%(name)s is not a wheel of the kiosk app."), name=wheel_name)
    if CATALOG not in names:
        raise ReleaseRefused(
            N_("%(name)s has no compiled Chinese catalog: build it with `pip wheel .`, which compiles them."),
            name=wheel_name,
        )
    return version


def build(wheel_bytes, wheel_name, signing_key, published_at):
    """Return the bytes of a signed release file for a wheel."""
    version = wheel_facts(wheel_bytes, wheel_name)
    manifest = {
        "format": FORMAT,
        "package": PACKAGE,
        "version": version,
        "wheel": wheel_name,
        "size": len(wheel_bytes),
        "sha256": hashlib.sha256(wheel_bytes).hexdigest(),
        "published_at": published_at,
        "key_id": keys.key_id(signing_key.verify_key),
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, indent=1).encode()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in (
            (MANIFEST, manifest_bytes),
            (SIGNATURE, keys.sign(manifest_bytes, signing_key).encode()),
            (wheel_name, wheel_bytes),
        ):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def read(data, public_key):
    """Check a release file's signature (``public_key``: base64 text) and wheel; return the ``Release`` or refuse."""
    if len(data) > MAX_BYTES:
        raise ReleaseRefused(N_("That file is too big to be a release."))
    members = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for info in tar:
                if not info.isfile() or "/" in info.name or info.name in members:
                    raise ReleaseRefused(N_("That is not a release file."))
                members[info.name] = tar.extractfile(info).read()
    except (tarfile.TarError, EOFError):
        raise ReleaseRefused(N_("That is not a release file.")) from None
    manifest_bytes, signature = members.get(MANIFEST), members.get(SIGNATURE)
    if manifest_bytes is None or signature is None:
        raise ReleaseRefused(N_("That is not a release file."))
    try:
        signature_text = signature.decode("ascii")
    except UnicodeDecodeError:
        signature_text = ""
    if not keys.verify(manifest_bytes, signature_text, public_key):
        raise ReleaseRefused(N_("The release's signature is not the office's release key: not installed."))
    manifest = json.loads(manifest_bytes)
    if manifest.get("format") != FORMAT or manifest.get("package") != PACKAGE:
        raise ReleaseRefused(N_("That is not a release file."))
    wheel_name = manifest.get("wheel", "")
    wheel = members.get(wheel_name)
    if wheel is None or hashlib.sha256(wheel).hexdigest() != manifest.get("sha256"):
        raise ReleaseRefused(N_("The release's wheel does not match its signed manifest: not installed."))
    if wheel_facts(wheel, wheel_name) != manifest.get("version"):
        raise ReleaseRefused(N_("The release's wheel does not match its signed manifest: not installed."))
    return Release(manifest=manifest, wheel_name=wheel_name, wheel=wheel)
