"""Leaves received from a grower, chopped into a salad mix, shipped to a grocer: one row per Critical
Tracking Event, each with the Key Data Elements 21 CFR 1 Subpart S asks of it."""

import csv
import io

from lot_control import fsma


def move(lot, item, voucher_type, voucher_no, qty, warehouse="Cold Room", date="2026-11-02", **facts):
	return {"lot": lot, "item_code": item, "voucher_type": voucher_type, "voucher_no": voucher_no, "qty": qty, "warehouse": warehouse, "posting_date": date, **facts}


MOVEMENTS = [
	move("L-LEAF", "LEAF", "Purchase Receipt", "PR-7", 40, date="2026-11-01", supplier="GROW", supplier_name="Green Acres Farm", party_address="12 Field Rd<br>Salinas, CA<br>"),
	move("L-LEAF", "LEAF", "Stock Entry", "STE-9", -30, purpose="Manufacture", work_order="WO-3"),
	move("L-DRESS", "DRESS", "Stock Entry", "STE-9", -5, purpose="Manufacture", work_order="WO-3"),
	move("L-MIX", "MIX", "Stock Entry", "STE-9", 20, warehouse="Packing", purpose="Manufacture", work_order="WO-3"),
	move("L-MIX", "MIX", "Delivery Note", "DN-4", -12, warehouse="Packing", date="2026-11-03", customer="GROC", customer_name="Corner Grocer", party_address="5 Main St<br>Austin, TX"),
	move("L-LEAF", "LEAF", "Stock Entry", "STE-X", -2, purpose="Material Issue"),
	move("L-MIX", "MIX", "Delivery Note", "DN-5R", 1, warehouse="Packing", customer="GROC", is_return=1),
]
LOTS = {
	"L-LEAF": {"tlc": "GA-2611-B", "tlc_source_location": "Green Acres Farm, 12 Field Rd, Salinas, CA"},
	"L-DRESS": {"tlc": "L-DRESS", "tlc_source_location": "Our Kitchen, Cold Room"},
	"L-MIX": {"tlc": "L-MIX", "tlc_source_location": "Our Kitchen, Packing"},
}
ITEMS = {"LEAF": {"description": "Romaine leaves", "uom": "kg"}, "DRESS": {"description": "Dressing", "uom": "L"}, "MIX": {"description": "Salad mix", "uom": "Box"}}
PLACES = {"Cold Room": "Our Kitchen, Cold Room, 1 Dock St", "Packing": "Our Kitchen, Packing, 1 Dock St"}


def rows():
	return fsma.traceability_rows(MOVEMENTS, LOTS, ITEMS, PLACES)


def test_one_row_per_critical_tracking_event_in_date_order():
	assert [(row["event_type"], row["lot"]) for row in rows()] == [
		(fsma.RECEIVING, "L-LEAF"),
		(fsma.TRANSFORMATION, "L-MIX"),
		(fsma.SHIPPING, "L-MIX"),
	]


def test_each_event_carries_every_key_data_element_of_its_section():
	for row in rows():
		assert fsma.missing_kdes(row) == [], row


def test_receiving_names_the_supplier_its_lot_code_and_where_it_arrived():
	receiving = rows()[0]
	assert receiving["traceability_lot_code"] == "GA-2611-B"
	assert receiving["immediate_previous_source_location"] == "Green Acres Farm, 12 Field Rd, Salinas, CA"
	assert receiving["receiving_location"] == PLACES["Cold Room"]
	assert (receiving["quantity"], receiving["unit_of_measure"], receiving["product_description"]) == (40, "kg", "Romaine leaves")
	assert (receiving["reference_document_type"], receiving["reference_document_number"], receiving["event_date"]) == ("Purchase Receipt", "PR-7", "2026-11-01")


def test_a_transformation_lists_every_lot_it_used():
	transformation = rows()[1]
	assert transformation["traceability_lot_code"] == "L-MIX" and transformation["quantity"] == 20
	assert transformation["input_traceability_lot_codes"] == "L-DRESS; GA-2611-B"
	assert transformation["input_product_descriptions"] == "Dressing; Romaine leaves"
	assert transformation["input_quantities"] == "5 L; 30 kg"


def test_shipping_names_the_recipient_and_where_it_left_from():
	shipping = rows()[2]
	assert shipping["immediate_subsequent_recipient_location"] == "Corner Grocer, 5 Main St, Austin, TX"
	assert shipping["shipped_from_location"] == PLACES["Packing"]
	assert shipping["tlc_source_location"] == "Our Kitchen, Packing"


def test_only_events_of_the_chosen_lots_are_kept():
	chosen = fsma.traceability_rows(MOVEMENTS, LOTS, ITEMS, PLACES, selected={"L-DRESS"})
	assert [(row["event_type"], row["lot"]) for row in chosen] == [(fsma.TRANSFORMATION, "L-MIX")]


def test_the_kde_list_of_each_event_matches_the_regulation():
	assert set(fsma.KDE_COLUMNS[fsma.RECEIVING]) >= {"immediate_previous_source_location", "receiving_location", "tlc_source_location"}
	assert set(fsma.KDE_COLUMNS[fsma.SHIPPING]) >= {"immediate_subsequent_recipient_location", "shipped_from_location", "tlc_source_location"}
	assert set(fsma.KDE_COLUMNS[fsma.TRANSFORMATION]) >= {"input_traceability_lot_codes", "input_quantities", "traceability_lot_code"}
	assert all(key in fsma.HEADINGS for columns in fsma.KDE_COLUMNS.values() for key in columns)


def test_csv_has_the_headings_then_one_line_per_row():
	lines = list(csv.reader(io.StringIO(fsma.as_csv(rows()))))
	assert lines[0] == [heading for _key, heading in fsma.COLUMNS]
	assert len(lines) == 4 and lines[3][0] == fsma.SHIPPING


def test_a_lot_code_is_the_suppliers_only_for_what_came_from_them():
	assert fsma.traceability_lot_code("L1", " DC-9 ", received_from_supplier=True) == "DC-9"
	assert fsma.traceability_lot_code("L1", "DC-9", received_from_supplier=False) == "L1"
	assert fsma.traceability_lot_code("L1", None, received_from_supplier=True) == "L1"
	assert fsma.location_description("Acme", "1 Road<br>Town\n", None) == "Acme, 1 Road, Town"
