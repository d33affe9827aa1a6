"""What the office publishes to its kiosks: its keys, job postings (typed or from a job fair's XLSX),
fairs and notices, each a signed item (``kiosk.sync.content_wire``), and the delivery for one kiosk.

The office's private keys are files under ``<instance>/office-keys/`` (mode
0600). ``keys init`` makes the first one; its public half is what kiosks are
provisioned with (``OFFICE_PUBLIC_KEY``). ``keys rotate`` makes a new one and
publishes it as a ``key`` item signed by the old one, so kiosks switch at their
next delivery; the old private key stays on disk to open tips sealed to it.
"""

import datetime
import io
import json
import re
import secrets
from pathlib import Path

from kiosk import clock
from kiosk import keys
from kiosk import regions
from kiosk.central.help_models import OfficeKey
from kiosk.central.help_models import Publication
from kiosk.central.help_models import WageTip
from kiosk.central.models import write_transaction
from kiosk.errors import DomainError
from kiosk.errors import N_
from kiosk.errors import NotFound
from kiosk.sync import content_wire

KEY_FOLDER = "office-keys"
ACK_DAYS = 30  # tips acknowledged again every night for this long, in case a delivery was lost


class NoOfficeKey(DomainError):
    status = 409


# Keys ----------------------------------------------------------------------------


def key_path(instance_path, key_id):
    return Path(instance_path) / KEY_FOLDER / f"{key_id}.key"


def current_key():
    """Return the office key that signs now (its public record), or refuse."""
    row = OfficeKey.select().where(OfficeKey.current == True).order_by(OfficeKey.id.desc()).first()  # noqa: E712
    if row is None:
        raise NoOfficeKey(N_("The office has no key yet: run `flask --app kiosk.central keys init`."))
    return row


def signing_key(instance_path, key_id=None):
    """Return the private key with this id (default: the current one), or refuse naming the id."""
    key_id = key_id or current_key().key_id
    path = key_path(instance_path, key_id)
    try:
        return keys.read_private(path)
    except (OSError, keys.BadKey):
        raise NoOfficeKey(N_("The office's private key %(key)s is missing or damaged."), key=key_id) from None


def init_key(instance_path):
    """Make the office's first key; refuse if it has one."""
    if OfficeKey.select().exists():
        raise DomainError(N_("The office already has a key: use `keys rotate` to replace it."))
    return _new_key(instance_path)


def _new_key(instance_path):
    key = keys.generate()
    key_id = keys.key_id(key.verify_key)
    keys.write_private(key_path(instance_path, key_id), key)
    with write_transaction():
        OfficeKey.update(current=False).execute()
        return OfficeKey.create(key_id=key_id, public_key=keys.public_text(key), current=True)


def rotate_key(instance_path, area, now=None):
    """Make a new key and publish it signed by the current one; return the new record."""
    old = current_key()
    old_signing = signing_key(instance_path, old.key_id)
    new = _new_key(instance_path)
    item = content_wire.sign(
        content_wire.make("key", f"key-{new.key_id}", 1, _area_scope(area), {"public_key": new.public_key},
                          _office_day(now)),
        old_signing,
    )
    with write_transaction():
        _store(item, "")
    # Kiosks retire the old key as they take the new one: everything still
    # live is signed again, as its next version, with the new key.
    for row in publications(live_on=_office_day(now)):
        if row.kind != "key":
            publish(instance_path, row.kind, json.loads(row.body), {"level": row.scope_level, "code": row.scope_code},
                    row.valid_until, row.item_id, row.created_by, now)
    return new


# Publishing ------------------------------------------------------------------------


def _office_day(now=None):
    return clock.local_day(now)


def _area_scope(area):
    area = str(area)
    if area.endswith("0000"):
        return {"level": "province", "code": area}
    if area.endswith("00"):
        return {"level": "city", "code": area}
    return {"level": "county", "code": area}


def area_prefix(area):
    """Return the code prefix of the counties inside an area: 51 for Sichuan, 5111 for Leshan."""
    area = str(area)
    return area[:2] if area.endswith("0000") else area[:4] if area.endswith("00") else area


def scope_choices(area, station_codes=()):
    """Return (value, label) choices for where a posting is shown: the area, its cities, stations."""
    area = str(area)
    found = regions.find(area)
    choices = [(f"{_area_scope(area)['level']}:{area}", found.name if found else area)]
    if area.endswith("0000"):
        choices += [(f"city:{r.code}", r.name) for r in regions.prefectures(area)]
    elif area.endswith("00"):
        choices += [(f"county:{r.code}", r.name) for r in regions.counties(area)]
    choices += [(f"station:{code}", code) for code in station_codes]
    return choices


def parse_scope(value):
    """Read a ``level:code`` choice into a scope mapping, or refuse."""
    level, _, code = (value or "").partition(":")
    scope = {"level": level, "code": code}
    if level not in content_wire.LEVELS or not code:
        raise DomainError(N_("Choose where the posting is shown."))
    return scope


def publish(instance_path, kind, body, scope, valid_until, item_id=None, user="", now=None):
    """Sign and store an item (a new one, or the next version of item_id); return the Publication."""
    key = signing_key(instance_path)
    with write_transaction():
        held = Publication.get_or_none(Publication.item_id == item_id) if item_id else None
        if item_id and held is None:
            raise NotFound(N_("There is no such posting."))
        item_id = item_id or f"{kind}-{secrets.token_hex(6)}"
        version = held.version + 1 if held else 1
        item = content_wire.make(kind, item_id, version, scope, body, _office_day(now), valid_until)
        item = content_wire.sign(item, key)
        try:
            content_wire.check(item)
        except content_wire.ItemRefused as refusal:
            raise DomainError(N_("The posting is not complete: %(part)s."), part=refusal.params.get("part", "")) from None
        return _store(item, user)


def _store(item, user):
    fields = {
        **content_wire.fields(item),
        "signed": json.dumps(item, ensure_ascii=False),
        "created_by": user,
        "updated_at": clock.now(),
    }
    held = Publication.get_or_none(Publication.item_id == item["id"])
    if held is None:
        return Publication.create(item_id=item["id"], **fields)
    Publication.update(**fields).where(Publication.id == held.id).execute()
    return Publication.get_by_id(held.id)


def withdraw(instance_path, item_id, user="", now=None):
    """Close a posting today: a new version valid until yesterday, so kiosks drop it at their next delivery."""
    held = Publication.get_or_none(Publication.item_id == item_id)
    if held is None:
        raise NotFound(N_("There is no such posting."))
    yesterday = _office_day(now) - datetime.timedelta(days=1)
    scope = {"level": held.scope_level, "code": held.scope_code}
    return publish(instance_path, held.kind, json.loads(held.body), scope, yesterday, item_id, user, now)


def publications(kind=None, live_on=None):
    """Return publications (of a kind; live on a day), newest first."""
    query = Publication.select().order_by(Publication.updated_at.desc(), Publication.id.desc())
    if kind:
        query = query.where(Publication.kind == kind)
    if live_on:
        query = query.where(Publication.valid_until.is_null() | (Publication.valid_until >= live_on))
    return list(query)


def job_body(form):
    """Build a job posting's body from form fields (strings), refusing what is wrong."""
    def text(name):
        return " ".join((form.get(name) or "").split())

    def money(name):
        value = text(name).replace(",", "")
        if not value:
            return None
        if not value.isdigit():
            raise DomainError(N_("Pay is a whole number of yuan a month."))
        return int(value)

    body = {
        "employer": text("employer"),
        "title": text("title"),
        "place": text("place"),
        "sector": text("sector") or "other",
        "pay_min": money("pay_min"),
        "pay_max": money("pay_max"),
        "contact": text("contact"),
        "skills": text("skills"),
    }
    if not (body["employer"] and body["title"] and body["place"]):
        raise DomainError(N_("A posting needs an employer, a job and a place."))
    if body["sector"] not in content_wire.SECTORS:
        raise DomainError(N_("Choose the kind of work from the list."))
    if body["pay_min"] and body["pay_max"] and body["pay_min"] > body["pay_max"]:
        raise DomainError(N_("The lowest pay is above the highest."))
    code = text("place_code")
    if code:
        if not re.fullmatch(r"\d{6}", code) or regions.find(code) is None:
            raise DomainError(N_("The place code is a 6-digit GB/T 2260 code."))
        body["place_code"] = code
    if text("fair_name"):
        fair_day = content_wire.day(text("fair_date"))
        if fair_day is None:
            raise DomainError(N_("A job fair needs its date."))
        body["fair"] = {"name": text("fair_name"), "date": fair_day.isoformat(), "place": text("fair_place")}
    return {k: v for k, v in body.items() if v not in (None, "")}


def fair_body(form):
    """Build a job fair's body from form fields, refusing what is wrong; return (body, its day)."""
    def text(name):
        return " ".join((form.get(name) or "").split())

    fair_day = content_wire.day(text("date"))
    if not text("name") or not text("place") or fair_day is None:
        raise DomainError(N_("A job fair needs a name, a place and a date."))
    body = {"name": text("name"), "date": fair_day.isoformat(), "place": text("place")}
    if text("organizer"):
        body["organizer"] = text("organizer")
    return body, fair_day


def notice_body(title, text):
    """Build a notice's body, refusing an empty one."""
    title, text = " ".join((title or "").split()), (text or "").strip()
    if not title or not text:
        raise DomainError(N_("A notice needs a title and a text."))
    return {"title": title, "text": text}


def parse_day(text):
    """Read a valid-until day, refusing anything else."""
    found = content_wire.day((text or "").strip())
    if found is None:
        raise DomainError(N_("Give the last day the posting is open (YYYY-MM-DD)."))
    return found


# A job fair's spreadsheet -----------------------------------------------------------------

COLUMNS = {
    "employer": ("用人单位", "单位名称", "企业名称", "employer"),
    "title": ("岗位", "岗位名称", "招聘岗位", "job", "title"),
    "pay_min": ("工资下限", "最低工资", "薪资下限", "pay_min", "pay from"),
    "pay_max": ("工资上限", "最高工资", "薪资上限", "pay_max", "pay to"),
    "place": ("工作地点", "地点", "place"),
    "place_code": ("地区代码", "区划代码", "place_code"),
    "contact": ("联系电话", "联系方式", "电话", "contact"),
    "valid_until": ("有效期至", "截止日期", "valid_until", "valid until"),
    "skills": ("技能要求", "要求", "skills"),
    "sector": ("行业", "工种类别", "sector"),
    "fair_name": ("招聘会", "招聘会名称", "fair"),
    "fair_date": ("招聘会日期", "fair date"),
    "fair_place": ("招聘会地点", "fair place"),
}
SECTOR_WORDS = {
    "construction": ("建筑", "工地", "建设", "construction"),
    "factory": ("工厂", "制造", "电子", "纺织", "factory"),
    "services": ("服务", "餐饮", "酒店", "商超", "services"),
    "transport": ("运输", "物流", "快递", "司机", "transport"),
    "farming": ("农业", "种植", "养殖", "farming"),
    "mining": ("矿", "mining"),
    "domestic": ("家政", "保洁", "护理", "domestic"),
}


def sector_of(text):
    """Map a spreadsheet's 行业 to a sector code (other when nothing fits)."""
    text = (text or "").strip().lower()
    for code, words in SECTOR_WORDS.items():
        if any(word in text for word in words):
            return code
    return "other"


def read_xlsx(data, default_valid_until):
    """Read postings from a job fair's XLSX; return (bodies with their valid-until, [(row, reason)])."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise DomainError(N_("This file is not an XLSX workbook.")) from None
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    where = {}
    for index, name in enumerate(header):
        label = str(name or "").strip().lower()
        for field, names in COLUMNS.items():
            if label in {n.lower() for n in names}:
                where.setdefault(field, index)
    if not {"employer", "title", "place"} <= set(where):
        raise DomainError(N_("The first row must name the columns 用人单位, 岗位 and 工作地点."))
    postings, problems = [], []
    for number, row in enumerate(rows, start=2):
        if not any(cell not in (None, "") for cell in row):
            continue
        cells = {f: _cell(row[i]) if i < len(row) else "" for f, i in where.items()}
        cells["sector"] = sector_of(cells.get("sector"))
        try:
            body = job_body(cells)
            valid = parse_day(cells["valid_until"]) if cells.get("valid_until") else default_valid_until
        except DomainError as error:
            problems.append((number, error))
            continue
        postings.append((body, valid))
    return postings, problems


def _cell(value):
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def import_xlsx(instance_path, data, scope, default_valid_until, user="", now=None):
    """Publish every good row of a job fair's XLSX; return (publications, [(row, error)])."""
    postings, problems = read_xlsx(data, default_valid_until)
    published = [publish(instance_path, "job", body, scope, valid, user=user, now=now) for body, valid in postings]
    # The fairs the rows name go on the kiosks' calendar too, once each.
    fairs = {(b["fair"]["name"], b["fair"]["date"]): b["fair"] for b, _ in postings if b.get("fair")}
    held = {(json.loads(row.body)["name"], json.loads(row.body)["date"]) for row in publications("fair")}
    for (name, day_text), fair in fairs.items():
        if (name, day_text) not in held and fair.get("place"):
            publish(instance_path, "fair", fair, scope, content_wire.day(day_text), user=user, now=now)
    return published, problems


# Deliveries -------------------------------------------------------------------------------


def delivery_for(instance_path, station_code, county_code, kiosk_ids=(), area="510000", now=None):
    """Return the delivery for one station: live items for it, the office's date, acks of its tips."""
    today = _office_day(now)
    key = signing_key(instance_path)
    items = []
    # Key rotations first, oldest first: the items after them are signed by the newest key.
    rows = sorted(publications(live_on=today), key=lambda row: (row.kind != "key", row.id))
    for row in rows:
        item = json.loads(row.signed)
        if content_wire.scope_covers(item["scope"], station_code, county_code):
            items.append(item)
    # One clock a day per key, so a rotation on the same day still moves it.
    clock_version = int(today.strftime("%Y%m%d")) * 100 + OfficeKey.select().count() % 100
    items.append(content_wire.sign(
        content_wire.make("clock", "clock", clock_version, _area_scope(area),
                          {"office_day": today.isoformat()}, today),
        key,
    ))
    for kiosk_id in kiosk_ids:
        acked = [t.tip_id for t in WageTip.select(WageTip.tip_id).where(
            WageTip.kiosk_id == kiosk_id, WageTip.received_at >= clock.now() - datetime.timedelta(days=ACK_DAYS))]
        if acked:
            items.append(content_wire.sign(
                content_wire.make("ack", f"ack-{kiosk_id}", int(clock.now().timestamp() * 1000),
                                  {"level": "station", "code": station_code}, {"tips": acked}, today),
                key,
            ))
    return content_wire.delivery(items)
