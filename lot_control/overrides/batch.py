"""Batch events: ERPNext's own batch creation uses the app's lot numbering, and the Lot follows its Batch."""

import frappe
from frappe.utils import nowdate

from lot_control.lot_naming import (
	next_lot_code,
	uses_erpnext_batch_naming,
)

MIRRORED_BATCH_FIELDS = ("item", "supplier", "manufacturing_date", "expiry_date")


def before_naming(doc, method=None):
	"""Batches ERPNext would name on its own (auto-created on manufacture, in a bundle) get a lot code."""
	if doc.batch_id or not doc.item:
		return
	if not frappe.get_cached_value("Item", doc.item, "create_new_batch") or uses_erpnext_batch_naming(doc.item):
		return
	doc.batch_id = next_lot_code(doc.item, doc.manufacturing_date or nowdate())


def on_update(doc, method=None):
	"""The Batch holds item, supplier and dates; the Lot shows them and filters on them. A Batch
	being inserted has no Lot yet (a Lot names an existing Batch, or makes its own before it exists)."""
	if doc.flags.in_insert or not frappe.db.exists("Lot", doc.name):
		return
	current = frappe.db.get_value("Lot", doc.name, MIRRORED_BATCH_FIELDS, as_dict=True)
	changed = {field: doc.get(field) for field in MIRRORED_BATCH_FIELDS if current.get(field) != doc.get(field)}
	if changed:
		frappe.db.set_value("Lot", doc.name, changed)


def on_trash(doc, method=None):
	"""Deleting a Batch deletes its Lot, which refuses when the lot has stock history."""
	if frappe.db.exists("Lot", doc.name):
		frappe.delete_doc("Lot", doc.name, ignore_permissions=True)
