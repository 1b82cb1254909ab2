"""Purchase Receipt desk: its lots under Connections. Its events are those of every stock document
(lot_control.overrides.stock_movement)."""

from frappe import _


def get_dashboard_data(data):
	data.setdefault("non_standard_fieldnames", {})
	data["transactions"].append({"label": _("Lot Control"), "items": ["Lot"]})
	return data
