"""Work Order desk and events: its lots, serialized units and genealogy under Connections (each names
the Work Order in its own `work_order` field, the dashboard's standard fieldname), and a warning
when Use Multi-Level BOM would skip a level of the genealogy."""

from frappe import _

from lot_control.work_orders import warn_exploded_sub_assemblies


def get_dashboard_data(data):
	data["transactions"].append(
		{"label": _("Lot Control"), "items": ["Lot", "Serialized Unit", "Lot Consumption"]}
	)
	return data


def validate(doc, method=None):
	warn_exploded_sub_assemblies(doc)
