"""The kiosk's end of the office's content channel: verify, store, expire, refuse with a log line.

Every item is checked on its own (``kiosk.sync.content_wire``): its shape, the
key that signed it (the office key this kiosk trusts now), its signature, its
scope (this station, county, city or province) and its version against the one
held. A refused item is logged with its id, version and why, and the rest of the
delivery goes on. Receiving the same delivery twice changes nothing.

Expiry uses the office's date, not the kiosk's clock: the nightly delivery
carries a signed ``clock`` item, and the day used is that office day plus the
kiosk days elapsed since it arrived. A kiosk whose clock is years off neither
hides current postings nor brings back expired ones.

Other features take their own kinds through ``on_item(kind, handler)``: the
handler runs inside the item's transaction with the verified item (e.g. trips).
"""

import datetime
import json
import logging
from dataclasses import dataclass
from dataclasses import field

from kiosk import clock
from kiosk import keys
from kiosk.help.models import ContentClock
from kiosk.help.models import ContentItem
from kiosk.help.models import OfficeKey
from kiosk.help.models import SealedTip
from kiosk.models import database
from kiosk.sync import content_wire
from kiosk.sync.content_wire import ItemRefused

log = logging.getLogger("kiosk.help.content")

_handlers = {}


def on_item(kind, handler):
    """Let another feature act on items of its kind (``handler(item)``, inside the item's transaction)."""
    if kind not in content_wire.KINDS:
        raise ValueError(f"unknown content kind {kind!r}")
    _handlers[kind] = handler


@dataclass
class Received:
    """What one delivery did: item ids taken, already held, and refused with the reason."""

    accepted: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    refused: list = field(default_factory=list)

    def as_dict(self):
        return {"accepted": self.accepted, "unchanged": self.unchanged,
                "refused": [{"id": i, "reason": r} for i, r in self.refused]}


# Keys ------------------------------------------------------------------------


def current_key():
    """Return the office key this kiosk trusts now, or None before provisioning."""
    query = OfficeKey.select().where(OfficeKey.retired_at.is_null()).order_by(OfficeKey.id.desc())
    return query.first()


def trust_provisioned(public, now=None):
    """Trust the office key from provisioning; return True if it changed anything.

    A key seen before (even one retired since by a rotation) changes nothing, so
    restarting with the old provisioning file never undoes a rotation. A new one
    is a re-provisioning: it becomes the only trusted key.
    """
    public = (public or "").strip()
    if not public:
        return False
    key_id = keys.key_id(public)  # raises BadKey for a malformed one: a provisioning mistake
    with database.atomic("IMMEDIATE"):
        if OfficeKey.get_or_none(OfficeKey.key_id == key_id):
            return False
        _retire_all(now)
        OfficeKey.create(key_id=key_id, public_key=public, source="provisioned")
    log.info("office key %s trusted (provisioned)", key_id)
    return True


def _retire_all(now):
    OfficeKey.update(retired_at=now or clock.now()).where(OfficeKey.retired_at.is_null()).execute()


# Receiving -------------------------------------------------------------------


def receive(items, station_code, county_code, now=None):
    """Verify and store each item of a delivery; return what happened to each."""
    received = Received()
    # One write transaction (one fsync) for the whole delivery; each item
    # written in a savepoint of its own, so a refused item leaves no trace and
    # the rest go on. The versions held and the trusted key are read once.
    with database.atomic("IMMEDIATE"):
        held = _held([item.get("id") for item in items if isinstance(item, dict)])
        key = current_key()
        for item in items:
            name = _name(item)
            try:
                outcome = _check(item, key, held, station_code, county_code)
                if outcome == "new":
                    with database.atomic():
                        _store(item, held, now)
                    if item["kind"] == "key":
                        key = current_key()
            except ItemRefused as refusal:
                log.warning("content refused: %s: %s", name, refusal)
                received.refused.append((_item_id(item), str(refusal)))
                continue
            if outcome == "unchanged":
                log.info("content replay ignored: %s is already held", name)
                received.unchanged.append(item["id"])
            else:
                log.info("content accepted: %s", name)
                received.accepted.append(item["id"])
        expire(office_today(now))
    return received


def _held(item_ids, chunk=500):
    """Return {item id: (row id, version, signed)} for the ids a delivery names."""
    ids = sorted({i for i in item_ids if isinstance(i, str)})
    found = {}
    for start in range(0, len(ids), chunk):
        query = (ContentItem.select(ContentItem.item_id, ContentItem.id, ContentItem.version, ContentItem.signed)
                 .where(ContentItem.item_id.in_(ids[start:start + chunk])).tuples())
        found.update({item_id: (row_id, version, signed) for item_id, row_id, version, signed in query})
    return found


def _check(item, key, held, station_code, county_code):
    """Refuse an item that must not be taken; return "unchanged" for one already held, else "new"."""
    content_wire.check(item)
    if key is None:
        raise ItemRefused("no office key is provisioned on this kiosk")
    if item["key"] != key.key_id:
        known = OfficeKey.get_or_none(OfficeKey.key_id == item["key"])
        if known is not None:
            raise ItemRefused(f"signed by office key {item['key']}, retired since key {key.key_id} took over")
        raise ItemRefused(f"signed by unknown office key {item['key']} (trusted: {key.key_id})")
    content_wire.verify(item, key.public_key)
    if not content_wire.scope_covers(item["scope"], station_code, county_code):
        scope = item["scope"]
        raise ItemRefused(f"meant for another place ({scope['level']} {scope['code']}), "
                          f"not station {station_code} in county {county_code}")
    if item["id"] in held:
        _row_id, version, signed = held[item["id"]]
        if item["version"] < version:
            raise ItemRefused(f"older version {item['version']}: version {version} is held")
        if item["version"] == version:
            if signed == _signed(item):
                return "unchanged"
            raise ItemRefused(f"version {item['version']} is already held with other content (a replay)")
    return "new"


def _signed(item):
    return json.dumps(item, ensure_ascii=False, sort_keys=True)


def _store(item, held, now):
    """Apply a checked item (clock, key, ack, a handler) and keep it as the held version."""
    _apply(item, now)
    fields = {
        **content_wire.fields(item),
        "signed": _signed(item),
        "received_at": now or clock.now(),
        "expired": 0,
    }
    if item["id"] in held:
        row_id = held[item["id"]][0]
        ContentItem.update(**fields).where(ContentItem.id == row_id).execute()
    else:
        row_id = ContentItem.create(item_id=item["id"], **fields).id
    held[item["id"]] = (row_id, item["version"], fields["signed"])


def _apply(item, now):
    kind, body = item["kind"], item["body"]
    if kind == "clock":
        office_day = content_wire.day(body["office_day"])
        row = ContentClock.select().first()
        if row is None:
            ContentClock.create(office_day=office_day, kiosk_day=clock.local_day(now))
        elif office_day >= row.office_day:
            ContentClock.update(office_day=office_day, kiosk_day=clock.local_day(now),
                                received_at=now or clock.now()).where(ContentClock.id == row.id).execute()
    elif kind == "key":
        new_id = keys.key_id(body["public_key"])
        if OfficeKey.get_or_none(OfficeKey.key_id == new_id):
            raise ItemRefused(f"office key {new_id} was trusted before: a rotation never goes back")
        _retire_all(now)
        OfficeKey.create(key_id=new_id, public_key=body["public_key"], source="rotated")
        log.warning("office key rotated: %s → %s", item["key"], new_id)
    elif kind == "ack":
        erased = SealedTip.delete().where(SealedTip.tip_id.in_(body["tips"])).execute()
        if erased:
            log.info("erased %s sealed tips the office acknowledged", erased)
    handler = _handlers.get(kind)
    if handler is not None:
        handler(item)


def _item_id(item):
    return item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else "?"


def _name(item):
    if not isinstance(item, dict):
        return "(not an item)"
    return f"{item.get('kind', '?')} {str(item.get('id', '?'))[:64]} v{item.get('version', '?')}"


# The office's date and expiry --------------------------------------------------


def office_today(now=None):
    """Return the day expiry is judged by: the office's last date plus kiosk days since (never fewer)."""
    row = ContentClock.select().first()
    kiosk_day = clock.local_day(now)
    if row is None:
        return kiosk_day
    return row.office_day + datetime.timedelta(days=max(0, (kiosk_day - row.kiosk_day).days))


def expire(today):
    """Clear the bodies of items whose last valid day is before today; keep their versions."""
    return (
        ContentItem.update(expired=1, body="{}")
        .where(ContentItem.valid_until < today, ContentItem.expired == 0)
        .execute()
    )


def current(kind, today=None):
    """Return the live items of a kind as (item_id, body, valid_until), oldest first."""
    today = today or office_today()
    query = (
        ContentItem.select(ContentItem.item_id, ContentItem.body, ContentItem.valid_until)
        .where(ContentItem.kind == kind, ContentItem.expired == 0,
               (ContentItem.valid_until.is_null()) | (ContentItem.valid_until >= today))
        .order_by(ContentItem.id)
        .tuples()  # plain rows: a list of hundreds of postings builds no model objects
    )
    return [(item_id, json.loads(body), valid_until) for item_id, body, valid_until in query]


def live(item_id, today=None):
    """Return one live item as (item_id, kind, body, valid_until), or None (unknown or expired)."""
    today = today or office_today()
    row = ContentItem.get_or_none(ContentItem.item_id == item_id, ContentItem.expired == 0)
    if row is None or (row.valid_until is not None and row.valid_until < today):
        return None
    return row.item_id, row.kind, json.loads(row.body), row.valid_until


def held_versions():
    """Return {item id: version} of everything held (the office may send only what is newer)."""
    return {row.item_id: row.version for row in ContentItem.select(ContentItem.item_id, ContentItem.version)}
