"""Splitting a lot: cut tape from a reel. Part of a lot moves into a new child lot through a real
Stock Entry (a Repack from the parent's batch into the child's), so the ledger stays true; the
child keeps its parent's cost, dates, source, owner, status and documents, and links back to it."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import flt, nowdate, nowtime

from lot_control import arguments
from lot_control.arguments import refuse_bad_arguments
from lot_control.exceptions import InvalidLotNumberError, LotShortageError, LotStatusChangeError
from lot_control.lot_numbering import lot_code_problem
from lot_control.stock_queries import get_lot_locations

UNSPLITTABLE_STATUSES = ("Archived", "Consumed", "Rejected")
INHERITED_FIELDS = (
	"company",
	"supplier",
	"supplier_batch_code",
	"received_date",
	"purchase_receipt",
	"purchase_order",
	"work_order",
	"stock_entry",
	"unit_cost",
	"stock_owner",
	"consignment_customer",
	"status",
	"notes",
)


@frappe.whitelist()
@refuse_bad_arguments
def split_lot(
	lot=None,
	qty=None,
	warehouse=None,
	target_warehouse=None,
	storage_bin=None,
	new_lot=None,
) -> dict:
	"""Move qty of a lot out of warehouse (the one it is in, if only one) into a new child lot in
	target_warehouse (the same by default). Returns the child lot and the Stock Entry."""
	lot = arguments.as_name(lot, "lot", required=True)
	parent = frappe.get_doc("Lot", lot)
	parent.check_permission("write")
	frappe.has_permission("Stock Entry", "create", throw=True)
	try:
		qty = arguments.as_quantity(qty, "qty")
	except arguments.ArgumentError as error:
		raise arguments.ArgumentError(f"Lot {parent.name} of item {parent.item} cannot be split: {error}") from None
	warehouse = arguments.as_name(warehouse, "warehouse") or only_location(parent)
	target_warehouse = arguments.as_name(target_warehouse, "target_warehouse")
	storage_bin = arguments.as_name(storage_bin, "storage_bin")
	new_lot = arguments.as_name(new_lot, "new_lot")
	check_splittable(parent, qty, warehouse)
	if new_lot and lot_code_problem(new_lot):
		frappe.throw(
			_("The part split from lot {0} of item {1} cannot be numbered {2}: {3}.").format(
				frappe.bold(parent.name), frappe.bold(parent.item), frappe.bold(repr(new_lot)), lot_code_problem(new_lot)
			),
			exc=InvalidLotNumberError,
			title=_("Invalid Lot Number"),
		)
	child_code = new_lot or next_child_code(parent)
	if frappe.db.exists("Batch", child_code):
		frappe.throw(
			_("Lot number {0} is already used; give another for the part split from lot {1} of item {2}.").format(
				frappe.bold(child_code), frappe.bold(parent.name), frappe.bold(parent.item)
			)
		)
	batch = frappe.get_doc("Batch", parent.batch)
	child_batch = frappe.get_doc(
		{
			"doctype": "Batch",
			"batch_id": child_code,
			"item": batch.item,
			"supplier": batch.supplier,
			"manufacturing_date": batch.manufacturing_date,
			"expiry_date": batch.expiry_date,
			"reference_doctype": "Lot",
			"reference_name": parent.name,
			"description": _("Split from lot {0}").format(parent.name),
		}
	)
	child_batch.flags.ignore_permissions = True
	child_batch.insert()

	stock_uom = frappe.get_cached_value("Item", batch.item, "stock_uom")
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Repack",
			"purpose": "Repack",
			"company": parent.company or frappe.db.get_value("Warehouse", warehouse, "company"),
			"posting_date": nowdate(),
			"posting_time": nowtime(),
			"lot_split_from": parent.name,
			"remarks": _("Split {0} of lot {1} into lot {2}").format(qty, parent.name, child_code),
			"items": [
				{
					"item_code": batch.item,
					"s_warehouse": warehouse,
					"qty": qty,
					"uom": stock_uom,
					"conversion_factor": 1,
					"batch_no": parent.batch,
					"use_serial_batch_fields": 1,
				},
				{
					"item_code": batch.item,
					"t_warehouse": target_warehouse or warehouse,
					"qty": qty,
					"uom": stock_uom,
					"conversion_factor": 1,
					"batch_no": child_code,
					"use_serial_batch_fields": 1,
					"set_basic_rate_manually": 0,
				},
			],
		}
	)
	entry.flags.lot_split_storage_bin = storage_bin
	entry.insert()
	entry.submit()
	if storage_bin:
		frappe.db.set_value("Lot", child_code, "storage_bin", storage_bin)
	return {"lot": child_code, "stock_entry": entry.name}


def only_location(parent) -> str:
	locations = get_lot_locations(parent.name)
	if len(locations) == 1:
		return locations[0].warehouse
	if not locations:
		frappe.throw(
			_("Lot {0} of item {1} has no stock to split.").format(frappe.bold(parent.name), frappe.bold(parent.item)),
			exc=LotShortageError,
		)
	frappe.throw(
		_("Lot {0} of item {1} is in several warehouses ({2}); choose the one to split from.").format(
			frappe.bold(parent.name), frappe.bold(parent.item), ", ".join(row.warehouse for row in locations)
		)
	)


def check_splittable(parent, qty: float, warehouse: str):
	if parent.status in UNSPLITTABLE_STATUSES:
		frappe.throw(
			_("Lot {0} of item {1} is {2} and cannot be split.").format(
				frappe.bold(parent.name), frappe.bold(parent.item), _(parent.status)
			),
			exc=LotStatusChangeError,
			title=_("Lot Cannot Be Split"),
		)
	on_hand = sum(flt(row.qty) for row in get_lot_locations(parent.name) if row.warehouse == warehouse)
	if qty <= 0 or flt(qty, 6) >= flt(on_hand, 6):
		frappe.throw(
			_(
				"Lot {0} of item {1} has {2} in {3}; a split must take more than 0 and less than all of it (asked: {4})."
			).format(frappe.bold(parent.name), frappe.bold(parent.item), flt(on_hand, 6), warehouse, flt(qty, 6)),
			exc=LotShortageError,
			title=_("Lot Cannot Be Split"),
		)


def next_child_code(parent) -> str:
	"""Children are named after their parent, -1, -2, ..., so a label shows where a piece came from."""
	number = frappe.db.count("Lot", {"parent_lot": parent.name}) + 1
	while frappe.db.exists("Batch", f"{parent.name}-{number}"):
		number += 1
	return f"{parent.name}-{number}"


def make_child_lot(entry, child_code: str, qty: float):
	"""Called when the split entry is submitted: the child Lot, a copy of its parent's facts."""
	parent = frappe.get_doc("Lot", entry.lot_split_from)
	target = next((row.t_warehouse for row in entry.items if row.get("t_warehouse")), None)
	if frappe.db.exists("Lot", child_code):
		child = frappe.get_doc("Lot", child_code)
		if child.status == "Archived":
			child.apply_status_change(parent.status, _("Split again from lot {0}.").format(parent.name), entry.doctype, entry.name, by_the_app=True)
		return
	child = frappe.get_doc(
		{
			"doctype": "Lot",
			"batch": child_code,
			"parent_lot": parent.name,
			"warehouse": target,
			"storage_bin": entry.flags.get("lot_split_storage_bin") or parent.storage_bin,
			**{field: parent.get(field) for field in INHERITED_FIELDS},
		}
	)
	for document in parent.documents:
		child.append(
			"documents",
			{
				"document_type": document.document_type,
				"document_date": document.document_date,
				"reference": document.reference or parent.name,
				"file": document.file,
			},
		)
	reason = _("Split {0} from lot {1}.").format(flt(qty, 6), parent.name)
	child.add_history("Split", None, child.status, reason, entry.doctype, entry.name, qty)
	child.flags.ignore_permissions = True
	child.insert()
	parent.add_history("Split", parent.status, parent.status, _("{0} split into lot {1}.").format(flt(qty, 6), child_code), entry.doctype, entry.name, qty)
	parent.flags.ignore_permissions = True
	parent.flags.status_change_checked = True
	parent.save()
