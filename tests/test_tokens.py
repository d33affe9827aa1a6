import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import tokens

KEY = "signing-key-of-this-kiosk"
KIOSK = "1a2b3c4d" + "0" * 24
TODAY = datetime.date(2027, 1, 20)
TOMORROW = TODAY + datetime.timedelta(days=1)


def voucher_payload(code="7K9MQ2XA", expires=TOMORROW, kiosk=KIOSK, key=KEY, kind="V"):
    return tokens.payload(kind, code, kiosk, expires, key)


def test_a_payload_is_short_and_in_the_qr_alphanumeric_set():
    text = voucher_payload()
    assert len(text) <= 60
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def test_a_scanned_payload_reads_back_with_or_without_the_scanners_enter():
    for scanned in (voucher_payload(), voucher_payload() + "\r\n", voucher_payload().lower()):
        ref = tokens.read(scanned, "V", KIOSK, KEY, TODAY)
        assert (ref.kind, ref.code, ref.expires) == ("voucher", "7K9MQ2XA", TOMORROW)


def test_a_typed_code_is_accepted_as_printed_spaced_or_lower_case():
    for typed in ("7K9M-Q2XA", "7k9m q2xa", " 7K9MQ2XA "):
        assert tokens.read(typed, "V", KIOSK, KEY, TODAY).code == "7K9MQ2XA"


@pytest.mark.parametrize(
    "scanned, message",
    [
        (voucher_payload(key="another key"), "altered"),
        (voucher_payload()[:-1] + ("A" if voucher_payload()[-1] != "A" else "B"), "altered"),
        (voucher_payload().replace("7K9MQ2XA", "7K9MQ2XB"), "altered"),
        (voucher_payload(kiosk="ffffffff" + "0" * 24), "another station"),
        (voucher_payload(expires=TODAY - datetime.timedelta(days=1)), "expired"),
        (voucher_payload(kind="L"), "luggage ticket"),
        ("http://evil.example/", "not one of our tickets"),
        ("7K9M-Q2X", "not one of our tickets"),
        ("🎁" * 10, "not one of our tickets"),
        ("NT1." + "A" * 500, "not one of our tickets"),
    ],
)
def test_bad_tickets_are_refused_with_the_reason(scanned, message):
    with pytest.raises(tokens.BadTicket) as refused:
        tokens.read(scanned, "V", KIOSK, KEY, TODAY)
    assert message in str(refused.value)


def test_a_ticket_is_still_good_on_its_expiry_day():
    assert tokens.read(voucher_payload(expires=TODAY), "V", KIOSK, KEY, TODAY).expires == TODAY


def test_new_codes_avoid_look_alike_characters():
    codes = {tokens.new_code() for _ in range(500)}
    assert len(codes) == 500
    assert not set("".join(codes)) & set("01OIL")
    assert tokens.display_code("7K9MQ2XA") == "7K9M-Q2XA"


@given(st.text(max_size=200))
def test_nothing_a_scanner_sends_crashes_the_reader(scanned):
    try:
        tokens.read(scanned, "V", KIOSK, KEY, TODAY)
    except tokens.BadTicket:
        pass


def test_a_doubled_scan_or_one_after_stale_text_reads_as_the_last_complete_code():
    first, second = voucher_payload("7K9MQ2XA"), voucher_payload("ABCDEFGH")
    assert tokens.last_scan(first + first) == first
    assert tokens.last_scan(first + "\n" + second + "\n") == second
    assert tokens.last_scan("abc " + first.lower()) == first
    assert tokens.read("  stale" + first + first + "\r\n", "V", KIOSK, KEY, TODAY).code == "7K9MQ2XA"


def test_a_typed_code_twice_is_read_once_and_a_cut_payload_stays_a_cut_payload():
    assert tokens.last_scan("7k9m-q2xa7K9M-Q2XA") == "7K9MQ2XA"
    cut = voucher_payload()[:30]
    assert tokens.last_scan(voucher_payload() + cut) == voucher_payload()  # the last complete one wins
    with pytest.raises(tokens.BadTicket, match="not one of our tickets"):
        tokens.read("junk" + cut, "V", KIOSK, KEY, TODAY)


def test_altered_and_other_station_codes_are_told_apart_even_after_stale_text():
    altered = voucher_payload()[:-1] + ("A" if voucher_payload()[-1] != "A" else "B")
    with pytest.raises(tokens.BadTicket, match="altered"):
        tokens.read("xx" + altered, "V", KIOSK, KEY, TODAY)
    with pytest.raises(tokens.BadTicket, match="another station"):
        tokens.read("xx" + voucher_payload(kiosk="9f8e7d6c" + "0" * 24), "V", KIOSK, KEY, TODAY)
