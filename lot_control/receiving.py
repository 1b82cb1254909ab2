"""Lots on receipt: every accepted line of a lot-controlled item leaves the receipt with its lot."""

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from lot_control.exceptions import LotDatesError, LotNumberTakenError, LotQuantityMismatchError
from lot_control.lot_control.doctype.lot_control_settings.lot_control_settings import next_lot_code
from lot_control.receipt_rules import (
	expiry_from_shelf_life,
	expiry_precedes_manufacture,
	lot_quantities_match,
)
from lot_control.stock_queries import get_bundle_lot_quantities, get_lot_on_hand


def lot_controlled_items(item_codes) -> dict:
	"""Batch-tracked items among the given codes, with what lot creation needs, in one query."""
	item_codes = list({code for code in item_codes if code})
	if not item_codes:
		return {}
	rows = frappe.get_all(
		"Item",
		filters={"name": ("in", item_codes), "has_batch_no": 1},
		fields=["name", "shelf_life_in_days", "has_serial_no", "stock_uom"],
	)
	return {row.name: row for row in rows}


def lot_rows(receipt):
	"""Lines that receive a lot-controlled item into stock: Purchase Receipt lines (returns draw
	existing lots) and the lines of a Material Receipt Stock Entry."""
	if receipt.doctype not in ("Purchase Receipt", "Purchase Invoice", "Stock Entry") or receipt.get("is_return"):
		return []
	if receipt.doctype == "Stock Entry" and receipt.purpose != "Material Receipt":
		return []
	if receipt.doctype == "Purchase Invoice" and not cint(receipt.get("update_stock")):
		return []
	items = lot_controlled_items(row.item_code for row in receipt.items)
	return [(row, items[row.item_code]) for row in receipt.items if row.item_code in items]


def arrival_warehouse(row) -> str | None:
	return row.get("t_warehouse") or row.get("warehouse")


def stock_owner_of(receipt, item_code: str) -> str | None:
	"""Whose stock arrives: the customer a receipt is marked consigned by, or the customer of a
	customer-provided item; otherwise the company's own (None)."""
	if receipt.get("consignment_customer"):
		return receipt.consignment_customer
	provided, customer = frappe.get_cached_value("Item", item_code, ["is_customer_provided_item", "customer"])
	return customer if provided and customer else None


def validate_receipt_lots(receipt):
	new_numbers = {}
	for row, item in lot_rows(receipt):
		validate_lot_dates(row)
		if row.get("lot_number"):
			validate_new_lot_number(row, new_numbers)
		if row.serial_and_batch_bundle and flt(row.qty):
			validate_bundle_adds_up(row, item)


def validate_lot_dates(row):
	if expiry_precedes_manufacture(
		getdate_or_none(row.get("lot_manufacturing_date")), getdate_or_none(row.get("lot_expiry_date"))
	):
		frappe.throw(
			_("Row {0}: the lot expiry date {1} for item {2} is before its manufacturing date {3}.").format(
				row.idx,
				frappe.format(row.lot_expiry_date, "Date"),
				frappe.bold(row.item_code),
				frappe.format(row.lot_manufacturing_date, "Date"),
			),
			exc=LotDatesError,
			title=_("Invalid Lot Dates"),
		)


def validate_new_lot_number(row, new_numbers: dict):
	"""A new lot number must be free; the same number twice in one receipt must be for one item."""
	row.lot_number = row.lot_number.strip()
	if row.batch_no and row.batch_no != row.lot_number:
		frappe.throw(
			_(
				"Row {0}: item {1} has both an existing lot {2} in Batch No and a new lot number {3}. Keep one of them."
			).format(row.idx, frappe.bold(row.item_code), frappe.bold(row.batch_no), frappe.bold(row.lot_number)),
			exc=LotNumberTakenError,
			title=_("Lot Number Conflict"),
		)
	if row.batch_no == row.lot_number:
		return
	existing = frappe.db.get_value("Batch", row.lot_number, ["item", "reference_name"], as_dict=True)
	if existing:
		frappe.throw(
			_(
				"Row {0}: lot number {1} is already used for item {2}{3}. Choose it in Batch No to add stock to that lot, or give a new lot number."
			).format(
				row.idx,
				frappe.bold(row.lot_number),
				frappe.bold(existing.item),
				_(" (received on {0})").format(existing.reference_name) if existing.reference_name else "",
			),
			exc=LotNumberTakenError,
			title=_("Lot Number Already Used"),
		)
	other_item = new_numbers.setdefault(row.lot_number, row.item_code)
	if other_item != row.item_code:
		frappe.throw(
			_("Row {0}: lot number {1} is given to both item {2} and item {3} on this receipt.").format(
				row.idx, frappe.bold(row.lot_number), frappe.bold(other_item), frappe.bold(row.item_code)
			),
			exc=LotNumberTakenError,
			title=_("Lot Number Already Used"),
		)


def validate_bundle_adds_up(row, item):
	lots = get_bundle_lot_quantities(row.serial_and_batch_bundle)
	line_qty = flt(row.get("stock_qty") or row.get("transfer_qty")) or flt(row.qty) * flt(
		row.get("conversion_factor") or 1
	)
	if not lot_quantities_match(line_qty, (lot.qty for lot in lots)):
		frappe.throw(
			_(
				"Row {0}: the lots of item {1} add up to {2} {3} ({4}) but the line receives {5} {3}. Correct the lot quantities or the line quantity."
			).format(
				row.idx,
				frappe.bold(row.item_code),
				flt(sum(lot.qty for lot in lots), 6),
				item.stock_uom,
				", ".join(f"{lot.batch_no}: {flt(lot.qty, 6)}" for lot in lots) or _("no lots"),
				flt(line_qty, 6),
			),
			exc=LotQuantityMismatchError,
			title=_("Lot Quantities Do Not Add Up"),
		)


def assign_new_lots(receipt):
	"""Give every line without a chosen lot a new Batch, before ERPNext builds its bundles on submit."""
	if receipt.doctype == "Stock Entry":
		return  # a Material Receipt keeps ERPNext's rule: new batches only for items that create them
	if frappe.flags.ignore_serial_batch_bundle_validation:
		return  # ERPNext was told to post without serial/batch data (data migrations): so is the app
	created = {}
	lots_of_amended = lots_of_cancelled_original(receipt)
	for row, item in lot_rows(receipt):
		if row.batch_no or row.serial_and_batch_bundle or not flt(row.qty) or item.has_serial_no:
			continue
		code = row.get("lot_number") or lots_of_amended.get((row.idx, row.item_code))
		if not (code and (code in created or code in lots_of_amended.values())):
			code = create_lot_batch(receipt, row, item)
			created[code] = row.item_code
		row.batch_no = code
		row.use_serial_batch_fields = 1


def lots_of_cancelled_original(receipt) -> dict:
	"""An amended receipt takes back the lots of the receipt it replaces, so printed labels stay true.

	ERPNext clears batch_no on cancel, so the lots are read from the original's cancelled bundles.
	"""
	if receipt.doctype != "Purchase Receipt" or not receipt.get("amended_from"):
		return {}
	rows = frappe.db.sql(
		"""
		select line.idx, line.item_code, entry.batch_no
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		inner join `tabPurchase Receipt Item` line on line.name = bundle.voucher_detail_no
		where bundle.voucher_type = 'Purchase Receipt' and bundle.voucher_no = %(original)s
			and bundle.is_cancelled = 1 and bundle.is_rejected = 0 and bundle.type_of_transaction = 'Inward'
		""",
		{"original": receipt.amended_from},
		as_dict=True,
	)
	lots_by_line = {}
	for row in rows:
		lots_by_line.setdefault((row.idx, row.item_code), set()).add(row.batch_no)
	return {
		line: next(iter(lots))
		for line, lots in lots_by_line.items()
		if len(lots) == 1
		and frappe.db.get_value("Lot", next(iter(lots)), "purchase_receipt") == receipt.amended_from
		and not get_lot_on_hand(next(iter(lots)))
	}


def create_lot_batch(receipt, row, item) -> str:
	manufacturing_date = getdate_or_none(row.get("lot_manufacturing_date"))
	expiry_date = getdate_or_none(row.get("lot_expiry_date")) or expiry_from_shelf_life(
		manufacturing_date or getdate(receipt.posting_date), item.shelf_life_in_days
	)
	code = row.get("lot_number") or next_lot_code(row.item_code, receipt.posting_date, row.get("supplier_batch_code"))
	batch = frappe.get_doc(
		{
			"doctype": "Batch",
			"batch_id": code,
			"item": row.item_code,
			"manufacturing_date": manufacturing_date,
			"expiry_date": expiry_date,
			"supplier": receipt.get("supplier"),
			"reference_doctype": receipt.doctype,
			"reference_name": receipt.name,
			"description": row.get("lot_notes"),
		}
	)
	batch.flags.ignore_permissions = True
	batch.insert()
	return batch.name


def record_received_lots(receipt):
	"""After ERPNext has posted the stock: one Lot per Batch received, with where it came from."""
	for row, _item in lot_rows(receipt):
		if not flt(row.qty):
			continue
		for batch_no in received_batches(receipt, row):
			upsert_lot(receipt, row, batch_no)


def received_batches(receipt, row) -> list[str]:
	"""The lots ERPNext posted into stock for a line, read from its submitted inward bundle."""
	return frappe.db.sql_list(
		"""
		select entry.batch_no
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s
			and bundle.voucher_detail_no = %(row)s and bundle.docstatus = 1 and bundle.is_cancelled = 0
			and bundle.type_of_transaction = 'Inward' and bundle.is_rejected = 0 and entry.batch_no is not null
		group by entry.batch_no
		order by min(entry.idx)
		""",
		{"doctype": receipt.doctype, "name": receipt.name, "row": row.name},
	)


def upsert_lot(receipt, row, batch_no: str):
	batch = frappe.db.get_value(
		"Batch", batch_no, ["supplier", "manufacturing_date", "expiry_date", "reference_name"], as_dict=True
	)
	fill_missing_batch_facts(receipt, row, batch_no, batch)

	if frappe.db.exists("Lot", batch_no):
		lot = frappe.get_doc("Lot", batch_no)
		if receipt.get("amended_from") and lot.purchase_receipt == receipt.amended_from:
			lot.db_set(
				{"purchase_receipt": receipt.name, "received_date": receipt.posting_date, "unit_cost": row.valuation_rate}
			)
			frappe.db.set_value("Batch", batch_no, "reference_name", receipt.name)
		if lot.status in ("Archived", "Consumed"):
			status, reason = initial_lot_status(row)
			lot.apply_status_change(
				status, reason or _("Stock received again."), receipt.doctype, receipt.name, by_the_app=True
			)
		return

	owner = stock_owner_of(receipt, row.item_code)
	lot = frappe.get_doc(
		{
			"doctype": "Lot",
			"batch": batch_no,
			"company": receipt.company,
			"purchase_receipt": receipt.name if receipt.doctype == "Purchase Receipt" else None,
			"purchase_order": row.get("purchase_order"),
			"supplier_batch_code": row.get("supplier_batch_code"),
			"received_date": receipt.posting_date,
			"unit_cost": row.valuation_rate,
			"warehouse": arrival_warehouse(row),
			"storage_bin": row.get("lot_storage_bin"),
			"notes": row.get("lot_notes"),
			"stock_owner": "Customer" if owner else "House",
			"consignment_customer": owner,
		}
	)
	if row.get("lot_document"):
		lot.append(
			"documents",
			{
				"document_type": row.get("lot_document_type") or "Other",
				"document_date": receipt.posting_date,
				"reference": receipt.name,
				"file": row.lot_document,
			},
		)
	lot.status, reason = initial_lot_status(row)
	lot.add_history("Status Change", None, lot.status, reason, receipt.doctype, receipt.name)
	lot.flags.ignore_permissions = True
	lot.insert()


def initial_lot_status(row) -> tuple[str, str | None]:
	"""A submitted inspection decides; otherwise items set to wait for incoming inspection arrive in Quarantine."""
	if row.get("quality_inspection"):
		inspection = frappe.db.get_value(
			"Quality Inspection", row.quality_inspection, ["status", "docstatus"], as_dict=True
		)
		if inspection and inspection.docstatus == 1:
			if inspection.status == "Accepted":
				return "Released", _("Quality Inspection {0} accepted.").format(row.quality_inspection)
			return "Rejected", _("Quality Inspection {0} rejected.").format(row.quality_inspection)
	if quarantines_on_receipt(row.item_code):
		return "Quarantine", _("Awaiting incoming inspection.")
	return "Released", None


def quarantines_on_receipt(item_code: str) -> bool:
	"""The item's own setting, or that of its item group or any group above it."""
	from lot_control.lot_control.doctype.lot_control_settings.lot_control_settings import item_group_ancestry

	if frappe.get_cached_value("Item", item_code, "quarantine_lots_on_receipt"):
		return True
	groups = item_group_ancestry(frappe.get_cached_value("Item", item_code, "item_group"))
	return bool(
		groups
		and frappe.db.exists("Item Group", {"name": ("in", groups), "quarantine_lots_on_receipt": 1})
	)


def fill_missing_batch_facts(receipt, row, batch_no: str, batch):
	"""A lot the user chose by hand may lack what the receipt knows; ERPNext's Batch keeps those facts."""
	missing = {}
	if not batch.supplier and receipt.get("supplier"):
		missing["supplier"] = receipt.supplier
	if not batch.manufacturing_date and row.get("lot_manufacturing_date"):
		missing["manufacturing_date"] = row.lot_manufacturing_date
	if not batch.expiry_date and row.get("lot_expiry_date"):
		missing["expiry_date"] = row.lot_expiry_date
	if not batch.reference_name:
		missing.update(reference_doctype=receipt.doctype, reference_name=receipt.name)
	if missing:
		frappe.db.set_value("Batch", batch_no, missing)


def archive_lots_of_cancelled_receipt(receipt):
	"""A cancelled receipt's lots hold nothing any more: archive those that have no stock elsewhere."""
	if receipt.doctype != "Purchase Receipt" or receipt.get("is_return"):
		return
	for lot_name in frappe.get_all("Lot", filters={"purchase_receipt": receipt.name}, pluck="name"):
		if get_lot_on_hand(lot_name):
			continue
		lot = frappe.get_doc("Lot", lot_name)
		if lot.status != "Archived":
			lot.apply_status_change(
				"Archived", _("Receipt cancelled."), receipt.doctype, receipt.name, by_the_app=True
			)


def getdate_or_none(value):
	return getdate(value) if value else None
