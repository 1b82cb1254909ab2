"""Connections of a Serialized Unit. Its code is its Serial No, which bundles name in their entries;
genealogy records name it as consumed or produced: lot_control.connections counts those by name.
Signatures on its quality decisions name it in reference_name, as the Lot's do."""

from frappe import _


def get_data():
	return {
		"fieldname": "serial_no",
		"method": "lot_control.connections.get_unit_connections",
		"non_standard_fieldnames": {
			"Serial and Batch Bundle": "serial_no",
			"Lot Trace": "unit",
			"Electronic Signature": "reference_name",
		},
		"dynamic_links": {"reference_name": ["Serialized Unit", "reference_doctype"]},
		"transactions": [
			{"label": _("Stock Movements"), "items": ["Serial and Batch Bundle"]},
			{"label": _("Signatures"), "items": ["Electronic Signature"]},
			{"label": _("Genealogy"), "items": ["Lot Consumption"]},
		],
		"reports": [{"label": _("Trace"), "items": ["Lot Trace"]}],
	}
