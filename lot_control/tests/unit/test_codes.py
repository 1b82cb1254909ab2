"""Unit codes: shape, normalization, error detection and uniqueness."""

from __future__ import annotations

import random
import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lot_control import codes
from lot_control.codes import (
	CODE_LENGTH,
	RANDOM_BITS,
	InvalidUnitCodeError,
	check_character,
	encode_unit_code,
	format_code,
	generate_unit_code,
	is_valid_code,
	normalize_code,
)

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{12}[0-9A-HJKMNP-TV-Z*~$=U]$")
SAMPLE_SIZE = 200

sixty_bits = st.integers(min_value=0, max_value=(1 << 60) - 1)


def _decode_data(code: str) -> int:
	number = 0
	for symbol in code[:12]:
		number = number * 32 + ALPHABET.index(symbol)
	return number


def _substitute(code: str, position: int, symbol: str) -> str:
	return code[:position] + symbol + code[position + 1 :]


def _swap(code: str, position: int) -> str:
	return code[:position] + code[position + 1] + code[position] + code[position + 2 :]


def _code_with(rng: random.Random, fixed: dict[int, str]) -> str:
	"""A valid code with the given symbols at the given positions (12 = check symbol)."""
	wanted_check = fixed.get(12)
	for _ in range(10_000):
		data = [rng.choice(ALPHABET) for _ in range(12)]
		for position, symbol in fixed.items():
			if position < 12:
				data[position] = symbol
		code = "".join(data) + check_character("".join(data))
		if wanted_check is None or code[12] == wanted_check:
			return code
	raise AssertionError(f"no code found with {fixed}")


@pytest.fixture(scope="module")
def sample() -> list[str]:
	return [generate_unit_code() for _ in range(SAMPLE_SIZE)]


# -- constants and shape ----------------------------------------------------


def test_constants():
	assert CODE_LENGTH == 13
	assert RANDOM_BITS == 60
	assert codes.ALPHABET == ALPHABET
	assert codes.CHECK_ALPHABET == CHECK_ALPHABET
	assert len(set(CHECK_ALPHABET)) == 37
	assert not set("ILOU") & set(ALPHABET)


def test_generated_codes_have_the_canonical_shape(sample):
	for code in sample:
		assert len(code) == CODE_LENGTH
		assert CODE_RE.match(code), code
		assert code == code.upper()
		assert normalize_code(code) == code
		assert is_valid_code(code)
		assert code[12] == check_character(code[:12])


def test_generated_codes_use_the_whole_alphabet(sample):
	seen = set("".join(code[:12] for code in sample))
	assert seen == set(ALPHABET)


def test_check_symbol_reaches_all_37_values():
	rng = random.Random(1)
	seen = {encode_unit_code(rng.getrandbits(60))[12] for _ in range(5000)}
	assert seen == set(CHECK_ALPHABET)


def test_encode_known_values():
	assert encode_unit_code(0) == "0" * 13
	top = encode_unit_code((1 << 60) - 1)
	assert top[:12] == "Z" * 12
	assert is_valid_code(top)
	# weights 1..13: 31 * (1 + ... + 12) + 13 * c = 0 (mod 37)
	assert (31 * 78 + 13 * CHECK_ALPHABET.index(top[12])) % 37 == 0
	with pytest.raises(ValueError):
		encode_unit_code(-1)
	with pytest.raises(ValueError):
		encode_unit_code(1 << 60)


@given(sixty_bits)
def test_any_60_bit_number_encodes_to_a_valid_code(number):
	code = encode_unit_code(number)
	assert CODE_RE.match(code)
	assert is_valid_code(code)
	assert _decode_data(code) == number


def test_generate_uses_secrets(monkeypatch):
	calls = []

	def fake_randbits(bits: int) -> int:
		calls.append(bits)
		return 0x0123456789ABCDE

	monkeypatch.setattr(codes.secrets, "randbits", fake_randbits)
	assert generate_unit_code() == encode_unit_code(0x0123456789ABCDE)
	assert calls == [60]


# -- normalize / format -------------------------------------------------------


def test_format_groups_of_four(sample):
	for code in sample:
		shown = format_code(code)
		assert re.fullmatch(r"\S{4}-\S{4}-\S{4}-\S", shown)
		assert shown.replace("-", "") == code
		assert normalize_code(shown) == code


@given(sixty_bits)
def test_normalize_format_roundtrip(number):
	code = encode_unit_code(number)
	shown = format_code(code)
	assert normalize_code(shown) == code
	assert format_code(shown) == shown
	assert normalize_code(shown.lower()) == code
	assert normalize_code(" " + shown.replace("-", " - ") + "\t") == code
	assert is_valid_code(shown.lower())


def test_normalize_strips_spaces_and_hyphens():
	code = encode_unit_code(987654321)
	assert normalize_code(f" {code[:3]} {code[3:7]}--{code[7:]} ") == code
	assert normalize_code("-".join(code)) == code


def test_aliases_map_to_digits():
	data = "0O1IL0o1il00"
	assert normalize_code(data + "0") == "0011100111000"
	code = "0011" + "0" * 8
	code += check_character(code)
	for typed in ("OOII" + "o" * 8, "oOlL" + "0" * 8, "0Oil" + "O" * 8):
		assert check_character(typed) == code[12]
		assert normalize_code(typed + code[12]) == code
		assert is_valid_code(typed + code[12].lower())


@pytest.mark.parametrize(
	"text",
	[
		"",
		"-",
		"ABCD",
		"0" * 12,
		"0" * 14,
		"0" * 11 + "U0",  # U is check-only
		"0" * 11 + "*0",  # check-only symbol in a data position
		"0" * 12 + "!",
		"0" * 12 + "#",
		"0" * 5 + "_" + "0" * 7,
		"0" * 12 + "é",
		"0000.0000.0000.0",
		"0" * 12 + ".",
	],
)
def test_invalid_inputs_rejected(text):
	with pytest.raises(InvalidUnitCodeError):
		normalize_code(text)
	with pytest.raises(InvalidUnitCodeError):
		format_code(text)
	assert is_valid_code(text) is False


def test_invalid_error_is_a_value_error():
	assert issubclass(InvalidUnitCodeError, ValueError)


@pytest.mark.parametrize("value", [None, 123, b"0000000000000", ["0"] * 13])
def test_non_text_is_invalid_not_a_crash(value):
	assert is_valid_code(value) is False
	with pytest.raises(InvalidUnitCodeError):
		normalize_code(value)


def test_check_character_input():
	assert check_character("0" * 12) == "0"
	assert check_character("abcd-efgh-jkmn") == check_character("ABCDEFGHJKMN")
	for bad in ("0" * 11, "0" * 13, "0" * 11 + "U", "0" * 11 + "*"):
		with pytest.raises(InvalidUnitCodeError):
			check_character(bad)


def test_valid_shape_wrong_check_is_invalid():
	code = encode_unit_code(42)
	wrong = [s for s in CHECK_ALPHABET if s != code[12]]
	assert len(wrong) == 36
	assert not any(is_valid_code(code[:12] + s) for s in wrong)


# -- error detection ---------------------------------------------------------


def test_every_substitution_detected_in_sample(sample):
	checked = 0
	for code in sample:
		for position in range(CODE_LENGTH):
			for symbol in CHECK_ALPHABET:
				if symbol == code[position]:
					continue
				typo = _substitute(code, position, symbol)
				assert not is_valid_code(typo), (code, position, symbol)
				checked += 1
	assert checked == SAMPLE_SIZE * CODE_LENGTH * 36


def test_every_adjacent_swap_detected_in_sample(sample):
	checked = 0
	for code in sample:
		for position in range(CODE_LENGTH - 1):
			if code[position] == code[position + 1]:
				continue
			typo = _swap(code, position)
			assert not is_valid_code(typo), (code, position)
			checked += 1
	assert checked > SAMPLE_SIZE * 11


def test_every_substitution_detected_for_every_symbol_pair():
	"""Exhaustive over (position, original, replacement).

	The check sum is linear, so whether a substitution is caught depends only on the
	position and the two symbols; covering every such triple is a complete proof.
	"""
	rng = random.Random(20240601)
	checked = 0
	for position in range(CODE_LENGTH):
		originals = ALPHABET if position < 12 else CHECK_ALPHABET
		for original in originals:
			code = _code_with(rng, {position: original})
			assert is_valid_code(code)
			for symbol in CHECK_ALPHABET:
				if symbol != original:
					assert not is_valid_code(_substitute(code, position, symbol)), (code, position, symbol)
					checked += 1
	assert checked == 12 * 32 * 36 + 37 * 36


def test_every_adjacent_swap_detected_for_every_symbol_pair():
	"""Exhaustive over (position, left, right), including last data symbol and check symbol."""
	rng = random.Random(20240602)
	checked = 0
	for position in range(CODE_LENGTH - 1):
		rights = ALPHABET if position + 1 < 12 else CHECK_ALPHABET
		for left in ALPHABET:
			for right in rights:
				if left == right:
					continue
				code = _code_with(rng, {position: left, position + 1: right})
				assert code[position : position + 2] == left + right
				assert is_valid_code(code)
				assert not is_valid_code(_swap(code, position)), (code, position)
				checked += 1
	assert checked == 11 * 32 * 31 + (32 * 37 - 32)


@given(sixty_bits, st.integers(0, CODE_LENGTH - 1), st.sampled_from(CHECK_ALPHABET))
def test_random_substitution_detected(number, position, symbol):
	code = encode_unit_code(number)
	typo = _substitute(code, position, symbol)
	assert is_valid_code(typo) == (typo == code)


@given(sixty_bits, st.integers(0, CODE_LENGTH - 2))
def test_random_adjacent_swap_detected(number, position):
	code = encode_unit_code(number)
	typo = _swap(code, position)
	assert is_valid_code(typo) == (typo == code)


# -- uniqueness ----------------------------------------------------------------


def test_million_codes_do_not_repeat():
	count = 1_000_000
	start = time.perf_counter()
	seen = {generate_unit_code() for _ in range(count)}
	elapsed = time.perf_counter() - start
	assert len(seen) == count
	assert elapsed < 15, f"generating {count} codes took {elapsed:.1f} s"
