"""A planner's morning: before releasing builds, the Usable Stock report shows how much of each
item may really be picked, and for every lot that may not, why."""

import frappe
import pytest
from frappe.utils import add_days, formatdate, getdate, nowdate

from lot_control import usage
from lot_control.lot_control.report.usable_stock.usable_stock import execute
from lot_control.tests.integration.factories import (
	fake,
	lot_fixture_world,
	make_item,
	make_purchase_receipt,
	make_warehouse,
	receipt_line,
)

REASON_FIELDS = ("not_usable_status", "not_usable_expired", "not_usable_external", "not_usable_shelf_life")


@pytest.fixture
def stock():
	"""One item received six times: good, quarantined, expired, short-lived, sent out, and consigned."""
	if not usage.strict_expiry_enabled():
		frappe.db.set_single_value("Lot Control Settings", "strict_expiry", 1)
	world = lot_fixture_world()
	world.outside = make_warehouse(world.company, is_external_location=1)
	world.customer = make_customer()
	world.item = make_item(min_remaining_shelf_life_percent=50)

	def receive(qty, warehouse=None, receipt_fields=None, **line):
		receipt = make_purchase_receipt(
			world.company,
			world.supplier,
			[receipt_line(world.item, qty, 2, warehouse or world.warehouse, **line)],
			**(receipt_fields or {}),
		)
		return receipt.items[0].batch_no

	world.good = receive(10)
	world.quarantined = receive(5)
	frappe.get_doc("Lot", world.quarantined).apply_status_change("Quarantine", "incoming inspection")
	world.expired = receive(7)
	frappe.db.set_value("Batch", world.expired, "expiry_date", "2020-01-01")
	frappe.db.set_value("Lot", world.expired, "expiry_date", "2020-01-01")
	world.short_lived = receive(
		6, lot_manufacturing_date=add_days(nowdate(), -90), lot_expiry_date=add_days(nowdate(), 10)
	)
	world.sent_out = receive(4, world.outside)
	world.consigned = receive(3, receipt_fields={"consignment_customer": world.customer})
	return world


def make_customer():
	return (
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": fake.name(),
				"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0})
				or "All Customer Groups",
				"territory": "All Territories",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def run_report(world, **filters):
	columns, rows = execute({"company": world.company.name, **filters})
	assert [column["fieldname"] for column in columns] == [
		"item_code",
		"warehouse",
		"stock_owner",
		"lot",
		"status",
		"expiry_date",
		"on_hand",
		"usable",
		*REASON_FIELDS,
		"not_usable_because",
	]
	return rows


def groups_of(rows):
	return {
		(row["item_code"], row["warehouse"], row["stock_owner"]): row for row in rows if row["indent"] == 0
	}


def lots_under(rows, group):
	return {row["lot"]: row for row in rows if row.get("parent_group") == group["group_key"]}


def figures(row):
	return {field: row[field] for field in ("on_hand", "usable", *REASON_FIELDS)}


def assert_adds_up(rows):
	"""Each group's reasons make up what is not usable, and its lots make up the group."""
	for group in (row for row in rows if row["indent"] == 0):
		assert group["on_hand"] == pytest.approx(
			group["usable"] + sum(group[field] for field in REASON_FIELDS)
		)
		lots = lots_under(rows, group).values()
		assert lots
		for field in ("on_hand", "usable", *REASON_FIELDS):
			assert group[field] == pytest.approx(sum(lot[field] for lot in lots))


def test_the_report_splits_each_owners_stock_into_usable_and_why_not(stock):
	rows = run_report(stock)

	groups = groups_of(rows)
	house = groups[(stock.item, stock.warehouse, "House")]
	outside = groups[(stock.item, stock.outside, "House")]
	consigned = groups[(stock.item, stock.warehouse, stock.customer)]
	assert set(groups) == {
		(stock.item, stock.warehouse, "House"),
		(stock.item, stock.outside, "House"),
		(stock.item, stock.warehouse, stock.customer),
	}
	assert figures(house) == {
		"on_hand": 28,
		"usable": 10,
		"not_usable_status": 5,
		"not_usable_expired": 7,
		"not_usable_external": 0,
		"not_usable_shelf_life": 6,
	}
	assert figures(outside) == {
		"on_hand": 4,
		"usable": 0,
		"not_usable_status": 0,
		"not_usable_expired": 0,
		"not_usable_external": 4,
		"not_usable_shelf_life": 0,
	}
	assert figures(consigned) == {
		"on_hand": 3,
		"usable": 3,
		"not_usable_status": 0,
		"not_usable_expired": 0,
		"not_usable_external": 0,
		"not_usable_shelf_life": 0,
	}

	house_lots = lots_under(rows, house)
	assert list(house_lots)[:2] == [stock.expired, stock.short_lived], "first expiry first"
	assert set(list(house_lots)[2:]) == {stock.good, stock.quarantined}
	assert {lot: row["not_usable_because"] for lot, row in house_lots.items()} == {
		stock.good: "",
		stock.quarantined: "Quarantine",
		stock.expired: f"Expired on {formatdate('2020-01-01')}; 0% shelf life left, below the minimum of 50%",
		stock.short_lived: "10% shelf life left, below the minimum of 50%",
	}
	assert {lot: row["status"] for lot, row in house_lots.items()} == {
		stock.good: "Released",
		stock.quarantined: "Quarantine",
		stock.expired: "Released",
		stock.short_lived: "Released",
	}
	assert house_lots[stock.expired]["expiry_date"] == getdate("2020-01-01")
	assert house_lots[stock.short_lived]["expiry_date"] == getdate(add_days(nowdate(), 10))
	assert house_lots[stock.good]["expiry_date"] is None
	assert figures(house_lots[stock.quarantined]) == {
		"on_hand": 5,
		"usable": 0,
		"not_usable_status": 5,
		"not_usable_expired": 0,
		"not_usable_external": 0,
		"not_usable_shelf_life": 0,
	}
	assert house_lots[stock.good]["usable"] == 10
	assert house_lots[stock.expired]["not_usable_expired"] == 7
	assert house_lots[stock.short_lived]["not_usable_shelf_life"] == 6

	assert {lot: row["not_usable_because"] for lot, row in lots_under(rows, outside).items()} == {
		stock.sent_out: "In an external location"
	}
	assert {lot: row["usable"] for lot, row in lots_under(rows, consigned).items()} == {stock.consigned: 3}
	assert len(rows) == 3 + 6
	assert_adds_up(rows)


def test_filters_narrow_the_report_and_the_date_moves_expiry(stock):
	house_only = groups_of(run_report(stock, owner="House"))
	assert set(house_only) == {(stock.item, stock.warehouse, "House"), (stock.item, stock.outside, "House")}

	customer_rows = run_report(stock, owner=stock.customer)
	assert [(row["indent"], row.get("lot"), row["on_hand"], row["usable"]) for row in customer_rows] == [
		(0, None, 3, 3),
		(1, stock.consigned, 3, 3),
	]

	outside_rows = run_report(stock, warehouse=stock.outside, item_code=stock.item)
	assert [
		(row["indent"], row.get("lot"), row["on_hand"], row["not_usable_external"]) for row in outside_rows
	] == [
		(0, None, 4, 4),
		(1, stock.sent_out, 4, 4),
	]

	assert run_report(stock, item_code=make_item()) == []

	in_three_weeks = run_report(stock, as_on_date=add_days(nowdate(), 21))
	house = groups_of(in_three_weeks)[(stock.item, stock.warehouse, "House")]
	assert figures(house) == {
		"on_hand": 28,
		"usable": 10,
		"not_usable_status": 5,
		"not_usable_expired": 13,
		"not_usable_external": 0,
		"not_usable_shelf_life": 0,
	}
	assert lots_under(in_three_weeks, house)[stock.short_lived]["not_usable_because"] == (
		f"Expired on {formatdate(add_days(nowdate(), 10))}; 0% shelf life left, below the minimum of 50%"
	)
	assert_adds_up(in_three_weeks)


def test_another_companys_stock_stays_out(stock):
	other = lot_fixture_world()
	make_purchase_receipt(other.company, other.supplier, [receipt_line(stock.item, 9, 2, other.warehouse)])

	assert groups_of(run_report(stock, item_code=stock.item)).keys() == {
		(stock.item, stock.warehouse, "House"),
		(stock.item, stock.outside, "House"),
		(stock.item, stock.warehouse, stock.customer),
	}
	other_rows = run_report(other, item_code=stock.item)
	assert [(row["indent"], row["on_hand"], row["usable"]) for row in other_rows] == [(0, 9, 9), (1, 9, 9)]
