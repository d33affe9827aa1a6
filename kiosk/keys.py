"""The office's keys, in one small place: Ed25519 signatures and sealed boxes (PyNaCl).

The central office holds an Ed25519 signing key. With it, it signs what it
publishes to kiosks (job postings, fairs, trips, notices); kiosks hold its
public key from provisioning and check every item. The same key pair, turned
into its Curve25519 form (libsodium's ``crypto_sign_ed25519_*_to_curve25519``),
is what a kiosk seals a wage-arrears tip to: a sealed box that only the office's
private key opens, so neither the kiosk after sending nor the sync path can read
it. One key pair per office key id keeps provisioning to one line of text.

Keys travel as base64 text; a key id is a short public fingerprint so that a
signature, or a sealed tip, names the key it needs. Private keys live in files
(mode 0600), never in a database.
"""

import base64
import binascii
import hashlib
import os
from pathlib import Path

from nacl.exceptions import BadSignatureError
from nacl.exceptions import CryptoError
from nacl.public import SealedBox
from nacl.signing import SigningKey
from nacl.signing import VerifyKey


class BadKey(ValueError):
    """A key that is not a key (wrong length, not base64)."""


def generate():
    """Return a new Ed25519 signing key."""
    return SigningKey.generate()


def _b64(raw):
    return base64.b64encode(raw).decode()


def _unb64(text, length):
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, AttributeError, ValueError):
        raise BadKey("not base64") from None
    if len(raw) != length:
        raise BadKey(f"a key is {length} bytes, not {len(raw)}")
    return raw


def public_text(signing_key):
    """Return the public (verify) key of a signing key as base64 text."""
    return _b64(bytes(signing_key.verify_key))


def private_text(signing_key):
    """Return the private seed of a signing key as base64 text."""
    return _b64(bytes(signing_key))


def load_private(text):
    """Return the signing key of base64 seed text."""
    return SigningKey(_unb64(text, 32))


def load_public(text):
    """Return the verify key of base64 text; raise BadKey for anything else."""
    return VerifyKey(_unb64(text, 32))


def key_id(public):
    """Return the 16-hex-digit id of a public key (text or VerifyKey)."""
    raw = bytes(public) if isinstance(public, VerifyKey) else _unb64(public, 32)
    return hashlib.sha256(b"nuantu-office-key:" + raw).hexdigest()[:16]


def sign(data, signing_key):
    """Return the base64 Ed25519 signature of bytes."""
    return _b64(signing_key.sign(data).signature)


def verify(data, signature, public):
    """Return True if signature (base64) is the signature of data by the public key (text)."""
    try:
        load_public(public).verify(data, _unb64(signature, 64))
    except (BadSignatureError, BadKey, TypeError):
        return False
    return True


def seal(plaintext, public):
    """Seal bytes to a public key (text): only its private key opens the result (base64)."""
    box = SealedBox(load_public(public).to_curve25519_public_key())
    return _b64(box.encrypt(plaintext))


def unseal(sealed, signing_key):
    """Open a sealed box (base64) with a signing key; raise ValueError if it is not ours or damaged."""
    try:
        raw = base64.b64decode(sealed, validate=True)
        return SealedBox(signing_key.to_curve25519_private_key()).decrypt(raw)
    except (binascii.Error, CryptoError, TypeError) as error:
        raise ValueError("cannot open this sealed box") from error


def write_private(path, signing_key):
    """Write a signing key to a new file readable by its owner only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(private_text(signing_key) + "\n")
        f.flush()
        os.fsync(f.fileno())


def read_private(path):
    """Read a signing key written by write_private."""
    return load_private(Path(path).read_text())
