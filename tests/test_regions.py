"""Region data: Sichuan's prefectures and counties, and the provinces workers go to."""

from kiosk import regions
from kiosk.config import DEMO_STATION


def test_sichuan_has_its_21_prefectures_and_183_counties_and_districts():
    prefectures = regions.prefectures()
    assert len(prefectures) == 21
    assert {p.code for p in prefectures} >= {"510100", "511100", "513200", "513300", "513400"}
    assert sum(len(regions.counties(p.code)) for p in prefectures) == 183


def test_codes_are_six_digit_gb_t_2260_codes_with_current_names():
    assert regions.find("510000").name == "四川省"
    assert regions.find("511100").name == "乐山市"
    assert regions.find("511102").name == "市中区"
    assert regions.find("513402").name == "会理市"  # a county-level city since 2021
    assert regions.find("510981").name == "射洪市"
    assert regions.find("513425") is None  # the old 会理县 code is gone
    assert all(len(c.code) == 6 and c.code.isdigit() for p in regions.prefectures() for c in regions.counties(p.code))


def test_autonomous_prefectures_get_the_short_names_people_use():
    shorts = {p.code: p.short for p in regions.prefectures()}
    assert (shorts["513200"], shorts["513300"], shorts["513400"]) == ("阿坝州", "甘孜州", "凉山州")


def test_the_station_county_and_its_prefecture_come_first():
    station_county = DEMO_STATION["county_code"]
    assert station_county == "511102"
    assert regions.prefectures(first=station_county)[0].code == "511100"
    assert regions.counties("511100", first=station_county)[0].code == station_county
    assert len(regions.prefectures(first=station_county)) == 21


def test_there_are_34_province_level_destinations_with_the_common_ones_first():
    common = ["440000", "330000", "350000", "650000", "500000"]
    ordered = regions.destination_provinces(common)
    assert len(ordered) == 34 and len({p.code for p in ordered}) == 34
    assert [p.short for p in ordered[:5]] == ["广东", "浙江", "福建", "新疆", "重庆"]
    assert "台湾" in [p.short for p in ordered] and regions.find("710000").short == "台湾"


def test_unknown_common_destinations_are_ignored():
    assert [p.code for p in regions.destination_provinces(["999999", "440000"])][:1] == ["440000"]


def test_destination_cities_exist_for_provinces_but_not_municipalities():
    assert "深圳市" in [c.name for c in regions.cities("440000")]
    assert regions.cities("500000") == [] and regions.cities("110000") == [] and regions.cities("810000") == []
    assert regions.cities("511100") == []  # a prefecture is not a destination province


def test_home_counties_are_sichuan_counties_only():
    assert regions.home_county("511123").name == "犍为县"
    for code in ("440303", "511100", "510000", "", "abc", None, "5111020"):
        assert regions.home_county(code) is None


def test_labels_name_a_county_with_its_prefecture():
    assert regions.label("511102") == "乐山市 市中区"
    assert regions.label("440000") == "广东"
    assert regions.label("440300") == "深圳市"
    assert regions.label("650000") == "新疆"
