"""The wire format of count cells, kiosk → central office: what a batch holds, how it is signed and checked.

Sync, kiosk → central office: the wire format of count cells and the kiosk's side of it.

One format, two carriers. The central office pulls pages over HTTP
(``GET /sync/cells?since=N`` with ``Authorization: Bearer <SYNC_TOKEN>``), and a
kiosk with no network writes the same document, holding every cell, to a
bundle file carried on a USB stick. Both are *batches*:

    {"format": "nuantu-counts/1", "kiosk": <kiosk id>, "key": <key id>,
     "station": {"code", "name", "county"}, "since": N, "next": M, "head": H,
     "more": bool, "generated_at": <kiosk clock, UTC>,
     "cells": [{"day", "metric", "dims", "value", "seq"}, …],
     "trips": [{"id", "mode", "province", "city", "place", "departs_at", "seats", "booked",
                "boarded", "state", "last_check_in_at", "next_due_at", "overdue"}, …],  (optional)
     "signature": HMAC-SHA256(SYNC_TOKEN, canonical JSON of the rest)}

``trips`` is optional both ways: the office asks for it (``&trips=1``), so an
older office, whose check wants exactly the other fields, never receives it,
and an older kiosk ignores the question and sends the batch without it.

Why a bearer token plus an HMAC made with that same per-kiosk token: the
office registers one secret per kiosk (``kiosks add NAME URL``, token on stdin) and that
single secret both authenticates pulls and lets the office verify bundles that
arrive on a stick, with no certificates to manage on a closed network. The
kiosk's SIGNING_KEY is deliberately not used: it signs what the kiosk hands
to people (tickets, vouchers), and the office must never hold a key that
could forge those. The signature also turns a truncated or corrupted page
into a clean refusal instead of half a page of counts.

``validate`` is the schema both sides apply: only the fields above, dimension
keys from ``counts.DIMENSIONS`` and values matching their patterns. Nothing
else, and so no personal data, can travel. ``kiosk.central`` imports this
module, and nothing else of the kiosk's domains.
"""

import datetime
import hashlib
import hmac
import json
import os
import re
from pathlib import Path

from kiosk import counts
from kiosk import stations
from kiosk.errors import DomainError
from kiosk.errors import N_

FORMAT = "nuantu-counts/1"
PAGE_SIZE = 500
MAX_PAGE_SIZE = 5000

# The station identity rule is kiosk.stations' (one for provisioning, start-up and every batch).
STATION_CODE = stations.STATION_CODE
COUNTY = stations.COUNTY_CODE

BATCH_FIELDS = frozenset(
    {"format", "kiosk", "key", "station", "since", "next", "head", "more", "generated_at", "cells"}
)
STATION_FIELDS = frozenset({"code", "name", "county"})
CELL_FIELDS = frozenset({"day", "metric", "dims", "value", "seq"})
# Optional parts of a batch: an office or kiosk older than one of them neither sends nor asks for it.
OPTIONAL_FIELDS = frozenset({"trips"})

# ``trips`` (optional): the kiosk's return-to-work trips on the road or departing around today, sent
# when the office asks (``/sync/cells?…&trips=1``, first page) and in bundles. Codes, places, times
# and seat counts only: no escort, no booking, nothing about a person.
TRIP_FIELDS = frozenset({
    "id", "mode", "province", "city", "place", "departs_at", "seats", "booked", "boarded", "state",
    "last_check_in_at", "next_due_at", "overdue",
})
TRIP_MODES = frozenset({"bus", "train"})
TRIP_STATES = frozenset({"open", "departed", "arrived", "cancelled"})
MAX_TRIPS = 500
MAX_TRIP_SEATS = 2000
REGION_CODE = re.compile(r"[1-9][0-9]0000|[1-9][0-9]{3}00")

KIOSK_ID = re.compile(r"[0-9a-f]{32}")
KEY_ID = re.compile(r"[0-9a-f]{16}")


class BatchRefused(DomainError):
    """A page or bundle that must not be counted; the message says why."""

    status = 422


# Signing ------------------------------------------------------------------


def key_id(token):
    """Return a short public fingerprint of a token, so a bundle names its key.

    The office finds which registered kiosk a bundle claims to come from by
    this id, then checks the signature with that kiosk's token.
    """
    return hashlib.sha256(b"nuantu-key-id:" + token.encode()).hexdigest()[:16]


def canonical(batch):
    """Return the bytes a signature covers: sorted keys, no spaces, UTF-8."""
    unsigned = {k: v for k, v in batch.items() if k != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(batch, token):
    """Return the hex HMAC-SHA256 of a batch under a kiosk's token."""
    return hmac.new(token.encode(), canonical(batch), hashlib.sha256).hexdigest()


def sign(batch, token):
    """Return the batch with its signature added."""
    return {**batch, "signature": signature(batch, token)}


def token_matches(given, expected):
    """Compare a presented token with the expected one in constant time."""
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def bearer(header):
    """Return the token of an ``Authorization: Bearer …`` header, or ''."""
    scheme, _, token = (header or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


# Reading and checking a batch ---------------------------------------------


def parse(data):
    """Decode a batch from bytes; a truncated or garbled one is refused."""
    try:
        batch = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BatchRefused(N_("The data is incomplete or damaged (not a whole count document).")) from None
    if not isinstance(batch, dict) or batch.get("format") != FORMAT:
        raise BatchRefused(N_("This is not a Nuantu count document."))
    return batch


def verify(batch, token):
    """Refuse a batch whose signature does not match the kiosk's token."""
    given = batch.get("signature")
    if not isinstance(given, str) or not hmac.compare_digest(given, signature(batch, token)):
        raise BatchRefused(N_("The signature does not match: the data was changed or comes from another kiosk."))
    return batch


def validate(batch):
    """Check a batch against the schema; return it without its signature.

    Only whitelisted fields, dimension keys and value patterns pass, so no
    personal data can travel even if a feature tried to count by it.
    """
    batch = {k: v for k, v in batch.items() if k != "signature"}
    _require(BATCH_FIELDS <= set(batch) <= BATCH_FIELDS | OPTIONAL_FIELDS, "fields")
    _require(batch["format"] == FORMAT, "format")
    _require(_text(batch["kiosk"], KIOSK_ID), "kiosk")
    _require(_text(batch["key"], KEY_ID), "key")
    station = batch["station"]
    _require(isinstance(station, dict) and set(station) == STATION_FIELDS, "station")
    _require(stations.identity_problem(station["code"], station["name"], station["county"]) is None,
             "station (code, name or county)")
    since, upto, head = batch["since"], batch["next"], batch["head"]
    _require(all(_count(n) for n in (since, upto, head)) and since <= upto, "cursor")
    # An empty page may echo a cursor above the head: the office then sees
    # that the kiosk went backwards (restored from an old copy) and says so.
    _require(upto <= head or (upto == since and not batch["cells"]), "head")
    _require(isinstance(batch["more"], bool), "more")
    _require(_moment(batch["generated_at"]) is not None, "generated_at")
    _require(isinstance(batch["cells"], list), "cells")
    seqs = set()
    for cell in batch["cells"]:
        _check_cell(cell, since, upto)
        seqs.add(cell["seq"])
    _require(len(seqs) == len(batch["cells"]), "duplicate seq")
    if "trips" in batch:
        trips = batch["trips"]
        _require(isinstance(trips, list) and len(trips) <= MAX_TRIPS, "trips")
        for trip in trips:
            _check_trip(trip)
        _require(len({trip["id"] for trip in trips}) == len(trips), "duplicate trip id")
    return batch


def _check_trip(trip):
    _require(isinstance(trip, dict) and set(trip) == TRIP_FIELDS, "trip fields")
    _require(_count(trip["id"]) and trip["id"] < 2**63, "trip id")
    _require(trip["mode"] in TRIP_MODES if isinstance(trip["mode"], str) else False, "trip mode")
    _require(_text(trip["province"], REGION_CODE) and trip["province"].endswith("0000"), "trip province")
    _require(trip["city"] is None or (_text(trip["city"], REGION_CODE) and trip["city"][:2] == trip["province"][:2]),
             "trip city")
    place = trip["place"]
    _require(isinstance(place, str) and 0 < len(place) <= 64 and place.isprintable(), "trip place")
    _require(all(_count(trip[k]) and trip[k] <= MAX_TRIP_SEATS for k in ("seats", "booked", "boarded")),
             "trip seats")
    _require(trip["state"] in TRIP_STATES if isinstance(trip["state"], str) else False, "trip state")
    _require(_moment(trip["departs_at"]) is not None, "trip departs_at")
    for key in ("last_check_in_at", "next_due_at"):
        _require(trip[key] is None or _moment(trip[key]) is not None, f"trip {key}")
    _require(isinstance(trip["overdue"], bool), "trip overdue")


def _check_cell(cell, since, upto):
    _require(isinstance(cell, dict) and set(cell) == CELL_FIELDS, "cell fields")
    _require(isinstance(cell["day"], str) and _day(cell["day"]) is not None, "cell day")
    _require(_count(cell["value"]), "cell value")
    _require(_count(cell["seq"]) and since < cell["seq"] <= upto, "cell seq")
    _require(isinstance(cell["dims"], dict), "cell dims")
    try:
        counts.check_metric(cell["metric"])
        for key, value in cell["dims"].items():
            counts.check_dimension(key, value)
    except ValueError as error:
        raise BatchRefused(N_("The data breaks the count format (%(part)s)."), part=str(error)) from None


def _require(ok, part):
    if not ok:
        raise BatchRefused(N_("The data breaks the count format (%(part)s)."), part=part)


def _text(value, pattern):
    return isinstance(value, str) and pattern.fullmatch(value) is not None


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _moment(text):
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def write_document(path, document):
    """Write a JSON document for a USB stick: beside its target, fsynced, then renamed into place,
    so a stick pulled out mid-write never holds half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "wb") as f:
        f.write(json.dumps(document, ensure_ascii=False, indent=1).encode())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return document


def moment(text):
    """Return an ISO time with its zone (``…Z``) as an aware datetime, None for None or bad text."""
    return _moment(text) if text is not None else None


def generated_at(batch):
    """Return the kiosk-clock time a batch was made, as an aware datetime."""
    return _moment(batch["generated_at"])


# The kiosk's side ---------------------------------------------------------
