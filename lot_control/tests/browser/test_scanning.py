"""Scanning in the desk, in headless Chromium: the receiving clerk types (as a keyboard-wedge scanner
does) a supplier's GS1 label into the Purchase Receipt's scan field and the line fills with the lot
details; the dispatcher scans a quarantined lot into a Delivery Note and is told at once why not."""

from __future__ import annotations

import os
from pathlib import Path

import frappe
import pytest
from frappe.utils import add_days, getdate, nowdate

from lot_control.tests.browser.conftest import committed, make_desk_user, open_desk
from lot_control.tests.integration.factories import (
	fake,
	make_customer,
	make_item,
	make_purchase_receipt,
	receipt_line,
	unique_suffix,
)

# Where the README's picture of the scan is saved (docs/screenshots), only when asked for.
SCREENSHOTS = os.environ.get("LOT_CONTROL_SCREENSHOTS")
SCAN_FIELD = 'input[data-fieldname="scan_barcode"]'
FORM_SETTLED = "() => window.cur_frm && !frappe.dom.freeze_count"


def scan_into(page, text: str):
	"""Type the scanned text into the scan field and end it with Enter, as a keyboard-wedge scanner does."""
	field = page.locator(SCAN_FIELD).first
	field.click()
	field.fill(text)
	field.press("Enter")


@pytest.fixture(scope="module")
def dock(shop):
	"""A draft receipt with an open line of a GTIN-labelled glue, a clerk who receives it, and, on
	the shelf, a lot of the glue held in Quarantine with a dispatcher who would ship it."""

	def make():
		gtin13 = fake.ean13()
		glue = make_item(shelf_life_in_days=365, barcodes=[{"barcode": gtin13}])
		receipt = make_purchase_receipt(
			shop.company, shop.supplier, [receipt_line(glue, 20, 3.5, shop.stores)], submit=False
		)
		stocked = make_purchase_receipt(
			shop.company, shop.supplier, [receipt_line(glue, 5, 3.5, shop.stores)]
		)
		held = stocked.items[0].batch_no
		frappe.get_doc("Lot", held).change_status("Quarantine", "Viscosity out of range")
		return frappe._dict(
			gtin13=gtin13,
			glue=glue,
			receipt=receipt.name,
			held=held,
			customer=make_customer(),
			clerk=make_desk_user("Stock User", "Purchase User"),
			dispatcher=make_desk_user("Stock User", "Sales User"),
		)

	return committed(make)


def test_a_scanned_gs1_label_fills_the_receipt_line_with_the_lot_details(login_as, console_errors, dock):
	page = login_as(dock.clerk)
	open_desk(page, f"purchase-receipt/{dock.receipt}", SCAN_FIELD)
	batch = f"G-{unique_suffix(4)}"
	expiry = getdate(add_days(nowdate(), 300))

	scan_into(page, f"(01)0{dock.gtin13}(17){expiry.strftime('%y%m%d')}(10){batch}(30)15")
	page.wait_for_function(
		"(batch) => cur_frm.doc.items[0].supplier_batch_code === batch && !frappe.dom.freeze_count", arg=batch
	)
	line = page.evaluate(
		"() => { const row = cur_frm.doc.items[0]; return [row.item_code, row.qty, row.received_qty, row.supplier_batch_code, row.lot_expiry_date]; }"
	)
	assert line == [dock.glue, 15, 15, batch, str(expiry)]
	assert page.locator(SCAN_FIELD).first.input_value() == ""
	alerts = page.locator("#alert-container .alert-message").all_inner_texts()
	assert any(dock.glue in alert and batch in alert for alert in alerts), alerts
	assert page.evaluate("() => cur_frm.doc.items.length") == 1

	# The row's Lot Details, as the clerk opens them to check (the open row form darkens the page).
	page.evaluate("() => { cur_frm.fields_dict.items.grid.grid_rows[0].toggle_view(true); }")
	page.locator(".grid-row-open .section-head", has_text="Lot Details").click()
	details = page.locator(".grid-row-open .frappe-control[data-fieldname='supplier_batch_code'] input")
	details.wait_for()
	assert details.input_value() == batch
	page.locator(".grid-row-open .section-head", has_text="Lot Details").scroll_into_view_if_needed()
	page.wait_for_timeout(500)  # the row form's slide-in
	if SCREENSHOTS:
		Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
		page.screenshot(path=str(Path(SCREENSHOTS) / "receipt-scan.png"))

	page.evaluate("() => { cur_frm.fields_dict.items.grid.grid_rows[0].toggle_view(false); }")
	page.wait_for_function(FORM_SETTLED)
	page.keyboard.press("Control+s")
	page.wait_for_function("() => cur_frm && !cur_frm.is_dirty() && !frappe.dom.freeze_count")
	frappe.db.rollback()  # see what the server stored
	stored = frappe.get_all(
		"Purchase Receipt Item",
		filters={"parent": dock.receipt},
		fields=["qty", "supplier_batch_code", "lot_expiry_date"],
	)
	assert [(row.qty, row.supplier_batch_code, getdate(row.lot_expiry_date)) for row in stored] == [
		(15, batch, expiry)
	]


def test_a_quarantined_lot_scanned_into_a_delivery_is_refused_at_once(login_as, console_errors, shop, dock):
	page = login_as(dock.dispatcher)
	open_desk(page, "delivery-note/new", SCAN_FIELD)
	page.evaluate(
		"([company, customer, warehouse]) => cur_frm.set_value({company, customer, set_warehouse: warehouse})",
		[shop.company.name, dock.customer, shop.stores],
	)
	page.wait_for_function(FORM_SETTLED)

	scan_into(page, f"(01)0{dock.gtin13}(10){dock.held}")
	dialog = page.locator(".modal.show .msgprint")
	dialog.wait_for()
	message = dialog.inner_text()
	assert f"Lot {dock.held} of item {dock.glue} is Quarantine" in message
	assert "only Released lots can be used for delivery to" in message
	assert page.locator(SCAN_FIELD).first.input_value() == ""
	assert page.evaluate("() => (cur_frm.doc.items || []).filter((row) => row.batch_no).length") == 0
	# The refusal is the server's answer (HTTP 417, with its traceback in developer mode), not an error of the page.
	console_errors[:] = [line for line in console_errors if "issue_scanning" not in line]


@pytest.fixture(scope="module")
def picking(shop, dock):
	"""A customer's order for 4 of the glue and its Pick List, with a good lot of the glue on the shelf."""
	from erpnext.selling.doctype.sales_order.sales_order import create_pick_list

	from lot_control.tests.integration.test_pick_list import make_sales_order

	def make():
		good = make_purchase_receipt(
			shop.company, shop.supplier, [receipt_line(dock.glue, 10, 3.5, shop.stores)]
		)
		order = make_sales_order(shop, dock.customer, dock.glue, 4)
		pick_list = create_pick_list(order.name)
		pick_list.insert()
		return frappe._dict(lot=good.items[0].batch_no, pick_list=pick_list.name, stores=shop.stores)

	return committed(make)


def test_a_picker_scans_the_lot_label_and_the_pick_list_row_is_picked(
	login_as, console_errors, dock, picking
):
	page = login_as(dock.dispatcher)
	open_desk(page, f"pick-list/{picking.pick_list}", SCAN_FIELD)
	scan_into(page, f"https://erp.example.com/app/lot/{picking.lot}")
	page.wait_for_function("() => cur_frm.doc.locations[0].picked_qty === 4 && !frappe.dom.freeze_count")
	row = page.evaluate(
		"() => { const row = cur_frm.doc.locations[0]; return [row.item_code, row.batch_no, row.picked_qty, row.warehouse]; }"
	)
	assert row == [dock.glue, picking.lot, 4, picking.stores]
	assert page.evaluate("() => cur_frm.doc.locations.length") == 1
	assert page.locator(SCAN_FIELD).first.input_value() == ""


def test_a_lot_label_scanned_into_a_delivery_adds_the_line_with_that_lot(
	login_as, console_errors, shop, dock, picking
):
	page = login_as(dock.dispatcher)
	open_desk(page, "delivery-note/new", SCAN_FIELD)
	page.evaluate(
		"([company, customer, warehouse]) => cur_frm.set_value({company, customer, set_warehouse: warehouse})",
		[shop.company.name, dock.customer, shop.stores],
	)
	page.wait_for_function(FORM_SETTLED)

	scan_into(page, picking.lot)
	page.wait_for_function(
		"(lot) => (cur_frm.doc.items || []).some((row) => row.batch_no === lot) && !frappe.dom.freeze_count",
		arg=picking.lot,
	)
	page.wait_for_timeout(1000)  # anything ERPNext's item handlers do after the row is filled
	rows = page.evaluate(
		"() => cur_frm.doc.items.filter((row) => row.item_code).map((row) => [row.item_code, row.batch_no, row.qty, row.warehouse, row.use_serial_batch_fields])"
	)
	assert rows == [[dock.glue, picking.lot, 1, shop.stores, 1]]
	assert page.locator(".modal.show").count() == 0, "no serial/batch selector over a scanned lot"


def test_a_lot_label_scanned_into_a_material_transfer_adds_the_row_from_its_shelf(
	login_as, console_errors, shop, dock, picking
):
	page = login_as(dock.dispatcher)
	open_desk(page, "stock-entry/new", SCAN_FIELD)
	page.evaluate(
		"""([company, source, target]) => cur_frm.set_value({company, stock_entry_type: "Material Transfer"})
			.then(() => cur_frm.set_value({from_warehouse: source, to_warehouse: target}))""",
		[shop.company.name, shop.stores, shop.wip],
	)
	page.wait_for_function("() => cur_frm.doc.purpose === 'Material Transfer' && !frappe.dom.freeze_count")

	scan_into(page, picking.lot)
	page.wait_for_function(
		"(lot) => (cur_frm.doc.items || []).some((row) => row.batch_no === lot) && !frappe.dom.freeze_count",
		arg=picking.lot,
	)
	page.wait_for_timeout(1000)
	rows = page.evaluate(
		"() => cur_frm.doc.items.filter((row) => row.item_code).map((row) => [row.item_code, row.batch_no, row.qty, row.s_warehouse, row.t_warehouse])"
	)
	assert rows == [[dock.glue, picking.lot, 1, shop.stores, shop.wip]]
