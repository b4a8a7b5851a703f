import pytest

from core.identity import hash_id_number, mask_phone, normalize_id_number, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086-13812345678",
        "8613812345678",
        " 13812345678 ",
    ],
)
def test_phone_forms_normalise_to_eleven_digits(raw):
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["", "12812345678", "1381234567", "138123456789", "021-12345678", "abc"])
def test_invalid_phones_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_phone(raw)


def test_phone_mask_keeps_prefix_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_resident_id_check_digit():
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    with pytest.raises(ValueError):
        normalize_id_number("110105194912310021")


def test_other_documents_accepted_and_hash_is_keyed():
    assert normalize_id_number("e 1234 5678") == "E12345678"
    assert hash_id_number("E12345678", "k1") != hash_id_number("E12345678", "k2")
    assert hash_id_number("E12345678", "k1") == hash_id_number("E12345678", "k1")
