"""The receiving clerk scans the labels on the reels and cartons: the receipt fills itself.

Each scan goes through the whitelisted resolver the Purchase Receipt's scan field calls; the test
applies its answer to the receipt as the form script does, then saves and finally submits.
"""

import frappe
import pytest
from erpnext.buying.doctype.purchase_order.purchase_order import make_purchase_receipt as receive_order
from frappe.utils import add_days, getdate, nowdate

from lot_control.exceptions import ScannedLabelRefusedError
from lot_control.scanning import resolve_receipt_scan
from lot_control.tests.integration.factories import (
	fake,
	make_item,
	make_purchase_order,
	make_purchase_receipt,
	make_user,
	receipt_line,
)

GS = "\x1d"


def yymmdd(day) -> str:
	return getdate(day).strftime("%y%m%d")


def gs1_label(gtin13: str, lot: str, expiry, count: int) -> str:
	"""A GS1 DataMatrix as a scanner sends it: symbology identifier, FNC1 as GS."""
	return f"]d201{'0' + gtin13}17{yymmdd(expiry)}10{lot}{GS}30{count}"


def digikey_label(part_no: str, order: str, lot: str, qty: int) -> str:
	return (
		f"[)>\x1e06{GS}30P{part_no}{GS}K{order}{GS}1K8{fake.random_number(digits=7)}{GS}10K9{fake.random_number(digits=7)}"
		f"{GS}11K1{GS}9D2544{GS}1T{lot}{GS}4LTW{GS}Q{qty}{GS}11ZPICK{GS}20Z{'0' * 40}"
	)


def scan(receipt, text):
	"""One scan, applied as purchase_receipt.js applies the resolver's answer."""
	answer = resolve_receipt_scan(barcode=text, receipt=frappe.as_json(receipt.as_dict()))
	if answer is None:
		return None
	if answer["row"]:
		row = next(line for line in receipt.items if line.name == answer["row"])
		row.update(answer["values"])
	else:
		row = receipt.append("items", answer["values"])
	receipt.save()
	return row


@pytest.fixture
def dock(shop):
	"""A supplier's order of a GTIN-labelled item and a DigiKey part, and a clerk with the Stock User role."""
	gtin13 = fake.ean13()
	glue = make_item(shelf_life_in_days=365, barcodes=[{"barcode": gtin13}])
	part_no = f"{fake.random_number(digits=3)}-{fake.lexify('????').upper()}-ND"
	chip = make_item(supplier_items=[{"supplier": shop.supplier, "supplier_part_no": part_no}])
	order = make_purchase_order(
		shop.company,
		shop.supplier,
		[receipt_line(glue, 20, 3.5, shop.stores), receipt_line(chip, 10, 0.8, shop.stores)],
	)
	receipt = receive_order(order.name)
	receipt.insert(ignore_permissions=True)
	frappe.set_user(make_user("Stock User", "Purchase User"))
	yield frappe._dict(
		shop=shop, gtin13=gtin13, glue=glue, chip=chip, part_no=part_no, order=order, receipt=receipt
	)
	frappe.set_user("Administrator")


def test_scanned_labels_fill_the_receipt_and_the_lots_keep_the_suppliers_codes(dock):
	receipt = dock.receipt
	expiry = add_days(nowdate(), 300)

	# The first carton of glue fills the open line of the order, with the carton's count.
	row = scan(receipt, gs1_label(dock.gtin13, "G-0815", expiry, 15))
	assert row.purchase_order == dock.order.name
	assert (row.item_code, row.qty, row.supplier_batch_code) == (dock.glue, 15, "G-0815")
	assert getdate(row.lot_expiry_date) == getdate(expiry)

	# The same carton scanned twice is refused at once, naming the line it is on.
	with pytest.raises(ScannedLabelRefusedError, match="already on line"):
		scan(receipt, gs1_label(dock.gtin13, "G-0815", expiry, 15))

	# A second carton, another lot: a new line of the same order line.
	row = scan(receipt, gs1_label(dock.gtin13, "G-0816", add_days(expiry, 30), 5))
	assert (row.item_code, row.qty, row.supplier_batch_code, row.purchase_order) == (
		dock.glue,
		5,
		"G-0816",
		dock.order.name,
	)
	assert len([line for line in receipt.items if line.item_code == dock.glue]) == 2

	# A DigiKey reel for another order is said, not taken.
	with pytest.raises(ScannedLabelRefusedError, match="is for purchase order"):
		scan(receipt, digikey_label(dock.part_no, "PO-NOT-OURS", "DK-1", 10))

	# The right reel fills the chip's line, found by DigiKey's part number for this supplier.
	row = scan(receipt, digikey_label(dock.part_no, dock.order.name, "DK-4711", 10))
	assert (row.item_code, row.qty, row.supplier_batch_code) == (dock.chip, 10, "DK-4711")
	assert getdate(row.lot_manufacturing_date) == getdate("2025-10-27")

	# Unknown parts and expired lots are refused with the reason.
	with pytest.raises(ScannedLabelRefusedError, match="Unknown part"):
		scan(receipt, digikey_label("999-NOPE-ND", dock.order.name, "DK-1", 1))
	with pytest.raises(ScannedLabelRefusedError, match="expired on"):
		scan(receipt, gs1_label(dock.gtin13, "G-OLD", add_days(nowdate(), -1), 5))

	# A plain item barcode is not ours: ERPNext's own scan handling takes it.
	assert resolve_receipt_scan(barcode=dock.gtin13, receipt=frappe.as_json(receipt.as_dict())) is None

	frappe.set_user("Administrator")
	receipt.reload()
	receipt.submit()
	lots = frappe.get_all(
		"Lot",
		filters={"purchase_receipt": receipt.name},
		fields=["name", "item", "supplier_batch_code"],
	)
	by_code = {lot.supplier_batch_code: lot for lot in lots}
	assert set(by_code) == {"G-0815", "G-0816", "DK-4711"}
	assert getdate(frappe.db.get_value("Batch", by_code["G-0815"].name, "expiry_date")) == getdate(expiry)
	assert getdate(frappe.db.get_value("Batch", by_code["G-0816"].name, "expiry_date")) == getdate(
		add_days(expiry, 30)
	)

	# The next delivery brings the same lot again: it was received already.
	again = make_purchase_receipt(
		dock.shop.company,
		dock.shop.supplier,
		[receipt_line(dock.glue, 1, 3.5, dock.shop.stores)],
		submit=False,
	)
	with pytest.raises(ScannedLabelRefusedError, match="already received"):
		scan(again, gs1_label(dock.gtin13, "G-0815", expiry, 15))


def test_a_lot_below_the_items_minimum_shelf_life_is_refused(shop):
	gtin13 = fake.ean13()
	yoghurt = make_item(
		shelf_life_in_days=100, min_remaining_shelf_life_percent=50, barcodes=[{"barcode": gtin13}]
	)
	receipt = make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(yoghurt, 1, 1, shop.stores)], submit=False
	)
	frappe.set_user(make_user("Stock User"))
	try:
		with pytest.raises(ScannedLabelRefusedError, match="below the item's minimum of 50"):
			scan(receipt, gs1_label(gtin13, "Y-1", add_days(nowdate(), 20), 12))
		row = scan(receipt, gs1_label(gtin13, "Y-2", add_days(nowdate(), 90), 12))
		assert (row.qty, row.supplier_batch_code) == (12, "Y-2")
	finally:
		frappe.set_user("Administrator")


def test_a_mouser_reel_is_found_by_the_makers_part_and_an_lcsc_bag_by_lcscs_part(shop):
	maker = frappe.get_doc(
		{"doctype": "Manufacturer", "short_name": f"{fake.company()} {fake.lexify('????')}"}
	).insert(ignore_permissions=True)
	regulator = make_item()
	mpn = f"MC{fake.random_number(digits=5)}ADR"
	frappe.get_doc(
		{
			"doctype": "Item Manufacturer",
			"item_code": regulator,
			"manufacturer": maker.name,
			"manufacturer_part_no": mpn,
		}
	).insert(ignore_permissions=True)
	lcsc_part = f"C{fake.random_number(digits=6)}"
	connector = make_item(supplier_items=[{"supplier": shop.supplier, "supplier_part_no": lcsc_part}])
	receipt = make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(regulator, 1, 0.3, shop.stores)], submit=False
	)
	frappe.set_user(make_user("Stock User"))
	try:
		mouser = f"[)>\x1e06{GS}KP0-1337{GS}14K011{GS}1P{mpn}{GS}Q3{GS}11K073121337{GS}4LMX{GS}1VTI\x1e\x04"
		row = scan(receipt, mouser)
		# The receipt has no order to compare with; the reel fills the regulator's open line.
		assert (row.idx, row.item_code, row.qty) == (1, regulator, 3)
		lcsc = (
			f"{{pbn:PICK2009291337,on:SO2009291337,pc:{lcsc_part},pm:ST-1-102,qty:2,mc:,cc:1,pdi:34421807}}"
		)
		row = scan(receipt, lcsc)
		assert (row.idx, row.item_code, row.qty) == (2, connector, 2)
	finally:
		frappe.set_user("Administrator")
