"""Lots on receipt: every accepted line of a lot-controlled item leaves the receipt with its lot.

Receipts are Purchase Receipts, Purchase Invoices with Update Stock, Material Receipts and Stock
Reconciliations (opening stock, or a count that finds a batch). A customer's return (a Delivery Note
or Sales Invoice return) brings lots and units back: by default they wait in Quarantine. Every
function here returns at once for the voucher types it does not concern.
"""

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from lot_control import lot_status, units
from lot_control.exceptions import (
	InvalidLotNumberError,
	LotDatesError,
	LotNumberTakenError,
	LotQuantityMismatchError,
)
from lot_control.lot_events import insert_lots_made_by_the_app
from lot_control.lot_naming import next_lot_code
from lot_control.lot_numbering import lot_code_problem
from lot_control.receipt_rules import (
	count_changes,
	expiry_from_shelf_life,
	expiry_precedes_manufacture,
	lot_quantities_match,
	status_after_customer_return,
	status_before_cancelled_return,
)
from lot_control.stock_queries import get_bundle_lot_quantities, get_lot_on_hand, voucher_entries

RECEIPT_VOUCHERS = ("Purchase Receipt", "Purchase Invoice", "Stock Entry", "Stock Reconciliation")
CUSTOMER_RETURN_VOUCHERS = ("Delivery Note", "Sales Invoice")
STOCK_COUNT = "Stock Reconciliation"


def lot_controlled_items(item_codes) -> dict:
	"""Batch-tracked items among the given codes, with what lot creation needs, in one query."""
	item_codes = list({code for code in item_codes if code})
	if not item_codes:
		return {}
	rows = frappe.db.sql(
		"""
		select name, shelf_life_in_days, has_serial_no, stock_uom from `tabItem`
		where name in %(codes)s and has_batch_no = 1
		""",
		{"codes": item_codes},
		as_dict=True,
	)
	return {row.name: row for row in rows}


def lot_rows(receipt):
	"""Lines that receive a lot-controlled item into stock: Purchase Receipt and Invoice lines (returns
	draw existing lots), the lines of a Material Receipt Stock Entry, and every line of a Stock
	Reconciliation (a count may bring in a lot, or change one)."""
	if receipt.doctype not in RECEIPT_VOUCHERS or receipt.get("is_return"):
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
		# A count's bundle is its counted quantity: ERPNext takes the line's quantity from it.
		if row.serial_and_batch_bundle and flt(row.qty) and receipt.doctype != STOCK_COUNT:
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
	refuse_unusable_lot_number(row.lot_number, _("Row {0}: item {1}").format(row.idx, frappe.bold(row.item_code)))
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


def refuse_unusable_lot_number(code: str, where: str):
	"""A lot number typed by a person must print, scan and survive a URL (lot_numbering.lot_code_problem)."""
	problem = lot_code_problem(code)
	if problem:
		frappe.throw(
			_("{0}: lot number {1} cannot be used: {2}.").format(where, frappe.bold(repr(code)), problem),
			exc=InvalidLotNumberError,
			title=_("Invalid Lot Number"),
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
		if receipt.doctype == STOCK_COUNT and (row.get("reconcile_all_serial_batch") or not row.get("use_serial_batch_fields")):
			continue  # a count of every batch on the shelf, or one ERPNext refused without a bundle
		code = row.get("lot_number") or lots_of_amended.get((row.idx, row.item_code))
		if not (code and (code in created or code in lots_of_amended.values())):
			code = create_lot_batch(receipt, row, item)
			created[code] = row.item_code
		row.batch_no = code
		row.use_serial_batch_fields = 1
		attach_inward_bundle(receipt, row)


# Voucher types whose on_submit makes a draft bundle of each line's batch_no before posting
# (make_bundle_using_old_serial_batch_fields), and reads nothing of it but its total until then. Not
# a Stock Entry: for a build's one produced lot, the app's draft cost 7 statements more than ERPNext's.
BUNDLED_ON_SUBMIT = frozenset({"Purchase Receipt", "Purchase Invoice"})


def attach_inward_bundle(doc, row):
	"""The line's draft bundle of the new lot the app just gave it, as ERPNext's on_submit would make
	it from batch_no (make_bundle_using_old_serial_batch_fields, with ERPNext's own
	update_bundle_details), but saved without the bundle's validation: ERPNext validates it in full
	when it submits it while posting, in the same transaction, as it does a bundle it makes itself.
	Made by ERPNext, the draft was validated twice. Not for a line with rejected quantity (its second
	bundle is ERPNext's to make from the same batch_no), nor an internal transfer, nor outside the
	submit of a saved draft."""
	from erpnext.stock.serial_batch_bundle import SerialBatchCreation

	if doc.doctype not in BUNDLED_ON_SUBMIT or doc.docstatus != 1 or doc.is_new():
		return  # inserted and submitted in one save (REST, Data Import): not written yet to link to
	if flt(row.get("rejected_qty")) or doc.is_internal_transfer():
		return
	if frappe.flags.in_test and frappe.flags.use_serial_and_batch_fields:
		return  # ERPNext's tests of the old batch fields: ERPNext makes no draft either
	details = {
		"item_code": row.item_code,
		"posting_date": doc.posting_date,
		"posting_time": doc.posting_time,
		"voucher_type": doc.doctype,
		"voucher_no": doc.name,
		"voucher_detail_no": row.name,
		"company": doc.company,
		"is_rejected": 0,
		"use_serial_batch_fields": 1,
		"do_not_submit": True,
		"ignore_sabb_validation": True,
	}
	doc.update_bundle_details(details, "items", row)
	# What the bundle's validation would have totalled: ERPNext checks it against the ledger's
	# quantity before it submits the bundle (and then totals it again).
	details["total_qty"] = details["qty"]
	bundle = SerialBatchCreation(details).make_serial_and_batch_bundle()
	row.serial_and_batch_bundle = bundle.name


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
	expiry_date = getdate_or_none(row.get("lot_expiry_date"))
	if not expiry_date and item.shelf_life_in_days:
		# ERPNext's own rule: with no dates given, shelf life counts from the receipt, which then
		# stands as the manufacturing date. An expiry given without one leaves it unknown.
		manufacturing_date = manufacturing_date or getdate(receipt.posting_date)
		expiry_date = expiry_from_shelf_life(manufacturing_date, item.shelf_life_in_days)
	code = row.get("lot_number") or next_lot_code(row.item_code, receipt.posting_date, row.get("supplier_batch_code"))
	batch = frappe.get_doc(
		{
			"doctype": "Batch",
			"batch_id": code,
			"item": row.item_code,
			"manufacturing_date": manufacturing_date,
			"expiry_date": expiry_date,
			"supplier": receipt.get("supplier"),
			**batch_reference(receipt),
			"description": row.get("lot_notes"),
		}
	)
	if not manufacturing_date:
		# Unknown stays empty: the Batch's default (today) would claim it was made on the receipt date.
		batch.dont_update_if_missing.append("manufacturing_date")
	batch.flags.ignore_permissions = True
	batch.insert()
	return batch.name


def batch_reference(voucher) -> dict:
	"""The voucher a new Batch names as its reference. A voucher inserted and submitted in one save
	(REST, Data Import) is not written yet when its lots are made, and the link would be refused:
	then the reference is set once it is posted (fill_missing_batch_facts, fill_batch_reference)."""
	if voucher.is_new():
		voucher.flags.batch_reference_pending = True
		return {}
	return {"reference_doctype": voucher.doctype, "reference_name": voucher.name}


def fill_batch_reference(voucher, batch_no: str):
	"""The reference batch_reference left out, once the voucher is written."""
	if not voucher.flags.batch_reference_pending:
		return
	frappe.db.sql(
		"""
		update `tabBatch` set reference_doctype = %(doctype)s, reference_name = %(name)s
		where name = %(batch)s and ifnull(reference_name, '') = ''
		""",
		{"doctype": voucher.doctype, "name": voucher.name, "batch": batch_no},
	)


def record_received_lots(receipt):
	"""After ERPNext has posted the stock: one Lot per Batch received, with where it came from; a
	count's changes to existing lots in their history; a customer's return held back."""
	if is_customer_return(receipt):
		hold_customer_return(receipt)
		return
	if receipt.doctype == STOCK_COUNT:
		record_counted_lots(receipt)
		return
	rows = [row for row, _item in lot_rows(receipt) if flt(row.qty)]
	if not rows:
		return
	batches_by_row = received_batches(receipt)
	lots = [batch_no for row in rows for batch_no in batches_by_row.get(row.name, [])]
	facts = received_batch_facts(lots)
	existing = set(frappe.get_all("Lot", filters={"name": ("in", lots or [""])}, pluck="name"))
	quarantined = quarantining_items({row.item_code for row in rows})
	made = {}
	for row in rows:
		for batch_no in batches_by_row.get(row.name, []):
			upsert_lot(receipt, row, batch_no, facts.get(batch_no), batch_no in existing, quarantined, made)
	insert_lots_made_by_the_app(list(made.values()))


def received_batches(receipt) -> dict[str, list[str]]:
	"""The lots ERPNext posted into stock for each line, read from its submitted inward bundles in
	one query: row name -> lots, in bundle order."""
	batches_by_row = defaultdict(list)
	for row_name, batch_no in frappe.db.sql(
		"""
		select bundle.voucher_detail_no, entry.batch_no
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s
			and bundle.docstatus = 1 and bundle.is_cancelled = 0
			and bundle.type_of_transaction = 'Inward' and bundle.is_rejected = 0 and entry.batch_no is not null
		group by bundle.voucher_detail_no, entry.batch_no
		order by bundle.voucher_detail_no, min(entry.idx)
		""",
		{"doctype": receipt.doctype, "name": receipt.name},
	):
		batches_by_row[row_name].append(batch_no)
	return batches_by_row


BATCH_FACTS = ("name", "supplier", "manufacturing_date", "expiry_date", "reference_name")


def received_batch_facts(lots: list[str]) -> dict:
	"""What the Batches of received lots already say, in one query."""
	if not lots:
		return {}
	return {
		batch.name: batch
		for batch in frappe.get_all("Batch", filters={"name": ("in", lots)}, fields=list(BATCH_FACTS))
	}


def upsert_lot(
	receipt, row, batch_no: str, batch=None, lot_exists: bool | None = None, quarantined=None, made=None
):
	"""The Lot of a batch received on a row: made, or (an amended receipt, stock received again)
	brought up to date. The batch's facts and whether its Lot exists may be read beforehand for
	the whole receipt; `quarantined` keeps each item's quarantine setting for the receipt. With
	`made` (batch -> Lot), a new Lot is collected there, to be inserted with the receipt's others."""
	if batch is None:
		batch = frappe.db.get_value("Batch", batch_no, list(BATCH_FACTS[1:]), as_dict=True)
	fill_missing_batch_facts(receipt, row, batch_no, batch)

	if made is not None and batch_no in made:
		return  # a second line receiving the same lot: made by the first
	if lot_exists if lot_exists is not None else frappe.db.exists("Lot", batch_no):
		lot = frappe.get_doc("Lot", batch_no)
		if receipt.get("amended_from") and lot.purchase_receipt == receipt.amended_from:
			lot.db_set(
				{
					"purchase_receipt": receipt.name,
					"source_document_type": receipt.doctype,
					"source_document": receipt.name,
					"received_date": receipt.posting_date,
					"unit_cost": row.valuation_rate,
				}
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
			"source_document_type": receipt.doctype,
			"source_document": receipt.name,
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
	lot.status, reason = initial_lot_status(row, quarantined)
	if not reason and receipt.doctype == STOCK_COUNT:
		reason = _("Opening stock.") if receipt.get("purpose") == "Opening Stock" else _("Found in a stock count.")
	lot.add_history("Status Change", None, lot.status, reason, receipt.doctype, receipt.name)
	lot.flags.ignore_permissions = True
	if made is None:
		insert_lots_made_by_the_app([lot])
	else:
		made[batch_no] = lot


def initial_lot_status(row, quarantined: dict | None = None) -> tuple[str, str | None]:
	"""A submitted inspection decides; otherwise items set to wait for incoming inspection arrive in Quarantine."""
	if row.get("quality_inspection"):
		inspection = frappe.db.get_value(
			"Quality Inspection", row.quality_inspection, ["status", "docstatus"], as_dict=True
		)
		if inspection and inspection.docstatus == 1:
			if inspection.status == "Accepted":
				return "Released", _("Quality Inspection {0} accepted.").format(row.quality_inspection)
			return "Rejected", _("Quality Inspection {0} rejected.").format(row.quality_inspection)
	if quarantined is None:
		quarantined = {}
	if row.item_code not in quarantined:
		quarantined[row.item_code] = quarantines_on_receipt(row.item_code)
	if quarantined[row.item_code]:
		return "Quarantine", _("Awaiting incoming inspection.")
	return "Released", None


def quarantining_items(item_codes) -> dict:
	"""item -> whether its lots arrive in Quarantine (quarantines_on_receipt), for all the items of
	a voucher: their own setting from the cache, their groups' in one nested-set query."""
	item_codes = sorted({code for code in item_codes if code})
	own = {code: bool(frappe.get_cached_value("Item", code, "quarantine_lots_on_receipt")) for code in item_codes}
	group_of = {code: frappe.get_cached_value("Item", code, "item_group") for code in item_codes if not own[code]}
	groups = sorted({group for group in group_of.values() if group})
	held_groups = set()
	if groups:
		held_groups = set(
			frappe.db.sql_list(
				"""
				select distinct item_group.name
				from `tabItem Group` item_group
				inner join `tabItem Group` ancestor on ancestor.lft <= item_group.lft and ancestor.rgt >= item_group.rgt
				where item_group.name in %(item_groups)s and ancestor.quarantine_lots_on_receipt = 1
				""",
				{"item_groups": groups},
			)
		)
	return {code: own[code] or group_of.get(code) in held_groups for code in item_codes}


def quarantines_on_receipt(item_code: str) -> bool:
	"""The item's own setting, or that of its item group or any group above it (one nested-set query)."""
	if frappe.get_cached_value("Item", item_code, "quarantine_lots_on_receipt"):
		return True
	item_group = frappe.get_cached_value("Item", item_code, "item_group")
	if not item_group:
		return False
	return bool(
		frappe.db.sql(
			"""
			select ancestor.name
			from `tabItem Group` item_group
			inner join `tabItem Group` ancestor on ancestor.lft <= item_group.lft and ancestor.rgt >= item_group.rgt
			where item_group.name = %(item_group)s and ancestor.quarantine_lots_on_receipt = 1
			limit 1
			""",
			{"item_group": item_group},
		)
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
		batch.update(missing)  # a later line of the same receipt sees them filled


def archive_lots_of_cancelled_receipt(receipt):
	"""A cancelled receipt's lots hold nothing any more: archive those that have no stock elsewhere.
	A cancelled count takes its changes out of the lots' history; a cancelled customer return gives
	its lots and units back the status they had, if nothing else changed it since."""
	if is_customer_return(receipt):
		undo_customer_return(receipt)
		return
	if receipt.doctype not in RECEIPT_VOUCHERS or receipt.get("is_return"):
		return
	if receipt.doctype == STOCK_COUNT:
		reverse_count_events(receipt)
	for lot_name in lots_received_by(receipt):
		if get_lot_on_hand(lot_name):
			continue
		lot = frappe.get_doc("Lot", lot_name)
		if lot.status != "Archived":
			lot.apply_status_change(
				"Archived", _("Receipt cancelled."), receipt.doctype, receipt.name, by_the_app=True
			)


def lots_received_by(receipt) -> list[str]:
	"""Lots a receipt brought in; a Purchase Receipt's lots from before the source was recorded too."""
	names = set(
		frappe.get_all(
			"Lot", filters={"source_document_type": receipt.doctype, "source_document": receipt.name}, pluck="name"
		)
	)
	if receipt.doctype == "Purchase Receipt":
		names.update(frappe.get_all("Lot", filters={"purchase_receipt": receipt.name}, pluck="name"))
	return sorted(names)


def getdate_or_none(value):
	return getdate(value) if value else None


# Opening stock and counts ---------------------------------------------------------------------


def record_counted_lots(count):
	"""A Stock Reconciliation takes each counted lot out at its old quantity and puts it back at the
	counted one. A batch it brings in that has no Lot yet becomes one (the count is its source, with
	the valuation rate entered); a lot it changes gets the change in its history. Lowering a lot is
	an adjustment, not a use."""
	counted = defaultdict(lambda: (defaultdict(float), defaultdict(float)))
	for entry in voucher_entries(count.doctype, count.name):
		if not entry.batch_no:
			continue
		before, after = counted[entry.voucher_detail_no]
		(before if entry.type_of_transaction == "Outward" else after)[entry.batch_no] += abs(flt(entry.qty))
	rows = lot_rows(count)
	lots = {lot for before, after in counted.values() for lot in (*before, *after)}
	known = set(frappe.get_all("Lot", filters={"name": ("in", list(lots) or [""])}, pluck="name"))
	for row, _item in rows:
		before, after = counted.get(row.name, ({}, {}))
		for batch_no, qty in after.items():
			if flt(qty, 6) > 0:
				upsert_lot(count, row, batch_no)
		for lot, change in count_changes(before, after).items():
			if lot in known:
				record_count_event(
					lot,
					change,
					_("Counted {0} in {1} (was {2}).").format(
						flt(after.get(lot, 0), 6), row.warehouse, flt(before.get(lot, 0), 6)
					),
					count,
				)


def record_count_event(lot_name: str, change: float, reason: str, count):
	from lot_control.lot_events import record_lot_event

	record_lot_event(lot_name, "Stock Count", reason, count.doctype, count.name, change)


def reverse_count_events(count):
	"""A cancelled count's changes leave the lots' history as a line of their own, never rewritten."""
	history = frappe.get_all(
		"Lot History",
		filters={
			"parenttype": "Lot",
			"event": "Stock Count",
			"reference_doctype": count.doctype,
			"reference_name": count.name,
		},
		fields=["parent", "qty"],
		order_by="parent, idx",
	)
	for row in history:
		record_count_event(
			row.parent, -flt(row.qty), _("Stock Reconciliation {0} cancelled.").format(count.name), count
		)


# Customer returns -----------------------------------------------------------------------------


def is_customer_return(doc) -> bool:
	"""A Delivery Note return, or a Sales Invoice return that updates stock (POS returns included)."""
	if doc.doctype not in CUSTOMER_RETURN_VOUCHERS or not cint(doc.get("is_return")):
		return False
	if doc.get("is_internal_customer"):
		return False  # a transfer between the company's own locations coming back, not a customer's return
	return doc.doctype != "Sales Invoice" or bool(cint(doc.get("update_stock")))


def quarantine_customer_returns_enabled() -> bool:
	return bool(cint(frappe.db.get_single_value("Lot Control Settings", "quarantine_customer_returns")))


def hold_customer_return(doc):
	"""Every lot a customer sent back goes (whole) to Quarantine, and every unit too, with the return
	in their history, until a Quality Inspection or a Lot Quality Manager releases them."""
	quarantine = quarantine_customer_returns_enabled()
	returned_qty, returned_to, serial_nos = defaultdict(float), defaultdict(set), []
	for entry in voucher_entries(doc.doctype, doc.name):
		if entry.type_of_transaction != "Inward":
			continue
		if entry.batch_no:
			returned_qty[entry.batch_no] += abs(flt(entry.qty))
			returned_to[entry.batch_no].add(entry.warehouse)
		if entry.serial_no:
			serial_nos.append(entry.serial_no)
	lots = frappe.get_all("Lot", filters={"name": ("in", list(returned_qty) or [""])}, pluck="name", order_by="name")
	for lot_name in lots:
		hold_returned_lot(doc, lot_name, flt(returned_qty[lot_name], 6), sorted(returned_to[lot_name]), quarantine)
	held_units = frappe.get_all(
		units.SERIALIZED_UNIT, filters={"name": ("in", serial_nos or [""]), "quality_status": "Released"}, pluck="name"
	)
	if quarantine and held_units:
		# The unit's "Returned" line first, then its quarantine (a second refresh finds nothing new).
		units.refresh_units_of(doc)
		reason = _("Returned by customer {0}.").format(doc.customer)
		for unit in held_units:
			units.set_unit_quality_status(unit, "Quarantine", reason, doc.doctype, doc.name)


def hold_returned_lot(doc, lot_name: str, qty: float, warehouses: list[str], quarantine: bool):
	lot = frappe.get_doc("Lot", lot_name)
	on_hand = get_lot_on_hand(lot_name)
	target = status_after_customer_return(lot.status, quarantine, on_hand > 0)
	reason = _("Returned by customer {0}: {1} into {2}.").format(doc.customer, qty, ", ".join(warehouses))
	if target != lot.status:
		try:
			lot_status.check_status_change(lot.status, target, reason=reason, has_quality_role=True, by_the_app=True)
		except lot_status.StatusChangeRefused:
			target = lot.status
	if target == "Quarantine" and flt(on_hand - qty, 6) > 0:
		reason += " " + _(
			"The whole lot is held, {0} not returned included: the returned stock cannot be told apart from the rest."
		).format(flt(on_hand - qty, 6))
	lot.add_history("Customer Return", lot.status, target, reason, doc.doctype, doc.name, qty)
	lot.status = target
	lot.flags.status_change_checked = True
	lot.flags.ignore_permissions = True
	lot.save()


def undo_customer_return(doc):
	"""The return is cancelled: each lot and unit it put in Quarantine goes back to the status it had,
	unless something changed it since (then it stays, and the history says so). Going back is an
	undo of the app's own change, recorded as such, not a new decision."""
	reason = _("Customer return {0} cancelled.").format(doc.name)
	events = frappe.get_all(
		"Lot History",
		filters={
			"parenttype": "Lot",
			"event": "Customer Return",
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"qty": (">", 0),
		},
		fields=["parent", "idx", "from_status", "to_status", "qty"],
		order_by="parent, idx",
	)
	for event in events:
		lot = frappe.get_doc("Lot", event.parent)
		later_changes = sum(
			1 for row in lot.history if row.idx > event.idx and (row.from_status or None) != (row.to_status or None)
		)
		previous = status_before_cancelled_return(lot.status, event, later_changes)
		if previous in ("Released", "Consumed"):
			previous = "Released" if get_lot_on_hand(lot.name) > 0 else "Consumed"
		note = reason
		if not previous and event.from_status != event.to_status:
			note += " " + _("The lot stays {0}: its status changed since the return.").format(_(lot.status))
		lot.add_history("Customer Return", lot.status, previous or lot.status, note, doc.doctype, doc.name, -flt(event.qty))
		lot.status = previous or lot.status
		lot.flags.status_change_checked = True
		lot.flags.ignore_permissions = True
		lot.save()
	units.undo_unit_quality_changes_of(doc, reason)
