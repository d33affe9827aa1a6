"""Volunteers and station managers: PIN sign-in with a lockout that survives a reboot.

PINs are hashed and checked by ``kiosk.credentials`` (scrypt; five wrong PINs
lock that person out for fifteen minutes, recorded in the database so pulling
the plug does not reset them), the same rules as the central office's users.
"""

from kiosk import clock
from kiosk import credentials
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.models import Volunteer
from kiosk.models import database

ROLES = ("volunteer", "manager")
PIN_LENGTHS = range(4, 9)
# PINs anyone would try first.
WEAK_PINS = {"1234", "12345", "123456", "4321", "654321", "1111", "0000", "2580", "1212", "5201314"}


class SignInRefused(DomainError):
    status = 403


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
        return Volunteer.create(name=name, pin_hash=credentials.hash_secret(pin), role=role)


def set_active(volunteer_id, active, acting_manager_id=None):
    """Enable or disable a volunteer; a manager cannot disable themself."""
    if not active and volunteer_id == acting_manager_id:
        raise DomainError(N_("You cannot disable yourself."))
    updated = Volunteer.update(active=active).where(Volunteer.id == volunteer_id).execute()
    if not updated:
        raise NotFound(N_("No such volunteer."))


def find(name_or_id):
    """Return the volunteer with this id (digits) or name, or raise NotFound."""
    text = str(name_or_id or "").strip()
    query = Volunteer.id == int(text) if text.isdigit() else Volunteer.name == text
    person = Volunteer.select().where(query).order_by(Volunteer.active.desc(), Volunteer.id.desc()).first()
    if person is None:
        raise NotFound(N_("No such volunteer."))
    return person


def reset_pin(volunteer_id, pin):
    """Give a volunteer a new PIN (they forgot it) and lift any lockout; return them."""
    check_new_pin(pin)
    with database.atomic():
        updated = Volunteer.update(pin_hash=credentials.hash_secret(pin), failed_attempts=0, locked_until=None).where(
            Volunteer.id == volunteer_id).execute()
    if not updated:
        raise NotFound(N_("No such volunteer."))
    return Volunteer.get_by_id(volunteer_id)


def sign_in(volunteer_id, pin, now=None):
    """Check a PIN; return the volunteer or raise SignInRefused with what to do.

    A wrong PIN is recorded before the refusal is raised, so the count of
    failures is committed and a lockout cannot be dodged.
    """
    now = now or clock.now()
    with database.atomic():
        person = Volunteer.get_or_none(Volunteer.id == volunteer_id, Volunteer.active == True)  # noqa: E712
        if person is None:
            raise SignInRefused(N_("Please choose your name from the list."))
        tried = credentials.attempt(person, pin or "", person.pin_hash, now)
    if tried.locked_minutes:
        raise SignInRefused(N_("Too many wrong PINs. Try again in %(minutes)s minutes."), minutes=tried.locked_minutes)
    if not tried.accepted:
        raise SignInRefused(N_("Wrong PIN. %(left)s tries left."), left=tried.tries_left)
    return person


def active_volunteer(volunteer_id):
    """Return the active volunteer with this id, or None (disabled people lose access at once)."""
    if volunteer_id is None:
        return None
    return Volunteer.get_or_none(Volunteer.id == volunteer_id, Volunteer.active == True)  # noqa: E712
