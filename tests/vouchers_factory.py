"""Plain factory functions for gift-pack tests: a station's packs, stock and a campaign."""

import datetime
import hashlib
import secrets

from kiosk import clock
from kiosk import vouchers
from kiosk.models import Kiosk
from kiosk.registration import Registration

DAY = datetime.date(2027, 1, 20)
MORNING = datetime.datetime(2027, 1, 20, 1, 0)  # 09:00 in Leshan


def person(name):
    """Return a person key shaped like registration's keyed hash."""
    return hashlib.sha256(name.encode()).hexdigest()


def stock_station(warm=10, ret=5, rule="campaign", interval_days=0, starts=DAY, ends=DAY + datetime.timedelta(days=40)):
    """Define 暖心小礼包 (no ID needed) and 返岗礼包, stock them, offer both; return {key: offer id}."""
    vouchers.define_pack("warm", "暖心小礼包", "矿泉水、口罩、面包、纸巾、苹果", no_id_needed=True, low_stock=2)
    vouchers.define_pack("return", "返岗礼包", "米粉、豆干、毛毯", low_stock=1)
    if warm:
        vouchers.stock_in("warm", warm, "首批到货", now=MORNING)
    if ret:
        vouchers.stock_in("return", ret, "首批到货", now=MORNING)
    campaign = vouchers.add_campaign("春风行动", starts, ends)
    return {
        "warm": vouchers.offer(campaign.id, "warm", rule, interval_days).id,
        "return": vouchers.offer(campaign.id, "return", rule, interval_days).id,
    }


def issue(offer_id, person_key=None, now=MORNING, **kwargs):
    """Issue a voucher with a fresh request token."""
    return vouchers.issue(offer_id, vouchers.new_request_token(), person_key=person_key, now=now, **kwargs)


def registration(document_hash=None, phone_hash=None):
    """Save a registration as registration.register() would, with these fingerprints; return its token."""
    kiosk = Kiosk.current()
    row = Registration.create(
        token=secrets.token_hex(16), station=kiosk.station_id, kiosk=kiosk, day=clock.local_day(),
        direction="work", home_code="511102", destination_code="440000",
        document_hash=document_hash, document_last4="1234" if document_hash else None,
        phone_hash=phone_hash, phone_last4="5678" if phone_hash else None,
    )
    return row.token
