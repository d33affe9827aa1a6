"""Wage-arrears tips at the office: taken in sealed, opened only on a case worker's screen, audited.

A tip batch comes from a kiosk's evening session or a USB file; it is signed
with that kiosk's sync token, so the office checks it with the token it
registered. Each tip is stored as it came, sealed, once (a repeat is ignored).
Opening one needs the office's private key of the id it was sealed to; a tip
sealed to a key the office has lost says so with the key id. Every opening and
status change is a TipEvent with who and when.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from kiosk import clock
from kiosk import keys
from kiosk.central import content
from kiosk.central.help_models import CaseWorker
from kiosk.central.help_models import TipEvent
from kiosk.central.help_models import WageTip
from kiosk.central.models import Kiosk
from kiosk.central.models import OfficeUser
from kiosk.central.models import write_transaction
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.sync import sealed_wire

STATUSES = {
    "new": N_("New"),
    "contacted": N_("Contacted"),
    "referred": N_("Referred"),
    "resolved": N_("Resolved"),
}


class NotACaseWorker(DomainError):
    status = 403


@dataclass(frozen=True)
class Opened:
    """A tip opened for a case worker: its fields, or why it cannot be opened."""

    tip: WageTip
    fields: dict | None
    phone: str
    problem: str = ""
    problem_params: dict | None = None


def take(found, kiosk=None, now=None):
    """Store the tips of a verified, validated batch; return how many were new."""
    now = now or clock.now()
    new = 0
    with write_transaction():
        for envelope in found["tips"]:
            if WageTip.get_or_none(WageTip.tip_id == envelope["id"]) is not None:
                continue
            tip = WageTip.create(
                tip_id=envelope["id"], number=envelope["number"], kiosk_id=found["kiosk"],
                station_code=found["station"]["code"], county_code=found["station"]["county"],
                office_key=envelope["office_key"], day=envelope["day"], sealed=envelope["sealed"], received_at=now,
            )
            TipEvent.create(tip=tip, at=now, user="", action="received",
                            detail=kiosk.name if kiosk is not None else "")
            new += 1
    return new


def import_file(path):
    """Verify and store a tips file from a USB stick; return (kiosk, new tips)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise DomainError(N_("The file cannot be read: %(reason)s."), reason=error.strerror or str(error)) from None
    found = sealed_wire.parse(data)
    for kiosk in Kiosk.select().where(Kiosk.key_id == str(found.get("key", ""))):
        try:
            sealed_wire.verify(found, kiosk.token)
        except sealed_wire.TipsRefused:
            continue
        return kiosk, take(sealed_wire.validate(found), kiosk)
    raise sealed_wire.TipsRefused(N_("The signature does not match: the data was changed or comes from another kiosk."))


def is_case_worker(user):
    """Return True if this office user may open tips."""
    return user is not None and CaseWorker.select().where(CaseWorker.user == user).exists()


def grant(name, allowed=True):
    """Let an office user open tips (or stop them)."""
    user = OfficeUser.get_or_none(OfficeUser.name == name)
    if user is None:
        raise NotFound(N_("There is no office user called %(name)s."), name=name)
    with write_transaction():
        if allowed:
            CaseWorker.get_or_create(user=user)
        else:
            CaseWorker.delete().where(CaseWorker.user == user).execute()
    return user


def _require(user):
    if not is_case_worker(user):
        raise NotACaseWorker(N_("Only the labour-inspection users may see wage-arrears tips."))


def listing(user, status=None, counties=None):
    """Return the tips a case worker may see, newest first (``counties``: code prefixes of their scope)."""
    _require(user)
    query = WageTip.select().order_by(WageTip.received_at.desc(), WageTip.id.desc())
    if status:
        query = query.where(WageTip.status == status)
    tips = list(query)
    if counties is not None:
        tips = [t for t in tips if any(t.county_code.startswith(prefix) for prefix in counties)]
    return tips


def open_tip(instance_path, user, tip_id, now=None, counties=None):
    """Open a tip for a case worker and record that they did; a lost key gives the reason, not a crash.

    ``counties``: code prefixes of the area the worker may see; a tip from elsewhere is not found.
    """
    _require(user)
    tip = WageTip.get_or_none(WageTip.tip_id == tip_id)
    if tip is None or (counties is not None and not any(tip.county_code.startswith(p) for p in counties)):
        raise NotFound(N_("There is no such tip."))
    try:
        key = content.signing_key(instance_path, tip.office_key)
    except content.NoOfficeKey:
        _event_alone(tip, user, "unreadable", tip.office_key, now)
        return Opened(tip, None, "", N_("Cannot open: key id %(key)s is not held by this office."),
                      {"key": tip.office_key})
    try:
        fields = sealed_wire.open_sealed(tip.sealed, key)
    except (ValueError, json.JSONDecodeError):
        _event_alone(tip, user, "unreadable", "damaged", now)
        return Opened(tip, None, "", N_("Cannot open: the sealed tip is damaged."), {})
    phone = ""
    if fields.get("phone"):
        try:
            phone = keys.unseal(fields["phone"], key).decode()
        except ValueError:
            phone = ""
    _event_alone(tip, user, "opened", "", now)
    return Opened(tip, fields, phone)


def set_status(user, tip_id, status, note="", now=None):
    """Move a tip to a status, with a note; audited."""
    _require(user)
    if status not in STATUSES:
        raise DomainError(N_("Choose a status from the list."))
    note = " ".join((note or "").split())[:500]
    with write_transaction():
        updated = WageTip.update(status=status).where(WageTip.tip_id == tip_id).execute()
        if not updated:
            raise NotFound(N_("There is no such tip."))
        _event(WageTip.get(WageTip.tip_id == tip_id), user, "status", f"{status}: {note}" if note else status, now)


def _event(tip, user, action, detail, now):
    TipEvent.create(tip=tip, at=now or clock.now(), user=user.name, action=action, detail=detail)


def _event_alone(tip, user, action, detail, now):
    with write_transaction():
        _event(tip, user, action, detail, now)


def trail(tip):
    """Return a tip's audit trail, oldest first."""
    return list(TipEvent.select().where(TipEvent.tip == tip).order_by(TipEvent.at, TipEvent.id))


def check_batch(data, token):
    """Verify and validate a tip batch received over HTTP from a kiosk."""
    found = sealed_wire.parse(data)
    return sealed_wire.validate(sealed_wire.verify(found, token))


__all__ = ["STATUSES", "Opened", "check_batch", "grant", "import_file", "is_case_worker", "listing", "open_tip",
           "set_status", "take", "trail"]
