"""Mass balance of a lot: where every unit that came in went. What came in (received, produced,
split from a parent, returned by a customer) less what went out (consumed into builds by Work
Order, split into child lots, shipped by customer, written off, returned to the supplier), plus or
minus stock counts, less what is on hand, is what nobody can account for: it should be zero.

The movements are the ledger's (lot_control.stock_queries.lot_movements_by_voucher); what each one
is follows the one rule of lot_control.constants.vouchers.kind_of_movement. A movement that rule
does not name is listed as Unclassified and left out of the accounted lines, so it shows as
unaccounted and is flagged. Plain Python: no database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lot_control.constants import vouchers

RECEIVED = "Received"
PRODUCED = "Produced"
SPLIT_FROM = "Split From"
RETURNED_BY_CUSTOMER = "Returned by Customer"
CONSUMED = "Consumed"
SPLIT_INTO = "Split Into"
SHIPPED = "Shipped"
WRITTEN_OFF = "Written Off"
RETURNED_TO_SUPPLIER = "Returned to Supplier"
STOCK_COUNT = "Stock Count"
UNCLASSIFIED = "Unclassified"
ON_HAND = "On Hand"
UNACCOUNTED = "Unaccounted"

INFLOWS = (RECEIVED, PRODUCED, SPLIT_FROM, RETURNED_BY_CUSTOMER)
OUTFLOWS = (CONSUMED, SPLIT_INTO, SHIPPED, WRITTEN_OFF, RETURNED_TO_SUPPLIER)
LINE_ORDER = (*INFLOWS, *OUTFLOWS, STOCK_COUNT, UNCLASSIFIED, ON_HAND, UNACCOUNTED)
OPENING_STOCK = "Opening Stock"
QTY_PRECISION = 6
TOLERANCE = 10**-QTY_PRECISION


@dataclass
class BalanceLine:
	"""One line of a lot's balance. In and out lines carry a positive quantity; a stock count, an
	unclassified movement and the unaccounted rest carry their sign."""

	lot: str
	movement: str
	qty: float
	detail: str = ""
	documents: list[str] = field(default_factory=list)
	flagged: bool = False


@dataclass
class LotBalance:
	lot: str
	item_code: str | None
	lines: list[BalanceLine] = field(default_factory=list)

	def total(self, *movements: str) -> float:
		return round(sum(line.qty for line in self.lines if line.movement in movements), QTY_PRECISION)

	@property
	def unaccounted(self) -> float:
		return self.total(UNACCOUNTED)

	@property
	def flagged(self) -> bool:
		return any(line.flagged for line in self.lines)


class VoucherFacts(dict):
	"""A movement row read as the voucher it came from, for kind_of_movement."""

	def __init__(self, movement: dict):
		super().__init__(movement)
		self.doctype = movement.get("voucher_type")


def net_movements(movements) -> list[dict]:
	"""One movement per lot and voucher: moves between a voucher's own warehouses (a transfer into
	work in progress, to a subcontractor) cancel out; what is left is what the voucher did to the lot."""
	netted = {}
	for movement in movements:
		key = (movement["lot"], movement["voucher_type"], movement["voucher_no"])
		if key not in netted:
			netted[key] = {**movement, "qty": 0.0, "warehouses": []}
		netted[key]["qty"] += float(movement.get("qty") or 0)
		if movement.get("warehouse") and movement["warehouse"] not in netted[key]["warehouses"]:
			netted[key]["warehouses"].append(movement["warehouse"])
	return [row for row in netted.values() if abs(round(row["qty"], QTY_PRECISION)) >= TOLERANCE]


def split_children(movements) -> dict[str, list[str]]:
	"""{split voucher: the child lots it made}: the lots a split Repack brought in."""
	children = defaultdict(list)
	for movement in movements:
		if movement.get("lot_split_from") and float(movement.get("qty") or 0) > 0 and movement["lot"] not in children[movement["voucher_no"]]:
			children[movement["voucher_no"]].append(movement["lot"])
	return dict(children)


def build_name(movement) -> str:
	return movement.get("work_order") or f"{movement.get('purpose') or movement['voucher_type']} {movement['voucher_no']}"


def classify(movement, children: dict[str, list[str]] | None = None) -> tuple[str, str]:
	"""What one netted movement is to the balance, and what it names: (line, detail)."""
	kind = vouchers.kind_of_movement(VoucherFacts(movement))
	inward = movement["qty"] > 0
	supplier = movement.get("supplier_name") or movement.get("supplier") or ""
	customer = movement.get("customer_name") or movement.get("customer") or ""
	if kind == vouchers.RECEIPT and inward:
		return RECEIVED, supplier or movement.get("purpose") or movement["voucher_type"]
	if kind == vouchers.SUPPLIER_RETURN and not inward:
		return RETURNED_TO_SUPPLIER, supplier
	if kind in (vouchers.DELIVERY, vouchers.CONSOLIDATION) and not inward:
		return SHIPPED, customer
	if kind == vouchers.CUSTOMER_RETURN and inward:
		return RETURNED_BY_CUSTOMER, customer
	if kind in (vouchers.BUILD, vouchers.SUBCONTRACT_CONSUMPTION, vouchers.ASSET):
		return (PRODUCED if inward else CONSUMED), build_name(movement)
	if kind == vouchers.SPLIT:
		if inward:
			return SPLIT_FROM, movement.get("lot_split_from") or ""
		return SPLIT_INTO, ", ".join((children or {}).get(movement["voucher_no"], []))
	if kind == vouchers.DISPOSAL and not inward:
		return WRITTEN_OFF, movement.get("purpose") or ""
	if kind == vouchers.STOCK_COUNT:
		if movement.get("purpose") == OPENING_STOCK and inward:
			return RECEIVED, OPENING_STOCK
		return STOCK_COUNT, ", ".join(movement.get("warehouses") or [])
	return UNCLASSIFIED, " ".join(filter(None, (movement["voucher_type"], movement.get("purpose"))))


def lot_balance(lot: str, item_code: str | None, movements, on_hand, children: dict[str, list[str]] | None = None) -> LotBalance:
	"""The balance of one lot from its netted movements and its on-hand rows (warehouse, qty, status)."""
	grouped = {}
	for movement in movements:
		line, detail = classify(movement, children)
		# Each count and each unclassified movement is its own line; the rest add up by what they name.
		key = (line, detail, movement["voucher_no"]) if line in (STOCK_COUNT, UNCLASSIFIED) else (line, detail)
		signed = line in (STOCK_COUNT, UNCLASSIFIED)
		entry = grouped.setdefault(key, BalanceLine(lot=lot, movement=line, qty=0.0, detail=detail, flagged=line == UNCLASSIFIED))
		entry.qty += movement["qty"] if signed else abs(movement["qty"])
		if movement["voucher_no"] not in entry.documents:
			entry.documents.append(movement["voucher_no"])
	lines = sorted(grouped.values(), key=lambda line: (LINE_ORDER.index(line.movement), line.detail))
	for row in sorted(on_hand, key=lambda row: row.get("warehouse") or ""):
		if abs(float(row.get("qty") or 0)) >= TOLERANCE:
			status = row.get("status")
			lines.append(
				BalanceLine(lot=lot, movement=ON_HAND, qty=float(row["qty"]), detail=f"{row.get('warehouse')} ({status})" if status else str(row.get("warehouse")))
			)
	for line in lines:
		line.qty = round(line.qty, QTY_PRECISION)
	balance = LotBalance(lot=lot, item_code=item_code, lines=lines)
	unaccounted = round(
		balance.total(*INFLOWS) - balance.total(*OUTFLOWS) + balance.total(STOCK_COUNT) - balance.total(ON_HAND), QTY_PRECISION
	)
	balance.lines.append(
		BalanceLine(lot=lot, movement=UNACCOUNTED, qty=unaccounted + 0.0, flagged=abs(unaccounted) >= TOLERANCE)
	)
	return balance


def order_lots(first: list[str], others: list[str], children_of: dict[str, list[str]]) -> list[str]:
	"""The suspect lots first, each followed by the lots split from it (and theirs), then the rest."""
	ordered = []

	def visit(lot):
		if lot in ordered:
			return
		ordered.append(lot)
		for child in children_of.get(lot, []):
			visit(child)

	for lot in [*first, *others]:
		visit(lot)
	return ordered


def mass_balances(lots: list[str], movements, on_hand, item_codes: dict[str, str] | None = None, suspects: list[str] | None = None) -> list[LotBalance]:
	"""The balance of each lot, suspects and their split children first.

	movements: lot_movements_by_voucher rows (lot, voucher_type, voucher_no, warehouse, qty, ...);
	on_hand: lot_balances rows (lot, warehouse, qty, status)."""
	movements = list(movements)
	children = split_children(movements)
	netted = net_movements(movements)
	by_lot, on_hand_by_lot, children_of = defaultdict(list), defaultdict(list), defaultdict(list)
	for movement in netted:
		by_lot[movement["lot"]].append(movement)
	for row in on_hand:
		on_hand_by_lot[row["lot"]].append(row)
	for movement in netted:
		if movement.get("lot_split_from") and movement["qty"] < 0:
			for child in children.get(movement["voucher_no"], []):
				if child not in children_of[movement["lot"]]:
					children_of[movement["lot"]].append(child)
	item_codes = dict(item_codes or {})
	for movement in movements:
		item_codes.setdefault(movement["lot"], movement.get("item_code"))
	wanted = set(lots)
	ordered = [lot for lot in order_lots([lot for lot in suspects or [] if lot in wanted], list(lots), children_of) if lot in wanted]
	return [lot_balance(lot, item_codes.get(lot), by_lot.get(lot, []), on_hand_by_lot.get(lot, []), children) for lot in ordered]
