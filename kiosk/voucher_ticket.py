"""The paper voucher: what is printed on it, and the one place it goes to the printer.

The wording is passed a ``gettext`` by the caller (domain modules do not
import Flask), so the ticket comes out in the language the worker chose.
Nothing about the person is printed: the QR carries the signed code only.
"""

from dataclasses import dataclass

from kiosk import tokens


@dataclass(frozen=True)
class VoucherTicket:
    """The fields of kiosk.printing's Ticket for one voucher (kind, title, lines, code, qr, footer)."""

    kind: str
    title: str
    lines: tuple
    code: str
    qr: str
    footer: tuple


def build(voucher, station, qr, gettext, collect_at=""):
    """Return the ticket of a voucher: station, pack, contents, validity, code, QR, where to collect."""
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
    return VoucherTicket(
        kind="voucher",
        title=gettext("Gift pack voucher"),
        lines=tuple(lines),
        code=tokens.display_code(voucher.code),
        qr=qr,
        footer=tuple(footer),
    )


def submit(ticket):
    """Queue a voucher ticket for the kiosk's printer (inside the issuing transaction).

    kiosk.printing is not merged yet: until it is, the ticket is shown on
    screen only. Then this becomes ``printing.submit(Ticket(**vars(ticket)))``.
    """
    return ticket
