"""ID codes for serialized units, made without a central counter.

Codes are 60 random bits from `secrets`, so two sites, or a site restored from an
old backup, cannot hand out the same code by replaying a sequence: with 60 bits the
chance of any repeat among ten million codes is below one in twenty thousand (a
unique index on the stored code still turns that remote case into an error).

The 12 data characters are Crockford base32 (no I, L, O, U) so codes survive being
read aloud, handwritten and retyped; the 13th character is a check symbol so a
mistyped code is refused instead of pointing at the wrong unit.

Check symbol: the weighted sum of all 13 values, weights 1..13 by position and the
check symbol included, is 0 modulo the prime 37. Data values are 0..31 and check
values 0..36, so two symbols of different values in one position differ by 1..36,
never a multiple of 37. Hence:
  - a substitution at position i changes the sum by w_i * (b - a), and neither factor
    is a multiple of 37 (a prime), so the sum is no longer 0;
  - swapping neighbours of different values at i and i+1 changes it by
    (w_i - w_{i+1}) * (a - b) = -(a - b), again not 0 - this includes swapping the
    last data character with the check symbol.
The check symbol needs 37 values: the 32 data symbols, then * . _ = U for 32..36.

Why . and _: a unit code is printed as a GS1 serial, AI (21), which allows only GS1's
82 characters (GS1_SERIAL_CHARACTERS), and travels in GS1 Digital Link URLs. Crockford's
check alphabet used ~ and $ for 33 and 34; neither is in the GS1 set. . and _ are, and
they are also URL-unreserved, so a Digital Link carries them unescaped; - would be too,
but it is the display grouping (XXXX-XXXX-XXXX-X) and is dropped when a code is read.
Codes issued before the change keep their ~ or $ (LEGACY_CHECK_SYMBOLS): they stay
their units' names and still validate, as the same value as . or _. The two spellings of
one value are one code, not a typo, so nothing above changes: code_spellings gives both,
for lookups, and gs1_code the spelling a GS1 label prints.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*._=U"
# Check symbols of codes issued before codes were GS1-safe -> today's symbol of the same value.
LEGACY_CHECK_SYMBOLS = {"~": ".", "$": "_"}
# What GS1 allows in an alphanumeric element string such as AI (21) serial: "AI encodable character set 82".
GS1_SERIAL_CHARACTERS = frozenset(
	"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
DATA_LENGTH = 12
CODE_LENGTH = DATA_LENGTH + 1
RANDOM_BITS = 5 * DATA_LENGTH
CHECK_MODULUS = len(CHECK_ALPHABET)
DISPLAY_GROUP = 4

# Weight of each position, the check symbol last; all distinct and non-zero mod 37.
WEIGHTS = tuple(range(1, CODE_LENGTH + 1))

_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_DATA_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_CHECK_VALUES = {symbol: value for value, symbol in enumerate(CHECK_ALPHABET)}
_CHECK_VALUES.update({old: _CHECK_VALUES[new] for old, new in LEGACY_CHECK_SYMBOLS.items()})
_TODAYS_SPELLING = str.maketrans(LEGACY_CHECK_SYMBOLS)
_LEGACY_SPELLING = str.maketrans({new: old for old, new in LEGACY_CHECK_SYMBOLS.items()})
# The check value c solves S + w_check * c = 0 (mod 37), i.e. c = S * _CHECK_FACTOR.
_CHECK_FACTOR = (-pow(WEIGHTS[-1], -1, CHECK_MODULUS)) % CHECK_MODULUS

# Generating a million codes must stay cheap: encode 10 bits (two symbols) per lookup
# and look up their weighted contribution to the check sum alongside.
_PAIRS = tuple(ALPHABET[n >> 5] + ALPHABET[n & 31] for n in range(1024))
_PAIR_SUMS = tuple(
	tuple(WEIGHTS[2 * j] * (n >> 5) + WEIGHTS[2 * j + 1] * (n & 31) for n in range(1024))
	for j in range(DATA_LENGTH // 2)
)
_CHECK_FROM_SUM = tuple(CHECK_ALPHABET[(s * _CHECK_FACTOR) % CHECK_MODULUS] for s in range(CHECK_MODULUS))


class InvalidUnitCodeError(ValueError):
	"""The text cannot be a unit code: wrong length or a symbol outside the alphabet."""


def generate_unit_code() -> str:
	"""A fresh code; unique by randomness, so no counter has to be shared or restored."""
	return encode_unit_code(secrets.randbits(RANDOM_BITS))


def encode_unit_code(number: int) -> str:
	"""The code for a 60-bit number, so the encoding can be tested apart from chance."""
	if not 0 <= number < 1 << RANDOM_BITS:
		raise ValueError(f"number must be in [0, 2**{RANDOM_BITS}), got {number!r}")
	p0, p1, p2 = number >> 50, (number >> 40) & 1023, (number >> 30) & 1023
	p3, p4, p5 = (number >> 20) & 1023, (number >> 10) & 1023, number & 1023
	s0, s1, s2, s3, s4, s5 = _PAIR_SUMS
	total = s0[p0] + s1[p1] + s2[p2] + s3[p3] + s4[p4] + s5[p5]
	pairs = _PAIRS
	return (
		pairs[p0]
		+ pairs[p1]
		+ pairs[p2]
		+ pairs[p3]
		+ pairs[p4]
		+ pairs[p5]
		+ _CHECK_FROM_SUM[total % CHECK_MODULUS]
	)


def _canonical(text: str, length: int) -> str:
	"""Uppercase without spaces and hyphens, aliases resolved, so any typed form compares equal."""
	if not isinstance(text, str):
		raise InvalidUnitCodeError(f"unit code must be text, got {type(text).__name__}")
	cleaned = "".join(text.split()).replace("-", "").upper().translate(_ALIASES)
	if len(cleaned) != length:
		raise InvalidUnitCodeError(f"unit code must have {length} symbols, got {len(cleaned)}: {text!r}")
	return cleaned


def _data_sum(data: str) -> int:
	"""Weighted sum of the data symbols; the caller has checked they are in the alphabet."""
	return sum(weight * _DATA_VALUES[symbol] for weight, symbol in zip(WEIGHTS, data, strict=False))


def _check_bad_data(data: str, original: str) -> None:
	"""Refuse symbols that are not Crockford base32, e.g. U or a check-only symbol."""
	for symbol in data:
		if symbol not in _DATA_VALUES:
			raise InvalidUnitCodeError(f"{symbol!r} is not a valid unit code symbol: {original!r}")


def check_character(data: str) -> str:
	"""The check symbol for 12 data symbols, for building or repairing codes by hand."""
	cleaned = _canonical(data, DATA_LENGTH)
	_check_bad_data(cleaned, data)
	return CHECK_ALPHABET[(_data_sum(cleaned) * _CHECK_FACTOR) % CHECK_MODULUS]


def normalize_code(text: str) -> str:
	"""The canonical form of a typed or displayed code, so lookups match however it was entered.

	A code issued with a legacy check symbol (~ or $) keeps it, since that is its unit's name;
	code_spellings gives the other spelling too. Does not verify the check symbol; use
	`is_valid_code` for that.
	"""
	cleaned = _canonical(text, CODE_LENGTH)
	_check_bad_data(cleaned[:DATA_LENGTH], text)
	if cleaned[-1] not in _CHECK_VALUES:
		raise InvalidUnitCodeError(f"{cleaned[-1]!r} is not a valid check symbol: {text!r}")
	return cleaned


def looks_like_code(text: str) -> bool:
	"""Whether the text has a unit code's shape (13 symbols of the code alphabets), whatever its
	check symbol: such a text that fails the check is a mistyped code, not some other serial."""
	try:
		normalize_code(text)
	except InvalidUnitCodeError:
		return False
	return True


def is_valid_code(text: str) -> bool:
	"""Whether the text is a well-formed code whose check symbol matches; never raises."""
	try:
		code = normalize_code(text)
	except InvalidUnitCodeError:
		return False
	total = _data_sum(code[:DATA_LENGTH]) + WEIGHTS[-1] * _CHECK_VALUES[code[-1]]
	return total % CHECK_MODULUS == 0


def code_spellings(text: str) -> tuple[str, ...]:
	"""Every form a unit may be stored under for this code: the normalized one and, when its check
	value has a legacy symbol, the other spelling; so an old label and a new one find the same unit."""
	code = normalize_code(text)
	other = code[:DATA_LENGTH] + code[-1].translate(
		_TODAYS_SPELLING if code[-1] in LEGACY_CHECK_SYMBOLS else _LEGACY_SPELLING
	)
	return (code,) if other == code else (code, other)


def gs1_code(code: str) -> str:
	"""The code spelt with today's check symbols only, as a GS1 serial (AI 21) must be: the same
	code as a legacy one with ~ or $, which stays the unit's name."""
	normalized = normalize_code(code)
	return normalized[:DATA_LENGTH] + normalized[-1].translate(_TODAYS_SPELLING)


def format_code(code: str) -> str:
	"""Display form in groups of four (XXXX-XXXX-XXXX-X), easier to read and copy."""
	canonical = normalize_code(code)
	return "-".join(canonical[i : i + DISPLAY_GROUP] for i in range(0, CODE_LENGTH, DISPLAY_GROUP))
