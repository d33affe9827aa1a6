"""One key per week for phone/ID fingerprints, destroyed when the week's data must be gone.

Crypto-shredding. Every fingerprint (``personal_data.fingerprint``) and every
sealed last-four a kiosk stores is made under the key of the *period* (a UTC
week, Monday 00:00) it was stored in. Each period's key is 32 random bytes in
its own file, ``<directory>/<period start>.key`` (mode 0600, never in the
database, never in ``secrets.json``); what is used is that secret mixed with the
kiosk's ``PII_KEY`` (HMAC-SHA256), so neither the key files alone nor the
database and ``secrets.json`` without them recognise a number.

A number is looked up under every key still alive (``ring()``: the current
period first, then the older ones), so a repeat visit, a voucher quota, a trip
booking and a luggage phone search still match across a period boundary. The
retention purge calls ``destroy_before(cutoff)``: a period that ended before the
cutoff holds only data that must be gone, so its file is overwritten and
removed. From then on every fingerprint of that week, wherever a copy
survived (a row a purge missed, a copy of the database), is an HMAC under a key
nobody has: a disk taken later holds nothing to brute-force.

A kiosk upgraded from before the weekly keys holds fingerprints made with
``PII_KEY`` alone. For the retention days after its first week key (the date
in ``<directory>/since``) that key is also matched with, never stored under,
so a repeat visit or a pack already taken is still recognised; after that no
such fingerprint is left and it is dropped from the ring.

At most retention ÷ 7 + 2 keys are alive. ``configure()`` is called once by
create_app, as ``clock.configure`` is; the key files follow the clock the data
is stamped with, so a period's rows and its key are purged by the same cutoff.
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import os
import re
import secrets
import threading
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from kiosk import clock

PERIOD = datetime.timedelta(days=7)
EPOCH = datetime.datetime(1970, 1, 5)  # a Monday: periods start on Mondays, 00:00 UTC
SECRET_BYTES = 32
_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})\.key")

_lock = threading.Lock()
_config = {"directory": None, "pii_key": None, "retention": datetime.timedelta(days=30)}
SINCE = "since"  # the file holding the day this kiosk's first week key was made


class Ring(tuple):
    """The keys alive now, as bytes, the current period's first: what fingerprints are made and matched under."""


def configure(directory, pii_key, retention_days=30):
    """Set where the period keys live, the kiosk's PII_KEY they are mixed with, and the retention (create_app)."""
    _config["directory"] = Path(directory)
    _config["pii_key"] = pii_key.encode() if isinstance(pii_key, str) else pii_key
    _config["retention"] = datetime.timedelta(days=retention_days)


def directory():
    """Return the configured key folder; raise if create_app did not set one."""
    if _config["directory"] is None:
        raise RuntimeError("pii_keys.configure() was not called")
    return _config["directory"]


def period_start(moment):
    """Return the start (naive UTC) of the period a naive UTC moment falls in."""
    return EPOCH + PERIOD * ((moment - EPOCH) // PERIOD)


def _path(start):
    return directory() / f"{start:%Y-%m-%d}.key"


def _read(path):
    try:
        raw = bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return raw if len(raw) == SECRET_BYTES else None


def _derive(start, secret):
    label = b"nuantu-pii-period:" + f"{start:%Y-%m-%d}".encode() + b":"
    return hmac.new(_config["pii_key"], label + secret, hashlib.sha256).digest()


def _create(start):
    """Return the secret of a period, writing a new one if it has none yet (two writers agree on one file)."""
    path = _path(start)
    existing = _read(path)
    if existing is not None:
        return existing
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        since = path.parent / SINCE
        if not since.exists():
            since.write_text(f"{start:%Y-%m-%d}\n")
        secret = secrets.token_bytes(SECRET_BYTES)
        temporary = path.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secret.hex() + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(temporary, path)  # never replaces a key another process wrote first
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
        _sync_directory(path.parent)
        return _read(path)


def _sync_directory(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def live():
    """Return [(period start, secret)] of every key file present, newest first."""
    folder = directory()
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _NAME.fullmatch(path.name)
            secret = _read(path) if match else None
            if secret is not None:
                found.append((datetime.datetime.strptime(match.group(1), "%Y-%m-%d"), secret))
    return sorted(found, reverse=True)


def ring(now=None, create=True):
    """Return the Ring of keys to store under (the current period's, made if missing) and match with.

    ``create=False`` only reads: the keys alive, newest first (what someone holding the disk has).
    """
    if not create:
        return Ring(_derive(s, secret) for s, secret in live())
    now = now or clock.now()
    start = period_start(now)
    current = _create(start)
    others = [_derive(s, secret) for s, secret in live() if s != start]
    return Ring([_derive(start, current), *others, *_legacy(now)])


def _legacy(now):
    """PII_KEY alone, to match (never to store) fingerprints made before the weekly keys, while any can be left."""
    try:
        since = datetime.datetime.strptime((directory() / SINCE).read_text().strip(), "%Y-%m-%d")
    except (OSError, ValueError):
        return []
    return [_config["pii_key"]] if now < since + PERIOD + _config["retention"] else []


def destroy_before(cutoff):
    """Overwrite and remove the key of every period that ended at or before ``cutoff``; return their starts."""
    destroyed = []
    for start, _secret in live():
        if start + PERIOD <= cutoff:
            path = _path(start)
            with open(path, "r+b") as f:
                f.write(b"\0" * (SECRET_BYTES * 2 + 1))
                f.flush()
                os.fsync(f.fileno())
            path.unlink()
            destroyed.append(start)
    if destroyed:
        _sync_directory(directory())
    return sorted(destroyed)


def _box(start, secret):
    return SecretBox(hmac.new(_derive(start, secret), b"nuantu-pii-seal", hashlib.sha256).digest())


def seal(text, now=None):
    """Encrypt a short text (a last four) under the current period's key; return 'YYYY-MM-DD:base64'."""
    start = period_start(now or clock.now())
    sealed = _box(start, _create(start)).encrypt(text.encode())
    return f"{start:%Y-%m-%d}:{base64.b64encode(bytes(sealed)).decode()}"


def unseal(sealed):
    """Return the text sealed by ``seal``, or None once its period's key is destroyed (or it is damaged)."""
    try:
        day, _, body = sealed.partition(":")
        start = datetime.datetime.strptime(day, "%Y-%m-%d")
        secret = _read(_path(start))
        if secret is None:
            return None
        return _box(start, secret).decrypt(base64.b64decode(body, validate=True)).decode()
    except (ValueError, TypeError, AttributeError, binascii.Error, CryptoError):
        return None
