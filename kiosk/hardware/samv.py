"""The ID card reader's frame protocol (居民身份证阅读器 "SAM" interface, GA 467).

Readers sold for kiosks (华视 CVR-100, 神思 SS628, 精伦 iDR210 and the modules in
them) carry a security module (SAM) that does the card's cryptography; the host
talks to it over a USB-serial line in frames::

    host → reader   AA AA AA 96 69 | LEN(2, big-endian) | CMD PARA [data] | CHK
    reader → host   AA AA AA 96 69 | LEN(2, big-endian) | SW1 SW2 SW3 [data] | CHK

LEN counts the bytes after itself (the command or status bytes, data and CHK);
CHK is the XOR of every byte from LEN to the last data byte. SW1 SW2 are 00 00
and SW3 says what happened: 0x90 done, 0x9F a card was found, 0x80 no card,
0x81 selecting failed, 0x41 reading failed, 0x10 the reader got a bad checksum…

The three commands a kiosk needs: find card (20 01), select card (20 02), read
text and photo (30 01). The read answer's data is the text length and the
photo length (two bytes each, big-endian; 256 and 1024), the text block and
the photo (an encrypted "wlt" image the kiosk never decodes or keeps). The
text block is UCS-2 little-endian, fixed fields padded with spaces: name 30
bytes, sex 2, ethnicity 4, birth date 16, address 70, ID number 36, issuing
office 30, valid from 16, valid to 16, reserved 36.

Sources read for this (public, open-source hosts of the same protocol; no code
copied): the command table and frame checksum of Yangyuanxin/BearPi
``10.ZKT_BearPi/ZKT_SDK/IDReader.{h,c}`` (IDM20 module: header AA AA AA 96 69,
LEN 00 03, CMD/PARA 20 01, 20 02, 30 01, CHK = XOR from LEN), and the 256-byte
text layout of chenhaifeng2016/FaceRecognitionTest ``IDCardReader/src/IDReader.h``
(name 30, gender 2, nationality 4, birthday 16, address 70, idno 36, issuer 30,
two validity dates of 16, reserved 36).
"""

from dataclasses import dataclass

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER_LEN = len(PREAMBLE) + 2

FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_TEXT_AND_PHOTO = (0x30, 0x01)
SAM_STATUS = (0x11, 0xFF)

# SW3 values (SW1 SW2 are 00 00 on every answer seen).
OK = 0x90
FOUND = 0x9F
NO_CARD = 0x80
SELECT_FAILED = 0x81
READ_FAILED = 0x41
BAD_CHECKSUM_RECEIVED = 0x10
BAD_LENGTH_RECEIVED = 0x11
UNKNOWN_COMMAND = 0x21

TEXT_FIELDS = (
    ("name", 30),
    ("sex", 2),
    ("ethnicity", 4),
    ("birth_date", 16),
    ("address", 70),
    ("id_number", 36),
    ("issuer", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)
TEXT_LENGTH = sum(size for _, size in TEXT_FIELDS)  # 256
PHOTO_LENGTH = 1024


class FrameError(Exception):
    """A frame that is not one: wrong preamble, impossible length, bad checksum."""


class ChecksumError(FrameError):
    """The frame arrived whole but its XOR checksum does not match (line noise)."""


class Incomplete(FrameError):
    """Fewer bytes than the frame's length says (the card was pulled mid-read, a cut cable)."""


def xor(data):
    """Return the XOR of every byte (the protocol's checksum)."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def _frame(body):
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor(length + body)])


def command(cmd, para, data=b""):
    """Return the bytes the host sends for a command, e.g. ``command(*FIND_CARD)``."""
    return _frame(bytes([cmd, para]) + bytes(data))


def response(sw3, data=b"", sw1=0, sw2=0):
    """Return the bytes a reader answers with (the virtual reader and the tests build them)."""
    return _frame(bytes([sw1, sw2, sw3]) + bytes(data))


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its two or three leading bytes and the data after them."""

    head: bytes
    data: bytes

    @property
    def sw3(self):
        return self.head[2]


def frame_length(buffer):
    """Return the full length of the frame at the start of ``buffer``, or None until 7 bytes are in.

    Raises FrameError when the bytes cannot start a frame.
    """
    if len(buffer) < HEADER_LEN:
        if not PREAMBLE.startswith(bytes(buffer[: len(PREAMBLE)])):
            raise FrameError("no frame preamble")
        return None
    if bytes(buffer[:5]) != PREAMBLE:
        raise FrameError("no frame preamble")
    length = int.from_bytes(buffer[5:7], "big")
    if length < 2 or length > 4096:
        raise FrameError(f"impossible frame length {length}")
    return HEADER_LEN + length


def parse(buffer, head_size):
    """Decode exactly one frame (``head_size`` 2 for commands, 3 for answers).

    Raises Incomplete for a short frame, ChecksumError for a bad checksum and
    FrameError for anything else that is not a frame.
    """
    buffer = bytes(buffer)
    total = frame_length(buffer)
    if total is None or len(buffer) < total:
        raise Incomplete(f"frame cut short: {len(buffer)} of {total or '?'} bytes")
    if len(buffer) > total:
        raise FrameError(f"{len(buffer) - total} bytes after the frame")
    body = buffer[HEADER_LEN:-1]
    if xor(buffer[5:-1]) != buffer[-1]:
        raise ChecksumError("frame checksum does not match")
    if len(body) < head_size:
        raise FrameError("frame too short for its status bytes")
    return Frame(body[:head_size], body[head_size:])


def parse_response(buffer):
    """Decode a reader's answer."""
    return parse(buffer, 3)


def parse_command(buffer):
    """Decode a host's command (the virtual reader's side)."""
    return parse(buffer, 2)


# The text block ---------------------------------------------------------------


def encode_text(**fields):
    """Return the 256-byte UCS-2LE text block for the given fields (the virtual reader's cards)."""
    block = b""
    for name, size in TEXT_FIELDS:
        raw = str(fields.get(name, "")).encode("utf-16-le")[:size]
        block += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return block


def decode_text(block):
    """Return the text block's fields as a dict of stripped strings.

    Raises FrameError if the block has the wrong size or is not UCS-2.
    """
    if len(block) != TEXT_LENGTH:
        raise FrameError(f"text block of {len(block)} bytes, expected {TEXT_LENGTH}")
    fields, offset = {}, 0
    for name, size in TEXT_FIELDS:
        try:
            fields[name] = block[offset : offset + size].decode("utf-16-le").strip(" \x00")
        except UnicodeDecodeError as exc:
            raise FrameError(f"field {name} is not UCS-2 text") from exc
        offset += size
    return fields


def read_data(text, photo=b""):
    """Return the data of a read answer: the two lengths, the text block and the photo."""
    photo = bytes(photo).ljust(PHOTO_LENGTH, b"\x00")[:PHOTO_LENGTH]
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo


def split_read_data(data):
    """Return (text block, photo length) of a read answer's data; the photo bytes are dropped here."""
    if len(data) < 4:
        raise FrameError("read answer without lengths")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if len(data) != 4 + text_len + photo_len:
        raise FrameError("read answer lengths do not add up")
    return data[4 : 4 + text_len], photo_len
