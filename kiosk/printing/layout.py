"""Fitting a Ticket to a printer's columns. Pure: standard library only.

Font A on an ESC/POS printer is a 12×24-dot cell: 32 columns on 58 mm paper
(384 dots), 48 on 80 mm (576). In Chinese (GB) mode every non-ASCII
character is a 24×24 glyph, two columns wide, and ``GS !`` sizes multiply
widths. The blocks returned here drive both the ESC/POS bytes and the PNG
preview, so the screen shows what the paper gets.
"""

from dataclasses import dataclass

MAX_CODE_SIZE = 3

# Line-breaking rules of Chinese typesetting, simplified: closing punctuation
# never starts a line and opening brackets never end one.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉…—·％,.;:?!)]}%")
NO_LINE_END = frozenset("（《「『【〔〈([{")


@dataclass(frozen=True)
class Text:
    """One printed line, already short enough for the paper at its size."""

    text: str
    size: int = 1
    align: str = "left"
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A dashed line across the paper."""


@dataclass(frozen=True)
class Qr:
    """A QR code, centred, with its error-correction level (M or Q)."""

    payload: str
    ec: str


@dataclass(frozen=True)
class Cut:
    """The end of one part: cut where the model has a cutter, else feed to the tear bar."""


def char_width(char):
    """Columns one character takes: 1 for ASCII, 2 for anything printed from the GB font."""
    return 1 if ord(char) < 0x80 else 2


def width(text):
    """Columns a string takes at size 1."""
    return sum(char_width(char) for char in text)


def layout(ticket, columns):
    """Return the ticket (and its parts) as a tuple of blocks fitted to columns."""
    blocks = []
    for part in (ticket, *ticket.parts):
        blocks.extend(_part(part, columns))
        blocks.append(Cut())
    return tuple(blocks)


def _part(ticket, columns):
    yield from _texts(ticket.title, columns, size=2, align="center", bold=True)
    if ticket.lines:
        yield Rule()
    for line in ticket.lines:
        yield from _texts(_pair(*line) if isinstance(line, tuple) else line, columns)
    if ticket.code or ticket.qr:
        yield Rule()
    if ticket.code:
        size = code_size(ticket.code, columns)
        yield from _texts(ticket.code, columns, size=size, align="center", bold=True)
    if ticket.qr:
        yield Qr(ticket.qr, ticket.qr_ec)
    for line in ticket.footer:
        yield from _texts(line, columns, align="center")


def code_size(code, columns):
    """The largest size (up to 3) at which the code fits on one line."""
    for size in range(MAX_CODE_SIZE, 1, -1):
        if width(code) * size <= columns:
            return size
    return 1


def _pair(label, value):
    separator = "" if label.endswith(("：", ":")) else "："
    return f"{label}{separator}{value}"


def _texts(text, columns, size=1, align="left", bold=False):
    for line in wrap(text, max(1, columns // size)):
        yield Text(line, size, align, bold)


def wrap(text, columns):
    """Break text into lines of at most ``columns``, keeping ASCII words whole where they fit."""
    lines = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, columns))
    return lines


def _wrap_paragraph(paragraph, columns):
    rows = [[]]
    used = 0
    for token in _tokens(paragraph, columns):
        row = rows[-1]
        if used + width(token) <= columns:
            if token != " " or row:
                row.append(token)
                used += width(token)
            continue
        if token == " ":
            rows.append([])
            used = 0
            continue
        carried = [token]
        while len(row) > 1 and row[-1] != " " and _must_carry(row[-1], carried[0]):
            if width("".join([row[-1], *carried])) > columns:
                break
            carried.insert(0, row.pop())
        rows.append(carried)
        used = width("".join(carried))
    return ["".join(row).rstrip(" ") for row in rows]


def _must_carry(previous, token):
    """Whether the token before a break must move to the next line with it."""
    return token[0] in NO_LINE_START or previous[-1] in NO_LINE_END


def _tokens(text, columns):
    """Split into ASCII words, single spaces and single non-ASCII characters."""
    tokens = []
    word = ""
    for char in text:
        if char != " " and char.isascii():
            word += char
            continue
        if word:
            tokens.append(word)
            word = ""
        tokens.append(char)
    if word:
        tokens.append(word)
    # A word longer than the line (a URL, a long number) is cut where it must be.
    return [piece for token in tokens for piece in _chunks(token, columns)]


def _chunks(token, columns):
    if width(token) <= columns:
        return [token]
    return [token[i : i + columns] for i in range(0, len(token), columns)]
