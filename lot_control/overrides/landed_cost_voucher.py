"""A Landed Cost Voucher changes what a receipt's stock cost: the lots of that receipt take the
new valuation rate, so inventory value and build cost by lot stay equal to ERPNext's. A
Subcontracting Receipt's lots follow the same way, for ERPNext versions whose Landed Cost Voucher
accepts one (this bench's v15 offers only Purchase Receipt and Purchase Invoice)."""

import frappe
from frappe.utils import flt

from lot_control.lot_events import set_lot_unit_cost_by_the_app

RECEIPT_TYPES = ("Purchase Receipt", "Purchase Invoice", "Subcontracting Receipt")


def on_submit(doc, method=None):
	update_lot_costs_of_receipts(doc)


def on_cancel(doc, method=None):
	update_lot_costs_of_receipts(doc)


def update_lot_costs_of_receipts(doc):
	receipts = {
		(row.receipt_document_type, row.receipt_document)
		for row in doc.get("purchase_receipts") or []
		if row.receipt_document_type in RECEIPT_TYPES
	}
	for doctype, name in receipts:
		for lot, unit_cost in posted_lot_rates(doctype, name).items():
			if frappe.db.exists("Lot", lot):
				set_lot_unit_cost_by_the_app(lot, flt(unit_cost), doc)


def posted_lot_rates(doctype: str, name: str) -> dict:
	"""lot -> the valuation rate ERPNext now holds for the receipt line that brought it in: the
	line's valuation rate on a purchase, the rate of the ledger entry on a subcontracting receipt
	(its line has no valuation rate of its own)."""
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	entry = frappe.qb.DocType("Serial and Batch Entry")
	if doctype == "Subcontracting Receipt":
		ledger = frappe.qb.DocType("Stock Ledger Entry")
		rate_source = ledger
		query = (
			frappe.qb.from_(bundle)
			.inner_join(entry)
			.on(entry.parent == bundle.name)
			.inner_join(ledger)
			.on((ledger.serial_and_batch_bundle == bundle.name) & (ledger.is_cancelled == 0))
			.select(entry.batch_no, rate_source.incoming_rate.as_("rate"))
		)
	else:
		line = frappe.qb.DocType(f"{doctype} Item")
		query = (
			frappe.qb.from_(bundle)
			.inner_join(entry)
			.on(entry.parent == bundle.name)
			.inner_join(line)
			.on(line.name == bundle.voucher_detail_no)
			.select(entry.batch_no, line.valuation_rate.as_("rate"))
		)
	rows = query.where(
		(bundle.voucher_type == doctype)
		& (bundle.voucher_no == name)
		& (bundle.docstatus == 1)
		& (bundle.is_cancelled == 0)
		& (bundle.type_of_transaction == "Inward")
		& entry.batch_no.isnotnull()
	).run(as_dict=True)
	# What a subcontractor delivered rejected comes in at no value: it is not the lot's rate.
	return {
		row.batch_no: row.rate for row in rows if doctype != "Subcontracting Receipt" or flt(row.rate) > 0
	}
