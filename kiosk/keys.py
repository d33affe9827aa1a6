"""Ed25519 keys: where they are kept, how they are made, signing and checking.

One small place for every signing key of the project (PyNaCl), so each key
is generated, stored and loaded the same way:

- the office's **release key** signs app releases (``kiosk.central.releases``);
  kiosks hold only its public half (``RELEASE_PUBLIC_KEY``) and install
  nothing it did not sign;
- other keys (signed help content, ...) use the same functions under their
  own file name: one key per purpose, never shared.

A private key is a file of 64 hex characters (the 32-byte seed), mode 0600,
made by the machine that uses it and never typed; a public key travels as 64
hex characters. ``key_id`` names a public key in manifests and logs.
"""

import hashlib
import os
import tempfile
from pathlib import Path

import nacl.exceptions
import nacl.signing

SEED_BYTES = 32


class KeyError_(Exception):
    """A key file or key text that cannot be used; the message says why."""


def generate(path):
    """Make a new private key at ``path`` (0600, atomically); refuse to overwrite one."""
    path = Path(path)
    if path.exists():
        raise KeyError_(f"{path} exists already: a key is never replaced silently")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = nacl.signing.SigningKey.generate()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(bytes(key).hex() + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)  # fails if someone made one meanwhile
    finally:
        os.unlink(tmp)
    return key


def load_private(path):
    """Return the signing key stored at ``path``."""
    path = Path(path)
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        raise KeyError_(f"no key at {path}") from None
    if path.stat().st_mode & 0o077:
        raise KeyError_(f"{path} is readable by others: chmod 600 it")
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        raise KeyError_(f"{path} does not hold a key in hex") from None
    if len(seed) != SEED_BYTES:
        raise KeyError_(f"{path} does not hold a 32-byte Ed25519 key")
    return nacl.signing.SigningKey(seed)


def load_or_generate(path):
    """Return the key at ``path``, making it first if there is none."""
    try:
        return generate(path)
    except KeyError_:
        return load_private(path)


def public_text(key):
    """The public half of a signing key, as the hex text kiosks are given."""
    return bytes(key.verify_key).hex()


def load_public(text):
    """Return the verify key for hex ``text`` (64 characters)."""
    try:
        raw = bytes.fromhex((text or "").strip())
    except ValueError:
        raise KeyError_("a public key is 64 hex characters") from None
    if len(raw) != SEED_BYTES:
        raise KeyError_("a public key is 64 hex characters")
    return nacl.signing.VerifyKey(raw)


def key_id(verify_key):
    """A short name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(bytes(verify_key)).hexdigest()[:16]


def sign(key, message):
    """The detached Ed25519 signature of ``message`` (bytes), 64 bytes."""
    return key.sign(message).signature


def verify(verify_key, message, signature):
    """True when ``signature`` is ``verify_key``'s signature of ``message``."""
    try:
        verify_key.verify(message, signature)
        return True
    except (nacl.exceptions.BadSignatureError, ValueError, TypeError):
        return False
