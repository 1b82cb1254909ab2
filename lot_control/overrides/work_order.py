"""Work Order desk: its lots and serialized units under Connections."""

from frappe import _


def get_dashboard_data(data):
	data["transactions"].append({"label": _("Lot Control"), "items": ["Lot", "Serialized Unit", "Lot Consumption"]})
	return data
