"""Documented, whitelisted API of Lot Control.

    GET /api/method/lot_control.api.trace_forward?lot=L2611-0001
    GET /api/method/lot_control.api.trace_forward?supplier=Acme&supplier_batch_code=DC2544
    GET /api/method/lot_control.api.trace_forward?purchase_receipt=MAT-PRE-2026-00012
    GET /api/method/lot_control.api.trace_backward?unit=49SJ3A56YF654
    GET /api/method/lot_control.api.trace_backward?lot=L2611-0001

The answers are those of lot_control.trace. A user needs read permission on Lot to trace; what
their roles do not let them read (units, deliveries, receipts) is left out and named in
`restricted`.
"""

import frappe

from lot_control import trace


@frappe.whitelist()
def trace_forward(lot=None, supplier=None, supplier_batch_code=None, purchase_receipt=None) -> dict:
	"""From a lot, a supplier's batch code or a receipt: every split, build, lot and unit made from
	it at any depth, every delivery (customer, document, date, quantity, units) and the stock left
	(lot, warehouse, bin, quantity, status, owner)."""
	return trace.trace_forward(lot=lot, supplier=supplier, supplier_batch_code=supplier_batch_code, purchase_receipt=purchase_receipt)


@frappe.whitelist()
def trace_backward(lot=None, unit=None) -> dict:
	"""From a lot or a serialized unit: every lot and unit inside it at any depth, with the quantity
	in it, the receipts, orders and suppliers they came from and the documents attached on the way."""
	return trace.trace_backward(lot=lot, unit=unit)
