"""Which characters a lot number may hold: it is printed on a label, read back by a scanner and put
in a URL, and a refusal names the character that is not allowed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lot_control.lot_numbering import (
	InvalidLotPatternError,
	lot_code_problem,
	render_lot_code,
	validate_pattern,
)


@pytest.mark.parametrize("code", ["L2611-0001", "REEL-1", "DC2544-2", "a.b_c-9", "9"])
def test_plain_lot_numbers_are_accepted(code):
	assert lot_code_problem(code) is None


@pytest.mark.parametrize(
	("code", "named"),
	[
		("LOT\x00", "U+0000"),
		("\u202eTOL", "RIGHT-TO-LEFT OVERRIDE"),
		("LOT\U0001f600", "GRINNING FACE"),
		("A/B", "'/' (SOLIDUS"),
		("A%20", "'%' (PERCENT SIGN"),
		("A?B", "QUESTION MARK"),
		("A#B", "NUMBER SIGN"),
		("A B", "SPACE"),
		("LOT\t1", "U+0009"),
		("LÖT", "LATIN CAPITAL LETTER O WITH DIAERESIS"),
	],
)
def test_a_refusal_names_the_character(code, named):
	problem = lot_code_problem(code)
	assert problem and named in problem


def test_empty_too_long_or_starting_with_punctuation_is_refused():
	assert "empty" in lot_code_problem("")
	assert "longer" in lot_code_problem("A" * 141)
	assert "start" in lot_code_problem(".hidden")
	assert "start" in lot_code_problem("-1")


@given(st.text(max_size=30))
def test_an_accepted_lot_number_is_plain_ascii_that_needs_no_escaping_in_a_url(code):
	from urllib.parse import quote

	if lot_code_problem(code) is None:
		assert quote(code, safe="") == code
		assert code.isprintable() and code.strip() == code


@pytest.mark.parametrize("pattern", ["LOT/{####}", "L {####}", "L#{####}", "{YY}%{###}"])
def test_a_pattern_whose_text_makes_unusable_lot_numbers_is_refused(pattern):
	with pytest.raises(InvalidLotPatternError, match="cannot be used"):
		validate_pattern(pattern)


def test_a_rendered_code_is_checked_too():
	from datetime import date

	with pytest.raises(InvalidLotPatternError, match="start"):
		render_lot_code(
			"{item_code}-{#}", on_date=date(2026, 1, 1), next_sequence=lambda prefix: 1, item_code="//"
		)
