"""The office's registry of kiosks: add, list, remove, and which ones have gone quiet."""

import datetime
import json
from dataclasses import dataclass

from peewee import IntegrityError

from kiosk.central.models import History
from kiosk.central.models import Kiosk
from kiosk.central.models import KioskSoftware
from kiosk.central.models import Station
from kiosk.central.models import utcnow
from kiosk.central.models import write_transaction
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.sync import wire

BUNDLE_ONLY = "-"  # the URL given for a kiosk that only sends USB bundles


def register(name, url, token):
    """Register a kiosk to pull from (url ``-`` for bundles only); return it."""
    name = name.strip()
    if not name or len(name) > 64:
        raise DomainError(N_("A kiosk needs a name of at most 64 characters."))
    url, token = _clean_url(url), _clean_token(token)
    try:
        with write_transaction():
            return Kiosk.create(name=name, url=url, token=token, key_id=wire.key_id(token))
    except IntegrityError:
        raise Conflict(N_("A kiosk named %(name)s is already registered."), name=name) from None


def register_in_transaction(name, url, token):
    """Register a kiosk inside the caller's write transaction (``fleet plan``: all or none)."""
    return Kiosk.create(name=name, url=_clean_url(url), token=_clean_token(token), key_id=wire.key_id(token))


def update(name, url=None, token=None):
    """Change a registered kiosk's address or token (after a kiosk was re-installed)."""
    kiosk = get(name)
    changes = {}
    if url is not None:
        changes[Kiosk.url] = _clean_url(url)
    if token is not None:
        changes[Kiosk.token] = _clean_token(token)
        changes[Kiosk.key_id] = wire.key_id(changes[Kiosk.token])
    if changes:
        with write_transaction():
            Kiosk.update(changes).where(Kiosk.id == kiosk.id).execute()
    return Kiosk.get_by_id(kiosk.id)


def _clean_url(url):
    url = url.strip().rstrip("/")
    if url == BUNDLE_ONLY:
        return ""
    if not url.startswith(("http://", "https://")):
        raise DomainError(N_("The address must start with http:// or https:// (or be - for USB bundles only)."))
    return url


def _clean_token(token):
    token = token.strip()
    if len(token) < 16:
        raise DomainError(N_("That token is too short: copy it from `flask --app kiosk sync info` on the kiosk."))
    return token


def get(name):
    """Return the registered kiosk with this name or refuse."""
    kiosk = Kiosk.by_name(name)
    if kiosk is None:
        raise NotFound(N_("No kiosk named %(name)s is registered."), name=name)
    return kiosk


def remove(name):
    """Forget a kiosk's address and token; the counts it sent stay."""
    kiosk = get(name)
    with write_transaction():
        History.update(registered=None).where(History.registered == kiosk).execute()
        kiosk.delete_instance()


def pullable():
    """Return every kiosk with an address, in name order."""
    return list(Kiosk.select().where(Kiosk.url != "").order_by(Kiosk.name))


@dataclass(frozen=True)
class Status:
    """How a registered kiosk is doing, for the list and the dashboard's warnings."""

    name: str
    url: str
    station: str
    kiosk_id: str
    last_success_at: datetime.datetime | None
    error: str
    error_params: dict
    clock_skew: int | None
    stale: bool
    station_code: str = ""
    county_code: str = ""  # "" until the kiosk has sent its station
    last_attempt_at: datetime.datetime | None = None
    failures: int = 0
    kiosk: Kiosk | None = None
    version: str = ""  # the app release it last said it runs (nightly pull or fleet update)

    @property
    def clock_off(self):
        """Whether the kiosk's clock was more than ten minutes off at its last pull."""
        return self.clock_skew is not None and abs(self.clock_skew) > 600

    @property
    def clock_days(self):
        """The clock error in days, for the warning."""
        return round((self.clock_skew or 0) / 86400, 1)


def statuses(stale_days, now=None):
    """Return every registered kiosk's status, stale ones first (three queries in all)."""
    now = now or utcnow()
    limit = now - datetime.timedelta(days=stale_days)
    latest = {}
    histories = History.select(History, Station).join(Station).order_by(History.last_received_at, History.id)
    for history in histories:
        latest[history.registered_id] = history  # later rows replace earlier ones
    versions = dict(KioskSoftware.select(KioskSoftware.kiosk, KioskSoftware.version).tuples())
    result = []
    for kiosk in Kiosk.select().order_by(Kiosk.name):
        history = latest.get(kiosk.id)
        result.append(
            Status(
                name=kiosk.name,
                url=kiosk.url,
                station=history.station.name if history else "",
                kiosk_id=history.kiosk_id if history else "",
                last_success_at=kiosk.last_success_at,
                error=kiosk.last_error,
                error_params=json.loads(kiosk.last_error_params or "{}"),
                clock_skew=history.clock_skew if history else None,
                stale=kiosk.last_success_at is None or kiosk.last_success_at < limit,
                station_code=history.station.code if history else "",
                county_code=history.station.county_code if history else "",
                last_attempt_at=kiosk.last_attempt_at,
                failures=kiosk.failures,
                kiosk=kiosk,
                version=versions.get(kiosk.id, ""),
            )
        )
    return sorted(result, key=lambda s: (not s.stale, not s.error, s.name))
