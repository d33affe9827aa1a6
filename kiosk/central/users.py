"""Office users: who may open the dashboard, with a password and a lockout that survives a restart.

Added, listed and disabled from the command line (``flask --app kiosk.central
users …``); there is no way in without one. Passwords are hashed with
werkzeug's maintained hasher at OWASP's current scrypt cost (N=2**17, r=8,
p=1: 128 MiB a try); a hash made before (kiosk.credentials' N=2**14 format) is
still accepted and replaced at that user's next sign-in. Tries are counted by
``kiosk.credentials``, as the kiosk does for volunteers' PINs.
"""

import functools
import secrets

from peewee import IntegrityError
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from kiosk import clock
from kiosk import credentials
from kiosk.central.models import OfficeUser
from kiosk.central.models import write_transaction
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound

MIN_PASSWORD = 8
PASSWORD_METHOD = "scrypt:131072:8:1"  # OWASP Password Storage Cheat Sheet's scrypt minimum


def hash_password(password):
    """Return werkzeug's self-describing hash of an office password at today's cost."""
    return generate_password_hash(password, method=PASSWORD_METHOD)


def password_matches(password, stored):
    """Check a password against a stored hash: werkzeug's, or the older kiosk.credentials format."""
    if stored.startswith("scrypt$"):
        return credentials.secret_matches(password, stored)
    return check_password_hash(stored, password)


def needs_rehash(stored):
    """Return True for a hash made at an older method or cost."""
    return not stored.startswith(PASSWORD_METHOD + "$")


class SignInRefused(DomainError):
    status = 403


def check_new_password(password):
    """Refuse a password shorter than MIN_PASSWORD characters."""
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(N_("A password is at least %(count)s characters."), count=MIN_PASSWORD)


def add(name, password):
    """Create an office user; return it."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 64 or not name.isprintable():
        raise DomainError(N_("A name is 1 to 64 characters."))
    check_new_password(password)
    try:
        with write_transaction():
            return OfficeUser.create(name=name, password_hash=hash_password(password))
    except IntegrityError:
        raise Conflict(N_("There is already an office user called %(name)s."), name=name) from None


@functools.cache
def _decoy_hash():
    return hash_password(secrets.token_urlsafe(16))


def roster():
    """Return every office user, by name."""
    return list(OfficeUser.select().order_by(OfficeUser.name))


def exists():
    """Return True once at least one active user can sign in."""
    return OfficeUser.select().where(OfficeUser.active == True).exists()  # noqa: E712


def set_active(name, active):
    """Disable (or enable again) the user called name; a disabled user is signed out at once."""
    with write_transaction():
        updated = OfficeUser.update(active=active).where(OfficeUser.name == name).execute()
    if not updated:
        raise NotFound(N_("There is no office user called %(name)s."), name=name)


def sign_in(name, password, now=None):
    """Check a name and password; return the user or raise SignInRefused with what to do.

    A wrong password is committed before the refusal is raised, so restarting
    the office's server does not reset the count. An unknown or disabled name
    gets the same answer as a wrong password, after the same work.
    """
    now = now or clock.now()
    password = password or ""
    user = OfficeUser.get_or_none(OfficeUser.name == (name or "").strip(), OfficeUser.active == True)  # noqa: E712
    tried = credentials.attempt(user, password, user.password_hash, now, check=password_matches) if user else None
    if tried is None:
        password_matches(password, _decoy_hash())  # as long as a real check: no hint that the name is unknown
    elif tried.locked_minutes:
        raise SignInRefused(N_("Too many wrong passwords. Try again in %(minutes)s minutes."), minutes=tried.locked_minutes)
    elif tried.accepted:
        if needs_rehash(user.password_hash):
            upgraded = hash_password(password)
            with write_transaction():
                OfficeUser.update(password_hash=upgraded).where(OfficeUser.id == user.id).execute()
        return user
    # The same words whether or not the name exists: the page does not confirm names.
    raise SignInRefused(
        N_("Wrong user name or password. After %(tries)s wrong tries a user is locked for %(minutes)s minutes."),
        tries=credentials.MAX_FAILURES,
        minutes=int(credentials.LOCKOUT.total_seconds() // 60),
    )


def active_user(user_id):
    """Return the active user with this id, or None (a disabled user loses access at once)."""
    if user_id is None:
        return None
    return OfficeUser.get_or_none(OfficeUser.id == user_id, OfficeUser.active == True)  # noqa: E712
