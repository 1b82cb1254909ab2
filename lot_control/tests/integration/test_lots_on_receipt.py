"""A storekeeper's day at the receiving dock: every receipt line becomes a lot, with no extra typing."""

import re

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate

from lot_control.exceptions import (
	LotDatesError,
	LotHasStockError,
	LotHasStockHistoryError,
	LotNumberTakenError,
	LotQuantityMismatchError,
)
from lot_control.stock_queries import get_lot_locations, get_lot_on_hand
from lot_control.tests.integration.factories import (
	fake,
	lot_fixture_world,
	make_item,
	make_lot_bundle,
	make_material_issue,
	make_purchase_order,
	make_purchase_receipt,
	make_supplier,
	make_user,
	make_warehouse,
	receipt_line,
)


@pytest.fixture
def world():
	return lot_fixture_world()


def test_receipt_without_lot_data_gets_a_short_unique_lot(world):
	item = make_item()
	receipt = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 10, 4.25, world.warehouse)])

	code = receipt.items[0].batch_no
	assert re.fullmatch(r"L\d{4}-\d{4}", code), code
	lot = frappe.get_doc("Lot", code)
	assert lot.batch == code
	assert lot.item == item
	assert lot.status == "Released"
	assert lot.purchase_receipt == receipt.name
	assert lot.supplier == world.supplier
	assert lot.company == world.company.name
	assert getdate(lot.received_date) == getdate(receipt.posting_date)
	assert lot.unit_cost == pytest.approx(4.25)
	assert lot.warehouse == world.warehouse
	assert frappe.db.get_value("Batch", code, "reference_name") == receipt.name

	locations = get_lot_locations(code)
	assert [(row.warehouse, row.qty) for row in locations] == [(world.warehouse, 10)]
	assert getdate(locations[0].arrival_date) == getdate(receipt.posting_date)


def test_a_new_lot_s_bundle_is_validated_by_erpnext_when_posted(world):
	"""The draft bundle of a new lot is made by the app at submit and saved without the bundle's own
	validation (receiving.attach_inward_bundle); ERPNext validates it in full when it submits it while
	posting, so the posted bundle is as complete as one ERPNext makes itself. A line with rejected
	quantity keeps ERPNext's own two bundles (accepted and rejected) of its lot."""
	frappe.set_user(make_user("Stock User", "Purchase User"))
	item = make_item()
	rejected_warehouse = make_warehouse(world.company)
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[
			receipt_line(item, 10, 4.25, world.warehouse),
			receipt_line(
				item, 8, 5.0, world.warehouse, received_qty=10, rejected_qty=2, rejected_warehouse=rejected_warehouse
			),
		],
	)
	accepted, with_rejected = receipt.items
	assert accepted.batch_no and with_rejected.batch_no and accepted.batch_no != with_rejected.batch_no
	bundle = frappe.get_doc("Serial and Batch Bundle", accepted.serial_and_batch_bundle)
	assert (bundle.docstatus, bundle.is_cancelled, bundle.type_of_transaction) == (1, 0, "Inward")
	assert (bundle.voucher_type, bundle.voucher_no, bundle.voucher_detail_no) == (
		"Purchase Receipt",
		receipt.name,
		accepted.name,
	)
	assert (bundle.item_code, bundle.warehouse, bundle.total_qty) == (item, world.warehouse, 10)
	assert bundle.total_amount == pytest.approx(42.5) and bundle.avg_rate == pytest.approx(4.25)
	[entry] = bundle.entries
	assert (entry.batch_no, entry.qty, entry.warehouse, entry.is_outward) == (accepted.batch_no, 10, world.warehouse, 0)
	assert entry.incoming_rate == pytest.approx(4.25) and entry.stock_value_difference == pytest.approx(42.5)
	ledger = frappe.get_all(
		"Stock Ledger Entry",
		filters={"voucher_no": receipt.name, "voucher_detail_no": accepted.name, "is_cancelled": 0},
		fields=["serial_and_batch_bundle", "actual_qty", "stock_value_difference"],
	)
	assert [(row.serial_and_batch_bundle, row.actual_qty) for row in ledger] == [(bundle.name, 10)]
	assert ledger[0].stock_value_difference == pytest.approx(42.5)

	rejected = frappe.get_doc("Serial and Batch Bundle", with_rejected.rejected_serial_and_batch_bundle)
	assert (rejected.docstatus, rejected.warehouse, rejected.total_qty) == (1, rejected_warehouse, 2)
	assert {row.warehouse: row.qty for row in get_lot_locations(with_rejected.batch_no)} == {
		world.warehouse: 8,
		rejected_warehouse: 2,
	}
	assert get_lot_on_hand(accepted.batch_no) == 10


def test_a_receipt_posted_in_one_call_through_the_api_gets_its_lots_and_bundles(world):
	"""REST's insert with docstatus 1 names, validates and submits in one save: the app's draft bundle
	of each new lot is made then too, and ERPNext posts it."""
	from frappe.client import insert

	frappe.set_user(make_user("Stock User", "Purchase User"))
	item = make_item()
	posted = insert(
		{
			"doctype": "Purchase Receipt",
			"company": world.company.name,
			"supplier": world.supplier,
			"posting_date": nowdate(),
			"set_posting_time": 1,
			"currency": "USD",
			"conversion_rate": 1,
			"docstatus": 1,
			"items": [receipt_line(item, 6, 3.0, world.warehouse), receipt_line(item, 4, 3.5, world.warehouse)],
		}
	)
	receipt = frappe.get_doc("Purchase Receipt", posted["name"])
	assert receipt.docstatus == 1
	for row, qty in zip(receipt.items, (6, 4), strict=True):
		bundle = frappe.get_doc("Serial and Batch Bundle", row.serial_and_batch_bundle)
		assert (bundle.docstatus, bundle.voucher_detail_no, bundle.total_qty) == (1, row.name, qty)
		assert [entry.batch_no for entry in bundle.entries] == [row.batch_no]
		assert get_lot_on_hand(row.batch_no) == qty
		assert frappe.db.get_value("Lot", row.batch_no, "purchase_receipt") == receipt.name
		# The Batch names the receipt once it is written (it could not while it was being inserted).
		assert frappe.db.get_value("Batch", row.batch_no, ["reference_doctype", "reference_name"]) == (
			"Purchase Receipt",
			receipt.name,
		)


def test_two_receipts_get_different_lots(world):
	item = make_item()
	first = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 1, 1, world.warehouse)])
	second = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 1, 1, world.warehouse)])
	assert first.items[0].batch_no != second.items[0].batch_no


def test_lot_data_entered_on_the_line_is_carried_to_the_lot(world):
	item = make_item()
	lot_number = f"ACME-{fake.bothify('??##??').upper()}"
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[
			receipt_line(
				item,
				25,
				2,
				world.warehouse,
				lot_number=lot_number,
				supplier_batch_code="DC2544",
				lot_manufacturing_date="2026-10-01",
				lot_expiry_date="2027-10-01",
				lot_storage_bin="C-12",
				lot_notes="Refrigerate on arrival",
			)
		],
	)
	assert receipt.items[0].batch_no == lot_number
	lot = frappe.get_doc("Lot", lot_number)
	assert lot.supplier_batch_code == "DC2544"
	assert lot.storage_bin == "C-12"
	assert lot.notes == "Refrigerate on arrival"
	assert str(lot.expiry_date) == "2027-10-01"
	assert str(lot.manufacturing_date) == "2026-10-01"
	batch = frappe.get_doc("Batch", lot_number)
	assert str(batch.expiry_date) == "2027-10-01"
	assert str(batch.manufacturing_date) == "2026-10-01"


def test_expiry_follows_the_items_shelf_life_when_not_given(world):
	item = make_item(has_expiry_date=1, shelf_life_in_days=90)
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[
			receipt_line(item, 1, 1, world.warehouse),
			receipt_line(item, 1, 1, world.warehouse, lot_manufacturing_date="2026-09-01"),
		],
	)
	from_receipt, from_manufacture = (frappe.get_doc("Lot", row.batch_no) for row in receipt.items)
	assert getdate(from_receipt.expiry_date) == getdate(add_days(receipt.posting_date, 90))
	assert getdate(from_manufacture.expiry_date) == getdate("2026-11-30")


def test_several_lines_and_several_lots_on_one_line(world):
	bolts, resin, reel = make_item(), make_item(), make_item()
	bundle = make_lot_bundle(
		world.company, reel, world.warehouse, {f"REEL-A-{fake.pyint()}": 3, f"REEL-B-{fake.pyint()}": 2}, rate=7
	)
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[
			receipt_line(bolts, 100, 0.1, world.warehouse),
			receipt_line(resin, 4, 30, world.warehouse, supplier_batch_code="R-77"),
			receipt_line(reel, 5, 7, world.warehouse, serial_and_batch_bundle=bundle, use_serial_batch_fields=0),
		],
	)
	lots = frappe.get_all(
		"Lot", filters={"purchase_receipt": receipt.name}, fields=["name", "item", "unit_cost", "supplier_batch_code"]
	)
	assert sorted(lot.item for lot in lots) == sorted([bolts, resin, reel, reel])
	on_hand = {lot.name: get_lot_on_hand(lot.name) for lot in lots}
	reel_lots = sorted(on_hand[lot.name] for lot in lots if lot.item == reel)
	assert reel_lots == [2, 3]
	assert [lot.supplier_batch_code for lot in lots if lot.item == resin] == ["R-77"]
	assert {lot.unit_cost for lot in lots if lot.item == reel} == {7}


def test_the_same_new_lot_number_on_two_lines_of_one_item_is_one_lot(world):
	item = make_item()
	lot_number = f"SPLIT-{fake.pyint(1000, 9999)}"
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[
			receipt_line(item, 2, 1, world.warehouse, lot_number=lot_number),
			receipt_line(item, 3, 1, world.warehouse, lot_number=lot_number),
		],
	)
	assert {row.batch_no for row in receipt.items} == {lot_number}
	assert get_lot_on_hand(lot_number) == 5


def test_a_lot_chosen_by_the_user_receives_more_stock(world):
	item = make_item()
	first = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 4, 1, world.warehouse)])
	lot = first.items[0].batch_no
	make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 6, 1, world.warehouse, batch_no=lot)])
	assert get_lot_on_hand(lot) == 10
	assert frappe.db.get_value("Lot", lot, "purchase_receipt") == first.name


def test_a_hand_made_batch_becomes_a_lot_with_its_receipt(world):
	item = make_item()
	batch = frappe.get_doc({"doctype": "Batch", "batch_id": f"HAND-{fake.pyint()}", "item": item}).insert()
	receipt = make_purchase_receipt(
		world.company, world.supplier, [receipt_line(item, 3, 2, world.warehouse, batch_no=batch.name)]
	)
	lot = frappe.get_doc("Lot", batch.name)
	assert lot.purchase_receipt == receipt.name
	assert lot.supplier == world.supplier
	assert frappe.db.get_value("Batch", batch.name, "supplier") == world.supplier


def test_receipt_against_a_purchase_order_links_its_lots_to_the_order(world):
	from erpnext.buying.doctype.purchase_order.purchase_order import make_purchase_receipt as receive_order

	item = make_item()
	order = make_purchase_order(world.company, world.supplier, [receipt_line(item, 12, 3, world.warehouse)])
	receipt = receive_order(order.name)
	receipt.set_posting_time = 1
	receipt.insert()
	receipt.submit()
	lot = frappe.get_doc("Lot", receipt.items[0].batch_no)
	assert lot.purchase_order == order.name
	assert lot.purchase_receipt == receipt.name
	assert lot.unit_cost == pytest.approx(3)


def test_cancelling_the_receipt_leaves_no_lot_claiming_stock(world):
	item = make_item()
	receipt = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 8, 1, world.warehouse)])
	lot = receipt.items[0].batch_no
	receipt.cancel()

	assert get_lot_locations(lot) == []
	assert frappe.db.get_value("Lot", lot, "status") == "Archived"

	amended = frappe.copy_doc(receipt)
	amended.amended_from = receipt.name
	amended.docstatus = 0
	for row in amended.items:
		row.docstatus = 0
	amended.insert()
	amended.submit()
	assert amended.items[0].batch_no == lot, "the amended receipt keeps the lot whose labels are printed"
	assert frappe.db.get_value("Lot", lot, "status") == "Released"
	assert frappe.db.get_value("Lot", lot, "purchase_receipt") == amended.name
	assert get_lot_on_hand(lot) == 8


def test_a_lot_with_stock_history_cannot_be_deleted_but_can_be_archived_once_empty(world):
	item = make_item()
	receipt = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 5, 1, world.warehouse)])
	code = receipt.items[0].batch_no
	lot = frappe.get_doc("Lot", code)

	with pytest.raises(LotHasStockHistoryError, match=re.escape(code)):
		frappe.delete_doc("Lot", code)
	with pytest.raises(LotHasStockHistoryError, match=re.escape(item)):
		frappe.delete_doc("Batch", code)
	assert frappe.db.exists("Lot", code)

	with pytest.raises(LotHasStockError, match=re.escape(code)):
		lot.archive()
	assert frappe.db.get_value("Lot", code, "status") == "Released"

	make_material_issue(world.company, item, world.warehouse, 5, code)
	lot.reload()
	lot.archive()
	assert frappe.db.get_value("Lot", code, "status") == "Archived"

	active = frappe.get_list("Lot", filters={"item": item, "status": ("!=", "Archived")}, pluck="name")
	assert code not in active
	from frappe.desk.search import search_link

	found = search_link("Lot", code)
	assert code in [row["value"] for row in found]

	lot.reload()
	lot.restore()
	assert frappe.db.get_value("Lot", code, "status") == "Released"


def test_a_lot_number_already_used_for_the_item_is_refused(world):
	item = make_item()
	first = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 1, 1, world.warehouse)])
	taken = first.items[0].batch_no
	receipts_before = frappe.db.count("Purchase Receipt")

	with pytest.raises(LotNumberTakenError) as refusal:
		make_purchase_receipt(
			world.company, world.supplier, [receipt_line(item, 1, 1, world.warehouse, lot_number=taken)]
		)
	assert taken in str(refusal.value) and item in str(refusal.value)
	assert frappe.db.count("Purchase Receipt") == receipts_before


def test_one_new_lot_number_for_two_items_is_refused(world):
	first_item, second_item = make_item(), make_item()
	lot_number = f"DUP-{fake.pyint()}"
	with pytest.raises(LotNumberTakenError, match=re.escape(lot_number)):
		make_purchase_receipt(
			world.company,
			world.supplier,
			[
				receipt_line(first_item, 1, 1, world.warehouse, lot_number=lot_number),
				receipt_line(second_item, 1, 1, world.warehouse, lot_number=lot_number),
			],
		)
	assert not frappe.db.exists("Batch", lot_number)


def test_expiry_before_manufacture_is_refused(world):
	item = make_item()
	with pytest.raises(LotDatesError) as refusal:
		make_purchase_receipt(
			world.company,
			world.supplier,
			[
				receipt_line(
					item, 1, 1, world.warehouse, lot_manufacturing_date="2026-05-01", lot_expiry_date="2026-04-01"
				)
			],
		)
	assert item in str(refusal.value)
	assert not frappe.db.exists("Lot", {"item": item})


def test_lot_quantities_that_do_not_add_up_to_the_line_are_refused(world):
	item = make_item()
	first_lot, second_lot = f"QA-{fake.pyint()}", f"QB-{fake.pyint()}"
	bundle = make_lot_bundle(world.company, item, world.warehouse, {first_lot: 3, second_lot: 2}, rate=1)
	with pytest.raises(LotQuantityMismatchError) as refusal:
		make_purchase_receipt(
			world.company,
			world.supplier,
			[receipt_line(item, 6, 1, world.warehouse, serial_and_batch_bundle=bundle, use_serial_batch_fields=0)],
		)
	message = str(refusal.value)
	assert item in message and first_lot in message and second_lot in message
	assert not frappe.db.exists("Lot", first_lot)


def test_a_purchase_invoice_that_updates_stock_receives_lots_too(world):
	item = make_item()
	invoice = frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"company": world.company.name,
			"supplier": world.supplier,
			"posting_date": nowdate(),
			"set_posting_time": 1,
			"update_stock": 1,
			"currency": "USD",
			"conversion_rate": 1,
			"items": [receipt_line(item, 7, 3.5, world.warehouse, supplier_batch_code="INV-DC9")],
		}
	)
	invoice.insert()
	invoice.submit()
	lot = frappe.get_doc("Lot", invoice.items[0].batch_no)
	assert lot.supplier == world.supplier and lot.unit_cost == pytest.approx(3.5)
	assert lot.supplier_batch_code == "INV-DC9"
	assert frappe.db.get_value("Batch", lot.name, ["reference_doctype", "reference_name"]) == (
		"Purchase Invoice",
		invoice.name,
	)
	assert get_lot_on_hand(lot.name) == 7
