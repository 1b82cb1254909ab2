"""The status rules of a lot, without a database."""

from datetime import date
from itertools import product

import pytest

from lot_control.lot_status import (
	ALLOWED_CHANGES,
	HELD_BACK,
	SET_BY_THE_APP,
	StatusChangeRefused,
	check_status_change,
)
from lot_control.picking import LOT_STATUSES


def change(from_status, to_status, **kwargs):
	kwargs.setdefault("reason", "because")
	kwargs.setdefault("has_quality_role", True)
	check_status_change(from_status, to_status, **kwargs)


def test_every_status_has_its_allowed_changes():
	assert set(ALLOWED_CHANGES) == set(LOT_STATUSES)


@pytest.mark.parametrize("from_status, to_status", list(product(LOT_STATUSES, LOT_STATUSES)))
def test_only_listed_changes_are_allowed(from_status, to_status):
	allowed = to_status in ALLOWED_CHANGES[from_status]
	try:
		change(from_status, to_status, by_the_app=True)
	except StatusChangeRefused:
		assert not allowed
	else:
		assert allowed


@pytest.mark.parametrize("status", sorted(SET_BY_THE_APP))
def test_expired_and_consumed_are_not_set_by_hand(status):
	with pytest.raises(StatusChangeRefused, match="set by the app"):
		change("Released", status)
	change("Released", status, by_the_app=True)


@pytest.mark.parametrize("held", sorted(HELD_BACK))
def test_leaving_a_held_back_status_needs_a_reason_and_release_needs_the_quality_role(held):
	with pytest.raises(StatusChangeRefused, match="reason"):
		change(held, "Released", reason="  ")
	with pytest.raises(StatusChangeRefused, match="Lot Quality Manager"):
		change(held, "Released", has_quality_role=False)
	change(held, "Released")
	change(held, "Archived", reason=None, has_quality_role=False)


def test_holding_a_lot_back_needs_neither_reason_nor_role():
	change("Released", "Quarantine", reason=None, has_quality_role=False)


def test_an_expired_lot_is_released_only_after_its_expiry_is_extended():
	with pytest.raises(StatusChangeRefused, match="extend its expiry"):
		change("Expired", "Released", expiry_date=date(2026, 1, 1), on_date=date(2026, 2, 1))
	change("Expired", "Released", expiry_date=date(2026, 3, 1), on_date=date(2026, 2, 1))


def test_unknown_and_unchanged_statuses_are_refused():
	with pytest.raises(StatusChangeRefused, match="not a lot status"):
		change("Released", "Lost")
	with pytest.raises(StatusChangeRefused, match="already"):
		change("Quarantine", "Quarantine")
