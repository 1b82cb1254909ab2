"""Files that stay with the stock, and lots changed many at a time from the list."""

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate

from lot_control.exceptions import LotDatesError, LotStatusChangeError
from lot_control.lot_control.doctype.lot.lot import bulk_change_expiry, bulk_change_status
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_purchase_receipt,
	make_user,
	receipt_line,
)


@pytest.fixture
def world():
	return lot_fixture_world()


def make_file(name="certificate.txt"):
	return frappe.get_doc(
		{"doctype": "File", "file_name": name, "content": "Certificate of conformance", "is_private": 1}
	).insert(ignore_permissions=True).file_url


def test_a_certificate_attached_on_the_receipt_line_stays_with_the_lot(world):
	item = make_item()
	certificate = make_file()
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[receipt_line(item, 3, 1, world.warehouse, lot_document_type="Certificate of Conformance", lot_document=certificate)],
	)
	documents = frappe.get_doc("Lot", receipt.items[0].batch_no).documents
	assert [(row.document_type, row.file, row.reference) for row in documents] == [
		("Certificate of Conformance", certificate, receipt.name)
	]
	assert getdate(documents[0].document_date) == getdate(receipt.posting_date)


def test_a_lot_missing_its_required_document_is_not_released_until_it_has_it(world):
	item = make_item(quarantine_lots_on_receipt=1, required_lot_document="Certificate of Analysis")
	receipt = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 3, 1, world.warehouse)])
	lot = frappe.get_doc("Lot", receipt.items[0].batch_no)
	with pytest.raises(LotStatusChangeError) as refusal:
		lot.change_status("Released", "inspected")
	assert "Certificate of Analysis" in str(refusal.value) and lot.name in str(refusal.value)
	assert frappe.db.get_value("Lot", lot.name, "status") == "Quarantine"

	lot.reload()
	lot.append("documents", {"document_type": "Certificate of Analysis", "file": make_file("coa.txt"), "reference": "COA-1"})
	lot.save()
	lot.change_status("Released", "inspected, CoA on file")
	assert frappe.db.get_value("Lot", lot.name, "status") == "Released"


def receive_lots(world, count=2, **line):
	item = make_item()
	receipt = make_purchase_receipt(
		world.company, world.supplier, [receipt_line(item, 2, 1, world.warehouse, **line) for _ in range(count)]
	)
	return [row.batch_no for row in receipt.items]


def test_bulk_status_change_follows_the_same_rules_and_is_all_or_none(world):
	lots = receive_lots(world)
	assert bulk_change_status(lots, "On Hold", "supplier notice") == 2
	assert {frappe.db.get_value("Lot", lot, "status") for lot in lots} == {"On Hold"}
	assert all(frappe.get_doc("Lot", lot).history[-1].reason == "supplier notice" for lot in lots)

	frappe.set_user(make_user("Stock User", "Stock Manager"))
	with pytest.raises(LotStatusChangeError):
		bulk_change_status(lots, "Released", "looks fine")
	frappe.set_user("Administrator")
	assert {frappe.db.get_value("Lot", lot, "status") for lot in lots} == {"On Hold"}


def test_bulk_expiry_change_moves_the_batch_date_and_records_it(world):
	lots = receive_lots(world, lot_manufacturing_date=add_days(nowdate(), -10), lot_expiry_date=add_days(nowdate(), 10))
	new_expiry = add_days(nowdate(), 60)
	assert bulk_change_expiry(lots, new_expiry, "retest passed") == 2
	for lot in lots:
		assert getdate(frappe.db.get_value("Batch", lot, "expiry_date")) == getdate(new_expiry)
		assert getdate(frappe.db.get_value("Lot", lot, "expiry_date")) == getdate(new_expiry)
		last = frappe.get_doc("Lot", lot).history[-1]
		assert last.event == "Expiry Change" and "retest passed" in last.reason

	with pytest.raises(LotDatesError, match=lots[0]):
		bulk_change_expiry(lots, add_days(nowdate(), -30))
	assert getdate(frappe.db.get_value("Batch", lots[1], "expiry_date")) == getdate(new_expiry)
