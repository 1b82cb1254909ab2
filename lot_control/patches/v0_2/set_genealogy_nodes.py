"""Genealogy records written before serialized units are walked by their lots."""

import frappe


def execute():
	consumption = frappe.qb.DocType("Lot Consumption")
	(
		frappe.qb.update(consumption)
		.set(consumption.consumed_node, consumption.consumed_lot)
		.where(consumption.consumed_node.isnull() & consumption.consumed_unit.isnull())
	).run()
	(
		frappe.qb.update(consumption)
		.set(consumption.produced_node, consumption.produced_lot)
		.where(consumption.produced_node.isnull() & consumption.produced_unit.isnull() & consumption.produced_lot.isnotnull())
	).run()
