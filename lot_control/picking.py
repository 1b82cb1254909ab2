"""Which lots may be picked for an item, and in what order, independent of the database.

Picking is FEFO (first expiry, first out) then FIFO (first received, first out), so stock that
expires soonest leaves first and nothing is stranded until it can no longer be used.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, localcontext
from enum import Enum
from typing import NamedTuple

USABLE_STATUS = "Released"
LOT_STATUSES = ("Released", "Quarantine", "On Hold", "Rejected", "Expired", "Consumed", "Archived")


class LotCandidate(NamedTuple):
	"""One lot of an item as it stands in one warehouse; (lot, warehouse) identifies it.

	A named tuple, not a frozen dataclass: a report builds one for every lot in stock, and a frozen
	dataclass sets each field through object.__setattr__ (four times the time). Copy with _replace."""

	lot: str
	item_code: str
	warehouse: str
	qty: float
	status: str
	expiry_date: date | None
	manufacturing_date: date | None
	received_date: date
	owner: str | None = None
	warehouse_is_external: bool = False


class UnusableReason(str, Enum):
	"""Why a lot may not be picked. The definition order is the stable reporting order."""

	STATUS = "status"
	EXPIRED = "expired"
	EXTERNAL_WAREHOUSE = "external_warehouse"
	OWNER = "owner"
	SHELF_LIFE = "shelf_life"


REASON_ORDER: tuple[UnusableReason, ...] = tuple(UnusableReason)


@dataclass(frozen=True)
class PickPolicy:
	"""What the caller accepts for one pick.

	allowed_owners holds owner values; None stands for house stock, so the default picks only
	the company's own stock and never a customer's consigned stock by accident.
	"""

	on_date: date
	allowed_owners: frozenset[str | None] = frozenset({None})
	strict_expiry: bool = True
	min_remaining_shelf_life_percent: float | None = None


@dataclass(frozen=True)
class Allocation:
	lot: str
	warehouse: str
	qty: float


@dataclass
class PickResult:
	"""shortfall is what usable stock could not cover: 0 when the requirement is met."""

	allocations: list[Allocation] = field(default_factory=list)
	shortfall: float = 0.0

	@property
	def allocated_qty(self) -> float:
		return sum(a.qty for a in self.allocations)


def remaining_shelf_life_percent(lot: LotCandidate, on_date: date) -> float | None:
	"""Share of the lot's life still ahead on on_date, clamped to [0, 100].

	Life runs from manufacture, or from receipt when manufacture is unknown (as ERPNext's Batch
	counts shelf life). None when the lot does not expire. A lot with no span of life
	(start on or after expiry) has 0 from its expiry day on and 100 before it.
	"""
	if lot.expiry_date is None:
		return None
	start = lot.manufacturing_date or lot.received_date
	total_days = (lot.expiry_date - start).days
	remaining_days = (lot.expiry_date - on_date).days
	if total_days <= 0:
		return 0.0 if remaining_days <= 0 else 100.0
	return min(100.0, max(0.0, remaining_days * 100.0 / total_days))


def is_expired(lot: LotCandidate, on_date: date) -> bool:
	"""Expired only after the expiry day: a lot is still usable ON its expiry date, as ERPNext treats it."""
	return lot.expiry_date is not None and lot.expiry_date < on_date


def unusable_reasons(lot: LotCandidate, policy: PickPolicy) -> list[UnusableReason]:
	"""Every reason the lot may not be picked, in REASON_ORDER, so messages and reports are stable.

	- A status other than Released (including "Expired") is STATUS.
	- EXPIRED is by date and only with strict_expiry; without it the caller warns instead.
	- SHELF_LIFE applies whenever a minimum is set and the lot expires, strict_expiry or not,
	  because the caller asked for that minimum explicitly.
	"""
	reasons: list[UnusableReason] = []
	if lot.status != USABLE_STATUS:
		reasons.append(UnusableReason.STATUS)
	if policy.strict_expiry and is_expired(lot, policy.on_date):
		reasons.append(UnusableReason.EXPIRED)
	if lot.warehouse_is_external:
		reasons.append(UnusableReason.EXTERNAL_WAREHOUSE)
	if lot.owner not in policy.allowed_owners:
		reasons.append(UnusableReason.OWNER)
	minimum = policy.min_remaining_shelf_life_percent
	if minimum is not None:
		percent = remaining_shelf_life_percent(lot, policy.on_date)
		if percent is not None and percent < minimum:
			reasons.append(UnusableReason.SHELF_LIFE)
	return reasons


def is_usable(lot: LotCandidate, policy: PickPolicy) -> bool:
	return not unusable_reasons(lot, policy)


def picking_order_key(lot: LotCandidate) -> tuple:
	"""FEFO then FIFO: expiry ascending (lots that never expire last), then receipt, lot code, warehouse.

	The lot code and warehouse make the order total, so the same stock is always picked the same way.
	"""
	return (
		lot.expiry_date is None,
		lot.expiry_date or date.min,
		lot.received_date is None,
		lot.received_date or date.min,
		lot.lot,
		lot.warehouse,
	)


def sort_for_picking(lots: Iterable[LotCandidate]) -> list[LotCandidate]:
	return sorted(lots, key=picking_order_key)


def _quantum(precision: int) -> Decimal:
	if precision < 0:
		raise ValueError(f"precision must be >= 0, got {precision}")
	return Decimal(1).scaleb(-precision)


def _exact_context(precision: int) -> Context:
	"""Enough digits for any finite float at the given precision, so sums and roundings stay exact."""
	return Context(prec=330 + precision)


def _to_decimal(value: float, what: str) -> Decimal:
	if not math.isfinite(value):
		raise ValueError(f"{what} must be a finite number, got {value!r}")
	return Decimal(repr(float(value)))


def _available(lot: LotCandidate, quantum: Decimal) -> Decimal:
	"""Pickable quantity of a lot, rounded down so a pick never takes more than the lot holds."""
	qty = _to_decimal(lot.qty, f"qty of lot {lot.lot!r} in {lot.warehouse!r}")
	if qty <= 0:
		return Decimal(0)
	return qty.quantize(quantum, rounding=ROUND_FLOOR)


def _check_unique(candidates: list[LotCandidate], seen: set[tuple[str, str]] | None = None) -> None:
	"""The same lot twice in one warehouse is a data error and would make the pick order ambiguous.
	`seen` carries the (lot, warehouse) pairs of earlier pages and is updated."""
	seen = set() if seen is None else seen
	for lot in candidates:
		key = (lot.lot, lot.warehouse)
		if key in seen:
			raise ValueError(f"lot {lot.lot!r} appears more than once in warehouse {lot.warehouse!r}")
		seen.add(key)


def pick_lots(
	candidates: Iterable[LotCandidate], qty_required: float, policy: PickPolicy, precision: int = 6
) -> PickResult:
	"""Allocate qty_required from usable lots in picking order, rounded to precision.

	Quantities are worked in Decimal so allocations plus shortfall equal the (rounded) requirement
	exactly before they are handed back as floats. Lots with nothing on hand are skipped and no
	allocation is ever zero. Raises ValueError on a duplicate (lot, warehouse) or non-finite quantity.
	"""
	quantum = _quantum(precision)
	candidates = list(candidates)
	_check_unique(candidates)
	with localcontext(_exact_context(precision)):
		return _allocate(candidates, qty_required, policy, quantum)


def _allocate(
	candidates: list[LotCandidate], qty_required: float, policy: PickPolicy, quantum: Decimal
) -> PickResult:
	remaining = _required(qty_required, quantum)
	result = PickResult()
	if remaining <= 0:
		return result
	remaining = _take_in_order(candidates, policy, quantum, remaining, result.allocations)
	result.shortfall = float(remaining)
	return result


def _required(qty_required: float, quantum: Decimal) -> Decimal:
	return _to_decimal(qty_required, "qty_required").quantize(quantum, rounding=ROUND_HALF_UP)


def _take_in_order(
	candidates: Iterable[LotCandidate],
	policy: PickPolicy,
	quantum: Decimal,
	remaining: Decimal,
	allocations: list[Allocation],
) -> Decimal:
	"""Take from the usable candidates in picking order until nothing remains; returns what remains."""
	for lot in sort_for_picking(c for c in candidates if is_usable(c, policy)):
		available = _available(lot, quantum)
		if available <= 0:
			continue
		take = min(available, remaining)
		allocations.append(Allocation(lot=lot.lot, warehouse=lot.warehouse, qty=float(take)))
		remaining -= take
		if remaining <= 0:
			break
	return remaining


def pick_lots_in_pages(
	pages: Iterable[Iterable[LotCandidate]], qty_required: float, policy: PickPolicy, precision: int = 6
) -> PickResult:
	"""pick_lots over the candidates of all pages together, reading pages only until the requirement
	is met: an item's lots are read a page at a time in picking order instead of all at once.

	Each page must hold every candidate of its stretch of the picking order, so that every candidate
	of a page comes before every candidate of the next (pages cut between expiry dates, never within
	one). Given that, the allocations and shortfall are exactly pick_lots's. Raises ValueError on
	pages out of order, or on a duplicate (lot, warehouse) or non-finite quantity in the pages read.
	"""
	quantum = _quantum(precision)
	result = PickResult()
	seen: set[tuple[str, str]] = set()
	last_key = None
	with localcontext(_exact_context(precision)):
		remaining = _required(qty_required, quantum)
		if remaining <= 0:
			return result
		for page in pages:
			page = list(page)
			if not page:
				continue
			_check_unique(page, seen)
			keys = [picking_order_key(lot) for lot in page]
			if last_key is not None and min(keys) < last_key:
				raise ValueError("a page of lots comes before the page read ahead of it in picking order")
			last_key = max(keys)
			remaining = _take_in_order(page, policy, quantum, remaining, result.allocations)
			if remaining <= 0:
				break
		result.shortfall = float(remaining)
	return result


def usable_breakdown(
	candidates: Iterable[LotCandidate],
	policy: PickPolicy,
	precision: int = 6,
	reasons: Iterable[list[UnusableReason]] | None = None,
) -> dict:
	"""On-hand stock split into usable and unusable-by-reason, to explain a shortfall.

	Returns {"on_hand": float, "usable": float, "unusable": {UnusableReason: float}} with every
	reason present. A lot with several reasons counts only under its first in REASON_ORDER, so the
	unusable parts add up to on_hand - usable. Quantities are counted as pick_lots counts them
	(rounded down to precision, nothing for lots with qty <= 0), so "usable" is the most a pick
	could allocate. `reasons`, when the caller has them already (a report lists them), are
	unusable_reasons of each candidate, in the same order.
	"""
	candidates = list(candidates)
	if reasons is None:
		reasons = [unusable_reasons(lot, policy) for lot in candidates]
	quantum = _quantum(precision)
	with localcontext(_exact_context(precision)):
		return _breakdown(candidates, reasons, quantum)


def _breakdown(candidates: list[LotCandidate], reasons: Iterable[list[UnusableReason]], quantum: Decimal) -> dict:
	on_hand = Decimal(0)
	usable = Decimal(0)
	unusable = {reason: Decimal(0) for reason in REASON_ORDER}
	# Each quantity rounded once: a company's lots come in a few hundred quantities.
	available = {}
	for lot, lot_reasons in zip(candidates, reasons, strict=True):
		qty = available.get(lot.qty)
		if qty is None:
			qty = available[lot.qty] = _available(lot, quantum)
		if qty <= 0:
			continue
		on_hand += qty
		if lot_reasons:
			unusable[lot_reasons[0]] += qty
		else:
			usable += qty
	return {
		"on_hand": float(on_hand),
		"usable": float(usable),
		"unusable": {reason: float(qty) for reason, qty in unusable.items()},
	}
