"""Job postings (招聘信息) and job fairs at the kiosk: listed local first, a take-away slip with a QR.

Postings and fairs come only from the office's signed channel (``content``).
Local means the posting's place is in the station's own city (prefecture);
a worker who registered 返岗 in this visit sees postings in their destination
province next. Counts: ``jobs.viewed`` and ``jobs.slips_printed`` by sector
and locality (local/away).
"""

import datetime
from dataclasses import dataclass

from kiosk import clock
from kiosk import counts
from kiosk import printing
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.help import content
from kiosk.printing import Ticket
from kiosk.sync import content_wire

SECTORS = content_wire.SECTOR_LABELS


@dataclass(frozen=True)
class Posting:
    """One job posting as the kiosk shows and prints it."""

    item_id: str
    employer: str
    title: str
    sector: str
    place: str
    place_code: str | None
    pay_min: int | None
    pay_max: int | None
    contact: str
    skills: str
    link: str
    fair: dict | None
    valid_until: datetime.date | None
    local: bool

    @property
    def locality(self):
        return "local" if self.local else "away"


@dataclass(frozen=True)
class Fair:
    """A job fair on the calendar."""

    item_id: str
    name: str
    date: datetime.date
    place: str
    organizer: str


def _posting(item_id, body, valid_until, county_code):
    place_code = body.get("place_code")
    return Posting(
        item_id=item_id,
        employer=body["employer"],
        title=body["title"],
        sector=body["sector"],
        place=body["place"],
        place_code=place_code,
        pay_min=body.get("pay_min"),
        pay_max=body.get("pay_max"),
        contact=body.get("contact") or "",
        skills=body.get("skills") or "",
        link=body.get("link") or "",
        fair=body.get("fair"),
        valid_until=valid_until,
        local=bool(place_code) and place_code[:4] == county_code[:4],
    )


def postings(county_code, destination=None, today=None):
    """Return the live postings: local first, then the worker's destination province, then the rest."""
    found = [_posting(i, b, v, county_code) for i, b, v in content.current("job", today)]

    def rank(posting):
        if posting.local:
            return 0
        if destination and posting.place_code and posting.place_code[:2] == destination[:2]:
            return 1
        return 2

    return sorted(found, key=rank)


def posting(item_id, county_code, today=None):
    """Return one live posting, or raise NotFound (expired or withdrawn)."""
    found = content.live(item_id, today)
    if found is None or found[1] != "job":
        raise NotFound(N_("This job posting is no longer open."))
    return _posting(found[0], found[2], found[3], county_code)


def fairs(today=None):
    """Return the job fairs from today on, by date."""
    today = today or content.office_today()
    found = [
        Fair(i, b["name"], datetime.date.fromisoformat(b["date"]), b["place"], b.get("organizer") or "")
        for i, b, _ in content.current("fair", today)
    ]
    return sorted((f for f in found if f.date >= today), key=lambda f: (f.date, f.name))


def notices(today=None):
    """Return the office's live notices as (title, text), newest first."""
    return [(body["title"], body["text"]) for _, body, _ in reversed(content.current("notice", today))]


def month_grid(first_day, fair_list):
    """Return weeks (Monday first) of (date or None, fairs that day) for the month of first_day."""
    first = first_day.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    by_day = {}
    for fair in fair_list:
        by_day.setdefault(fair.date, []).append(fair)
    cells = [(None, [])] * first.weekday()
    day = first
    while day < following:
        cells.append((day, by_day.get(day, [])))
        day += datetime.timedelta(days=1)
    cells += [(None, [])] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


def count_view(posting, now=None):
    """Count that a worker opened a posting."""
    with counts.write_transaction():
        counts.add("jobs.viewed", clock.local_day(now), sector=posting.sector, locality=posting.locality)


def slip(posting, station, gettext, platform_url=""):
    """Return the take-away slip of a posting, in the screen's language."""
    _ = gettext
    lines = [(_(N_("Employer")), posting.employer), (_(N_("Job")), posting.title)]
    lines.append((_(N_("Pay")), pay_text(posting, gettext)))
    lines.append((_(N_("Place")), posting.place))
    if posting.contact:
        lines.append((_(N_("Contact")), posting.contact))
    if posting.skills:
        lines.append((_(N_("Skills")), posting.skills))
    if posting.fair:
        fair = posting.fair
        lines.append((_(N_("Job fair")), fair["name"]))
        lines.append((_(N_("Fair date")), fair["date"]))
        if fair.get("place"):
            lines.append((_(N_("Fair place")), fair["place"]))
    if posting.valid_until:
        lines.append((_(N_("Open until")), posting.valid_until.isoformat()))
    qr = qr_of(posting, platform_url)
    footer = [_(N_("Scan the code to call the employer.")) if qr.startswith("tel:")
              else _(N_("Scan the code for the posting online."))] if qr else []
    footer.append(_(N_("From %(station)s. Never pay a fee to get a job.") , station=station.name))
    return Ticket(kind="job", title=_(N_("Job posting")), lines=tuple(lines), qr=qr, footer=tuple(footer))


def qr_of(posting, platform_url=""):
    """Return the QR payload of a slip: the contact phone, else the posting's or the platform's page."""
    digits = "".join(ch for ch in posting.contact if ch.isdigit() or ch == "-")
    if sum(ch.isdigit() for ch in digits) >= 7:
        return f"tel:{digits.replace('-', '')}"
    link = posting.link or platform_url
    return link if link and link.isascii() and len(link) <= 300 else ""


def pay_text(posting, gettext):
    """Return the pay range as people read it."""
    _ = gettext
    low, high = posting.pay_min, posting.pay_max
    if low and high and low != high:
        return _(N_("%(low)s–%(high)s yuan a month"), low=low, high=high)
    if low or high:
        return _(N_("%(pay)s yuan a month"), pay=low or high)
    return _(N_("Ask the employer"))


def print_slip(posting, ticket, now=None):
    """Queue a posting's slip and count it, in one transaction; return the print job."""
    with counts.write_transaction():
        job = printing.submit(ticket)
        counts.add("jobs.slips_printed", clock.local_day(now), sector=posting.sector, locality=posting.locality)
    printing.wake()
    return job
