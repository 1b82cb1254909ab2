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

from lot_control import arguments, trace
from lot_control.arguments import refuse_bad_arguments
from lot_control.exceptions import InvalidArgumentError


@frappe.whitelist()
@refuse_bad_arguments
def trace_forward(lot=None, supplier=None, supplier_batch_code=None, purchase_receipt=None) -> dict:
	"""From a lot, a supplier's batch code or a receipt: every split, build, lot and unit made from
	it at any depth, every delivery (customer, document, date, quantity, units) and the stock left
	(lot, warehouse, bin, quantity, status, owner)."""
	lot = arguments.as_name(lot, "lot")
	supplier = arguments.as_name(supplier, "supplier")
	supplier_batch_code = arguments.as_name(supplier_batch_code, "supplier_batch_code")
	purchase_receipt = arguments.as_name(purchase_receipt, "purchase_receipt")
	check_can_read_start(lot=lot, purchase_receipt=purchase_receipt)
	return trace.trace_forward(lot=lot, supplier=supplier, supplier_batch_code=supplier_batch_code, purchase_receipt=purchase_receipt)


@frappe.whitelist()
@refuse_bad_arguments
def trace_backward(lot=None, unit=None) -> dict:
	"""From a lot or a serialized unit: every lot and unit inside it at any depth, with the quantity
	in it, the receipts, orders and suppliers they came from and the documents attached on the way."""
	lot = arguments.as_name(lot, "lot")
	unit = arguments.as_name(unit, "unit")
	check_can_read_start(lot=lot, unit=unit)
	return trace.trace_backward(lot=lot, unit=unit)


@frappe.whitelist()
@refuse_bad_arguments
def genealogy_graph(lot=None, unit=None) -> dict:
	"""The picture of a lot's or unit's genealogy: `nodes` (id, label, doctype, item_code, status,
	source, is_start) and `edges` (from what was used, to what was made, qty, kind), both ways."""
	lot = arguments.as_name(lot, "lot")
	unit = arguments.as_name(unit, "unit")
	if not (lot or unit):
		frappe.throw(frappe._("Give a lot or a serialized unit."), exc=InvalidArgumentError)
	check_can_read_start(lot=lot, unit=unit)
	return trace.genealogy_graph(unit or lot)


def check_can_read_start(lot=None, unit=None, purchase_receipt=None):
	"""Where a trace starts must be a record the user may read, user permissions included (a
	lot of another company is refused as ERPNext refuses its documents)."""
	frappe.has_permission("Lot", "read", throw=True)
	if unit and frappe.db.exists("Serialized Unit", unit):
		frappe.has_permission("Serialized Unit", "read", unit, throw=True)
	elif lot and frappe.db.exists("Lot", lot):
		frappe.has_permission("Lot", "read", lot, throw=True)
	if purchase_receipt and frappe.db.exists("Purchase Receipt", purchase_receipt):
		frappe.has_permission("Purchase Receipt", "read", purchase_receipt, throw=True)
