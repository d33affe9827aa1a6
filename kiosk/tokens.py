"""Ticket codes: a short code a person can read out, and a signed QR payload.

The short code (8 characters, no 0/O/1/I/L look-alikes) identifies a voucher
or luggage ticket at its own station. The QR carries the same code with the
kind, the issuing kiosk, an expiry day and an HMAC signature, and nothing
about the person:

    NT1.V.7K9MQ2XA.1A2B3C4D.20270131.K3M9Q2XAB7DE4FGH

Everything is in QR's alphanumeric character set, so a 60-character payload
stays a small symbol. Verification tells apart a payload that is not ours,
one from another kiosk, a forged or altered one, and an expired one.
"""

import base64
import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from kiosk.errors import DomainError
from kiosk.errors import N_

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
VERSION = "NT1"
KINDS = {"V": "voucher", "L": "luggage", "T": "seat"}
SIGNATURE_LENGTH = 16
_PAYLOAD = re.compile(r"^NT1\.([VLT])\.([2-9A-HJKMNP-Z]{8})\.([0-9A-F]{8})\.(\d{8})\.([A-Z2-7]{16})$")


_PAYLOAD_ANYWHERE = re.compile(r"NT1\.[VL]\.[2-9A-HJKMNP-Z]{8}\.[0-9A-F]{8}\.\d{8}\.[A-Z2-7]{16}")
MOST_SCANNED = 400  # what a scan box may send: stale text, a doubled scan and the code


class BadTicket(DomainError):
    """A scanned or typed code that cannot be honoured, with the reason."""


@dataclass(frozen=True)
class TicketRef:
    """What a verified payload or typed code points at."""

    kind: str
    code: str
    expires: datetime.date | None


# What a desk says when it is shown another kind of ticket: (found, expected) → msgid.
_WRONG_KIND = {
    ("L", "V"): N_("This is a luggage ticket, not a gift-pack voucher."),
    ("V", "L"): N_("This is a gift-pack voucher, not a luggage ticket."),
    ("T", "V"): N_("This is a bus or train seat ticket, not a gift-pack voucher."),
    ("T", "L"): N_("This is a bus or train seat ticket, not a luggage ticket."),
    ("V", "T"): N_("This is a gift-pack voucher, not a seat ticket."),
    ("L", "T"): N_("This is a luggage ticket, not a seat ticket."),
}


def new_code():
    """Return a fresh random short code (about 40 bits)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def display_code(code):
    """Return the code grouped for reading aloud: 7K9M-Q2XA."""
    return f"{code[:4]}-{code[4:]}"


def kiosk_tag(kiosk_id):
    """Return the 8-character tag of a kiosk id carried in payloads."""
    return kiosk_id[:8].upper()


def _signature(key, body):
    digest = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def payload(kind, code, kiosk_id, expires, key):
    """Return the signed QR payload for a ticket of kind 'V' (voucher), 'L' (luggage) or 'T' (trip seat)."""
    body = f"{VERSION}.{kind}.{code}.{kiosk_tag(kiosk_id)}.{expires:%Y%m%d}"
    return f"{body}.{_signature(key, body)}"


def last_scan(scanned):
    """Reduce what a scan box received to the one code meant, upper case, without spaces.

    Keyboard-wedge scanners may send a code twice, or after text someone left
    in the box: the last complete payload wins. Without one, the last started
    payload (so a cut or altered one is judged as such), else the typed code,
    once if it was typed or scanned twice.
    """
    text = re.sub(r"\s+", "", str(scanned or ""))[-MOST_SCANNED:].upper()
    complete = _PAYLOAD_ANYWHERE.findall(text)
    if complete:
        return complete[-1]
    if VERSION + "." in text:
        return text[text.rindex(VERSION + "."):]
    typed = text.replace("-", "")
    if len(typed) == 2 * CODE_LENGTH and typed[:CODE_LENGTH] == typed[CODE_LENGTH:]:
        return typed[CODE_LENGTH:]
    return text


def read(scanned, kind, kiosk_id, key, today):
    """Turn what a scanner or a person typed into a TicketRef, or raise BadTicket.

    Accepts a full QR payload (with or without trailing newline, doubled, or
    after stale text: see last_scan) or the short code as printed (dashes,
    spaces and lower case allowed).
    """
    text = last_scan(scanned)
    if len(text) > 120:
        raise BadTicket(N_("That is not one of our tickets."))
    upper = text.upper()
    if upper.startswith(VERSION + "."):
        return _read_payload(upper, kind, kiosk_id, key, today)
    typed = re.sub(r"[\s-]", "", upper)  # as printed (7K9M-Q2XA), spaced or lower case
    if len(typed) == CODE_LENGTH and all(ch in ALPHABET for ch in typed):
        return TicketRef(kind=KINDS[kind], code=typed, expires=None)
    raise BadTicket(N_("That is not one of our tickets. Check the code and try again."))


def _read_payload(text, kind, kiosk_id, key, today):
    match = _PAYLOAD.match(text)
    if not match:
        raise BadTicket(N_("That is not one of our tickets."))
    found_kind, code, tag, expiry, signature = match.groups()
    if found_kind != kind:
        raise BadTicket(_WRONG_KIND.get((found_kind, kind), N_("That is not the right kind of ticket here.")))
    if tag != kiosk_tag(kiosk_id):
        raise BadTicket(N_("This ticket was printed at another station. Please use it there."))
    body = text.rsplit(".", 1)[0]
    if not hmac.compare_digest(signature, _signature(key, body)):
        raise BadTicket(N_("This ticket's code is not valid. It may have been altered."))
    try:
        expires = datetime.datetime.strptime(expiry, "%Y%m%d").date()
    except ValueError:
        raise BadTicket(N_("That is not one of our tickets.")) from None
    if expires < today:
        raise BadTicket(N_("This ticket expired on %(day)s."), day=expires.isoformat())
    return TicketRef(kind=KINDS[kind], code=code, expires=expires)
