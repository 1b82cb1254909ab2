"""Rules of a build that need no database: the produced lot's expiry and owner, how consumed lots
are shared among the lots a build produces, and which work-in-progress stock belongs to which
Work Order. lot_control.builds gathers the facts and applies these."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from lot_control.costing import Number, split_build_cost

EXPIRY_EARLIEST = "Earliest of inputs and shelf life"
EXPIRY_INPUTS = "Earliest input expiry"
EXPIRY_SHELF_LIFE = "Item shelf life only"
EXPIRY_RULES = (EXPIRY_EARLIEST, EXPIRY_INPUTS, EXPIRY_SHELF_LIFE)

QTY_PRECISION = 9


def is_produced_row(doc, row) -> bool:
	"""The finished goods of a Manufacture, the targets of a Repack, the components a Disassemble
	gives back, the goods a subcontractor delivers; scrap is not a product."""
	if row.get("is_scrap_item"):
		return False
	if doc.doctype == "Subcontracting Receipt":
		return bool(row.get("warehouse")) and float(row.get("qty") or 0) > 0
	if not row.get("t_warehouse"):
		return False
	if doc.get("purpose") == "Manufacture":
		return bool(row.get("is_finished_item"))
	return doc.get("purpose") in ("Repack", "Disassemble") and not row.get("s_warehouse")


def produced_lot_expiry(
	input_expiries: Iterable[datetime.date | None],
	manufacturing_date: datetime.date,
	shelf_life_in_days: int | None,
	rule: str | None = None,
) -> datetime.date | None:
	"""A product cannot outlive what went into it: by default the earliest expiry among the lots
	consumed, or the item's own shelf life from the build date, whichever comes first.

	Inputs without an expiry do not limit it; with neither inputs' expiry nor shelf life there is none.
	"""
	rule = rule or EXPIRY_EARLIEST
	if rule not in EXPIRY_RULES:
		raise ValueError(f"unknown expiry rule {rule!r}")
	earliest_input = min((expiry for expiry in input_expiries if expiry), default=None)
	from_shelf_life = (
		manufacturing_date + datetime.timedelta(days=int(shelf_life_in_days)) if shelf_life_in_days else None
	)
	if rule == EXPIRY_INPUTS:
		return earliest_input
	if rule == EXPIRY_SHELF_LIFE:
		return from_shelf_life
	return min((date for date in (earliest_input, from_shelf_life) if date), default=None)


def produced_lot_owner(consumed_owners: Iterable[str | None]) -> str | None:
	"""A build that drew a customer's consigned stock makes that customer's product; one that drew
	only house stock makes house stock. Two customers' stock in one build is refused before this."""
	customers = {owner for owner in consumed_owners if owner}
	if len(customers) > 1:
		raise ValueError(f"one build consumed the consigned stock of several customers: {sorted(customers)}")
	return next(iter(customers), None)


@dataclass(frozen=True)
class ConsumptionShare:
	"""The part of one consumed lot that went into one produced lot."""

	consumed_lot: str
	produced_lot: str | None
	qty: Decimal
	amount: Decimal


def share_consumption(
	consumed: Sequence[tuple[str, Number, Number]],
	produced: Sequence[tuple[str, Number]],
	currency_precision: int = 2,
) -> list[ConsumptionShare]:
	"""Share each consumed (lot, qty, amount) among the produced (lot, qty) in proportion to the
	produced quantities, so every produced lot's genealogy names every consumed lot.

	Amounts are shared by largest remainder and add up exactly to each consumed lot's amount;
	quantities are rounded to QTY_PRECISION, the last share taking the remainder. With nothing
	produced (a consumption entry before its Manufacture) each lot gets one share with no produced lot.
	"""
	produced = [(lot, qty) for lot, qty in produced if Fraction(str(qty)) > 0]
	shares = []
	for lot, qty, amount in consumed:
		qty, amount = Decimal(str(qty)), Decimal(str(amount))
		if not produced:
			shares.append(ConsumptionShare(lot, None, qty, amount))
			continue
		amounts = split_build_cost(
			amount, [produced_qty for _lot, produced_qty in produced], currency_precision
		)
		total_produced = sum(Fraction(str(produced_qty)) for _lot, produced_qty in produced)
		given = Decimal(0)
		for index, ((produced_lot, produced_qty), share_amount) in enumerate(
			zip(produced, amounts, strict=True)
		):
			if index == len(produced) - 1:
				share_qty = qty - given
			else:
				exact = Fraction(qty) * Fraction(str(produced_qty)) / total_produced
				share_qty = Decimal(round(exact * 10**QTY_PRECISION)).scaleb(-QTY_PRECISION)
				given += share_qty
			shares.append(ConsumptionShare(lot, produced_lot, share_qty, share_amount))
	return shares


def held_by_work_orders(movements: Iterable[tuple[str, str, Number]]) -> dict[tuple[str, str], Decimal]:
	"""What each Work Order still holds of each lot in a work-in-progress warehouse.

	movements are (work_order, lot, signed qty) of every stock movement made for a Work Order in that
	warehouse: its transfers in are positive, its consumption and returns negative. What a Work
	Order brought in and has not used is its own; other Work Orders may not consume it.
	"""
	held: dict[tuple[str, str], Decimal] = {}
	for work_order, lot, qty in movements:
		key = (work_order, lot)
		held[key] = held.get(key, Decimal(0)) + Decimal(str(qty))
	return {key: qty for key, qty in held.items() if qty > 0}


def usable_by_work_order(
	on_hand: Number, held: dict[tuple[str, str], Decimal], lot: str, work_order: str | None
) -> Decimal:
	"""A lot's stock in a work-in-progress warehouse less what other Work Orders hold of it."""
	held_by_others = sum(
		(qty for (holder, held_lot), qty in held.items() if held_lot == lot and holder != work_order),
		Decimal(0),
	)
	return max(Decimal(str(on_hand)) - held_by_others, Decimal(0))
