"""Connections of a Serialized Unit. Its code is its Serial No, which bundles name in their entries;
genealogy records name it as consumed or produced: lot_control.connections counts those by name."""

from frappe import _


def get_data():
	return {
		"fieldname": "serial_no",
		"method": "lot_control.connections.get_unit_connections",
		"non_standard_fieldnames": {
			"Serial and Batch Bundle": "serial_no",
			"Lot Trace": "unit",
		},
		"transactions": [
			{"label": _("Stock Movements"), "items": ["Serial and Batch Bundle"]},
			{"label": _("Genealogy"), "items": ["Lot Consumption"]},
		],
		"reports": [{"label": _("Trace"), "items": ["Lot Trace"]}],
	}
