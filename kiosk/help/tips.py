"""Wage-arrears tips (欠薪线索): a tap-only flow, a receipt slip, sealed to the office at once.

The half-finished tip is a ``TipDraft`` in the session; it never holds a phone
number in clear: the number is sealed to the office's key the moment it is
typed (only its last four digits stay, to show back). On confirm the whole tip
is sealed (``kiosk.sync.sealed_wire``) and only the sealed bytes are stored,
with the receipt slip queued and ``wage_tips.received`` counted by sector in the
same transaction. The sealed tip goes to the office with the nightly session or
on a USB stick and is erased when the office's signed acknowledgement arrives.
"""

import dataclasses
import secrets
import uuid
from dataclasses import dataclass

from kiosk import clock
from kiosk import counts
from kiosk import keys
from kiosk import personal_data
from kiosk import printing
from kiosk import regions
from kiosk import tokens
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.help import content
from kiosk.help.models import SealedTip
from kiosk.printing import Ticket
from kiosk.sync import sealed_wire
from kiosk.sync import wire

SECTORS = sealed_wire.CHOICES["sector"]
AMOUNTS = sealed_wire.CHOICES["amount"]
DURATIONS = sealed_wire.CHOICES["duration"]
WORKERS = sealed_wire.CHOICES["workers"]
# The steps in order, and what each one needs chosen before it.
STEPS = ("province", "city", "sector", "amount", "duration", "workers", "contact", "phone", "summary")
EMPLOYER_LONGEST = 40


@dataclass(frozen=True)
class TipDraft:
    """A tip being tapped in. Immutable: every answer returns a new draft."""

    province: str | None = None
    city: str | None = None
    sector: str | None = None
    amount: str | None = None
    duration: str | None = None
    workers: str | None = None
    contact: str | None = None  # "phone" or "none"
    phone_sealed: str | None = None
    phone_last4: str | None = None
    employer: str = ""
    token: str = ""

    def to_state(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_state(cls, state):
        if not isinstance(state, dict):
            return None
        try:
            return cls(**{k: v for k, v in state.items() if k in {f.name for f in dataclasses.fields(cls)}})
        except TypeError:
            return None


@dataclass(frozen=True)
class TipReceipt:
    """What the confirmation screen shows: the tip number and day."""

    number: str
    day: str
    phone_left: bool


def start():
    """Return a fresh draft with its own request token (a double tap sends one tip)."""
    return TipDraft(token=secrets.token_hex(16))


def require(draft, step):
    """Refuse a step whose earlier answers are missing (a skipped or replayed tap)."""
    if draft is None:
        raise DomainError(N_("Please start again from the home screen."))
    needed = {
        "city": draft.province,
        "sector": draft.province,
        "amount": draft.sector,
        "duration": draft.amount,
        "workers": draft.duration,
        "contact": draft.workers,
        "phone": draft.workers,
        "summary": draft.contact,
    }
    if step in needed and not needed[step]:
        raise DomainError(N_("Please start again from the home screen."))
    return draft


def previous(draft, step):
    """Return the step Back leads to, or None for the home screen."""
    if step == "sector" and draft and not regions.cities(draft.province or ""):
        return "province"
    order = {"city": "province", "sector": "city", "amount": "sector", "duration": "amount",
             "workers": "duration", "contact": "workers", "phone": "contact", "summary": "contact"}
    return order.get(step)


def choose_province(draft, code):
    """Record the province where the work was."""
    if regions.find(code) is None or code not in {p.code for p in regions.provinces()}:
        raise DomainError(N_("Please choose a province from the list."))
    return dataclasses.replace(draft, province=code, city=None)


def choose_city(draft, code):
    """Record the city (or "" for not sure) where the work was."""
    require(draft, "city")
    if code and code not in {c.code for c in regions.cities(draft.province)}:
        raise DomainError(N_("Please choose a city from the list."))
    return dataclasses.replace(draft, city=code or None)


def _choose(draft, step, field, value, allowed):
    require(draft, step)
    if value not in allowed:
        raise DomainError(N_("Please choose one of the buttons."))
    return dataclasses.replace(draft, **{field: value})


def choose_sector(draft, value):
    return _choose(draft, "sector", "sector", value, SECTORS)


def choose_amount(draft, value):
    return _choose(draft, "amount", "amount", value, AMOUNTS)


def choose_duration(draft, value):
    return _choose(draft, "duration", "duration", value, DURATIONS)


def choose_workers(draft, value):
    return _choose(draft, "workers", "workers", value, WORKERS)


def choose_contact(draft, answer):
    """Record whether the worker leaves a phone number (after the privacy notice) or not."""
    draft = _choose(draft, "contact", "contact", answer, ("phone", "none"))
    if answer == "none":
        draft = dataclasses.replace(draft, phone_sealed=None, phone_last4=None)
    return draft


def add_phone(draft, text, office_public):
    """Check a mobile number and seal it to the office at once; the draft keeps the last 4 digits."""
    require(draft, "phone")
    phone = personal_data.check_phone(text)
    return dataclasses.replace(
        draft, contact="phone", phone_sealed=keys.seal(phone.encode(), office_public), phone_last4=phone[-4:]
    )


def set_employer(draft, text):
    """Record the optional employer name (typed on the on-screen keyboard when there is one)."""
    require(draft, "summary")
    text = " ".join((text or "").split())
    if len(text) > EMPLOYER_LONGEST or not text.isprintable():
        raise DomainError(N_("An employer's name is at most %(count)s characters."), count=EMPLOYER_LONGEST)
    return dataclasses.replace(draft, employer=text)


def office_key():
    """Return the office key tips are sealed to, or refuse: a kiosk not provisioned cannot take tips."""
    key = content.current_key()
    if key is None:
        raise DomainError(N_("This kiosk cannot send tips yet. Please call 12345 or ask a volunteer."))
    return key


def _new_number(day):
    return f"T{day:%y%m%d}-{tokens.new_code()[:5]}"


def submit(draft, station, printer, now=None):
    """Seal the tip, store only the sealed bytes, count it and queue its receipt; return a TipReceipt.

    ``printer(number, day)`` returns the receipt Ticket; it is queued in the
    same transaction. A second confirm with the same draft returns the first tip.
    """
    require(draft, "summary")
    key = office_key()
    now = now or clock.now()
    day = clock.local_day(now)
    with counts.write_transaction():
        held = SealedTip.get_or_none(SealedTip.request_token == draft.token)
        if held is not None:
            return TipReceipt(held.number, held.day.isoformat(), draft.contact == "phone")
        number = _new_number(day)
        while SealedTip.get_or_none(SealedTip.number == number):
            number = _new_number(day)
        tip = {
            "number": number,
            "station": station.code,
            "station_name": station.name,
            "day": day.isoformat(),
            "province": draft.province,
            "city": draft.city,
            "sector": draft.sector,
            "amount": draft.amount,
            "duration": draft.duration,
            "workers": draft.workers,
            "phone": draft.phone_sealed,
            "employer": draft.employer,
        }
        SealedTip.create(
            tip_id=uuid.uuid4().hex, number=number, office_key=key.key_id, day=day,
            sealed=sealed_wire.seal(tip, key.public_key), request_token=draft.token, created_at=now,
        )
        counts.add("wage_tips.received", day, sector=draft.sector)
        printing.submit(printer(number, day))
    printing.wake()
    return TipReceipt(number, day.isoformat(), draft.contact == "phone")


def receipt_ticket(number, day, station, gettext, labour_desk=""):
    """Return the receipt slip: tip number, what happens next, where to call, what to bring."""
    _ = gettext
    return Ticket(
        kind="wage_tip",
        title=_(N_("Wage-arrears tip receipt")),
        lines=(
            (_(N_("Tip number")), number),
            (_(N_("Date")), day.isoformat()),
            (_(N_("Station")), station.name),
            _(N_("What happens next: the labour inspection office reads your tip. "
                 "If you left a phone number they will call you; "
                 "larger cases are usually handled within 3–5 working days.")),
            (_(N_("Hotline")), _(N_("12345 (24 hours)"))),
            (_(N_("Labour inspection desk")), labour_desk or _(N_("at the local human resources bureau"))),
            _(N_("Bring: your contract, attendance records, pay slips and chat records with the boss.")),
        ),
        code=number,
        footer=(_(N_("Quote this number when you call.")),),
    )


# Delivery to the office -----------------------------------------------------------


def waiting():
    """Return the sealed tips not yet acknowledged by the office, oldest first."""
    return list(SealedTip.select().order_by(SealedTip.id))


def batch(kiosk_id, token, station, now=None):
    """Return the signed batch of every sealed tip waiting, and mark them sent."""
    rows = waiting()
    envelopes = [
        {"id": r.tip_id, "number": r.number, "office_key": r.office_key, "day": r.day.isoformat(), "sealed": r.sealed}
        for r in rows
    ]
    now = now or clock.now()
    found = sealed_wire.batch(kiosk_id, token, station.code, station.county_code,
                              now.isoformat(timespec="seconds") + "Z", envelopes)
    if rows:
        with counts.write_transaction():
            SealedTip.update(sent_at=now).where(SealedTip.id.in_([r.id for r in rows])).execute()
    return found


def write_file(path, kiosk_id, token, station):
    """Write the waiting tips as a signed file for a USB stick; return the batch."""
    return wire.write_document(path, batch(kiosk_id, token, station))
