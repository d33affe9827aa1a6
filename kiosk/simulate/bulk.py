"""A season in bulk: the visitors of the use-case path, written with insert_many.

``kiosk.simulate.simulate`` sends every visitor through the use cases: right for
a demo's few days, hours for a season (10–25 visitors a second). ``build``
plans the same days with the same model (``plan_day``: same seed and station,
same people at the same moments) and runs the same events in the same order,
with the use cases' rules applied in memory: a repeat visit is a phone seen
that day, a quota refuses what ``vouchers.quota_refusal`` refuses, a voucher
not collected on its day expires at the next stock write, bags go on the
emptiest shelf or are refused, a ticket past its pick-up time is counted
overdue by the next luggage write. The rows and the count cells they imply
are kept in memory and written in chunks of tens of thousands, a few write
transactions in all.

Whatever carries meaning comes from the domains' helpers, so a bulk-made
record behaves as a real one: phone fingerprints under the week's key ring
(``pii_keys``, ``personal_data.fingerprint``; a booking's last four sealed
with ``pii_keys.seal``), voucher, luggage and seat codes (``tokens.new_code``:
a ticket is signed when scanned, as any other), the registration's cells
(``registration.count_cells``), the cells' dimension text
(``counts.encode_dims``), a trip's checks (``trips.check_spec``), the
forgetting of an ended campaign's people (``vouchers``). The trips follow
``plan_trips`` as the use-case path does. No tickets are queued for the
printer: a season's old tickets would have been printed and purged long ago.
"""

import datetime
import heapq
import random
import secrets
from collections import Counter
from types import SimpleNamespace

from kiosk import clock
from kiosk import counts
from kiosk import luggage
from kiosk import personal_data
from kiosk import registration
from kiosk import pii_keys
from kiosk import tokens
from kiosk import trips
from kiosk import vouchers
from kiosk.luggage import LuggageBag
from kiosk.luggage import LuggageDeposit
from kiosk.models import AuditEntry
from kiosk.models import CountCell
from kiosk.models import Kiosk
from kiosk.registration import Registration
from kiosk.simulate import PACKS
from kiosk.simulate import TRIP_BOARDING
from kiosk.simulate import TRIP_ESCORT
from kiosk.simulate import TRIP_HOURS
from kiosk.simulate import Summary
from kiosk.simulate import _later
from kiosk.simulate import _offer
from kiosk.simulate import _setting
from kiosk.simulate import _totals
from kiosk.simulate import _utc
from kiosk.simulate import leaving_share
from kiosk.simulate import plan_day
from kiosk.simulate import plan_trips
from kiosk.tallies import Tally
from kiosk.trips import Booking
from kiosk.trips import Seat
from kiosk.trips import Trip
from kiosk.vouchers import Campaign
from kiosk.vouchers import PackOffer
from kiosk.vouchers import PackType
from kiosk.vouchers import StockMove
from kiosk.vouchers import Voucher

CHUNK = 50_000  # rows kept before they are written (one write transaction per chunk)
RESTOCK_REASON = "模拟配送"  # as kiosk.simulate._restock

REGISTRATION_FIELDS = (Registration.token, Registration.station, Registration.kiosk, Registration.created_at,
                       Registration.day, Registration.direction, Registration.home_code,
                       Registration.destination_code, Registration.visit, Registration.phone_hash,
                       Registration.consented_at)
VOUCHER_FIELDS = (Voucher.code, Voucher.request_token, Voucher.pack_type, Voucher.campaign, Voucher.day,
                  Voucher.issued_at, Voucher.expires, Voucher.state, Voucher.person_key,
                  Voucher.registration_token, Voucher.closed_at, Voucher.closed_by)
DEPOSIT_FIELDS = (LuggageDeposit.id, LuggageDeposit.code, LuggageDeposit.day, LuggageDeposit.checked_in_at,
                  LuggageDeposit.due_at, LuggageDeposit.expires, LuggageDeposit.shelf, LuggageDeposit.bags,
                  LuggageDeposit.phone_hash, LuggageDeposit.volunteer, LuggageDeposit.closed_at,
                  LuggageDeposit.overdue_counted)
BAG_FIELDS = (LuggageBag.deposit, LuggageBag.number, LuggageBag.kind, LuggageBag.released_at,
              LuggageBag.released_by, LuggageBag.release)
TALLY_FIELDS = (Tally.service, Tally.people, Tally.day, Tally.volunteer, Tally.created_at)
STOCK_FIELDS = (StockMove.pack_type, StockMove.at, StockMove.day, StockMove.kind, StockMove.quantity,
                StockMove.reason, StockMove.volunteer)
AUDIT_FIELDS = (AuditEntry.at, AuditEntry.action, AuditEntry.subject, AuditEntry.volunteer, AuditEntry.detail)
TRIP_FIELDS = (Trip.id, Trip.mode, Trip.destination_province, Trip.destination_city, Trip.departure_place,
               Trip.departs_at, Trip.booking_deadline, Trip.seats, Trip.escort_name, Trip.escort_phone, Trip.state,
               Trip.created_at, Trip.departed_at, Trip.last_check_in_at, Trip.arrived_at)
BOOKING_FIELDS = (Booking.id, Booking.trip, Booking.token, Booking.person_hash, Booking.person_kind,
                  Booking.person_last4_sealed, Booking.seats, Booking.created_at)
SEAT_FIELDS = (Seat.trip, Seat.booking, Seat.number, Seat.code, Seat.state, Seat.changed_at, Seat.changed_by, Seat.how)

# A voucher in memory: a list, changed in place while it is open.
V_CODE, V_TOKEN, V_PACK, V_CAMPAIGN, V_DAY, V_AT, V_EXPIRES, V_STATE, V_PERSON, V_REGISTRATION, V_CLOSED, V_BY = (
    range(12))
# A deposit in memory, likewise (its bags are written from it when it is).
D_ID, D_CODE, D_DAY, D_AT, D_DUE, D_EXPIRES, D_SHELF, D_BAGS, D_PHONE, D_VOLUNTEER, D_CLOSED, D_OVERDUE = range(12)


def build(days, until, scale=1.0, seed=1, config=None, progress=None):
    """Write ``days`` days ending on ``until`` in bulk, as ``simulate.simulate`` would; return a Summary.

    Needs a database with no visitors yet (a fresh one, as the benchmarks
    build): the cells are written whole, not added to.
    """
    if days < 1 or scale <= 0:
        raise ValueError("days must be at least 1 and scale above 0")
    if Registration.select().exists() or Voucher.select().exists() or LuggageDeposit.select().exists():
        raise ValueError("a bulk build needs a database without visitors: use the use-case path to add to one")
    first = until - datetime.timedelta(days=days - 1)
    setting = _setting(config, first, until, ticket_days=0)
    station = setting.station.code
    book = Book(setting)
    summary = Summary()
    events = []
    for back in range(days - 1, -1, -1):
        day = until - datetime.timedelta(days=back)
        rng = random.Random(f"{seed}:{station}:{day.isoformat()}")
        people = plan_day(day, rng, scale, events)
        book.restock(day, people)
        end = _utc(day) + datetime.timedelta(days=1)
        while events and events[0][0] < end:
            moment, _, kind, what = heapq.heappop(events)
            book.run(kind, what, moment, events, summary)
        book.trips(plan_trips(day, rng, leaving_share(day, scale)), summary)
        summary.days.append(day)
        if book.waiting() >= CHUNK:
            book.write()
        if progress:
            progress(day, summary)
    book.write(final=True, last=until)
    summary.totals.update(_totals(first, until))
    return summary


class Book:
    """The rows and count cells of a bulk build, kept in memory until written."""

    def __init__(self, setting):
        self.setting = setting
        self.kiosk = Kiosk.current()
        self.cells = Counter()  # (day, metric, dims text) → value (flows)
        self.levels = {}  # (day, metric, dims text) → value (packs.on_hand)
        self.rows = {"registration": [], "voucher": [], "deposit": [], "tally": [], "stock": [], "audit": [],
                     "trip": [], "booking": [], "seat": []}
        self.next_trip = (Trip.select(Trip.id).order_by(Trip.id.desc()).limit(1).scalar() or 0) + 1
        self.next_booking = (Booking.select(Booking.id).order_by(Booking.id.desc()).limit(1).scalar() or 0) + 1
        self.seen = set()  # (day, phone): a second registration that day is a repeat visit
        self.codes = set()
        self.open_vouchers = {}  # code → voucher list, while issued
        self.expiring = []  # heap of (expires, code) of issued vouchers
        self.quota = {}  # (person key, pack id, campaign id) → the person's voucher lists
        self.offers = {}  # offer id → (pack id, pack key, campaign id, campaign ends, rule, interval days)
        keys = [key for key, _name, _contents in PACKS.values()]
        self.packs = {pack.key: pack for pack in PackType.select().where(PackType.key.in_(keys))}
        self.on_hand = {key: pack.on_hand for key, pack in self.packs.items()}
        self.reserved = {key: pack.reserved for key, pack in self.packs.items()}
        self.deposits = {}  # code → deposit list, while bags are in custody
        self.due = []  # heap of (due_at, code) of deposits not yet counted overdue
        self.in_custody = Counter()  # shelf → bags
        self.next_deposit = (LuggageDeposit.select(LuggageDeposit.id).order_by(LuggageDeposit.id.desc())
                             .limit(1).scalar() or 0) + 1

    # --- counting ---------------------------------------------------------------------------

    def count(self, metric, day, delta=1, **dims):
        """Add to a cell, as counts.add does (nothing for a zero change)."""
        if delta:
            self.cells[(day, metric, counts.encode_dims(dims))] += delta

    def stamp_on_hand(self, key, day):
        self.levels[(day, "packs.on_hand", counts.encode_dims({"pack": key}))] = self.on_hand[key]

    # --- events -----------------------------------------------------------------------------

    def run(self, kind, what, now, events, summary):
        """One event of the simulation, as kiosk.simulate._run runs it through the use cases."""
        if kind == "visit":
            token = self.register(what, now, summary)
            if what["voucher"]:
                self.issue(what, token, now + datetime.timedelta(seconds=20), events, summary)
            self.check_in(what, now + datetime.timedelta(minutes=1), events, summary)
            self.tally(what, now + datetime.timedelta(minutes=2), summary)
        elif kind == "redeem":
            self.redeem(what, now, summary)
        elif kind == "claim":
            self.claim(what, now, summary)

    def register(self, visitor, now, summary):
        day = clock.local_day(now)
        phone_hash = None
        visit = "first"
        if visitor["phone"]:
            phone_hash = personal_data.fingerprint("phone", visitor["phone"], self.setting.key_at(now)).hash
            if (day, visitor["phone"]) in self.seen:
                visit = "repeat"
            self.seen.add((day, visitor["phone"]))
        destination = visitor["destination"] if visitor["direction"] == "work" else None
        row = SimpleNamespace(direction=visitor["direction"], home_code=visitor["county"],
                              destination_code=destination, destination_city_code=None, visit=visit,
                              intentions="", children=0, elderly=0)
        for metric, delta, dims in registration.count_cells(row):
            self.count(metric, day, delta, **dims)
        token = secrets.token_hex(16)
        self.rows["registration"].append((token, self.kiosk.station_id, self.kiosk.id, now, day, row.direction,
                                          row.home_code, destination, visit, phone_hash,
                                          now if phone_hash else None))
        summary.records["registrations"] += 1
        return token, phone_hash

    def stock_write(self, now):
        """What every stock write does first: expire the vouchers whose last day is over."""
        today = clock.local_day(now)
        while self.expiring and self.expiring[0][0] < today:
            expires, code = heapq.heappop(self.expiring)
            voucher = self.open_vouchers.pop(code, None)
            if voucher is None:  # redeemed meanwhile
                continue
            voucher[V_STATE], voucher[V_CLOSED] = "expired", now
            pack = self.pack_key(voucher[V_PACK])
            self.reserved[pack] -= 1
            self.count("vouchers.expired", expires, pack=pack)
            self.rows["voucher"].append(tuple(voucher))
        return today

    def pack_key(self, pack_id):
        return next(key for key, pack in self.packs.items() if pack.id == pack_id)

    def restock(self, day, people):
        """The morning delivery, as kiosk.simulate._restock makes it."""
        now = _utc(day) + datetime.timedelta(hours=6)
        self.stock_write(now)
        for key, _name, _contents in PACKS.values():
            quantity = max(1, people)
            self.on_hand[key] += quantity
            self.rows["stock"].append((self.packs[key].id, now, day, "in", quantity, RESTOCK_REASON,
                                       self.setting.volunteer_id))
            self.count("packs.stock_in", day, quantity, pack=key)
            self.stamp_on_hand(key, day)

    def offer(self, key, day):
        offer_id = _offer(self.setting, key, day)
        if offer_id is not None and offer_id not in self.offers:
            item = PackOffer.select(PackOffer, Campaign).join(Campaign).where(PackOffer.id == offer_id).get()
            self.offers[offer_id] = (item.pack_type_id, key, item.campaign_id, item.campaign.ends, item.rule,
                                     item.interval_days)
        return self.offers.get(offer_id)

    def issue(self, visitor, person, now, events, summary):
        token, person_key = person
        day = clock.local_day(now)
        key = PACKS[visitor["direction"] if visitor["phone"] else "home"][0]
        offer = self.offer(key, day)
        if offer is None:
            return
        pack_id, key, campaign_id, ends, rule, interval_days = offer
        today = self.stock_write(now)
        if self.refused(person_key, offer, today) or self.on_hand[key] - self.reserved[key] < 1:
            summary.records["vouchers.refused"] += 1
            return
        self.reserved[key] += 1
        code = self.new_code()
        voucher = [code, secrets.token_hex(16), pack_id, campaign_id, today, now, min(today, ends), "issued",
                   person_key, token, None, None]
        self.open_vouchers[code] = voucher
        heapq.heappush(self.expiring, (voucher[V_EXPIRES], code))
        if person_key:
            self.quota.setdefault((person_key, pack_id, campaign_id), []).append(voucher)
        self.count("vouchers.issued", today, pack=key)
        summary.records["vouchers"] += 1
        if visitor["redeem"]:
            _later(events, now + datetime.timedelta(minutes=visitor["collect_minutes"]), "redeem", code)

    def refused(self, person_key, offer, today):
        """True where vouchers.quota_refusal refuses (a pack needing ID goes to no anonymous worker)."""
        _pack_id, key, _campaign_id, _ends, rule, interval_days = offer
        if person_key is None:
            return key != PACKS["home"][0]  # the only pack marked no_id_needed
        counted = [v[V_DAY] for v in self.quota.get((person_key, offer[0], offer[2]), ())
                   if v[V_STATE] in ("issued", "redeemed")]
        if not counted:
            return False
        if rule == "campaign":
            return True
        gap = 1 if rule == "day" else interval_days
        return today < max(counted) + datetime.timedelta(days=gap)

    def new_code(self):
        while True:
            code = tokens.new_code()
            if code not in self.codes:
                self.codes.add(code)
                return code

    def redeem(self, code, now, summary):
        today = self.stock_write(now)
        voucher = self.open_vouchers.pop(code, None)
        if voucher is None:  # expired before collection: the day ended
            summary.records["vouchers.missed"] += 1
            return
        voucher[V_STATE], voucher[V_CLOSED], voucher[V_BY] = "redeemed", now, self.setting.volunteer_id
        key = self.pack_key(voucher[V_PACK])
        self.on_hand[key] -= 1
        self.reserved[key] -= 1
        self.count("vouchers.redeemed", today, pack=key)
        self.stamp_on_hand(key, today)
        self.rows["voucher"].append(tuple(voucher))
        summary.records["vouchers.redeemed"] += 1

    def sweep_overdue(self, now):
        """Count the tickets past their pick-up time, once each, as luggage.sweep_overdue does."""
        while self.due and self.due[0][0] < now:
            due_at, code = heapq.heappop(self.due)
            deposit = self.deposits.get(code)
            if deposit is None:  # claimed in time
                continue
            deposit[D_OVERDUE] = True
            day = clock.local_day(due_at)
            self.count("luggage.overdue", day, len(deposit[D_BAGS]))
            self.count("luggage.tickets.overdue", day, 1)

    def check_in(self, visitor, now, events, summary):
        """Bags to the emptiest shelf, as kiosk.simulate._luggage hands them to luggage.check_in."""
        if not visitor["bags"]:
            return
        rules = self.setting.rules
        due = luggage.pickup_choices(rules, now)
        if not due:
            return
        due_at = due[min(len(due) - 1, visitor["due_choice"])][0]
        room, shelf = max((max(0, rules.shelves[shelf] - self.in_custody[shelf]), shelf) for shelf in rules.shelves)
        if room < len(visitor["bags"]):
            summary.records["luggage.refused"] += 1
            return
        luggage.check_due(due_at, rules, now)
        self.sweep_overdue(now)
        day = clock.local_day(now)
        last4 = visitor["phone"][-4:] if visitor["phone"] else ""
        code = self.new_code()
        deposit = [self.next_deposit, code, day, now, due_at, day + datetime.timedelta(days=rules.unclaimed_days),
                   shelf, visitor["bags"], luggage.phone_digest(last4, self.setting.key_at(now)) if last4 else None,
                   self.setting.volunteer_id, None, False]
        self.next_deposit += 1
        self.deposits[code] = deposit
        heapq.heappush(self.due, (due_at, code))
        self.in_custody[shelf] += len(visitor["bags"])
        self.count("luggage.checked_in", day, len(visitor["bags"]))
        self.count("luggage.tickets.checked_in", day, 1)
        summary.records["luggage"] += 1
        claim_at = min(due_at, now + datetime.timedelta(hours=visitor["claim_hours"]))
        if visitor["late"]:
            claim_at = due_at + datetime.timedelta(days=visitor["late"])
        bags = len(visitor["bags"])
        _later(events, max(claim_at, now + datetime.timedelta(minutes=5)), "claim", (code, bags))

    def claim(self, what, now, summary):
        code, bags = what
        deposit = self.deposits.pop(code)
        self.sweep_overdue(now)
        deposit[D_CLOSED] = now
        deposit[D_PHONE] = None  # erased with the last bag, as luggage._release does
        self.in_custody[deposit[D_SHELF]] -= len(deposit[D_BAGS])
        day = clock.local_day(now)
        self.count("luggage.claimed", day, len(deposit[D_BAGS]))
        self.count("luggage.tickets.claimed", day, 1)
        numbers = range(1, len(deposit[D_BAGS]) + 1)
        detail = luggage._detail(numbers, SimpleNamespace(bags=len(deposit[D_BAGS])), True, "; ticket shown")
        self.audit(now, "luggage_claim", luggage.subject(code), self.setting.volunteer_id, detail)
        self.rows["deposit"].append(deposit)
        summary.records["luggage.claimed"] += 1

    def tally(self, visitor, now, summary):
        service = visitor["service"]
        if service is None or service not in self.setting.services:
            return
        day = clock.local_day(now)
        self.rows["tally"].append((service, visitor["party"], day, self.setting.volunteer_id, now))
        self.count("tallies", day, visitor["party"], service=service)
        summary.records["tallies"] += 1

    # --- return-to-work trips: define, book, board, leave, check in on the road, arrive ---------

    def trips(self, plans, summary):
        """Write the day's planned trips as the trips use cases would leave them: arrived."""
        setting = self.setting
        volunteer = setting.volunteer_id
        for plan in plans:
            spec = trips.check_spec(plan.mode, plan.destination, setting.station.name, plan.departs, plan.seats,
                                    *TRIP_ESCORT, now=plan.booked_at)
            trip_id, self.next_trip = self.next_trip, self.next_trip + 1
            subject = trips.subject(trip_id)
            dims = {"destination": spec.destination_province, "mode": spec.mode}
            arrived = plan.departs + datetime.timedelta(hours=TRIP_HOURS)
            self.rows["trip"].append((trip_id, spec.mode, spec.destination_province, spec.destination_city,
                                      spec.departure_place, spec.departs_at, spec.booking_deadline, spec.seats,
                                      spec.escort_name, spec.escort_phone, "arrived", plan.booked_at,
                                      plan.departs, arrived, arrived))
            where = spec.destination_city or spec.destination_province
            self.audit(plan.booked_at, "trip_define", subject, None, f"local {spec.mode} {where}")
            boards = iter(plan.boards)
            number = 0
            boarding = plan.departs - TRIP_BOARDING
            for party, phone, moment in plan.bookings:
                who = personal_data.fingerprint("phone", phone, setting.key_at(plan.booked_at))
                booking_id, self.next_booking = self.next_booking, self.next_booking + 1
                self.rows["booking"].append((booking_id, trip_id, trips.new_request_token(), who.hash, "phone",
                                             pii_keys.seal(who.last4, moment), party, moment))
                self.count("trips.seats_booked", clock.local_day(moment), party, **dims)
                for _ in range(party):
                    number += 1
                    if next(boards):
                        self.rows["seat"].append((trip_id, booking_id, number, self.new_code(), "boarded", boarding,
                                                  volunteer, "scan"))
                        self.count("trips.boarded", clock.local_day(boarding), **dims)
                        self.audit(boarding, "trip_board", subject, volunteer, f"seat {number} by scan")
                    else:
                        self.rows["seat"].append((trip_id, booking_id, number, self.new_code(), "no_show",
                                                  plan.departs, None, None))
            no_shows = plan.boards.count(False)
            self.count("trips.run", clock.local_day(plan.departs), **dims)
            self.count("trips.no_show", clock.local_day(plan.departs), no_shows, **dims)
            self.audit(plan.departs, "trip_depart", subject, volunteer, f"{no_shows} no-show(s)")
            for hours in range(2, TRIP_HOURS, 2):
                moment = plan.departs + datetime.timedelta(hours=hours)
                self.count("trips.safety_checkins", clock.local_day(moment), **dims)
                self.audit(moment, "trip_safe", subject, volunteer)
            self.count("trips.arrived", clock.local_day(arrived), **dims)
            self.audit(arrived, "trip_arrive", subject, volunteer)
            summary.records["trips"] += 1

    def audit(self, at, action, subject, volunteer_id, detail=""):
        self.rows["audit"].append((at, action, subject, volunteer_id, detail))

    # --- writing ----------------------------------------------------------------------------

    def waiting(self):
        return sum(len(rows) for rows in self.rows.values())

    def write(self, final=False, last=None):
        """Write the rows kept so far (at the end also the open ones, the cells and the stock), in one transaction."""
        if final:
            self.rows["voucher"].extend(tuple(v) for v in self.open_vouchers.values())
            self.rows["deposit"].extend(self.deposits.values())
        with counts.write_transaction():
            _insert(Registration, REGISTRATION_FIELDS, self.rows["registration"])
            _insert(Voucher, VOUCHER_FIELDS, self.rows["voucher"])
            _insert(LuggageDeposit, DEPOSIT_FIELDS, [tuple(d[:D_BAGS]) + (len(d[D_BAGS]),) + tuple(d[D_BAGS + 1:])
                                                     for d in self.rows["deposit"]])
            _insert(LuggageBag, BAG_FIELDS, [
                (d[D_ID], number, kind, d[D_CLOSED], d[D_VOLUNTEER] if d[D_CLOSED] else None,
                 "claim" if d[D_CLOSED] else None)
                for d in self.rows["deposit"] for number, kind in enumerate(d[D_BAGS], start=1)])
            _insert(Tally, TALLY_FIELDS, self.rows["tally"])
            _insert(StockMove, STOCK_FIELDS, self.rows["stock"])
            _insert(AuditEntry, AUDIT_FIELDS, self.rows["audit"])
            _insert(Trip, TRIP_FIELDS, self.rows["trip"])
            _insert(Booking, BOOKING_FIELDS, self.rows["booking"])
            _insert(Seat, SEAT_FIELDS, self.rows["seat"])
            if final:
                self.write_cells()
                for key, pack in self.packs.items():
                    PackType.update(on_hand=self.on_hand[key], reserved=self.reserved[key]).where(
                        PackType.id == pack.id).execute()
                # The last day's stock write, as the use cases end a season: forget the people of an ended campaign.
                vouchers.release_expired(last, now=_utc(last) + datetime.timedelta(hours=6))
        for rows in self.rows.values():
            rows.clear()

    def write_cells(self):
        """Every cell once, stamped in day order after whatever is there (the trips' cells)."""
        cells = sorted({**self.cells, **self.levels}.items())
        seq = counts.head()
        _insert(CountCell, (CountCell.day, CountCell.metric, CountCell.dims, CountCell.value, CountCell.seq),
                [(day, metric, dims, value, seq + n) for n, ((day, metric, dims), value) in enumerate(cells, 1)])


def _insert(model, fields, rows, limit=32_000):
    """insert_many in statements of at most ``limit`` values (SQLite's bound on parameters)."""
    size = max(1, limit // len(fields))
    for start in range(0, len(rows), size):
        model.insert_many(rows[start:start + size], fields=list(fields)).execute()

