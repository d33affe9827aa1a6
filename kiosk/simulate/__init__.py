"""Simulated activity for demos and benchmarks: a plausible station's days, as real records.

Every visitor goes through the same use cases a touch on the screen or a
volunteer's tap would call: ``registration.register`` (with a phone number's
keyed fingerprint for most people, so quotas and repeat visits behave as they
do), ``vouchers.issue`` and ``vouchers.redeem`` (or the voucher expires),
``luggage.check_in`` and ``luggage.claim``, ``tallies.tap``. The count cells
therefore come from the real code path, beside the rows behind them.

One function per domain (``_register``, ``_pack``, ``_luggage``, ``_tallies``)
turns a visitor into calls; ``simulate_day`` plans a day's visitors and runs
their events in time order. A new domain adds its own step the same way.

Speed: an hour of events runs inside one write transaction (each use case's
own transaction becomes a savepoint inside it), so a season is a few
thousand commits, not half a million fsyncs; still 10–25 visitors a second,
hours for a whole season. ``kiosk.simulate.bulk`` writes the same visitors
(``plan_day``, ``plan_trips``: same seed, same people, same cells) in bulk,
in about two minutes: ``flask simulate --season`` uses it. Tickets (ESC/POS
bytes in the print queue) are built only for the last ``ticket_days`` days:
older ones would have been printed and purged after PRINTJOB_RETENTION_DAYS anyway.

Fingerprints are made under the week's key of ``kiosk.pii_keys`` (the ring of
the simulated moment) when the app's configuration is given, as at a kiosk.

The shape follows the reports in DOMAIN.md: traffic swells around the Spring
Festival, people arrive home (``home``) before it and leave for work
(``work``) after it; most get a gift pack and redeem it; some leave luggage.
``SEASON`` is the preset every benchmark uses: 80 days around the 2027
festival at a scale that gives about 200,000 registrations and vouchers,
25,000 luggage tickets and 150,000 tallies.
"""

import dataclasses
import datetime
import heapq
import itertools
import math
import random
import secrets
from collections import Counter
from dataclasses import dataclass
from dataclasses import field

from kiosk import clock
from kiosk import config as kiosk_config
from kiosk import counts
from kiosk import luggage
from kiosk import personal_data
from kiosk import pii_keys
from kiosk import printing
from kiosk import registration
from kiosk import stations
from kiosk import tallies
from kiosk import trips
from kiosk import volunteers
from kiosk import vouchers
from kiosk.errors import DomainError
from kiosk.models import Volunteer

# Spring Festival (春节) dates: the travel rush is timed from these.
SPRING_FESTIVAL = {
    2025: datetime.date(2025, 1, 29),
    2026: datetime.date(2026, 2, 17),
    2027: datetime.date(2027, 2, 6),
    2028: datetime.date(2028, 1, 26),
    2029: datetime.date(2029, 2, 13),
    2030: datetime.date(2030, 2, 3),
}

# Home counties around Leshan (GB/T 2260) and how often each turns up.
COUNTIES = {
    "511102": 18, "511111": 8, "511112": 9, "511113": 3, "511123": 14, "511124": 9,
    "511126": 10, "511129": 6, "511132": 5, "511133": 5, "511181": 13,
}
# Where people leave to work, as the provinces registration counts: Guangdong
# (Shenzhen, Guangzhou, Dongguan), Sichuan itself (Chengdu), Zhejiang, Fujian,
# Shanghai, Jiangsu, Xinjiang.
DESTINATIONS = {
    "440000": 42, "510000": 19, "330000": 13, "350000": 8, "310000": 7, "320000": 6, "650000": 5,
}
# One-tap services (kiosk.tallies.SERVICES) and the share of visitors who use each.
SERVICES = {
    "tea_water": 0.55, "guidance": 0.35, "transport_info": 0.3, "protective": 0.2,
    "medicine": 0.07, "care": 0.05, "road_rescue": 0.01,
}
TALLY_SHARE = 0.75  # visitors a volunteer counts at the service desk (one tap, for one service)
PHONE_SHARE = 0.7  # visitors who give a phone number (quotas and repeat visits count on it)
REPEAT_SHARE = 0.03  # visitors who come back the same day with the same phone
VOUCHER_SHARE = 0.97  # visitors who tap 领取 after registering
REDEEM_SHARE = 0.93  # of those, who collect the pack (the rest expire)
LUGGAGE_SHARE = 0.12
# What people leave at the desk (kiosk.luggage.BAG_KINDS): woven bags (蛇皮袋) and suitcases
# mostly, and how many bags one person brings.
BAG_MIX = {"woven_bag": 40, "suitcase": 30, "backpack": 18, "box": 8, "other": 4}
BAGS_PER_PERSON = {1: 55, 2: 30, 3: 12, 4: 3}
LATE_CLAIM_SHARE = 0.05  # bags collected only days later (overdue first)

BASE_REGISTRATIONS = 120  # a busy bus station on an ordinary rush day, scale 1

# The preset behind `flask --app kiosk simulate --season` and every benchmark.
SEASON = {"days": 80, "until": datetime.date(2027, 3, 10), "scale": 19.4, "seed": 1}
# A station that takes 300 bags a day has a luggage room, not three shelves.
SEASON_SHELVES = {"A": 120, "B": 120, "C": 60}

SIMULATED_VOLUNTEER = "模拟志愿者"
PACKS = {  # direction → (pack key, name, contents)
    "home": ("warm", "暖心小礼包", "矿泉水、口罩、面包、纸巾、苹果"),
    "work": ("return", "返岗礼包", "米粉、豆干、毛毯"),
}


@dataclass
class Summary:
    """What a simulation wrote: days covered, the sum per metric, and records per kind."""

    days: list = field(default_factory=list)
    totals: Counter = field(default_factory=Counter)
    records: Counter = field(default_factory=Counter)


@dataclass
class Setting:
    """What the use cases need that a web request would bring: keys, rules, who is at the desk."""

    pii_key: str
    keys: luggage.Keys
    rules: luggage.Rules
    services: tuple
    volunteer_id: int
    gettext: object
    collect_at: str
    station: object
    ticket_from: datetime.date
    voucher_ticket: object = None  # kiosk.vouchers.ticket.build, or None: no print jobs
    luggage_slips: object = None  # kiosk.luggage.tickets.slips, or None
    offers: dict = field(default_factory=dict)  # (pack key, day) → offer id, filled as days go by
    weekly_keys: bool = False  # fingerprints under kiosk.pii_keys' key of their week, as at a kiosk
    rings: dict = field(default_factory=dict)  # period start → pii_keys.Ring

    def key_at(self, moment):
        """Return the key a fingerprint made at ``moment`` is stored under: its week's ring, or pii_key."""
        if not self.weekly_keys:
            return self.pii_key
        start = pii_keys.period_start(moment)
        if start not in self.rings:
            self.rings[start] = pii_keys.ring(now=moment)
        return self.rings[start]


def rush_factor(day):
    """Return how busy a day is relative to a rush day, and the share arriving home."""
    festival = SPRING_FESTIVAL.get(day.year + (1 if day.month >= 9 else 0))
    if festival is None:
        return 0.35, 0.5
    offset = (day - festival).days
    before = math.exp(-(((offset + 7) / 9) ** 2))
    after = math.exp(-(((offset - 9) / 11) ** 2))
    busy = 0.25 + 1.6 * before + 1.9 * after
    home_share = 0.85 if offset < 0 else 0.15 if offset < 45 else 0.5
    return busy, home_share


# Visitors by hour: early trains, a midday lull, an evening wave.
HOURLY = [1, 1, 1, 1, 2, 5, 9, 12, 11, 9, 8, 7, 6, 7, 8, 9, 10, 11, 9, 6, 4, 3, 2, 1]


def _pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _plain(msgid, **params):
    return msgid % params if params else msgid


# --- one step per domain: a visitor's part of it, through the use cases ---------------------


def _register(setting, visitor, now, summary):
    """Register the visitor through the registration flow; return the person key (or None)."""
    draft = registration.start(visitor["direction"])
    draft = registration.choose_prefecture(draft, visitor["county"][:4] + "00")
    draft = registration.choose_home(draft, visitor["county"], setting.station.county_code)
    if visitor["direction"] == "work":
        draft = registration.choose_destination(draft, visitor["destination"])
    if visitor["phone"]:
        draft = registration.answer_consent(draft, "yes")
        draft = registration.add_phone(draft, visitor["phone"], setting.key_at(now))
    receipt = registration.register(draft, now=now)
    summary.records["registrations"] += 1
    return receipt.token


def _pack(setting, visitor, token, now, events, summary):
    """Tap 领取 for the visitor's pack (quota rules apply); schedule its collection."""
    day = clock.local_day(now)
    # Someone who gave no phone or ID may only take the pack that needs none.
    key = PACKS[visitor["direction"] if visitor["phone"] else "home"][0]
    offer_id = _offer(setting, key, day)
    if offer_id is None:
        return
    printer = _voucher_printer(setting) if day >= setting.ticket_from and setting.voucher_ticket else None
    try:
        voucher = vouchers.issue(offer_id, vouchers.new_request_token(), person_key=vouchers.person_key_of(token),
                                 registration_token=token, printer=printer, now=now)
    except DomainError:  # quota reached (a repeat visitor), or stock out: as at the kiosk
        summary.records["vouchers.refused"] += 1
        return
    summary.records["vouchers"] += 1
    if visitor["redeem"]:
        _later(events, now + datetime.timedelta(minutes=visitor["collect_minutes"]), "redeem", voucher.code)


def _voucher_printer(setting):
    def printer(voucher):
        qr = vouchers.payload(voucher, setting.keys.kiosk_id, setting.keys.signing_key)
        built = setting.voucher_ticket(voucher, setting.station, qr, setting.gettext, setting.collect_at)
        return printing.submit(built).id

    return printer


def _redeem(setting, code, now, summary):
    try:
        vouchers.redeem(code, setting.volunteer_id, now=now)
        summary.records["vouchers.redeemed"] += 1
    except DomainError:  # expired before collection: the day ended
        summary.records["vouchers.missed"] += 1


def _luggage(setting, visitor, now, events, summary):
    """Check the visitor's bags in at the desk and schedule the claim."""
    if not visitor["bags"]:
        return
    slips = None
    if clock.local_day(now) >= setting.ticket_from and setting.luggage_slips:

        def slips(deposit):
            return setting.luggage_slips(deposit, luggage.bags_of(deposit), setting.station, setting.keys,
                                         setting.gettext)

    due = luggage.pickup_choices(setting.rules, now)
    if not due:
        return
    due_at = due[min(len(due) - 1, visitor["due_choice"])]
    due_at = due_at[0] if isinstance(due_at, tuple) else due_at
    room, shelf = max((luggage.free_space(shelf, setting.rules), shelf) for shelf in setting.rules.shelves)
    if room < len(visitor["bags"]):  # the shelves are full: the volunteer says no
        summary.records["luggage.refused"] += 1
        return
    # Anything else check_in refuses is a mistake in this simulation, not a visitor turned away: it raises.
    last4 = visitor["phone"][-4:] if visitor["phone"] else ""
    keys = dataclasses.replace(setting.keys, pii_key=setting.key_at(now))
    deposit = luggage.check_in(visitor["bags"], shelf, due_at, last4, setting.volunteer_id, setting.rules,
                               keys, now=now, slips=slips)
    summary.records["luggage"] += 1
    claim_at = min(due_at, now + datetime.timedelta(hours=visitor["claim_hours"]))
    if visitor["late"]:
        claim_at = due_at + datetime.timedelta(days=visitor["late"])
    _later(events, max(claim_at, now + datetime.timedelta(minutes=5)), "claim", (deposit.code, len(visitor["bags"])))


def _claim(setting, what, now, summary):
    code, bags = what
    try:
        luggage.claim(code, range(1, bags + 1), setting.volunteer_id, setting.keys, now=now)
        summary.records["luggage.claimed"] += 1
    except DomainError:
        summary.records["luggage.unclaimed"] += 1


def _tallies(setting, visitor, now, summary):
    """Count the visitor at the service desk: one tap for the service they used."""
    service = visitor["service"]
    if service is None or service not in setting.services:
        return
    tallies.tap(service, setting.volunteer_id, visitor["party"], allowed=setting.services, now=now)
    summary.records["tallies"] += 1


# --- planning and running days --------------------------------------------------------------


def _visitor(rng, home_share, phones):
    direction = "home" if rng.random() < home_share else "work"
    phone = None
    if rng.random() < PHONE_SHARE:
        if phones and rng.random() < REPEAT_SHARE:
            phone = rng.choice(phones)
        else:
            phone = f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}"
            phones.append(phone)
    services = [s for s, share in SERVICES.items()]
    weights = list(SERVICES.values())
    return {
        "direction": direction,
        "county": _pick(rng, COUNTIES),
        "destination": _pick(rng, DESTINATIONS),
        "phone": phone,
        "voucher": rng.random() < VOUCHER_SHARE,
        "redeem": rng.random() < REDEEM_SHARE,
        "collect_minutes": rng.randrange(2, 40),
        "bags": (rng.choices(list(BAG_MIX), weights=list(BAG_MIX.values()), k=_pick(rng, BAGS_PER_PERSON))
                 if rng.random() < LUGGAGE_SHARE else []),
        "due_choice": rng.randrange(0, 6),
        "claim_hours": rng.uniform(0.5, 10),
        "late": rng.choice((1, 2, 3)) if rng.random() < LATE_CLAIM_SHARE else 0,
        "service": rng.choices(services, weights=weights)[0] if rng.random() < TALLY_SHARE else None,
        "party": rng.choice((1, 1, 1, 1, 2, 3)),
    }


_sequence = itertools.count()


def _later(events, moment, kind, what):
    heapq.heappush(events, (moment, next(_sequence), kind, what))


def plan_day(day, rng, scale, events):
    """Put a day's visitors on the event queue (the rush model: how many, when, who); return how many.

    Both ways of writing a season (through the use cases here, in bulk in
    ``kiosk.simulate.bulk``) plan with this, so the same seed gives the same people.
    """
    busy, home_share = rush_factor(day)
    weekend = 1.15 if day.weekday() >= 5 else 1.0
    expected = BASE_REGISTRATIONS * scale * busy * weekend
    people = max(0, round(rng.gauss(expected, math.sqrt(expected) + 1)))
    start = _utc(day)
    phones = []
    for hour in sorted(rng.choices(range(24), weights=HOURLY, k=people)):
        moment = start + datetime.timedelta(hours=hour, seconds=rng.randrange(3600))
        _later(events, moment, "visit", _visitor(rng, home_share, phones))
    return people


def leaving_share(day, scale):
    """Return how many return-to-work trips' worth of people leave on a day (drives ``_trips``)."""
    busy, home_share = rush_factor(day)
    return scale * busy * (1 - home_share)


def run_trips(setting, day, rng, scale, summary):
    """Run the day's return-to-work trips through the use cases, in one write transaction."""
    with counts.write_transaction():
        _trips(setting, day, rng, leaving_share(day, scale), summary)


def simulate_day(day, rng, scale, summary, setting=None, events=None):
    """Write one day of plausible activity through the use cases, an hour per write transaction."""
    setting = setting or _setting(None, day, day)
    events = [] if events is None else events
    people = plan_day(day, rng, scale, events)
    _restock(setting, day, people)
    end = _utc(day) + datetime.timedelta(days=1)
    while events and events[0][0] < end:
        hour_end = min(end, events[0][0].replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1))
        with counts.write_transaction():
            while events and events[0][0] < hour_end:
                moment, _, kind, what = heapq.heappop(events)
                _run(setting, kind, what, moment, events, summary)
    run_trips(setting, day, rng, scale, summary)
    summary.days.append(day)
    return events


def _run(setting, kind, what, now, events, summary):
    if kind == "visit":
        token = _register(setting, what, now, summary)
        if what["voucher"]:
            _pack(setting, what, token, now + datetime.timedelta(seconds=20), events, summary)
        _luggage(setting, what, now + datetime.timedelta(minutes=1), events, summary)
        _tallies(setting, what, now + datetime.timedelta(minutes=2), summary)
    elif kind == "redeem":
        _redeem(setting, what, now, summary)
    elif kind == "claim":
        _claim(setting, what, now, summary)


# Return-to-work trips leave from the station after the festival: Guangdong and
# Zhejiang by bus, Fujian and Xinjiang by train (Leshan: 114 runs in a season).
TRIP_ROUTES = {("440000", "bus"): 5, ("330000", "bus"): 3, ("350000", "train"): 1, ("650000", "train"): 1}
TRIP_HOURS = 20  # on the road; the escort reports 平安 every two hours of it
TRIP_BOARDING = datetime.timedelta(minutes=20)  # before departure
TRIP_ESCORT = ("带队员", "0833-12345")


@dataclass
class TripPlan:
    """One return-to-work trip of a day as planned: the run, its bookings, and which seats board."""

    run: int
    destination: str
    mode: str
    departs: datetime.datetime
    seats: int
    bookings: list  # (party, phone number, booked at)
    boards: list  # one True/False per seat booked, in booking order

    @property
    def booked_at(self):
        return self.departs - datetime.timedelta(hours=20)


def plan_trips(day, rng, leaving):
    """Plan the day's return-to-work trips (both ways of writing a season run these plans).

    Booked at the kiosk the evening before (made-up phone numbers), boarded by
    the seat code typed at the door, about one no-show in twenty.
    """
    plans = []
    runs = sum(1 for _ in range(max(1, round(2 * leaving))) if rng.random() < min(0.9, 0.5 * leaving))
    for run in range(runs):
        destination, mode = _pick(rng, TRIP_ROUTES)
        departs = _utc(day) + datetime.timedelta(hours=7 + 2 * run)
        seats = 196 if mode == "train" else 45
        plan = TripPlan(run, destination, mode, departs, seats, [], [])
        wanted, person = round(seats * rng.uniform(0.6, 1.0)), 0
        while wanted > 0:
            party = min(wanted, _pick(rng, {1: 6, 2: 3, 3: 1}))
            person += 1
            plan.bookings.append((party, f"139{day:%m%d}{run}{person:03d}",
                                  plan.booked_at + datetime.timedelta(minutes=person)))
            wanted -= party
        plan.boards = [rng.random() < 0.95 for _ in range(sum(party for party, _, _ in plan.bookings))]
        plans.append(plan)
    return plans


def _trips(setting, day, rng, leaving, summary):
    """Run the day's return-to-work trips through the trips use cases: define, book, board, leave, arrive.

    A safety check-in every two hours on the road.
    """
    keys = trips.Keys(setting.keys.kiosk_id, setting.keys.signing_key)
    for plan in plan_trips(day, rng, leaving):
        trip = trips.define(trips.check_spec(plan.mode, plan.destination, setting.station.name, plan.departs,
                                             plan.seats, TRIP_ESCORT[0], TRIP_ESCORT[1], now=plan.booked_at))
        for party, phone, moment in plan.bookings:
            who = personal_data.fingerprint("phone", phone, setting.key_at(plan.booked_at))
            trips.book(trip.id, trips.Person(who.hash, "phone", who.last4), party, trips.new_request_token(),
                       now=moment)
        seats = trips.Seat.select().where(trips.Seat.trip == trip.id).order_by(trips.Seat.id)
        for seat, boards in zip(seats, plan.boards, strict=True):
            if boards:
                trips.board_by_scan(trip.id, seat.code, setting.volunteer_id, keys,
                                    now=plan.departs - TRIP_BOARDING)
        trips.depart(trip.id, setting.volunteer_id, now=plan.departs)
        for hours in range(2, TRIP_HOURS, 2):
            trips.check_in_safe(trip.id, setting.volunteer_id, now=plan.departs + datetime.timedelta(hours=hours))
        trips.arrive(trip.id, setting.volunteer_id, now=plan.departs + datetime.timedelta(hours=TRIP_HOURS))
        summary.records["trips"] += 1


def _utc(day):
    midnight = datetime.datetime.combine(day, datetime.time(), clock.zone())
    return midnight.astimezone(datetime.UTC).replace(tzinfo=None)


# --- what the station needs set up: packs, stock, campaigns, a volunteer ---------------------


def _setting(config, first, last, ticket_days=1, tickets=None):
    weekly_keys = bool(config and config.get("PII_KEY_DIR"))  # the app's configuration: create_app set up pii_keys
    config = config or {**kiosk_config.defaults(""), "PII_KEY": secrets.token_hex(32),
                        "SIGNING_KEY": secrets.token_hex(32)}
    station = stations.current()
    volunteer = Volunteer.get_or_none(Volunteer.name == SIMULATED_VOLUNTEER)
    if volunteer is None:
        volunteer = volunteers.add(SIMULATED_VOLUNTEER, f"{secrets.randbelow(10 ** 6):06d}".replace("000000", "739105"))
    for key, name, contents in PACKS.values():
        try:
            vouchers.get_pack(key)
        except DomainError:
            vouchers.define_pack(key, name, contents, no_id_needed=(key == "warm"), low_stock=20)
    _campaigns(first, last)
    return Setting(
        pii_key=config["PII_KEY"],
        keys=luggage.Keys(station.kiosk_id, config["SIGNING_KEY"], config["PII_KEY"]),
        rules=luggage.Rules.from_config(config),
        services=tuple(config.get("TALLY_SERVICES") or tallies.SERVICES),
        volunteer_id=volunteer.id,
        gettext=config.get("GETTEXT") or _plain,
        collect_at=config.get("PACK_COLLECT_AT", ""),
        station=station,
        ticket_from=last - datetime.timedelta(days=ticket_days - 1),
        voucher_ticket=(tickets or {}).get("voucher"),
        luggage_slips=(tickets or {}).get("luggage"),
        weekly_keys=weekly_keys,
    )


def _campaigns(first, last):
    """Open the simulated campaigns: 返乡 until the festival eve, 春风行动 from the festival on."""
    festival = SPRING_FESTIVAL.get(last.year + (1 if last.month >= 9 else 0))
    if festival is None or not first < festival <= last:
        spans = [("模拟·春风行动", first, last, ("warm", "return"))]
    else:
        eve = festival - datetime.timedelta(days=1)
        spans = [("模拟·返乡关爱", first, eve, ("warm", "return")), ("模拟·春风行动", festival, last, ("warm", "return"))]
    existing = {(c.name, c.starts, c.ends) for c in vouchers.campaigns()}
    for name, starts, ends, packs in spans:
        if (name, starts, ends) in existing:
            continue
        campaign = vouchers.add_campaign(name, starts, ends)
        for key in packs:
            vouchers.offer(campaign.id, key, "day" if key == "warm" else "campaign")


def _offer(setting, key, day):
    if (key, day) not in setting.offers:
        found = [item.id for item in vouchers.offers_today(day) if item.pack_type.key == key]
        setting.offers[(key, day)] = found[0] if found else None
    return setting.offers[(key, day)]


def _restock(setting, day, people):
    """The morning delivery: enough packs for the day's expected visitors."""
    for key, _name, _contents in PACKS.values():
        vouchers.stock_in(key, max(1, people), "模拟配送", volunteer_id=setting.volunteer_id,
                          now=_utc(day) + datetime.timedelta(hours=6))


def simulate(days, until, scale=1.0, seed=1, config=None, ticket_days=1, tickets=None, progress=None):
    """Simulate ``days`` days of activity ending on ``until``; return a Summary.

    ``config`` is the app's configuration (PII_KEY, SIGNING_KEY, LUGGAGE_*,
    TALLY_SERVICES, PACK_COLLECT_AT, and optionally GETTEXT for the tickets'
    language); without one, throwaway keys and the defaults are used. The
    same seed at the same station gives the same numbers; another station
    gets its own. ``tickets`` maps "voucher" and "luggage" to the functions
    that build their paper (the command line passes the domains' ticket
    builders); without them nothing is queued for the printer.
    ``progress(day, summary)`` is called after each day.
    """
    if days < 1 or scale <= 0:
        raise ValueError("days must be at least 1 and scale above 0")
    first = until - datetime.timedelta(days=days - 1)
    setting = _setting(config, first, until, ticket_days, tickets)
    station = setting.station.code
    summary = Summary()
    events = []
    for back in range(days - 1, -1, -1):
        day = until - datetime.timedelta(days=back)
        simulate_day(day, random.Random(f"{seed}:{station}:{day.isoformat()}"), scale, summary, setting, events)
        if progress:
            progress(day, summary)
    summary.totals.update(_totals(first, until))
    return summary


def _totals(first, last):
    """Sum the count cells the run's days ended with, per metric."""
    totals = Counter()
    day = first
    while day <= last:
        for cell in counts.cells_for_day(day):
            totals[cell.metric] += cell.value if cell.metric != "packs.on_hand" else 0
        day += datetime.timedelta(days=1)
    return totals
