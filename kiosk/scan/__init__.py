"""The console's one scan box: is this a gift-pack voucher or a luggage ticket?

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
from kiosk.vouchers import Voucher

_KIND_OF_PAYLOAD = re.compile(r"^NT1\.([VL])\.")


def route(scanned):
    """Return "voucher" or "luggage" for what was scanned or typed, or raise DomainError."""
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
    raise DomainError(N_("No voucher or luggage ticket has this code. Check it and try again."))
