"""Worker registration (信息登记): the flow's draft, its steps, and saving it once.

A registration is built up in a ``Draft`` that lives in the person's session
(as ``to_state()``), so the idle reset, which clears the session, throws away
whatever was half-entered. Nothing reaches the database before ``register()``,
which writes the row and its count cells in one write transaction. The
draft's token is the row's unique key: a second tap on the confirm button,
or a replayed request, returns the registration already saved.

Phone and ID numbers are turned into fingerprints (kiosk.personal_data) the
moment they are entered, and only after the person has agreed to the notice.
"""

import datetime
import secrets
from dataclasses import dataclass
from dataclasses import replace

from kiosk import clock
from kiosk import counts
from kiosk import personal_data
from kiosk import regions
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.models import Kiosk
from kiosk.registration.models import Registration

DIRECTIONS = ("home", "work")
INTENTIONS = ("local", "skills", "fair")
COMPANION_KINDS = ("children", "elderly")
MOST_COMPANIONS = 9
PERSONAL_FIELDS = ("phone_hash", "phone_last4", "document_kind", "document_hash", "document_last4")

# The flow's screens. Each step names what must be chosen before it makes sense.
STEPS = (
    "direction",
    "prefecture",
    "county",
    "home_province",
    "destination",
    "summary",
    "city",
    "intention",
    "party",
    "consent",
    "phone",
    "id_number",
    "other_document",
)
OPTIONAL_STEPS = ("city", "intention", "party", "consent")
KEYPAD_STEPS = ("phone", "id_number", "other_document")


@dataclass(frozen=True)
class Draft:
    """What a person has chosen so far; becomes a Registration on confirm."""

    token: str
    direction: str
    prefecture: str | None = None
    home: str | None = None
    destination: str | None = None
    city: str | None = None
    intentions: tuple = ()
    children: int = 0
    elderly: int = 0
    consent: bool = False
    phone: personal_data.Fingerprint | None = None
    document: personal_data.Fingerprint | None = None
    document_kind: str | None = None

    @property
    def home_is_province(self):
        """True when the person's home is outside Sichuan, chosen as a whole province."""
        return self.home is not None and self.home.endswith("0000")

    @property
    def ready(self):
        """True once everything required is chosen: direction, home, and destination for work."""
        return self.home is not None and (self.direction == "home" or self.destination is not None)

    def to_state(self):
        """Return a small JSON-able dict for the session cookie (no raw numbers are ever in a draft)."""
        state = {
            "t": self.token,
            "d": self.direction,
            "pf": self.prefecture,
            "h": self.home,
            "ds": self.destination,
            "c": self.city,
            "i": list(self.intentions),
            "ch": self.children,
            "el": self.elderly,
            "ok": self.consent,
        }
        if self.phone:
            state["ph"] = self.phone.to_state()
        if self.document:
            state["doc"] = [*self.document.to_state(), self.document_kind]
        return state

    @classmethod
    def from_state(cls, state):
        """Return the draft a session holds, or None if there is none (or it is not one of ours)."""
        if not isinstance(state, dict):
            return None
        try:
            phone = personal_data.Fingerprint.from_state(state["ph"]) if state.get("ph") else None
            document, kind = None, None
            if state.get("doc"):
                *fingerprint, kind = state["doc"]
                document = personal_data.Fingerprint.from_state(fingerprint)
            draft = cls(
                token=str(state["t"]),
                direction=state["d"],
                prefecture=state.get("pf"),
                home=state.get("h"),
                destination=state.get("ds"),
                city=state.get("c"),
                intentions=tuple(state.get("i") or ()),
                children=int(state.get("ch") or 0),
                elderly=int(state.get("el") or 0),
                consent=bool(state.get("ok")),
                phone=phone,
                document=document,
                document_kind=kind,
            )
        except (KeyError, TypeError, ValueError):
            return None
        return draft if draft.direction in DIRECTIONS else None


@dataclass(frozen=True)
class Receipt:
    """What the confirmation screen shows about a saved registration."""

    token: str
    direction: str
    home: str
    destination: str | None
    visit: str
    phone_last4: str | None
    document_last4: str | None

    @property
    def repeat(self):
        """True when this phone or ID was already registered today."""
        return self.visit == "repeat"


def require(draft, step):
    """Refuse to show a step whose earlier choices are missing (a skipped or replayed step)."""
    if step not in STEPS:
        raise DomainError(N_("That page is not part of registration."))
    if step == "direction":
        return
    if draft is None:
        raise DomainError(N_("Please start again from the first step."))
    if step == "county" and draft.prefecture is None:
        raise DomainError(N_("Please choose your city or prefecture first."))
    if step == "destination" and (draft.home is None or draft.direction != "work"):
        raise DomainError(N_("Please choose your home county first."))
    if step in ("summary",) + OPTIONAL_STEPS + KEYPAD_STEPS and not draft.ready:
        raise DomainError(N_("Please choose where you are going first."))
    if step == "city" and not (draft.destination and regions.cities(draft.destination)):
        raise DomainError(N_("There is no city to choose for that destination."))
    if step in KEYPAD_STEPS and not draft.consent:
        raise DomainError(N_("Please read and agree to the privacy notice first."))


def previous(draft, step):
    """Return the step that Back leads to from ``step`` (None: the home screen)."""
    if step == "prefecture":
        return "direction"
    if step in ("county", "home_province"):
        return "prefecture"
    home_step = "home_province" if draft and draft.home_is_province else "county"
    if step == "destination":
        return home_step
    if step == "summary":
        return "destination" if draft.direction == "work" else home_step
    if step == "other_document":
        return "id_number"
    if step in OPTIONAL_STEPS + KEYPAD_STEPS:
        return "summary"
    return None


def start(direction, card=None):
    """Begin a new draft for a direction; any earlier draft is forgotten (a card read first is kept)."""
    if direction not in DIRECTIONS:
        raise DomainError(N_("Please choose arriving home or leaving for work."))
    draft = Draft(token=secrets.token_hex(16), direction=direction)
    return apply_card(draft, card) if card else draft


@dataclass(frozen=True)
class CardReading:
    """What registration keeps of an ID card laid on the reader: its fingerprint and a proposed home.

    Laying the card is the person's agreement to the notice shown beside the
    reader (the same purpose and retention as the keypad's notice), so it
    stands for the consent the keypad asks a tap for.
    """

    document: personal_data.Fingerprint
    kind: str
    home: str | None

    def to_state(self):
        return {"h": self.document.hash, "l4": self.document.last4, "m": list(self.document.matches),
                "k": self.kind, "home": self.home}

    @classmethod
    def from_state(cls, state):
        if not isinstance(state, dict):
            return None
        try:
            fingerprint = personal_data.Fingerprint(str(state["h"]), str(state["l4"]), tuple(state.get("m") or ()))
            return cls(fingerprint, str(state["k"]), state.get("home"))
        except KeyError:
            return None


def read_card(id_number, address, pii_key, today=None):
    """Check the number read off an ID card and keep its fingerprint and the home it proposes.

    The address is used here and dropped: only a division code is kept.
    """
    document = personal_data.check_id_number(id_number, today or clock.local_day())
    home = regions.home_from_id_card(address, document.number)
    fingerprint = personal_data.fingerprint("document", document.number, pii_key)
    return CardReading(document=fingerprint, kind=document.kind, home=home)


def apply_card(draft, card):
    """Put a card's fingerprint into the draft (with consent) and its home if none is chosen yet."""
    if draft is None:
        raise DomainError(N_("Please start again from the first step."))
    draft = replace(draft, document=card.document, document_kind=card.kind, consent=True)
    if draft.home is None and card.home:
        county = regions.home_county(card.home)
        draft = replace(draft, home=card.home, prefecture=county.parent if county else None)
    return draft


def choose_prefecture(draft, code):
    """Record the home prefecture (a Sichuan city or autonomous prefecture)."""
    require(draft, "prefecture")
    if code not in {r.code for r in regions.prefectures()}:
        raise _not_on_list()
    return replace(draft, prefecture=code)


def choose_home(draft, code, station_county=None):
    """Record the home county: one of the chosen prefecture's, or the station's own (offered first)."""
    require(draft, "county" if code != station_county else "prefecture")
    county = regions.home_county(code)
    if county is None or (code != station_county and county.parent != draft.prefecture):
        raise _not_on_list()
    return replace(draft, prefecture=county.parent, home=county.code)


def choose_home_province(draft, code):
    """Record a home outside Sichuan as its province."""
    require(draft, "home_province")
    if code == regions.HOME_PROVINCE or code not in {p.code for p in regions.provinces()}:
        raise _not_on_list()
    return replace(draft, prefecture=None, home=code)


def choose_destination(draft, code):
    """Record the province a worker is leaving to work in (or regions.UNDECIDED); a different one drops the city."""
    require(draft, "destination")
    if code not in _destinations():
        raise _not_on_list()
    city = draft.city if code == draft.destination else None
    return replace(draft, destination=code, city=city)


def _destinations():
    """Every destination a worker may choose: a province, or not decided yet."""
    return {p.code for p in regions.provinces()} | {regions.UNDECIDED}


def choose_city(draft, code):
    """Record the destination city (optional); an empty code clears it."""
    require(draft, "city")
    if not code:
        return replace(draft, city=None)
    if code not in {c.code for c in regions.cities(draft.destination)}:
        raise _not_on_list()
    return replace(draft, city=code)


def set_intentions(draft, codes):
    """Record what work help the person wants (any of INTENTIONS, possibly none)."""
    require(draft, "intention")
    chosen = set(codes)
    if not chosen <= set(INTENTIONS):
        raise _not_on_list()
    return replace(draft, intentions=tuple(code for code in INTENTIONS if code in chosen))


def set_party(draft, children, elderly):
    """Record how many children and elderly people travel with the person."""
    require(draft, "party")
    numbers = []
    for value in (children, elderly):
        text = str(value).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 3 and int(text) <= MOST_COMPANIONS):
            raise DomainError(N_("Please choose a number from 0 to %(most)s."), most=MOST_COMPANIONS)
        numbers.append(int(text))
    return replace(draft, children=numbers[0], elderly=numbers[1])


def answer_consent(draft, answer):
    """Record the answer ("yes" or "no") to the privacy notice; no also drops any number entered."""
    require(draft, "consent")
    if answer not in ("yes", "no"):
        raise DomainError(N_("Please tap I agree or No."))
    if answer == "yes":
        return replace(draft, consent=True)
    return replace(draft, consent=False, phone=None, document=None, document_kind=None)


def add_phone(draft, text, pii_key):
    """Check a mobile number and keep only its fingerprint in the draft."""
    require(draft, "phone")
    number = personal_data.check_phone(text)
    return replace(draft, phone=personal_data.fingerprint("phone", number, pii_key))


def add_id_number(draft, text, pii_key, today=None):
    """Check an 18-character ID number (or permit of the same layout) and keep its fingerprint."""
    require(draft, "id_number")
    document = personal_data.check_id_number(text, today or clock.local_day())
    return _with_document(draft, document, pii_key)


def add_other_document(draft, text, pii_key):
    """Check another document's number (permit, passport, older card) and keep its fingerprint."""
    require(draft, "other_document")
    return _with_document(draft, personal_data.check_other_document(text), pii_key)


def _with_document(draft, document, pii_key):
    # One fingerprint namespace for every document: a number is a person, whatever its kind.
    fingerprint = personal_data.fingerprint("document", document.number, pii_key)
    return replace(draft, document=fingerprint, document_kind=document.kind)


def register(draft, now=None):
    """Save the draft as a Registration plus its count cells, once; return its Receipt.

    Runs in one write transaction. A draft whose token is already saved (a
    double tap, a replay) returns the saved registration and counts nothing.
    """
    if draft is None:
        raise DomainError(N_("Please start again from the first step."))
    require(draft, "summary")
    _recheck(draft)
    now = now or clock.now()
    day = clock.local_day(now)
    with counts.write_transaction():
        saved = Registration.by_token(draft.token)
        if saved is not None:
            return _receipt(saved, draft)
        kiosk = Kiosk.current()
        if kiosk is None:
            raise DomainError(N_("This kiosk is not set up yet. Please ask a volunteer."))
        visit = "repeat" if _seen_today(draft, day) else "first"
        row = Registration.create(
            token=draft.token,
            station=kiosk.station_id,
            kiosk=kiosk.id,
            created_at=now,
            day=day,
            direction=draft.direction,
            home_code=draft.home,
            destination_code=draft.destination if draft.direction == "work" else None,
            destination_city_code=draft.city if draft.direction == "work" else None,
            intentions=",".join(draft.intentions),
            children=draft.children,
            elderly=draft.elderly,
            visit=visit,
            # The hashes only: the last four has no use once the person has seen it on the screen
            # (a trip booked in this visit takes it from the session, kiosk.views.register).
            phone_hash=draft.phone.hash if draft.phone else None,
            document_kind=draft.document_kind if draft.document else None,
            document_hash=draft.document.hash if draft.document else None,
            consented_at=now if (draft.phone or draft.document) else None,
        )
        _count(row, day)
    return _receipt(row, draft)


def receipt(token):
    """Return the Receipt of a saved registration, or None."""
    row = Registration.by_token(token) if isinstance(token, str) else None
    return _receipt(row) if row else None


def _recheck(draft):
    """Check the draft's codes again: it came back from a cookie."""
    home_ok = regions.home_county(draft.home) is not None or (
        draft.home_is_province and regions.find(draft.home) is not None and draft.home != regions.HOME_PROVINCE
    )
    destination_ok = draft.direction == "home" or draft.destination in _destinations()
    if not (home_ok and destination_ok and set(draft.intentions) <= set(INTENTIONS)):
        raise _not_on_list()
    if (draft.phone or draft.document) and not draft.consent:
        raise DomainError(N_("Please read and agree to the privacy notice first."))


def _seen_today(draft, day):
    matches = []
    # Under every key still alive: a day can straddle the start of a new key's week.
    if draft.phone:
        matches.append(Registration.phone_hash.in_(draft.phone.matches))
    if draft.document:
        matches.append(Registration.document_hash.in_(draft.document.matches))
    if not matches:
        return False  # an anonymous registration cannot be recognised: it counts as a person
    condition = matches[0] if len(matches) == 1 else matches[0] | matches[1]
    return Registration.select().where(Registration.day == day, condition).exists()


def count_places(direction, home, destination, city=None):
    """Return the dimensions a registration is counted under (kiosk.simulate uses them too).

    ``home`` is the home county (or the province of a home outside Sichuan).
    Only a worker leaving for work has a destination: the city chosen on the
    screen when there is one (440300 深圳市, whose first two digits still
    name the province), else the province (440000). The office's registers
    add cities up to their province, so a city is never counted twice.
    """
    places = {"direction": direction, "county": home}
    if direction == "work":
        places["destination"] = city or destination
    return places


def _count(row, day):
    """Add the registration to the day's count cells (codes only, never personal data)."""
    for metric, delta, dims in count_cells(row):
        counts.add(metric, day, delta, **dims)


def count_cells(row):
    """Return the (metric, delta, dimensions) a saved registration adds to its day's cells.

    A repeat visit goes to registrations.repeat and adds nothing else, so every
    other registration cell counts people. (kiosk.simulate.bulk counts with this too.)
    """
    places = count_places(row.direction, row.home_code, row.destination_code, row.destination_city_code)
    if row.visit == "repeat":
        return [("registrations.repeat", 1, places)]
    cells = [("registrations", 1, places)]
    # By direction and home county too, so a county's register can count its own people.
    person = {"direction": row.direction, "county": row.home_code}
    for intention in filter(None, row.intentions.split(",")):
        cells.append(("registrations.intention", 1, {"intention": intention, **person}))
    for kind in COMPANION_KINDS:
        number = getattr(row, kind)
        if number:
            cells.append((f"registrations.{kind}", number, person))
    return cells


def _receipt(row, draft=None):
    """The Receipt of a saved row; the last fours come from the draft just saved (the row has none)."""
    return Receipt(
        token=row.token,
        direction=row.direction,
        home=row.home_code,
        destination=row.destination_code,
        visit=row.visit,
        phone_last4=draft.phone.last4 if draft and draft.phone else row.phone_last4,
        document_last4=draft.document.last4 if draft and draft.document else row.document_last4,
    )


def person_of_draft(draft):
    """Return (fingerprint, kind) a visit's other steps know the person by: the ID's, else the phone's, or None."""
    if draft is None:
        return None
    if draft.document:
        return draft.document, "document"
    if draft.phone:
        return draft.phone, "phone"
    return None


def _not_on_list():
    return DomainError(N_("That place or choice is not on the list. Please choose again."))


# Retention ----------------------------------------------------------------------


def purge_personal_fields(older_than_days, now=None):
    """Clear phone and ID fingerprints of registrations older than N days; return how many.

    The rows stay (direction, places, counts are anonymous) so reports still add up.
    """
    if older_than_days < 0:
        raise DomainError(N_("The number of days cannot be negative."))
    now = now or clock.now()
    cutoff = now - datetime.timedelta(days=older_than_days)
    has_personal = Registration.has_personal()  # the partial index's condition, word for word
    cleared = {name: None for name in PERSONAL_FIELDS}
    with counts.write_transaction():
        query = Registration.update(purged_at=now, **cleared).where(Registration.created_at < cutoff, has_personal)
        return query.execute()
