"""A contract manufacturer: resin bought in lots is sent to a moulder, who sends back housings. The
housings' lot knows the moulder, the orders and the resin lot inside it, costs what ERPNext valued
it at, and a recall of the resin finds the housings and the customer they went to."""

import frappe
from frappe.utils import add_days, flt, nowdate

from lot_control.builds import get_build_cost
from lot_control.tests.integration.factories import (
	make_bom,
	make_customer,
	make_delivery_note,
	make_item,
	make_purchase_receipt,
	make_warehouse,
	receipt_line,
)
from lot_control.trace import trace_backward, trace_forward

SERVICE_RATE = 3.00  # what the moulder charges per housing
FREIGHT = 5.00  # additional cost on the receipt


def lot_code(prefix):
	return f"{prefix}-{frappe.generate_hash(length=6).upper()}"


def expense_account(company):
	return frappe.db.get_value(
		"Account", {"company": company, "account_type": "Expenses Included In Valuation", "is_group": 0}
	) or frappe.db.get_value("Account", {"company": company, "root_type": "Expense", "is_group": 0})


def subcontract(shop, resin_per_housing=2, housings=10, resin_rate=4.00, resin_expiry=None):
	"""Buy resin, order housings from a moulder, send the resin over: returns the story so far."""
	from erpnext.buying.doctype.purchase_order.purchase_order import get_mapped_subcontracting_order
	from erpnext.controllers.subcontracting_controller import make_rm_stock_entry

	resin = make_item()
	housing = make_item(is_sub_contracted_item=1)
	moulding = make_item(lot_controlled=False, is_stock_item=0)
	make_bom(shop.company, housing, {resin: resin_per_housing})
	moulder_site = make_warehouse(shop.company, f"Moulder {frappe.generate_hash(length=4)}")
	resin_lot = lot_code("RESIN")
	receipt = make_purchase_receipt(
		shop.company,
		shop.supplier,
		[
			receipt_line(
				resin,
				resin_per_housing * housings,
				resin_rate,
				shop.stores,
				lot_number=resin_lot,
				lot_expiry_date=resin_expiry,
			)
		],
	)
	order = frappe.get_doc(
		{
			"doctype": "Purchase Order",
			"company": shop.company.name,
			"supplier": shop.supplier,
			"is_subcontracted": 1,
			"supplier_warehouse": moulder_site,
			"transaction_date": nowdate(),
			"schedule_date": add_days(nowdate(), 7),
			"currency": "USD",
			"conversion_rate": 1,
			"items": [
				{
					"item_code": moulding,
					"fg_item": housing,
					"fg_item_qty": housings,
					"qty": housings,
					"rate": SERVICE_RATE,
					"warehouse": shop.fg,
					"schedule_date": add_days(nowdate(), 7),
				}
			],
		}
	)
	order.insert()
	order.submit()
	subcontracting_order = get_mapped_subcontracting_order(order.name)
	subcontracting_order.set_reserve_warehouse = shop.stores
	for row in subcontracting_order.supplied_items:
		row.reserve_warehouse = shop.stores
	subcontracting_order.insert()
	subcontracting_order.submit()
	transfer = frappe.get_doc(make_rm_stock_entry(subcontracting_order.name))
	for row in transfer.items:
		row.s_warehouse = shop.stores
	transfer.insert()
	transfer.submit()
	return frappe._dict(
		resin=resin,
		housing=housing,
		resin_lot=resin_lot,
		resin_receipt=receipt.name,
		order=order.name,
		subcontracting_order=subcontracting_order.name,
		moulder_site=moulder_site,
		housings=housings,
		resin_rate=resin_rate,
		resin_per_housing=resin_per_housing,
	)


def receive_housings(shop, story, freight=FREIGHT):
	from erpnext.subcontracting.doctype.subcontracting_order.subcontracting_order import (
		make_subcontracting_receipt,
	)

	receipt = frappe.get_doc(make_subcontracting_receipt(story.subcontracting_order))
	if freight:
		receipt.append(
			"additional_costs",
			{
				"expense_account": expense_account(shop.company.name),
				"description": "Freight",
				"amount": freight,
				"base_amount": freight,
			},
		)
	receipt.insert()
	receipt.submit()
	return receipt


def housing_lot_of(receipt):
	lots = frappe.get_all("Lot", filters={"subcontracting_receipt": receipt.name}, pluck="name")
	assert len(lots) == 1, lots
	return frappe.get_doc("Lot", lots[0])


def ledger_value(receipt, item_code):
	return flt(
		frappe.db.get_value(
			"Stock Ledger Entry",
			{"voucher_no": receipt.name, "item_code": item_code, "is_cancelled": 0, "actual_qty": (">", 0)},
			"stock_value_difference",
		),
		2,
	)


def test_the_subcontracted_lot_knows_its_moulder_orders_and_the_resin_inside_it_at_erpnexts_value(shop):
	story = subcontract(shop, resin_expiry=add_days(nowdate(), 90))
	receipt = receive_housings(shop, story)

	housing_lot = housing_lot_of(receipt)
	assert (
		housing_lot.item,
		housing_lot.supplier,
		housing_lot.subcontracting_order,
		housing_lot.purchase_order,
	) == (
		story.housing,
		shop.supplier,
		story.subcontracting_order,
		story.order,
	)
	assert housing_lot.status == "Released" and housing_lot.warehouse == shop.fg
	# The produced lot expires no later than the resin inside it.
	assert str(frappe.db.get_value("Batch", housing_lot.name, "expiry_date")) == add_days(nowdate(), 90)

	[edge] = frappe.get_all(
		"Lot Consumption",
		filters={"produced_lot": housing_lot.name, "is_cancelled": 0},
		fields=[
			"consumed_lot",
			"qty",
			"unit_cost",
			"amount",
			"kind",
			"voucher_type",
			"voucher_no",
			"produced_by",
			"stock_entry",
		],
	)
	assert (edge.consumed_lot, flt(edge.qty), flt(edge.unit_cost), flt(edge.amount)) == (
		story.resin_lot,
		20,
		4.0,
		80.0,
	)
	assert (edge.kind, edge.voucher_type, edge.voucher_no, edge.produced_by, edge.stock_entry) == (
		"Subcontract",
		"Subcontracting Receipt",
		receipt.name,
		receipt.name,
		None,
	)

	# resin 80 + moulding 10 x 3 + freight 5 = 115 for 10 housings, as ERPNext values them, to the cent
	assert ledger_value(receipt, story.housing) == 115.00
	assert flt(housing_lot.unit_cost * story.housings, 2) == ledger_value(receipt, story.housing)
	cost = get_build_cost(lot=housing_lot.name)
	assert (cost["materials_cost"], cost["additional_cost"], cost["total_cost"], cost["produced_qty"]) == (
		80.0,
		35.0,
		115.0,
		10,
	)
	assert [(line.consumed_lot, flt(line.qty)) for line in cost["lines"]] == [(story.resin_lot, 20)]


def test_a_recall_of_the_resin_reaches_the_housings_and_the_customer_and_back(shop):
	story = subcontract(shop)
	receipt = receive_housings(shop, story, freight=0)
	housing_lot = housing_lot_of(receipt).name
	customer = make_customer()
	delivery = make_delivery_note(
		shop.company,
		customer,
		[
			{
				"item_code": story.housing,
				"qty": 4,
				"rate": 30,
				"warehouse": shop.fg,
				"batch_no": housing_lot,
				"use_serial_batch_fields": 1,
			}
		],
	)

	forward = trace_forward(lot=story.resin_lot)
	assert housing_lot in forward["lots"]
	assert [(build.stock_entry, build.voucher_type, build.kind) for build in forward["builds"]] == [
		(receipt.name, "Subcontracting Receipt", "Subcontract")
	]
	assert [(row.voucher_no, row.customer, row.qty) for row in forward["deliveries"]] == [
		(delivery.name, customer, 4)
	]
	assert trace_forward(purchase_receipt=story.resin_receipt)["lots"] == forward["lots"]

	backward = trace_backward(lot=housing_lot)
	assert [(row.lot, row.purchase_receipt, row.supplier) for row in backward["sources"]] == [
		(story.resin_lot, story.resin_receipt, shop.supplier)
	]
	assert backward["suppliers"] == [shop.supplier]


def test_the_build_cost_report_lists_the_subcontracting_receipt(shop):
	from lot_control.lot_control.report.build_cost.build_cost import execute as build_cost_report

	story = subcontract(shop)
	receipt = receive_housings(shop, story)
	_columns, rows = build_cost_report(
		{"company": shop.company.name, "item_code": story.housing, "show_lots": 1}
	)
	assert [(row["link_doctype"], row["stock_entry"], row["indent"]) for row in rows] == [
		("Subcontracting Receipt", receipt.name, 0),
		("Lot", story.resin_lot, 1),
	]
	assert (rows[0]["total_cost"], rows[0]["unit_cost"], rows[0]["qty"]) == (115.0, 11.5, 10)


def test_cancelling_the_subcontracting_receipt_reverses_its_genealogy_and_archives_the_lot(shop):
	story = subcontract(shop)
	receipt = receive_housings(shop, story)
	housing_lot = housing_lot_of(receipt).name

	receipt.reload()
	receipt.cancel()

	assert frappe.db.count("Lot Consumption", {"voucher_no": receipt.name, "is_cancelled": 0}) == 0
	assert frappe.db.count("Lot Consumption", {"voucher_no": receipt.name, "is_cancelled": 1}) == 1
	assert frappe.db.get_value("Lot", housing_lot, "status") == "Archived"
	assert housing_lot not in trace_forward(lot=story.resin_lot)["lots"]


def test_a_stock_user_receives_subcontracted_goods(shop):
	"""The moulder's goods are received by the store, who may not be a manager."""
	from lot_control.tests.integration.factories import make_user

	story = subcontract(shop)
	frappe.set_user(make_user("Stock User", "Purchase User"))
	receipt = receive_housings(shop, story, freight=0)
	frappe.set_user("Administrator")
	housing_lot = housing_lot_of(receipt)
	assert flt(housing_lot.unit_cost, 2) == flt(
		(story.resin_per_housing * story.resin_rate) + SERVICE_RATE, 2
	)
