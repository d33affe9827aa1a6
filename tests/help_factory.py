"""Plain functions that make an office key and signed content items, for the kiosk's help tests."""

import datetime

from kiosk import keys
from kiosk.sync import content_wire

OFFICE_DAY = datetime.date(2027, 1, 20)
LESHAN_CITY = "511100"


def office_key():
    """A fresh office signing key."""
    return keys.generate()


def item(key, kind="job", item_id="job-1", version=1, scope=("city", LESHAN_CITY), body=None,
         valid_until=OFFICE_DAY + datetime.timedelta(days=30), issued_on=OFFICE_DAY):
    """A signed content item (a Leshan job posting unless told otherwise)."""
    if body is None:
        body = job_body()
    return content_wire.sign(
        content_wire.make(kind, item_id, version, {"level": scope[0], "code": scope[1]}, body, issued_on,
                          valid_until),
        key,
    )


def job_body(**extra):
    """The body of a job posting in Leshan."""
    return {
        "employer": "乐山市鑫达建筑劳务有限公司",
        "title": "钢筋工",
        "pay_min": 7000,
        "pay_max": 9000,
        "place": "乐山市市中区",
        "place_code": "511102",
        "contact": "0833-2123456",
        "skills": "有经验优先",
        "sector": "construction",
        **extra,
    }


def clock(key, office_day, version=None):
    """The office's signed date."""
    version = version or int(office_day.strftime("%Y%m%d"))
    return item(key, "clock", "clock", version, ("province", "510000"),
                {"office_day": office_day.isoformat()}, valid_until=None, issued_on=office_day)
