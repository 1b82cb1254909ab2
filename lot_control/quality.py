"""Inspection decides whether a quarantined lot is released or rejected: the incoming inspection of
a receipt, and the inspection of what a customer sent back (a Quality Inspection of the Delivery
Note or Sales Invoice return). A returned serialized unit named on the inspection follows it too."""

import frappe
from frappe import _
from frappe.utils import cint

from lot_control import units
from lot_control.exceptions import LotStatusChangeError
from lot_control.lot_events import set_lot_status_by_the_app
from lot_control.receipt_rules import UNIT_HELD_BACK
from lot_control.stock_queries import voucher_entries

RECEIPTS = ("Purchase Receipt", "Purchase Invoice")
CUSTOMER_RETURNS = ("Delivery Note", "Sales Invoice")
HELD_FOR_INSPECTION = ("Quarantine", "On Hold")


def apply_inspection_to_lots(inspection):
	if inspection.status not in ("Accepted", "Rejected"):
		return
	target = "Released" if inspection.status == "Accepted" else "Rejected"
	reason = _("Quality Inspection {0} {1}.").format(inspection.name, _(inspection.status).lower())
	for lot in inspected_lots(inspection):
		if frappe.db.get_value("Lot", lot, "status") not in HELD_FOR_INSPECTION:
			continue
		try:
			set_lot_status_by_the_app(lot, target, reason, inspection.doctype, inspection.name)
		except LotStatusChangeError:
			pass  # e.g. a required document is missing: the lot stays held and the message says why
	apply_inspection_to_unit(inspection, target, reason)


def inspected_lots(inspection) -> list[str]:
	"""The lots an inspection is about: the one it names, else every lot of its item that the
	inspected receipt brought in or the inspected return brought back."""
	if inspection.reference_type in RECEIPTS:
		if inspection.get("batch_no"):
			return [inspection.batch_no]
		received = frappe.get_all(
			"Lot",
			filters={
				"source_document_type": inspection.reference_type,
				"source_document": inspection.reference_name,
				"item": inspection.item_code,
			},
			pluck="name",
		)
		if inspection.reference_type == "Purchase Receipt":
			received += frappe.get_all(
				"Lot", filters={"purchase_receipt": inspection.reference_name, "item": inspection.item_code}, pluck="name"
			)
		return sorted(set(received))
	if inspection.reference_type in CUSTOMER_RETURNS and is_return(inspection):
		returned = {
			entry.batch_no
			for entry in voucher_entries(inspection.reference_type, inspection.reference_name)
			if entry.type_of_transaction == "Inward" and entry.batch_no and entry.item_code == inspection.item_code
		}
		if inspection.get("batch_no"):
			return [inspection.batch_no] if inspection.batch_no in returned else []
		return sorted(returned)
	return []


def is_return(inspection) -> bool:
	return bool(cint(frappe.db.get_value(inspection.reference_type, inspection.reference_name, "is_return")))


def apply_inspection_to_unit(inspection, target: str, reason: str):
	"""The serial number an inspection names is a unit: a held unit is released or rejected with it."""
	serial_no = inspection.get("item_serial_no")
	if not serial_no:
		return
	status = frappe.db.get_value(units.SERIALIZED_UNIT, serial_no, "quality_status")
	if status in UNIT_HELD_BACK and status != target:
		units.set_unit_quality_status(serial_no, target, reason, inspection.doctype, inspection.name)
