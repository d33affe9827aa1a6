"""The paper voucher: station, pack, contents, validity, code, QR and where to collect.

The wording is passed a ``gettext`` by the caller (domain modules do not
import Flask), so the ticket comes out in the language the worker chose.
Nothing about the person is printed: the QR carries the signed code only.
"""

from kiosk import tokens
from kiosk.printing import Ticket


def build(voucher, station, qr, gettext, collect_at=""):
    """Return the printing.Ticket of a voucher."""
    pack = voucher.pack_type
    if voucher.expires == voucher.day:
        valid = gettext("%(day)s, that day only", day=voucher.expires.isoformat())
    else:
        valid = gettext("until %(day)s", day=voucher.expires.isoformat())
    lines = [(gettext("Station"), station.name), (gettext("Pack"), pack.name)]
    if pack.contents:
        lines.append((gettext("Contents"), pack.contents))
    lines.append((gettext("Valid"), valid))
    if collect_at:
        where = gettext("Show this ticket at %(place)s to collect your pack.", place=collect_at)
    else:
        where = gettext("Show this ticket at the volunteer desk to collect your pack.")
    footer = [where]
    if station.hotline:
        footer.append(gettext("Hotline %(hotline)s", hotline=station.hotline))
    return Ticket(
        kind="voucher",
        title=gettext("Gift pack voucher"),
        lines=tuple(lines),
        code=tokens.display_code(voucher.code),
        qr=qr,
        footer=tuple(footer),
    )
