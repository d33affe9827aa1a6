"""The day's books: what the service point did on one day, checked to add up, and closing it.

A day sheet gathers, for one station-local day, the numbers a manager signs
off at the end of a shift, from the same count cells the central office pulls:

- gift-pack stock per pack type: at the start of the day + counted in −
  taken out − handed out = on hand at the end; of those on hand, some are
  promised to vouchers not collected yet (reserved), the rest are free;
- vouchers issued, handed out, voided and expired that day, and how many
  are still outstanding;
- left luggage checked in, claimed, released without a ticket, and still in
  custody;
- registrations by direction (first visits), and repeats;
- people served per service tally, and late corrections booked on the day.

"At the start" is the last on-hand level recorded before the day; "on hand
at the end" is the day's own level. Both come from level cells, the flows
from flow cells written in other transactions, so a sheet that does not
balance points at something real (a bug or a hand-edited database), not at
arithmetic.

A manager closes a day: the sheet is frozen as printed (``DayClose``) and the
day's count cells become final (see ``kiosk.counts.booking_day``): anything
counted later with that date, such as a tap after closing time, goes on the
next open day. People served on a closed day but counted late are a
``late_correction`` with a reason, booked on the next open day.
"""

import dataclasses
import datetime
import json

from peewee import fn

from kiosk import audit
from kiosk import clock
from kiosk import counts
from kiosk import luggage
from kiosk import metrics
from kiosk import tallies
from kiosk import vouchers
from kiosk.daybook.models import LateCorrection
from kiosk.errors import Conflict
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.models import Kiosk
from kiosk.models import DayClose
from kiosk.models import Volunteer
from kiosk.printing import Ticket
from kiosk.vouchers import Campaign
from kiosk.vouchers import PackOffer
from kiosk.vouchers import PackType
from kiosk.vouchers import Voucher

SLIP_KIND = "day_report"  # the printer's ticket kind
DIRECTIONS = ("home", "work")


@dataclasses.dataclass(frozen=True)
class PackBalance:
    """One pack type's stock and vouchers over a day."""

    key: str
    name: str
    start: int  # on hand when the day began
    stock_in: int
    stock_out: int  # taken out of stock without a voucher (damaged, sent on)
    given: int  # handed out against vouchers
    on_hand: int  # at the end of the day (now, for a day still open)
    reserved: int  # promised to vouchers still valid and not collected at the day's end (or now)
    issued: int
    voided: int
    expired: int

    @property
    def expected(self):
        """On hand as the day's moves say it should be."""
        return self.start + self.stock_in - self.stock_out - self.given

    @property
    def difference(self):
        """On hand minus expected: 0 when the books balance."""
        return self.on_hand - self.expected

    @property
    def free(self):
        """Packs on hand not promised to any voucher."""
        return self.on_hand - self.reserved


@dataclasses.dataclass(frozen=True)
class Correction:
    """People served on a closed day, counted late on an open one."""

    booked_on: datetime.date
    corrects: datetime.date
    service: str
    people: int
    reason: str
    by: str


@dataclasses.dataclass(frozen=True)
class DaySheet:
    """Everything the end-of-day report shows for one station-local day."""

    day: datetime.date
    packs: tuple = ()
    registrations: dict = dataclasses.field(default_factory=dict)  # home, work, repeat → people
    luggage: dict = dataclasses.field(default_factory=dict)  # event or "in_custody" → (tickets, bags)
    tallies: tuple = ()  # (service key, people)
    corrections: tuple = ()  # Correction booked on this day
    closed_at: datetime.datetime | None = None
    closed_by: str = ""

    @property
    def balanced(self):
        """True when every pack's stock adds up."""
        return all(pack.difference == 0 for pack in self.packs)

    @property
    def closed(self):
        return self.closed_at is not None

    @property
    def outstanding(self):
        """Vouchers issued and not yet collected, voided or expired."""
        return sum(pack.reserved for pack in self.packs)

    def to_json(self):
        """Return the sheet as JSON text (what a closed day keeps)."""
        return json.dumps(dataclasses.asdict(self), default=_iso, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text):
        """Return the sheet a closed day kept."""
        data = json.loads(text)
        return cls(
            day=datetime.date.fromisoformat(data["day"]),
            packs=tuple(PackBalance(**pack) for pack in data["packs"]),
            registrations=data["registrations"],
            luggage={event: tuple(pair) for event, pair in data["luggage"].items()},
            tallies=tuple(tuple(pair) for pair in data["tallies"]),
            corrections=tuple(
                Correction(**{**c, "booked_on": datetime.date.fromisoformat(c["booked_on"]),
                              "corrects": datetime.date.fromisoformat(c["corrects"])})
                for c in data["corrections"]
            ),
        )


def _iso(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a day sheet")


# --- reading ------------------------------------------------------------------------------


def day_sheet(day, services=tuple(tallies.SERVICES), now=None):
    """Return the sheet of a day: as frozen when it was closed, else from the live numbers."""
    closing = DayClose.get_or_none(DayClose.day == day)
    if closing is None:
        return live_sheet(day, services, now)
    sheet = DaySheet.from_json(closing.sheet)
    return dataclasses.replace(sheet, closed_at=closing.closed_at, closed_by=closing.closed_by.name)


def live_sheet(day, services=tuple(tallies.SERVICES), now=None, cells=None, packs=None, corrections=True,
               custody=None):
    """Return a day's sheet from the count cells.

    Outstanding vouchers are counted at the end of the day, or now for the
    day still running; bags in custody are as of now. A handful of queries
    whatever the season's size: the console redraws this after every tap.
    A page that shows more of the day passes what it read already: ``cells``
    (counts.day_cells of the day), ``packs`` and ``custody`` (``on_hand()``);
    one that does not show the late corrections (the console home) passes
    ``corrections=False`` and the sheet's ``corrections`` stay empty, unread.
    """
    moment = min(now or clock.now(), _end_of(day))
    if cells is None or cells.day != day or LEVEL not in cells.levels:
        cells = counts.day_cells(day, levels=(LEVEL,))
    tally_keys = list(services) + sorted(cells.dimension_values(tallies.METRIC, "service") - set(services))
    levels = _levels(day, cells)
    packs = pack_stock(moment) if packs is None else packs
    return DaySheet(
        day=day,
        packs=tuple(
            PackBalance(
                key=pack.key,
                name=pack.name,
                start=levels.get((pack.key, "start"), 0),
                stock_in=cells.total("packs.stock_in", pack=pack.key),
                stock_out=cells.total("packs.stock_out", pack=pack.key),
                given=cells.total("vouchers.redeemed", pack=pack.key),
                on_hand=levels.get((pack.key, "end"), 0),
                reserved=pack.outstanding,
                issued=cells.total("vouchers.issued", pack=pack.key),
                voided=cells.total("vouchers.voided", pack=pack.key),
                expired=cells.total("vouchers.expired", pack=pack.key),
            )
            for pack in packs
        ),
        registrations={**{d: cells.total("registrations", direction=d) for d in DIRECTIONS},
                       "repeat": cells.total("registrations.repeat")},
        luggage={
            **luggage.day_counts(day, cells),
            "in_custody": luggage.custody() if custody is None else custody,
        },
        tallies=tuple((key, cells.total(tallies.METRIC, service=key)) for key in tally_keys),
        corrections=tuple(corrections_booked_on(day)) if corrections else (),
    )


def pack_stock(moment=None):
    """Return this station's pack types, each with ``outstanding``: vouchers valid and open at ``moment``,
    and ``offered``: whether a campaign running on that day offers it.

    One statement: a correlated count per pack type that the voucher index
    on (pack type, expires) answers from the few vouchers still valid.
    """
    return list(_pack_stock_query(moment or clock.now()))


def on_hand():
    """Return (pack_stock(), luggage.custody()) now, in one statement: what the console home shows is on the shelves.

    The two luggage numbers ride along on every pack row as subqueries that
    do not depend on the row (SQLite runs them once); a station without pack
    types reads them apart.
    """
    tickets, bags = luggage.custody_queries()
    packs = list(_pack_stock_query(clock.now()).select_extend(tickets.alias("custody_tickets"),
                                                              bags.alias("custody_bags")))
    if not packs:
        return packs, luggage.custody()
    return packs, (packs[0].custody_tickets or 0, packs[0].custody_bags or 0)


def _pack_stock_query(moment):
    day = clock.local_day(moment)
    outstanding = (
        Voucher.select(fn.COUNT(Voucher.id))
        .where(Voucher.pack_type == PackType.id, Voucher.expires >= day,
               Voucher.issued_at <= moment, Voucher.closed_at.is_null() | (Voucher.closed_at > moment))
    )
    offered = fn.EXISTS(PackOffer.select(PackOffer.id).join(Campaign)
                        .where(PackOffer.pack_type == PackType.id, Campaign.starts <= day, Campaign.ends >= day))
    return (PackType.select(PackType, outstanding.alias("outstanding"), offered.alias("offered"))
            .where(PackType.station.in_(Kiosk.select(Kiosk.station)))
            .order_by(PackType.id))


def _end_of(day):
    """Return the naive UTC moment a station-local day ends."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), clock.zone())
    return midnight.astimezone(datetime.UTC).replace(tzinfo=None)


LEVEL = "packs.on_hand"


def _levels(day, cells):
    """Return {(pack key, "start"|"end"): on hand} from the last level recorded before and on ``day``.

    ``cells`` must carry the level's history (counts.day_cells(day, levels=(LEVEL,))).
    """
    found = {}
    for _day, metric, dims, value in cells.history:  # one per pack and day that changed: a few hundred rows
        if metric == LEVEL:
            found[(counts.decode_dims(dims)["pack"], "start")] = value
            found[(counts.decode_dims(dims)["pack"], "end")] = value
    for metric, dims, value in cells.rows():
        if metric == LEVEL:
            found[(counts.decode_dims(dims)["pack"], "end")] = value
    return found


def corrections_booked_on(day):
    """Return the late corrections counted on this day."""
    return _corrections(LateCorrection.booked_on == day)


def corrections_for(day):
    """Return the late corrections made for this (closed) day, wherever they were booked."""
    return _corrections(LateCorrection.corrects == day)


def _corrections(where):
    """The corrections that match, oldest first, with who made them (one statement, not one per name)."""
    rows = (LateCorrection.select(LateCorrection, Volunteer).join(Volunteer).where(where)
            .order_by(LateCorrection.at, LateCorrection.id))
    return [_correction(row) for row in rows]


def _correction(row):
    return Correction(booked_on=row.booked_on, corrects=row.corrects, service=row.service, people=row.people,
                      reason=row.reason, by=row.volunteer.name)


def recent_days(count=7, today=None):
    """Return [(day, DayClose or None)] for the last ``count`` days, newest first."""
    today = today or clock.local_day()
    days = [today - datetime.timedelta(days=n) for n in range(count)]
    closings = {row.day: row for row in DayClose.select().where(DayClose.day.in_(days))}
    return [(day, closings.get(day)) for day in days]


# --- closing and late corrections ---------------------------------------------------------


def _manager(volunteer_id):
    person = Volunteer.get_or_none(Volunteer.id == volunteer_id, Volunteer.active == True)  # noqa: E712
    if person is None or person.role != "manager":
        raise DomainError(N_("Only a station manager can do this."))
    return person


def close_day(day, manager_id, services=tuple(tallies.SERVICES), now=None):
    """Freeze a day's sheet as its report and make its counts final; return the closed sheet."""
    now = now or clock.now()
    today = clock.local_day(now)
    manager = _manager(manager_id)
    if day > today:
        raise DomainError(N_("A day can only be closed once it has begun."))
    if clock.suspect():
        raise DomainError(N_("The kiosk's clock needs checking: a station manager confirms the time first."))
    with counts.write_transaction():
        closing = DayClose.get_or_none(DayClose.day == day)
        if closing is not None:
            raise Conflict(
                N_("This day was already closed by %(name)s at %(time)s."),
                name=closing.closed_by.name, time=clock.local_time(closing.closed_at).strftime("%H:%M"),
            )
        vouchers.release_expired(today, now)  # expiries due count on their own day, not after it
        sheet = live_sheet(day, services, now)
        counts.put("daybook.closed", day, 1)  # the central office sees which days are final
        DayClose.create(day=day, closed_at=now, closed_by=manager.id, sheet=sheet.to_json())
        audit.record("close_day", f"day:{day.isoformat()}", manager.id,
                     detail="balanced" if sheet.balanced else "not balanced")
    return dataclasses.replace(sheet, closed_at=now, closed_by=manager.name)


def correct_late(day, service, people, reason, manager_id, allowed=tuple(tallies.SERVICES), now=None):
    """Count people served on a closed day on the next open day, with the reason; return the Correction."""
    now = now or clock.now()
    manager = _manager(manager_id)
    if service not in allowed:
        raise DomainError(N_("This service is not counted at this station."))
    if isinstance(people, bool) or not isinstance(people, int) or not 1 <= people <= tallies.MAX_PEOPLE:
        raise DomainError(N_("The number of people must be between 1 and %(max)s."), max=tallies.MAX_PEOPLE)
    reason = audit.require_reason(reason)
    with counts.write_transaction():
        if not counts.is_closed(day):
            raise DomainError(N_("This day is still open: count the people with the tally buttons."))
        booked_on = counts.booking_day(clock.local_day(now))
        counts.add(tallies.METRIC, booked_on, people, service=service)
        row = LateCorrection.create(booked_on=booked_on, corrects=day, service=service, people=people,
                                    reason=reason, volunteer=manager.id, at=now)
        audit.record("late_correction", f"day:{day.isoformat()}", manager.id, reason,
                     detail=f"{service} +{people} on {booked_on.isoformat()}")
    return _correction(row)


# --- paper and spreadsheet ----------------------------------------------------------------


def rows(sheet, gettext, station_name="", language="zh_Hans"):
    """Return the sheet as (section, item, value) rows, in the reader's language.

    The same rows make the thermal slip and the CSV download, so the two
    can never disagree. Every count is named by the glossary (kiosk.metrics),
    as on the console and at the office. Luggage rows carry two numbers,
    (section, item, tickets, bags), written to the CSV as separate columns.
    """
    _ = gettext

    def name(key):
        return metrics.label(key, language)

    out = [(_("Day report"), _("Station"), station_name), (_("Day report"), _("Date"), sheet.day.isoformat())]
    if sheet.closed:
        when = clock.local_time(sheet.closed_at).strftime("%H:%M")
        out.append((_("Day report"), _("Day closed"), _("%(time)s by %(name)s", time=when, name=sheet.closed_by)))
    else:
        out.append((_("Day report"), _("Day closed"), _("not yet")))
    section = metrics.group_label("registrations", language)
    out += [(section, name(key), sheet.registrations.get(part, 0)) for part, key in REGISTRATION_FIGURES]
    for pack in sheet.packs:
        section = _("Gift packs: %(pack)s", pack=pack.name)
        out += [(section, name(key), getattr(pack, field)) for field, key in PACK_FIGURES[:5]]
        out.append((section, _("Stock check"), _("balanced") if pack.difference == 0
                    else _("off by %(number)+d", number=pack.difference)))
        out += [(section, name(key), getattr(pack, field)) for field, key in PACK_FIGURES[5:]]
    section = metrics.group_label("luggage", language)
    for event, key in LUGGAGE_FIGURES.items():
        tickets, bags = sheet.luggage.get(event, (0, 0))
        out.append((section, name(key), tickets, bags))  # two numbers: a spreadsheet sums them
    section = name("tallies")
    out += [(section, _(tallies.SERVICES.get(key, key)), people) for key, people in sheet.tallies]
    for c in sheet.corrections:
        out.append((_("Late corrections"), _(tallies.SERVICES.get(c.service, c.service)),
                    _("+%(people)s for %(day)s: %(reason)s (%(name)s)",
                      people=c.people, day=c.corrects.isoformat(), reason=c.reason, name=c.by)))
    return out


# What the day report shows, each named by its glossary key (kiosk.metrics), in the report's order.
REGISTRATION_FIGURES = (("home", "registrations.home"), ("work", "registrations.work"),
                        ("repeat", "registrations.repeat"))
PACK_FIGURES = (  # PackBalance field → measure; the stock check goes after the first five
    ("start", "packs.on_hand_start"),
    ("stock_in", "packs.stock_in"),
    ("stock_out", "packs.stock_out"),
    ("given", "vouchers.redeemed"),
    ("on_hand", "packs.on_hand"),
    ("issued", "vouchers.issued"),
    ("voided", "vouchers.voided"),
    ("expired", "vouchers.expired"),
    ("reserved", "vouchers.outstanding"),
    ("free", "packs.free"),
)
LUGGAGE_FIGURES = {  # luggage.EVENTS, then what is still on the shelves: the bags' measure names the row
    "checked_in": "luggage.checked_in",
    "claimed": "luggage.claimed",
    "overdue": "luggage.overdue",
    "lost_released": "luggage.lost_released",
    "in_custody": "luggage.in_custody",
}


def slip(sheet, gettext, station_name="", printed_at=None, language="zh_Hans"):
    """Return the thermal report slip of a day sheet (a printing.Ticket): the CSV's rows on paper."""
    table = rows(sheet, gettext, station_name, language)
    lines, section = [], table[0][0]  # the first section (station, date, closed) needs no heading
    for heading, item, value, *bags in table:
        if heading != section:
            lines.append(f"—— {heading} ——")
            section = heading
        if bags:
            value = gettext("%(tickets)s tickets, %(bags)s bags", tickets=value, bags=bags[0])
        lines.append((item, str(value)))
    printed_at = printed_at or clock.now()
    return Ticket(
        kind=SLIP_KIND,
        title=gettext("Day report"),
        lines=tuple(lines),
        footer=(gettext("Printed %(time)s", time=clock.local_time(printed_at).strftime("%Y-%m-%d %H:%M")),),
    )
