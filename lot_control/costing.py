"""What a build costs, lot by lot, independent of the database.

A build (a Work Order's Manufacture entry or a Repack) consumes lots at each lot's own unit cost,
the price actually paid, so the produced lot carries what its inputs really cost rather than an
item-wide average. A customer's consigned stock costs the company nothing: it is carried at zero
and its notional value is reported beside the cost, never inside it.

Money is worked in Decimal and rounded by round_money, the one rounding rule of the app: the
method is one of Frappe's System Settings rounding methods, passed in (lot_control.money passes the
site's), so the figures here match the ones ERPNext posts. Without one it rounds half away from zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import (
	MAX_EMAX,
	MAX_PREC,
	MIN_EMIN,
	ROUND_HALF_DOWN,
	ROUND_HALF_EVEN,
	ROUND_HALF_UP,
	Context,
	Decimal,
	localcontext,
)
from fractions import Fraction

Number = Decimal | float | int

# Sums and products of finite decimals are exact in this context; only quantize ever rounds.
_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_UP)

# Frappe's System Settings > Rounding Method (frappe.utils.rounded); a site without one uses the legacy one.
COMMERCIAL_ROUNDING = "Commercial Rounding"
BANKERS_ROUNDING = "Banker's Rounding"
BANKERS_ROUNDING_LEGACY = "Banker's Rounding (legacy)"
ROUNDING_METHODS = (COMMERCIAL_ROUNDING, BANKERS_ROUNDING, BANKERS_ROUNDING_LEGACY)


@dataclass(frozen=True)
class ConsumedLot:
	"""One row of a build's consumption; owner None is house stock, otherwise the consigning customer."""

	lot: str
	item_code: str
	qty: Decimal | float
	unit_cost: Decimal | float
	owner: str | None = None


@dataclass(frozen=True)
class CostLine:
	"""One row of the per-lot breakdown.

	amount is what the row costs the company: 0 for consigned stock, whose value at the lot's
	recorded unit cost is kept in consigned_value so the breakdown still shows it.
	"""

	lot: str
	item_code: str
	qty: Decimal
	unit_cost: Decimal
	amount: Decimal
	consigned: bool
	consigned_value: Decimal = Decimal(0)


@dataclass(frozen=True)
class BuildCost:
	"""A build's cost and its breakdown, one line per consumed row in input order.

	total_cost = materials_cost + unlotted_materials_cost + additional_cost - scrap_value;
	consigned_value is shown beside it, not in it.
	"""

	lines: tuple[CostLine, ...]
	materials_cost: Decimal
	consigned_value: Decimal
	additional_cost: Decimal
	total_cost: Decimal
	produced_qty: Decimal
	unit_cost: Decimal
	unlotted_materials_cost: Decimal = Decimal(0)
	scrap_value: Decimal = Decimal(0)

	def lines_by_lot(self) -> tuple[CostLine, ...]:
		"""One line per lot, in order of first appearance, with quantities and amounts summed.

		ERPNext may list a lot on several rows; reports want it once. The summed amounts are the
		already-rounded row amounts, so the merged lines still add up to materials_cost.
		"""
		merged: dict[str, CostLine] = {}
		with localcontext(_EXACT):
			for line in self.lines:
				first = merged.get(line.lot)
				if first is None:
					merged[line.lot] = line
					continue
				merged[line.lot] = replace(
					first,
					qty=first.qty + line.qty,
					amount=first.amount + line.amount,
					consigned_value=first.consigned_value + line.consigned_value,
				)
		return tuple(merged.values())


def roll_up_build_cost(
	consumed: Iterable[ConsumedLot],
	produced_qty: Number,
	additional_cost: Number = 0,
	currency_precision: int = 2,
	rate_precision: int = 9,
	unlotted_materials_cost: Number = 0,
	scrap_value: Number = 0,
	rounding_method: str = COMMERCIAL_ROUNDING,
) -> BuildCost:
	"""Cost a build from the lots it consumed, so the produced lot carries what its inputs cost.

	Each row's amount is qty x unit_cost rounded to currency_precision; consigned rows cost 0 and
	their rounded value goes to consigned_value. total_cost is the rounded amounts plus the rounded
	additional_cost; unit_cost is total_cost / produced_qty rounded to rate_precision.
	Inputs that are not lot-controlled (screws from a bin) come in as unlotted_materials_cost, and
	the value of scrap the build gives back is taken off, as ERPNext values a Manufacture entry.

	Raises ValueError when produced_qty is not positive, when a quantity, unit cost or the
	additional cost is negative or not finite, or when one lot appears with a different item,
	owner or unit cost on another row (a lot has one of each, so that is a data error).
	"""
	currency_quantum = _quantum(currency_precision)
	_check_precision(rate_precision)
	produced = _to_decimal(produced_qty, "produced_qty")
	if produced <= 0:
		raise ValueError(f"produced_qty must be greater than 0, got {produced}")
	extra = _to_decimal(additional_cost, "additional_cost")
	if extra < 0:
		raise ValueError(f"additional_cost must not be negative, got {extra}")
	unlotted = _to_decimal(unlotted_materials_cost, "unlotted_materials_cost")
	scrap = _to_decimal(scrap_value, "scrap_value")
	if unlotted < 0 or scrap < 0:
		raise ValueError("unlotted_materials_cost and scrap_value must not be negative")

	rows = list(consumed)
	_check_consistent(rows)
	with localcontext(_EXACT):
		lines = tuple(_cost_line(row, currency_quantum, rounding_method) for row in rows)
		materials_cost = sum((line.amount for line in lines), Decimal(0)).quantize(currency_quantum)
		consigned_value = sum((line.consigned_value for line in lines), Decimal(0)).quantize(
			currency_quantum
		)
		extra = _round(extra, currency_quantum, rounding_method)
		unlotted = _round(unlotted, currency_quantum, rounding_method)
		scrap = _round(scrap, currency_quantum, rounding_method)
		total_cost = total_build_cost(materials_cost, unlotted, extra, scrap, currency_precision, rounding_method)
	if total_cost < 0:
		raise ValueError(f"scrap worth {scrap} is more than the build cost {total_cost + scrap}")
	unit_cost = unit_cost_of(total_cost, produced, rate_precision, rounding_method)
	return BuildCost(
		lines=lines,
		materials_cost=materials_cost,
		consigned_value=consigned_value,
		additional_cost=extra,
		total_cost=total_cost,
		produced_qty=produced,
		unit_cost=unit_cost,
		unlotted_materials_cost=unlotted,
		scrap_value=scrap,
	)


def total_build_cost(
	materials_cost: Number,
	unlotted_materials_cost: Number = 0,
	additional_cost: Number = 0,
	scrap_value: Number = 0,
	currency_precision: int = 2,
	rounding_method: str = COMMERCIAL_ROUNDING,
) -> Decimal:
	"""The build-cost formula, said once: lot materials + other materials + additional costs - scrap,
	each part rounded to the currency. The roll-up, the build cost of a lot or Work Order and the
	Build Cost report all come here, so they cannot disagree by a cent."""
	quantum = _quantum(currency_precision)
	parts = [
		_round(_to_decimal(value, name), quantum, rounding_method)
		for value, name in (
			(materials_cost, "materials_cost"),
			(unlotted_materials_cost, "unlotted_materials_cost"),
			(additional_cost, "additional_cost"),
			(scrap_value, "scrap_value"),
		)
	]
	with localcontext(_EXACT):
		return parts[0] + parts[1] + parts[2] - parts[3]


def unit_cost_of(
	total_cost: Number, produced_qty: Number, rate_precision: int = 9, rounding_method: str = COMMERCIAL_ROUNDING
) -> Decimal:
	"""A produced lot's unit cost: the build cost over the quantity produced, rounded once; 0 when
	nothing was produced (a consumption still waiting for its Manufacture)."""
	_check_precision(rate_precision)
	produced = _to_decimal(produced_qty, "produced_qty")
	if produced <= 0:
		return Decimal(0).quantize(_quantum(rate_precision))
	total = Fraction(_to_decimal(total_cost, "total_cost"))
	return _round_fraction(total / Fraction(produced), rate_precision, rounding_method)


def split_build_cost(
	total_cost: Number, quantities: Sequence[Number], precision: int, rounding_method: str = COMMERCIAL_ROUNDING
) -> tuple[Decimal, ...]:
	"""Each produced lot's share of a build's total cost, in proportion to its quantity.

	Shares are rounded by the largest-remainder method so they add up exactly to total_cost
	(rounded to precision) and nothing is lost or invented; each lot's unit cost is then its
	share / its quantity. Leftover units go to the largest remainders, ties to the earlier lot,
	so the same build always splits the same way. A lot with quantity 0 gets 0.

	Raises ValueError on a negative total or quantity, or when the quantities sum to 0.
	"""
	quantum = _quantum(precision)
	total = _to_decimal(total_cost, "total_cost")
	if total < 0:
		raise ValueError(f"total_cost must not be negative, got {total}")
	qtys = [_to_decimal(qty, f"quantity #{index + 1}") for index, qty in enumerate(quantities)]
	for index, qty in enumerate(qtys):
		if qty < 0:
			raise ValueError(f"quantity #{index + 1} must not be negative, got {qty}")
	qty_sum = sum((Fraction(qty) for qty in qtys), Fraction(0))
	if qty_sum <= 0:
		raise ValueError("quantities must add up to more than 0")

	total_units = int(_round(total, quantum, rounding_method).scaleb(precision, _EXACT))
	exact_shares = [Fraction(total_units) * Fraction(qty) / qty_sum for qty in qtys]
	units = [math.floor(share) for share in exact_shares]
	leftover = total_units - sum(units)
	by_remainder = sorted(range(len(qtys)), key=lambda index: (-(exact_shares[index] - units[index]), index))
	for index in by_remainder[:leftover]:
		units[index] += 1
	return tuple(Decimal(f"{unit}E-{precision}") for unit in units)


def inventory_value(
	on_hand: Iterable[tuple[str, Number, Number]], precision: int = 2, rounding_method: str = COMMERCIAL_ROUNDING
) -> Decimal:
	"""Value of stock on hand as (lot, qty, unit_cost) rows, each row rounded as ERPNext rounds it.

	Pass only the company's own stock: consigned lots are not the company's to value.
	Raises ValueError naming the lot on a negative or non-finite qty or unit cost.
	"""
	quantum = _quantum(precision)
	total = Decimal(0).quantize(quantum)
	with localcontext(_EXACT):
		for lot, qty, unit_cost in on_hand:
			lot_qty = _non_negative(qty, "qty", lot)
			lot_unit_cost = _non_negative(unit_cost, "unit_cost", lot)
			total += _round(lot_qty * lot_unit_cost, quantum, rounding_method)
	return total


def _cost_line(row: ConsumedLot, quantum: Decimal, rounding_method: str = COMMERCIAL_ROUNDING) -> CostLine:
	qty = _non_negative(row.qty, "qty", row.lot, row.item_code)
	unit_cost = _non_negative(row.unit_cost, "unit_cost", row.lot, row.item_code)
	value = _round(qty * unit_cost, quantum, rounding_method)
	zero = Decimal(0).quantize(quantum)
	consigned = row.owner is not None
	return CostLine(
		lot=row.lot,
		item_code=row.item_code,
		qty=qty,
		unit_cost=unit_cost,
		amount=zero if consigned else value,
		consigned=consigned,
		consigned_value=value if consigned else zero,
	)


def _check_consistent(rows: list[ConsumedLot]) -> None:
	"""A lot belongs to one item and one owner and has one unit cost, however many rows list it."""
	first_row: dict[str, tuple[str, str | None, Decimal]] = {}
	for row in rows:
		seen = (row.item_code, row.owner, _to_decimal(row.unit_cost, f"unit_cost of lot {row.lot!r}"))
		first = first_row.setdefault(row.lot, seen)
		for label, expected, found in zip(("item", "owner", "unit cost"), first, seen, strict=True):
			if expected != found:
				raise ValueError(
					f"lot {row.lot!r} is listed with {label} {expected!r} and with {label} {found!r}"
				)


def _non_negative(value: Number, what: str, lot: str, item_code: str | None = None) -> Decimal:
	of_item = f" of item {item_code!r}" if item_code else ""
	number = _to_decimal(value, f"{what} of lot {lot!r}{of_item}")
	if number < 0:
		raise ValueError(f"{what} of lot {lot!r}{of_item} must not be negative, got {number}")
	return number


def _to_decimal(value: Number, what: str) -> Decimal:
	"""Floats go through str() so 2.675 is 2.675, as typed, not the binary 2.67499999..."""
	if isinstance(value, bool) or not isinstance(value, Decimal | float | int):
		raise TypeError(f"{what} must be a number, got {value!r}")
	number = value if isinstance(value, Decimal) else Decimal(str(value))
	if not number.is_finite():
		raise ValueError(f"{what} must be a finite number, got {value!r}")
	return abs(number) if number.is_zero() else number


def _check_precision(precision: int) -> None:
	if isinstance(precision, bool) or not isinstance(precision, int) or precision < 0:
		raise ValueError(f"precision must be a whole number >= 0, got {precision!r}")


def _quantum(precision: int) -> Decimal:
	_check_precision(precision)
	return Decimal(1).scaleb(-precision)


def round_money(value: Number, precision: int = 2, rounding_method: str | None = None) -> Decimal:
	"""value rounded to precision as frappe.utils.flt(value, precision) rounds it under the given
	System Settings rounding method (half away from zero when None), but exactly, in Decimal.

	Raises ValueError on an unknown method or a non-finite value."""
	return _round(_to_decimal(value, "value"), _quantum(precision), rounding_method or COMMERCIAL_ROUNDING)


# A scaled value below this is held to within 2**-23 by a float, far inside TIE_MARGIN.
FAST_ROUNDING_LIMIT = 2.0**30
TIE_MARGIN = 1e-6


def round_money_float(value: float, precision: int = 2, rounding_method: str | None = None) -> float:
	"""float(round_money(value, precision, rounding_method)), without Decimal for a value clear of a
	tie: every method rounds such a value to the nearest, which Python's round gives of the very
	decimal round_money starts from. A report values each of 100,000 lots this way."""
	if type(value) is float and math.isfinite(value):
		scaled = abs(value) * 10.0**precision
		if scaled < FAST_ROUNDING_LIMIT and abs(scaled % 1.0 - 0.5) > TIE_MARGIN:
			return round(value, precision) + 0.0  # + 0.0: no negative zero
	return float(round_money(value, precision, rounding_method))


def _decimal_rounding(value_is_negative: bool, precision: int, rounding_method: str) -> str:
	"""Commercial: ties away from zero. Banker's: ties to even. Banker's (legacy), as Frappe wrote it:
	ties to even at precision 0, otherwise ties towards +infinity (-2.675 -> -2.67)."""
	if rounding_method == COMMERCIAL_ROUNDING:
		return ROUND_HALF_UP
	if rounding_method == BANKERS_ROUNDING:
		return ROUND_HALF_EVEN
	if rounding_method == BANKERS_ROUNDING_LEGACY:
		if precision <= 0:
			return ROUND_HALF_EVEN
		return ROUND_HALF_DOWN if value_is_negative else ROUND_HALF_UP
	raise ValueError(f"unknown rounding method {rounding_method!r}; expected one of {ROUNDING_METHODS}")


def _round(value: Decimal, quantum: Decimal, rounding_method: str = COMMERCIAL_ROUNDING) -> Decimal:
	rounding = _decimal_rounding(value < 0, -quantum.as_tuple().exponent, rounding_method)
	return value.quantize(quantum, rounding=rounding, context=_EXACT)


def _round_fraction(value: Fraction, precision: int, rounding_method: str = COMMERCIAL_ROUNDING) -> Decimal:
	"""Round an exact quotient once, so a long division is never rounded twice on its way to precision."""
	rounding = _decimal_rounding(value < 0, precision, rounding_method)
	scaled = abs(value) * 10**precision
	whole, remainder = divmod(scaled.numerator, scaled.denominator)
	twice = 2 * remainder
	if twice > scaled.denominator or (
		twice == scaled.denominator
		and (rounding == ROUND_HALF_UP or (rounding == ROUND_HALF_EVEN and whole % 2 == 1))
	):
		whole += 1
	sign = "-" if value < 0 and whole else ""
	return Decimal(f"{sign}{whole}E-{precision}")
