"""Connections of a Lot. Receipts, stock entries and deliveries name a lot only in their bundles, and
genealogy records name it as consumed or produced: lot_control.connections counts those by name."""

from frappe import _


def get_data():
	return {
		"fieldname": "batch_no",
		"method": "lot_control.connections.get_lot_connections",
		"non_standard_fieldnames": {
			"Serial and Batch Bundle": "batch_no",
			"Quality Inspection": "batch_no",
			"Lot": "parent_lot",
			"Serialized Unit": "lot",
			"Recall": "lot",
			"Lot Trace": "lot",
			"Electronic Signature": "reference_name",
		},
		# A signature names the lot in reference_name, with reference_doctype "Lot".
		"dynamic_links": {"reference_name": ["Lot", "reference_doctype"]},
		"transactions": [
			{"label": _("Stock Movements"), "items": ["Serial and Batch Bundle"]},
			{"label": _("Documents"), "items": ["Purchase Receipt", "Stock Entry", "Delivery Note"]},
			{"label": _("Quality"), "items": ["Quality Inspection", "Recall"]},
			{"label": _("Signatures"), "items": ["Electronic Signature"]},
			{"label": _("Genealogy"), "items": ["Lot Consumption", "Lot", "Serialized Unit"]},
		],
		"reports": [{"label": _("Trace"), "items": ["Lot Trace"]}],
	}
