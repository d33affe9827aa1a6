"""The console's one scan box: is this a gift-pack voucher, a luggage ticket or a trip's seat ticket?

A keyboard-wedge scanner types the QR payload, whose kind is in its second
field; a person types the short code printed under it, which is looked up
in both registers. Checking signatures and states is left to the desk the
code is routed to, so each kind keeps one place that decides.
"""

import re

from kiosk import tokens
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.luggage import LuggageDeposit
from kiosk.trips import Seat
from kiosk.vouchers import Voucher

_KIND_OF_PAYLOAD = re.compile(r"^NT1\.([VLT])\.")


def route(scanned):
    """Return "voucher", "luggage" or "seat" for what was scanned or typed, or raise DomainError."""
    text = tokens.last_scan(scanned)
    match = _KIND_OF_PAYLOAD.match(text)
    if match:
        return tokens.KINDS[match.group(1)]
    code = re.sub(r"[\s-]", "", text)
    if len(code) == tokens.CODE_LENGTH:
        if Voucher.select().where(Voucher.code == code).exists():
            return "voucher"
        if LuggageDeposit.select().where(LuggageDeposit.code == code).exists():
            return "luggage"
        if Seat.select().where(Seat.code == code).exists():
            return "seat"
    raise DomainError(N_("No voucher, luggage or seat ticket has this code. Check it and try again."))
