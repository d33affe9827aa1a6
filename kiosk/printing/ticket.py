"""What goes on a paper ticket, before any printer is involved. Pure data."""

import json
from dataclasses import dataclass

# Kinds people keep for hours get a sturdier QR code (error correction Q):
# a luggage claim ticket rides in a pocket all day, a seat ticket until the
# bus leaves, a voucher is scanned
# within minutes of printing (M is enough and keeps the symbol small).
LONG_KEPT_KINDS = frozenset({"luggage", "seat"})
QR_MAX_LENGTH = 300


@dataclass(frozen=True)
class Ticket:
    """One paper ticket: a title, body lines, a big code, a QR code and a footer.

    ``lines`` holds strings or ``(label, value)`` pairs. ``parts`` are further
    tickets printed in the same job after a cut (or tear-off), e.g. the bag
    tag that goes with a luggage claim ticket.
    """

    kind: str
    title: str
    lines: tuple = ()
    code: str = ""
    qr: str = ""
    footer: tuple = ()
    parts: tuple = ()

    def __post_init__(self):
        if not self.kind or not self.kind.isidentifier():
            raise ValueError(f"ticket kind must be a short identifier, not {self.kind!r}")
        lines = tuple(tuple(line) if isinstance(line, (list, tuple)) else line for line in self.lines)
        for line in lines:
            if isinstance(line, tuple) and len(line) != 2:
                raise ValueError("a ticket line is a string or a (label, value) pair")
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "footer", tuple(self.footer))
        object.__setattr__(self, "parts", tuple(self.parts))
        if self.qr and not (self.qr.isascii() and self.qr.isprintable() and len(self.qr) <= QR_MAX_LENGTH):
            raise ValueError(f"a QR payload is printable ASCII of at most {QR_MAX_LENGTH} characters")

    @property
    def qr_ec(self):
        """QR error-correction level for this kind: Q for tickets kept for hours, else M."""
        return "Q" if self.kind in LONG_KEPT_KINDS else "M"

    def texts(self):
        """Yield every piece of text a person will read, parts included."""
        yield self.title
        for line in self.lines:
            yield from line if isinstance(line, tuple) else (line,)
        yield self.code
        yield from self.footer
        for part in self.parts:
            yield from part.texts()

    def map_texts(self, change):
        """Return a copy with change() applied to every text a person reads (not the QR payload)."""
        return Ticket(
            kind=self.kind,
            title=change(self.title),
            lines=tuple(
                tuple(change(part) for part in line) if isinstance(line, tuple) else change(line) for line in self.lines
            ),
            code=change(self.code),
            qr=self.qr,
            footer=tuple(change(line) for line in self.footer),
            parts=tuple(part.map_texts(change) for part in self.parts),
        )

    def to_dict(self):
        """Return the ticket as plain JSON-ready data."""
        return {
            "kind": self.kind,
            "title": self.title,
            "lines": [list(line) if isinstance(line, tuple) else line for line in self.lines],
            "code": self.code,
            "qr": self.qr,
            "footer": list(self.footer),
            "parts": [part.to_dict() for part in self.parts],
        }

    @classmethod
    def from_dict(cls, data):
        """Rebuild a ticket from ``to_dict()`` data."""
        return cls(**{**data, "parts": tuple(cls.from_dict(part) for part in data.get("parts", ()))})

    def to_json(self):
        """Return the ticket as compact JSON (stored with each print job)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text):
        """Rebuild a ticket from ``to_json()`` text."""
        return cls.from_dict(json.loads(text))
