"""Lot numbering patterns, without a database."""

from datetime import date
from itertools import count

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lot_control.lot_numbering import (
	DEFAULT_LOT_PATTERN,
	InvalidLotPatternError,
	MissingSupplierBatchCodeError,
	NumberingRule,
	clean_code_part,
	disambiguate,
	has_sequence,
	render_lot_code,
	select_rule,
	validate_pattern,
)


def sequences():
	"""Frappe's series stand-in: one counter per prefix."""
	counters = {}

	def next_sequence(prefix):
		counters.setdefault(prefix, count(1))
		return next(counters[prefix])

	return next_sequence, counters


def test_the_default_pattern_is_short_and_counts_per_month():
	next_sequence, counters = sequences()
	november = [render_lot_code(DEFAULT_LOT_PATTERN, on_date=date(2026, 11, 22), next_sequence=next_sequence) for _ in range(2)]
	december = render_lot_code(DEFAULT_LOT_PATTERN, on_date=date(2026, 12, 1), next_sequence=next_sequence)
	assert november == ["L2611-0001", "L2611-0002"]
	assert december == "L2612-0001"
	assert set(counters) == {"L2611-", "L2612-"}


def test_date_parts_item_code_and_sequence_width():
	next_sequence, _ = sequences()
	code = render_lot_code(
		"{item_code}.{YYYY}{MM}{DD}-{###}", on_date=date(2027, 1, 5), next_sequence=next_sequence, item_code="RES 10k"
	)
	assert code == "RES-10k.20270105-001"


def test_the_suppliers_code_can_be_the_lot_code_and_is_made_safe():
	next_sequence, counters = sequences()
	code = render_lot_code(
		"{supplier_batch_code}", on_date=date(2026, 1, 1), next_sequence=next_sequence, supplier_batch_code=" DC 25/44 "
	)
	assert code == "DC-25-44"
	assert counters == {}


def test_a_pattern_needing_the_suppliers_code_says_so_when_it_is_missing():
	next_sequence, _ = sequences()
	with pytest.raises(MissingSupplierBatchCodeError):
		render_lot_code("S-{supplier_batch_code}", on_date=date(2026, 1, 1), next_sequence=next_sequence)


@pytest.mark.parametrize(
	"pattern, problem",
	[("", "empty"), ("LOT", "sequence"), ("L-{YY}", "sequence"), ("L-{QQ}-{##}", "unknown"), ("L-{##", "unbalanced"), ("{#}-{##}", "more than one")],
)
def test_patterns_that_cannot_number_lots_are_refused(pattern, problem):
	with pytest.raises(InvalidLotPatternError, match=problem):
		validate_pattern(pattern)


def test_has_sequence():
	assert has_sequence("A-{###}") and not has_sequence("{supplier_batch_code}")


def test_disambiguate_suffixes_until_free():
	taken = {"DC2544", "DC2544-2"}
	assert disambiguate("DC2544", taken.__contains__) == "DC2544-3"
	assert disambiguate("NEW", taken.__contains__) == "NEW"


def test_the_items_rule_wins_then_the_nearest_group():
	rules = [
		NumberingRule("ALL-{###}", item_group="All Item Groups"),
		NumberingRule("RAW-{###}", item_group="Raw Material"),
		NumberingRule("RES-{###}", item_code="RES-10K"),
	]
	ancestry = ["Resistors", "Raw Material", "All Item Groups"]
	assert select_rule(rules, "RES-10K", ancestry).pattern == "RES-{###}"
	assert select_rule(rules, "RES-22K", ancestry).pattern == "RAW-{###}"
	assert select_rule(rules, "BOX", ["Packaging", "All Item Groups"]).pattern == "ALL-{###}"
	assert select_rule(rules, "BOX", ["Loose"]) is None


@given(st.text(min_size=1, max_size=40))
def test_cleaned_code_parts_hold_only_safe_characters(text):
	cleaned = clean_code_part(text)
	assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in cleaned)
	assert not cleaned.startswith("-") and not cleaned.endswith("-")
