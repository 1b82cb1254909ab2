"""Unit codes: shape, normalization, error detection and uniqueness."""

from __future__ import annotations

import random
import re
import time

import pytest
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message
from hypothesis import given
from hypothesis import strategies as st

from lot_control import codes
from lot_control.codes import (
	CODE_LENGTH,
	RANDOM_BITS,
	InvalidUnitCodeError,
	check_character,
	code_spellings,
	encode_unit_code,
	format_code,
	generate_unit_code,
	gs1_code,
	is_valid_code,
	looks_like_code,
	normalize_code,
)

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*._=U"
# Crockford's own check alphabet, which codes issued before GS1 labels used: ~ and $ are not GS1 characters.
LEGACY_CHECK_ALPHABET = ALPHABET + "*~$=U"
LEGACY_SYMBOL_TODAY = {"~": ".", "$": "_"}
CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{12}[0-9A-HJKMNP-TV-Z*._=U]$")
# GS1 General Specifications, figure 7.11-1: the 82 characters of an alphanumeric AI such as (21).
GS1_AI_82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
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
	assert codes.LEGACY_CHECK_SYMBOLS == {"~": ".", "$": "_"}
	assert codes.GS1_SERIAL_CHARACTERS == frozenset(GS1_AI_82) and len(GS1_AI_82) == 82


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
		"0" * 12 + "+",
		"0" * 12 + "/",
		"0" * 11 + "~0",  # a legacy check symbol is still a check symbol only
		"0" * 11 + ".0",
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


# -- GS1-safe codes, and the codes issued before them --------------------------------


def _legacy_code(data: str) -> str:
	"""A code as the app made it before GS1 labels: the same check value, spelt with Crockford's symbols."""
	total = sum((position + 1) * ALPHABET.index(symbol) for position, symbol in enumerate(data))
	value = next(value for value in range(37) if (total + 13 * value) % 37 == 0)
	return data + LEGACY_CHECK_ALPHABET[value]


def _value(symbol: str) -> int:
	return LEGACY_CHECK_ALPHABET.index(symbol) if symbol in "~$" else CHECK_ALPHABET.index(symbol)


def _codes_for_every_check_symbol() -> list[str]:
	rng = random.Random(7)
	return [_code_with(rng, {12: symbol}) for symbol in CHECK_ALPHABET]


def test_every_symbol_a_new_code_can_hold_is_a_gs1_serial_character():
	assert set(CHECK_ALPHABET) <= set(GS1_AI_82)
	assert not set("~$") & set(GS1_AI_82)
	# URL-unreserved, so a GS1 Digital Link carries the new check symbols as they are.
	assert set("._") <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def test_new_codes_parse_as_gs1_serials_in_every_form(sample):
	for code in [*sample, *_codes_for_every_check_symbol()]:
		assert set(code) <= codes.GS1_SERIAL_CHARACTERS, code
		assert [element.value for element in GS1Message.parse_hri(f"(21){code}").element_strings] == [code]
		assert [
			element.value
			for element in GS1Message.parse(f"0109506000134352 21{code}".replace(" ", "")).element_strings
		] == [
			"09506000134352",
			code,
		]
		link = GS1DigitalLinkURI.parse(f"https://id.example.com/01/09506000134352/21/{code}")
		assert [element.value for element in link.element_strings] == ["09506000134352", code]


def test_a_legacy_code_is_no_gs1_serial_but_its_gs1_spelling_is():
	rng = random.Random(8)
	for legacy_symbol, symbol in (("~", "."), ("$", "_")):
		code = _code_with(rng, {12: symbol})
		legacy = code[:12] + legacy_symbol
		assert legacy == _legacy_code(code[:12])
		with pytest.raises(Exception, match="pattern"):
			GS1Message.parse_hri(f"(21){legacy}")
		assert gs1_code(legacy) == code
		assert gs1_code(format_code(legacy).lower()) == code
		assert [
			element.value for element in GS1Message.parse_hri(f"(21){gs1_code(legacy)}").element_strings
		] == [code]


def test_codes_issued_before_still_validate_and_keep_their_spelling():
	rng = random.Random(9)
	seen = set()
	for _ in range(3000):
		legacy = _legacy_code("".join(rng.choice(ALPHABET) for _ in range(12)))
		seen.add(legacy[12])
		assert is_valid_code(legacy), legacy
		assert looks_like_code(legacy)
		assert normalize_code(legacy) == legacy
		assert normalize_code(format_code(legacy).lower()) == legacy
		assert format_code(legacy).replace("-", "") == legacy
		if legacy[12] not in "~$":
			# Every other check value is spelt the same then and now.
			assert legacy == legacy[:12] + check_character(legacy[:12])
	assert {"~", "$"} <= seen


def test_both_spellings_of_a_check_value_name_the_same_code():
	rng = random.Random(10)
	for legacy_symbol, symbol in (("~", "."), ("$", "_")):
		code = _code_with(rng, {12: symbol})
		legacy = code[:12] + legacy_symbol
		assert code_spellings(code) == (code, legacy)
		assert code_spellings(legacy) == (legacy, code)
		assert code_spellings(format_code(code).lower()) == (code, legacy)
	plain = _code_with(rng, {12: "*"})
	assert code_spellings(plain) == (plain,)
	assert code_spellings(plain.lower().replace("0", "o")) == (plain,)
	assert gs1_code(plain) == plain
	with pytest.raises(InvalidUnitCodeError):
		code_spellings("DEV-0001")


def test_a_mistyped_code_still_looks_like_a_code():
	code = encode_unit_code(123456789)
	typo = _substitute(code, 3, "Z" if code[3] != "Z" else "Y")
	assert looks_like_code(typo) and not is_valid_code(typo)
	assert looks_like_code(format_code(typo).lower())
	for other in ("DEV-0001", code[:12], code + "0", "0" * 11 + "U0", "", None):
		assert not looks_like_code(other)


def test_every_substitution_detected_with_either_check_alphabet():
	"""Exhaustive over (position, original, replacement) with legacy symbols as originals and as typos:
	a replacement of another value is always refused, and only the other spelling of the same value passes."""
	rng = random.Random(20240603)
	every_symbol = CHECK_ALPHABET + "~$"
	checked = 0
	for position in range(CODE_LENGTH):
		originals = ALPHABET if position < 12 else every_symbol
		for original in originals:
			code = _code_with(rng, {position: LEGACY_SYMBOL_TODAY.get(original, original)})
			code = _substitute(code, position, original)
			assert is_valid_code(code), code
			for symbol in every_symbol:
				if symbol == original:
					continue
				typo = _substitute(code, position, symbol)
				same_value = position == 12 and _value(symbol) == _value(original)
				assert is_valid_code(typo) == same_value, (code, position, symbol)
				checked += 1
	assert checked == 12 * 32 * 38 + 39 * 38


def test_every_adjacent_swap_detected_with_a_legacy_check_symbol():
	rng = random.Random(20240604)
	checked = 0
	for legacy_symbol, symbol in (("~", "."), ("$", "_")):
		for left in ALPHABET:
			code = _code_with(rng, {11: left, 12: symbol})
			legacy = code[:12] + legacy_symbol
			assert is_valid_code(legacy)
			assert not is_valid_code(_swap(legacy, 11)), legacy
			for position in range(11):
				if legacy[position] != legacy[position + 1]:
					assert not is_valid_code(_swap(legacy, position)), (legacy, position)
			checked += 1
	assert checked == 64


# -- uniqueness ----------------------------------------------------------------


def test_million_codes_do_not_repeat():
	count = 1_000_000
	start = time.perf_counter()
	seen = {generate_unit_code() for _ in range(count)}
	elapsed = time.perf_counter() - start
	assert len(seen) == count
	assert elapsed < 15, f"generating {count} codes took {elapsed:.1f} s"
