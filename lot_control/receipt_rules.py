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
