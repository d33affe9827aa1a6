"""Sample tickets of each kind: for `flask printer sample`, test pages, goldens and benchmarks.

The wording matches what the real features print, so a volunteer checking a
new printer sees the real thing: a gift-pack voucher, a luggage claim ticket
with its bag tag, and a test page that shows every character class.
"""

from kiosk.printing.ticket import Ticket

KINDS = ("voucher", "luggage", "test")


def sample_ticket(kind, note=None, station="乐山客运中心站", hotline="0833-12345", code=None):
    """Return a sample ticket of kind, with note as an extra line when given (and code if given)."""
    if kind not in KINDS:
        raise ValueError(f"sample kind must be one of {', '.join(KINDS)}")
    extra = (note,) if note else ()
    ticket = {"voucher": _voucher, "luggage": _luggage, "test": _test}[kind](extra, station, hotline)
    if code:
        ticket = Ticket(**{**ticket.__dict__, "code": code})
    return ticket


def _voucher(extra, station, hotline):
    return Ticket(
        kind="voucher",
        title="暖心礼包领取凭证",
        lines=(
            ("站点", station),
            ("礼包", "暖心小礼包"),
            ("内容", "矿泉水、口罩、面包、纸巾、苹果"),
            ("有效期至", "2027-01-31"),
            *extra,
        ),
        code="7K9M-Q2XA",
        qr="NT1.V.7K9MQ2XA.1A2B3C4D.20270131.K3M9Q2XAB7DE4FGH",
        footer=("凭此券到服务台领取，每人一份", f"服务热线 {hotline}"),
    )


def _luggage(extra, station, hotline):
    claim = Ticket(
        kind="luggage",
        title="行李寄存凭证",
        lines=(
            ("站点", station),
            ("件数", "2件（编织袋、拉杆箱）"),
            ("寄存", "01-31 09:40"),
            ("取件截止", "01-31 21:00"),
            *extra,
        ),
        code="4HNP-W8RT",
        qr="NT1.L.4HNPW8RT.1A2B3C4D.20270131.Q7M2X9KPA3BC5DEF",
        footer=("请妥善保管，凭此票取回行李", f"服务热线 {hotline}"),
    )
    tag = Ticket(
        kind="luggage",
        title="行李牌",
        lines=(("件数", "2件"), ("取件截止", "01-31 21:00")),
        code="4HNP-W8RT",
    )
    return Ticket(**{**claim.__dict__, "parts": (tag,)})


def _test(extra, station, hotline):
    return Ticket(
        kind="test",
        title="打印机测试页",
        lines=(
            station,
            "中文：返乡返岗，一路平安。",
            "标点：，。、；：？！“”（）",
            "符号：《》——……·￥№℃",
            "0123456789 ABCDEFGHIJKLMNOPQRS",
            "TUVWXYZ abcdefghijklmnopqrstuvw",
            "xyz !#%&*+-=/?@()[]<>",
            *extra,
        ),
        code="TEST-0001",
        qr="NT1.T.TEST0001",
        footer=("看到此页说明打印机正常", f"服务热线 {hotline}"),
    )
