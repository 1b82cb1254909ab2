"""Go-live day and the yearly count: the stock already on the shelves comes in by Stock
Reconciliation, each batch as a lot with the cost and expiry the storekeeper entered; later counts
adjust lots without making new ones, and a count is never mistaken for a use. Beside it, the other
receiving paths: a Purchase Invoice that updates stock, and its return."""

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate

from lot_control.stock_queries import get_lot_on_hand
from lot_control.tests.integration.factories import (
	fake,
	make_item,
	make_purchase_receipt,
	make_user,
	receipt_line,
)


@pytest.fixture
def shop(receiving_shop):
	return receiving_shop

@pytest.fixture
def storekeeper():
	return make_user("Stock Manager", "Stock User")


def temporary_opening_account(company) -> str:
	return frappe.db.get_value("Account", {"company": company.name, "account_type": "Temporary", "is_group": 0}, "name")


def count_stock(shop, lines, purpose="Stock Reconciliation", submit=True, posting_date=None):
	"""A Stock Reconciliation as the storekeeper enters it: item, warehouse, counted quantity and
	valuation rate per line, with a batch or the lot's details when they are known."""
	count = frappe.get_doc(
		{
			"doctype": "Stock Reconciliation",
			"company": shop.company.name,
			"purpose": purpose,
			"posting_date": posting_date or nowdate(),
			"set_posting_time": 1,
			"items": [{"warehouse": shop.stores, "use_serial_batch_fields": 1, **line} for line in lines],
		}
	)
	if purpose == "Opening Stock":
		count.expense_account = temporary_opening_account(shop.company)
	count.insert()
	if submit:
		count.submit()
	return count


def lots_of(item):
	return frappe.get_all("Lot", filters={"item": item}, pluck="name")


def history(lot, event=None):
	return [row for row in frappe.get_doc("Lot", lot).history if not event or row.event == event]


# Opening stock


def test_opening_stock_makes_a_lot_with_the_cost_and_expiry_entered(shop, storekeeper):
	item = make_item(has_expiry_date=1, shelf_life_in_days=365)
	lot_number = f"OPEN-{fake.bothify('??###').upper()}"
	frappe.set_user(storekeeper)

	opening = count_stock(
		shop,
		[
			{
				"item_code": item,
				"qty": 40,
				"valuation_rate": 2.75,
				"lot_number": lot_number,
				"supplier_batch_code": "DC2519",
				"lot_manufacturing_date": "2026-03-01",
				"lot_expiry_date": "2027-02-28",
				"lot_storage_bin": "A-07",
				"lot_notes": "Counted at go-live",
			}
		],
		purpose="Opening Stock",
	)

	assert opening.items[0].batch_no == lot_number
	lot = frappe.get_doc("Lot", lot_number)
	assert (lot.source_document_type, lot.source_document) == ("Stock Reconciliation", opening.name)
	assert getdate(lot.received_date) == getdate(opening.posting_date)
	assert lot.unit_cost == pytest.approx(2.75)
	assert (lot.warehouse, lot.storage_bin, lot.notes) == (shop.stores, "A-07", "Counted at go-live")
	assert lot.supplier_batch_code == "DC2519"
	assert (str(lot.manufacturing_date), str(lot.expiry_date)) == ("2026-03-01", "2027-02-28")
	assert lot.status == "Released"
	assert (lot.history[0].reference_name, lot.history[0].reason) == (opening.name, "Opening stock.")
	assert get_lot_on_hand(lot_number) == 40


def test_an_opening_lot_without_details_is_numbered_and_dated_by_the_items_rules(shop, storekeeper):
	item = make_item(has_expiry_date=1, shelf_life_in_days=90)
	frappe.set_user(storekeeper)
	opening = count_stock(shop, [{"item_code": item, "qty": 12, "valuation_rate": 5}], purpose="Opening Stock")

	[lot] = lots_of(item)
	assert opening.items[0].batch_no == lot
	assert getdate(frappe.db.get_value("Lot", lot, "expiry_date")) == getdate(add_days(opening.posting_date, 90))
	assert get_lot_on_hand(lot) == 12


def test_an_item_received_in_quarantine_opens_its_lots_in_quarantine(shop, storekeeper):
	item = make_item(quarantine_lots_on_receipt=1)
	frappe.set_user(storekeeper)
	count_stock(shop, [{"item_code": item, "qty": 5, "valuation_rate": 9}], purpose="Opening Stock")

	[lot] = lots_of(item)
	assert frappe.db.get_value("Lot", lot, "status") == "Quarantine"


def test_a_batch_chosen_by_the_user_keeps_its_own_expiry(shop, storekeeper):
	item = make_item(has_expiry_date=1, shelf_life_in_days=200)
	batch = frappe.get_doc(
		{"doctype": "Batch", "batch_id": f"B-{fake.bothify('####??').upper()}", "item": item, "expiry_date": "2027-06-30"}
	).insert()
	frappe.set_user(storekeeper)
	opening = count_stock(
		shop,
		[{"item_code": item, "qty": 8, "valuation_rate": 3, "batch_no": batch.name, "lot_expiry_date": "2026-12-31"}],
		purpose="Opening Stock",
	)

	lot = frappe.get_doc("Lot", batch.name)
	assert str(lot.expiry_date) == "2027-06-30"
	assert str(frappe.db.get_value("Batch", batch.name, "expiry_date")) == "2027-06-30"
	assert lot.source_document == opening.name and lot.unit_cost == pytest.approx(3)


def test_a_batch_erpnext_creates_by_itself_becomes_a_lot(shop, storekeeper):
	item = make_item(create_new_batch=1)
	frappe.set_user(storekeeper)
	opening = count_stock(shop, [{"item_code": item, "qty": 6, "valuation_rate": 4}], purpose="Opening Stock")

	[lot] = lots_of(item)
	assert frappe.db.get_value("Lot", lot, ["source_document", "unit_cost"]) == (opening.name, 4)
	assert get_lot_on_hand(lot) == 6


def test_a_lot_number_already_used_is_refused_on_a_count_too(shop, storekeeper):
	from lot_control.exceptions import LotNumberTakenError

	item = make_item()
	receipt = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, 3, 1, shop.stores)])
	frappe.set_user(storekeeper)
	with pytest.raises(LotNumberTakenError, match=receipt.items[0].batch_no):
		count_stock(shop, [{"item_code": item, "qty": 4, "valuation_rate": 1, "lot_number": receipt.items[0].batch_no}])


def test_cancelling_the_opening_stock_archives_its_lots(shop, storekeeper):
	item = make_item()
	frappe.set_user(storekeeper)
	opening = count_stock(shop, [{"item_code": item, "qty": 10, "valuation_rate": 1}], purpose="Opening Stock")
	[lot] = lots_of(item)

	opening.reload()
	opening.cancel()

	assert get_lot_on_hand(lot) == 0
	assert frappe.db.get_value("Lot", lot, "status") == "Archived"
	assert history(lot)[-1].reference_name == opening.name


# Counts of lots already in stock


def test_a_count_that_adds_to_a_lot_makes_no_second_lot_and_is_in_its_history(shop, storekeeper):
	item = make_item()
	receipt = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, 10, 2, shop.stores)])
	lot = receipt.items[0].batch_no
	frappe.set_user(storekeeper)

	count = count_stock(shop, [{"item_code": item, "qty": 15, "valuation_rate": 2, "batch_no": lot}])

	assert lots_of(item) == [lot]
	assert frappe.db.get_value("Lot", lot, ["purchase_receipt", "source_document"]) == (receipt.name, receipt.name)
	[event] = history(lot, "Stock Count")
	assert (event.qty, event.reference_doctype, event.reference_name) == (5, "Stock Reconciliation", count.name)
	assert event.changed_by == storekeeper
	assert get_lot_on_hand(lot) == 15


def test_a_count_that_lowers_a_quarantined_lot_is_an_adjustment_not_a_use(shop, storekeeper):
	item = make_item(quarantine_lots_on_receipt=1)
	receipt = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, 10, 2, shop.stores)])
	lot = receipt.items[0].batch_no
	assert frappe.db.get_value("Lot", lot, "status") == "Quarantine"
	frappe.set_user(storekeeper)

	count = count_stock(shop, [{"item_code": item, "qty": 7, "valuation_rate": 2, "batch_no": lot}])

	assert get_lot_on_hand(lot) == 7
	assert frappe.db.get_value("Lot", lot, "status") == "Quarantine"
	[event] = history(lot, "Stock Count")
	assert (event.qty, event.reference_name) == (-3, count.name)
	assert "7" in event.reason and "10" in event.reason

	# Cancelling the count puts the stock back and says so in the lot's history.
	count.reload()
	count.cancel()
	assert get_lot_on_hand(lot) == 10
	assert [row.qty for row in history(lot, "Stock Count")] == [-3, 3]
	assert frappe.db.get_value("Lot", lot, "status") == "Quarantine"


def test_a_count_to_zero_leaves_a_released_lot_consumed(shop, storekeeper):
	item = make_item()
	receipt = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, 4, 2, shop.stores)])
	lot = receipt.items[0].batch_no
	frappe.set_user(storekeeper)

	count_stock(shop, [{"item_code": item, "qty": 0, "valuation_rate": 2, "batch_no": lot}])

	assert get_lot_on_hand(lot) == 0
	assert frappe.db.get_value("Lot", lot, "status") == "Consumed"
	assert [row.qty for row in history(lot, "Stock Count")] == [-4]


# Other receiving paths


def test_a_purchase_invoice_that_updates_stock_makes_lots_and_its_return_takes_them_back(shop):
	from erpnext.accounts.doctype.purchase_invoice.purchase_invoice import make_debit_note

	item = make_item(quarantine_lots_on_receipt=1)
	invoice = frappe.get_doc(
		{
			"doctype": "Purchase Invoice",
			"company": shop.company.name,
			"supplier": shop.supplier,
			"posting_date": nowdate(),
			"set_posting_time": 1,
			"update_stock": 1,
			"currency": "USD",
			"conversion_rate": 1,
			"items": [receipt_line(item, 9, 4, shop.stores, lot_expiry_date="2027-09-30", lot_storage_bin="R-2")],
		}
	)
	invoice.insert()
	invoice.submit()
	lot = frappe.get_doc("Lot", invoice.items[0].batch_no)
	assert (lot.source_document_type, lot.source_document) == ("Purchase Invoice", invoice.name)
	assert (lot.status, lot.storage_bin, str(lot.expiry_date)) == ("Quarantine", "R-2", "2027-09-30")
	assert lot.unit_cost == pytest.approx(4)

	debit_note = make_debit_note(invoice.name)
	debit_note.items[0].update({"qty": -3, "received_qty": -3})
	debit_note.insert()
	debit_note.submit()
	assert get_lot_on_hand(lot.name) == 6
	[returned] = history(lot.name, "Return to Supplier")
	assert (returned.qty, returned.reference_name) == (3, debit_note.name)

	# Cancelling the invoice once the return is cancelled leaves no lot claiming stock.
	debit_note.cancel()
	invoice.reload()
	invoice.cancel()
	assert frappe.db.get_value("Lot", lot.name, "status") == "Archived"
