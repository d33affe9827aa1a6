"""Gift packs: pack types and stock, campaigns and quotas, vouchers issued and redeemed.

Every change runs in one ``counts.write_transaction()`` (BEGIN IMMEDIATE):
the voucher, the stock numbers on its pack type, the count cells and any
audit entry are written together or not at all, and two writers queue
rather than interleave. That is what makes a double tap on 领取 issue one
voucher (the form's request token is unique) and two volunteers confirming
the same voucher at once hand out one pack (the state change is a
conditional UPDATE … WHERE state='issued' whose row count says who won).

Stock: issuing reserves a pack, redeeming turns the reservation into a pack
given (on hand and reserved both go down), voiding or expiry releases it.

Expiry is processed lazily, at the start of every write that touches stock
(issue, redeem, void, stock in/out) and by ``flask packs expire``: a kiosk
has no reliable scheduler (it is switched off at night, or unplugged), and
doing it in the transaction that is about to read stock means what is
available is always right at the moment it matters. It costs one index
search per write (state, expires), which finds nothing on every write but the
first of a day. Person keys of an ended campaign are cleared once, and the
campaign marked, so later writes only glance at the campaign table. An expired voucher is counted on its expiry day (the last
day it could have been collected), so the number does not depend on when
the kiosk happened to notice.
"""

import datetime
import re
import secrets
import weakref
from dataclasses import dataclass

from kiosk import audit
from kiosk import clock
from kiosk import counts
from kiosk import printing
from kiosk import tokens
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.models import Kiosk
from kiosk.models import database
from kiosk.registration import Registration
from kiosk.vouchers.models import Campaign
from kiosk.vouchers.models import PackOffer
from kiosk.vouchers.models import PackType
from kiosk.vouchers.models import StockMove
from kiosk.vouchers.models import Voucher

KIND = "V"
STATES = ("issued", "redeemed", "voided", "expired")
# A quota rule per pack type in a campaign: how often one person may take it.
RULES = {
    "campaign": N_("One per person in this campaign"),
    "day": N_("One per person per day"),
    "interval": N_("One per person every %(days)s days"),
}
# Reason codes a volunteer picks from; "other" needs a note.
REASONS = {
    "void": {
        "misprint": N_("Misprinted"),
        "not_collected": N_("Worker left without it"),
        "duplicate": N_("Issued twice by mistake"),
        "other": N_("Other reason"),
    },
    "reprint": {
        "printer": N_("Printer jam or fault"),
        "lost": N_("Worker lost the ticket"),
        "unreadable": N_("Ticket cannot be read"),
        "other": N_("Other reason"),
    },
    # Overrides are given at the kiosk, which has no keyboard: no free-text reason.
    "override": {
        "family": N_("Collecting for family"),
        "hardship": N_("Special hardship"),
        "no_id": N_("No ID with them"),
        "judgement": N_("Volunteer's judgement"),
    },
}
MAX_QUANTITY = 100_000
MAX_VALID_DAYS = 30
_PACK_KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class Override:
    """A volunteer's decision to let a worker past a quota or the ID rule."""

    volunteer_id: int
    reason: str
    note: str = ""


@dataclass(frozen=True)
class Choice:
    """A pack on offer to one person today, and why not if they may not take it."""

    offer: PackOffer
    pack: PackType
    refusal: DomainError | None

    @property
    def allowed(self):
        return self.refusal is None

    @property
    def overridable(self):
        """True when a volunteer may let the person past the refusal (not for stock)."""
        return self.refusal is not None and self.pack.available > 0


@dataclass(frozen=True)
class PackLine:
    """One pack type's stock now and its voucher counts for a day."""

    pack: PackType
    issued: int
    redeemed: int
    voided: int
    expired: int
    stock_in: int
    stock_out: int


# --- setting up: pack types, stock, campaigns -------------------------------------------


def _station_id():
    kiosk = Kiosk.current()
    if kiosk is None:
        raise DomainError(N_("This kiosk is not set up yet. Please ask a volunteer."))
    return kiosk.station_id


def pack_types(active_only=False):
    """Return this station's pack types, in the order they were defined."""
    query = PackType.select().where(PackType.station == _station_id())
    if active_only:
        query = query.where(PackType.active == True)  # noqa: E712
    return list(query.order_by(PackType.id))


def get_pack(key):
    """Return this station's pack type with this key, or raise NotFound."""
    pack = PackType.get_or_none(PackType.station == _station_id(), PackType.key == key)
    if pack is None:
        raise NotFound(N_("There is no gift pack called %(key)s."), key=str(key)[:32])
    return pack


def define_pack(key, name, contents="", no_id_needed=False, low_stock=0):
    """Create a pack type, or change its name, contents and settings; return it."""
    key = (key or "").strip()
    name = (name or "").strip()
    contents = (contents or "").strip()
    if not _PACK_KEY.match(key):
        raise DomainError(N_("A pack key is 1 to 32 lower-case letters, digits or _, starting with a letter."))
    if not 1 <= len(name) <= 64 or not name.isprintable():
        raise DomainError(N_("A pack name is 1 to 64 characters."))
    if len(contents) > 255 or not contents.isprintable():
        raise DomainError(N_("The list of contents is too long (at most 255 characters)."))
    low_stock = _whole_number(low_stock, 0)
    unprintable = printing.check_text(name + contents)
    if unprintable:  # refuse now rather than at the first worker's tap
        raise printing.UnprintableText(unprintable)
    with counts.write_transaction():
        station = _station_id()
        pack = PackType.get_or_none(PackType.station == station, PackType.key == key)
        if pack is None:
            return PackType.create(station=station, key=key, name=name, contents=contents,
                                   no_id_needed=bool(no_id_needed), low_stock=low_stock)
        pack.name, pack.contents, pack.no_id_needed, pack.low_stock = name, contents, bool(no_id_needed), low_stock
        pack.active = True
        pack.save()
        return pack


def _whole_number(value, least):
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_QUANTITY:
        raise DomainError(N_("Please give a whole number from %(least)s to %(most)s."), least=least, most=MAX_QUANTITY)
    return value


def stock_in(key, quantity, reason, volunteer_id=None, now=None):
    """Count packs into the store room (a delivery, a correction); return the pack type."""
    return _move(key, "in", quantity, reason, volunteer_id, now)


def stock_out(key, quantity, reason, volunteer_id=None, now=None):
    """Take packs out of stock that were not handed out (damaged, sent on); return the pack type.

    Only packs not promised to a voucher can go: stock never goes negative.
    """
    return _move(key, "out", quantity, reason, volunteer_id, now)


def _move(key, kind, quantity, reason, volunteer_id, now):
    quantity = _whole_number(quantity, 1)
    reason = audit.require_reason(reason)
    now = now or clock.now()
    day = clock.local_day(now)
    with counts.write_transaction():
        _expire_once_a_day(day, now)
        pack = get_pack(key)
        if kind == "in":
            PackType.update(on_hand=PackType.on_hand + quantity).where(PackType.id == pack.id).execute()
        else:
            taken = (
                PackType.update(on_hand=PackType.on_hand - quantity)
                .where(PackType.id == pack.id, PackType.on_hand - PackType.reserved >= quantity)
                .execute()
            )
            if not taken:
                raise Conflict(
                    N_("Only %(available)s of %(pack)s are not promised to vouchers."),
                    available=pack.available, pack=pack.name,
                )
        StockMove.create(pack_type=pack, at=now, day=day, kind=kind, quantity=quantity, reason=reason,
                         volunteer=volunteer_id)
        counts.add(f"packs.stock_{kind}", day, quantity, pack=pack.key)
        pack = PackType.get_by_id(pack.id)
        _stamp_on_hand(pack, day)
    return pack


def _stamp_on_hand(pack, day):
    """Make the day's on-hand cell say what the pack type has now."""
    counts.put("packs.on_hand", day, pack.on_hand, pack=pack.key)


def add_campaign(name, starts, ends):
    """Create a campaign running from starts to ends (both days included); return it."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 64 or not name.isprintable():
        raise DomainError(N_("A campaign name is 1 to 64 characters."))
    if not isinstance(starts, datetime.date) or not isinstance(ends, datetime.date) or ends < starts:
        raise DomainError(N_("A campaign ends on or after the day it starts."))
    with counts.write_transaction():
        return Campaign.create(station=_station_id(), name=name, starts=starts, ends=ends)


def offer(campaign_id, key, rule, interval_days=0):
    """Offer a pack type in a campaign with a quota rule (see RULES); return the PackOffer."""
    if rule not in RULES:
        raise DomainError(N_("Unknown quota rule."))
    if rule == "interval":
        if isinstance(interval_days, bool) or not isinstance(interval_days, int) or not 2 <= interval_days <= 366:
            raise DomainError(N_("An interval is 2 to 366 days."))
    else:
        interval_days = 0
    with counts.write_transaction():
        campaign = Campaign.get_or_none(Campaign.id == campaign_id, Campaign.station == _station_id())
        if campaign is None:
            raise NotFound(N_("No such campaign."))
        pack = get_pack(key)
        existing = PackOffer.get_or_none(PackOffer.campaign == campaign, PackOffer.pack_type == pack)
        if existing is None:
            return PackOffer.create(campaign=campaign, pack_type=pack, rule=rule, interval_days=interval_days)
        existing.rule, existing.interval_days = rule, interval_days
        existing.save()
        return existing


def campaigns():
    """Return this station's campaigns, newest first."""
    return list(Campaign.select().where(Campaign.station == _station_id()).order_by(Campaign.starts.desc()))


# --- at the kiosk: what a person may take, and issuing ------------------------------------


def offers_today(today=None):
    """Return the offers of campaigns running today on active pack types."""
    return list(_offers_query(today or clock.local_day()).order_by(PackType.id, Campaign.ends.desc()))


def _offers_query(today):
    return (
        PackOffer.select(PackOffer, Campaign, PackType)
        .join(Campaign)
        .switch(PackOffer)
        .join(PackType)
        .where(
            # This kiosk's station as a subquery, not a statement of its own: the chooser and every tap ask.
            Campaign.station == Kiosk.select(Kiosk.station).order_by(Kiosk.id).limit(1),
            Campaign.starts <= today,
            Campaign.ends >= today,
            PackType.active == True,  # noqa: E712
        )
    )


def _columns(model, alias):
    return ", ".join(f'{alias}."{field.column_name}"' for field in model._meta.sorted_fields)


# _offers_query(today).where(PackOffer.id == offer_id) as plain SQL, its text built once: every tap
# reads it inside the write turn, and peewee took longer to build the statement than SQLite to answer.
_OFFER_TODAY = (
    f"SELECT {_columns(PackOffer, 'o')}, {_columns(Campaign, 'c')}, {_columns(PackType, 'p')}"
    " FROM packoffer AS o JOIN campaign AS c ON c.id = o.campaign_id JOIN packtype AS p ON p.id = o.pack_type_id"
    " WHERE o.id = ? AND c.station_id = (SELECT station_id FROM kiosk ORDER BY id LIMIT 1)"
    " AND c.starts <= ? AND c.ends >= ? AND p.active = 1"
)


def _model_of(model, values):
    """A model instance from a row's values in ``model._meta.sorted_fields`` order, as peewee's select makes it."""
    instance = model(**{field.name: field.python_value(value)
                        for field, value in zip(model._meta.sorted_fields, values)})
    instance._dirty.clear()
    return instance


def _offer_today(offer_id, today):
    """Return the PackOffer (with its campaign and pack type) on offer today by id, or None."""
    day = Campaign.starts.db_value(today)
    row = database.execute_sql(_OFFER_TODAY, (offer_id, day, day)).fetchone()
    if row is None:
        return None
    ends_offer, ends_campaign = len(PackOffer._meta.sorted_fields), -len(PackType._meta.sorted_fields)
    item = _model_of(PackOffer, row[:ends_offer])
    item.campaign = _model_of(Campaign, row[ends_offer:ends_campaign])
    item.pack_type = _model_of(PackType, row[ends_campaign:])
    return item


def packs_needing_id(today=None):
    """Return the names of the packs on offer today that only a worker who gave an ID or phone may take."""
    names = []
    for item in offers_today(today or clock.local_day()):
        if not item.pack_type.no_id_needed and item.pack_type.name not in names:
            names.append(item.pack_type.name)
    return names


def choices(person_key=None, today=None):
    """Return a Choice per pack on offer today: may this person take it, and if not why."""
    today = today or clock.local_day()
    seen, result = set(), []
    for item in offers_today(today):
        if item.pack_type_id in seen:  # two campaigns offering one pack: the later-ending one
            continue
        seen.add(item.pack_type_id)
        result.append(Choice(offer=item, pack=item.pack_type, refusal=_refusal(item, person_key, today)))
    return result


def _refusal(item, person_key, today):
    """Return why this person may not take this offer today, or None."""
    pack = item.pack_type
    if pack.available <= 0:
        return Conflict(N_("%(pack)s are all given out for now."), pack=pack.name)
    return quota_refusal(item, person_key, today)


def quota_refusal(item, person_key, today):
    """Return the quota rule's refusal for this person and offer, or None.

    Without a person key (an anonymous worker) only packs marked "no ID
    needed" may be taken; with one, the offer's rule counts the vouchers
    issued or redeemed for that key in the campaign (voided and expired ones
    do not count: the person never got the pack).
    """
    pack = item.pack_type
    person_key = _person_keys(person_key)
    if person_key is None:
        if pack.no_id_needed:
            return None
        return DomainError(N_("Please register with your phone or ID first to get %(pack)s."), pack=pack.name)
    last = (
        Voucher.select(Voucher.day)
        .where(
            Voucher.person_key.in_(person_key),  # under every key still alive: last week's vouchers count
            Voucher.pack_type == item.pack_type_id,
            Voucher.campaign == item.campaign_id,
            Voucher.state.in_(("issued", "redeemed")),
        )
        .order_by(Voucher.day.desc())
        .first()
    )
    if last is None:
        return None
    if item.rule == "campaign":
        return DomainError(N_("You already got %(pack)s on %(day)s. It is one per person."),
                           pack=pack.name, day=last.day.isoformat())
    gap = 1 if item.rule == "day" else item.interval_days
    next_day = last.day + datetime.timedelta(days=gap)
    if today < next_day:
        if item.rule == "day":
            return DomainError(N_("You already got %(pack)s today. Please come back tomorrow."), pack=pack.name)
        return DomainError(N_("You got %(pack)s on %(day)s. You can get another from %(next)s."),
                           pack=pack.name, day=last.day.isoformat(), next=next_day.isoformat())
    return None


def _person_keys(person_key):
    """Return a person key (one hex HMAC, or the same person's under each live key, current first) as a tuple."""
    if person_key is None:
        return None
    found = (person_key,) if isinstance(person_key, str) else tuple(person_key)
    if not found or not all(isinstance(k, str) and re.fullmatch(r"[0-9a-f]{64}", k) for k in found):
        raise ValueError("person_key must be the registration's hex HMAC")
    return found


def person_keys_of(registration_token, matches=()):
    """Return the person keys of a saved registration: its own hash, then ``matches`` (the same
    number under the other live keys, from the visit's session) if they are that person's; or None."""
    own = person_key_of(registration_token)
    if own is None:
        return None
    return (own, *(m for m in matches if m != own)) if own in matches else own


def person_key_of(registration_token):
    """Return the keyed hash quotas are counted on for a saved registration, or None (anonymous).

    The ID number's hash when one was given, else the phone's: never the
    number itself. A registration whose fingerprints were purged, or no
    registration at all, is anonymous.
    """
    row = Registration.by_token(registration_token) if isinstance(registration_token, str) else None
    if row is None:
        return None
    return row.document_hash or row.phone_hash


def check_reason(action, reason, note=""):
    """Return (reason code, note) for a void, reprint or override, refusing unknown or empty ones."""
    if reason not in REASONS[action]:
        raise DomainError(N_("Please choose a reason."))
    note = (note or "").strip()
    if reason == "other":
        note = audit.require_reason(note)
    elif len(note) > audit.MAX_REASON:
        audit.require_reason(note)  # refuses with the length message
    return reason, note


def new_request_token():
    """Return a token for one issue form: the same token issues one voucher, however often it is sent."""
    return secrets.token_hex(16)


def issue(offer_id, request_token, person_key=None, registration_token=None, override=None,
          valid_days=0, printer=None, now=None):
    """Issue a voucher for one pack on offer, reserving the pack; return the Voucher.

    ``printer(voucher)`` queues the ticket inside the same transaction and
    returns the print job's id, so a voucher exists if and only if its print
    job does (a ticket the printer cannot print issues nothing). A request
    token already used returns the voucher it issued (a double tap, or a
    retried request) without counting or printing it again.
    """
    if not isinstance(request_token, str) or not re.fullmatch(r"[0-9a-f]{32}", request_token):
        raise DomainError(N_("This page has expired. Please start again."))
    person_key = _person_keys(person_key)
    if not isinstance(valid_days, int) or not 0 <= valid_days <= MAX_VALID_DAYS:
        raise ValueError(f"valid_days must be 0..{MAX_VALID_DAYS}")
    if override is not None:
        check_reason("override", override.reason, override.note)
    now = now or clock.now()
    today = clock.local_day(now)
    with counts.write_transaction():
        _expire_once_a_day(today, now)
        # Plain SQL for the statements every tap sends (peewee's query building cost more than the search).
        done = database.execute_sql("SELECT id FROM voucher WHERE request_token = ?", (request_token,)).fetchone()
        if done is not None:
            return Voucher.get_by_id(done[0])
        item = _offer_today(offer_id, today) if isinstance(offer_id, int) else None
        if item is None:
            raise NotFound(N_("That gift pack is not on offer today."))
        pack = item.pack_type
        refused = quota_refusal(item, person_key, today)
        if refused is not None and override is None:
            raise refused
        reserved = database.execute_sql(
            "UPDATE packtype SET reserved = reserved + 1 WHERE id = ? AND on_hand - reserved >= 1", (pack.id,)).rowcount
        if not reserved:
            raise Conflict(N_("Sorry, %(pack)s just ran out. Please ask a volunteer."), pack=pack.name)
        voucher = Voucher(
            code=_unused_code(),
            request_token=request_token,
            pack_type=pack,
            campaign=item.campaign_id,
            day=today,
            issued_at=now,
            expires=min(today + datetime.timedelta(days=valid_days), item.campaign.ends),
            person_key=person_key[0] if person_key else None,  # the hash under this week's key
            registration_token=registration_token,
            overridden_by=override.volunteer_id if override and refused else None,
        )
        if printer is not None:  # the job first, so the voucher is written once, with its job
            voucher.print_job = printer(voucher)
        voucher.insert_row()
        counts.add("vouchers.issued", today, pack=pack.key)
        if voucher.expires < _expired_through.get(database.obj, voucher.expires):
            _expired_through.pop(database.obj, None)  # issued "in the past" (a test, a replay): sweep again
        if override is not None and refused is not None:
            detail = f"{override.note} | {refused}" if override.note else str(refused)
            audit.record("override", subject(voucher), override.volunteer_id, override.reason, detail=detail[:255])
    return voucher


def _unused_code():
    while True:
        code = tokens.new_code()
        if database.execute_sql("SELECT 1 FROM voucher WHERE code = ?", (code,)).fetchone() is None:
            return code


def subject(voucher):
    """Return the audit subject of a voucher, e.g. voucher:7K9MQ2XA."""
    return f"voucher:{voucher.code}"


class TooSoon(Conflict):
    """A pack without ID refused by the per-visit or per-kiosk limit: a friendly wait, not an error."""

    status = 429


def check_no_id_limits(offer_id, visit_codes, min_seconds=0, per_hour=0, now=None):
    """Refuse a "no ID needed" pack to an anonymous worker past its limits, or return None.

    One per visit (any anonymous voucher among this visit's codes), and per
    kiosk at most one every ``min_seconds`` and ``per_hour`` an hour, so a
    child tapping 30 times gets one voucher. Packs that need an ID have their
    own quota; a volunteer's override is not limited here.
    """
    codes = [code for code in visit_codes or () if isinstance(code, str)]
    if not (codes or min_seconds or per_hour):
        return None
    item = PackOffer.select(PackOffer, PackType).join(PackType).where(PackOffer.id == offer_id).first()
    if item is None or not item.pack_type.no_id_needed:
        return None
    now = now or clock.now()
    anonymous = Voucher.select().where(Voucher.person_key.is_null(), Voucher.overridden_by.is_null(),
                                       Voucher.state.in_(("issued", "redeemed")))
    if codes and anonymous.where(Voucher.code.in_(codes)).exists():
        raise TooSoon(N_("You already have a pack from this visit. One pack without ID per person, please."))
    if min_seconds and anonymous.where(Voucher.issued_at > now - datetime.timedelta(seconds=min_seconds)).exists():
        raise TooSoon(N_("A pack was given at this kiosk a moment ago. Please wait %(seconds)s seconds and try again."),
                      seconds=min_seconds)
    if per_hour and anonymous.where(Voucher.issued_at > now - datetime.timedelta(hours=1)).count() >= per_hour:
        raise TooSoon(N_("Many packs without ID were given here this hour. Please ask a volunteer."))
    return None


def held(codes, offer_id):
    """Return the live voucher among codes (this visit's) for an offer's pack, or None."""
    codes = [c for c in codes or () if isinstance(c, str)]
    if not codes:  # a first tap in this visit: nothing to look up
        return None
    item = PackOffer.get_or_none(PackOffer.id == offer_id)
    if item is None:
        return None
    return (
        Voucher.select()
        .where(Voucher.code.in_(codes), Voucher.pack_type == item.pack_type_id,
               Voucher.state.in_(("issued", "redeemed")))
        .first()
    )


def print_jobs_in_use():
    """Return the print jobs of vouchers still open: a volunteer may have to reprint them."""
    query = Voucher.select(Voucher.print_job).where(Voucher.state == "issued", Voucher.print_job.is_null(False))
    return {voucher.print_job for voucher in query}


def forget_print_jobs(job_ids):
    """Drop links to deleted print jobs, so a later job that reuses a number is never taken for them."""
    job_ids = list(job_ids)
    for start in range(0, len(job_ids), 500):
        Voucher.update(print_job=None).where(Voucher.print_job.in_(job_ids[start : start + 500])).execute()


def payload(voucher, kiosk_id, key):
    """Return the signed QR payload printed on a voucher (no personal data)."""
    return tokens.payload(KIND, voucher.code, kiosk_id, voucher.expires, key)


# --- at the desk: scan, redeem, void, reprint --------------------------------------------


def find(scanned, kiosk_id, key, today=None):
    """Return the voucher a scan or typed code points at, or refuse it with the reason.

    Refuses what tokens.read refuses (forged, altered, another station,
    expired, a luggage ticket), unknown codes, and vouchers that can no
    longer be handed out (saying when, where and by whom if redeemed).
    """
    today = today or clock.local_day()
    ref = tokens.read(scanned, KIND, kiosk_id, key, today)
    voucher = Voucher.get_or_none(Voucher.code == ref.code)
    if voucher is None:
        raise NotFound(N_("No voucher has the code %(code)s. Check the code and try again."),
                       code=tokens.display_code(ref.code))
    check_open(voucher, today)
    return voucher


def check_open(voucher, today):
    """Refuse a voucher that cannot be handed out any more, saying why."""
    if voucher.state == "redeemed":
        who = voucher.closed_by.name if voucher.closed_by_id else "?"
        raise Conflict(
            N_("Already handed out on %(when)s by %(who)s at %(station)s."),
            when=clock.local_time(voucher.closed_at).strftime("%Y-%m-%d %H:%M"),
            who=who,
            station=voucher.pack_type.station.name,
        )
    if voucher.state == "voided":
        raise Conflict(N_("This voucher was cancelled on %(when)s."),
                       when=clock.local_time(voucher.closed_at).strftime("%Y-%m-%d %H:%M"))
    if voucher.state == "expired" or voucher.expires < today:
        raise tokens.BadTicket(N_("This ticket expired on %(day)s."), day=voucher.expires.isoformat())


def _open_voucher(code, today, now):
    """Inside a write transaction: release expired vouchers, then return this one if still open."""
    _expire_once_a_day(today, now)
    voucher = Voucher.get_or_none(Voucher.code == code)
    if voucher is None:
        raise NotFound(N_("No voucher has the code %(code)s. Check the code and try again."),
                       code=tokens.display_code(str(code)[:8]))
    check_open(voucher, today)
    return voucher


def _close(voucher, state, volunteer_id, now):
    """Move an issued voucher to state; return False if someone else closed it first."""
    return bool(
        Voucher.update(state=state, closed_at=now, closed_by=volunteer_id)
        .where(Voucher.id == voucher.id, Voucher.state == "issued")
        .execute()
    )


def _close_open(code, state, volunteer_id, today, now):
    """Inside a write transaction: move the voucher with this code to state, or refuse saying why."""
    voucher = _open_voucher(code, today, now)
    if not _close(voucher, state, volunteer_id, now):
        check_open(Voucher.get_by_id(voucher.id), today)
    return voucher


def redeem(code, volunteer_id, now=None):
    """Hand out the pack of an issued voucher: reserved → given; return the Voucher.

    Of two volunteers confirming the same voucher at once exactly one wins;
    the other is told when and by whom it was handed out.
    """
    now = now or clock.now()
    today = clock.local_day(now)
    with counts.write_transaction():
        voucher = _close_open(code, "redeemed", volunteer_id, today, now)
        PackType.update(on_hand=PackType.on_hand - 1, reserved=PackType.reserved - 1).where(
            PackType.id == voucher.pack_type_id
        ).execute()
        pack = PackType.get_by_id(voucher.pack_type_id)
        counts.add("vouchers.redeemed", today, pack=pack.key)
        _stamp_on_hand(pack, today)
    return Voucher.get_by_id(voucher.id)


def void(code, volunteer_id, reason, note="", now=None):
    """Cancel an issued voucher, releasing its pack; audited with the reason."""
    reason, note = check_reason("void", reason, note)
    now = now or clock.now()
    today = clock.local_day(now)
    with counts.write_transaction():
        voucher = _close_open(code, "voided", volunteer_id, today, now)
        PackType.update(reserved=PackType.reserved - 1).where(PackType.id == voucher.pack_type_id).execute()
        counts.add("vouchers.voided", today, pack=voucher.pack_type.key)
        audit.record("void", subject(voucher), volunteer_id, reason, detail=note)
    return Voucher.get_by_id(voucher.id)


def reprint(code, volunteer_id, reason, note="", reprinter=None, now=None):
    """Print the same voucher (same code) again, with the reason recorded in the audit log.

    ``reprinter(job_id, why, volunteer_id=…, subject=…)`` is kiosk.printing's
    reprint: it queues a copy of the voucher's print job (the same bytes)
    and writes the audit entry itself, in this transaction. A voucher that
    was never printed (no job) only gets the audit entry.
    """
    reason, note = check_reason("reprint", reason, note)
    now = now or clock.now()
    today = clock.local_day(now)
    with counts.write_transaction():
        voucher = _open_voucher(code, today, now)
        Voucher.update(prints=Voucher.prints + 1).where(Voucher.id == voucher.id).execute()
        if reprinter is not None and voucher.print_job is not None:
            why = f"{reason}: {note}" if note else reason
            reprinter(voucher.print_job, why, volunteer_id=volunteer_id, subject=subject(voucher))
        else:
            audit.record("reprint", subject(voucher), volunteer_id, reason, detail=note)
    return Voucher.get_by_id(voucher.id)


# The day up to which each database's vouchers were last expired, in this process.
_expired_through = weakref.WeakKeyDictionary()


def _expire_once_a_day(today, now):
    """release_expired(), on the first stock write of each day only (inside its transaction).

    A voucher expires when its last day is over, and every voucher is issued
    valid until today at least, so after one sweep on a day no other voucher
    can fall due before tomorrow: the later writes of the day skip five
    statements inside the write lock. The day is marked done only by a sweep
    that found nothing left to do (one that changed rows may still be rolled
    back with the write around it), and never on a clock in doubt.
    """
    if _expired_through.get(database.obj) == today:
        return 0
    return release_expired(today, now)


def release_expired(today=None, now=None):
    """Expire issued vouchers past their last day, releasing their packs; return how many.

    Call inside a write transaction (every stock write does, once a day: see
    _expire_once_a_day), or alone. Each is counted as expired on its own expiry day.
    """
    if clock.suspect():  # a clock that jumped ahead must not expire today's vouchers for good
        return 0
    today = today or clock.local_day(now)
    now = now or clock.now()
    with counts.write_transaction():
        due = list(Voucher.select().where(Voucher.state == "issued", Voucher.expires < today))
        for voucher in due:
            if not _close(voucher, "expired", None, now):
                continue
            PackType.update(reserved=PackType.reserved - 1).where(PackType.id == voucher.pack_type_id).execute()
            counts.add("vouchers.expired", voucher.expires, pack=voucher.pack_type.key)
        forgotten = _forget_people_after_campaigns(today)
    if not due and not forgotten:
        _expired_through[database.obj] = today
    return len(due)


def forget_people(before):
    """Clear the person keys (ID/phone HMACs) of vouchers issued before a moment; return how many.

    The retention purge calls this with the registrations' cutoff, so a
    person's fingerprint leaves the vouchers when it leaves the registration.
    """
    with counts.write_transaction():
        return Voucher.update(person_key=None).where(Voucher.issued_at < before, Voucher.person_key.is_null(False)).execute()


def _forget_people_after_campaigns(today):
    """Clear person keys of vouchers whose campaign is over: no quota needs them any more.

    Incremental: only campaigns that ended and were not yet done are looked
    at (a few rows of the campaign table), each once, by the campaign index
    of its vouchers. Every other write finds nothing to do.
    """
    ended = list(Campaign.select(Campaign.id).where(Campaign.ends < today,
                                                    Campaign.people_forgotten == False))  # noqa: E712
    for campaign in ended:
        Voucher.update(person_key=None).where(Voucher.campaign == campaign.id,
                                              Voucher.person_key.is_null(False)).execute()
        Campaign.update(people_forgotten=True).where(Campaign.id == campaign.id).execute()
    return len(ended)


# --- reports ------------------------------------------------------------------------------


def day_report(day=None):
    """Return a PackLine per pack type: stock now and the day's counts."""
    day = day or clock.local_day()
    lines = []
    for pack in pack_types():
        number = {name: counts.value(f"vouchers.{name}", day, pack=pack.key) for name in STATES}
        lines.append(
            PackLine(
                pack=pack,
                issued=number["issued"],
                redeemed=number["redeemed"],
                voided=number["voided"],
                expired=number["expired"],
                stock_in=counts.value("packs.stock_in", day, pack=pack.key),
                stock_out=counts.value("packs.stock_out", day, pack=pack.key),
            )
        )
    return lines
