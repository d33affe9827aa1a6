"""Left-luggage minding (行李看护): check-in, claim by ticket, overdue and lost-ticket release.

A check-in is one deposit: a short code printed on the owner's claim ticket
and on a tag for every bag ("bag i of n"), all with the same signed QR code.
Bags leave one by one (partial claims), by scanning or typing the ticket's
code, or, when the ticket is lost, by phone last-4 + description + date with a
station manager's PIN and a reason. Every release and reprint is in the audit
log; counts per station-local day are written in the same transaction.

Time: the expected pick-up (``due_at``) is a soft deadline; past it the bags
are *overdue* (highlighted, counted once) but still claimable. The QR's signed
expiry is ``LUGGAGE_UNCLAIMED_DAYS`` after check-in, so an overdue owner can
still scan their ticket; past that the station's unclaimed-property rules apply
and the bags leave only by the manager-approved lost-ticket path.

Personal data: no name, no phone number. The phone's last four digits are
kept only as an HMAC under the week's key (kiosk.pii_keys, destroyed by the
retention purge), and that hash is erased the moment the last bag leaves.
"""

import datetime
import hmac
from dataclasses import dataclass

from peewee import fn

from kiosk import audit
from kiosk import clock
from kiosk import counts
from kiosk import personal_data
from kiosk import printing
from kiosk import stations
from kiosk import tokens
from kiosk import volunteers
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.luggage.models import LuggageBag
from kiosk.luggage.models import LuggageDeposit
from kiosk.models import CountCell
from kiosk.models import Volunteer
from kiosk.printing import PrintJob

# Count cells: ``luggage.<event>`` counts bags (the metrics the central office
# reports as bags minded / collected), ``luggage.tickets.<event>`` claim tickets.
EVENTS = ("checked_in", "claimed", "overdue", "lost_released")
TOKEN_KIND = "L"
PRINT_KIND = "luggage"  # the printer's ticket kind: QR error correction Q, for slips kept for hours
HIGHEST_MAX_BAGS = 20
# How long a check-in form may sit open before its pick-up choice is stale.
DUE_SLACK = datetime.timedelta(minutes=15)

# Tap choices for "what does the bag look like", key → label msgid.
BAG_KINDS = {
    "suitcase": N_("Suitcase"),
    "woven_bag": N_("Woven bag"),
    "backpack": N_("Backpack"),
    "box": N_("Box"),
    "other": N_("Other"),
}
# Why a ticket is reprinted (tap choices; free text is allowed too).
REPRINT_REASONS = (N_("Paper jam"), N_("Tag torn off"), N_("Print unreadable"))
# Why bags leave without their ticket.
LOST_REASONS = (N_("Ticket lost"), N_("Ticket damaged"), N_("Ticket left at home"))


@dataclass(frozen=True)
class Rules:
    """The station's luggage settings, read from configuration."""

    shelves: dict
    max_bags: int = 6
    hours: stations.OpeningHours | None = stations.OpeningHours(datetime.time(7, 0), datetime.time(22, 0))
    max_hours: int = 24
    reprint_minutes: int = 15
    unclaimed_days: int = 30

    @classmethod
    def from_config(cls, config):
        """Return the Rules a configuration mapping describes, refusing nonsense."""
        shelves = config["LUGGAGE_SHELVES"]
        if not isinstance(shelves, dict) or not shelves:
            raise ValueError("LUGGAGE_SHELVES must map shelf names to capacities, e.g. {\"A\": 12}")
        for name, capacity in shelves.items():
            if not (1 <= len(name) <= 16 and name.isprintable()) or not isinstance(capacity, int) or capacity < 1:
                raise ValueError(f"LUGGAGE_SHELVES: bad shelf {name!r}: {capacity!r}")
        max_bags = config["LUGGAGE_MAX_BAGS"]
        if not isinstance(max_bags, int) or not 1 <= max_bags <= HIGHEST_MAX_BAGS:
            raise ValueError(f"LUGGAGE_MAX_BAGS must be 1..{HIGHEST_MAX_BAGS}")
        if "LUGGAGE_CLOSING_TIME" in config:
            raise ValueError("LUGGAGE_CLOSING_TIME is replaced by the station's opening hours: STATION_HOURS = \"07:00-22:00\"")
        return cls(
            shelves=dict(shelves),
            max_bags=max_bags,
            hours=stations.opening_hours(config),
            max_hours=int(config["LUGGAGE_MAX_HOURS"]),
            reprint_minutes=int(config["LUGGAGE_REPRINT_MINUTES"]),
            unclaimed_days=int(config["LUGGAGE_UNCLAIMED_DAYS"]),
        )


@dataclass(frozen=True)
class Keys:
    """What signs QR codes and hides phone digits on this kiosk."""

    kiosk_id: str
    signing_key: str
    pii_key: object  # a pii_keys.Ring at the kiosk: this week's key first, then the older live ones


def subject(code):
    """Return the audit-log subject of a deposit."""
    return f"luggage:{code}"


def phone_digest(last4, pii_key):
    """Return the keyed hash of a phone's last four digits (never stored in clear), under the key to store with."""
    return personal_data.fingerprint("luggage-phone-last4", last4, pii_key).hash


def phone_matches(stored, last4, pii_key):
    """True if a stored phone hash is of these digits under any key still alive."""
    digests = personal_data.fingerprint("luggage-phone-last4", last4, pii_key).matches
    return any(hmac.compare_digest(stored, digest) for digest in digests)


def clean_last4(text):
    """Return four ASCII digits, '' for nothing, or refuse anything else."""
    text = (text or "").strip()
    if text and not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise DomainError(N_("Enter exactly the last 4 digits of the phone number, or leave it empty."))
    return text


def local_stamp(moment):
    """Return a UTC moment as the station-local 'MM-DD HH:MM' printed and shown everywhere."""
    return clock.local_time(moment).strftime("%m-%d %H:%M")


# --- pick-up times -------------------------------------------------------


def next_closing(rules, now):
    """Return the closing the bags are due by at the latest (naive UTC), or None if the station never closes.

    While the station is closed that is the end of its next opening: the same moment the
    worker's screen names and the check-in offers as its default.
    """
    if rules.hours is None:
        return None
    return rules.hours.next_closing(rules.hours.next_opening(now))


def _pickup_start(rules, now):
    """When pick-up times count from: now, or the next opening while the station is closed."""
    return now if rules.hours is None else rules.hours.next_opening(now)


def pickup_choices(rules, now=None):
    """Return [(due moment, is_default)] offered at check-in, earliest first.

    The default is the station's next closing time, or the configured limit when
    closing is further away than that (or the station never closes). Every choice
    falls while the station is open: a check-in while it is closed counts the
    hours (and the limit) from its next opening.
    """
    now = now or clock.now()
    start = _pickup_start(rules, now)
    latest = _round_up(start + datetime.timedelta(hours=rules.max_hours))
    closing = next_closing(rules, now)
    default = closing if closing is not None and closing <= latest else latest
    moments = {default}
    for hours in (1, 2, 4):
        moment = _round_up(start + datetime.timedelta(hours=hours))
        if moment < default:
            moments.add(moment)
    return [(moment, moment == default) for moment in sorted(moments)]


def _round_up(moment, minutes=5):
    """Round up to the next whole five minutes, as people say times."""
    extra = -moment.minute % minutes
    bumped = moment.replace(second=0, microsecond=0) + datetime.timedelta(minutes=extra)
    return bumped if bumped >= moment else bumped + datetime.timedelta(minutes=minutes)


def check_due(due_at, rules, now):
    """Return a valid expected pick-up moment or refuse it."""
    if isinstance(due_at, str):
        try:
            due_at = datetime.datetime.fromisoformat(due_at)
        except ValueError:
            due_at = None
    if not isinstance(due_at, datetime.datetime):
        raise DomainError(N_("Choose when the bags will be picked up."))
    if due_at.tzinfo is not None:
        due_at = due_at.astimezone(datetime.UTC).replace(tzinfo=None)
    if due_at <= now:
        raise DomainError(N_("That pick-up time has already passed. Please choose again."))
    if due_at > _pickup_start(rules, now) + datetime.timedelta(hours=rules.max_hours) + DUE_SLACK:
        raise DomainError(N_("Bags can be left for at most %(hours)s hours."), hours=rules.max_hours)
    if rules.hours is not None and not rules.hours.is_open(due_at):
        raise DomainError(N_("The station is closed then (open %(hours)s). Please choose another pick-up time."),
                          hours=str(rules.hours))
    return due_at


# --- check-in ------------------------------------------------------------


def check_in(kinds, shelf, due_at, phone_last4, volunteer_id, rules, keys, now=None, slips=None):
    """Take bags into custody on a shelf; return the new deposit.

    ``kinds`` lists one BAG_KINDS key per bag. Refuses 0 bags, more than the
    station's maximum, an unknown or full shelf, and impossible pick-up times.
    ``slips`` (deposit → printing.Ticket) is queued for the printer in the same
    transaction: a check-in whose tickets cannot be queued leaves nothing behind.
    """
    now = now or clock.now()
    kinds = list(kinds or ())
    if not kinds:
        raise DomainError(N_("Add at least one bag."))
    if len(kinds) > rules.max_bags:
        raise DomainError(N_("At most %(max)s bags on one ticket. Use a second ticket for more."), max=rules.max_bags)
    if any(kind not in BAG_KINDS for kind in kinds):
        raise DomainError(N_("Choose what each bag looks like."))
    if shelf not in rules.shelves:
        raise DomainError(N_("Choose a shelf."))
    due_at = check_due(due_at, rules, now)
    last4 = clean_last4(phone_last4)
    day = clock.local_day(now)
    with counts.write_transaction():
        sweep_overdue(now)
        room = free_space(shelf, rules)
        if room < len(kinds):
            if room == 0:
                raise DomainError(N_("Shelf %(shelf)s is full. Choose another shelf."), shelf=shelf)
            raise DomainError(N_("Shelf %(shelf)s has room for only %(room)s more bags."), shelf=shelf, room=room)
        deposit = LuggageDeposit.create(
            code=_unused_code(),
            day=day,
            checked_in_at=now,
            due_at=due_at,
            expires=day + datetime.timedelta(days=rules.unclaimed_days),
            shelf=shelf,
            bags=len(kinds),
            phone_hash=phone_digest(last4, keys.pii_key) if last4 else None,
            volunteer=volunteer_id,
        )
        LuggageBag.insert_many(
            [{"deposit": deposit.id, "number": number, "kind": kind} for number, kind in enumerate(kinds, start=1)]
        ).execute()
        _count("checked_in", day, bags=len(kinds), tickets=1)
        if slips is not None:
            send_to_printer(slips(deposit))
    printing.wake()  # the job was queued inside the transaction: the worker may only see it now
    return deposit


def send_to_printer(ticket):
    """Queue a luggage ticket set for the printer: the one place luggage hands paper to printing.

    Characters the printer's font lacks (a rare character in a station name)
    print as □ rather than stopping a check-in: the code and QR are what count.
    """
    return printing.submit(ticket, unprintable="replace")


def print_job(deposit):
    """Return the deposit's original print job (reprints point at it), or None."""
    return PrintJob.original(PRINT_KIND, tokens.display_code(deposit.code))


def ticket_not_printed(deposit):
    """True while no copy of the deposit's ticket came out and a send of it failed.

    A job still waiting its turn (no error yet) is "printing", not "not
    printed"; the state ends when the ticket or a reprint of it prints.
    """
    job = print_job(deposit)
    if job is None:
        return False
    copies = [job, *job.reprints]
    if any(copy.state == "printed" for copy in copies):
        return False
    return any(copy.state == "failed" or (copy.state == "queued" and copy.last_error) for copy in copies)


def print_jobs_in_use():
    """Return the print jobs of tickets with bags still in custody: a volunteer may have to reprint them."""
    codes = [tokens.display_code(d.code) for d in LuggageDeposit.select(LuggageDeposit.code).where(
        LuggageDeposit.closed_at.is_null())]
    originals = PrintJob.select(PrintJob.id).where(
        PrintJob.kind == PRINT_KIND, PrintJob.code.in_(codes), PrintJob.reprint_of.is_null())
    return {job.id for job in originals}


def _unused_code():
    """Return a short code no deposit on this kiosk has used (call inside the transaction)."""
    while True:
        code = tokens.new_code()
        if not LuggageDeposit.select().where(LuggageDeposit.code == code).exists():
            return code


def in_custody(shelf=None):
    """Return how many bags are in custody (on one shelf, or everywhere)."""
    query = LuggageBag.select().join(LuggageDeposit).where(LuggageBag.released_at.is_null())
    if shelf is not None:
        query = query.where(LuggageDeposit.shelf == shelf)
    return query.count()


def free_space(shelf, rules):
    """Return how many more bags fit on a shelf."""
    return max(0, rules.shelves.get(shelf, 0) - in_custody(shelf))


def room_left(rules):
    """Return how many more bags the station can take."""
    return sum(free_space(shelf, rules) for shelf in rules.shelves)


# --- claim ---------------------------------------------------------------


def find(scanned, keys, today=None):
    """Return the deposit a scanned or typed ticket code points at, or raise BadTicket/NotFound."""
    today = today or clock.local_day()
    ref = tokens.read(scanned, TOKEN_KIND, keys.kiosk_id, keys.signing_key, today)
    deposit = LuggageDeposit.get_or_none(LuggageDeposit.code == ref.code)
    if deposit is None:
        raise NotFound(N_("No luggage was checked in with this code. Check the code and try again."))
    if deposit.expires < today:  # a typed code carries no expiry of its own
        raise tokens.BadTicket(N_("This ticket expired on %(day)s."), day=deposit.expires.isoformat())
    return deposit


def claim(scanned, numbers, volunteer_id, keys, now=None):
    """Hand back the chosen bags to the holder of the ticket; return the deposit as it is now.

    The ticket is checked again here, so nothing leaves without it. Bags
    already handed back, or numbers the ticket does not have, refuse the whole
    claim and change nothing.
    """
    now = now or clock.now()
    deposit = find(scanned, keys, clock.local_day(now))
    numbers = _bag_numbers(numbers, deposit)
    with counts.write_transaction():
        sweep_overdue(now)
        closed = _release(deposit, numbers, volunteer_id, "claim", now)
        audit.record("luggage_claim", subject(deposit.code), volunteer_id,
                     detail=_detail(numbers, deposit, closed, "; ticket shown"))
    return LuggageDeposit.get_by_id(deposit.id)


def _bag_numbers(numbers, deposit):
    """Return the sorted bag numbers asked for, refusing ones this ticket does not have."""
    try:
        wanted = sorted({int(n) for n in numbers or ()})
    except (TypeError, ValueError):
        wanted = None
    if not wanted:
        raise DomainError(N_("Tick each bag you hand back."))
    if wanted[0] < 1 or wanted[-1] > deposit.bags:
        raise DomainError(N_("This ticket covers only %(bags)s bags."), bags=deposit.bags)
    return wanted


def _release(deposit, numbers, volunteer_id, how, now):
    """Mark bags as gone (conditional updates: each bag leaves once); return True if that closed the ticket."""
    if deposit.closed_at is not None:
        raise Conflict(N_("Every bag on this ticket was handed back at %(time)s."), time=local_stamp(deposit.closed_at))
    for number in numbers:
        updated = (
            LuggageBag.update(released_at=now, released_by=volunteer_id, release=how)
            .where(LuggageBag.deposit == deposit.id, LuggageBag.number == number, LuggageBag.released_at.is_null())
            .execute()
        )
        if updated != 1:
            gone = LuggageBag.get(LuggageBag.deposit == deposit.id, LuggageBag.number == number)
            raise Conflict(N_("Bag %(number)s was already handed back at %(time)s. Nothing was changed."),
                           number=number, time=local_stamp(gone.released_at))
    remaining = LuggageBag.select().where(LuggageBag.deposit == deposit.id, LuggageBag.released_at.is_null()).count()
    closed = False
    if remaining == 0:
        # The phone hash has no use once the last bag is gone: erase it now.
        closed = (
            LuggageDeposit.update(closed_at=now, phone_hash=None)
            .where(LuggageDeposit.id == deposit.id, LuggageDeposit.closed_at.is_null())
            .execute()
        ) == 1
        if not closed:
            raise Conflict(N_("This ticket was closed a moment ago. Nothing was changed."))
    event = "claimed" if how == "claim" else "lost_released"
    _count(event, clock.local_day(now), bags=len(numbers), tickets=1 if closed else 0)
    return closed


def _count(event, day, bags, tickets=0):
    """Add to the day's bag and ticket cells of an event (inside the caller's transaction)."""
    counts.add(f"luggage.{event}", day, bags)
    counts.add(f"luggage.tickets.{event}", day, tickets)


def _detail(numbers, deposit, closed, extra=""):
    """Return the audit detail of a release: which bags, and whether that closed the ticket."""
    bags = ",".join(str(n) for n in numbers)
    state = "closed" if closed else "open"
    return f"bags {bags} of {deposit.bags}; ticket {state}{extra}"


# --- lost ticket ---------------------------------------------------------


@dataclass(frozen=True)
class LostMatch:
    """An open deposit that fits what the owner describes."""

    deposit: LuggageDeposit
    phone_matched: bool


def lost_days():
    """Return the check-in days that still have bags in custody, latest first."""
    query = LuggageDeposit.open().select(LuggageDeposit.day).distinct().order_by(LuggageDeposit.day.desc())
    return [row.day for row in query]


def find_lost(day, kind, phone_last4, keys):
    """Return open deposits of a check-in day holding a bag of that kind, for the owner's phone digits.

    A deposit with phone digits on file shows only when the digits match;
    one without shows on day and description alone (flagged, so the volunteer
    asks what is inside the bags).
    """
    if kind not in BAG_KINDS:
        raise DomainError(N_("Choose what the bag looks like."))
    if not isinstance(day, datetime.date):
        raise DomainError(N_("Choose the day the bags were left."))
    last4 = clean_last4(phone_last4)
    query = (
        LuggageDeposit.open()
        .join(LuggageBag)
        .where(LuggageDeposit.day == day, LuggageBag.kind == kind, LuggageBag.released_at.is_null())
        .distinct()
        .order_by(LuggageDeposit.checked_in_at)
    )
    matches = []
    for deposit in query:
        if deposit.phone_hash is None:
            matches.append(LostMatch(deposit, phone_matched=False))
        elif last4 and phone_matches(deposit.phone_hash, last4, keys.pii_key):
            matches.append(LostMatch(deposit, phone_matched=True))
    return matches


def get(deposit_id):
    """Return the deposit with this id, or raise NotFound."""
    deposit = LuggageDeposit.get_or_none(LuggageDeposit.id == deposit_id)
    if deposit is None:
        raise NotFound(N_("No luggage was checked in with this code. Check the code and try again."))
    return deposit


def release_lost(deposit_id, numbers, phone_last4, volunteer_id, manager_id, manager_pin, reason, keys, now=None,
                 devices=()):
    """Hand back bags without their ticket: phone digits must fit, a manager approves with their PIN.

    A wrong PIN counts towards that manager's lockout (committed before the
    refusal), and nothing is released.
    """
    now = now or clock.now()
    reason = audit.require_reason(reason)
    deposit = get(deposit_id)
    last4 = clean_last4(phone_last4)
    if deposit.phone_hash is not None and not (
        last4 and phone_matches(deposit.phone_hash, last4, keys.pii_key)
    ):
        raise DomainError(N_("Those phone digits do not match this ticket."))
    numbers = _bag_numbers(numbers, deposit)
    manager = approve(manager_id, manager_pin, now, devices)
    with counts.write_transaction():
        sweep_overdue(now)
        closed = _release(LuggageDeposit.get_by_id(deposit.id), numbers, volunteer_id, "lost_ticket", now)
        audit.record("luggage_lost_release", subject(deposit.code), volunteer_id, reason=reason,
                     detail=_detail(numbers, deposit, closed, f"; approved by manager #{manager.id}"))
    return LuggageDeposit.get_by_id(deposit.id)


def approve(manager_id, pin, now=None, devices=()):
    """Return the station manager whose PIN this is, or refuse (wrong PINs count towards the lockout)."""
    person = volunteers.active_volunteer(manager_id)
    if person is None or person.role != "manager":
        raise volunteers.SignInRefused(N_("Choose the station manager who approves this."))
    return volunteers.sign_in(manager_id, pin, now=now, devices=devices)


def managers():
    """Return the active station managers, for the approval list."""
    return list(Volunteer.signable().where(Volunteer.role == "manager"))


# --- reprint -------------------------------------------------------------


def reprint(deposit_id, reason, volunteer, rules, now=None):
    """Print the owner's ticket and its tags again (the same bytes, code and QR), audited.

    Right after check-in (paper jam) any volunteer may reprint; later only a
    station manager, so a reprint cannot stand in for the lost-ticket path.
    """
    now = now or clock.now()
    reason = audit.require_reason(reason)
    deposit = get(deposit_id)
    if deposit.closed_at is not None:
        raise Conflict(N_("Every bag on this ticket was handed back; there is nothing to reprint."))
    window = datetime.timedelta(minutes=rules.reprint_minutes)
    if now - deposit.checked_in_at > window and volunteer.role != "manager":
        raise volunteers.SignInRefused(
            N_("More than %(minutes)s minutes after check-in, only a station manager can reprint."),
            minutes=rules.reprint_minutes,
        )
    with counts.write_transaction():
        updated = (
            LuggageDeposit.update(reprints=LuggageDeposit.reprints + 1)
            .where(LuggageDeposit.id == deposit.id, LuggageDeposit.closed_at.is_null())
            .execute()
        )
        if updated != 1:
            raise Conflict(N_("Every bag on this ticket was handed back; there is nothing to reprint."))
        job = print_job(deposit)
        if job is None:
            raise NotFound(N_("This ticket was never sent to the printer."))
        # Same bytes, same code; printing writes the audit entry ("reprint", who, why).
        printing.reprint(job.id, reason, volunteer_id=volunteer.id, subject=subject(deposit.code))
    printing.wake()  # the copy was queued inside the transaction, now committed
    return LuggageDeposit.get_by_id(deposit.id)


# --- overdue and the custody board ---------------------------------------


def sweep_overdue(now=None):
    """Count, once each, the tickets that have passed their pick-up time (inside a write transaction).

    The cell's day is the day the ticket became overdue, so a late sweep
    still counts it where it belongs. Not on a clock in doubt (kiosk.clock).
    """
    if clock.suspect():
        return
    now = now or clock.now()
    late = LuggageDeposit.open().where(LuggageDeposit.due_at < now, LuggageDeposit.overdue_counted == False)  # noqa: E712
    for deposit in late:
        marked = (
            LuggageDeposit.update(overdue_counted=True)
            .where(LuggageDeposit.id == deposit.id, LuggageDeposit.overdue_counted == False)  # noqa: E712
            .execute()
        )
        if marked:
            left = LuggageBag.select().where(LuggageBag.deposit == deposit.id, LuggageBag.released_at.is_null()).count()
            day = clock.local_day(deposit.due_at)
            _count("overdue", day, bags=left, tickets=1)


def count_overdue(now=None):
    """Count newly overdue tickets, taking the write lock only when there are some."""
    now = now or clock.now()
    pending = LuggageDeposit.open().where(LuggageDeposit.due_at < now, LuggageDeposit.overdue_counted == False)  # noqa: E712
    if pending.exists():
        with counts.write_transaction():
            sweep_overdue(now)


@dataclass(frozen=True)
class BoardItem:
    """One ticket on the custody board."""

    id: int
    code: str
    bags_here: int
    bags: int
    kinds: tuple
    checked_in_at: datetime.datetime
    due_at: datetime.datetime
    overdue: bool
    not_printed: bool = False  # its ticket did not come out: reprint before the owner leaves


@dataclass(frozen=True)
class ShelfState:
    """One shelf on the custody board: capacity, bags on it, the tickets."""

    name: str
    capacity: int
    used: int
    items: tuple

    @property
    def full(self):
        return self.used >= self.capacity


def board(rules, now=None):
    """Return the shelves with the tickets in custody, overdue first, in the configured shelf order.

    A shelf dropped from the configuration while bags are on it still shows
    (with capacity 0) until they are gone.
    """
    now = now or clock.now()
    waiting = {}
    for bag in LuggageBag.select().where(LuggageBag.released_at.is_null()).order_by(LuggageBag.number):
        waiting.setdefault(bag.deposit_id, []).append(bag.kind)
    items = {}
    for deposit in LuggageDeposit.open().order_by(LuggageDeposit.due_at, LuggageDeposit.id):
        kinds = waiting.get(deposit.id, [])
        item = BoardItem(deposit.id, deposit.code, len(kinds), deposit.bags, tuple(kinds), deposit.checked_in_at,
                         deposit.due_at, deposit.due_at < now, ticket_not_printed(deposit))
        items.setdefault(deposit.shelf, []).append(item)
    names = list(rules.shelves) + sorted(set(items) - set(rules.shelves))
    return [
        ShelfState(name, rules.shelves.get(name, 0), sum(i.bags_here for i in items.get(name, [])),
                   tuple(sorted(items.get(name, []), key=lambda i: not i.overdue)))
        for name in names
    ]


def day_counts(day, cells=None):
    """Return {event: (tickets, bags)} for a station-local day (one query, none given its counts.day_cells)."""
    if cells is not None:
        return {event: (cells.value(f"luggage.tickets.{event}"), cells.value(f"luggage.{event}")) for event in EVENTS}
    found = {cell.metric: cell.value
             for cell in CountCell.select().where(CountCell.day == day, CountCell.metric.startswith("luggage."))}
    return {event: (found.get(f"luggage.tickets.{event}", 0), found.get(f"luggage.{event}", 0)) for event in EVENTS}


def custody():
    """Return (tickets, bags) still in custody, in one query.

    A ticket closes when its last bag leaves, so the tickets in custody are
    the deposits that still have a bag on a shelf.
    """
    tickets, bags = (LuggageBag.select(fn.COUNT(fn.DISTINCT(LuggageBag.deposit)), fn.COUNT(LuggageBag.id))
                     .where(LuggageBag.released_at.is_null()).tuples().get())
    return tickets or 0, bags or 0


def custody_queries():
    """custody()'s two numbers as one-value queries (tickets, bags), for a page that reads them inside its own."""
    on_shelf = LuggageBag.released_at.is_null()
    return (LuggageBag.select(fn.COUNT(fn.DISTINCT(LuggageBag.deposit))).where(on_shelf),
            LuggageBag.select(fn.COUNT(LuggageBag.id)).where(on_shelf))


def bags_of(deposit):
    """Return the deposit's bags in order."""
    return list(LuggageBag.select().where(LuggageBag.deposit == deposit.id).order_by(LuggageBag.number))
