"""Phone and ID number checks, and what is kept of them (a keyed hash and the last four)."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import personal_data
from kiosk.errors import DomainError
from kiosk.personal_data import check_id_number
from kiosk.personal_data import check_other_document
from kiosk.personal_data import check_phone
from kiosk.personal_data import id_check_character

TODAY = datetime.date(2027, 1, 20)


def with_check(first17):
    """Return a complete ID number: 17 digits plus their GB 11643 check character."""
    return first17 + id_check_character(first17)


def refusal(check, *args):
    with pytest.raises(DomainError) as raised:
        check(*args)
    return str(raised.value)


@pytest.mark.parametrize(
    "number, kind",
    [
        ("11010519491231002X", "resident_id"),  # the well-known sample from GB 11643
        ("11010519491231002x", "resident_id"),  # a lower-case x is the same character
        (with_check("51110219850312123"), "resident_id"),  # Leshan Shizhong
        (with_check("51342519900101001"), "resident_id"),  # old 会理县 code: IDs keep their first code for life
        (with_check("81000019800101123"), "permit"),  # Hong Kong resident's residence permit
        (with_check("82000019800101123"), "permit"),  # Macau
        (with_check("83000019800101123"), "permit"),  # Taiwan
        (with_check("93115619800101123"), "foreign_pr"),  # 2023 foreigner permanent-residence card (Beijing)
        (with_check("11010520000229001"), "resident_id"),  # a real leap day
    ],
)
def test_known_valid_id_numbers_are_accepted(number, kind):
    document = check_id_number(number, TODAY)
    assert document.kind == kind
    assert document.number == number.upper()


@pytest.mark.parametrize(
    "number, message",
    [
        ("110105194912310021", "This ID number is not right: please check each digit."),  # wrong check character
        ("11010519491231002Y", "An ID number has 18 characters: digits, and X only at the end."),
        ("1101051949123100X2", "An ID number has 18 characters: digits, and X only at the end."),
        ("11010519491231002", "An ID number has 18 characters: digits, and X only at the end."),
        ("11010519491231002X1", "An ID number has 18 characters: digits, and X only at the end."),
        ("110105194912310", "An ID number has 18 characters: digits, and X only at the end."),  # old 15-digit
        (with_check("00010519491231002"), "The first digits are not a region of China."),
        (with_check("99010519491231002"), "The first digits are not a region of China."),  # 9 + not a province
        (with_check("11010519490230002"), "The birth date in this number is not possible."),  # 30 February
        (with_check("11010519491331002"), "The birth date in this number is not possible."),  # month 13
        (with_check("11010518990101002"), "The birth date in this number is not possible."),  # 128 years old
        (with_check("11010520270121002"), "The birth date in this number is not possible."),  # tomorrow
        (with_check("11010519000000002"), "The birth date in this number is not possible."),
        ("", "Please enter the ID number."),
        ("１１０１０５１９４９１２３１００２Ｘ", "An ID number has 18 characters: digits, and X only at the end."),  # full-width
        ("11010519491231002😀", "An ID number has 18 characters: digits, and X only at the end."),
        ("1" * 500, "That is too long for this field."),
    ],
)
def test_known_invalid_id_numbers_are_refused_with_the_reason(number, message):
    assert refusal(check_id_number, number, TODAY) == message


def test_spaces_from_a_grouped_display_are_ignored():
    assert check_id_number("110105 19491231 002X", TODAY).number == "11010519491231002X"


@st.composite
def valid_first17(draw):
    prefix = draw(st.sampled_from(sorted(personal_data.regions.province_prefixes())))
    born = draw(st.dates(min_value=datetime.date(1930, 1, 1), max_value=TODAY))
    rest = draw(st.text("0123456789", min_size=4, max_size=4))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    return prefix + rest + born.strftime("%Y%m%d") + sequence


@given(valid_first17())
def test_every_number_with_a_correct_check_character_is_accepted(first17):
    assert check_id_number(with_check(first17), TODAY).number == with_check(first17)


@given(valid_first17(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_changing_any_one_character_of_a_valid_number_is_caught(first17, position, replacement):
    number = with_check(first17)
    changed = number[:position] + replacement + number[position + 1 :]
    if changed != number:
        with pytest.raises(DomainError):
            check_id_number(changed, TODAY)


@given(st.one_of(st.text(max_size=60), st.binary(max_size=30).map(lambda b: b.decode("latin-1"))))
def test_any_text_is_either_a_checked_number_or_a_domain_refusal(text):
    for check in (lambda t: check_id_number(t, TODAY), check_phone, check_other_document):
        try:
            check(text)
        except DomainError:
            pass


@pytest.mark.parametrize(
    "typed, number",
    [("13800138000", "13800138000"), ("19912345678", "19912345678"), ("138 0013 8000", "13800138000"), ("138-0013-8000", "13800138000")],
)
def test_mainland_mobile_numbers_are_accepted(typed, number):
    assert check_phone(typed) == number


@pytest.mark.parametrize(
    "number, message",
    [
        ("1380013800", "A mobile number has 11 digits and starts with 1."),  # short
        ("138001380001", "A mobile number has 11 digits and starts with 1."),  # long
        ("23800138000", "A mobile number has 11 digits and starts with 1."),
        ("12800138000", "A mobile number has 11 digits and starts with 1."),
        ("1380013800a", "Only digits, please."),
        ("138００138000", "Only digits, please."),  # full-width digits
        ("1380013800😀", "Only digits, please."),
        ("", "Please enter a mobile number."),
        ("1" * 41, "That is too long for this field."),
    ],
)
def test_bad_phone_numbers_are_refused_with_the_reason(number, message):
    assert refusal(check_phone, number) == message


@given(st.text("0123456789", min_size=9, max_size=9).map(lambda s: "13" + s))
def test_every_eleven_digit_13x_number_is_a_phone(number):
    assert check_phone(number) == number


@pytest.mark.parametrize("number", ["H12345678", "M1234567890", "12345678", "E12345678", "USA123456789012", "ab12345"])
def test_permits_passports_and_older_cards_pass_as_other_documents(number):
    assert check_other_document(number).number == number.upper()


@pytest.mark.parametrize(
    "number, message",
    [
        ("AB12", "A document number has 5 to 20 characters."),
        ("A" * 21, "A document number has 5 to 20 characters."),
        ("H1234-567*", "Only letters and digits, please."),
        ("Ｈ12345678", "Only letters and digits, please."),
        ("", "Please enter the document number."),
    ],
)
def test_bad_other_document_numbers_are_refused(number, message):
    assert refusal(check_other_document, number) == message


def test_a_fingerprint_is_keyed_repeatable_and_keeps_only_the_last_four():
    first = personal_data.fingerprint("phone", "13800138000", "key-one")
    assert first == personal_data.fingerprint("phone", "13800138000", "key-one")
    assert first.last4 == "8000"
    assert "13800138000" not in first.hash and len(first.hash) == 64
    assert first.hash != personal_data.fingerprint("phone", "13800138000", "key-two").hash
    assert first.hash != personal_data.fingerprint("document", "13800138000", "key-one").hash


def test_a_fingerprint_needs_a_key():
    with pytest.raises(ValueError):
        personal_data.fingerprint("phone", "13800138000", "")
