"""Checks on the lot data of a receipt line, independent of the database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


def expiry_precedes_manufacture(manufacturing_date: date | None, expiry_date: date | None) -> bool:
	return bool(manufacturing_date and expiry_date and expiry_date < manufacturing_date)


def expiry_from_shelf_life(start_date: date, shelf_life_in_days: int | None) -> date | None:
	"""Expiry counted from manufacture (or receipt when unknown), as ERPNext's Batch does."""
	if not shelf_life_in_days or shelf_life_in_days <= 0:
		return None
	return start_date + timedelta(days=int(shelf_life_in_days))


def lot_quantities_match(line_qty: float, lot_qtys: Iterable[float], precision: int = 6) -> bool:
	"""The lots of a line must add up to the line's stock quantity, to the quantity's precision."""
	return round(abs(sum(lot_qtys)), precision) == round(abs(line_qty), precision)


# Customer returns -------------------------------------------------------------------------------

QUARANTINE = "Quarantine"
RELEASED = "Released"
# A returned lot in one of these is put back in Quarantine: it was usable, or it held nothing.
RETURN_QUARANTINES_FROM = frozenset({"Released", "Consumed", "Archived"})
# Held back already (On Hold, Rejected) or unusable by date (Expired): a return leaves it as it is.


def status_after_customer_return(status: str, quarantine_returns: bool, has_stock: bool) -> str:
	"""The lot's status once a customer's return is back on the shelf.

	The returned stock cannot be told apart from the rest of the lot, so the whole lot is held."""
	if quarantine_returns and has_stock and status in RETURN_QUARANTINES_FROM:
		return QUARANTINE
	return status


def status_before_cancelled_return(current_status: str, return_event, later_status_changes: int) -> str | None:
	"""The status to go back to when a return is cancelled: the one the return changed, provided
	nothing changed the lot since (no later status change, still in the return's Quarantine).
	return_event has from_status and to_status; None means leave the lot as it is."""
	if return_event is None or return_event.from_status == return_event.to_status:
		return None
	if later_status_changes or current_status != return_event.to_status:
		return None
	return return_event.from_status


# Quality status of a serialized unit ------------------------------------------------------------

UNIT_QUALITY_STATUSES = ("Released", "Quarantine", "On Hold", "Rejected")
UNIT_HELD_BACK = frozenset({"Quarantine", "On Hold", "Rejected"})


class UnitQualityChangeRefused(ValueError):
	"""The change is not allowed; the message says why in words a user understands."""


def check_unit_quality_change(from_status: str, to_status: str, *, reason: str | None, has_quality_role: bool) -> None:
	"""Units follow the lots' rules: releasing a held unit is a quality decision with a reason."""
	if to_status not in UNIT_QUALITY_STATUSES:
		raise UnitQualityChangeRefused(f"{to_status!r} is not a unit quality status.")
	if from_status == to_status:
		raise UnitQualityChangeRefused(f"the unit is already {to_status}.")
	if from_status in UNIT_HELD_BACK and not (reason or "").strip():
		raise UnitQualityChangeRefused(f"a reason is required to take a unit out of {from_status}.")
	if to_status == RELEASED and from_status in UNIT_HELD_BACK and not has_quality_role:
		raise UnitQualityChangeRefused(f"only a Lot Quality Manager may release a unit from {from_status}.")


# Stock counts -----------------------------------------------------------------------------------


def count_changes(counted_before: dict, counted_after: dict, precision: int = 6) -> dict:
	"""What a stock count changed per lot: the lot's quantity after the count less before it.

	A Stock Reconciliation takes the counted lots out at their old quantity and puts them back at
	the counted one; lots the count does not change are left out."""
	changes = {}
	for lot in {*counted_before, *counted_after}:
		change = round(counted_after.get(lot, 0) - counted_before.get(lot, 0), precision)
		if change:
			changes[lot] = change
	return changes
