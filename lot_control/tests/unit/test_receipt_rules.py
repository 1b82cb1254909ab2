"""Checks on a receipt line's lot data, without a database."""

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lot_control.receipt_rules import (
	UnitQualityChangeRefused,
	check_unit_quality_change,
	count_changes,
	expiry_from_shelf_life,
	expiry_precedes_manufacture,
	lot_quantities_match,
	status_after_customer_return,
	status_before_cancelled_return,
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


# Customer returns


def test_a_return_puts_a_usable_or_empty_lot_in_quarantine():
	for status in ("Released", "Consumed", "Archived"):
		assert status_after_customer_return(status, quarantine_returns=True, has_stock=True) == "Quarantine"


def test_a_return_leaves_held_or_expired_lots_and_the_setting_off_changes_nothing():
	for status in ("Quarantine", "On Hold", "Rejected", "Expired"):
		assert status_after_customer_return(status, quarantine_returns=True, has_stock=True) == status
	assert status_after_customer_return("Released", quarantine_returns=False, has_stock=True) == "Released"
	assert status_after_customer_return("Released", quarantine_returns=True, has_stock=False) == "Released"


def test_a_cancelled_return_restores_the_status_only_if_nothing_else_changed_it():
	quarantined = SimpleNamespace(from_status="Released", to_status="Quarantine")
	assert status_before_cancelled_return("Quarantine", quarantined, later_status_changes=0) == "Released"
	assert status_before_cancelled_return("Quarantine", quarantined, later_status_changes=1) is None
	assert status_before_cancelled_return("On Hold", quarantined, later_status_changes=0) is None
	unchanged = SimpleNamespace(from_status="On Hold", to_status="On Hold")
	assert status_before_cancelled_return("On Hold", unchanged, later_status_changes=0) is None
	assert status_before_cancelled_return("Quarantine", None, later_status_changes=0) is None


def test_releasing_a_held_unit_needs_the_quality_role_and_a_reason():
	check_unit_quality_change("Quarantine", "Released", reason="Tested OK", has_quality_role=True)
	check_unit_quality_change("Released", "Quarantine", reason=None, has_quality_role=False)
	with pytest.raises(UnitQualityChangeRefused, match="Lot Quality Manager"):
		check_unit_quality_change("Quarantine", "Released", reason="Looks fine", has_quality_role=False)
	with pytest.raises(UnitQualityChangeRefused, match="reason"):
		check_unit_quality_change("On Hold", "Released", reason=" ", has_quality_role=True)
	with pytest.raises(UnitQualityChangeRefused, match="not a unit quality status"):
		check_unit_quality_change("Released", "Expired", reason="x", has_quality_role=True)
	with pytest.raises(UnitQualityChangeRefused, match="already"):
		check_unit_quality_change("Released", "Released", reason="x", has_quality_role=True)


# Stock counts


def test_a_count_records_only_the_lots_it_changed():
	assert count_changes({"A": 10, "B": 4}, {"A": 7, "B": 4, "C": 5}) == {"A": -3, "C": 5}
	assert count_changes({}, {"NEW": 12}) == {"NEW": 12}
	assert count_changes({"A": 0.1 + 0.2}, {"A": 0.3}) == {}


@given(
	st.dictionaries(st.sampled_from("ABCDE"), st.integers(0, 1000)),
	st.dictionaries(st.sampled_from("ABCDE"), st.integers(0, 1000)),
)
def test_count_changes_take_the_lots_from_before_to_after(before, after):
	changes = count_changes(before, after)
	for lot in {*before, *after}:
		assert before.get(lot, 0) + changes.get(lot, 0) == after.get(lot, 0)
