"""The wire format of the office's content channel, office → kiosk: signed items and deliveries.

The office publishes *items* for a scope (a province, a city, a county or one
station): job postings, job fairs, notices, trips, and three housekeeping
kinds: ``clock`` (the office's date, so expiry never depends on the kiosk's
clock), ``key`` (a new office key, signed by the current one) and ``ack``
(tips the office has safely received, which the kiosk may now erase).
Each item is signed on its own with the office's Ed25519 key::

    {"format": "nuantu-content/1", "id": "job-3f…", "kind": "job", "version": 4,
     "scope": {"level": "city", "code": "511100"}, "issued_on": "2027-01-20",
     "valid_until": "2027-02-28" | null, "body": {…}, "key": <key id>,
     "signature": base64 Ed25519 over the canonical JSON of the rest}

A *delivery* is a list of items, sent on the nightly session after the pull
(``POST /sync/content``) or written to a USB stick; the delivery itself is not
signed, its items are, so an item can be re-checked at any time and one bad item
never spoils the rest. ``kiosk.central`` imports this module (the layer test
allows the sync wire modules); the kiosk's receiver is ``kiosk.help``.
"""

import datetime
import json
import re

from kiosk import keys
from kiosk.errors import DomainError
from kiosk.errors import N_

FORMAT = "nuantu-content/1"
DELIVERY_FORMAT = "nuantu-content-delivery/1"
ITEM_FIELDS = frozenset(
    {"format", "id", "kind", "version", "scope", "issued_on", "valid_until", "body", "key", "signature"}
)
# What the office publishes for people, and the channel's own housekeeping.
PUBLISHED_KINDS = ("job", "fair", "notice", "trips")
KINDS = frozenset({*PUBLISHED_KINDS, "clock", "key", "ack"})
LEVELS = ("province", "city", "county", "station")
ITEM_ID = re.compile(r"[a-z][a-z0-9-]{0,63}")
# A posting's kind of work, with the words both the kiosk and the office show for it.
SECTOR_LABELS = {
    "construction": N_("Construction"),
    "factory": N_("Factory"),
    "services": N_("Services"),
    "transport": N_("Transport and delivery"),
    "farming": N_("Farming"),
    "mining": N_("Mining"),
    "domestic": N_("Home care and cleaning"),
    "other": N_("Other work"),
}
SECTORS = tuple(SECTOR_LABELS)
MAX_ITEM_BYTES = 8 * 1024
MAX_TEXT = 200


class ItemRefused(DomainError):
    """An item the kiosk must not take; the message says why (and goes to the log)."""

    status = 422


def canonical(item):
    """Return the bytes a signature covers: sorted keys, no spaces, UTF-8, signature left out."""
    unsigned = {k: v for k, v in item.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def make(kind, item_id, version, scope, body, issued_on, valid_until=None):
    """Return an unsigned item."""
    return {
        "format": FORMAT,
        "id": item_id,
        "kind": kind,
        "version": version,
        "scope": dict(scope),
        "issued_on": issued_on.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "body": body,
    }


def sign(item, signing_key):
    """Return the item signed by the office's key (naming the key by its id)."""
    item = {**item, "key": keys.key_id(signing_key.verify_key)}
    return {**item, "signature": keys.sign(canonical(item), signing_key)}


def fields(item):
    """Return the columns both sides store for an item: kind, version, scope, valid-until, body."""
    return {
        "kind": item["kind"],
        "version": item["version"],
        "scope_level": item["scope"]["level"],
        "scope_code": item["scope"]["code"],
        "valid_until": day(item["valid_until"]) if item["valid_until"] else None,
        "body": json.dumps(item["body"], ensure_ascii=False),
    }


def verify(item, public):
    """Refuse an item whose signature is not by this public key (base64 text)."""
    if not keys.verify(canonical(item), item.get("signature", ""), public):
        raise ItemRefused(N_("bad signature"))
    return item


def check(item):
    """Check an item's shape; return it. Refuse anything else with the part that is wrong."""
    _require(isinstance(item, dict) and set(item) == ITEM_FIELDS, "fields")
    _require(item["format"] == FORMAT, "format")
    _require(isinstance(item["id"], str) and ITEM_ID.fullmatch(item["id"]), "id")
    _require(item["kind"] in KINDS, "kind")
    _require(isinstance(item["version"], int) and not isinstance(item["version"], bool) and item["version"] > 0,
             "version")
    scope = item["scope"]
    _require(isinstance(scope, dict) and set(scope) == {"level", "code"} and scope["level"] in LEVELS, "scope")
    if scope["level"] == "station":
        _require(isinstance(scope["code"], str) and re.fullmatch(r"[\w.-]{1,64}", scope["code"]), "scope code")
    else:
        _require(isinstance(scope["code"], str) and re.fullmatch(r"\d{6}", scope["code"]), "scope code")
    _require(day(item["issued_on"]) is not None, "issued_on")
    _require(item["valid_until"] is None or day(item["valid_until"]) is not None, "valid_until")
    _require(isinstance(item["body"], dict), "body")
    _require(isinstance(item["key"], str) and re.fullmatch(r"[0-9a-f]{16}", item["key"]), "key")
    _require(len(canonical(item)) <= MAX_ITEM_BYTES, "size")
    BODY_CHECKS.get(item["kind"], lambda body: None)(item["body"])
    return item


def scope_covers(scope, station_code, county_code):
    """Return True if an item for ``scope`` is meant for this station in this county."""
    level, code = scope["level"], scope["code"]
    if level == "station":
        return code == station_code
    if level == "county":
        return code == county_code
    if level == "city":
        return code[:4] == county_code[:4]
    return code[:2] == county_code[:2]


def delivery(items):
    """Return a delivery document holding these signed items."""
    return {"format": DELIVERY_FORMAT, "items": list(items)}


def parse_delivery(data):
    """Decode a delivery (bytes or a mapping); return its list of items, unchecked."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ItemRefused(N_("The content file is incomplete or damaged.")) from None
    if not isinstance(data, dict) or data.get("format") != DELIVERY_FORMAT or not isinstance(data.get("items"), list):
        raise ItemRefused(N_("This is not a Nuantu content delivery."))
    return data["items"]


def day(text):
    """Return the date of an ISO day text, or None."""
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _require(ok, part):
    if not ok:
        raise ItemRefused(N_("breaks the content format (%(part)s)"), part=part)


def _text(body, name, required=True, longest=MAX_TEXT):
    value = body.get(name)
    if value is None or value == "":
        _require(not required, name)
        return
    _require(isinstance(value, str) and len(value) <= longest and value.isprintable(), name)


def _check_job(body):
    allowed = {"employer", "title", "pay_min", "pay_max", "place", "place_code", "contact", "skills", "sector",
               "link", "fair"}
    _require(set(body) <= allowed, "job fields")
    for name in ("employer", "title", "place"):
        _text(body, name)
    for name in ("contact", "skills", "link"):
        _text(body, name, required=False)
    _require(body.get("sector") in SECTORS, "sector")
    _require(body.get("place_code") is None or re.fullmatch(r"\d{6}", str(body["place_code"])), "place_code")
    for name in ("pay_min", "pay_max"):
        value = body.get(name)
        _require(value is None or (isinstance(value, int) and 0 <= value <= 1_000_000), name)
    if body.get("link"):
        _require(body["link"].isascii() and body["link"].startswith(("https://", "http://")), "link")
    fair = body.get("fair")
    if fair is not None:
        _require(isinstance(fair, dict) and set(fair) <= {"name", "date", "place"}, "fair")
        _text(fair, "name")
        _text(fair, "place", required=False)
        _require(day(fair.get("date")) is not None, "fair date")


def _check_fair(body):
    _require(set(body) <= {"name", "date", "place", "organizer", "employers"}, "fair fields")
    _text(body, "name")
    _text(body, "place")
    _text(body, "organizer", required=False)
    _require(day(body.get("date")) is not None, "fair date")
    _require(body.get("employers") is None or isinstance(body["employers"], int), "employers")


def _check_notice(body):
    _require(set(body) <= {"title", "text"}, "notice fields")
    _text(body, "title")
    _text(body, "text", longest=2000)


def _check_clock(body):
    _require(set(body) == {"office_day"} and day(body["office_day"]) is not None, "office_day")


def _check_key(body):
    _require(set(body) == {"public_key"}, "key fields")
    try:
        keys.load_public(body["public_key"])
    except (keys.BadKey, AttributeError):
        _require(False, "public_key")


def _check_ack(body):
    _require(set(body) == {"tips"} and isinstance(body["tips"], list) and len(body["tips"]) <= 10_000, "tips")
    _require(all(isinstance(t, str) and re.fullmatch(r"[0-9a-f]{32}", t) for t in body["tips"]), "tip id")


BODY_CHECKS = {
    "job": _check_job,
    "fair": _check_fair,
    "notice": _check_notice,
    "clock": _check_clock,
    "key": _check_key,
    "ack": _check_ack,
    # "trips": the trips feature checks its own body in its handler.
}
