"""Volunteers and station managers: PIN sign-in with a lockout that survives a reboot.

PINs are hashed and checked by ``kiosk.credentials`` (scrypt; five wrong PINs
lock that person out for fifteen minutes, recorded in the database so pulling
the plug does not reset them), the same rules as the central office's users.

Where a PIN is typed matters. At the console (``CONSOLE``) it opens the
console; at the public worker screen (``SCREEN``: a manager's override of a
gift-pack rule) anyone can type. Each path counts its own wrong tries, so
someone at the public screen can lock a manager's PIN *at the screen* but
never keep the manager out of the console; a manager can lift either lock
from the console's roster, and ``flask volunteers unlock`` does it at the
kiosk's shell. Managers' PINs are at least six digits.

Each *device* counts too (``devices``: the browser's device cookie, and the
address it comes from, so a browser that drops its cookie still counts on its
address; the kiosk's own screen is 127.0.0.1, a tablet its own address). Ten
wrong PINs on one device within fifteen minutes (thirty from one address, which
several tablets may share) lock that device's path, the screen's or the
console's, for fifteen minutes, then thirty, sixty… up to eight hours: going
through the roster five PINs a person is no way round the lock. The screen's
lock never touches the console's, a station manager who signs in at the
console lifts that device's locks, and ``flask volunteers unlock-devices`` lifts
them all.

A console session carries the person's ``session_epoch``; signing out,
being disabled and a new PIN add one to it, so every copy of an old session
cookie stops working at once (``session_is_current``).
"""

import datetime

from kiosk import clock
from kiosk import credentials
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.models import PinDevice
from kiosk.models import Volunteer
from kiosk.models import database

ROLES = ("volunteer", "manager")
PIN_LENGTHS = {"volunteer": range(4, 9), "manager": range(6, 9)}
CONSOLE, SCREEN = "console", "screen"
PATHS = {CONSOLE: "", SCREEN: "screen_"}  # the counters' column prefix on the volunteer row
# PINs anyone would try first.
WEAK_PINS = {"1234", "12345", "123456", "4321", "654321", "1111", "0000", "2580", "1212", "5201314"}


DEVICE_MAX_FAILURES = {"cookie": 10, "addr": 30}  # by the kind of device key, its prefix
DEVICE_WINDOW = datetime.timedelta(minutes=15)  # wrong PINs further apart than this are forgotten
DEVICE_LOCK = datetime.timedelta(minutes=15)  # the first lock; each one in a row lasts twice as long
DEVICE_LONGEST_LOCK = datetime.timedelta(hours=8)
DEVICE_QUIET = datetime.timedelta(hours=24)  # a device with no wrong PIN this long starts again at 15 minutes


class SignInRefused(DomainError):
    status = 403


def check_new_pin(pin, role="volunteer"):
    """Refuse PINs that are not 4–8 digits (6–8 for a manager) or that anyone would guess."""
    pin = pin or ""
    if not (pin.isascii() and pin.isdigit() and len(pin) in PIN_LENGTHS["volunteer"]):
        raise DomainError(N_("A PIN is 4 to 8 digits."))
    if len(pin) not in PIN_LENGTHS.get(role, PIN_LENGTHS["manager"]):
        raise DomainError(N_("A station manager's PIN is 6 to 8 digits."))
    if pin in WEAK_PINS or len(set(pin)) == 1:
        raise DomainError(N_("That PIN is too easy to guess. Choose another."))


def add(name, pin, role="volunteer"):
    """Create a volunteer; return it."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 32 or not name.isprintable():
        raise DomainError(N_("A name is 1 to 32 characters."))
    if role not in ROLES:
        raise DomainError(N_("Unknown role."))
    check_new_pin(pin, role)
    with database.atomic():
        if Volunteer.select().where(Volunteer.name == name, Volunteer.active == True).exists():  # noqa: E712
            raise DomainError(N_("Someone called %(name)s is already signed up."), name=name)
        return Volunteer.create(name=name, pin_hash=credentials.hash_secret(pin), role=role)


def set_active(volunteer_id, active, acting_manager_id=None):
    """Enable or disable a volunteer; a manager cannot disable themself."""
    if not active and volunteer_id == acting_manager_id:
        raise DomainError(N_("You cannot disable yourself."))
    changes = {"active": active}
    if not active:  # a disabled person's open sessions end now
        changes["session_epoch"] = Volunteer.session_epoch + 1
    with database.atomic():
        updated = Volunteer.update(changes).where(Volunteer.id == volunteer_id).execute()
    if not updated:
        raise NotFound(N_("No such volunteer."))


def set_pin(volunteer_id, pin):
    """Give someone a new PIN (and lift their locks); their open sessions end."""
    person = Volunteer.get_or_none(Volunteer.id == volunteer_id)
    if person is None:
        raise NotFound(N_("No such volunteer."))
    check_new_pin(pin, person.role)
    pin_hash = credentials.hash_secret(pin)  # scrypt before the write, never inside it
    with database.atomic():
        Volunteer.update(pin_hash=pin_hash, session_epoch=Volunteer.session_epoch + 1, **_UNLOCKED).where(
            Volunteer.id == volunteer_id).execute()


_UNLOCKED = {"failed_attempts": 0, "locked_until": None, "screen_failed_attempts": 0, "screen_locked_until": None}


def unlock(volunteer_id):
    """Lift both PIN locks of one person (a manager at the console, or the CLI)."""
    with database.atomic():
        updated = Volunteer.update(**_UNLOCKED).where(Volunteer.id == volunteer_id).execute()
    if not updated:
        raise NotFound(N_("No such volunteer."))


def is_locked(person, now=None):
    """Return which paths ("console", "screen") have this person locked now."""
    now = now or clock.now()
    return [path for path, prefix in PATHS.items()
            if (getattr(person, f"{prefix}locked_until") or now) > now]


def end_sessions(volunteer_id):
    """End every open console session of one person (signing out does this)."""
    with database.atomic():
        Volunteer.update(session_epoch=Volunteer.session_epoch + 1).where(Volunteer.id == volunteer_id).execute()


def session_is_current(person, epoch):
    """Return True if a session stamped with ``epoch`` still belongs to this person's open sessions."""
    return person is not None and epoch == person.session_epoch


def sign_in(volunteer_id, pin, now=None, at=CONSOLE, devices=()):
    """Check a PIN typed at the console or the screen; return the volunteer or raise SignInRefused.

    A wrong PIN is recorded before the refusal is raised, so the count of
    failures is committed and a lockout cannot be dodged. ``at`` says where the
    PIN was typed: each place has its own count and lock. The PIN is checked
    outside any write transaction, so a sign-in never waits on, nor makes
    wait, a voucher being issued. ``devices`` are the keys of the device it
    was typed on (``kiosk.views.console.devices``); each counts its wrong PINs.
    """
    now = now or clock.now()
    devices = tuple(d for d in devices if d)
    person = Volunteer.get_or_none(Volunteer.id == volunteer_id, Volunteer.active == True)  # noqa: E712
    if person is None:
        raise SignInRefused(N_("Please choose your name from the list."))
    locked = device_locked_minutes(devices, at, now)
    if locked:
        raise SignInRefused(N_("Too many wrong PINs on this device. Try again in %(minutes)s minutes, "
                               "or ask a station manager."), minutes=locked)
    tried = credentials.attempt(person, pin or "", person.pin_hash, now, path=PATHS[at])
    if not tried.accepted and not tried.locked_minutes:
        _count_device_failure(devices, at, now)
    if tried.locked_minutes:
        raise SignInRefused(N_("Too many wrong PINs. Try again in %(minutes)s minutes."), minutes=tried.locked_minutes)
    if not tried.accepted:
        raise SignInRefused(N_("Wrong PIN. %(left)s tries left."), left=tried.tries_left)
    if person.role == "manager" and at == CONSOLE and devices:
        unlock_devices(devices)  # a station manager at this device lifts its locks
    return person


def device_locked_minutes(devices, at, now=None):
    """Return the minutes left on the longest lock of these devices for a path, or 0."""
    now = now or clock.now()
    until = [row.locked_until for row in PinDevice.select().where(PinDevice.device.in_(devices), PinDevice.path == at)
             if row.locked_until is not None and row.locked_until > now]
    return credentials.minutes_left(max(until), now) if until else 0


def _count_device_failure(devices, at, now):
    """Count a wrong PIN against each device key; lock a device that reaches its limit, longer each time."""
    with database.atomic():
        for device in devices:
            row = PinDevice.get_or_none(PinDevice.device == device, PinDevice.path == at)
            if row is None:
                row = PinDevice.create(device=device, path=at, failed_attempts=0, window_start=now)
            if row.window_start is None or now - row.window_start > DEVICE_WINDOW:
                locks = 0 if row.window_start is None or now - row.window_start > DEVICE_QUIET else row.locks
                row.failed_attempts, row.window_start, row.locks = 0, now, locks
            row.failed_attempts += 1
            if row.failed_attempts >= DEVICE_MAX_FAILURES.get(device.split(":", 1)[0], DEVICE_MAX_FAILURES["cookie"]):
                row.locked_until = now + min(DEVICE_LOCK * 2 ** row.locks, DEVICE_LONGEST_LOCK)
                row.locks += 1
                row.failed_attempts, row.window_start = 0, now
            row.save()


def unlock_devices(devices=None):
    """Lift the PIN locks of these devices (every device: None); return how many were locked."""
    query = PinDevice.delete()
    if devices is not None:
        query = query.where(PinDevice.device.in_(tuple(devices)))
    with database.atomic():
        locked = PinDevice.select().where(PinDevice.locked_until.is_null(False))
        if devices is not None:
            locked = locked.where(PinDevice.device.in_(tuple(devices)))
        count = locked.count()
        query.execute()
    return count


def active_volunteer(volunteer_id):
    """Return the active volunteer with this id, or None (disabled people lose access at once)."""
    if volunteer_id is None:
        return None
    return Volunteer.get_or_none(Volunteer.id == volunteer_id, Volunteer.active == True)  # noqa: E712
