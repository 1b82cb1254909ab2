"""Lot numbering patterns: which pattern applies to an item, and how it renders.

No database here: the caller supplies the item's group ancestry and a function that
hands out the next sequence number for a prefix, so the rules are testable alone.

A pattern is literal text with tokens in braces:
  {YYYY} {YY} {MM} {DD}     parts of the receipt date
  {#}, {##}, {####} ...     a sequence per rendered prefix, zero-padded to that width
  {supplier_batch_code}     the supplier's own batch or date code from the receipt line
  {item_code}               the item's code
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

DEFAULT_LOT_PATTERN = "L{YY}{MM}-{####}"

DATE_TOKENS = {
	"YYYY": lambda d: f"{d.year:04d}",
	"YY": lambda d: f"{d.year % 100:02d}",
	"MM": lambda d: f"{d.month:02d}",
	"DD": lambda d: f"{d.day:02d}",
}
FIELD_TOKENS = ("supplier_batch_code", "item_code")
TOKEN_RE = re.compile(r"\{([^{}]*)\}")
UNSAFE_CHARS_RE = re.compile(r"[^A-Za-z0-9._\-]+")
MAX_LOT_CODE_LENGTH = 140


LOT_CODE_PUNCTUATION = "-_."


def lot_code_problem(code: str) -> str | None:
	"""Why a lot number cannot be used, or None. A lot number is printed on labels, read back by
	scanners and put in URLs, so only ASCII letters, digits and - _ . are allowed, and it starts
	with a letter or digit; the answer names the first character that is not allowed."""
	if not code:
		return "it is empty"
	if len(code) > MAX_LOT_CODE_LENGTH:
		return f"it is longer than {MAX_LOT_CODE_LENGTH} characters"
	for position, char in enumerate(code, start=1):
		if not (char.isascii() and (char.isalnum() or char in LOT_CODE_PUNCTUATION)):
			return f"character {position} is {describe_character(char)}; use only letters, digits and {' '.join(LOT_CODE_PUNCTUATION)}"
	if not code[0].isalnum():
		return f"it starts with {code[0]!r}; start it with a letter or digit"
	return None


def describe_character(char: str) -> str:
	"""A character as a person can find it: itself when it prints, and always its Unicode name."""
	import unicodedata

	name = unicodedata.name(char, None)
	if not name:
		return f"a control character (U+{ord(char):04X})"
	shown = f"'{char}' " if char.isprintable() and not char.isspace() and unicodedata.category(char) != "Cf" else ""
	return f"{shown}({name}, U+{ord(char):04X})"


class InvalidLotPatternError(ValueError):
	"""The pattern has an unknown token, stray braces, or nothing that makes codes unique."""


class MissingSupplierBatchCodeError(ValueError):
	"""The pattern needs the supplier's batch code and the receipt line has none."""


@dataclass(frozen=True)
class NumberingRule:
	"""One row of Lot Control Settings: a pattern for an item or an item group."""

	pattern: str
	item_code: str | None = None
	item_group: str | None = None


def validate_pattern(pattern: str) -> None:
	"""Refuse patterns that cannot render or that would give every lot the same code."""
	if not pattern or not pattern.strip():
		raise InvalidLotPatternError("The lot numbering pattern is empty.")
	stripped = TOKEN_RE.sub("", pattern)
	if "{" in stripped or "}" in stripped:
		raise InvalidLotPatternError(f"The lot numbering pattern {pattern!r} has unbalanced braces.")
	tokens = TOKEN_RE.findall(pattern)
	for token in tokens:
		if not (token in DATE_TOKENS or token in FIELD_TOKENS or is_sequence_token(token)):
			raise InvalidLotPatternError(f"The lot numbering pattern {pattern!r} has an unknown part {{{token}}}.")
	if not any(is_sequence_token(t) or t == "supplier_batch_code" for t in tokens):
		raise InvalidLotPatternError(
			f"The lot numbering pattern {pattern!r} needs a sequence such as {{####}} "
			"or the {supplier_batch_code}, otherwise every lot would get the same code."
		)
	if sum(1 for t in tokens if is_sequence_token(t)) > 1:
		raise InvalidLotPatternError(f"The lot numbering pattern {pattern!r} has more than one sequence.")
	literal = TOKEN_RE.sub("0", pattern).strip()
	problem = lot_code_problem(literal)
	if problem:
		raise InvalidLotPatternError(f"The lot numbering pattern {pattern!r} would make lot numbers that cannot be used: {problem}.")


def is_sequence_token(token: str) -> bool:
	return bool(token) and set(token) == {"#"}


def has_sequence(pattern: str) -> bool:
	return any(is_sequence_token(token) for token in TOKEN_RE.findall(pattern))


def clean_code_part(value: str) -> str:
	"""Make free text (a supplier's date code) safe inside a document name."""
	return UNSAFE_CHARS_RE.sub("-", value.strip()).strip("-")


def render_lot_code(
	pattern: str,
	*,
	on_date: date,
	next_sequence: Callable[[str], int],
	supplier_batch_code: str | None = None,
	item_code: str | None = None,
) -> str:
	"""Render a pattern; the sequence is asked for only with the text that precedes it, as Frappe's series do."""
	validate_pattern(pattern)
	rendered: list[str] = []
	position = 0
	for match in TOKEN_RE.finditer(pattern):
		rendered.append(pattern[position : match.start()])
		token = match.group(1)
		if token in DATE_TOKENS:
			rendered.append(DATE_TOKENS[token](on_date))
		elif token == "supplier_batch_code":
			code = clean_code_part(supplier_batch_code or "")
			if not code:
				raise MissingSupplierBatchCodeError(pattern)
			rendered.append(code)
		elif token == "item_code":
			rendered.append(clean_code_part(item_code or ""))
		else:
			prefix = "".join(rendered)
			rendered.append(f"{next_sequence(prefix):0{len(token)}d}")
		position = match.end()
	rendered.append(pattern[position:])
	code = "".join(rendered).strip()
	if len(code) > MAX_LOT_CODE_LENGTH:
		raise InvalidLotPatternError(f"The lot code {code[:40]}... is longer than {MAX_LOT_CODE_LENGTH} characters.")
	problem = lot_code_problem(code)
	if problem:
		raise InvalidLotPatternError(f"The lot code {code!r} made by pattern {pattern!r} cannot be used: {problem}.")
	return code


def disambiguate(code: str, taken: Callable[[str], bool]) -> str:
	"""A pattern without a sequence (the supplier's code) can repeat: suffix -2, -3 ... until free."""
	if not taken(code):
		return code
	suffix = 2
	while taken(f"{code}-{suffix}"):
		suffix += 1
	return f"{code}-{suffix}"


def select_rule(
	rules: Iterable[NumberingRule], item_code: str, item_group_ancestry: Sequence[str]
) -> NumberingRule | None:
	"""The item's own rule wins; otherwise the rule of the nearest item group up the tree.

	`item_group_ancestry` lists the item's group first, then its parent, up to the root.
	"""
	rules = list(rules)
	for rule in rules:
		if rule.item_code and rule.item_code == item_code:
			return rule
	for group in item_group_ancestry:
		for rule in rules:
			if not rule.item_code and rule.item_group == group:
				return rule
	return None
