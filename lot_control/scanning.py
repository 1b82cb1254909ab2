"""Receiving by scan: a supplier's label scanned into a Purchase Receipt becomes a filled line.

The server decides everything (which item, which line, what lot data, whether the label may be
received at all); the form script only applies the answer. A text that is no supplier label (a
plain item barcode) returns None, and ERPNext's own scan handling takes it.
"""

from __future__ import annotations

from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import cint, flt, getdate

from lot_control import arguments, barcodes, picking
from lot_control.arguments import ArgumentError, refuse_bad_arguments
from lot_control.exceptions import ScannedLabelRefusedError

MAX_SCAN_LENGTH = 2000
LOT_DETAIL_FIELDS = (
	"supplier_batch_code",
	"lot_expiry_date",
	"lot_manufacturing_date",
	"batch_no",
	"serial_and_batch_bundle",
	"serial_no",
)
COPIED_FROM_SAME_ITEM = (
	"purchase_order",
	"purchase_order_item",
	"rate",
	"warehouse",
	"uom",
	"conversion_factor",
	"schedule_date",
)


@frappe.whitelist()
@refuse_bad_arguments
def resolve_receipt_scan(barcode=None, receipt=None) -> dict | None:
	"""What a scanned text adds to the receipt: the line to fill (or none for a new line) and its values.

	receipt is the form's document as it stands (supplier, posting date, lines), saved or not."""
	barcode = as_scanned_text(barcode)
	receipt = as_receipt(receipt)
	frappe.has_permission("Purchase Receipt", "create", throw=True)
	label = barcodes.parse_label(barcode)
	if label is None:
		return None
	return receive_label(label, receipt)


def as_scanned_text(value) -> str:
	"""Scanned text keeps its control characters (GS, RS, EOT are the fields of a DataMatrix)."""
	if arguments.missing(value) or not isinstance(value, str):
		raise ArgumentError(f"barcode must be the scanned text, not {arguments.describe(value)}.")
	if len(value) > MAX_SCAN_LENGTH:
		raise ArgumentError(f"barcode is longer than {MAX_SCAN_LENGTH} characters.")
	return value


def as_receipt(value) -> frappe._dict:
	receipt = arguments.parse_json(value, "receipt")
	if not isinstance(receipt, dict):
		raise ArgumentError(f"receipt must be the receipt's fields, not {arguments.describe(value)}.")
	lines = receipt.get("items") or []
	if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
		raise ArgumentError("receipt.items must be a list of lines.")
	return frappe._dict(
		supplier=arguments.as_name(receipt.get("supplier"), "receipt.supplier"),
		posting_date=arguments.as_date(receipt.get("posting_date"), "receipt.posting_date") or getdate(),
		set_warehouse=arguments.as_name(receipt.get("set_warehouse"), "receipt.set_warehouse"),
		lines=[frappe._dict(line) for line in lines],
	)


def receive_label(label: barcodes.SupplierLabel, receipt) -> dict:
	if label.problem:
		refuse(_("This {0} label cannot be used: {1}.").format(label.format, label.problem))
	item_code = item_of_label(label, receipt)
	item = frappe.get_cached_value(
		"Item",
		item_code,
		["has_serial_no", "has_batch_no", "shelf_life_in_days", "min_remaining_shelf_life_percent"],
		as_dict=True,
	)
	check_purchase_order(label, receipt, item_code)
	manufacturing_date = label.manufacturing_date
	if not manufacturing_date and label.expiry_date and cint(item.shelf_life_in_days):
		manufacturing_date = label.expiry_date - timedelta(days=cint(item.shelf_life_in_days))
	check_lot(label, receipt, item_code, item, manufacturing_date)

	values = {"item_code": item_code}
	if label.quantity:
		values["qty"] = label.quantity
	if item.has_batch_no:
		values.update(
			supplier_batch_code=label.supplier_batch_code,
			lot_expiry_date=label.expiry_date and str(label.expiry_date),
			lot_manufacturing_date=label.manufacturing_date and str(label.manufacturing_date),
		)
	if label.serials and item.has_serial_no:
		values["serial_no"] = "\n".join(label.serials)
		values["qty"] = len(label.serials)
	values = {fieldname: value for fieldname, value in values.items() if value}

	open_line = open_line_for(receipt, item_code, label.purchase_order)
	if not open_line:
		template = next((line for line in receipt.lines if line.get("item_code") == item_code), None)
		for fieldname in COPIED_FROM_SAME_ITEM:
			if template and template.get(fieldname):
				values.setdefault(fieldname, template.get(fieldname))
		values.setdefault("qty", 1)
		arrival = receipt.set_warehouse or next(
			(line.get("warehouse") for line in receipt.lines if line.get("warehouse")), None
		)
		if arrival:
			values.setdefault("warehouse", arrival)
	if values.get("qty"):
		# ERPNext requires received = accepted + rejected on a receipt line.
		values["received_qty"] = values["qty"]
	return {
		"row": open_line.get("name") if open_line else None,
		"item_code": item_code,
		"format": label.format,
		"values": values,
		"message": _("{0} label: {1} of {2}{3}").format(
			label.format,
			"{:g}".format(flt(values.get("qty") or (open_line or {}).get("qty"))),
			item_code,
			_(", lot {0}").format(label.supplier_batch_code) if label.supplier_batch_code else "",
		),
	}


def refuse(message: str):
	frappe.throw(message, exc=ScannedLabelRefusedError, title=_("Scan Refused"))


def item_of_label(label: barcodes.SupplierLabel, receipt) -> str:
	"""By GTIN (Item Barcode), then the supplier's part number (Item Supplier), then the maker's (Item
	Manufacturer), then our own item code printed as the customer's part number."""
	on_receipt = {line.get("item_code") for line in receipt.lines}
	for found in (
		items_by_gtin(label.gtin),
		items_by_supplier_part(label.part_numbers, receipt.supplier),
		items_by_manufacturer_part(label.part_numbers),
		items_by_code(label.customer_part_no),
	):
		if len(found) > 1:
			found = sorted(found & on_receipt) or sorted(found)
		if len(found) == 1:
			return next(iter(found))
		if len(found) > 1:
			refuse(
				_(
					"This {0} label fits several items ({1}); give the part number to one of them only."
				).format(label.format, ", ".join(found))
			)
	described = []
	if label.gtin:
		described.append(_("GTIN {0}").format(label.gtin))
	if label.supplier_part_no or label.customer_part_no:
		described.append(
			_("supplier part {0}").format(
				" / ".join(filter(None, (label.supplier_part_no, label.customer_part_no)))
			)
			+ (_(" of supplier {0}").format(receipt.supplier) if receipt.supplier else "")
		)
	if label.manufacturer_part_no:
		described.append(_("manufacturer part {0}").format(label.manufacturer_part_no))
	refuse(
		_(
			"Unknown part: no item has {0} (scanned {1} label). Add it to the item's Barcodes, Supplier Items or Manufacturers."
		).format(_(" or ").join(described) or _("any part number"), label.format)
	)


def items_by_gtin(gtin: str | None) -> set[str]:
	if not gtin:
		return set()
	forms = {gtin, gtin.lstrip("0")} | {
		gtin[-length:] for length in (8, 12, 13) if gtin[: len(gtin) - length].strip("0") == ""
	}
	return enabled(
		frappe.get_all(
			"Item Barcode", filters={"barcode": ("in", sorted(forms)), "parenttype": "Item"}, pluck="parent"
		)
	)


def items_by_supplier_part(numbers: tuple[str, ...], supplier: str | None) -> set[str]:
	if not numbers:
		return set()
	filters = {"supplier_part_no": ("in", numbers), "parenttype": "Item"}
	if supplier:
		filters["supplier"] = supplier
	return enabled(frappe.get_all("Item Supplier", filters=filters, pluck="parent"))


def items_by_manufacturer_part(numbers: tuple[str, ...]) -> set[str]:
	if not numbers:
		return set()
	return enabled(
		frappe.get_all(
			"Item Manufacturer", filters={"manufacturer_part_no": ("in", numbers)}, pluck="item_code"
		)
	)


def items_by_code(code: str | None) -> set[str]:
	return enabled([code]) if code else set()


def enabled(item_codes) -> set[str]:
	if not item_codes:
		return set()
	return set(
		frappe.get_all("Item", filters={"name": ("in", list(set(item_codes))), "disabled": 0}, pluck="name")
	)


def check_purchase_order(label: barcodes.SupplierLabel, receipt, item_code: str):
	"""The order printed on the label must be one of the receipt's orders (by our number or the supplier's confirmation number)."""
	orders = sorted({line.get("purchase_order") for line in receipt.lines if line.get("purchase_order")})
	printed = {number for number in (label.purchase_order, label.supplier_order) if number}
	if not orders or not label.purchase_order:
		return
	confirmations = set(
		frappe.get_all("Purchase Order", filters={"name": ("in", orders)}, pluck="order_confirmation_no")
	)
	if printed & (set(orders) | confirmations):
		return
	refuse(
		_("The label of {0} is for purchase order {1}, but this receipt is for {2}.").format(
			item_code, frappe.bold(label.purchase_order), ", ".join(orders)
		)
	)


def check_lot(label: barcodes.SupplierLabel, receipt, item_code: str, item, manufacturing_date):
	code = label.supplier_batch_code
	posting_date = getdate(receipt.posting_date)
	if code:
		for line in receipt.lines:
			if line.get("item_code") == item_code and line.get("supplier_batch_code") == code:
				refuse(
					_("Lot {0} of {1} is already on line {2} of this receipt.").format(
						frappe.bold(code), item_code, line.get("idx")
					)
				)
		received = earlier_receipt_of(code, item_code, receipt.supplier)
		if received:
			refuse(
				_("Lot {0} of {1} from {2} was already received on {3}.").format(
					frappe.bold(code), item_code, receipt.supplier, frappe.bold(received)
				)
			)
	if label.expiry_date and label.expiry_date < posting_date:
		refuse(
			_("Lot {0} of {1} expired on {2}.").format(
				frappe.bold(code or "-"), item_code, frappe.format(label.expiry_date, "Date")
			)
		)
	minimum = flt(item.min_remaining_shelf_life_percent)
	if minimum and label.expiry_date:
		candidate = picking.LotCandidate(
			lot=code or "",
			item_code=item_code,
			warehouse="",
			qty=0,
			status="",
			expiry_date=label.expiry_date,
			manufacturing_date=manufacturing_date,
			received_date=posting_date,
		)
		left = picking.remaining_shelf_life_percent(candidate, posting_date)
		if left is not None and left < minimum:
			refuse(
				_("Lot {0} of {1} has {2}% of its shelf life left, below the item's minimum of {3}%.").format(
					frappe.bold(code or "-"), item_code, flt(left, 1), flt(minimum, 1)
				)
			)


def earlier_receipt_of(supplier_batch_code: str, item_code: str, supplier: str | None) -> str | None:
	receipt = frappe.qb.DocType("Purchase Receipt")
	line = frappe.qb.DocType("Purchase Receipt Item")
	query = (
		frappe.qb.from_(line)
		.join(receipt)
		.on(receipt.name == line.parent)
		.select(receipt.name)
		.where(
			(receipt.docstatus == 1)
			& (receipt.is_return == 0)
			& (line.item_code == item_code)
			& (line.supplier_batch_code == supplier_batch_code)
		)
		.limit(1)
	)
	if supplier:
		query = query.where(receipt.supplier == supplier)
	found = query.run()
	return found[0][0] if found else None


def open_line_for(receipt, item_code: str, purchase_order: str | None):
	"""A line of the item with no lot details yet, the one of the label's order first."""
	open_lines = [
		line
		for line in receipt.lines
		if line.get("item_code") == item_code
		and not any(line.get(fieldname) for fieldname in LOT_DETAIL_FIELDS)
	]
	open_lines.sort(key=lambda line: (line.get("purchase_order") != purchase_order, cint(line.get("idx"))))
	return open_lines[0] if open_lines else None
