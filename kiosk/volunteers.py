"""Volunteers and station managers: PIN sign-in with a lockout that survives a reboot.

PINs are hashed with scrypt (stdlib, memory-hard). Five wrong PINs lock that
person out for fifteen minutes; the counter and the lock live in the database
so pulling the plug does not reset them.
"""

import datetime
import hashlib
import hmac
import secrets

from kiosk import clock
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.models import Volunteer
from kiosk.models import database

ROLES = ("volunteer", "manager")
MAX_FAILURES = 5
LOCKOUT = datetime.timedelta(minutes=15)
PIN_LENGTHS = range(4, 9)
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
# PINs anyone would try first.
WEAK_PINS = {"1234", "12345", "123456", "4321", "654321", "1111", "0000", "2580", "1212", "5201314"}


class SignInRefused(DomainError):
    status = 403


def hash_pin(pin):
    """Return a self-describing scrypt hash of a PIN."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, dklen=32, **SCRYPT)
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${salt.hex()}${digest.hex()}"


def pin_matches(pin, stored):
    """Return True if the PIN matches the stored hash (constant-time compare)."""
    _scheme, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), dklen=32, n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)


def check_new_pin(pin):
    """Refuse PINs that are not 4–8 digits or that anyone would guess."""
    if not (pin.isascii() and pin.isdigit() and len(pin) in PIN_LENGTHS):
        raise DomainError(N_("A PIN is 4 to 8 digits."))
    if pin in WEAK_PINS or len(set(pin)) == 1:
        raise DomainError(N_("That PIN is too easy to guess. Choose another."))


def add(name, pin, role="volunteer"):
    """Create a volunteer; return it."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 32 or not name.isprintable():
        raise DomainError(N_("A name is 1 to 32 characters."))
    if role not in ROLES:
        raise DomainError(N_("Unknown role."))
    check_new_pin(pin)
    with database.atomic():
        if Volunteer.select().where(Volunteer.name == name, Volunteer.active == True).exists():  # noqa: E712
            raise DomainError(N_("Someone called %(name)s is already signed up."), name=name)
        return Volunteer.create(name=name, pin_hash=hash_pin(pin), role=role)


def set_active(volunteer_id, active, acting_manager_id=None):
    """Enable or disable a volunteer; a manager cannot disable themself."""
    if not active and volunteer_id == acting_manager_id:
        raise DomainError(N_("You cannot disable yourself."))
    updated = Volunteer.update(active=active).where(Volunteer.id == volunteer_id).execute()
    if not updated:
        raise NotFound(N_("No such volunteer."))


def sign_in(volunteer_id, pin, now=None):
    """Check a PIN; return the volunteer or raise SignInRefused with what to do.

    A wrong PIN is recorded before the refusal is raised, so the count of
    failures is committed and a lockout cannot be dodged.
    """
    now = now or clock.now()
    with database.atomic():
        person = Volunteer.get_or_none(Volunteer.id == volunteer_id, Volunteer.active == True)  # noqa: E712
        refusal = _refusal(person, pin or "", now)
        if refusal is None:
            person.failed_attempts, person.locked_until, person.last_sign_in = 0, None, now
            person.save()
    if refusal is not None:
        raise SignInRefused(*refusal[:1], **refusal[1])
    return person


def _refusal(person, pin, now):
    """Return (message, params) if sign-in must be refused, recording a failure; else None."""
    if person is None:
        return N_("Please choose your name from the list."), {}
    locked = N_("Too many wrong PINs. Try again in %(minutes)s minutes.")
    if person.locked_until and person.locked_until > now:
        return locked, {"minutes": max(1, round((person.locked_until - now).total_seconds() / 60))}
    if pin_matches(pin, person.pin_hash):
        return None
    person.failed_attempts += 1
    if person.failed_attempts >= MAX_FAILURES:
        person.failed_attempts, person.locked_until = 0, now + LOCKOUT
        person.save()
        return locked, {"minutes": int(LOCKOUT.total_seconds() // 60)}
    person.save()
    return N_("Wrong PIN. %(left)s tries left."), {"left": MAX_FAILURES - person.failed_attempts}


def active_volunteer(volunteer_id):
    """Return the active volunteer with this id, or None (disabled people lose access at once)."""
    if volunteer_id is None:
        return None
    return Volunteer.get_or_none(Volunteer.id == volunteer_id, Volunteer.active == True)  # noqa: E712
