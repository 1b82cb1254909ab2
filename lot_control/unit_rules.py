"""Rules for serialized units that need no database: a unit's status from its movements, its
warranty, and which consumed lots are inside which unit.

A unit's place (warehouse, customer) is ERPNext's Serial No; what this module adds is the status a
person asks about (built, delivered, returned...), read off the unit's stock movements in order, so
a cancelled movement simply drops out and the status is recomputed, never patched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from lot_control import codes
from lot_control.build_rules import QTY_PRECISION, ConsumptionShare, share_consumption
from lot_control.costing import split_build_cost

REGISTERED = "Registered"
IN_PRODUCTION = "In Production"
IN_STOCK = "In Stock"
DELIVERED = "Delivered"
RETURNED = "Returned"
CONSUMED = "Consumed"
SCRAPPED = "Scrapped"
STATUSES = (REGISTERED, IN_PRODUCTION, IN_STOCK, DELIVERED, RETURNED, CONSUMED, SCRAPPED)
# Statuses of a unit with no stock movement: the app's own, set by registering, starting or scrapping.
UNBUILT_STATUSES = (REGISTERED, IN_PRODUCTION, SCRAPPED)

# Kinds of stock movement of one unit, as read from ERPNext's ledger.
BUILT = "built"  # produced by a Manufacture or Repack
DELIVERY = "delivery"  # out to a customer (Delivery Note, Sales Invoice with stock)
CUSTOMER_RETURN = "customer_return"  # back from a customer (a sales return)
CONSUMED_IN_BUILD = "consumed"  # built into another product
ISSUED = "issued"  # written off (Material Issue not for a Work Order)
TRANSFER = "transfer"  # moved between warehouses
RECEIVED = "received"  # any other arrival (Material Receipt, Purchase Receipt, reconciliation)
OTHER_OUT = "other_out"  # any other departure (return to supplier)

_STATUS_AFTER = {
	BUILT: IN_STOCK,
	DELIVERY: DELIVERED,
	CUSTOMER_RETURN: RETURNED,
	CONSUMED_IN_BUILD: CONSUMED,
	ISSUED: SCRAPPED,
	RECEIVED: IN_STOCK,
	OTHER_OUT: SCRAPPED,
}


def status_after(status: str, movement: str) -> str:
	"""The status after one movement. A transfer keeps a returned unit Returned (it went to repair,
	not back on the shelf as new) and puts anything else In Stock."""
	if movement == TRANSFER:
		return RETURNED if status == RETURNED else IN_STOCK
	if movement not in _STATUS_AFTER:
		raise ValueError(f"unknown unit movement {movement!r}")
	return _STATUS_AFTER[movement]


def fold_status(unbuilt_status: str, movements: Iterable[str]) -> str:
	"""The status after every live movement in order; with none, the status the app set before the
	build (Registered, In Production or Scrapped)."""
	status = unbuilt_status if unbuilt_status in UNBUILT_STATUSES else REGISTERED
	for movement in movements:
		status = status_after(status, movement)
	return status


def warranty_end(delivery_date: date | None, warranty_days: int | None) -> date | None:
	"""ERPNext's rule: the item's warranty period in days, counted from the delivery's posting date."""
	if not delivery_date or not warranty_days or int(warranty_days) <= 0:
		return None
	return delivery_date + timedelta(days=int(warranty_days))


@dataclass(frozen=True)
class UnitAssignment:
	"""The user's word that this much of a lot went into this unit."""

	unit: str
	lot: str
	qty: Decimal


class AttributionError(ValueError):
	"""An exact per-unit assignment that cannot be right; `reason` and `args` name what is wrong."""

	def __init__(self, reason: str, **details):
		super().__init__(reason, details)
		self.reason = reason
		self.details = details


def attribute_to_units(
	consumed: Sequence[tuple[str, object, object]],
	units: Sequence[str],
	assignments: Sequence[UnitAssignment] = (),
	currency_precision: int = 2,
	whole: dict[str, str] | None = None,
) -> list[ConsumptionShare]:
	"""Which part of each consumed (lot, qty, amount) is inside which unit.

	By default every unit gets an even share of every lot. Consumed serialized units (`whole`: key ->
	item) cannot be shared: when each built unit takes the same number of them, each gets its own
	block of them in order; otherwise they too are shared evenly. Where the user assigned a lot to units,
	the assignment is taken as given and must account for all of that lot's consumed quantity, so
	no part of a lot is left inside no unit. Amounts follow the quantities by largest remainder and
	add up exactly to each lot's amount.
	"""
	units = list(dict.fromkeys(units))
	known_units = set(units)
	consumed_qty = {lot: Decimal(str(qty)) for lot, qty, _amount in consumed}
	by_lot: dict[str, dict[str, Decimal]] = defaultdict(dict)
	for assignment in assignments:
		qty = Decimal(str(assignment.qty))
		if assignment.unit not in known_units:
			raise AttributionError("unit_not_built_here", unit=assignment.unit, lot=assignment.lot)
		if assignment.lot not in consumed_qty:
			raise AttributionError("lot_not_consumed_here", unit=assignment.unit, lot=assignment.lot)
		if qty <= 0:
			raise AttributionError("qty_not_positive", unit=assignment.unit, lot=assignment.lot, qty=qty)
		by_lot[assignment.lot][assignment.unit] = (
			by_lot[assignment.lot].get(assignment.unit, Decimal(0)) + qty
		)
	tolerance = Decimal(1).scaleb(-QTY_PRECISION)
	for lot, given in by_lot.items():
		assigned = sum(given.values(), Decimal(0))
		if abs(assigned - consumed_qty[lot]) > tolerance:
			raise AttributionError("qty_mismatch", lot=lot, assigned=assigned, consumed=consumed_qty[lot])

	whole_owner = whole_units_of(
		whole or {}, [lot for lot, _qty, _amount in consumed if lot not in by_lot], units
	)
	shares: list[ConsumptionShare] = []
	for lot, qty, amount in consumed:
		if lot in whole_owner:
			shares.append(ConsumptionShare(lot, whole_owner[lot], Decimal(str(qty)), Decimal(str(amount))))
		elif lot in by_lot:
			given = by_lot[lot]
			amounts = split_build_cost(Decimal(str(amount)), list(given.values()), currency_precision)
			shares.extend(
				ConsumptionShare(lot, unit, unit_qty, unit_amount)
				for (unit, unit_qty), unit_amount in zip(given.items(), amounts, strict=True)
			)
		else:
			shares.extend(
				share_consumption([(lot, qty, amount)], [(unit, 1) for unit in units], currency_precision)
			)
	return shares


def whole_units_of(whole: dict[str, str], keys: Sequence[str], units: Sequence[str]) -> dict[str, str]:
	"""consumed unit -> built unit, block by block per item, when every built unit takes as many."""
	by_item: dict[str, list[str]] = defaultdict(list)
	for key in keys:
		if key in whole:
			by_item[whole[key]].append(key)
	owner = {}
	for consumed_units in by_item.values():
		if not units or len(consumed_units) % len(units):
			continue
		per_unit = len(consumed_units) // len(units)
		for index, key in enumerate(consumed_units):
			owner[key] = units[index // per_unit]
	return owner


def units_to_register(ordered: float, already: int, requested: int | None) -> int:
	"""How many units to register for a Work Order: what was asked, or what is still missing, never
	more than the Work Order makes."""
	ordered_units = int(Decimal(str(ordered)).to_integral_value(rounding="ROUND_CEILING"))
	missing = max(ordered_units - already, 0)
	if requested is None:
		return missing
	requested = int(requested)
	if requested <= 0:
		raise ValueError("requested must be positive")
	if requested > missing:
		raise ValueError(f"only {missing} more units can be registered")
	return requested


BUILD_PURPOSES = ("Manufacture", "Repack")
CONSUMING_PURPOSES = ("Manufacture", "Repack", "Material Consumption for Manufacture")
TRANSFER_PURPOSES = (
	"Material Transfer",
	"Material Transfer for Manufacture",
	"Send to Subcontractor",
	"Receive from Subcontractor",
)
SALES_VOUCHERS = ("Delivery Note", "Sales Invoice", "POS Invoice")


def movement_of(
	voucher_type: str, purpose: str | None, actual_qty: float, for_work_order: bool = False
) -> str | None:
	"""What one ledger line of a unit means for it. The outward half of a transfer is None: the
	inward half, in the same voucher, says where the unit went."""
	inward = actual_qty > 0
	if voucher_type in SALES_VOUCHERS:
		return CUSTOMER_RETURN if inward else DELIVERY
	if voucher_type == "Stock Entry":
		if purpose in TRANSFER_PURPOSES:
			return TRANSFER if inward else None
		if inward:
			return BUILT if purpose in BUILD_PURPOSES else RECEIVED
		if purpose in CONSUMING_PURPOSES or (purpose == "Material Issue" and for_work_order):
			return CONSUMED_IN_BUILD
		return ISSUED if purpose == "Material Issue" else OTHER_OUT
	return RECEIVED if inward else OTHER_OUT


# Why a code or serial number given for a unit cannot name it -------------------------------------

MISTYPED_CODE = "mistyped_code"  # shaped like a unit code, but its check character does not match
NOT_A_UNIT_CODE = "not_a_unit_code"  # neither a unit code nor a serial number ERPNext has
NOT_REGISTERED_HERE = "not_registered_here"  # a new serial while the Work Order's registered units wait
OF_ANOTHER_ITEM = "of_another_item"
SCRAPPED_UNIT = "scrapped_unit"
ALREADY_BUILT = "already_built"
REGISTERED_ELSEWHERE = "registered_elsewhere"  # registered, not yet built, for another Work Order


def given_code_problem(code: str, serial_no_exists: bool) -> str | None:
	"""Why a code given for a new unit by a person (desk, REST, Data Import) cannot be its code. A
	serial number ERPNext already has for the item is taken as it is; anything else must be a unit
	code whose check character matches, so a typo never becomes a unit."""
	if serial_no_exists or codes.is_valid_code(code):
		return None
	return MISTYPED_CODE if codes.looks_like_code(code) else NOT_A_UNIT_CODE


def typed_serial_problem(serial: str, registered_units_waiting: bool) -> str | None:
	"""Why a serial number typed on a build's produced row, naming no unit and no serial number ERPNext
	has, cannot become a new unit. Text shaped like a unit code must pass its check: a mistyped label
	would otherwise be built as a unit that does not exist. While the Work Order has registered units
	that this build leaves waiting, their labels are what is scanned, so anything else is refused too
	(a code with a symbol dropped, say). Otherwise it is the item's own numbering, as ERPNext allows."""
	if codes.looks_like_code(serial) and not codes.is_valid_code(serial):
		return MISTYPED_CODE
	if registered_units_waiting:
		return NOT_REGISTERED_HERE
	return None


def adoption_problem(
	unit_item: str,
	unit_status: str,
	unit_work_order: str | None,
	unit_stock_entry: str | None,
	item_code: str,
	work_order: str | None,
	stock_entry: str | None,
) -> str | None:
	"""Why an existing unit named on a build's produced row cannot be built by it. A unit released by a
	cancelled Work Order (no Work Order) may be; one registered for another Work Order may not, or it
	would be built by one order and counted by another."""
	if unit_item != item_code:
		return OF_ANOTHER_ITEM
	if unit_status == SCRAPPED:
		return SCRAPPED_UNIT
	if unit_stock_entry and unit_stock_entry != stock_entry:
		return ALREADY_BUILT
	if unit_work_order and unit_work_order != work_order:
		return REGISTERED_ELSEWHERE
	return None
