"""Purchase Receipt desk: its lots under Connections. Its events are those of every stock document
(lot_control.overrides.stock_movement)."""

from frappe import _


def get_dashboard_data(data):
	"""A lot names its receipt in `purchase_receipt` (ERPNext's dashboard links by
	`purchase_receipt_no`, which a Lot does not have)."""
	data.setdefault("non_standard_fieldnames", {})["Lot"] = "purchase_receipt"
	data["transactions"].append({"label": _("Lot Control"), "items": ["Lot"]})
	return data
