"""What a luggage check-in prints: the owner's claim ticket and one tag per bag, in one job.

Every slip carries the same short code and the same signed QR code, so the
owner's ticket, or a tag, opens the same deposit when scanned. Tags say
"bag i of n" and the shelf; the owner's ticket carries the station hotline.
Text is in the station's language (the caller passes a gettext bound to it),
so a reprint reads exactly like the first print.
"""

import dataclasses

from kiosk import luggage
from kiosk import printing
from kiosk import tokens
from kiosk.errors import N_
from kiosk.printing import Ticket


def slips(deposit, bags, station, keys, gettext):
    """Return the job to print: the owner's ticket, with one tag per bag as its ``parts``."""
    _ = gettext
    qr = tokens.payload(luggage.TOKEN_KIND, deposit.code, keys.kiosk_id, deposit.expires, keys.signing_key)
    code = tokens.display_code(deposit.code)
    checked_in = luggage.local_stamp(deposit.checked_in_at)
    due = luggage.local_stamp(deposit.due_at)
    kinds = _(N_(", ")).join(_(luggage.BAG_KINDS[bag.kind]) for bag in bags)
    footer = [_(N_("Show this ticket to collect your bags."))]
    if deposit.phone_hash:
        footer.append(_(N_("Lost it? Tell the volunteer the last 4 digits of your phone.")))
    if station.hotline:
        footer.append(_(N_("Hotline %(hotline)s"), hotline=station.hotline))
    tags = [
        Ticket(
            kind=luggage.PRINT_KIND,
            title=_(N_("Bag %(number)s of %(bags)s"), number=bag.number, bags=deposit.bags),
            lines=(
                (_(N_("Bag")), _(luggage.BAG_KINDS[bag.kind])),
                (_(N_("Shelf")), deposit.shelf),
                (_(N_("Checked in")), checked_in),
                (_(N_("Pick up by")), due),
            ),
            code=code,
            qr=qr,
        )
        for bag in bags
    ]
    return Ticket(
        kind=luggage.PRINT_KIND,
        title=_(N_("Left-luggage claim ticket")),
        lines=(
            (_(N_("Station")), station.name),
            (_(N_("Bags")), _(N_("%(bags)s (%(kinds)s)"), bags=deposit.bags, kinds=kinds)),
            (_(N_("Checked in")), checked_in),
            (_(N_("Pick up by")), due),
        ),
        code=code,
        qr=qr,
        footer=tuple(footer),
        parts=tuple(tags),
    )


def slip_count(job):
    """Return how many slips a job prints: the owner's ticket and one tag per bag."""
    return 1 + len(Ticket.from_json(job.ticket).parts)


def slip_png(job, index):
    """Return the printer's PNG preview of one slip of a job (0 = the owner's ticket), or None."""
    ticket = Ticket.from_json(job.ticket)
    slips = [dataclasses.replace(ticket, parts=()), *ticket.parts]
    if not 0 <= index < len(slips):
        return None
    return printing.preview_png(slips[index], profile=job.profile)
