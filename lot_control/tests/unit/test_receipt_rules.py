"""Checks on a receipt line's lot data, without a database."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from lot_control.receipt_rules import (
	expiry_from_shelf_life,
	expiry_precedes_manufacture,
	lot_quantities_match,
)


def test_expiry_before_manufacture_is_caught_and_missing_dates_are_not_an_error():
	assert expiry_precedes_manufacture(date(2026, 5, 1), date(2026, 4, 30))
	assert not expiry_precedes_manufacture(date(2026, 5, 1), date(2026, 5, 1))
	assert not expiry_precedes_manufacture(None, date(2026, 4, 30))
	assert not expiry_precedes_manufacture(date(2026, 5, 1), None)


def test_expiry_from_shelf_life():
	assert expiry_from_shelf_life(date(2026, 9, 1), 90) == date(2026, 11, 30)
	assert expiry_from_shelf_life(date(2026, 9, 1), 0) is None
	assert expiry_from_shelf_life(date(2026, 9, 1), None) is None


def test_lot_quantities_must_add_up_to_the_line():
	assert lot_quantities_match(5, [3, 2])
	assert not lot_quantities_match(6, [3, 2])
	assert lot_quantities_match(0.3, [0.1, 0.2])
	assert lot_quantities_match(-5, [-3, -2])


@given(st.lists(st.floats(min_value=0.001, max_value=10_000, allow_nan=False), min_size=1, max_size=20))
def test_any_split_of_a_line_matches_its_total(parts):
	assert lot_quantities_match(sum(parts), list(reversed(parts)))
