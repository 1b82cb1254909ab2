"""Documented, whitelisted API of Lot Control.

    GET /api/method/lot_control.api.trace_forward?lot=L2611-0001
    GET /api/method/lot_control.api.trace_forward?supplier=Acme&supplier_batch_code=DC2544
    GET /api/method/lot_control.api.trace_forward?purchase_receipt=MAT-PRE-2026-00012
    GET /api/method/lot_control.api.trace_backward?unit=49SJ3A56YF654
    GET /api/method/lot_control.api.trace_backward?lot=L2611-0001

    POST /api/method/lot_control.api.traceability_spreadsheet  recall=RCL-2026-00003&format=csv
    GET /api/method/lot_control.api.traceability_spreadsheet?items=["LETTUCE"]&from_date=2026-11-01&to_date=2026-11-30

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


SPREADSHEET_FORMATS = ("xlsx", "csv")


@frappe.whitelist()
@refuse_bad_arguments
def traceability_spreadsheet(lots=None, items=None, from_date=None, to_date=None, recall=None, format="xlsx"):
	"""The FSMA 204 electronic sortable spreadsheet (21 CFR 1.1455(c)(3)(ii)), downloaded as XLSX or
	CSV: one row per Critical Tracking Event (Receiving, Transformation, Shipping) with its Key Data
	Elements, for the lots of a recall's trace, for given lots, or for every lot of given items,
	optionally between two posting dates. Only lots the user may read are listed; naming one they
	may not read is refused."""
	from frappe.utils import nowdate
	from frappe.utils.xlsxutils import make_xlsx

	from lot_control import fsma, recall_evidence

	lots = arguments.as_names(lots, "lots")
	items = arguments.as_names(items, "items")
	from_date = arguments.as_date(from_date, "from_date")
	to_date = arguments.as_date(to_date, "to_date")
	recall = arguments.as_name(recall, "recall")
	file_format = arguments.as_choice(format, "format", SPREADSHEET_FORMATS, default="xlsx")
	if not (lots or items or recall):
		raise arguments.ArgumentError("Give lots, items or a recall to list the traceability records of.")
	if from_date and to_date and from_date > to_date:
		raise arguments.ArgumentError(f"from_date {from_date} is after to_date {to_date}.")
	frappe.has_permission("Lot", "read", throw=True)
	if recall:
		if not frappe.db.exists("Recall", recall):
			raise arguments.ArgumentError(f"recall {recall!r} does not exist.")
		recall_doc = frappe.get_doc("Recall", recall)
		recall_doc.check_permission("read")
		lots = list(dict.fromkeys([*lots, *frappe.parse_json(recall_doc.trace_json or "{}").get("lots", [])]))
	elif lots:
		unknown = [lot for lot in lots if not frappe.db.exists("Batch", lot)]
		if unknown:
			raise arguments.ArgumentError(f"lots: no lot {', '.join(unknown)}.")
		refused = sorted(set(lots) - recall_evidence.readable_lots(lots))
		if refused:
			frappe.throw(
				frappe._("You do not have permission to read lot {0}.").format(", ".join(refused)), frappe.PermissionError
			)
	rows = recall_evidence.traceability_records(lots=lots or None, items=items or None, from_date=from_date, to_date=to_date)
	stem = f"fsma-204-{recall or nowdate()}"
	if file_format == "csv":
		frappe.response["filecontent"] = fsma.as_csv(rows).encode("utf-8")
		frappe.response["filename"] = f"{stem}.csv"
	else:
		frappe.response["filecontent"] = make_xlsx(fsma.as_table(rows), "FSMA 204").getvalue()
		frappe.response["filename"] = f"{stem}.xlsx"
	frappe.response["type"] = "download"


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
