# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt
"""What each build cost, from the lots it consumed at each lot's own price: one row per Manufacture
or Repack entry, with the consumed lots beneath it when asked. Consigned stock is shown beside the
company's cost, never in it."""

import frappe
from frappe import _
from frappe.utils import flt


def execute(filters=None):
	filters = frappe._dict(filters or {})
	return columns(), rows(filters)


def columns():
	currency = {"fieldtype": "Currency", "options": "currency", "width": 120}
	return [
		{"fieldname": "posting_date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "stock_entry", "label": _("Stock Entry / Consumed Lot"), "fieldtype": "Dynamic Link", "options": "link_doctype", "width": 190},
		{"fieldname": "work_order", "label": _("Work Order"), "fieldtype": "Link", "options": "Work Order", "width": 150},
		{"fieldname": "item_code", "label": _("Item"), "fieldtype": "Link", "options": "Item", "width": 140},
		{"fieldname": "produced_lots", "label": _("Produced Lots"), "fieldtype": "Data", "width": 160},
		{"fieldname": "qty", "label": _("Qty"), "fieldtype": "Float", "width": 80},
		{"fieldname": "owner", "label": _("Owner"), "fieldtype": "Data", "width": 140},
		{"fieldname": "unit_cost", "label": _("Unit Cost"), **currency},
		{"fieldname": "materials_cost", "label": _("Lot Materials"), **currency},
		{"fieldname": "consigned_value", "label": _("Consigned (not company cost)"), **currency, "width": 150},
		{"fieldname": "unlotted_materials_cost", "label": _("Other Materials"), **currency},
		{"fieldname": "additional_cost", "label": _("Additional Costs"), **currency},
		{"fieldname": "scrap_value", "label": _("Scrap"), **currency, "width": 90},
		{"fieldname": "total_cost", "label": _("Build Cost"), **currency},
		{"fieldname": "link_doctype", "label": _("Type"), "fieldtype": "Data", "hidden": 1},
		{"fieldname": "row_key", "label": _("Row"), "fieldtype": "Data", "hidden": 1},
		{"fieldname": "parent_row", "label": _("Parent Row"), "fieldtype": "Data", "hidden": 1},
		{"fieldname": "currency", "label": _("Currency"), "fieldtype": "Link", "options": "Currency", "hidden": 1},
	]


def consumption_rows(filters):
	consumption = frappe.qb.DocType("Lot Consumption")
	lot = frappe.qb.DocType("Lot")
	query = (
		frappe.qb.from_(consumption)
		.left_join(lot)
		.on(lot.name == consumption.produced_lot)
		.select(
			consumption.produced_by,
			consumption.posting_date,
			consumption.work_order,
			consumption.company,
			consumption.produced_item,
			consumption.produced_lot,
			consumption.consumed_lot,
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
			& consumption.kind.isin(["Build", "Repack"])
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


def entry_figures(entries):
	"""Additional costs, unlotted inputs, scrap and produced quantity of the entries, in two queries."""
	if not entries:
		return {}
	figures = {
		row.name: frappe._dict(additional_cost=flt(row.total_additional_costs), unlotted=0.0, scrap=0.0, produced_qty=0.0)
		for row in frappe.get_all("Stock Entry", filters={"name": ("in", entries)}, fields=["name", "total_additional_costs"])
	}
	lines = frappe.db.sql(
		"""
		select line.parent, line.basic_amount, line.transfer_qty, line.is_scrap_item, line.is_finished_item,
			line.s_warehouse, line.t_warehouse, item.has_batch_no, entry.purpose
		from `tabStock Entry Detail` line
		inner join `tabStock Entry` entry on entry.name = line.parent
		inner join `tabItem` item on item.name = line.item_code
		where line.parent in %(entries)s
		""",
		{"entries": entries},
		as_dict=True,
	)
	for line in lines:
		figure = figures[line.parent]
		if line.is_scrap_item:
			figure.scrap += flt(line.basic_amount)
		elif line.s_warehouse and not line.t_warehouse and not line.has_batch_no:
			figure.unlotted += flt(line.basic_amount)
		elif line.t_warehouse and (line.is_finished_item or (line.purpose == "Repack" and not line.s_warehouse)):
			figure.produced_qty += flt(line.transfer_qty)
	return figures


def rows(filters):
	consumption = consumption_rows(filters)
	by_entry = {}
	for row in consumption:
		by_entry.setdefault(row.produced_by, []).append(row)
	figures = entry_figures(list(by_entry))
	result = []
	for entry, lines in by_entry.items():
		first = lines[0]
		figure = figures.get(entry) or frappe._dict(additional_cost=0, unlotted=0, scrap=0, produced_qty=0)
		currency = frappe.get_cached_value("Company", first.company, "default_currency")
		materials = sum(flt(line.amount) for line in lines)
		total = materials + figure.unlotted + figure.additional_cost - figure.scrap
		result.append(
			{
				"posting_date": first.posting_date,
				"link_doctype": "Stock Entry",
				"stock_entry": entry,
				"work_order": first.work_order,
				"item_code": first.produced_item,
				"produced_lots": ", ".join(sorted({line.produced_lot for line in lines})),
				"qty": figure.produced_qty,
				"owner": first.consignment_customer or _("House"),
				"materials_cost": materials,
				"consigned_value": sum(flt(line.consigned_value) for line in lines),
				"unlotted_materials_cost": figure.unlotted,
				"additional_cost": figure.additional_cost,
				"scrap_value": figure.scrap,
				"total_cost": total,
				"unit_cost": total / figure.produced_qty if figure.produced_qty else 0,
				"currency": currency,
				"row_key": entry,
				"parent_row": "",
				"indent": 0,
			}
		)
		if filters.show_lots:
			merged = {}
			for line in lines:
				lot = merged.setdefault(line.consumed_lot, frappe._dict(line, qty=0, amount=0, consigned_value=0))
				lot.qty += flt(line.qty)
				lot.amount += flt(line.amount)
				lot.consigned_value += flt(line.consigned_value)
			for lot in merged.values():
				result.append(
					{
						"link_doctype": "Lot",
						"stock_entry": lot.consumed_lot,
						"item_code": lot.consumed_item,
						"qty": lot.qty,
						"unit_cost": lot.unit_cost,
						"materials_cost": lot.amount,
						"consigned_value": lot.consigned_value,
						"currency": currency,
						"row_key": f"{entry}::{lot.consumed_lot}",
						"parent_row": entry,
						"indent": 1,
					}
				)
	return result
