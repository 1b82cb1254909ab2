"""Picking by scan: a label scanned into a Stock Entry, Delivery Note or Pick List picks that exact lot
or unit, or is refused at once, with the reason, if the movement may not take it.

What was scanned is read by lot_control.barcodes (a supplier's or a GS1 label, a GS1 Digital Link,
our own desk URL) or looked up as a plain lot number, serial number or unit code. Whether the lot
may be used is decided by the rules the document is checked against when it is posted
(lot_control.usage, lot_control.picking, Work Order holdings), phrased the same way. The form
script only applies the answer; a text that names no lot or unit (a plain item barcode) returns
None, and ERPNext's own scan handling takes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate, nowdate

from lot_control import arguments, barcodes, build_rules, codes, pick_suggestions, picking, scanning, usage
from lot_control.arguments import ArgumentError, refuse_bad_arguments
from lot_control.constants import vouchers
from lot_control.exceptions import LotNotUsableError, ScannedLabelRefusedError
from lot_control.stock_queries import lot_balances, lot_facts

ISSUING_DOCTYPES = ("Stock Entry", "Delivery Note", "Pick List")
LINES_TABLE = {"Stock Entry": "items", "Delivery Note": "items", "Pick List": "locations"}
DOCUMENT_FIELDS = (
	"name",
	"company",
	"posting_date",
	"purpose",
	"work_order",
	"customer",
	"is_return",
	"is_internal_customer",
	"asset_repair",
	"lot_split_from",
	"set_warehouse",
	"from_warehouse",
	"to_warehouse",
	"parent_warehouse",
	"docstatus",
)
NAME_FIELDS = (
	"name",
	"company",
	"purpose",
	"work_order",
	"customer",
	"set_warehouse",
	"from_warehouse",
	"to_warehouse",
	"parent_warehouse",
)
NUMBER_FIELDS = frozenset(
	{"idx", "qty", "stock_qty", "transfer_qty", "conversion_factor", "picked_qty", "is_finished_item"}
)
LINE_FIELDS = (
	"name",
	"idx",
	"item_code",
	"qty",
	"stock_qty",
	"transfer_qty",
	"conversion_factor",
	"picked_qty",
	"warehouse",
	"s_warehouse",
	"t_warehouse",
	"is_finished_item",
	"batch_no",
	"serial_no",
	"serial_and_batch_bundle",
	"sales_order",
	"against_sales_order",
)
# A transfer is no use of the stock, but a scan picks: it picks what a transfer Pick List would
# (lot_control.pick_suggestions holds a transfer's picks to every reason); a write-off, a return to
# the supplier or a split may take any lot, which is what they are for.
TRANSFER_PICKING_RULES = frozenset(
	{
		picking.UnusableReason.STATUS.value,
		picking.UnusableReason.EXPIRED.value,
		picking.UnusableReason.EXTERNAL_WAREHOUSE.value,
		picking.UnusableReason.OWNER.value,
	}
)
# Movements that draw nothing: left to ERPNext's own scanner.
NOT_ISSUING = (None, vouchers.RECEIPT, vouchers.CUSTOMER_RETURN, vouchers.STOCK_COUNT, vouchers.CONSOLIDATION)


@dataclass
class Scanned:
	"""What one scan names: a lot (and, for a unit, its serial number) of an item."""

	item_code: str
	lot: str | None = None
	serial_no: str | None = None
	quantity: float | None = None
	source: str = ""


def rules_of_scan(kind: str | None) -> frozenset:
	if kind == vouchers.TRANSFER:
		return TRANSFER_PICKING_RULES
	return vouchers.RULES_OF_USE.get(kind, frozenset())


@frappe.whitelist()
@refuse_bad_arguments
def resolve_issue_scan(barcode=None, doctype=None, document=None) -> dict | None:
	"""The line a scanned text fills (or none for a new line) and its values, or a refusal saying
	why the lot or unit may not be taken by this document.

	document is the form's document as it stands (saved or not), or the name of a saved one."""
	barcode = scanning.as_scanned_text(barcode)
	doctype = arguments.as_choice(doctype, "doctype", ISSUING_DOCTYPES)
	doc = as_document(doctype, document)
	check_may_edit(doc)
	kind = None if doctype == "Pick List" else vouchers.kind_of_movement(doc)
	if doctype != "Pick List" and kind in NOT_ISSUING:
		return None  # stock coming in: ERPNext's scanner
	scanned = what_was_scanned(barcode, doc)
	if scanned is None:
		return None
	check_may_read(scanned)
	if doctype == "Pick List":
		return pick(doc, scanned)
	return issue(doc, kind, scanned)


# The document as the form holds it ------------------------------------------------------------


def as_document(doctype: str, value) -> frappe._dict:
	parsed = arguments.parse_json(value, "document")
	if isinstance(parsed, str):
		name = arguments.as_name(parsed, "document", required=True)
		if not frappe.db.exists(doctype, name):
			raise ArgumentError(f"{doctype} {name} does not exist.")
		frappe.has_permission(doctype, "read", name, throw=True)
		parsed = frappe.get_doc(doctype, name).as_dict()
	if not isinstance(parsed, dict):
		raise ArgumentError(
			f"document must be the document's fields or its name, not {arguments.describe(value)}."
		)
	lines = parsed.get(LINES_TABLE[doctype]) or []
	if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
		raise ArgumentError(f"document.{LINES_TABLE[doctype]} must be a list of lines.")
	doc = frappe._dict({field: parsed.get(field) for field in DOCUMENT_FIELDS})
	doc.doctype = doctype
	doc.is_new = bool(parsed.get("__islocal")) or not doc.name or not frappe.db.exists(doctype, doc.name)
	for field in NAME_FIELDS:
		doc[field] = arguments.as_name(doc.get(field), f"document.{field}")
	doc.posting_date = arguments.as_date(doc.posting_date, "document.posting_date") or getdate(nowdate())
	doc.lines = [as_line(line, position) for position, line in enumerate(lines, start=1)]
	doc[LINES_TABLE[doctype]] = doc.lines
	return doc


def as_line(line: dict, position: int) -> frappe._dict:
	"""A line's fields as the form sends them: text or finite numbers, nothing else."""
	values = frappe._dict()
	for field in LINE_FIELDS:
		value = line.get(field)
		if isinstance(value, bool) or not (value is None or isinstance(value, str | int | float)):
			raise ArgumentError(
				f"line {position}: {field} must be text or a number, not {arguments.describe(value)}."
			)
		if isinstance(value, float) and not math.isfinite(value):
			raise ArgumentError(f"line {position}: {field} must be a finite number, not {value}.")
		if isinstance(value, str) and field in NUMBER_FIELDS:
			value = arguments.as_number(value, f"line {position}: {field}") if value.strip() else None
		elif value is not None and field not in NUMBER_FIELDS:
			value = str(value)
		values[field] = value
	return values


def check_may_edit(doc):
	if cint(doc.docstatus) != 0:
		refuse(
			_("{0} {1} is no longer a draft: nothing can be scanned into it.").format(
				_(doc.doctype), doc.name
			)
		)
	if doc.is_new:
		frappe.has_permission(doc.doctype, "create", throw=True)
	else:
		frappe.has_permission(doc.doctype, "write", doc.name, throw=True)


def check_may_read(scanned: Scanned):
	"""A label opens nothing the user could not open in the desk."""
	if scanned.serial_no:
		doctype = "Serialized Unit" if frappe.db.exists("Serialized Unit", scanned.serial_no) else "Serial No"
		allowed = frappe.has_permission(doctype, "read", scanned.serial_no)
		what = _("unit {0}").format(frappe.bold(scanned.serial_no))
	else:
		if frappe.db.exists("Lot", scanned.lot):
			allowed = frappe.has_permission("Lot", "read", scanned.lot)
		else:  # a batch without a Lot is released house stock: the Lot list is where users see it
			allowed = frappe.has_permission("Batch", "read", scanned.lot) or frappe.has_permission(
				"Lot", "read"
			)
		what = _("lot {0}").format(frappe.bold(scanned.lot))
	if not allowed:
		frappe.throw(
			_("You may not open {0} of item {1}, so you cannot scan it.").format(
				what, frappe.bold(scanned.item_code)
			),
			frappe.PermissionError,
			title=_("Scan Refused"),
		)


# What was scanned -----------------------------------------------------------------------------


def what_was_scanned(barcode: str, doc) -> Scanned | None:
	own = barcodes.read_own_label(barcode)
	if own:
		return scanned_record(own)
	label = barcodes.parse_label(barcode)
	if label is not None:
		return scanned_label(label, doc)
	return scanned_plain_text(barcode.strip())


def scanned_record(own: barcodes.OwnLabel) -> Scanned:
	if own.is_unit:
		serial = frappe.db.get_value("Serial No", own.name, ["name", "item_code", "batch_no"], as_dict=True)
		if serial:
			return Scanned(serial.item_code, serial.batch_no, serial.name, 1, _("unit label"))
	else:
		batch = frappe.db.get_value("Batch", own.name, ["name", "item"], as_dict=True)
		if batch:
			return Scanned(batch.item, batch.name, None, None, _("lot label"))
	refuse(
		_("The label names {0} {1}, which does not exist here.").format(_(own.doctype), frappe.bold(own.name))
	)


def scanned_plain_text(text: str) -> Scanned | None:
	"""A lot number, a serial number or a unit code typed or scanned as it is printed; an item's
	barcode and a warehouse's are ERPNext's."""
	if (
		not text
		or len(text) > arguments.MAX_NAME_LENGTH
		or frappe.db.exists("Item Barcode", {"barcode": text})
		or frappe.db.exists("Warehouse", text)
	):
		return None
	serial = frappe.db.get_value("Serial No", text, ["name", "item_code", "batch_no"], as_dict=True)
	if not serial and unit_code_form(text):
		serial = frappe.db.get_value(  # either spelling of a legacy check symbol (codes.code_spellings)
			"Serial No", {"name": ("in", codes.code_spellings(text))}, ["name", "item_code", "batch_no"], as_dict=True
		)
	if serial:
		return Scanned(serial.item_code, serial.batch_no, serial.name, 1, _("unit code"))
	batch = frappe.db.get_value("Batch", text, ["name", "item"], as_dict=True)
	if batch:
		return Scanned(batch.item, batch.name, None, None, _("lot number"))
	if unit_code_form(text) and not codes.is_valid_code(text) and not text.isdigit():
		refuse(
			_(
				"{0} is not a valid unit code: its check character does not match. Scan the label again or type the code carefully."
			).format(frappe.bold(text))
		)
	return None


def unit_code_form(text: str) -> bool:
	try:
		codes.normalize_code(text)
	except codes.InvalidUnitCodeError:
		return False
	return True


def scanned_label(label: barcodes.SupplierLabel, doc) -> Scanned:
	if label.problem:
		refuse(_("This {0} label cannot be used: {1}.").format(label.format, label.problem))
	item_code = scanning.item_of_label(label, frappe._dict(supplier=None, lines=doc.lines))
	item = frappe.get_cached_value("Item", item_code, ["has_batch_no", "has_serial_no"], as_dict=True)
	if label.serials and item.has_serial_no:
		serial = frappe.db.get_value(
			"Serial No", label.serials[0], ["name", "item_code", "batch_no"], as_dict=True
		)
		if not serial or serial.item_code != item_code:
			refuse(
				_("Unit {0} of item {1} ({2} label) is not known here.").format(
					frappe.bold(label.serials[0]), frappe.bold(item_code), label.format
				)
			)
		return Scanned(item_code, serial.batch_no, serial.name, 1, _("{0} label").format(label.format))
	if not item.has_batch_no:
		refuse(
			_(
				"Item {0} is not tracked by lots, so its {1} label names nothing to pick: scan the item's barcode."
			).format(frappe.bold(item_code), label.format)
		)
	code = label.supplier_batch_code
	if not code:
		refuse(
			_("The {0} label of item {1} names no lot: scan the lot's own label.").format(
				label.format, frappe.bold(item_code)
			)
		)
	return Scanned(
		item_code,
		lot_of_label(item_code, code, doc, label),
		None,
		label.quantity,
		_("{0} label").format(label.format),
	)


def lot_of_label(item_code: str, code: str, doc, label) -> str:
	"""Our lot number (printed in (10) on our own GS1 labels), else the supplier's batch code the lot
	was received with. Several lots with one supplier batch code: the one this company has stock of."""
	lots = set(frappe.get_all("Batch", filters={"item": item_code, "name": code}, pluck="name"))
	lots |= set(frappe.get_all("Batch", filters={"item": item_code, "batch_id": code}, pluck="name"))
	if not lots:
		lots = set(
			frappe.get_all("Lot", filters={"item": item_code, "supplier_batch_code": code}, pluck="name")
		)
	if len(lots) > 1:
		in_stock = {row.lot for row in lot_balances(sorted(lots), company=doc.company) if row.qty > 0}
		lots = in_stock or lots
	if not lots:
		refuse(
			_("No lot {0} of item {1} was received ({2} label).").format(
				frappe.bold(code), frappe.bold(item_code), label.format
			)
		)
	if len(lots) > 1:
		refuse(
			_(
				"Lots {0} of item {1} all came with supplier batch {2}: scan the label of the one you pick."
			).format(
				", ".join(frappe.bold(lot) for lot in sorted(lots)), frappe.bold(item_code), frappe.bold(code)
			)
		)
	return next(iter(lots))


# Whether the movement may take it -------------------------------------------------------------


def source_of(doc, line) -> str | None:
	if doc.doctype == "Stock Entry":
		return (line or {}).get("s_warehouse") or None
	return (line or {}).get("warehouse") or None


def default_source(doc) -> str | None:
	return doc.from_warehouse if doc.doctype == "Stock Entry" else doc.set_warehouse


def where_to_draw(doc, scanned: Scanned, line, preferred: str | None) -> tuple[str, float]:
	"""The warehouse the lot is drawn from and what it holds there: the line's own (binding), else the
	preferred one when the lot is there, else where the lot has most."""
	wanted = source_of(doc, line)
	if scanned.serial_no:
		serial = frappe.db.get_value("Serial No", scanned.serial_no, ["status", "warehouse"], as_dict=True)
		if serial.status != "Active" or not serial.warehouse:
			refuse(
				_("Unit {0} of item {1} is not in stock (Serial No status {2}).").format(
					frappe.bold(scanned.serial_no), frappe.bold(scanned.item_code), _(serial.status or "-")
				)
			)
		if wanted and wanted != serial.warehouse:
			refuse(
				_("Unit {0} of item {1} is in {2}, not in {3} where row {4} draws from.").format(
					frappe.bold(scanned.serial_no),
					frappe.bold(scanned.item_code),
					serial.warehouse,
					wanted,
					line.idx,
				)
			)
		return serial.warehouse, 1
	places = {
		row.warehouse: row.qty for row in lot_balances([scanned.lot], company=doc.company) if row.qty > 0
	}
	if wanted:
		if wanted not in places:
			refuse(no_stock_message(scanned, wanted, places, line))
		return wanted, places[wanted]
	if preferred in places:
		return preferred, places[preferred]
	if not places:
		refuse(no_stock_message(scanned, preferred, places, None))
	warehouse = max(sorted(places), key=lambda place: places[place])
	return warehouse, places[warehouse]


def no_stock_message(scanned: Scanned, warehouse: str | None, places: dict, line) -> str:
	elsewhere = ", ".join(f"{place} ({flt(qty, 6)})" for place, qty in sorted(places.items()))
	return _("Lot {0} of item {1} has no stock{2}{3}.").format(
		frappe.bold(scanned.lot),
		frappe.bold(scanned.item_code),
		(_(" in {0}").format(warehouse) + (_(", where row {0} draws from").format(line.idx) if line else ""))
		if warehouse
		else _(" in this company"),
		_("; it is in {0}").format(elsewhere) if elsewhere else "",
	)


def check_usable(doc, kind: str, use_doc, scanned: Scanned, warehouse: str, qty: float) -> list[str]:
	"""Refuse the lot or unit this kind of use may not take, by the rules it is posted under; returns
	the warnings (a short-dated lot a Lot Quality Manager may override, an expired one where expiry
	is not strict)."""
	rules = rules_of_scan(kind)
	warnings = []
	if not rules:
		return warnings
	strict = usage.strict_expiry_enabled()
	facts = lot_facts([scanned.lot]).get(scanned.lot) if scanned.lot else None
	if facts:
		policy = usage.policy_for(use_doc, kind, facts.item_code, strict)
		candidate = usage.candidate_for(facts, warehouse, qty, usage.external_warehouses([warehouse]), strict)
		line = usage.LotLine(None, scanned.lot, qty, warehouse)
		for reason in picking.unusable_reasons(candidate, policy):
			if reason.value not in rules:
				continue
			if reason == picking.UnusableReason.SHELF_LIFE and usage.QUALITY_ROLE in frappe.get_roles():
				warnings.append(
					_("Lot {0} of item {1} has {2}: give a Lot Override Reason on the row.").format(
						frappe.bold(scanned.lot),
						frappe.bold(scanned.item_code),
						pick_suggestions.reason_text(reason, facts, candidate, policy),
					)
				)
				continue
			usage.refuse(use_doc, kind, line, facts, reason, policy)
		if not strict and facts.expiry_date and getdate(facts.expiry_date) < getdate(use_doc.posting_date):
			warnings.append(
				_("Lot {0} of item {1} expired on {2}; strict expiry is off, so it is used anyway.").format(
					frappe.bold(scanned.lot),
					frappe.bold(scanned.item_code),
					frappe.format(facts.expiry_date, "Date"),
				)
			)
		if "work_order_holdings" in rules and use_doc.get("purpose") != "Material Transfer for Manufacture":
			check_work_order_holdings(use_doc, scanned.lot, warehouse, qty)
	if scanned.serial_no:
		check_unit_released(use_doc, kind, scanned)
	return warnings


def check_work_order_holdings(use_doc, lot: str, warehouse: str, qty: float):
	held = usage.wip_holdings([lot], [warehouse]).get((lot, warehouse)) or {}
	if not held:
		return
	on_hand = sum(row.qty for row in lot_balances([lot], warehouse=warehouse))
	free = build_rules.usable_by_work_order(on_hand, held, lot, use_doc.get("work_order"))
	if flt(qty, 6) > flt(free, 6):
		usage.refuse_lot_held_by_another_work_order(
			lot,
			warehouse,
			held,
			use_doc.get("work_order"),
			free,
			qty,
			_("this {0}").format(_(use_doc.doctype)),
		)


def check_unit_released(use_doc, kind: str, scanned: Scanned):
	if not usage.held_unit_serials([scanned.serial_no]):
		return
	quality_status = frappe.db.get_value(
		"Serialized Unit", {"serial_no": scanned.serial_no}, "quality_status"
	)
	frappe.throw(
		_("Unit {0} of item {1} is {2}; only Released units can be used for {3}.").format(
			frappe.bold(scanned.serial_no),
			frappe.bold(scanned.item_code),
			_(quality_status),
			usage.describe_use(use_doc, kind),
		),
		exc=LotNotUsableError,
		title=_("Unit Not Usable"),
	)


# Stock Entry and Delivery Note: fill a line or add one -----------------------------------------


def outgoing_lines(doc):
	if doc.doctype == "Stock Entry":
		return [
			line
			for line in doc.lines
			if line.get("s_warehouse") or not (line.get("t_warehouse") or line.get("is_finished_item"))
		]
	return doc.lines


def serials_of(line) -> list[str]:
	return [serial for serial in (line.get("serial_no") or "").split("\n") if serial.strip()]


def line_to_fill(doc, scanned: Scanned):
	"""The line the scan adds to: the same lot's line, else a line of the item that names no lot yet."""
	lines = [line for line in outgoing_lines(doc) if line.get("item_code") == scanned.item_code]
	for line in lines:
		if scanned.serial_no and scanned.serial_no in serials_of(line):
			refuse(
				_("Unit {0} of item {1} is already on row {2}.").format(
					frappe.bold(scanned.serial_no), frappe.bold(scanned.item_code), line.idx
				)
			)
	same_lot = [
		line
		for line in lines
		if (line.get("batch_no") or None) == scanned.lot
		and (serials_of(line) if scanned.serial_no else line.get("batch_no") and not serials_of(line))
		and not line.get("serial_and_batch_bundle")
	]
	if same_lot:
		return same_lot[0]
	open_lines = [
		line
		for line in lines
		if not any(line.get(field) for field in ("batch_no", "serial_no", "serial_and_batch_bundle"))
	]
	return open_lines[0] if open_lines else None


def issue(doc, kind: str, scanned: Scanned) -> dict:
	if not scanned.serial_no and cint(frappe.get_cached_value("Item", scanned.item_code, "has_serial_no")):
		refuse(
			_("Item {0} has serial numbers: scan the label of each unit of lot {1}, not the lot's.").format(
				frappe.bold(scanned.item_code), frappe.bold(scanned.lot)
			)
		)
	line = line_to_fill(doc, scanned)
	filled = line is not None and (line.get("batch_no") or serials_of(line))
	adds = 1 if scanned.serial_no else flt(scanned.quantity) or 1
	if line is None:
		qty = adds
	elif filled:
		qty = flt(line.qty) + (0 if scanned.serial_no and len(serials_of(line)) < flt(line.qty) else adds)
	else:
		qty = flt(line.qty) or adds
	warehouse, on_hand = where_to_draw(doc, scanned, line, default_source(doc))
	if scanned.lot and not scanned.serial_no and filled and flt(qty, 6) > flt(on_hand, 6):
		refuse(
			_("Lot {0} of item {1} has only {2} in {3}; row {4} would take {5}.").format(
				frappe.bold(scanned.lot),
				frappe.bold(scanned.item_code),
				flt(on_hand, 6),
				warehouse,
				line.idx,
				flt(qty, 6),
			)
		)
	warnings = []
	if line is None and not scanned.serial_no and flt(qty, 6) > flt(on_hand, 6):
		warnings.append(
			_("The label says {0}, but lot {1} holds only {2} in {3}: the new row takes {2}.").format(
				flt(qty, 6), frappe.bold(scanned.lot), flt(on_hand, 6), warehouse
			)
		)
		qty = on_hand
	warnings += check_usable(doc, kind, doc, scanned, warehouse, qty)
	if scanned.lot and not scanned.serial_no and flt(qty, 6) > flt(on_hand, 6):
		warnings.append(
			_("Lot {0} holds only {1} in {2}, row {3} asks {4}: scan another lot for the rest.").format(
				frappe.bold(scanned.lot), flt(on_hand, 6), warehouse, line.idx, flt(qty, 6)
			)
		)
	values = {"qty": qty, "use_serial_batch_fields": 1}
	if scanned.lot:
		values["batch_no"] = scanned.lot
	if scanned.serial_no:
		values["serial_no"] = "\n".join([*(serials_of(line) if line else []), scanned.serial_no])
	values["s_warehouse" if doc.doctype == "Stock Entry" else "warehouse"] = warehouse
	return answer(doc, scanned, line, values, warnings)


def answer(doc, scanned: Scanned, line, values: dict, warnings: list[str]) -> dict:
	picked = (
		_("unit {0}").format(scanned.serial_no) if scanned.serial_no else _("lot {0}").format(scanned.lot)
	)
	return {
		"row": line.name if line else None,
		"table": LINES_TABLE[doc.doctype],
		"item_code": scanned.item_code,
		"values": values,
		"message": _("{0}: {1} of {2}, {3}").format(
			scanned.source, picked, scanned.item_code, _("row {0}").format(line.idx) if line else _("new row")
		),
		"warnings": warnings,
	}


# Pick List: the picker confirms a row ----------------------------------------------------------


def pick(pick_list, scanned: Scanned) -> dict:
	"""A Pick List adds no rows (as ERPNext's scanner): the scan marks what was picked on a row of the
	item, the scanned lot replacing the one suggested; a unit's serial number is added to those picked."""
	rows = [row for row in pick_list.lines if row.get("item_code") == scanned.item_code]
	for row in rows:
		if scanned.serial_no and flt(row.picked_qty) and scanned.serial_no in serials_of(row):
			refuse(
				_("Unit {0} of item {1} is already picked on row {2}.").format(
					frappe.bold(scanned.serial_no), frappe.bold(scanned.item_code), row.idx
				)
			)
	open_rows = [row for row in rows if flt(row.picked_qty) < flt(row.qty)]
	row = next((row for row in open_rows if row.get("batch_no") == scanned.lot and flt(row.picked_qty)), None)
	row = row or next((row for row in open_rows if row.get("batch_no") == scanned.lot), None)
	row = row or next((row for row in open_rows if not flt(row.picked_qty)), None)
	if row is None:
		refuse(
			_("Item {0} has no row left to pick on this Pick List.").format(frappe.bold(scanned.item_code))
		)
	customer = pick_suggestions.customer_of(pick_list, row, pick_suggestions.order_customers(pick_list))
	kind = pick_suggestions.kind_for(pick_list, customer)
	use_doc = pick_suggestions.use_of(pick_list, kind, customer)
	continuing = row.get("batch_no") == scanned.lot and flt(row.picked_qty) > 0
	already = flt(row.picked_qty) if continuing else 0
	left = flt(row.qty) - already
	warehouse, on_hand = where_to_draw(pick_list, scanned, row if continuing else None, row.get("warehouse"))
	adds = 1 if scanned.serial_no else min(flt(scanned.quantity) or left, left, flt(on_hand) - already)
	if adds <= 0:
		refuse(
			_("Lot {0} of item {1} has nothing more in {2} for row {3}.").format(
				frappe.bold(scanned.lot), frappe.bold(scanned.item_code), warehouse, row.idx
			)
		)
	warnings = check_usable(pick_list, kind, use_doc, scanned, warehouse, already + adds)
	values = {
		"batch_no": scanned.lot,
		"warehouse": warehouse,
		"picked_qty": already + adds,
		"use_serial_batch_fields": 1,
	}
	if scanned.serial_no:
		values["serial_no"] = "\n".join([*(serials_of(row) if continuing else []), scanned.serial_no])
	return answer(pick_list, scanned, row, values, warnings)


def refuse(message: str):
	frappe.throw(message, exc=ScannedLabelRefusedError, title=_("Scan Refused"))
