"""The metric glossary: every counted metric has its words, unit and kind, so no screen shows a raw key."""

import re

import pytest

from kiosk import counts
from kiosk import metrics

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("metric", sorted(counts.METRICS) + ["daybook.closed"])
def test_every_agreed_metric_has_chinese_and_english_labels_a_unit_and_a_kind(metric):
    measure = metrics.of_metric(metric)
    assert measure is not None, f"add a Measure for {metric} to kiosk/metrics.py"
    assert CJK.search(measure.zh), f"{metric}: the Chinese label must be Chinese"
    assert measure.en and not CJK.search(measure.en) and measure.en != metric
    assert measure.unit in metrics.UNITS and measure.kind in (metrics.FLOW, metrics.LEVEL)
    assert measure.group in metrics.GROUPS


def test_every_measure_key_is_unique_and_its_slice_uses_agreed_dimensions():
    assert len({m.key for m in metrics.MEASURES}) == len(metrics.MEASURES)
    for measure in metrics.MEASURES:
        for dimension, value in measure.match:
            counts.check_dimension(dimension, value)
            assert dimension in counts.METRICS[measure.source]


def test_the_same_word_never_names_two_numbers():
    assert len({m.zh for m in metrics.MEASURES}) == len(metrics.MEASURES)
    assert len({m.en for m in metrics.MEASURES}) == len(metrics.MEASURES)
    # The office's word for packs handed out is the station's: 已发礼包; vouchers printed are 已开凭证.
    assert metrics.get("vouchers.redeemed").zh == "已发礼包" and metrics.get("vouchers.issued").zh == "已开凭证"


def test_stock_on_hand_is_a_level_and_everything_else_a_flow():
    assert {m.key for m in metrics.MEASURES if m.kind == metrics.LEVEL} == {"packs.on_hand"}


def test_headers_carry_the_unit_in_the_readers_language():
    assert metrics.get("registrations.home").header() == "返乡登记(人)"
    assert metrics.get("tallies").header("en") == "Services given (person-times)"


def test_a_metric_the_glossary_does_not_know_is_still_labelled():
    assert metrics.label("trips.new_kind") == "其他计数 trips.new_kind"
    assert metrics.label("trips.new_kind", "en").startswith("Other count")
