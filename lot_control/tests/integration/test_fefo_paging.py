"""FEFO picking reads an item's lots a page at a time, soonest expiry first, and stops once the row
is covered: rows naming no lot get exactly the lots picking every lot at once would give them, across
page boundaries, past quarantined, expired and consigned lots; a shortage is refused as before."""

import re

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate

from lot_control import picking, stock_queries, usage
from lot_control.exceptions import LotShortageError
from lot_control.tests.integration.factories import (
	expire_lot,
	lot_fixture_world,
	make_customer,
	make_delivery_note,
	make_item,
	make_purchase_receipt,
	make_user,
	make_warehouse,
	receipt_line,
)


@pytest.fixture
def world(monkeypatch):
	"""An item with lots of many expiry dates, two sharing a day, some not usable, one never expiring,
	read one lot to a page (two at most) so every row crosses page boundaries."""
	monkeypatch.setattr(usage, "PICK_PAGE_SIZE", 1)
	monkeypatch.setattr(usage, "MAX_PICK_PAGE_SIZE", 2)
	world = lot_fixture_world()
	world.part = make_item()
	world.product = make_item(lot_controlled=False)
	world.customer = make_customer()
	days = {"tie_a": 10, "tie_b": 10, "quarantined": 5, "stale": 60, "d20": 20, "d30": 30, "d45": 45}
	quantities = {"tie_a": 3, "tie_b": 2, "quarantined": 50, "stale": 4, "d20": 4, "d30": 6, "d45": 5}
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[
			receipt_line(
				world.part, quantities[key], 2, world.warehouse, lot_expiry_date=add_days(nowdate(), day)
			)
			for key, day in days.items()
		]
		+ [receipt_line(world.part, 10, 2, world.warehouse)],
	)
	world.lots = dict(zip([*days, "never"], (row.batch_no for row in receipt.items), strict=True))
	consigned = make_purchase_receipt(
		world.company,
		world.supplier,
		[receipt_line(world.part, 7, 2, world.warehouse, lot_expiry_date=add_days(nowdate(), 8))],
		consignment_customer=make_customer(),
	)
	world.lots["consigned"] = consigned.items[0].batch_no
	frappe.get_doc("Lot", world.lots["quarantined"]).change_status("Quarantine", "incoming inspection")
	expire_lot(world.lots["stale"], add_days(nowdate(), -1))
	return world


def picked_lots(doc):
	return [
		(entry.batch_no, abs(entry.qty))
		for row in doc.items
		if row.serial_and_batch_bundle and (row.get("s_warehouse") or doc.doctype != "Stock Entry")
		for entry in frappe.get_doc("Serial and Batch Bundle", row.serial_and_batch_bundle).entries
	]


def picked_at_once(item_code, warehouse, qty, policy):
	"""What picking every candidate of the place at once gives (the reference)."""
	result = picking.pick_lots(usage.lot_candidates(item_code, warehouse, policy.strict_expiry), qty, policy)
	return [(allocation.lot, allocation.qty) for allocation in result.allocations]


def count_pages(monkeypatch):
	pages = []
	read = stock_queries.lots_in_stock_by_expiry

	def counting(item_code, expiring_after=None, page_size=None):
		lots = read(item_code, expiring_after, page_size)
		pages.append([lot.lot for lot in lots])
		return lots

	monkeypatch.setattr(usage, "lots_in_stock_by_expiry", counting)
	return pages


def deliver(world, qty, submit=True):
	return make_delivery_note(
		world.company,
		world.customer,
		[{"item_code": world.part, "qty": qty, "rate": 5, "warehouse": world.warehouse}],
		submit=submit,
	)


def house_policy():
	return picking.PickPolicy(
		on_date=getdate(nowdate()), allowed_owners=frozenset({None}), strict_expiry=True
	)


def test_a_delivery_naming_no_lot_gets_the_fefo_lots_across_pages(world, monkeypatch):
	lots = world.lots
	expected = picked_at_once(world.part, world.warehouse, 12, house_policy())
	tie_first, tie_second = sorted((lots["tie_a"], lots["tie_b"]))
	first_qty = 3 if tie_first == lots["tie_a"] else 2
	assert expected == [
		(tie_first, first_qty),
		(tie_second, 5 - first_qty),
		(lots["d20"], 4),
		(lots["d30"], 3),
	]

	pages = count_pages(monkeypatch)
	# Who delivers: ERPNext gives the Serial and Batch Bundles a delivery makes to Stock and Delivery
	# Users (a Sales User may not make one, with or without this app).
	frappe.set_user(make_user("Stock User"))
	note = deliver(world, 12)
	assert picked_lots(note) == expected
	# Expired lots are not read; the two lots expiring the same day come in one page; the pages
	# stop at the lot that covers the row, so the never-expiring lot is not read.
	assert pages[0] == [world.lots["quarantined"]]
	assert sorted(pages[1]) == sorted([lots["consigned"], tie_first, tie_second])
	assert all(lots["stale"] not in page and lots["never"] not in page for page in pages)
	assert len(pages) == 3


def test_a_delivery_s_picked_bundle_is_validated_by_erpnext_when_posted(world):
	"""The draft bundle the app makes at submit is saved without the bundle's own validation
	(usage.attach_outward_bundle); ERPNext validates it in full when it submits it while posting, so
	the posted bundle is as complete as one ERPNext makes itself: warehouse, outward flag and rate
	on every entry, totals equal to the row, linked to the row."""
	frappe.set_user(make_user("Stock User"))
	note = deliver(world, 12)
	row = note.items[0]
	bundle = frappe.get_doc("Serial and Batch Bundle", row.serial_and_batch_bundle)
	assert (bundle.docstatus, bundle.is_cancelled, bundle.type_of_transaction) == (1, 0, "Outward")
	assert (bundle.voucher_type, bundle.voucher_no, bundle.voucher_detail_no) == ("Delivery Note", note.name, row.name)
	assert bundle.total_qty == -12 and bundle.warehouse == world.warehouse
	assert len(bundle.entries) == 4
	for entry in bundle.entries:
		assert (entry.warehouse, entry.is_outward, entry.docstatus) == (world.warehouse, 1, 1)
		assert entry.qty < 0 and entry.incoming_rate > 0 and entry.stock_value_difference < 0
	assert bundle.total_amount == pytest.approx(sum(entry.stock_value_difference for entry in bundle.entries))
	assert bundle.avg_rate > 0


def test_a_delivery_posted_in_one_call_through_the_api_gets_the_fefo_lots(world):
	"""REST's insert with docstatus 1 validates and submits in one save: the row is picked as when a
	saved draft is submitted."""
	from frappe.client import insert

	expected = picked_at_once(world.part, world.warehouse, 12, house_policy())
	frappe.set_user(make_user("Stock User", "Sales User"))
	posted = insert(
		{
			"doctype": "Delivery Note",
			"company": world.company.name,
			"customer": world.customer,
			"posting_date": nowdate(),
			"currency": "USD",
			"conversion_rate": 1,
			"selling_price_list": frappe.db.get_value("Price List", {"selling": 1}) or "Standard Selling",
			"docstatus": 1,
			"items": [{"item_code": world.part, "qty": 12, "rate": 5, "warehouse": world.warehouse}],
		}
	)
	note = frappe.get_doc("Delivery Note", posted["name"])
	assert note.docstatus == 1
	assert picked_lots(note) == expected


def test_a_row_past_every_expiring_lot_reaches_the_lot_that_never_expires(world):
	expected = picked_at_once(world.part, world.warehouse, 22, house_policy())
	assert expected[-1] == (world.lots["never"], 22 - 5 - 4 - 6 - 5)
	note = deliver(world, 22)
	assert picked_lots(note) == expected


def test_a_manufacture_row_naming_no_lot_gets_the_fefo_lots_across_pages(world):
	policy = house_policy()
	expected = picked_at_once(world.part, world.warehouse, 9, policy)
	frappe.set_user(make_user("Manufacturing User"))
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Manufacture",
			"purpose": "Manufacture",
			"company": world.company.name,
			"posting_date": nowdate(),
			"items": [
				{"item_code": world.part, "qty": 9, "s_warehouse": world.warehouse},
				{"item_code": world.product, "qty": 1, "t_warehouse": world.warehouse, "is_finished_item": 1},
			],
		}
	)
	entry.insert()
	entry.submit()
	assert picked_lots(entry) == expected
	assert [lot for lot, _qty in expected][-1] == world.lots["d20"]


def test_paged_picking_equals_picking_every_lot_for_any_quantity(world):
	"""Every quantity up to all usable stock, for house stock and for the consigning customer."""
	consignor = frappe.db.get_value("Lot", world.lots["consigned"], "consignment_customer")
	for owners in (frozenset({None}), frozenset({None, consignor})):
		policy = picking.PickPolicy(on_date=getdate(nowdate()), allowed_owners=owners, strict_expiry=True)
		for qty in (1, 3, 4.5, 5, 9, 15, 20, 30, 35, 42):
			paged = usage.pick_in_pages(world.part, world.warehouse, qty, policy)
			reference = picking.pick_lots(
				usage.lot_candidates(world.part, world.warehouse, True), qty, policy
			)
			assert (paged.allocations, paged.shortfall) == (reference.allocations, reference.shortfall), qty


def test_with_strict_expiry_off_the_expired_lot_is_picked_in_its_place(world):
	policy = picking.PickPolicy(on_date=getdate(nowdate()), strict_expiry=False)
	paged = usage.pick_in_pages(world.part, world.warehouse, 6, policy)
	assert paged.allocations[0].lot == world.lots["stale"]
	reference = picking.pick_lots(usage.lot_candidates(world.part, world.warehouse, False), 6, policy)
	assert paged.allocations == reference.allocations


def test_a_group_warehouse_picks_a_lot_once_per_child_warehouse_it_is_in(world):
	group = make_warehouse(world.company, is_group=1)
	first = make_warehouse(world.company, parent_warehouse=group)
	second = make_warehouse(world.company, parent_warehouse=group)
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[receipt_line(world.part, 5, 2, first, lot_expiry_date=add_days(nowdate(), 12))],
	)
	lot = receipt.items[0].batch_no
	transfer = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Transfer",
			"purpose": "Material Transfer",
			"company": world.company.name,
			"items": [
				{
					"item_code": world.part,
					"qty": 2,
					"s_warehouse": first,
					"t_warehouse": second,
					"batch_no": lot,
					"use_serial_batch_fields": 1,
				}
			],
		}
	)
	transfer.insert()
	transfer.submit()
	policy = house_policy()
	paged = usage.pick_in_pages(world.part, group, 4, policy)
	reference = picking.pick_lots(usage.lot_candidates(world.part, group, True), 4, policy)
	assert paged.allocations == reference.allocations
	(first_in_order, on_hand), (second_in_order, _on_hand) = sorted([(first, 3.0), (second, 2.0)])
	assert paged.allocations == [
		picking.Allocation(lot, first_in_order, on_hand),
		picking.Allocation(lot, second_in_order, 4 - on_hand),
	]


def test_not_enough_usable_stock_is_still_refused_naming_each_unusable_lot(world):
	with pytest.raises(LotShortageError) as refusal:
		deliver(world, 40)
	message = str(refusal.value)
	assert world.part in message and "only 30" in message, message
	lots = world.lots
	assert re.search(
		rf"{re.escape(lots['quarantined'])}(</strong>)? \(50(\.0)?: status Quarantine\)", message
	), message
	assert re.search(rf"{re.escape(lots['stale'])}(</strong>)? \(4(\.0)?: expired on ", message), message
	assert re.search(rf"{re.escape(lots['consigned'])}(</strong>)? \(7(\.0)?: customer ", message), message
