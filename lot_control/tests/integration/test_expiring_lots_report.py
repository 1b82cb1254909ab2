"""The Expiring Lots report on known stock: what expires soon or already has, its value and urgency."""

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate

from lot_control.lot_control.report.expiring_lots.expiring_lots import execute
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_customer,
	make_item,
	make_purchase_receipt,
	receipt_line,
)


@pytest.fixture
def stock():
	world = lot_fixture_world()
	world.item = make_item()
	world.customer = make_customer()

	def receive(qty, rate, expires_in=None, made_ago=None, **extra):
		line = receipt_line(world.item, qty, rate, world.warehouse)
		if expires_in is not None:
			line["lot_expiry_date"] = add_days(nowdate(), expires_in)
		if made_ago is not None:
			line["lot_manufacturing_date"] = add_days(nowdate(), -made_ago)
		receipt = make_purchase_receipt(world.company, world.supplier, [line], **extra)
		return receipt.items[0].batch_no

	world.soon = receive(10, 2, expires_in=5, made_ago=95)
	world.expired = receive(4, 3, expires_in=-10, made_ago=90)
	world.later_in_window = receive(6, 1, expires_in=20, made_ago=80)
	world.outside_window = receive(8, 1, expires_in=100)
	world.no_expiry = receive(9, 1)
	world.consigned = receive(2, 0, expires_in=3, made_ago=7, consignment_customer=world.customer)
	return world


def run(world, **filters):
	_columns, rows = execute({"company": world.company.name, "item_code": world.item, "days": 30, **filters})
	return rows


def test_lots_expiring_within_the_window_or_expired_in_expiry_order(stock):
	rows = run(stock)
	assert [row["lot"] for row in rows] == [stock.expired, stock.consigned, stock.soon, stock.later_in_window]
	by_lot = {row["lot"]: row for row in rows}
	assert (by_lot[stock.expired]["days_left"], by_lot[stock.expired]["urgency"]) == (-10, "Expired")
	assert (by_lot[stock.soon]["days_left"], by_lot[stock.soon]["urgency"]) == (5, "This Week")
	assert by_lot[stock.later_in_window]["urgency"] == "Soon"
	assert by_lot[stock.soon]["shelf_life_left"] == 5.0
	assert by_lot[stock.expired]["shelf_life_left"] == 0
	assert (by_lot[stock.soon]["qty"], by_lot[stock.soon]["value"]) == (10, 20)
	assert (by_lot[stock.expired]["qty"], by_lot[stock.expired]["value"]) == (4, 12)
	assert by_lot[stock.consigned]["stock_owner"] == stock.customer
	assert by_lot[stock.soon]["stock_owner"] == "House"


def test_filters_narrow_the_window_drop_expired_and_pick_an_owner(stock):
	assert [row["lot"] for row in run(stock, days=10)] == [stock.expired, stock.consigned, stock.soon]
	assert stock.expired not in [row["lot"] for row in run(stock, include_expired=0)]
	assert [row["lot"] for row in run(stock, owner=stock.customer)] == [stock.consigned]
	assert [row["lot"] for row in run(stock, days=120)][-1] == stock.outside_window


def test_workspace_figures_count_expiring_lots_and_value_stock_by_status():
	from lot_control.dashboard import lots_expiring_soon, stock_value_by_status

	before = lots_expiring_soon()["value"]
	world = lot_fixture_world()
	item = make_item()
	lines = [
		receipt_line(item, 5, 2, world.warehouse, lot_expiry_date=add_days(nowdate(), 12)),
		receipt_line(item, 3, 4, world.warehouse, lot_expiry_date=add_days(nowdate(), 45)),
		receipt_line(item, 2, 10, world.warehouse),
	]
	receipt = make_purchase_receipt(world.company, world.supplier, lines)
	frappe.get_doc("Lot", receipt.items[2].batch_no).apply_status_change("Quarantine", "retest")

	assert lots_expiring_soon()["value"] == before + 1
	assert lots_expiring_soon({"days": 60})["value"] >= before + 2
	assert stock_value_by_status(world.company.name) == {"labels": ["Released", "Quarantine"], "values": [22, 20]}


def test_the_daily_watch_notifies_the_chosen_role_once_per_lot_and_window():
	from lot_control.tasks import daily_expiry_watch, notify_lots_entering_warning_window
	from lot_control.tests.integration.factories import make_user

	planner = make_user("Stock User", "Lot Quality Manager")
	frappe.db.set_single_value("Lot Control Settings", "expiry_notify_role", "Lot Quality Manager")
	world = lot_fixture_world()
	item = make_item(lot_expiry_warning_days=15)
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[
			receipt_line(item, 5, 2, world.warehouse, lot_expiry_date=add_days(nowdate(), 10)),
			receipt_line(item, 5, 2, world.warehouse, lot_expiry_date=add_days(nowdate(), 40)),
			receipt_line(item, 5, 2, world.warehouse, lot_expiry_date=add_days(nowdate(), -1)),
		],
	)
	entering, outside, expired = (row.batch_no for row in receipt.items)

	daily_expiry_watch()
	notified = frappe.get_all("Notification Log", filters={"for_user": planner, "document_type": "Lot"}, pluck="document_name")
	assert entering in notified and outside not in notified and expired not in notified
	assert frappe.db.get_value("Lot", expired, "status") == "Expired"

	assert entering not in notify_lots_entering_warning_window(), "warned once per lot and window"
	assert frappe.db.count("Notification Log", {"for_user": planner, "document_name": entering}) == 1

	from lot_control.lot_control.doctype.lot.lot import change_expiry

	change_expiry(entering, getdate(add_days(nowdate(), 12)))
	assert entering in notify_lots_entering_warning_window(), "a new expiry date opens a new window"
