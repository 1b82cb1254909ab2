"""Labels as a warehouse prints them: a lot of an item with a GTIN gets GS1 symbols whose data a
scanner reads back as (01)(10)(17), a unit (01)(21); an item without a GTIN keeps its internal code.
Every label size renders. The Digital Link in the QR code opens the lot or unit for a signed-in user
who may read it and tells anyone else nothing."""

import random
import re
from datetime import date
from urllib.parse import quote

import frappe
import zxingcpp
from frappe.utils import get_url, set_request
from frappe.website.serve import get_response

from lot_control import codes, gs1_labels
from lot_control.tests.integration.conftest import shop_of
from lot_control.tests.integration.factories import (
	made_despite_deadlocks,
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	unique_suffix,
)
from lot_control.tests.symbol_reader import decode, symbols_in
from lot_control.units import new_unit, register_units

LOT_FORMATS = ("Lot Label", "Lot Label (4 x 6 in)", "Lot Label Sheet (A4)")
UNIT_FORMATS = (
	"Serialized Unit Label",
	"Serialized Unit Label (4 x 6 in)",
	"Serialized Unit Label Sheet (A4)",
)
EXPIRY = date(2027, 10, 1)


def new_gtin13() -> str:
	"""A random EAN-13 in the restricted-circulation range (prefix 2), unique enough for one test run."""
	digits = "2" + "".join(random.choices("0123456789", k=11))
	return digits + str(gs1_labels.gtin_check_digit(digits))


def gtin_item(**overrides):
	gtin13 = new_gtin13()
	return make_item(barcodes=[{"barcode": gtin13, "barcode_type": "EAN"}], **overrides), "0" + gtin13


def receive_lot(world, item, lot_number=None, expiry=EXPIRY):
	lot_number = lot_number or f"GS-{unique_suffix(6)}"
	make_purchase_receipt(
		world.company,
		world.supplier,
		[receipt_line(item, 12, 3.5, world.stores, lot_number=lot_number, lot_expiry_date=str(expiry))],
	)
	return lot_number


def lot_of_gtin_item(world, **lot_values):
	"""A lot received of a new item with an EAN-13: (lot, gtin14)."""
	item, gtin = gtin_item()
	return receive_lot(world, item, **lot_values), gtin


def units_of_gtin_item(world, count=2):
	"""Units registered on a Work Order of a new serialized item with an EAN-13: (units, gtin14)."""
	device, gtin = gtin_item(has_batch_no=0, has_serial_no=1)
	work_order = make_work_order(
		world.company, device, {make_item(): 1}, count, world.stores, skip_transfer=1
	)
	return register_units(work_order.name), gtin


def test_a_lot_of_a_gtin_item_prints_gs1_symbols_a_scanner_reads_as_gtin_lot_and_expiry(receiving_company):
	lot, gtin = made_despite_deadlocks(lambda: lot_of_gtin_item(shop_of(receiving_company)))
	frappe.set_user(make_user("Stock User"))

	html = frappe.get_print("Lot", lot, print_format="Lot Label")
	expected = f"(01){gtin}(10){lot}(17)271001"
	[datamatrix] = symbols_in(html, "lc-datamatrix")
	scanned = decode(datamatrix, zxingcpp.BarcodeFormat.DataMatrix)
	assert (scanned.text, scanned.symbology_identifier) == (expected, "]d2")
	assert scanned.bytes.decode() == f"01{gtin}10{lot}\x1d17271001"
	[gs1_128] = symbols_in(html, "lc-gs1-128")
	assert decode(gs1_128, zxingcpp.BarcodeFormat.Code128).text == expected
	[qr] = symbols_in(html, "lc-qr")
	assert decode(qr, zxingcpp.BarcodeFormat.QRCode).text == get_url(f"/01/{gtin}/10/{lot}?17=271001")
	assert expected in html  # the text under the GS1-128


def test_an_item_without_gtin_keeps_the_internal_code_and_the_desk_url(receiving_company):
	def make():
		item = make_item(barcodes=[{"barcode": f"INT-{unique_suffix(8)}", "barcode_type": "CODE-39"}])
		return receive_lot(shop_of(receiving_company), item)

	lot = made_despite_deadlocks(make)
	frappe.set_user(make_user("Stock User"))

	html = frappe.get_print("Lot", lot, print_format="Lot Label")
	assert not symbols_in(html, "lc-datamatrix") and not symbols_in(html, "lc-gs1-128")
	[barcode] = symbols_in(html, "lc-barcode")
	scanned = decode(barcode, zxingcpp.BarcodeFormat.Code128)
	assert (scanned.text, scanned.content_type) == (lot, zxingcpp.ContentType.Text)
	[qr] = symbols_in(html, "lc-qr")
	assert decode(qr, zxingcpp.BarcodeFormat.QRCode).text == get_url(f"/app/lot/{quote(lot, safe='')}")


def test_every_label_size_renders_its_symbols_for_lots_and_units(receiving_company):
	def make():
		world = shop_of(receiving_company)
		return lot_of_gtin_item(world), units_of_gtin_item(world)

	(lot, gtin), (units, unit_gtin) = made_despite_deadlocks(make)
	frappe.set_user(make_user("Stock User", "Manufacturing User"))

	for print_format in LOT_FORMATS:
		html = frappe.get_print("Lot", lot, print_format=print_format)
		copies = 24 if "A4" in print_format else 1
		assert len(symbols_in(html, "lc-datamatrix")) == copies, print_format
		assert len(symbols_in(html, "lc-gs1-128")) == copies, print_format
		assert len(symbols_in(html, "lc-qr")) == copies, print_format
		assert decode(symbols_in(html, "lc-datamatrix")[-1], zxingcpp.BarcodeFormat.DataMatrix).text == (
			f"(01){gtin}(10){lot}(17)271001"
		)

	for print_format in UNIT_FORMATS:
		html = frappe.get_print("Serialized Unit", units[0], print_format=print_format)
		copies = 24 if "A4" in print_format else 1
		assert len(symbols_in(html, "lc-datamatrix")) == copies, print_format
		scanned = decode(symbols_in(html, "lc-gs1-128")[0], zxingcpp.BarcodeFormat.Code128)
		assert scanned.text == f"(01){unit_gtin}(21){units[0]}"
		assert decode(symbols_in(html, "lc-qr")[0], zxingcpp.BarcodeFormat.QRCode).text == get_url(
			f"/01/{unit_gtin}/21/{quote(units[0], safe='')}"  # a check symbol may be "="
		)


def test_the_receipt_and_work_order_sheets_print_one_label_per_lot_and_unit(receiving_company):
	def make():
		world = shop_of(receiving_company)
		gs1_item, gtin = gtin_item()
		lines = [
			receipt_line(
				gs1_item, 5, 1, world.stores, lot_number=f"GS-{unique_suffix(6)}", lot_expiry_date=str(EXPIRY)
			),
			receipt_line(make_item(), 5, 1, world.stores),
		]
		return (
			make_purchase_receipt(world.company, world.supplier, lines),
			gtin,
			units_of_gtin_item(world, count=3),
		)

	receipt, gtin, (units, unit_gtin) = made_despite_deadlocks(make)
	work_order = frappe.db.get_value("Serialized Unit", units[0], "work_order")
	frappe.set_user(make_user("Stock User", "Manufacturing User"))

	sheet = frappe.get_print("Purchase Receipt", receipt.name, print_format="Lot Labels (A4)")
	assert len(symbols_in(sheet, "lc-qr")) == 2
	[datamatrix] = symbols_in(sheet, "lc-datamatrix")
	assert decode(datamatrix, zxingcpp.BarcodeFormat.DataMatrix).text.startswith(f"(01){gtin}(10)GS-")
	[internal] = [markup for markup in symbols_in(sheet, "lc-barcode") if "lc-gs1-128" not in markup]
	assert decode(internal, zxingcpp.BarcodeFormat.Code128).text == receipt.items[1].batch_no

	sheet = frappe.get_print("Work Order", work_order, print_format="Unit Labels (A4)")
	decoded = {
		decode(markup, zxingcpp.BarcodeFormat.DataMatrix).text
		for markup in symbols_in(sheet, "lc-datamatrix")
	}
	assert decoded == {f"(01){unit_gtin}(21){unit}" for unit in units}


# The Digital Link resolver


def open_link(path: str, user: str):
	frappe.set_user(user)
	set_request(method="GET", path=path)
	frappe.local.response = frappe._dict()
	return get_response(path)


def test_the_digital_link_opens_the_unit_and_the_lot_for_a_signed_in_user(receiving_company):
	def make():
		world = shop_of(receiving_company)
		return units_of_gtin_item(world), lot_of_gtin_item(world, lot_number=f"GS.{unique_suffix(4)}_1")

	(units, gtin), (lot, lot_gtin) = made_despite_deadlocks(make)

	response = open_link(f"/01/{gtin}/21/{units[1]}", make_user("Manufacturing User"))
	assert (response.status_code, response.headers["Location"]) == (
		302,
		f"/app/serialized-unit/{quote(units[1], safe='')}",
	)

	response = open_link(f"/01/{lot_gtin}/10/{lot}", make_user("Stock User"))
	assert (response.status_code, response.headers["Location"]) == (302, f"/app/lot/{quote(lot, safe='')}")


def test_a_unit_coded_before_codes_were_gs1_safe_prints_and_opens_in_todays_spelling(receiving_company):
	"""A unit issued with the old $ or ~ check symbol keeps its name; GS1 allows neither, so its label
	carries the same code in today's spelling, and that Digital Link opens the old unit."""

	def make():
		world = shop_of(receiving_company)
		device, gtin = gtin_item(has_batch_no=0, has_serial_no=1)
		work_order = make_work_order(world.company, device, {make_item(): 1}, 1, world.stores, skip_transfer=1)
		while (code := codes.generate_unit_code())[12] != codes.LEGACY_CHECK_SYMBOLS["$"]:
			pass
		legacy = code[:12] + "$"
		new_unit(device, world.company.name, work_order.name, code=legacy)
		return legacy, gtin

	legacy, gtin = made_despite_deadlocks(make)
	frappe.set_user(make_user("Manufacturing User"))
	html = frappe.get_print("Serialized Unit", legacy, print_format="Serialized Unit Label")
	[datamatrix] = symbols_in(html, "lc-datamatrix")
	assert decode(datamatrix, zxingcpp.BarcodeFormat.DataMatrix).text == f"(01){gtin}(21){codes.gs1_code(legacy)}"

	response = open_link(f"/01/{gtin}/21/{codes.gs1_code(legacy)}", make_user("Manufacturing User"))
	assert (response.status_code, response.headers["Location"]) == (
		302,
		f"/app/serialized-unit/{quote(legacy, safe='')}",
	)


def test_the_digital_link_shows_nothing_to_a_guest_or_a_user_who_may_not_read_it(receiving_company):
	units, gtin = made_despite_deadlocks(lambda: units_of_gtin_item(shop_of(receiving_company)))
	unit = units[0]
	item_code = frappe.db.get_value("Serialized Unit", unit, "item_code")

	response = open_link(f"/01/{gtin}/21/{unit}", "Guest")
	assert response.status_code == 302
	assert response.headers["Location"] == f"/login?redirect-to={quote(f'/01/{gtin}/21/{unit}', safe='')}"
	assert unit not in response.get_data(as_text=True)

	accountant = make_user("Accounts User")  # a desk user without read access to units
	refused = open_link(f"/01/{gtin}/21/{unit}", accountant)
	missing = open_link(f"/01/{gtin}/21/{unit[:-1]}X", accountant)
	wrong_gtin = open_link(f"/01/{new_gtin13().zfill(14)}/21/{unit}", make_user("Manufacturing User"))
	for response in (refused, missing, wrong_gtin):
		body = response.get_data(as_text=True)
		assert response.status_code == 403
		assert "Location" not in response.headers
		assert item_code not in body
		assert "Serialized Unit" not in body and "/app/serialized-unit" not in body
	# An existing unit and a missing one cannot be told apart: the pages differ only by the path asked
	# for (in the login link, percent-encoded: a check symbol may be '*', '$', '=' or '~') and by the
	# footer script Frappe adds to the first page of a process.
	assert without_code(page_text(refused), unit) == without_code(page_text(missing), f"{unit[:-1]}X")
	assert "You are not permitted to open this link" in page_text(refused)


def without_code(page: str, code: str) -> str:
	return page.replace(quote(code, safe=""), "").replace(code, "")


def page_text(response) -> str:
	return re.sub(r"<script\b.*?</script>", "", response.get_data(as_text=True), flags=re.S)
