"""Usable stock at the moment of use: no use of stock (build, delivery, asset, anything else that
draws a lot) takes a lot or unit it may not use, whichever way it was chosen (the batch field, a
Serial and Batch Bundle, automatic picking, or ERPNext's own picking).

What a voucher's movements are is decided once, in lot_control.constants.vouchers.kind_of_movement;
the rules themselves are in lot_control.picking and lot_control.build_rules. This module gathers the
facts, applies them to a voucher, and phrases the refusals: early on the document (before ERPNext's
own checks) and finally, for any voucher, on the bundles ERPNext posted (check_posted_uses).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from lot_control import build_rules, picking, signatures, submit_locks
from lot_control.constants import vouchers
from lot_control.constants.signatures import OVERRIDE_APPROVED
from lot_control.exceptions import LotNotUsableError, LotOfAnotherItemError, LotShortageError
from lot_control.stock_queries import (
	balances_by_place,
	free_serial_nos,
	lot_balances,
	lot_facts,
	lots_in_stock_by_expiry,
	posted_outward_entries,
	work_order_wip_movements,
)

# Kinds checked on the document itself, before ERPNext's own checks; every use is checked again
# once posted, whatever the voucher.
EARLY_CHECKED = (vouchers.BUILD, vouchers.DELIVERY)
# Kinds whose rows naming no lot get usable lots picked by the app, FEFO. Elsewhere ERPNext picks,
# and the check once posted refuses an unusable lot it chose. A repair's parts (the Material Issue
# ERPNext makes for an Asset Repair) are a use like a build's: a held lot must not stop the repair
# while a released one is on the shelf.
PICKED_KINDS = (*EARLY_CHECKED, vouchers.ASSET)
RELEASED_UNIT = "Released"
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
	"""What this voucher's outward movements are; decided in one place for every voucher type."""
	return vouchers.kind_of_movement(doc)


def source_warehouse(doc, row) -> str | None:
	return row.get("s_warehouse") if doc.doctype == "Stock Entry" else row.get("warehouse")


def row_stock_qty(doc, row) -> float:
	if doc.doctype == "Stock Entry":
		return abs(flt(row.get("transfer_qty")) or flt(row.qty) * flt(row.get("conversion_factor") or 1))
	return abs(flt(row.get("stock_qty")) or flt(row.qty) * flt(row.get("conversion_factor") or 1))


def lot_controlled(item_codes) -> set[str]:
	"""The batch-tracked items among these. Plain SQL, as for the other questions asked several times
	in every submit: frappe.get_all builds its query in Python, three times the cost of the query."""
	codes = list({code for code in item_codes if code})
	if not codes:
		return set()
	return set(
		frappe.db.sql_list(
			"select name from `tabItem` where name in %(codes)s and has_batch_no = 1", {"codes": codes}
		)
	)


# Answers kept on the document being saved or submitted (doc.flags), so that its hooks, which ask
# the same questions of the same rows several times, read each from the database once.
DOCUMENT_ANSWERS = "lot_control_answers"


def forget_document_answers(doc):
	"""Each save or submit starts afresh: its first hook forgets what the last one was told."""
	doc.flags.pop(DOCUMENT_ANSWERS, None)


def document_answers(doc, question: str) -> dict | None:
	"""Where the answers to a question are kept on a document; None for what is no Document (the
	plain dict a Pick List's use is described by), which asks every time."""
	flags = getattr(doc, "flags", None)
	if not isinstance(flags, dict):
		return None
	return flags.setdefault(DOCUMENT_ANSWERS, {}).setdefault(question, {})


def asked_once(doc, question: str, names, ask) -> set[str]:
	"""ask(names) -> the names it holds true, asked of the database only for names this document's
	save or submit has not asked about yet (forget_document_answers)."""
	names = {name for name in names if name}
	answers = document_answers(doc, question)
	if answers is None:
		return set(ask(names))
	unknown = names - answers.keys()
	if unknown:
		found = ask(unknown)
		answers.update((name, name in found) for name in unknown)
	return {name for name in names if answers[name]}


def lot_controlled_of(doc, item_codes) -> set[str]:
	"""lot_controlled, asked once per save or submit of the document."""
	return asked_once(doc, "lot_controlled", item_codes, lot_controlled)


def outgoing_rows(doc, table: str = "items"):
	"""Rows of the voucher's items table (or the one named) that draw a lot-controlled item (other
	tables, such as packed items, are checked once posted)."""
	rows = doc.get(table) or []
	batch_items = lot_controlled_of(doc, (row.item_code for row in rows))
	return [row for row in rows if row.item_code in batch_items and source_warehouse(doc, row)]


def rows_to_pick(doc):
	"""The rows whose lots the app picks: outgoing_rows, and for an Asset Capitalization the stock
	items it consumes into the asset."""
	return outgoing_rows(doc, "stock_items" if doc.doctype == "Asset Capitalization" else "items")


def outgoing_lot_lines(doc) -> list[LotLine]:
	"""The lots each outgoing row draws, as chosen so far (batch field or draft bundle); an Asset
	Capitalization's stock items included (rows_to_pick)."""
	rows = rows_to_pick(doc)
	bundles = sorted({row.serial_and_batch_bundle for row in rows if row.get("serial_and_batch_bundle")})
	entries_by_bundle = {}
	if bundles:
		for entry in frappe.get_all(
			"Serial and Batch Entry",
			filters={"parent": ("in", bundles), "batch_no": ("is", "set")},
			fields=["parent", "batch_no", "qty", "warehouse"],
			order_by="parent, idx",
		):
			entries_by_bundle.setdefault(entry.parent, []).append(entry)
	lines = []
	for row in rows:
		warehouse = source_warehouse(doc, row)
		if row.get("serial_and_batch_bundle"):
			entries = entries_by_bundle.get(row.serial_and_batch_bundle, [])
			lines.extend(
				LotLine(row, entry.batch_no, abs(flt(entry.qty)), entry.warehouse or warehouse) for entry in entries
			)
		elif row.get("batch_no"):
			lines.append(LotLine(row, row.batch_no, row_stock_qty(doc, row), warehouse))
	return lines


def external_warehouses(warehouses) -> set[str]:
	warehouses = list({w for w in warehouses if w})
	if not warehouses:
		return set()
	return set(
		frappe.db.sql_list(
			"select name from `tabWarehouse` where name in %(warehouses)s and is_external_location = 1",
			{"warehouses": warehouses},
		)
	)


def candidate_for(facts, warehouse: str, qty: float, external: set[str], strict_expiry: bool):
	"""A lot's facts (a row as lot_facts gives it) in one warehouse, as picking sees it.

	Read by key, built positionally, and dates already dates passed as they are: a report builds one
	per lot in stock, and a frappe._dict's attribute read costs several times a key's."""
	status = facts["status"]
	if status == "Expired" and not strict_expiry:
		status = picking.USABLE_STATUS  # the expiry is warned about, not refused
	elif status == "Consumed":
		status = picking.USABLE_STATUS  # "nothing left" is derived; a back-dated use is ERPNext's stock check
	expiry_date, manufacturing_date = facts["expiry_date"], facts["manufacturing_date"]
	received_date = facts["received_date"]
	return picking.LotCandidate(
		facts["lot"],
		facts["item_code"],
		warehouse,
		qty,
		status,
		expiry_date if type(expiry_date) is date else getdate(expiry_date) if expiry_date else None,
		manufacturing_date if type(manufacturing_date) is date else getdate(manufacturing_date) if manufacturing_date else None,
		received_date if type(received_date) is date else getdate(received_date),
		facts["owner"],
		warehouse in external,
	)


def strict_expiry_enabled() -> bool:
	return bool(cint(frappe.db.get_single_value("Lot Control Settings", "strict_expiry")))


def allowed_owners(doc, kind: str) -> frozenset:
	"""Whose stock the document may use, read once per save or submit (forget_document_answers)."""
	answers = document_answers(doc, "allowed_owners")
	if answers is None:
		return owners_allowed(doc, kind)
	key = (kind, doc.get("work_order"), doc.get("customer"))
	if key not in answers:
		answers[key] = owners_allowed(doc, kind)
	return answers[key]


def owners_allowed(doc, kind: str) -> frozenset:
	if kind == vouchers.DELIVERY:
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
	if kind == vouchers.DELIVERY and doc.get("customer"):
		minimums.append(flt(frappe.get_cached_value("Customer", doc.customer, "min_remaining_shelf_life_percent")))
	return max(minimums) or None


def policy_for(doc, kind: str, item_code: str, strict_expiry: bool, owners: frozenset | None = None) -> picking.PickPolicy:
	"""`owners` (allowed_owners), when the caller read it once for all rows of the document."""
	rules = vouchers.RULES_OF_USE.get(kind, ())
	return picking.PickPolicy(
		on_date=getdate(doc.get("posting_date")),
		allowed_owners=allowed_owners(doc, kind) if owners is None else owners,
		strict_expiry=strict_expiry,
		min_remaining_shelf_life_percent=min_shelf_life(doc, kind, item_code) if "shelf_life" in rules else None,
	)


def check_lot_usage(doc):
	"""Early, on the document: refuse any lot a build or delivery may not use; warn where strict
	expiry is off or the lot is close to its expiry."""
	kind = movement_kind(doc)
	if kind not in EARLY_CHECKED:
		return
	lines = outgoing_lot_lines(doc)
	if not lines:
		return
	strict = strict_expiry_enabled()
	facts = refuse_unusable_lots(doc, kind, lines, strict)
	for line in lines:
		lot = facts.get(line.lot)
		if not lot:
			continue
		on_date = getdate(doc.posting_date)
		warn_if_expiring_soon(line, lot, on_date)
		if not strict and lot.expiry_date and getdate(lot.expiry_date) < on_date:
			frappe.msgprint(
				_("Row {0}: lot {1} of item {2} expired on {3}; strict expiry is off, so it is used anyway.").format(
					line.row.idx, frappe.bold(line.lot), frappe.bold(lot.item_code), frappe.format(lot.expiry_date, "Date")
				),
				title=_("Expired Lot Used"),
				indicator="orange",
			)


def refuse_unusable_lots(doc, kind: str, lines: list[LotLine], strict: bool) -> dict:
	"""Refuse the first lot line this kind of use may not draw, by the rules RULES_OF_USE gives it.
	The facts are read once for all lines; returns them."""
	rules = vouchers.RULES_OF_USE.get(kind, frozenset())
	facts = lot_facts(line.lot for line in lines)
	external = asked_once(doc, "external_warehouses", (line.warehouse for line in lines), external_warehouses)
	policies = {}
	owners = allowed_owners(doc, kind)
	for line in lines:
		lot = facts.get(line.lot)
		if not lot:
			continue
		if lot.item_code not in policies:
			policies[lot.item_code] = policy_for(doc, kind, lot.item_code, strict, owners)
		policy = policies[lot.item_code]
		candidate = candidate_for(lot, line.warehouse, line.qty, external, strict)
		for reason in picking.unusable_reasons(candidate, policy):
			if reason.value not in rules:
				continue
			if reason == picking.UnusableReason.SHELF_LIFE and shelf_life_override_allowed(line.row):
				take_override_signature(doc)
				continue
			refuse(doc, kind, line, lot, reason, policy)
	return facts


# Work-in-progress holdings: lots transferred to a Work Order are that Work Order's.


def wip_holdings(lots, warehouses) -> dict:
	"""For each (lot, warehouse), what open Work Orders still hold of it in their work-in-progress
	warehouse; stock returned to a store is nobody's."""
	by_place = {}
	for row in work_order_wip_movements(lots, warehouses):
		by_place.setdefault((row.batch_no, row.warehouse), []).append((row.work_order, row.batch_no, row.qty))
	return {place: build_rules.held_by_work_orders(rows) for place, rows in by_place.items()}


def free_for_work_order(candidates, warehouse: str, work_order: str | None):
	"""Picking candidates less what other Work Orders hold of them in this warehouse."""
	holdings = wip_holdings((candidate.lot for candidate in candidates), [warehouse])
	if not any(holdings.values()):
		return candidates
	free = []
	for candidate in candidates:
		held = holdings.get((candidate.lot, warehouse)) or {}
		qty = float(build_rules.usable_by_work_order(candidate.qty, held, candidate.lot, work_order))
		if qty > 0:
			free.append(candidate._replace(qty=qty))
	return free


def check_work_order_holdings(doc):
	"""Early, on the document: another build may not consume what a Work Order holds, even from a
	work-in-progress warehouse the two share."""
	if movement_kind(doc) != vouchers.BUILD or doc.get("purpose") == "Material Transfer for Manufacture":
		return
	lines = outgoing_lot_lines(doc)
	if lines:
		refuse_lots_held_by_other_work_orders(doc, lines, posted=False)


def check_posted_uses(doc):
	"""After any voucher has posted its ledger: every lot and serialized unit it drew, read from the
	bundles ERPNext actually posted (every child table, whatever picked them), must be usable for
	this kind of use. One query for the entries, one per fact, however many rows."""
	kind = movement_kind(doc)
	rules = vouchers.RULES_OF_USE.get(kind)
	if not rules:
		return
	entries = posted_outward_entries(doc.doctype, doc.name)
	if not entries:
		return
	rows = rows_by_name(doc)
	lines = lot_lines_of_entries(entries, rows)
	if lines:
		refuse_unusable_lots(doc, kind, lines, strict_expiry_enabled())
		if "work_order_holdings" in rules and doc.get("purpose") != "Material Transfer for Manufacture":
			refuse_lots_held_by_other_work_orders(doc, lines, posted=True)
	refuse_held_units(doc, kind, entries, rows)


def rows_by_name(doc) -> dict:
	return {row.name: row for row in doc.get_all_children()}


def lot_lines_of_entries(entries, rows: dict) -> list[LotLine]:
	"""Bundle entries as lot lines, one per row, lot and warehouse (a serial-and-batch item posts one
	entry per serial)."""
	quantities = {}
	for entry in entries:
		if not entry.batch_no:
			continue
		key = (entry.voucher_detail_no, entry.batch_no, entry.warehouse)
		quantities[key] = quantities.get(key, 0) + abs(flt(entry.qty))
	return [
		LotLine(rows.get(row_name), lot, qty, warehouse) for (row_name, lot, warehouse), qty in quantities.items()
	]


def refuse_lots_held_by_other_work_orders(doc, lines: list[LotLine], posted: bool):
	"""What this build draws from a work-in-progress warehouse must not be what another open Work
	Order transferred there and has not used. Once posted, the ledger already lacks what it drew."""
	holdings = wip_holdings((line.lot for line in lines), (line.warehouse for line in lines))
	if not any(holdings.values()):
		return
	drawn = {}
	for line in lines:
		drawn[(line.lot, line.warehouse)] = drawn.get((line.lot, line.warehouse), 0) + line.qty
	on_hand = balances_by_place(sorted({lot for lot, _warehouse in drawn}))
	for (lot, warehouse), qty in drawn.items():
		held = holdings.get((lot, warehouse)) or {}
		before = flt(on_hand.get((lot, warehouse), 0)) + (qty if posted else 0)
		free = build_rules.usable_by_work_order(before, held, lot, doc.get("work_order"))
		if flt(qty, 6) <= flt(free, 6):
			continue
		refuse_lot_held_by_another_work_order(lot, warehouse, held, doc.get("work_order"), free, qty, _("this entry"))


def refuse_lot_held_by_another_work_order(lot, warehouse, held, work_order, free, qty, this_document):
	"""Lots transferred to a Work Order are its own: say which Work Order holds them and how much is free."""
	holders = sorted({holder for holder, _lot in held if holder != work_order})
	frappe.throw(
		_(
			"Lot {0} of item {1} in {2} was transferred for Work Order {3}; only {4} of it is free for {5}, but {6} is needed."
		).format(
			frappe.bold(lot),
			frappe.bold(frappe.db.get_value("Batch", lot, "item")),
			warehouse,
			", ".join(frappe.bold(holder) for holder in holders),
			flt(free, 6),
			_("Work Order {0}").format(work_order) if work_order else this_document,
			flt(qty, 6),
		),
		exc=LotNotUsableError,
		title=_("Lot Belongs to Another Work Order"),
	)


def refuse_held_units(doc, kind: str, entries, rows: dict):
	"""A serialized unit held back by quality (Quarantine, On Hold, Rejected) is not used, whatever
	its lot's status. Read only where the unit's quality status exists."""
	serial_nos = sorted({entry.serial_no for entry in entries if entry.serial_no})
	if not serial_nos or not frappe.db.has_column("Serialized Unit", "quality_status"):
		return
	unit = frappe.qb.DocType("Serialized Unit")
	held = (
		frappe.qb.from_(unit)
		.select(unit.name, unit.serial_no, unit.item_code, unit.quality_status)
		.where(
			unit.serial_no.isin(serial_nos)
			& unit.quality_status.isnotnull()
			& (unit.quality_status != "")
			& (unit.quality_status != RELEASED_UNIT)
		)
		.orderby(unit.name)
		.limit(1)
	).run(as_dict=True)
	if not held:
		return
	unit_row = held[0]
	row = next((rows.get(entry.voucher_detail_no) for entry in entries if entry.serial_no == unit_row.serial_no), None)
	message = _("{0}unit {1} of item {2} is {3}; only Released units can be used for {4}.").format(
		row_prefix(row),
		frappe.bold(unit_row.name),
		frappe.bold(unit_row.item_code),
		_(unit_row.quality_status),
		describe_use(doc, kind),
	)
	frappe.throw(
		message[0].upper() + message[1:],
		exc=LotNotUsableError,
		title=_("Unit Not Usable"),
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
	if strict_expiry_enabled() or movement_kind(doc) not in EARLY_CHECKED:
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
	if row is None:
		return False
	return bool((row.get("lot_override_reason") or "").strip()) and QUALITY_ROLE in frappe.get_roles()


def take_override_signature(doc):
	"""A shelf-life override is the Lot Quality Manager's signed approval (lot_control.signatures),
	given for the saved voucher before it is submitted and used up once by its submission."""
	if doc.docstatus != 1 or doc.flags.override_signature:
		return
	doc.flags.override_signature = (
		signatures.take_signature(
			OVERRIDE_APPROVED,
			doc.doctype,
			doc.name,
			_("Submitting {0} {1} with a shelf-life override").format(_(doc.doctype), frappe.bold(doc.name)),
		)
		or "not required"
	)


def describe_use(doc, kind: str) -> str:
	if kind == vouchers.DELIVERY:
		return _("delivery to {0}").format(doc.get("customer"))
	if doc.get("work_order"):
		return _("Work Order {0}").format(doc.work_order)
	if doc.doctype == "Stock Entry" and doc.get("asset_repair"):
		return _("Asset Repair {0}").format(doc.asset_repair)
	if doc.doctype == "Stock Entry":
		return _(doc.purpose)
	return _("{0} {1}").format(_(doc.doctype), doc.name)


def row_prefix(row) -> str:
	return _("Row {0}: ").format(row.idx) if row is not None and row.get("idx") else ""


def refuse(doc, kind: str, line: LotLine, lot, reason, policy):
	use = describe_use(doc, kind)
	prefix = _("{0}lot {1} of item {2}").format(row_prefix(line.row), frappe.bold(line.lot), frappe.bold(lot.item_code))
	prefix = prefix[0].upper() + prefix[1:]
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
	from lot_control.lot_events import record_lot_event

	kind = movement_kind(doc)
	if kind not in (vouchers.DISPOSAL, vouchers.SUPPLIER_RETURN) and not vouchers.is_use(kind):
		return
	lines = lot_lines_of_entries(posted_outward_entries(doc.doctype, doc.name), rows_by_name(doc))
	known = set(frappe.get_all("Lot", filters={"name": ("in", [line.lot for line in lines] or [""])}, pluck="name"))
	for line in lines:
		if line.lot not in known:
			continue
		if kind == vouchers.DISPOSAL:
			record_lot_event(line.lot, "Disposal", doc.get("remarks") or _("Material Issue"), doc.doctype, doc.name, line.qty)
		elif kind == vouchers.SUPPLIER_RETURN:
			record_lot_event(line.lot, "Return to Supplier", doc.get("supplier"), doc.doctype, doc.name, line.qty)
		elif line.row is not None and (line.row.get("lot_override_reason") or "").strip():
			reason = line.row.lot_override_reason
			if doc.flags.override_signature not in (None, "not required"):
				reason = _("{0} (electronic signature {1})").format(reason, doc.flags.override_signature)
			record_lot_event(line.lot, "Shelf Life Override", reason, doc.doctype, doc.name, line.qty)


def outgoing_lot_lines_posted(doc) -> list[LotLine]:
	"""After submit: the lots ERPNext actually posted from the items table, read from its submitted bundles."""
	rows = {row.name: row for row in doc.get("items") or []}
	return [
		line
		for line in lot_lines_of_entries(posted_outward_entries(doc.doctype, doc.name), rows)
		if line.row is not None
	]


def lot_candidates(item_code: str, warehouse: str, strict_expiry: bool) -> list[picking.LotCandidate]:
	"""Every lot of an item with stock in a warehouse, as picking candidates."""
	return candidates_by_place([(item_code, warehouse)], strict_expiry)[(item_code, warehouse)]


def candidates_by_place(places, strict_expiry: bool) -> dict:
	"""(item, warehouse) -> every lot of the item with stock there, as picking candidates: one
	balance query per place, then the facts of all their lots and the warehouses' kind at once."""
	balances = {
		place: [row for row in lot_balances(item_code=place[0], warehouse=place[1]) if row.qty > 0] for place in places
	}
	facts = lot_facts(row.lot for rows in balances.values() for row in rows)
	external = external_warehouses(row.warehouse for rows in balances.values() for row in rows)
	return {
		place: [
			candidate_for(facts[row.lot], row.warehouse, flt(row.qty), external, strict_expiry)
			for row in rows
			if row.lot in facts
		]
		for place, rows in balances.items()
	}


# FEFO picking reads an item's lots a page at a time, soonest expiry first, and stops once the row is
# covered: the first page holds PICK_PAGE_SIZE lots, each next one twice as many, up to MAX_PICK_PAGE_SIZE.
PICK_PAGE_SIZE = 30
MAX_PICK_PAGE_SIZE = 400


def candidate_pages(item_code: str, warehouse: str, strict_expiry: bool, on_date):
	"""The item's lots with stock in the warehouse as picking candidates, a page at a time in picking
	order (picking.pick_lots_in_pages): lots by expiry date, a page never cutting a day in two, then
	every lot that never expires. With strict expiry, lots expired before on_date are not read: they
	could not be picked anyway."""
	expiring_after = on_date - timedelta(days=1) if strict_expiry else None
	external = {}
	page_size = PICK_PAGE_SIZE
	while True:
		lots = lots_in_stock_by_expiry(item_code, expiring_after, page_size)
		if lots:
			yield candidates_of_lots(lots, warehouse, strict_expiry, external)
		if len(lots) < page_size:
			break
		expiring_after = lots[-1].expiry_date
		page_size = min(page_size * 2, MAX_PICK_PAGE_SIZE)
	never_expiring = lots_in_stock_by_expiry(item_code)
	if never_expiring:
		yield candidates_of_lots(never_expiring, warehouse, strict_expiry, external)


def candidates_of_lots(lots: list[dict], warehouse: str, strict_expiry: bool, external: dict) -> list:
	"""The stock in the warehouse (a group takes its children) of the given lots (their facts, as
	lot_facts gives them), as picking candidates. `external` remembers, across pages, which
	warehouses are external locations."""
	facts = {lot.lot: lot for lot in lots}
	item_code = lots[0].item_code
	balances = [row for row in lot_balances(list(facts), item_code=item_code, warehouse=warehouse) if row.qty > 0]
	unknown = {row.warehouse for row in balances} - set(external)
	if unknown:
		outside = external_warehouses(unknown)
		external.update((name, name in outside) for name in unknown)
	outside = {name for name, is_external in external.items() if is_external}
	return [
		candidate_for(facts[row.lot], row.warehouse, flt(row.qty), outside, strict_expiry) for row in balances
	]


def pick_in_pages(
	item_code: str,
	warehouse: str,
	required: float,
	policy: picking.PickPolicy,
	for_build: bool = False,
	work_order: str | None = None,
) -> picking.PickResult:
	"""FEFO picking of one row, reading lots only until it is covered; the same allocations as
	picking every candidate at once. For a build, what other open Work Orders hold is not free."""
	pages = candidate_pages(item_code, warehouse, policy.strict_expiry, policy.on_date)
	if for_build:
		pages = (free_for_work_order(page, warehouse, work_order) for page in pages)
	return picking.pick_lots_in_pages(pages, required, policy)


def pick_unchosen_lots(doc):
	"""Rows of a build, delivery, repair or capitalization that name no lot (nor serial) get usable lots, FEFO then FIFO, in
	a bundle; an item with serials too gets serials of those lots.

	Picked at submit, not on every save, so a draft's quantities can still change freely. Each row
	reads lots a page at a time until covered (pick_in_pages); only a row they cannot cover reads
	every lot of its place, once for all such rows, to leave a plain shortage to ERPNext or name the
	unusable lots."""
	if doc.docstatus != 1 or frappe.flags.ignore_serial_batch_bundle_validation:
		return  # with ERPNext told to post without serial/batch data, nothing is picked either
	kind = movement_kind(doc)
	if kind not in PICKED_KINDS or doc.get("is_internal_customer"):
		return  # a delivery to an internal customer is a transfer between own locations: ERPNext picks
	rows = [
		row
		for row in rows_to_pick(doc)
		if not (row.get("batch_no") or row.get("serial_no") or row.get("serial_and_batch_bundle") or not flt(row_stock_qty(doc, row)))
		and not draws_reserved_stock(row)  # ERPNext delivers the lots reserved for the order; checked once posted
	]
	if not rows:
		return
	strict = strict_expiry_enabled()
	owners = allowed_owners(doc, kind)
	every_candidate = {}
	chosen = []
	for row in rows:
		warehouse = source_warehouse(doc, row)
		required = row_stock_qty(doc, row)
		policy = policy_for(doc, kind, row.item_code, strict, owners)
		result = pick_in_pages(
			row.item_code, warehouse, required, policy, kind == vouchers.BUILD, doc.get("work_order")
		)
		if result.shortfall > 0:
			result = pick_from_every_candidate(doc, kind, row, warehouse, required, policy, every_candidate)
			if result is None:
				continue  # plain shortage: ERPNext refuses it with its own negative-stock message
		chosen.append((row, result.allocations))
	# The chosen lots are locked before their bundles are written (lot_control.submit_locks).
	submit_locks.lock_lots(allocation.lot for _row, allocations in chosen for allocation in allocations)
	for row, allocations in chosen:
		assign_allocations(doc, row, allocations)


def pick_from_every_candidate(doc, kind, row, warehouse, required, policy, every_candidate: dict):
	"""A row the pages could not cover, picked from every lot of its place: None when even all of them
	hold too little (a plain shortage); otherwise the pick, or the refusal naming the unusable lots.
	`every_candidate` keeps each place's candidates for the document's other rows."""
	place = (row.item_code, warehouse)
	if place not in every_candidate:
		every_candidate.update(candidates_by_place([place], policy.strict_expiry))
	candidates = every_candidate[place]
	if flt(sum(candidate.qty for candidate in candidates), 6) < flt(required, 6):
		return None
	held = {}
	if kind == vouchers.BUILD:
		held = work_order_holders(candidates, warehouse, doc.get("work_order"))
		candidates = free_for_work_order(candidates, warehouse, doc.get("work_order"))
	result = picking.pick_lots(candidates, required, policy)
	if result.shortfall > 0:
		refuse_shortage(doc, kind, row, warehouse, required, candidates, policy, held)
	return result


def work_order_holders(candidates, warehouse: str, work_order: str | None) -> dict:
	"""For each lot here, the other open Work Orders that hold some of it in this warehouse."""
	holdings = wip_holdings((candidate.lot for candidate in candidates), [warehouse])
	holders = {}
	for (lot, _warehouse), held in holdings.items():
		others = sorted({holder for holder, _lot in held if holder != work_order})
		if others:
			holders[lot] = others
	return holders


def refuse_shortage(doc, kind, row, warehouse, required, candidates, policy, held):
	"""Too little usable stock: name every lot that is there but may not be used, and why."""
	usable = picking.usable_breakdown(candidates, policy)["usable"]
	reasons_by_lot = [
		(candidate, why_not_usable(candidate, policy))
		for candidate in picking.sort_for_picking(candidates)
		if flt(candidate.qty, 6) > 0 and not picking.is_usable(candidate, policy)
	]
	unusable = [f"{frappe.bold(candidate.lot)} ({flt(candidate.qty, 6)}: {why})" for candidate, why in reasons_by_lot]
	unusable += [
		f"{frappe.bold(lot)} ({_('held by Work Order {0}').format(', '.join(holders))})" for lot, holders in sorted(held.items())
	]
	frappe.throw(
		_(
			"Row {0}: item {1} needs {2} in {3} but only {4} is usable for {5}.{6} Choose lots by hand or release stock."
		).format(
			row.idx,
			frappe.bold(row.item_code),
			flt(required, 6),
			warehouse,
			flt(usable, 6),
			describe_use(doc, kind),
			(" " + _("Not usable: {0}.").format("; ".join(unusable))) if unusable else "",
		),
		exc=LotShortageError,
		title=_("Not Enough Usable Stock"),
	)


def why_not_usable(candidate: picking.LotCandidate, policy: picking.PickPolicy) -> str:
	"""Each reason a lot may not be picked, in words: its status, its expiry, its place, its owner,
	its shelf life."""
	words = []
	for reason in picking.unusable_reasons(candidate, policy):
		if reason == picking.UnusableReason.STATUS:
			words.append(_("status {0}").format(_(candidate.status)))
		elif reason == picking.UnusableReason.EXPIRED:
			words.append(_("expired on {0}").format(frappe.format(candidate.expiry_date, "Date")))
		elif reason == picking.UnusableReason.EXTERNAL_WAREHOUSE:
			words.append(_("external location"))
		elif reason == picking.UnusableReason.OWNER:
			words.append(
				_("customer {0}'s consigned stock").format(candidate.owner) if candidate.owner else _("house stock")
			)
		else:
			left = picking.remaining_shelf_life_percent(candidate, policy.on_date)
			words.append(
				_("{0}% shelf life left, below {1}%").format(flt(left, 1), flt(policy.min_remaining_shelf_life_percent, 1))
			)
	return ", ".join(words)


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
	"""The chosen lots go into a Serial and Batch Bundle on the row, as ERPNext's own picking does;
	an item with serials too gets the oldest serials of each chosen lot."""
	lots = {}
	for allocation in allocations:
		lots[allocation.lot] = lots.get(allocation.lot, 0) + allocation.qty
	if not frappe.get_cached_value("Item", row.item_code, "has_serial_no"):
		attach_outward_bundle(doc, row, lots)
		return
	serial_nos = serials_of_lots(row.item_code, source_warehouse(doc, row), lots)
	if serial_nos is not None:
		attach_outward_bundle(doc, row, lots, serial_nos)


def serials_of_lots(item_code: str, warehouse: str, lots: dict) -> list[str] | None:
	"""Serials in stock for the given quantity of each lot, units held by quality left out; None
	when a lot has too few (ERPNext then picks, and the posted check still applies)."""
	available = free_serial_nos(item_code, warehouse, list(lots))
	held = held_unit_serials([serial.name for serial in available])
	chosen = []
	for lot, qty in lots.items():
		of_lot = [serial.name for serial in available if serial.batch_no == lot and serial.name not in held]
		if len(of_lot) < cint(qty) or cint(qty) != flt(qty):
			return None
		chosen += of_lot[: cint(qty)]
	return chosen


def held_unit_serials(serial_nos: list[str]) -> set[str]:
	if not serial_nos or not frappe.db.has_column("Serialized Unit", "quality_status"):
		return set()
	unit = frappe.qb.DocType("Serialized Unit")
	return set(
		(
			frappe.qb.from_(unit)
			.select(unit.serial_no)
			.where(unit.serial_no.isin(serial_nos) & unit.quality_status.isnotnull() & (unit.quality_status != "") & (unit.quality_status != RELEASED_UNIT))
		).run(pluck=True)
	)


# Voucher types whose validation recounts each row's bundle (selling_controller's
# set_serial_and_batch_bundle) before anything reads its totals. Not a Stock Entry: it compares a
# bundle's total with its row first, and fills a bundle whose total differs with lots it picks itself.
BUNDLES_RECOUNTED = frozenset({"Delivery Note", "Sales Invoice"})


def attach_outward_bundle(doc, row, lots: dict, serial_nos: list[str] | None = None):
	"""A draft outward bundle drawing the given quantity of each lot (or the given serials of those
	lots), linked to the row.

	On submit the draft is saved without the bundle's own validation: ERPNext validates it in full
	when it submits it while posting, in the same transaction, as it does a bundle it makes itself
	(validated once); checked twice, each line cost a delivery a tenth more than ERPNext alone. Only
	for voucher types whose own validation recounts the bundle first (BUNDLES_RECOUNTED). A draft
	left as a draft, or one of serials (whose draft check of each serial's warehouse runs only then),
	is validated when saved."""
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
			"serial_nos": serial_nos,
			"type_of_transaction": "Outward",
			"company": doc.company,
			"do_not_submit": True,
			"ignore_sabb_validation": doc.docstatus == 1 and not serial_nos and doc.doctype in BUNDLES_RECOUNTED,
		}
	).make_serial_and_batch_bundle()
	row.serial_and_batch_bundle = bundle.name
	row.use_serial_batch_fields = 0


def lock_and_recheck_lots(doc):
	"""Two documents submitted at once for the last units of a lot: the lot's Batch row is locked,
	and the stock is read again with a locking read, so the second one sees the first one's posting."""
	kind = movement_kind(doc)
	if kind not in (*PICKED_KINDS, vouchers.DISPOSAL, vouchers.SUPPLIER_RETURN, vouchers.SPLIT):
		return
	lines = outgoing_lot_lines(doc)
	if not lines:
		return
	needed = {}
	for line in lines:
		needed[(line.lot, line.warehouse)] = needed.get((line.lot, line.warehouse), 0) + line.qty
	on_hand = balances_by_place(sorted({line.lot for line in lines}), lock=True)
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


def refresh_consumed_status(doc):
	"""A lot with nothing left anywhere is Consumed; stock coming back releases it again."""
	from lot_control.lot_events import set_lots_status_by_the_app

	lots = frappe.db.sql_list(
		"""
		select distinct entry.batch_no
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s and entry.batch_no is not null
		""",
		{"doctype": doc.doctype, "name": doc.name},
	)
	statuses = frappe.get_all(
		"Lot", filters={"name": ("in", lots or [""]), "status": ("in", ("Released", "Consumed"))}, fields=["name", "status"], as_list=True
	)
	if not statuses:
		return
	on_hand_by_lot = {}
	for row in lot_balances([lot for lot, _status in statuses]):
		on_hand_by_lot[row.lot] = on_hand_by_lot.get(row.lot, 0) + row.qty
	changes = {}
	for lot, status in statuses:
		on_hand = flt(on_hand_by_lot.get(lot, 0), 6)
		if status == "Released" and not on_hand:
			changes[lot] = ("Consumed", _("Nothing left in stock."))
		elif status == "Consumed" and on_hand > 0:
			changes[lot] = ("Released", _("Stock came back."))
	set_lots_status_by_the_app(changes, doc.doctype, doc.name)


def refuse_lots_of_other_items(doc):
	"""A line whose Batch No is another item's lot is refused for that reason, before ERPNext
	would post it under another lot or refuse it for a missing valuation rate. One read for the
	whole voucher; every table of lines with an item and a Batch No (items, packed items, ...)."""
	rows = [
		row
		for table in doc.meta.get_table_fields()
		for row in doc.get(table.fieldname) or []
		if row.get("item_code") and row.get("batch_no")
	]
	if not rows:
		return
	item_of_lot = dict(
		frappe.get_all("Batch", filters={"name": ("in", list({row.batch_no for row in rows}))}, fields=["name", "item"], as_list=True)
	)
	for row in rows:
		owner_item = item_of_lot.get(row.batch_no)
		if owner_item and owner_item != row.item_code:
			frappe.throw(
				_("Row {0}: lot {1} is a lot of item {2}, not of item {3}. Choose a lot of item {3}.").format(
					row.idx, frappe.bold(row.batch_no), frappe.bold(owner_item), frappe.bold(row.item_code)
				),
				exc=LotOfAnotherItemError,
				title=_("Lot of Another Item"),
			)

