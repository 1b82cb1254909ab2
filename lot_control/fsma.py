"""FSMA 204 electronic sortable spreadsheet: one row per Critical Tracking Event (Receiving,
Transformation, Shipping) with the Key Data Elements of 21 CFR Part 1 Subpart S, built from the
ledger's movements (lot_control.stock_queries.lot_movements_by_voucher rows). Plain Python.

A lot received with the supplier's code keeps that code as its traceability lot code (TLC), with
the supplier as its source: only a transformation (a build, a repack, a split) assigns a new TLC,
at the place it was made. The app's own lot number is given beside it, to find the lot.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

from lot_control.constants import vouchers

RECEIVING = "Receiving"
TRANSFORMATION = "Transformation"
SHIPPING = "Shipping"
EVENT_TYPES = (RECEIVING, TRANSFORMATION, SHIPPING)

# (key, column heading) in the order of the spreadsheet.
COLUMNS = (
	("event_type", "Critical Tracking Event"),
	("event_date", "Event Date"),
	("traceability_lot_code", "Traceability Lot Code"),
	("tlc_source_location", "Traceability Lot Code Source Location"),
	("product_description", "Product Description"),
	("quantity", "Quantity"),
	("unit_of_measure", "Unit of Measure"),
	("immediate_previous_source_location", "Immediate Previous Source Location"),
	("receiving_location", "Receiving Location"),
	("shipped_from_location", "Location Shipped From"),
	("immediate_subsequent_recipient_location", "Immediate Subsequent Recipient Location"),
	("input_traceability_lot_codes", "Input Traceability Lot Codes"),
	("input_product_descriptions", "Input Product Descriptions"),
	("input_quantities", "Input Quantities and Units"),
	("reference_document_type", "Reference Document Type"),
	("reference_document_number", "Reference Document Number"),
	("item_code", "Item Code"),
	("lot", "Internal Lot"),
)
HEADINGS = dict(COLUMNS)

# The Key Data Elements each event must carry: 21 CFR 1.1345(a) receiving, 1.1350(a)(2)
# transformation (the new lot and every lot used), 1.1340(a) shipping.
KDE_COLUMNS = {
	RECEIVING: (
		"traceability_lot_code",  # (a)(1)
		"quantity",  # (a)(2)
		"unit_of_measure",
		"product_description",  # (a)(3)
		"immediate_previous_source_location",  # (a)(4)
		"receiving_location",  # (a)(5)
		"event_date",  # (a)(6) date received
		"tlc_source_location",  # (a)(7)
		"reference_document_type",  # (a)(8)
		"reference_document_number",
	),
	TRANSFORMATION: (
		"input_traceability_lot_codes",  # (a)(1)(i) lots used
		"input_product_descriptions",  # (a)(1)(ii)
		"input_quantities",  # (a)(1)(iii)
		"traceability_lot_code",  # (a)(2)(i) new TLC
		"tlc_source_location",  # (a)(2)(ii) where transformed
		"event_date",  # (a)(2)(iii) date completed
		"product_description",  # (a)(2)(iv)
		"quantity",  # (a)(2)(v)
		"unit_of_measure",
		"reference_document_type",  # (a)(2)(vi)
		"reference_document_number",
	),
	SHIPPING: (
		"traceability_lot_code",  # (a)(1)
		"quantity",  # (a)(2)
		"unit_of_measure",
		"product_description",  # (a)(3)
		"immediate_subsequent_recipient_location",  # (a)(4)
		"shipped_from_location",  # (a)(5)
		"event_date",  # (a)(6) date shipped
		"tlc_source_location",  # (a)(7)
		"reference_document_type",  # (a)(8)
		"reference_document_number",
	),
}

TAGS = re.compile(r"<[^>]+>")
LINE_BREAKS = re.compile(r"<br\s*/?>|\n", re.IGNORECASE)


def location_description(*parts) -> str:
	"""A location as one line: business name, address, phone (an address block's HTML line breaks
	become commas, its tags are dropped)."""
	pieces = []
	for part in parts:
		for piece in LINE_BREAKS.split(str(part or "")):
			piece = TAGS.sub("", piece).strip(" ,")
			if piece and piece not in pieces:
				pieces.append(piece)
	return ", ".join(pieces)


def traceability_lot_code(lot: str, supplier_batch_code: str | None = None, received_from_supplier: bool = False) -> str:
	"""The supplier's code of a lot received from them, else the app's lot number."""
	if received_from_supplier and (supplier_batch_code or "").strip():
		return supplier_batch_code.strip()
	return lot


def number(qty: float) -> float:
	rounded = round(float(qty), 6)
	return int(rounded) if rounded == int(rounded) else rounded


def event_of(movement) -> str | None:
	"""The Critical Tracking Event a movement belongs to, if any."""
	voucher_type = movement["voucher_type"]
	inward = movement["qty"] > 0
	if movement.get("is_return"):
		return None
	if voucher_type in vouchers.PURCHASE_VOUCHERS or voucher_type == "Subcontracting Receipt":
		if voucher_type == "Purchase Invoice" and not movement.get("update_stock"):
			return None
		return RECEIVING if inward else None
	if voucher_type in vouchers.SALES_VOUCHERS:
		if movement.get("is_consolidated"):
			return None
		return None if inward else SHIPPING
	if voucher_type == "Stock Entry" and (movement.get("purpose") in vouchers.TRANSFORMATION_PURPOSES or movement.get("lot_split_from")):
		return TRANSFORMATION
	return None


def traceability_rows(movements, lots: dict, items: dict, places: dict, selected=None) -> list[dict]:
	"""The spreadsheet's rows, sorted by date, event and lot code.

	movements: lot_movements_by_voucher rows (a transformation's voucher with all its lots);
	lots: {lot: {"tlc", "tlc_source_location"}}; items: {item_code: {"description", "uom"}};
	places: {warehouse: location description}; selected: the lots asked about (every lot if None):
	a receiving or shipping row is kept for a selected lot, a transformation when it made or used one."""
	by_voucher_lot = {}
	for movement in movements:
		key = (movement["voucher_type"], movement["voucher_no"], movement["lot"])
		row = by_voucher_lot.setdefault(key, {**movement, "qty": 0.0, "warehouses": []})
		row["qty"] += float(movement.get("qty") or 0)
		if movement.get("warehouse") and movement["warehouse"] not in row["warehouses"]:
			row["warehouses"].append(movement["warehouse"])
	netted = [row for row in by_voucher_lot.values() if abs(round(row["qty"], 6)) > 0]

	def lot_code(lot):
		return (lots.get(lot) or {}).get("tlc") or lot

	def lot_source(lot):
		return (lots.get(lot) or {}).get("tlc_source_location") or ""

	def describe(item_code):
		return (items.get(item_code) or {}).get("description") or item_code or ""

	def uom(item_code):
		return (items.get(item_code) or {}).get("uom") or ""

	def where(row):
		return "; ".join(places.get(warehouse) or warehouse for warehouse in row["warehouses"])

	def base(event, row):
		return {
			"event_type": event,
			"event_date": row.get("posting_date"),
			"traceability_lot_code": lot_code(row["lot"]),
			"tlc_source_location": lot_source(row["lot"]),
			"product_description": describe(row.get("item_code")),
			"quantity": number(abs(row["qty"])),
			"unit_of_measure": uom(row.get("item_code")),
			"reference_document_type": row["voucher_type"],
			"reference_document_number": row["voucher_no"],
			"item_code": row.get("item_code"),
			"lot": row["lot"],
		}

	wanted = None if selected is None else set(selected)
	rows = []
	transformations = defaultdict(list)
	for row in netted:
		event = event_of(row)
		if event == TRANSFORMATION:
			transformations[(row["voucher_type"], row["voucher_no"])].append(row)
		elif event and (wanted is None or row["lot"] in wanted):
			record = base(event, row)
			party = location_description(row.get("supplier_name") or row.get("supplier") or row.get("customer_name") or row.get("customer"), row.get("party_address"))
			if event == RECEIVING:
				record["immediate_previous_source_location"] = party
				record["receiving_location"] = where(row)
			else:
				record["immediate_subsequent_recipient_location"] = party
				record["shipped_from_location"] = where(row)
			rows.append(record)
	for voucher_rows in transformations.values():
		made = [row for row in voucher_rows if row["qty"] > 0]
		used = sorted((row for row in voucher_rows if row["qty"] < 0), key=lambda row: row["lot"])
		if not made or not used:
			continue
		if wanted is not None and not {row["lot"] for row in voucher_rows} & wanted:
			continue
		for row in sorted(made, key=lambda row: row["lot"]):
			record = base(TRANSFORMATION, row)
			record["input_traceability_lot_codes"] = "; ".join(lot_code(input_row["lot"]) for input_row in used)
			record["input_product_descriptions"] = "; ".join(describe(input_row.get("item_code")) for input_row in used)
			record["input_quantities"] = "; ".join(f"{number(abs(input_row['qty']))} {uom(input_row.get('item_code'))}".strip() for input_row in used)
			rows.append(record)
	for record in rows:
		for key, _heading in COLUMNS:
			record.setdefault(key, "")
	rows.sort(key=lambda record: (str(record["event_date"] or ""), EVENT_TYPES.index(record["event_type"]), record["reference_document_number"], record["lot"]))
	return rows


def missing_kdes(row: dict) -> list[str]:
	"""The Key Data Elements a row of its event type lacks (empty), by heading."""
	return [HEADINGS[key] for key in KDE_COLUMNS[row["event_type"]] if row.get(key) in (None, "")]


def as_table(rows) -> list[list]:
	"""Headings and then one list per row, in column order: for XLSX and CSV alike."""
	return [[heading for _key, heading in COLUMNS]] + [[row.get(key) for key, _heading in COLUMNS] for row in rows]


def as_csv(rows) -> str:
	buffer = io.StringIO()
	writer = csv.writer(buffer)
	for line in as_table(rows):
		writer.writerow(["" if value is None else str(value) for value in line])
	return buffer.getvalue()
