"""The reader's frames, byte for byte: commands, answers, and what a broken frame is."""

import pytest

from kiosk.hardware import samv

# Frames as they appear on the line (hex as readers' manuals and host code print them).
FIND_CARD = "AA AA AA 96 69 00 03 20 01 22"
SELECT_CARD = "AA AA AA 96 69 00 03 20 02 21"
READ_TEXT_AND_PHOTO = "AA AA AA 96 69 00 03 30 01 32"
FOUND = "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"
NO_CARD = "AA AA AA 96 69 00 04 00 00 80 84"
SELECTED = "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"


def hexbytes(text):
    return bytes.fromhex(text)


@pytest.mark.parametrize(
    "command, frame",
    [(samv.FIND_CARD, FIND_CARD), (samv.SELECT_CARD, SELECT_CARD), (samv.READ_TEXT_AND_PHOTO, READ_TEXT_AND_PHOTO)],
)
def test_commands_are_the_bytes_readers_expect(command, frame):
    assert samv.command(*command) == hexbytes(frame)
    decoded = samv.parse_command(hexbytes(frame))
    assert tuple(decoded.head) == command and decoded.data == b""


def test_answers_decode_to_their_status_and_data():
    assert samv.parse_response(hexbytes(FOUND)).sw3 == samv.FOUND
    assert samv.parse_response(hexbytes(NO_CARD)).sw3 == samv.NO_CARD
    selected = samv.parse_response(hexbytes(SELECTED))
    assert selected.sw3 == samv.OK and selected.data == bytes(8)
    assert samv.response(samv.FOUND, bytes(4)) == hexbytes(FOUND)


def test_a_bad_checksum_is_refused():
    broken = bytearray(hexbytes(FOUND))
    broken[-1] ^= 0x01
    with pytest.raises(samv.ChecksumError):
        samv.parse_response(bytes(broken))
    flipped = bytearray(hexbytes(FOUND))
    flipped[9] = 0x80  # a status byte changed on the line, checksum left alone
    with pytest.raises(samv.ChecksumError):
        samv.parse_response(bytes(flipped))


@pytest.mark.parametrize("cut", [3, 6, 9, 14])
def test_a_partial_frame_is_incomplete_not_garbage(cut):
    with pytest.raises(samv.Incomplete):
        samv.parse_response(hexbytes(FOUND)[:cut])


def test_bytes_that_are_no_frame_are_refused():
    with pytest.raises(samv.FrameError):
        samv.parse_response(b"\x55\xaa\xaa\x96\x69\x00\x04\x00\x00\x80\x84")
    with pytest.raises(samv.FrameError):
        samv.parse_response(hexbytes(NO_CARD) + b"\x00")  # trailing byte
    with pytest.raises(samv.FrameError):
        samv.frame_length(hexbytes("AA AA AA 96 69 FF FF"))  # impossible length


def test_the_read_answer_carries_ucs2_fields_at_fixed_places():
    text = samv.encode_text(name="李秀英", sex="2", ethnicity="01", birth_date="19750315",
                            address="四川省凉山彝族自治州会理市城北街道", id_number="513425197503150021",
                            issuer="会理市公安局", valid_from="20150101", valid_to="长期")
    assert len(text) == 256
    assert text[:6] == "李秀英".encode("utf-16-le") and text[6:8] == b"\x20\x00"  # padded with spaces
    assert text[122:158] == "513425197503150021".encode("utf-16-le")  # the number at bytes 122-157
    frame = samv.response(samv.OK, samv.read_data(text, b"\x01" * 1024))
    assert frame[5:7] == (3 + 4 + 256 + 1024 + 1).to_bytes(2, "big")  # 0x0508: the length readers send
    answer = samv.parse_response(frame)
    block, photo_length = samv.split_read_data(answer.data)
    fields = samv.decode_text(block)
    assert photo_length == 1024
    assert fields["id_number"] == "513425197503150021"
    assert fields["address"] == "四川省凉山彝族自治州会理市城北街道"
    assert fields["valid_to"] == "长期"


def test_a_read_answer_whose_lengths_do_not_add_up_is_refused():
    with pytest.raises(samv.FrameError):
        samv.split_read_data(b"\x01\x00\x04\x00" + bytes(100))
    with pytest.raises(samv.FrameError):
        samv.decode_text(bytes(200))
