"""Incoming inspection decides whether a quarantined lot is released or rejected."""

import frappe
from frappe import _

from lot_control.exceptions import LotStatusChangeError
from lot_control.lot_control.doctype.lot.lot import set_lot_status_by_the_app


def apply_inspection_to_lots(inspection):
	if inspection.reference_type != "Purchase Receipt" or inspection.status not in ("Accepted", "Rejected"):
		return
	if inspection.get("batch_no"):
		lots = [inspection.batch_no]
	else:
		lots = frappe.get_all(
			"Lot",
			filters={"purchase_receipt": inspection.reference_name, "item": inspection.item_code},
			pluck="name",
		)
	target = "Released" if inspection.status == "Accepted" else "Rejected"
	reason = _("Quality Inspection {0} {1}.").format(inspection.name, _(inspection.status).lower())
	for lot in lots:
		if frappe.db.get_value("Lot", lot, "status") not in ("Quarantine", "On Hold"):
			continue
		try:
			set_lot_status_by_the_app(lot, target, reason, inspection.doctype, inspection.name)
		except LotStatusChangeError:
			pass  # e.g. a required document is missing: the lot stays held and the message says why
