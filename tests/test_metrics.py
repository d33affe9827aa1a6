"""The metric glossary: every counted metric has its words, unit and kind, so no screen shows a raw key."""

import html.parser
import pathlib
import re

import pytest
from babel.messages import pofile

import kiosk
from kiosk import clock
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


# --- the kiosk's own pages: the console home, the day report and its spreadsheet -------------

KIOSK_ROOT = pathlib.Path(kiosk.__file__).parent
# Where the station sees its counts; each names every count by the glossary, none by a msgid of its own.
COUNT_PAGES = ("templates/daybook/_overview.html", "templates/daybook/report.html", "daybook/__init__.py")
GETTEXT_CALL = re.compile(r"""\b_\(\s*(["'])(.+?)\1""")


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "template")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "template") and self.hidden > 0

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(page):
    """The words a person sees on an HTML page, whitespace collapsed."""
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


# The day report's counts: each must show under its glossary name.
REPORT_KEYS = (
    "registrations.home", "registrations.work", "registrations.repeat", "packs.on_hand_start", "packs.stock_in",
    "packs.stock_out", "vouchers.redeemed", "packs.on_hand", "vouchers.issued", "vouchers.outstanding", "packs.free",
    "luggage.checked_in", "luggage.claimed", "luggage.overdue", "luggage.lost_released", "luggage.in_custody",
    "tallies",
)
CONSOLE_KEYS = ("registrations.home", "registrations.work", "vouchers.issued", "vouchers.redeemed",
                "luggage.in_custody", "tallies", "packs.free", "packs.on_hand")


@pytest.fixture
def station_day(app):
    from kiosk import tallies
    from kiosk import vouchers
    from kiosk.models import database
    from tests.conftest import add_volunteer

    volunteer = add_volunteer(app)
    with app.app_context(), database.connection_context():
        vouchers.define_pack("warm", "暖心小礼包", "矿泉水、口罩", no_id_needed=True)
        vouchers.stock_in("warm", 10, "首批到货")
        tallies.tap("tea_water", volunteer, people=3)
        day = clock.local_day()
    return volunteer, day


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_kiosks_count_pages_name_every_count_by_the_glossary_and_show_no_raw_key(
        client, auth, station_day, language):
    volunteer, day = station_day
    auth.sign_in(volunteer)
    client.post("/language", data={"lang": language})

    console = visible_text(client.get("/volunteer/").get_data(as_text=True))
    report = visible_text(client.get(f"/volunteer/day/{day}").get_data(as_text=True))
    sheet = client.get(f"/volunteer/day/{day}.csv").get_data(as_text=True)

    for key in CONSOLE_KEYS:
        assert metrics.label(key, language) in console, f"the console home names {key} otherwise"
    for key in REPORT_KEYS:
        assert metrics.label(key, language) in report, f"the day report names {key} otherwise"
        assert metrics.label(key, language) in sheet, f"the day report's CSV names {key} otherwise"
    keys = [m.key for m in metrics.MEASURES + metrics.STATION_FIGURES if "." in m.key]
    for text in (console, report, sheet):
        shown = [key for key in keys if re.search(rf"(?<![\w.]){re.escape(key)}(?![\w.])", text)]
        assert not shown, f"raw metric keys on a kiosk page: {shown}"
    other = "en" if language == "zh_Hans" else "zh_Hans"
    assert metrics.label("vouchers.redeemed", other) not in report  # one language at a time


def test_no_count_is_labelled_twice_on_the_kiosks_count_pages():
    """A count page's own msgid must not say what the glossary says (two sources drift apart)."""
    with (KIOSK_ROOT / "translations/zh_Hans/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = pofile.read_po(po)
    groups = [words for group, words in metrics.GROUPS.items() if group != "station"]  # 站点 is the station itself
    zh_words = {m.zh for m in metrics.MEASURES + metrics.STATION_FIGURES} | {zh for zh, _ in groups}
    en_words = {m.en for m in metrics.MEASURES + metrics.STATION_FIGURES} | {en for _, en in groups}
    twice = []
    for page in COUNT_PAGES:
        for _quote, msgid in GETTEXT_CALL.findall((KIOSK_ROOT / page).read_text()):
            message = catalog.get(msgid)
            if msgid in en_words or (message is not None and message.string in zh_words):
                twice.append(f"{page}: {msgid!r}")
    assert not twice, f"labelled here and in kiosk/metrics.py: {twice}"


def test_the_kiosks_figures_never_reach_the_office_as_metrics():
    assert not {m.key for m in metrics.STATION_FIGURES} & set(counts.METRICS)
    assert not {m.zh for m in metrics.STATION_FIGURES} & {m.zh for m in metrics.MEASURES}
