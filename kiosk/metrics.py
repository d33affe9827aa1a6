"""The glossary of metrics: what every count is called, in which unit, and how it adds up.

One entry per measure, shared by the kiosk's console and day report, the sync
and the central office's dashboard and spreadsheets, so the same word always
means the same number ("已发礼包" is packs handed out everywhere; the vouchers
printed are "已开凭证"). A measure is a metric (``counts.METRICS``), optionally
narrowed to one dimension value (registrations arriving home).

Two kinds:

- ``FLOW``: things that happened (people registered, packs handed out). A
  period's value is the sum of its days.
- ``LEVEL``: a state at the end of a day (packs in stock). A period's value
  is the last value, never a sum; a day without a cell kept the level before.

Adding a metric is one ``Measure`` line below with its Chinese and English
labels, unit and kind; ``tests/test_metrics.py`` fails for any metric in
``counts.METRICS`` that has none. Labels are given here in both languages (not
through the message catalog) so that a spreadsheet made for an English reader
still carries the Chinese headers offices send upward.
"""

from dataclasses import dataclass

FLOW = "flow"
LEVEL = "level"

# Unit code → (Chinese, English).
UNITS = {
    "person": ("人", "people"),
    "person_time": ("人次", "person-times"),
    "pack": ("份", "packs"),
    "voucher": ("张", "vouchers"),
    "item": ("件", "bags"),
    "ticket": ("张", "tickets"),
    "run": ("班次", "runs"),
    "slip": ("张", "slips"),
    "tip": ("件", "tips"),
    "day": ("天", "days"),
    "report": ("次", "reports"),
}

# Groups, in the order the dashboard and the spreadsheets show them.
GROUPS = {
    "registrations": ("登记", "Registrations"),
    "packs": ("礼包", "Gift packs"),
    "luggage": ("行李看护", "Left luggage"),
    "services": ("服务", "Services"),
    "help": ("就业与维权", "Jobs and wage help"),
    "trips": ("返岗专车", "Return-to-work trips"),
    "station": ("站点", "Station"),
}


@dataclass(frozen=True)
class Measure:
    """A metric (optionally one slice of it) with its labels, unit and kind."""

    key: str
    zh: str
    en: str
    unit: str
    kind: str
    group: str
    metric: str = ""  # the counted metric; the key itself when empty
    match: tuple = ()  # ((dimension, value),): the slice of the metric this measure counts
    headline: bool = False  # shown as a card and a chart on the dashboard

    @property
    def source(self):
        """The metric whose cells this measure adds up."""
        return self.metric or self.key

    def label(self, language="zh_Hans"):
        """The measure's name in a language (Chinese unless English is asked for)."""
        return self.en if language == "en" else self.zh

    def unit_label(self, language="zh_Hans"):
        """The unit's name in a language: 人, 份…"""
        zh, en = UNITS[self.unit]
        return en if language == "en" else zh

    def header(self, language="zh_Hans"):
        """The label with its unit, for table and spreadsheet headers: 返乡登记(人), Arriving home (people)."""
        space = " " if language == "en" else ""
        return f"{self.label(language)}{space}({self.unit_label(language)})"

    def takes(self, dims):
        """Whether a cell's decoded dimensions fall in this measure's slice."""
        return all(dims.get(k) == v for k, v in self.match)


def _m(key, zh, en, unit, kind=FLOW, group="station", **extra):
    return Measure(key, zh, en, unit, kind, group, **extra)


HOME = (("direction", "home"),)
WORK = (("direction", "work"),)

MEASURES = [
    # Registrations count people once a day; the same phone or ID again that day is a repeat visit.
    _m("registrations", "登记人数", "People registered", "person", group="registrations", headline=True),
    _m("registrations.home", "返乡登记", "Arriving home", "person", group="registrations",
       metric="registrations", match=HOME, headline=True),
    _m("registrations.work", "返岗登记", "Leaving for work", "person", group="registrations",
       metric="registrations", match=WORK, headline=True),
    _m("registrations.repeat", "重复到访", "Repeat visits", "person_time", group="registrations"),
    _m("registrations.intention", "就业意向", "Job intentions", "person", group="registrations"),
    _m("registrations.children", "随行儿童", "Children travelling along", "person", group="registrations"),
    _m("registrations.elderly", "随行老人", "Elderly travelling along", "person", group="registrations"),
    # Gift packs: the voucher is the promise, the pack handed out is the gift.
    _m("vouchers.issued", "已开凭证", "Vouchers printed", "voucher", group="packs"),
    _m("vouchers.redeemed", "已发礼包", "Gift packs handed out", "pack", group="packs", headline=True),
    _m("vouchers.voided", "作废凭证", "Vouchers voided", "voucher", group="packs"),
    _m("vouchers.expired", "过期凭证", "Vouchers expired", "voucher", group="packs"),
    _m("packs.stock_in", "礼包入库", "Gift packs counted in", "pack", group="packs"),
    _m("packs.stock_out", "礼包出库", "Gift packs taken out", "pack", group="packs"),
    _m("packs.on_hand", "礼包库存", "Gift packs in stock", "pack", kind=LEVEL, group="packs", headline=True),
    # Left luggage: bags, and the claim tickets they hang on.
    _m("luggage.checked_in", "行李寄存", "Bags taken in", "item", group="luggage", headline=True),
    _m("luggage.claimed", "行李领取", "Bags claimed", "item", group="luggage"),
    _m("luggage.overdue", "行李逾期", "Bags overdue", "item", group="luggage"),
    _m("luggage.lost_released", "无票放行行李", "Bags released without ticket", "item", group="luggage"),
    _m("luggage.tickets.checked_in", "寄存凭证", "Claim tickets issued", "ticket", group="luggage"),
    _m("luggage.tickets.claimed", "凭票领取", "Claim tickets used", "ticket", group="luggage"),
    _m("luggage.tickets.overdue", "逾期凭证", "Claim tickets overdue", "ticket", group="luggage"),
    _m("luggage.tickets.lost_released", "挂失放行凭证", "Claim tickets reported lost", "ticket", group="luggage"),
    # One-tap service counts.
    _m("tallies", "服务人次", "Services given", "person_time", group="services", headline=True),
    # Jobs shown at the kiosk and wage-arrears tips sealed to the office (kiosk/help).
    _m("jobs.viewed", "岗位浏览", "Job postings viewed", "person_time", group="help"),
    _m("jobs.slips_printed", "岗位单打印", "Job slips printed", "slip", group="help"),
    _m("wage_tips.received", "欠薪线索", "Wage-arrears tips received", "tip", group="help"),
    # Return-to-work buses and trains (kiosk/trips): runs, seats, heads counted at boarding, safety check-ins.
    _m("trips.run", "发车班次", "Trips that left", "run", group="trips", headline=True),
    _m("trips.seats_booked", "预约座位", "Seats booked", "person", group="trips"),
    _m("trips.boarded", "上车人数", "People boarded", "person", group="trips", headline=True),
    _m("trips.no_show", "未到人数", "Booked but did not board", "person", group="trips"),
    _m("trips.safety_checkins", "平安报告", "Safety check-ins", "report", group="trips"),
    _m("trips.checkins_missed", "平安报告逾期", "Safety check-ins overdue", "report", group="trips"),
    _m("trips.arrived", "到达班次", "Trips arrived", "run", group="trips"),
    _m("trips.waitlist_joined", "候补登记", "Joined a full trip's waiting list", "person", group="trips"),
    _m("trips.waitlist_seated", "候补补上", "Given seats from the waiting list", "person", group="trips"),
    # 1 on a day a station manager closed the day's books.
    _m("daybook.closed", "已日结天数", "Days closed by the station", "day"),
]

BY_KEY = {m.key: m for m in MEASURES}


def get(key):
    """Return the measure with this key, or None."""
    return BY_KEY.get(key)


def of_metric(metric):
    """Return the measure that counts a whole metric (no slice), or None."""
    return next((m for m in MEASURES if m.source == metric and not m.match), None)


def unknown(metric):
    """A measure for a metric the glossary does not know yet (a newer kiosk's): labelled, never the raw key alone."""
    return Measure(metric, f"其他计数 {metric}", f"Other count {metric}", "item", FLOW, "station")


def label(key, language="zh_Hans"):
    """The name of a measure or metric in a language."""
    measure = BY_KEY.get(key) or of_metric(key) or unknown(key)
    return measure.label(language)


def headlines():
    """The measures shown as cards and charts, in glossary order."""
    return [m for m in MEASURES if m.headline]


# Labels of dimension values the office shows in its registers (codes travel, words do not).
INTENTIONS = {
    "local": ("就近就业", "A job near home"),
    "skills": ("技能培训", "Learn a skill"),
    "fair": ("招聘会信息", "Job fair news"),
}


def intention_label(code, language="zh_Hans"):
    """The name of a job intention code, in a language."""
    zh, en = INTENTIONS.get(code, (code, code))
    return en if language == "en" else zh
