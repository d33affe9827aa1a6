"""Secrets people type (volunteer PINs, office passwords): scrypt hashes and a lockout.

PINs and passwords are hashed with scrypt (stdlib, memory-hard) into a
self-describing string. Five wrong tries lock that account for fifteen
minutes; the counter and the lock are columns of the account's own row, so
pulling the plug does not reset them. The kiosk's volunteers and the central
office's users both keep them this way.
"""

import dataclasses
import datetime
import functools
import hashlib
import hmac
import secrets

MAX_FAILURES = 5
LOCKOUT = datetime.timedelta(minutes=15)
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_secret(secret):
    """Return a self-describing scrypt hash of a PIN or password."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def secret_matches(secret, stored):
    """Return True if the secret matches the stored hash (constant-time compare)."""
    _scheme, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


@functools.cache
def _decoy_hash():
    return hash_secret(secrets.token_urlsafe(16))


def spend_like_a_check(secret):
    """Take as long as a real check, for a name that has no account (no timing hint)."""
    secret_matches(secret, _decoy_hash())


@dataclasses.dataclass(frozen=True)
class Attempt:
    """How one try went: accepted, or refused with tries left or minutes locked."""

    accepted: bool
    tries_left: int = 0
    locked_minutes: int = 0


def attempt(account, secret, stored_hash, now):
    """Check a typed secret against an account's hash and record the outcome on the account.

    ``account`` is a peewee row with ``failed_attempts``, ``locked_until`` and
    ``last_sign_in``; it is saved, so call this inside the transaction that
    reads it. A wrong secret is counted even when the caller then refuses.
    """
    if account.locked_until and account.locked_until > now:
        return Attempt(False, locked_minutes=max(1, round((account.locked_until - now).total_seconds() / 60)))
    if secret_matches(secret, stored_hash):
        account.failed_attempts, account.locked_until, account.last_sign_in = 0, None, now
        account.save()
        return Attempt(True)
    account.failed_attempts += 1
    if account.failed_attempts >= MAX_FAILURES:
        account.failed_attempts, account.locked_until = 0, now + LOCKOUT
        account.save()
        return Attempt(False, locked_minutes=int(LOCKOUT.total_seconds() // 60))
    account.save()
    return Attempt(False, tries_left=MAX_FAILURES - account.failed_attempts)
