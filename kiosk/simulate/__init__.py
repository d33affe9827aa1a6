"""Simulated activity for demos and benchmarks: a plausible station's days, as counts.

For now this writes count cells straight through ``counts.add`` with the
metrics and dimensions the features produce (see ``counts.METRICS``);
registration cells take their dimensions from ``registration.count_places``,
so they have the shape real registrations give them.
As registration, vouchers, luggage and tallies land, it will call their use
cases instead (register, issue, redeem, check in, claim, tally), so a demo
also fills their records and the counts come from the real code path.

The shape follows the reports in DOMAIN.md: traffic swells around the Spring
Festival, people arrive home (``home``) before it and leave for work
(``work``) after it; most get a gift pack and redeem it; some leave luggage.
"""

import datetime
import math
import random
from collections import Counter
from dataclasses import dataclass
from dataclasses import field

from kiosk import clock
from kiosk import counts
from kiosk import personal_data
from kiosk import registration
from kiosk import stations
from kiosk import trips

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

BASE_REGISTRATIONS = 120  # a busy bus station on an ordinary rush day, scale 1


@dataclass
class Summary:
    """What a simulation wrote: days covered and the sum per metric."""

    days: list = field(default_factory=list)
    totals: Counter = field(default_factory=Counter)


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


def simulate_day(day, rng, scale, summary):
    """Write one day of plausible activity, an hour per write transaction.

    An hour's visitors are added up per cell first, as a busy kiosk's
    back-to-back taps would be, which keeps long simulations quick.
    """
    busy, home_share = rush_factor(day)
    weekend = 1.15 if day.weekday() >= 5 else 1.0
    expected = BASE_REGISTRATIONS * scale * busy * weekend
    people = max(0, round(rng.gauss(expected, math.sqrt(expected) + 1)))
    hours = Counter(rng.choices(range(24), weights=HOURLY, k=people))
    for hour in sorted(hours):
        cells = Counter()
        for _ in range(hours[hour]):
            _one_visitor(rng, home_share, cells)
        with counts.write_transaction():
            for (metric, dims), delta in cells.items():
                counts.add(metric, day, delta, **dict(dims))
                summary.totals[metric] += delta
    simulate_trips(day, rng, scale, busy * (1 - home_share), summary)
    summary.days.append(day)


# Return-to-work trips leave from the station after the festival: Guangdong and
# Zhejiang by bus, Fujian and Xinjiang by train (Leshan: 114 runs in a season).
TRIP_ROUTES = {("440300", "bus"): 5, ("330600", "bus"): 3, ("350100", "train"): 1, ("650100", "train"): 1}


def simulate_trips(day, rng, scale, leaving, summary):
    """Run the day's return-to-work trips through the trips use cases: define, book, board, leave, arrive.

    Booked at the kiosk the day before (fingerprints of made-up phone
    numbers), boarded by typed seat code, one no-show in twenty, a safety
    check-in every two hours of a twenty-hour run, so the counts come from
    the real code path.
    """
    runs = sum(1 for _ in range(max(1, round(2 * scale))) if rng.random() < min(0.9, 0.5 * leaving))
    typed = trips.Keys(kiosk_id="simulate", signing_key="simulate")  # typed codes carry no signature
    for run in range(runs):
        destination, mode = _pick(rng, TRIP_ROUTES)
        leaves = datetime.datetime.combine(day, datetime.time(7 + 2 * run), tzinfo=clock.zone())
        departs = leaves.astimezone(datetime.UTC).replace(tzinfo=None)  # naive UTC, as the tables store
        seats = 196 if mode == "train" else 45
        booked_at = departs - datetime.timedelta(hours=20)
        trip = trips.define(trips.check_spec(mode, destination, "乐山客运中心站", leaves, seats, "带队员",
                                             "0833-12345", now=booked_at))
        wanted = round(seats * rng.uniform(0.6, 1.0))
        person = 0
        while wanted > 0:
            party = min(wanted, _pick(rng, {1: 6, 2: 3, 3: 1}))
            person += 1
            phone = f"139{day:%m%d}{run}{person:03d}"
            who = personal_data.fingerprint("phone", phone, "simulate")
            trips.book(trip.id, trips.Person(who.hash, "phone", who.last4), party, trips.new_request_token(),
                       now=booked_at + datetime.timedelta(minutes=person))
            wanted -= party
        for seat in trips.Seat.select().where(trips.Seat.trip == trip.id):
            if rng.random() < 0.95:
                trips.board_by_scan(trip.id, seat.code, None, typed, now=departs - datetime.timedelta(minutes=20))
        trips.depart(trip.id, None, now=departs)
        for hours in range(2, 20, 2):
            trips.check_in_safe(trip.id, None, now=departs + datetime.timedelta(hours=hours))
        trips.arrive(trip.id, None, now=departs + datetime.timedelta(hours=20))
        count = trips.head_count(trip)
        summary.totals["trips.run"] += 1
        summary.totals["trips.seats_booked"] += count.booked
        summary.totals["trips.boarded"] += count.boarded
        summary.totals["trips.no_show"] += count.booked - count.boarded
        summary.totals["trips.safety_checkins"] += 9
        summary.totals["trips.arrived"] += 1


# Visitors by hour: early trains, a midday lull, an evening wave.
HOURLY = [1, 1, 1, 1, 2, 5, 9, 12, 11, 9, 8, 7, 6, 7, 8, 9, 10, 11, 9, 6, 4, 3, 2, 1]


def _one_visitor(rng, home_share, cells):
    direction = "home" if rng.random() < home_share else "work"
    county = _pick(rng, COUNTIES)
    destination = _pick(rng, DESTINATIONS)
    places = registration.count_places(direction, county, destination)
    cells["registrations", tuple(sorted(places.items()))] += 1
    pack = "warm" if direction == "home" else "return"
    if rng.random() < 0.82:
        cells["vouchers.issued", (("pack", pack),)] += 1
        if rng.random() < 0.93:
            cells["vouchers.redeemed", (("pack", pack),)] += 1
    if rng.random() < 0.18:
        cells["luggage.checked_in", ()] += 1
        if rng.random() < 0.95:
            cells["luggage.claimed", ()] += 1
    for service, share in SERVICES.items():
        if rng.random() < share:
            cells["tallies", (("service", service),)] += 1


def _pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def simulate(days, until, scale=1.0, seed=1):
    """Simulate ``days`` days of activity ending on ``until``; return a Summary.

    The same seed at the same station gives the same numbers; another station
    gets its own.
    """
    if days < 1 or scale <= 0:
        raise ValueError("days must be at least 1 and scale above 0")
    station = stations.current().code
    summary = Summary()
    for back in range(days - 1, -1, -1):
        day = until - datetime.timedelta(days=back)
        simulate_day(day, random.Random(f"{seed}:{station}:{day.isoformat()}"), scale, summary)
    return summary
