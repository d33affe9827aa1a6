"""The wire format of sealed cases, kiosk → office: wage-arrears tips nobody on the way can read.

A tip is sealed on the kiosk to the office's public key (``kiosk.keys.seal``,
a libsodium sealed box) the moment the worker confirms it; the kiosk keeps only
the sealed bytes, so neither the kiosk after sending nor the sync path can open
it. Sealed tips travel in a *tip batch*, signed with HMAC-SHA256 under the
kiosk's SYNC_TOKEN like a count page (``kiosk.sync.wire``), so the office knows
which kiosk sent them::

    {"format": "nuantu-tips/1", "kiosk": <kiosk id>, "key": <token key id>,
     "station": {"code", "county"}, "generated_at": "…Z",
     "tips": [{"id": <32 hex>, "number": "T-…", "office_key": <office key id>,
               "day": "YYYY-MM-DD", "sealed": base64}, …],
     "signature": …}

The same batch is served to the office's nightly session (``GET /sync/tips``)
and written to a USB stick. What is inside a sealed tip is ``TIP_FIELDS``.
"""

import json
import re

from kiosk import keys
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.sync import wire

FORMAT = "nuantu-tips/1"
BATCH_FIELDS = frozenset({"format", "kiosk", "key", "station", "generated_at", "tips"})
ENVELOPE_FIELDS = frozenset({"id", "number", "office_key", "day", "sealed"})
# What the worker told the kiosk, inside the sealed box only.
TIP_FIELDS = frozenset({"number", "station", "station_name", "day", "province", "city", "sector", "amount",
                        "duration", "workers", "phone", "employer"})
MAX_SEALED = 4096
# The worker's answers, as codes inside the sealed tip, with the words the kiosk
# asks them in and the office reads them back in.
CHOICES = {
    "sector": {
        "construction": N_("Construction site"),
        "factory": N_("Factory"),
        "services": N_("Restaurant, shop, services"),
        "transport": N_("Transport and delivery"),
        "farming": N_("Farming"),
        "domestic": N_("Home care and cleaning"),
        "other": N_("Other work"),
    },
    "amount": {
        "under_5k": N_("Under 5,000 yuan"),
        "5k_20k": N_("5,000–20,000 yuan"),
        "20k_50k": N_("20,000–50,000 yuan"),
        "over_50k": N_("Over 50,000 yuan"),
        "unsure": N_("Not sure"),
    },
    "duration": {
        "under_1m": N_("Less than 1 month"),
        "1_3m": N_("1–3 months"),
        "3_6m": N_("3–6 months"),
        "6_12m": N_("6–12 months"),
        "over_1y": N_("Over a year"),
    },
    "workers": {
        "1": N_("Only me"),
        "2_5": N_("2–5 workers"),
        "6_20": N_("6–20 workers"),
        "over_20": N_("More than 20"),
    },
}


class TipsRefused(DomainError):
    """A tip batch that must not be taken in; the message says why."""

    status = 422


def seal(tip, office_public):
    """Seal a tip (a mapping with TIP_FIELDS) to the office's public key; return base64."""
    return keys.seal(json.dumps(tip, ensure_ascii=False, sort_keys=True).encode(), office_public)


def open_sealed(sealed, signing_key):
    """Open a sealed tip with the office's signing key; return the mapping."""
    return json.loads(keys.unseal(sealed, signing_key))


def batch(kiosk_id, token, station_code, county_code, generated_at, envelopes):
    """Return a signed tip batch."""
    unsigned = {
        "format": FORMAT,
        "kiosk": kiosk_id,
        "key": wire.key_id(token),
        "station": {"code": station_code, "county": county_code},
        "generated_at": generated_at,
        "tips": list(envelopes),
    }
    return wire.sign(validate(unsigned), token)


def parse(data):
    """Decode a tip batch from bytes."""
    try:
        found = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TipsRefused(N_("The tips file is incomplete or damaged.")) from None
    if not isinstance(found, dict) or found.get("format") != FORMAT:
        raise TipsRefused(N_("This is not a Nuantu tips file."))
    return found


def verify(found, token):
    """Refuse a batch whose signature does not match the kiosk's token."""
    try:
        return wire.verify(found, token)
    except wire.BatchRefused:
        raise TipsRefused(N_("The signature does not match: the data was changed or comes from another kiosk.")) from None


def validate(found):
    """Check a batch's shape; return it without its signature."""
    found = {k: v for k, v in found.items() if k != "signature"}
    _require(set(found) == BATCH_FIELDS, "fields")
    _require(isinstance(found["kiosk"], str) and wire.KIOSK_ID.fullmatch(found["kiosk"]), "kiosk")
    _require(isinstance(found["key"], str) and wire.KEY_ID.fullmatch(found["key"]), "key")
    station = found["station"]
    _require(isinstance(station, dict) and set(station) == {"code", "county"}, "station")
    _require(isinstance(station["code"], str) and wire.STATION_CODE.fullmatch(station["code"]), "station code")
    _require(isinstance(station["county"], str) and wire.COUNTY.fullmatch(station["county"]), "county")
    _require(isinstance(found["tips"], list), "tips")
    for envelope in found["tips"]:
        _require(isinstance(envelope, dict) and set(envelope) == ENVELOPE_FIELDS, "tip fields")
        _require(isinstance(envelope["id"], str) and re.fullmatch(r"[0-9a-f]{32}", envelope["id"]), "tip id")
        _require(isinstance(envelope["number"], str) and re.fullmatch(r"[A-Z0-9-]{4,24}", envelope["number"]),
                 "tip number")
        _require(isinstance(envelope["office_key"], str) and wire.KEY_ID.fullmatch(envelope["office_key"]),
                 "office key")
        _require(isinstance(envelope["day"], str) and wire._day(envelope["day"]) is not None, "day")
        _require(isinstance(envelope["sealed"], str) and len(envelope["sealed"]) <= MAX_SEALED, "sealed")
    return found


def _require(ok, part):
    if not ok:
        raise TipsRefused(N_("The data breaks the tips format (%(part)s)."), part=part)
