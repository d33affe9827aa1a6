"""Fitting tickets to 58 mm and 80 mm paper: Chinese is double width, words stay whole."""

import pytest

from kiosk.printing.layout import Cut
from kiosk.printing.layout import Qr
from kiosk.printing.layout import Rule
from kiosk.printing.layout import Text
from kiosk.printing.layout import code_size
from kiosk.printing.layout import layout
from kiosk.printing.layout import width
from kiosk.printing.layout import wrap
from kiosk.printing.samples import KINDS
from kiosk.printing.samples import sample_ticket
from kiosk.printing.ticket import Ticket


def test_chinese_characters_take_two_columns_and_ascii_one():
    assert width("ABC") == 3
    assert width("乐山站") == 6
    assert width("2件（编织袋）") == 13


def test_chinese_wraps_at_the_column_limit():
    lines = wrap("请在出站前到服务台领取暖心小礼包", 16)
    assert lines == ["请在出站前到服务", "台领取暖心小礼包"]
    assert all(width(line) <= 16 for line in lines)


def test_closing_punctuation_never_starts_a_line():
    lines = wrap("一二三四五六七，八九", 14)
    assert lines == ["一二三四五六", "七，八九"]


def test_english_words_stay_whole_and_long_ones_are_cut():
    assert wrap("Show this at the desk", 10) == ["Show this", "at the", "desk"]
    assert wrap("NT1:V:0123456789ABCDEF", 8) == ["NT1:V:01", "23456789", "ABCDEF"]


def test_a_newline_in_text_starts_a_new_printed_line():
    assert wrap("第一行\n\n第三行", 32) == ["第一行", "", "第三行"]


@pytest.mark.parametrize("columns", [32, 48])
@pytest.mark.parametrize("kind", KINDS)
def test_every_sample_line_fits_the_paper(kind, columns):
    for block in layout(sample_ticket(kind, note="备注：两位老人同行，需要轮椅协助上车"), columns):
        if isinstance(block, Text):
            assert width(block.text) * block.size <= columns, block


def test_a_ticket_is_title_rule_lines_rule_code_qr_footer_then_cut():
    ticket = Ticket(kind="voucher", title="领取凭证", lines=(("礼包", "暖心小礼包"),), code="AB12", qr="NT1:X", footer=("热线 12345",))
    blocks = layout(ticket, 32)
    assert blocks == (
        Text("领取凭证", 2, "center", True),
        Rule(),
        Text("礼包：暖心小礼包"),
        Rule(),
        Text("AB12", 3, "center", True),
        Qr("NT1:X", "M"),
        Text("热线 12345", 1, "center"),
        Cut(),
    )


def test_luggage_tickets_get_the_sturdier_qr_and_their_tag_after_a_cut():
    blocks = layout(sample_ticket("luggage"), 32)
    assert [b.ec for b in blocks if isinstance(b, Qr)] == ["Q"]
    assert sum(isinstance(b, Cut) for b in blocks) == 2


def test_the_big_code_shrinks_to_fit():
    assert code_size("A1B2", 32) == 3
    assert code_size("V7K3-Q9FA-22", 32) == 2
    assert code_size("V7K3-Q9FA-22-XYZ0", 32) == 1
