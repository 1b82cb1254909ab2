"""A Landed Cost Voucher changes what a receipt's stock cost: the lots of that receipt take the
new valuation rate, so inventory value and build cost by lot stay equal to ERPNext's."""

import frappe
from frappe.utils import flt


def on_submit(doc, method=None):
	update_lot_costs_of_receipts(doc)


def on_cancel(doc, method=None):
	update_lot_costs_of_receipts(doc)


def update_lot_costs_of_receipts(doc):
	receipts = {
		(row.receipt_document_type, row.receipt_document)
		for row in doc.get("purchase_receipts") or []
		if row.receipt_document_type in ("Purchase Receipt", "Purchase Invoice")
	}
	for doctype, name in receipts:
		bundle = frappe.qb.DocType("Serial and Batch Bundle")
		entry = frappe.qb.DocType("Serial and Batch Entry")
		line = frappe.qb.DocType(f"{doctype} Item")
		rates = (
			frappe.qb.from_(bundle)
			.inner_join(entry)
			.on(entry.parent == bundle.name)
			.inner_join(line)
			.on(line.name == bundle.voucher_detail_no)
			.select(entry.batch_no, line.valuation_rate)
			.where(
				(bundle.voucher_type == doctype)
				& (bundle.voucher_no == name)
				& (bundle.docstatus == 1)
				& (bundle.is_cancelled == 0)
				& (bundle.type_of_transaction == "Inward")
				& entry.batch_no.isnotnull()
			)
		).run(as_dict=True)
		for row in rates:
			if frappe.db.exists("Lot", row.batch_no):
				frappe.db.set_value("Lot", row.batch_no, "unit_cost", flt(row.valuation_rate), update_modified=False)
