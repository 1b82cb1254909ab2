"""Usable stock at the moment of use: no build or delivery draws a lot it may not use, whichever
way the lot was chosen (the batch field, a Serial and Batch Bundle, or automatic picking).

The rules themselves are in lot_control.picking; this module gathers the facts from the
database, applies them to a stock document, and phrases the refusals.
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from lot_control import builds, picking
from lot_control.exceptions import LotNotUsableError, LotShortageError

BUILD_PURPOSES = frozenset(
	{
		"Material Transfer for Manufacture",
		"Manufacture",
		"Material Consumption for Manufacture",
		"Repack",
		"Send to Subcontractor",
	}
)
QUALITY_ROLE = "Lot Quality Manager"
OWNER_POLICY_HOUSE = "House stock only"
OWNER_POLICY_CUSTOMER = "Customer's consigned stock only"


@dataclass
class LotLine:
	"""One lot drawn by one row of a stock document, in stock units."""

	row: object
	lot: str
	qty: float
	warehouse: str


def movement_kind(doc) -> str | None:
	"""build and delivery are checked; disposal and supplier_return are allowed and recorded; a
	split moves part of a lot into a child lot that keeps its status, so it is not a use."""
	if doc.doctype == "Stock Entry":
		if doc.get("lot_split_from"):
			return "split"
		if doc.purpose in BUILD_PURPOSES or (doc.purpose == "Material Issue" and doc.get("work_order")):
			return "build"
		if doc.purpose == "Material Issue":
			return "disposal"
		return None
	if doc.doctype in ("Delivery Note", "Sales Invoice"):
		if doc.doctype == "Sales Invoice" and not cint(doc.get("update_stock")):
			return None
		return None if cint(doc.get("is_return")) else "delivery"
	if doc.doctype in ("Purchase Receipt", "Purchase Invoice") and cint(doc.get("is_return")):
		if doc.doctype == "Purchase Invoice" and not cint(doc.get("update_stock")):
			return None
		return "supplier_return"
	return None


def source_warehouse(doc, row) -> str | None:
	return row.get("s_warehouse") if doc.doctype == "Stock Entry" else row.get("warehouse")


def row_stock_qty(doc, row) -> float:
	if doc.doctype == "Stock Entry":
		return abs(flt(row.get("transfer_qty")) or flt(row.qty) * flt(row.get("conversion_factor") or 1))
	return abs(flt(row.get("stock_qty")) or flt(row.qty) * flt(row.get("conversion_factor") or 1))


def lot_controlled(item_codes) -> set[str]:
	codes = list({code for code in item_codes if code})
	if not codes:
		return set()
	return set(frappe.get_all("Item", filters={"name": ("in", codes), "has_batch_no": 1}, pluck="name"))


def outgoing_rows(doc):
	batch_items = lot_controlled(row.item_code for row in doc.items)
	return [row for row in doc.items if row.item_code in batch_items and source_warehouse(doc, row)]


def outgoing_lot_lines(doc) -> list[LotLine]:
	"""The lots each outgoing row draws, as chosen so far (batch field or draft bundle)."""
	lines = []
	for row in outgoing_rows(doc):
		warehouse = source_warehouse(doc, row)
		if row.get("serial_and_batch_bundle"):
			entries = frappe.get_all(
				"Serial and Batch Entry",
				filters={"parent": row.serial_and_batch_bundle, "batch_no": ("is", "set")},
				fields=["batch_no", "qty", "warehouse"],
			)
			lines.extend(
				LotLine(row, entry.batch_no, abs(flt(entry.qty)), entry.warehouse or warehouse) for entry in entries
			)
		elif row.get("batch_no"):
			lines.append(LotLine(row, row.batch_no, row_stock_qty(doc, row), warehouse))
	return lines


def lot_facts(lot_names) -> dict:
	"""Status, owner and dates of lots, from the Lot and its Batch, in one query.

	A batch with no Lot record (made before the app, or outside a receipt) counts as released house stock.
	"""
	lot_names = list({name for name in lot_names if name})
	if not lot_names:
		return {}
	rows = frappe.db.sql(
		"""
		select batch.name as lot, batch.item as item_code, batch.expiry_date, batch.manufacturing_date,
			coalesce(lot.received_date, date(batch.creation)) as received_date,
			coalesce(lot.status, 'Released') as status,
			case when lot.stock_owner = 'Customer' then lot.consignment_customer end as owner
		from `tabBatch` batch
		left join `tabLot` lot on lot.name = batch.name
		where batch.name in %(lots)s
		""",
		{"lots": lot_names},
		as_dict=True,
	)
	return {row.lot: row for row in rows}


def external_warehouses(warehouses) -> set[str]:
	warehouses = list({w for w in warehouses if w})
	if not warehouses:
		return set()
	return set(
		frappe.get_all(
			"Warehouse", filters={"name": ("in", warehouses), "is_external_location": 1}, pluck="name"
		)
	)


def candidate_for(facts, warehouse: str, qty: float, external: set[str], strict_expiry: bool):
	status = facts.status
	if status == "Expired" and not strict_expiry:
		status = picking.USABLE_STATUS  # the expiry is warned about, not refused
	if status == "Consumed":
		status = picking.USABLE_STATUS  # "nothing left" is derived; a back-dated use is ERPNext's stock check
	return picking.LotCandidate(
		lot=facts.lot,
		item_code=facts.item_code,
		warehouse=warehouse,
		qty=qty,
		status=status,
		expiry_date=getdate(facts.expiry_date) if facts.expiry_date else None,
		manufacturing_date=getdate(facts.manufacturing_date) if facts.manufacturing_date else None,
		received_date=getdate(facts.received_date),
		owner=facts.owner,
		warehouse_is_external=warehouse in external,
	)


def strict_expiry_enabled() -> bool:
	return bool(cint(frappe.db.get_single_value("Lot Control Settings", "strict_expiry")))


def allowed_owners(doc, kind: str) -> frozenset:
	if kind == "delivery":
		return frozenset({None, doc.get("customer")})
	work_order = doc.get("work_order")
	if not work_order:
		return frozenset({None})
	policy, customer = frappe.db.get_value(
		"Work Order", work_order, ["lot_owner_policy", "consignment_customer"]
	) or (None, None)
	if policy == OWNER_POLICY_CUSTOMER:
		return frozenset({customer})
	if policy and policy != OWNER_POLICY_HOUSE:
		return frozenset({None, customer})
	return frozenset({None})


def min_shelf_life(doc, kind: str, item_code: str) -> float | None:
	minimums = [flt(frappe.get_cached_value("Item", item_code, "min_remaining_shelf_life_percent"))]
	if kind == "delivery" and doc.get("customer"):
		minimums.append(flt(frappe.get_cached_value("Customer", doc.customer, "min_remaining_shelf_life_percent")))
	return max(minimums) or None


def policy_for(doc, kind: str, item_code: str, strict_expiry: bool) -> picking.PickPolicy:
	return picking.PickPolicy(
		on_date=getdate(doc.posting_date),
		allowed_owners=allowed_owners(doc, kind),
		strict_expiry=strict_expiry,
		min_remaining_shelf_life_percent=min_shelf_life(doc, kind, item_code),
	)


def check_lot_usage(doc, lines: list[LotLine] | None = None):
	"""Refuse any lot a build or delivery may not use; warn where strict expiry is off."""
	kind = movement_kind(doc)
	if kind not in ("build", "delivery"):
		return
	lines = outgoing_lot_lines(doc) if lines is None else lines
	if not lines:
		return
	facts = lot_facts(line.lot for line in lines)
	external = external_warehouses(line.warehouse for line in lines)
	strict = strict_expiry_enabled()
	for line in lines:
		lot = facts.get(line.lot)
		if not lot:
			continue
		candidate = candidate_for(lot, line.warehouse, line.qty, external, strict)
		policy = policy_for(doc, kind, lot.item_code, strict)
		for reason in picking.unusable_reasons(candidate, policy):
			if reason == picking.UnusableReason.SHELF_LIFE and shelf_life_override_allowed(line.row):
				continue
			refuse(doc, kind, line, lot, reason, policy)
		warn_if_expiring_soon(line, lot, policy.on_date)
		if not strict and picking.is_expired(candidate, policy.on_date):
			frappe.msgprint(
				_("Row {0}: lot {1} of item {2} expired on {3}; strict expiry is off, so it is used anyway.").format(
					line.row.idx, frappe.bold(line.lot), frappe.bold(lot.item_code), frappe.format(lot.expiry_date, "Date")
				),
				title=_("Expired Lot Used"),
				indicator="orange",
			)


def expiry_warning_days(item_code: str) -> int:
	"""The item's own warning window, else the one in Lot Control Settings."""
	return cint(frappe.get_cached_value("Item", item_code, "lot_expiry_warning_days")) or cint(
		frappe.db.get_single_value("Lot Control Settings", "expiry_warning_days")
	)


def warn_if_expiring_soon(line: LotLine, lot, on_date):
	if not lot.expiry_date:
		return
	days_left = (getdate(lot.expiry_date) - getdate(on_date)).days
	if 0 <= days_left <= expiry_warning_days(lot.item_code):
		frappe.msgprint(
			_("Row {0}: lot {1} of item {2} expires on {3}, in {4} days.").format(
				line.row.idx, frappe.bold(line.lot), frappe.bold(lot.item_code), frappe.format(lot.expiry_date, "Date"), days_left
			),
			title=_("Lot Expiring Soon"),
			indicator="orange",
			alert=True,
		)


def carry_expired_lots_in_bundles(doc):
	"""With strict expiry off, an expired lot named in the batch field would still be refused by
	ERPNext's own batch-field check; carried in a Serial and Batch Bundle it goes through, warned."""
	if strict_expiry_enabled() or movement_kind(doc) not in ("build", "delivery"):
		return
	rows = [row for row in outgoing_rows(doc) if row.get("batch_no") and not row.get("serial_and_batch_bundle")]
	expiry = dict(
		frappe.get_all(
			"Batch",
			filters={"name": ("in", [row.batch_no for row in rows] or [""]), "expiry_date": ("<", doc.posting_date)},
			fields=["name", "expiry_date"],
			as_list=True,
		)
	)
	for row in rows:
		if row.batch_no not in expiry:
			continue
		attach_outward_bundle(doc, row, {row.batch_no: row_stock_qty(doc, row)})
		row.batch_no = None


def shelf_life_override_allowed(row) -> bool:
	return bool((row.get("lot_override_reason") or "").strip()) and QUALITY_ROLE in frappe.get_roles()


def describe_use(doc, kind: str) -> str:
	if kind == "delivery":
		return _("delivery to {0}").format(doc.get("customer"))
	if doc.get("work_order"):
		return _("Work Order {0}").format(doc.work_order)
	return _(doc.purpose)


def refuse(doc, kind: str, line: LotLine, lot, reason, policy):
	use = describe_use(doc, kind)
	prefix = _("Row {0}: lot {1} of item {2}").format(line.row.idx, frappe.bold(line.lot), frappe.bold(lot.item_code))
	if reason == picking.UnusableReason.STATUS:
		detail = _("is {0}; only Released lots can be used for {1}.").format(_(lot.status), use)
	elif reason == picking.UnusableReason.EXPIRED:
		detail = _("expired on {0}; strict expiry refuses it for {1} on {2}.").format(
			frappe.format(lot.expiry_date, "Date"), use, frappe.format(doc.posting_date, "Date")
		)
	elif reason == picking.UnusableReason.EXTERNAL_WAREHOUSE:
		detail = _("is in {0}, an external location; stock there is not usable for {1}.").format(
			line.warehouse, use
		)
	elif reason == picking.UnusableReason.OWNER:
		owner = _("customer {0}'s consigned stock").format(lot.owner) if lot.owner else _("house stock")
		detail = _("is {0}, which {1} may not use.").format(owner, use)
	else:
		left = picking.remaining_shelf_life_percent(
			candidate_for(lot, line.warehouse, line.qty, set(), True), policy.on_date
		)
		detail = _(
			"has {0}% of its shelf life left, below the minimum of {1}% for {2}. A Lot Quality Manager may use it by giving a Lot Override Reason on the row."
		).format(flt(left, 1), flt(policy.min_remaining_shelf_life_percent, 1), use)
	frappe.throw(f"{prefix} {detail}", exc=LotNotUsableError, title=_("Lot Not Usable"))


def record_overrides_and_disposals(doc):
	"""Disposals, returns to the supplier and quality overrides are written into each lot's history."""
	from lot_control.lot_control.doctype.lot.lot import record_lot_event

	kind = movement_kind(doc)
	lines = outgoing_lot_lines_posted(doc) if kind else []
	for line in lines:
		if not frappe.db.exists("Lot", line.lot):
			continue
		if kind == "disposal":
			record_lot_event(line.lot, "Disposal", doc.get("remarks") or _("Material Issue"), doc.doctype, doc.name, line.qty)
		elif kind == "supplier_return":
			record_lot_event(line.lot, "Return to Supplier", doc.get("supplier"), doc.doctype, doc.name, line.qty)
		elif (line.row.get("lot_override_reason") or "").strip():
			record_lot_event(
				line.lot, "Shelf Life Override", line.row.lot_override_reason, doc.doctype, doc.name, line.qty
			)


def outgoing_lot_lines_posted(doc) -> list[LotLine]:
	"""After submit: the lots ERPNext actually posted, read from the document's submitted bundles."""
	rows_by_name = {row.name: row for row in doc.items}
	entries = frappe.db.sql(
		"""
		select bundle.voucher_detail_no, entry.batch_no, entry.qty, entry.warehouse
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s
			and bundle.docstatus = 1 and bundle.is_cancelled = 0
			and bundle.type_of_transaction = 'Outward' and entry.batch_no is not null
		""",
		{"doctype": doc.doctype, "name": doc.name},
		as_dict=True,
	)
	return [
		LotLine(rows_by_name[entry.voucher_detail_no], entry.batch_no, abs(flt(entry.qty)), entry.warehouse)
		for entry in entries
		if entry.voucher_detail_no in rows_by_name
	]


def lot_candidates(item_code: str, warehouse: str, strict_expiry: bool) -> list[picking.LotCandidate]:
	"""Every lot of an item with stock in a warehouse, as picking candidates, in two queries."""
	balances = frappe.db.sql(
		"""
		select batch_no, sum(qty) as qty from (
			select entry.batch_no, entry.qty
			from `tabSerial and Batch Entry` entry
			inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
			where bundle.item_code = %(item)s and entry.warehouse = %(warehouse)s
				and bundle.docstatus = 1 and bundle.is_cancelled = 0 and entry.batch_no is not null
			union all
			select sle.batch_no, sle.actual_qty
			from `tabStock Ledger Entry` sle
			where sle.item_code = %(item)s and sle.warehouse = %(warehouse)s and sle.is_cancelled = 0
				and sle.batch_no is not null and ifnull(sle.serial_and_batch_bundle, '') = ''
		) movements
		group by batch_no
		having sum(qty) > 0
		""",
		{"item": item_code, "warehouse": warehouse},
		as_dict=True,
	)
	facts = lot_facts(row.batch_no for row in balances)
	external = external_warehouses([warehouse])
	return [
		candidate_for(facts[row.batch_no], warehouse, flt(row.qty), external, strict_expiry)
		for row in balances
		if row.batch_no in facts
	]


def pick_unchosen_lots(doc):
	"""Rows of a build or delivery that name no lot get usable lots, FEFO then FIFO, in a bundle.

	Picked at submit, not on every save, so a draft's quantities can still change freely."""
	if doc.docstatus != 1 or frappe.flags.ignore_serial_batch_bundle_validation:
		return  # with ERPNext told to post without serial/batch data, nothing is picked either
	kind = movement_kind(doc)
	if kind not in ("build", "delivery") or doc.get("is_internal_customer"):
		return  # a delivery to an internal customer is a transfer between own locations: ERPNext picks
	strict = strict_expiry_enabled()
	for row in list(outgoing_rows(doc)):
		if row.get("batch_no") or row.get("serial_and_batch_bundle") or not flt(row.qty):
			continue
		if draws_reserved_stock(row):
			continue  # ERPNext delivers the lots reserved for the order; they are checked once posted
		warehouse = source_warehouse(doc, row)
		required = row_stock_qty(doc, row)
		candidates = lot_candidates(row.item_code, warehouse, strict)
		if kind == "build":
			candidates = builds.free_for_work_order(candidates, warehouse, doc.get("work_order"))
		policy = policy_for(doc, kind, row.item_code, strict)
		if flt(sum(candidate.qty for candidate in candidates), 6) < flt(required, 6):
			continue  # plain shortage: ERPNext refuses it with its own negative-stock message
		result = picking.pick_lots(candidates, required, policy)
		if result.shortfall > 0:
			breakdown = picking.usable_breakdown(candidates, policy)
			unusable = ", ".join(
				f"{_(reason.value.replace('_', ' '))}: {flt(qty, 6)}"
				for reason, qty in breakdown["unusable"].items()
				if qty
			)
			frappe.throw(
				_(
					"Row {0}: item {1} needs {2} in {3} but only {4} is usable for {5}{6}. Choose lots by hand or release stock."
				).format(
					row.idx,
					frappe.bold(row.item_code),
					flt(required, 6),
					warehouse,
					flt(breakdown["usable"], 6),
					describe_use(doc, kind),
					f" ({_('not usable')}: {unusable})" if unusable else "",
				),
				exc=LotShortageError,
				title=_("Not Enough Usable Stock"),
			)
		assign_allocations(doc, row, result.allocations)


def draws_reserved_stock(row) -> bool:
	if not (row.get("against_sales_order") and row.get("so_detail")):
		return False
	if not cint(frappe.db.get_single_value("Stock Settings", "enable_stock_reservation")):
		return False
	return bool(
		frappe.db.exists(
			"Stock Reservation Entry",
			{
				"voucher_type": "Sales Order",
				"voucher_no": row.against_sales_order,
				"voucher_detail_no": row.so_detail,
				"docstatus": 1,
				"status": ("not in", ("Delivered", "Cancelled")),
			},
		)
	)


def assign_allocations(doc, row, allocations):
	"""The chosen lots go into a Serial and Batch Bundle on the row, as ERPNext's own picking does."""
	lots = {}
	for allocation in allocations:
		lots[allocation.lot] = lots.get(allocation.lot, 0) + allocation.qty
	attach_outward_bundle(doc, row, lots)


def attach_outward_bundle(doc, row, lots: dict):
	"""A draft outward bundle drawing the given quantity of each lot, linked to the row."""
	from erpnext.stock.serial_batch_bundle import SerialBatchCreation

	bundle = SerialBatchCreation(
		{
			"item_code": row.item_code,
			"warehouse": source_warehouse(doc, row),
			"voucher_type": doc.doctype,
			"posting_date": doc.posting_date,
			"posting_time": doc.posting_time,
			"qty": -sum(lots.values()),
			"batches": frappe._dict(lots),
			"type_of_transaction": "Outward",
			"company": doc.company,
			"do_not_submit": True,
		}
	).make_serial_and_batch_bundle()
	row.serial_and_batch_bundle = bundle.name
	row.use_serial_batch_fields = 0


def lock_and_recheck_lots(doc):
	"""Two documents submitted at once for the last units of a lot: the lot's Batch row is locked,
	and the stock is read again with a locking read, so the second one sees the first one's posting."""
	kind = movement_kind(doc)
	if kind not in ("build", "delivery", "disposal", "supplier_return", "split"):
		return
	lines = outgoing_lot_lines(doc)
	if not lines:
		return
	lots = sorted({line.lot for line in lines})
	frappe.db.sql("select name from `tabBatch` where name in %(lots)s order by name for update", {"lots": lots})
	needed = {}
	for line in lines:
		needed[(line.lot, line.warehouse)] = needed.get((line.lot, line.warehouse), 0) + line.qty
	on_hand = locked_lot_balances(lots)
	for (lot, warehouse), qty in needed.items():
		available = on_hand.get((lot, warehouse), 0)
		if flt(qty, 6) > flt(available, 6):
			item = frappe.db.get_value("Batch", lot, "item")
			frappe.throw(
				_("Lot {0} of item {1} has only {2} in {3}, but {4} is needed. Another document may have just used it.").format(
					frappe.bold(lot), frappe.bold(item), flt(available, 6), warehouse, flt(qty, 6)
				),
				exc=LotShortageError,
				title=_("Not Enough Stock in Lot"),
			)


def locked_lot_balances(lots: list[str]) -> dict:
	rows = frappe.db.sql(
		"""
		select entry.batch_no, entry.warehouse, sum(entry.qty) as qty
		from `tabSerial and Batch Entry` entry
		inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
		where entry.batch_no in %(lots)s and bundle.docstatus = 1 and bundle.is_cancelled = 0
		group by entry.batch_no, entry.warehouse
		lock in share mode
		""",
		{"lots": lots},
		as_dict=True,
	)
	legacy = frappe.db.sql(
		"""
		select batch_no, warehouse, sum(actual_qty) as qty from `tabStock Ledger Entry`
		where batch_no in %(lots)s and is_cancelled = 0 and ifnull(serial_and_batch_bundle, '') = ''
		group by batch_no, warehouse
		lock in share mode
		""",
		{"lots": lots},
		as_dict=True,
	)
	balances = {}
	for row in [*rows, *legacy]:
		balances[(row.batch_no, row.warehouse)] = balances.get((row.batch_no, row.warehouse), 0) + flt(row.qty)
	return balances


def refresh_consumed_status(doc):
	"""A lot with nothing left anywhere is Consumed; stock coming back releases it again."""
	from lot_control.lot_control.doctype.lot.lot import set_lot_status_by_the_app
	from lot_control.stock_queries import get_lot_on_hand

	lots = frappe.db.sql_list(
		"""
		select distinct entry.batch_no
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s and entry.batch_no is not null
		""",
		{"doctype": doc.doctype, "name": doc.name},
	)
	for lot, status in frappe.get_all(
		"Lot", filters={"name": ("in", lots or [""]), "status": ("in", ("Released", "Consumed"))}, fields=["name", "status"], as_list=True
	):
		on_hand = get_lot_on_hand(lot)
		if status == "Released" and not on_hand:
			set_lot_status_by_the_app(lot, "Consumed", _("Nothing left in stock."), doc.doctype, doc.name)
		elif status == "Consumed" and on_hand > 0:
			set_lot_status_by_the_app(lot, "Released", _("Stock came back."), doc.doctype, doc.name)
