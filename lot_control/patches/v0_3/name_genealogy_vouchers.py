"""Genealogy records written when only Stock Entries were transformations name their voucher the
general way (voucher_type, voucher_no), so one query serves every transformation."""

import frappe


def execute():
	consumption = frappe.qb.DocType("Lot Consumption")
	(
		frappe.qb.update(consumption)
		.set(consumption.voucher_type, "Stock Entry")
		.set(consumption.voucher_no, consumption.stock_entry)
		.where(consumption.voucher_no.isnull() & consumption.stock_entry.isnotnull())
	).run()
	(
		frappe.qb.update(consumption)
		.set(consumption.voucher_type, "Stock Entry")
		.where(consumption.voucher_type.isnull() & consumption.produced_by.isnotnull())
	).run()
