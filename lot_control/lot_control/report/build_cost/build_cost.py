# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt
"""What each build cost, from the lots it consumed at each lot's own price: one row per Manufacture,
Repack, Disassemble entry or Subcontracting Receipt, with the consumed lots, units and serials
beneath it when asked. The figures come from lot_control.builds and the one cost formula in
lot_control.costing, so the report and the Lot form cannot disagree. Consigned stock is shown beside the
company's cost, never in it."""

import frappe
from frappe import _
from frappe.utils import flt

from lot_control import costing, money
from lot_control.arguments import check_filter_permissions, clean_report_filters, refuse_bad_arguments
from lot_control.builds import KIND_BUILD, KIND_DISASSEMBLE, KIND_REPACK, KIND_SUBCONTRACT, voucher_figures

BUILD_KINDS = (KIND_BUILD, KIND_REPACK, KIND_DISASSEMBLE, KIND_SUBCONTRACT)


FILTER_NAMES = {"company": "Company", "item_code": "Item", "work_order": "Work Order", "owner": None}


@refuse_bad_arguments
def execute(filters=None):
	filters = frappe._dict(
		clean_report_filters(
			filters, names=FILTER_NAMES, dates=("from_date", "to_date"), flags=("show_lots",)
		)
	)
	check_filter_permissions(filters, FILTER_NAMES)
	return columns(), rows(filters)


def columns():
	currency = {"fieldtype": "Currency", "options": "currency", "width": 120}
	return [
		{"fieldname": "posting_date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{
			"fieldname": "stock_entry",
			"label": _("Voucher / Consumed Lot"),
			"fieldtype": "Dynamic Link",
			"options": "link_doctype",
			"width": 190,
		},
		{
			"fieldname": "work_order",
			"label": _("Work Order"),
			"fieldtype": "Link",
			"options": "Work Order",
			"width": 150,
		},
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Link", "options": "Item", "width": 140},
		{"fieldname": "produced_lots", "label": _("Produced Lots"), "fieldtype": "Data", "width": 160},
		{"fieldname": "qty", "label": _("Qty"), "fieldtype": "Float", "width": 80},
		{"fieldname": "owner", "label": _("Owner"), "fieldtype": "Data", "width": 140},
		{"fieldname": "unit_cost", "label": _("Unit Cost"), **currency},
		{"fieldname": "materials_cost", "label": _("Lot Materials"), **currency},
		{
			"fieldname": "consigned_value",
			"label": _("Consigned (not company cost)"),
			**currency,
			"width": 150,
		},
		{"fieldname": "unlotted_materials_cost", "label": _("Other Materials"), **currency},
		{"fieldname": "additional_cost", "label": _("Additional Costs"), **currency},
		{"fieldname": "scrap_value", "label": _("Scrap"), **currency, "width": 90},
		{"fieldname": "total_cost", "label": _("Build Cost"), **currency},
		{"fieldname": "link_doctype", "label": _("Type"), "fieldtype": "Data", "hidden": 1},
		{"fieldname": "row_key", "label": _("Row"), "fieldtype": "Data", "hidden": 1},
		{"fieldname": "parent_row", "label": _("Parent Row"), "fieldtype": "Data", "hidden": 1},
		{"fieldname": "currency", "label": _("Currency"), "fieldtype": "Data", "hidden": 1},
	]


def consumption_rows(filters):
	consumption = frappe.qb.DocType("Lot Consumption")
	lot = frappe.qb.DocType("Lot")
	query = (
		frappe.qb.from_(consumption)
		.left_join(lot)
		.on(lot.name == consumption.produced_lot)
		.select(
			consumption.voucher_type,
			consumption.produced_by,
			consumption.posting_date,
			consumption.work_order,
			consumption.company,
			consumption.produced_item,
			consumption.produced_lot,
			consumption.produced_unit,
			consumption.consumed_lot,
			consumption.consumed_unit,
			consumption.consumed_serial_no,
			consumption.consumed_item,
			consumption.qty,
			consumption.unit_cost,
			consumption.amount,
			consumption.consigned_value,
			lot.consignment_customer,
		)
		.where(
			(consumption.is_cancelled == 0)
			& consumption.produced_by.isnotnull()
			& consumption.kind.isin(BUILD_KINDS)
		)
		.orderby(consumption.posting_date)
		.orderby(consumption.produced_by)
	)
	if filters.company:
		query = query.where(consumption.company == filters.company)
	if filters.from_date:
		query = query.where(consumption.posting_date >= filters.from_date)
	if filters.to_date:
		query = query.where(consumption.posting_date <= filters.to_date)
	if filters.item_code:
		query = query.where(consumption.produced_item == filters.item_code)
	if filters.work_order:
		query = query.where(consumption.work_order == filters.work_order)
	if filters.owner == "House":
		query = query.where(lot.consignment_customer.isnull() | (lot.consignment_customer == ""))
	elif filters.owner:
		query = query.where(lot.consignment_customer == filters.owner)
	return query.run(as_dict=True)


def consumed_node(line) -> tuple[str, str]:
	"""What a line consumed, as the report links it: a unit, a bought serial, or a lot."""
	if line.consumed_unit:
		return "Serialized Unit", line.consumed_unit
	if line.consumed_serial_no:
		return "Serial No", line.consumed_serial_no
	return "Lot", line.consumed_lot or ""


def rows(filters):
	consumption = consumption_rows(filters)
	by_voucher = {}
	for row in consumption:
		by_voucher.setdefault((row.voucher_type or "Stock Entry", row.produced_by), []).append(row)
	precision = money.currency_precision()
	rounding = money.rounding_method()
	result = []
	for (voucher_type, voucher_no), lines in by_voucher.items():
		first = lines[0]
		figures = voucher_figures(voucher_type, voucher_no) or frappe._dict(
			additional=0, unlotted=0, scrap=0, produced_qty=0
		)
		currency = frappe.get_cached_value("Company", first.company, "default_currency")
		materials = sum(flt(line.amount) for line in lines)
		total = costing.total_build_cost(
			materials, figures.unlotted, figures.additional, figures.scrap, precision, rounding
		)
		produced = {line.produced_unit or line.produced_lot for line in lines} - {None, ""}
		result.append(
			{
				"posting_date": first.posting_date,
				"link_doctype": voucher_type,
				"stock_entry": voucher_no,
				"work_order": first.work_order,
				"item_code": first.produced_item,
				"produced_lots": ", ".join(sorted(produced)),
				"qty": figures.produced_qty,
				"owner": first.consignment_customer or _("House"),
				"materials_cost": flt(materials, precision),
				"consigned_value": flt(sum(flt(line.consigned_value) for line in lines), precision),
				"unlotted_materials_cost": flt(figures.unlotted, precision),
				"additional_cost": flt(figures.additional, precision),
				"scrap_value": flt(figures.scrap, precision),
				"total_cost": float(total),
				"unit_cost": float(costing.unit_cost_of(total, figures.produced_qty, 9, rounding)),
				"currency": currency,
				"row_key": voucher_no,
				"parent_row": "",
				"indent": 0,
			}
		)
		if filters.show_lots:
			merged = {}
			for line in lines:
				node = consumed_node(line)
				consumed = merged.setdefault(node, frappe._dict(line, qty=0, amount=0, consigned_value=0))
				consumed.qty += flt(line.qty)
				consumed.amount += flt(line.amount)
				consumed.consigned_value += flt(line.consigned_value)
			for (doctype, name), consumed in merged.items():
				result.append(
					{
						"link_doctype": doctype,
						"stock_entry": name,
						"item_code": consumed.consumed_item,
						"qty": consumed.qty,
						"unit_cost": consumed.unit_cost,
						"materials_cost": flt(consumed.amount, precision),
						"consigned_value": flt(consumed.consigned_value, precision),
						"currency": currency,
						"row_key": f"{voucher_no}::{name}",
						"parent_row": voucher_no,
						"indent": 1,
					}
				)
	return result
