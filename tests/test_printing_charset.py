"""Chinese text reaches the printer as the right GBK/GB18030 bytes, or is refused clearly."""

import pytest

from kiosk.printing import charset
from kiosk.printing.charset import UnprintableText


def test_chinese_punctuation_is_encoded_as_gbk_not_guessed():
    assert charset.encode("站点：乐山", "gbk") == "站点：乐山".encode("gbk")
    assert charset.encode("：", "gbk") == b"\xa3\xba"  # python-escpos text() prints "?"
    assert charset.encode("——", "gbk") == b"\xa1\xaa\xa1\xaa"  # not 棗棗


def test_the_fixups_turn_lookalikes_into_printable_characters():
    assert charset.encode("¥5", "gbk") == "￥5".encode("gbk")
    assert charset.encode("a\u00a0b", "gbk") == b"a b"
    assert charset.encode("• 面包", "gbk") == "· 面包".encode("gbk")
    assert charset.encode("零\u200b宽", "gbk") == "零宽".encode("gbk")


def test_fullwidth_letters_are_not_normalised_away():
    assert charset.encode("ＡＢ", "gbk") == "ＡＢ".encode("gbk")


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
@pytest.mark.parametrize("text", ["吉𠮷", "回家😀", "行李🧳"])
def test_rare_surnames_and_emoji_are_refused_with_the_characters_named(text, encoding):
    with pytest.raises(UnprintableText) as refused:
        charset.encode(text, encoding)
    missing = refused.value.chars
    assert missing and all(char in text for char in missing)
    assert missing[0] in str(refused.value)


def test_control_characters_cannot_smuggle_printer_commands():
    assert charset.unprintable("A\x1bd\x05B\x1dV\x00", "gbk") == ["\x1b", "\x05", "\x1d", "\x00"]


def test_gb18030_printers_take_extension_a_but_gbk_printers_do_not():
    assert charset.unprintable("㐀", "gb18030") == []
    assert charset.unprintable("㐀", "gbk") == ["㐀"]


def test_replacement_shows_a_box_where_a_character_is_missing():
    assert charset.replace_unprintable("吉𠮷先生", "gbk") == "吉□先生"
