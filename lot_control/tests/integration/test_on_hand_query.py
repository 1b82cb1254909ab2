"""The on-hand query asked of every lot reads the bundles alone on a site with no stock from before
v15, summed from the app's index as it is read. It must answer exactly as the full query (bundles
plus batch Stock Ledger Entries) answers, whatever the filter, and the reports that read it with
the lots' facts must see what lot_balances and lot_facts see."""

import time
from operator import itemgetter

import frappe
import pytest

from lot_control import stock_queries
from lot_control.constants.indexes import ERPNEXT_INDEXES
from lot_control.install import index_exists
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_lot_bundle,
	make_material_issue,
	make_purchase_receipt,
	make_user,
	make_warehouse,
	receipt_line,
)


@pytest.fixture
def stock():
	"""Two items, three lots over two warehouses, one lot drawn from and one emptied."""
	world = new_world()
	world.second_warehouse = make_warehouse(world.company)
	world.item, world.other_item = make_item(), make_item()

	def receive(item, qty, rate, warehouse):
		receipt = make_purchase_receipt(
			world.company, world.supplier, [receipt_line(item, qty, rate, warehouse)]
		)
		return receipt.items[0].batch_no

	world.first = receive(world.item, 10, 2.5, world.warehouse)
	world.second = receive(world.item, 4, 3, world.second_warehouse)
	world.emptied = receive(world.other_item, 5, 1.25, world.warehouse)
	make_material_issue(world.company, world.item, world.warehouse, 3, world.first)
	make_material_issue(world.company, world.other_item, world.warehouse, 5, world.emptied)
	return world


def new_world():
	"""A company of its own, made again if another test run's company deadlocked it (the loser's
	transaction is rolled back whole), as test_stock_reads makes it."""
	for attempt in range(5):
		try:
			return lot_fixture_world()
		except frappe.QueryDeadlockError:
			frappe.db.rollback()
			time.sleep(1 + attempt)
	return lot_fixture_world()


def both_ways(monkeypatch, read):
	"""read() as the bundles alone answer it and as the full query (with the ledger) answers it."""
	monkeypatch.setattr(stock_queries, "legacy_batch_stock_exists", lambda: False)
	bundled = read()
	monkeypatch.setattr(stock_queries, "legacy_batch_stock_exists", lambda: True)
	full = read()
	return bundled, full


def test_the_apps_indexes_are_on_erpnexts_tables():
	missing = [
		(doctype, name)
		for doctype, indexes in ERPNEXT_INDEXES.items()
		for name in indexes
		if not index_exists(doctype, name)
	]
	assert missing == []


def test_every_lots_balance_is_the_same_from_the_bundles_alone(stock, monkeypatch):
	company = stock.company.name
	for filters in (
		{"company": company},
		{"company": company, "item_code": stock.item},
		{"company": company, "warehouse": stock.second_warehouse},
	):
		bundled, full = both_ways(monkeypatch, lambda: stock_queries.lot_balances(**filters))
		assert bundled == full, filters
	bundled, _full = both_ways(monkeypatch, lambda: stock_queries.lot_balances(company=company))
	assert sorted((row.lot, row.warehouse, row.qty) for row in bundled) == sorted(
		[(stock.first, stock.warehouse, 7), (stock.second, stock.second_warehouse, 4)]
	)


def test_every_lots_total_over_all_warehouses_is_the_same_from_the_bundles_alone(stock, monkeypatch):
	def totals():
		sql, params = stock_queries.on_hand_sql(company=stock.company.name, per_warehouse=False)
		return frappe.db.sql(f"select * from ({sql}) on_hand order by on_hand.lot", params, as_dict=True)

	bundled, full = both_ways(monkeypatch, totals)
	assert bundled == full
	assert {row.lot: float(row.qty) for row in bundled} == {stock.first: 7, stock.second: 4}


def test_lots_in_stock_carry_the_facts_lot_facts_gives(stock):
	company = stock.company.name
	rows = sorted(stock_queries.company_lots_in_stock(company), key=itemgetter("lot", "warehouse"))
	balances = sorted(stock_queries.company_lot_balances(company), key=itemgetter("lot", "warehouse"))
	facts = stock_queries.lot_facts(row.lot for row in balances)
	assert [(row.lot, row.warehouse, row.qty) for row in rows] == [
		(row.lot, row.warehouse, row.qty) for row in balances
	]
	fields = ("item_code", "expiry_date", "manufacturing_date", "received_date", "status", "owner")
	assert [{field: row[field] for field in fields} for row in rows] == [
		{field: facts[row.lot][field] for field in fields} for row in rows
	]
	assert {row.item_code for row in rows} == {stock.item}


def as_balances(rows):
	return sorted((row["lot"], row["item_code"], row["warehouse"], row["qty"]) for row in rows)


def test_every_lot_in_stock_leaves_out_what_bundles_that_are_no_stock_name(stock, monkeypatch):
	"""The reports sum each lot's entries without reading their bundles, except for the lots a
	bundle that is no stock names: a cancelled receipt's (ERPNext leaves its bundle and entries
	submitted, marked is_cancelled), a draft's, a Pick List's (it posts nothing). Those lots are
	read as every other question of stock reads them, so the answer is lot_balances' own."""
	company, warehouse = stock.company.name, stock.warehouse
	cancelled = make_purchase_receipt(
		stock.company, stock.supplier, [receipt_line(stock.item, 6, 2, warehouse)]
	)
	cancelled_lot = cancelled.items[0].batch_no
	cancelled.cancel()
	make_lot_bundle(stock.company, stock.item, warehouse, {stock.first: 5, f"DRAFT-{stock.first}": 2}, 1)
	picked = make_lot_bundle(stock.company, stock.item, warehouse, {stock.second: 3}, 1)
	# A submitted Pick List's bundle, as ERPNext keeps it: submitted with its entries, in no ledger.
	frappe.db.set_value("Serial and Batch Bundle", picked, {"voucher_type": "Pick List", "docstatus": 1})
	frappe.db.sql("update `tabSerial and Batch Entry` set docstatus = 1 where parent = %s", picked)

	outside = stock_queries.lots_named_outside_stock()
	assert {cancelled_lot.casefold(), stock.first.casefold(), stock.second.casefold()} <= outside
	expected = [
		(stock.first, stock.item, warehouse, 7),
		(stock.second, stock.item, stock.second_warehouse, 4),
	]
	exact = [row for row in stock_queries.lot_balances(company=company) if row.qty > 0]
	assert as_balances(exact) == expected
	assert as_balances(stock_queries.company_lot_balances(company)) == expected
	assert as_balances(stock_queries.company_lots_in_stock(company)) == expected
	for filters in ({"item_code": stock.item}, {"warehouse": stock.second_warehouse}):
		bundled, full = both_ways(monkeypatch, lambda: stock_queries.company_lot_balances(company, **filters))
		assert as_balances(bundled) == as_balances(full), filters
	assert as_balances(stock_queries.company_lot_balances(company, warehouse=stock.second_warehouse)) == [
		(stock.second, stock.item, stock.second_warehouse, 4)
	]

	# The reports themselves, as the storekeeper who reads them.
	from lot_control.lot_control.report.lot_inventory_value.lot_inventory_value import (
		execute as inventory_value,
	)
	from lot_control.lot_control.report.usable_stock.usable_stock import execute as usable_stock

	frappe.set_user(make_user("Stock User"))
	try:
		_columns, usable_rows = usable_stock({"company": company})
		_columns, value_rows, *_ = inventory_value({"company": company})
	finally:
		frappe.set_user("Administrator")
	assert sorted((row["lot"], row["on_hand"]) for row in usable_rows if row["indent"] == 1) == [
		(stock.first, 7),
		(stock.second, 4),
	]
	assert sorted((row["lot"], row["qty"], row["value"]) for row in value_rows if row.get("lot")) == [
		(stock.first, 7, 17.5),
		(stock.second, 4, 12),
	]


def test_a_lot_no_bundle_outside_stock_names_is_summed_from_its_entries_alone(stock, monkeypatch):
	"""Without such bundles, the entries alone answer as on_hand_sql does, value and cost too."""
	company = stock.company.name
	monkeypatch.setattr(stock_queries, "lots_named_outside_stock", set)
	fast = stock_queries.company_lot_balances(company)
	monkeypatch.undo()
	bundled, full = both_ways(monkeypatch, lambda: stock_queries.company_lot_balances(company))
	key = itemgetter("lot", "warehouse")
	assert sorted(fast, key=key) == sorted(bundled, key=key) == sorted(full, key=key)
	assert {(row.lot, row.unit_cost) for row in fast} == {(stock.first, 2.5), (stock.second, 3)}
