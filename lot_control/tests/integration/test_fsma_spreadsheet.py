"""The FDA asks for the records of a recalled food within 24 hours, as an electronic sortable
spreadsheet (FSMA 204). The quality manager downloads it from the recall, for a set of lots, or
for an item over a period, as XLSX or CSV: one row per Critical Tracking Event with the Key Data
Elements 21 CFR 1 Subpart S asks of it; a user sees only the lots they may read."""

import csv
import io
from datetime import datetime

import frappe
import openpyxl
import pytest
from frappe.utils import nowdate

from lot_control import api
from lot_control.exceptions import InvalidArgumentError
from lot_control.tests.integration.factories import make_user
from lot_control.tests.integration.test_mass_balance import quality_manager, reel_life
from lot_control.tests.integration.test_trace import DATE_CODE, recall_world

# The Key Data Elements of each event, as the regulation lists them, by the spreadsheet's headings.
KDES = {
	# 21 CFR 1.1345(a): receiving
	"Receiving": [
		"Traceability Lot Code",
		"Quantity",
		"Unit of Measure",
		"Product Description",
		"Immediate Previous Source Location",
		"Receiving Location",
		"Event Date",
		"Traceability Lot Code Source Location",
		"Reference Document Type",
		"Reference Document Number",
	],
	# 21 CFR 1.1350(a): transformation, the lots used and the new lot
	"Transformation": [
		"Input Traceability Lot Codes",
		"Input Product Descriptions",
		"Input Quantities and Units",
		"Traceability Lot Code",
		"Traceability Lot Code Source Location",
		"Event Date",
		"Product Description",
		"Quantity",
		"Unit of Measure",
		"Reference Document Type",
		"Reference Document Number",
	],
	# 21 CFR 1.1340(a): shipping
	"Shipping": [
		"Traceability Lot Code",
		"Quantity",
		"Unit of Measure",
		"Product Description",
		"Immediate Subsequent Recipient Location",
		"Location Shipped From",
		"Event Date",
		"Traceability Lot Code Source Location",
		"Reference Document Type",
		"Reference Document Number",
	],
}


def download(**arguments):
	frappe.local.response = frappe._dict()
	api.traceability_spreadsheet(**arguments)
	response = frappe.local.response
	assert response.type == "download"
	return response


def csv_rows(response) -> list[dict]:
	assert response.filename.endswith(".csv")
	return list(csv.DictReader(io.StringIO(response.filecontent.decode("utf-8"))))


def xlsx_rows(response) -> list[dict]:
	assert response.filename.endswith(".xlsx")
	sheet = openpyxl.load_workbook(io.BytesIO(response.filecontent), read_only=True).active
	lines = [[cell_text(value) for value in line] for line in sheet.iter_rows(values_only=True)]
	return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def cell_text(value) -> str:
	"""A cell as the CSV writes it: a date cell (read back as midnight) as its date."""
	if isinstance(value, datetime):
		return value.date().isoformat()
	return "" if value is None else str(value)


def test_each_event_has_its_row_with_every_key_data_element_in_csv_and_xlsx(shop, reel_life, quality_manager):  # noqa: F811
	life = reel_life
	frappe.set_user(quality_manager)
	lots = [life.reel, life.cut, life.board_lot]

	rows = csv_rows(download(lots=lots, format="csv"))

	events = sorted((row["Critical Tracking Event"], row["Internal Lot"], row["Reference Document Type"]) for row in rows)
	assert events == sorted(
		[
			("Receiving", life.reel, "Purchase Receipt"),
			("Transformation", life.board_lot, "Stock Entry"),
			("Transformation", life.cut, "Stock Entry"),
			("Shipping", life.reel, "Delivery Note"),
		]
	)
	for row in rows:
		missing = [heading for heading in KDES[row["Critical Tracking Event"]] if not row.get(heading)]
		assert missing == [], (row["Critical Tracking Event"], missing)

	by_lot = {(row["Critical Tracking Event"], row["Internal Lot"]): row for row in rows}
	receiving = by_lot[("Receiving", life.reel)]
	assert receiving["Quantity"] == "100" and receiving["Reference Document Number"] == life.receipt.name
	assert frappe.db.get_value("Supplier", shop.supplier, "supplier_name") in receiving["Immediate Previous Source Location"]
	assert shop.company.name in receiving["Receiving Location"]
	board = by_lot[("Transformation", life.board_lot)]
	assert (board["Input Traceability Lot Codes"], board["Input Quantities and Units"], board["Quantity"]) == (life.reel, "6 Nos", "3")
	assert by_lot[("Transformation", life.cut)]["Input Traceability Lot Codes"] == life.reel
	shipping = by_lot[("Shipping", life.reel)]
	assert frappe.db.get_value("Customer", life.customer, "customer_name") in shipping["Immediate Subsequent Recipient Location"]
	assert (shipping["Quantity"], shipping["Reference Document Number"]) == ("20", life.delivery.name)

	# The same rows, in the same order, as XLSX.
	assert xlsx_rows(download(lots=lots, format="xlsx")) == rows


def test_from_a_recall_the_received_lot_keeps_the_suppliers_code_as_its_traceability_lot_code(shop, recall_world, quality_manager):  # noqa: F811
	world = recall_world
	frappe.set_user(quality_manager)
	recall = frappe.get_doc(
		{"doctype": "Recall", "reason": "Distributor flagged date code", "supplier": shop.supplier, "supplier_batch_code": DATE_CODE}
	).insert()

	response = download(recall=recall.name)
	rows = xlsx_rows(response)

	assert response.filename == f"fsma-204-{recall.name}.xlsx"
	(receiving,) = [row for row in rows if row["Critical Tracking Event"] == "Receiving"]
	assert (receiving["Traceability Lot Code"], receiving["Internal Lot"]) == (DATE_CODE, world.reel)
	supplier_name = frappe.db.get_value("Supplier", shop.supplier, "supplier_name")
	assert supplier_name in receiving["Traceability Lot Code Source Location"]
	(split,) = [row for row in rows if row["Critical Tracking Event"] == "Transformation"]
	assert (split["Internal Lot"], split["Input Traceability Lot Codes"]) == (world.cut, DATE_CODE)


def test_an_item_over_a_period_lists_the_events_of_its_lots(shop, reel_life, quality_manager):  # noqa: F811
	life = reel_life
	frappe.set_user(quality_manager)

	rows = csv_rows(download(items=[life.board], from_date=nowdate(), to_date=nowdate(), format="csv"))

	assert [(row["Critical Tracking Event"], row["Internal Lot"]) for row in rows] == [("Transformation", life.board_lot)]
	assert csv_rows(download(items=[life.board], from_date="2001-01-01", to_date="2001-12-31", format="csv")) == []


def test_bad_requests_are_refused_clearly(shop, reel_life, quality_manager):  # noqa: F811
	frappe.set_user(quality_manager)
	for arguments, reason in (
		({}, "Give lots, items or a recall"),
		({"lots": [reel_life.reel], "format": "pdf"}, "format must be one of xlsx, csv"),
		({"items": [reel_life.chip], "from_date": "2026-12-31", "to_date": "2026-01-01"}, "is after to_date"),
		({"lots": "not json ["}, "lots is not valid JSON"),
		({"lots": ["NO-SUCH-LOT-X"]}, "no lot NO-SUCH-LOT-X"),
		({"recall": "RCL-NONE-0"}, "does not exist"),
	):
		with pytest.raises(InvalidArgumentError, match=reason):
			api.traceability_spreadsheet(**arguments)


def test_a_user_who_may_not_read_lots_gets_nothing(shop, reel_life):  # noqa: F811
	frappe.set_user(make_user("Sales User"))
	assert not frappe.has_permission("Lot", "read")
	with pytest.raises(frappe.PermissionError):
		api.traceability_spreadsheet(lots=[reel_life.reel], format="csv")
