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


def attempt(account, secret, stored_hash, now, path="", check=None):
    """Check a typed secret against an account's hash and record the outcome on the account.

    ``account`` is a peewee row with ``failed_attempts``, ``locked_until`` and
    ``last_sign_in`` (``path`` names another pair of counters on the same row,
    e.g. ``screen_`` for PINs typed at the public screen). Call it OUTSIDE any
    transaction: the hash (tens of milliseconds of scrypt) is checked first,
    then the outcome is written in one short write transaction that re-reads
    the counters, so a wrong try is counted even when others sign in at once,
    and no writer waits on scrypt. ``check(secret, stored_hash)`` compares
    (default: this module's scrypt format, the PINs').
    """
    failed, locked = f"{path}failed_attempts", f"{path}locked_until"
    if _locked(getattr(account, locked), now):
        return Attempt(False, locked_minutes=_minutes_left(getattr(account, locked), now))
    matched = (check or secret_matches)(secret, stored_hash)
    model = type(account)
    row = model.id == account.id
    with model._meta.database.atomic():
        fresh = model.get_or_none(row)
        if fresh is None:
            return Attempt(False, tries_left=0)
        if _locked(getattr(fresh, locked), now):  # locked by a try that finished first
            return Attempt(False, locked_minutes=_minutes_left(getattr(fresh, locked), now))
        if matched:
            model.update({failed: 0, locked: None, "last_sign_in": now}).where(row).execute()
            return Attempt(True)
        column = getattr(model, failed)
        model.update({failed: column + 1}).where(row).execute()  # in SQL: two offices' tries both count
        count = model.select(column).where(row).scalar()
        if count >= MAX_FAILURES:
            model.update({failed: 0, locked: now + LOCKOUT}).where(row).execute()
            return Attempt(False, locked_minutes=int(LOCKOUT.total_seconds() // 60))
        return Attempt(False, tries_left=MAX_FAILURES - count)


def _locked(until, now):
    return until is not None and until > now


def minutes_left(until, now):
    """Return whole minutes (at least 1) until a lock ends."""
    return _minutes_left(until, now)


def _minutes_left(until, now):
    return max(1, round((until - now).total_seconds() / 60))
