"""Reading what a supplier's label says, from the text its barcodes scan to.

The distributor strings are real labels as published in InvenTree's supplier-barcode tests and on
DigiKey's, Mouser's, LCSC's and TME's reels (order numbers anonymised by their publishers).
"""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lot_control.barcodes import OwnLabel, parse_label, read_own_label

DIGIKEY = (
	"[)>\x1e06\x1dP296-LM358BIDDFRCT-ND\x1d1PLM358BIDDFR\x1dK\x1d1K72991337\x1d"
	"10K85781337\x1d11K1\x1d4LPH\x1dQ10\x1d11ZPICK\x1d12Z15221337\x1d13Z361337"
	"\x1d20Z" + "0" * 174
)
DIGIKEY_30P_WITH_LOT = (
	"[)>\x1e06\x1d30P296-LM358BIDDFRCT-ND\x1dKPO-4711\x1d1K72991337\x1d"
	"10K85781337\x1d11K1\x1d9D2544\x1d1TDK-LOT-9\x1d4LPH\x1dQ10\x1d11ZPICK\x1d12Z15221337\x1d13Z361337"
	"\x1d20Z" + "0" * 40
)
MOUSER = "[)>\x1e06\x1dKP0-1337\x1d14K011\x1d1PMC34063ADR\x1dQ3\x1d11K073121337\x1d4LMX\x1d1VTI\x1e\x04"
MOUSER_OLD = ">[)>06\x1dK21421337\x1d14K033\x1d1PLDK320ADU33R\x1dQ32\x1d11K060931337\x1d4LCN\x1d1VSTMicro"
LCSC = "{pbn:PICK2009291337,on:SO2009291337,pc:C312270,pm:ST-1-102-A01-T000-RS,qty:2,mc:,cc:1,pdi:34421807}"
LCSC_WITH_COMMA = "{pbn:PICK2409280015,on:GB2409280135,pc:C1554,pm:0402CG200J500NT,qty:100,mc:C20, C21,cc:1,pdi:129558054,hp:12,wc:ZH}"
TME_QR = (
	"QTY:1 PN:WBP-302 PO:19361337/1 CPO:PO-2023-06-08-001337 MFR:WISHERENTERPRISE MPN:WBP-302 RoHS "
	"https://www.tme.eu/details/WBP-302"
)
TME_DATAMATRIX = "PWBP-302 1PMPNWBP-302 Q1 K19361337/1"


def test_digikey_label_gives_digikeys_part_number_quantity_and_order():
	label = parse_label(DIGIKEY)
	assert label.format == "DigiKey"
	assert label.supplier_part_no == "296-LM358BIDDFRCT-ND"
	assert label.manufacturer_part_no == "LM358BIDDFR"
	assert label.customer_part_no is None
	assert label.purchase_order is None  # K is printed empty: no customer PO given
	assert label.supplier_order == "72991337"
	assert label.quantity == 10


def test_digikey_label_with_30p_carries_lot_and_date_code():
	label = parse_label(DIGIKEY_30P_WITH_LOT)
	assert label.supplier_part_no == "296-LM358BIDDFRCT-ND"
	assert label.purchase_order == "PO-4711"
	assert label.lot == "DK-LOT-9"
	assert label.date_code == "2544"
	assert label.manufacturing_date == date(2025, 10, 27)  # Monday of ISO week 44 of 2025
	assert label.supplier_batch_code == "DK-LOT-9"


def test_mouser_label_gives_manufacturer_part_and_customer_po():
	label = parse_label(MOUSER)
	assert label.format == "Mouser"
	assert label.manufacturer_part_no == "MC34063ADR"
	assert label.purchase_order == "P0-1337"
	assert label.quantity == 3


def test_old_mouser_header_is_read():
	label = parse_label(MOUSER_OLD)
	assert label.manufacturer_part_no == "LDK320ADU33R"
	assert label.purchase_order == "21421337"
	assert label.quantity == 32


@pytest.mark.parametrize(
	"scanned",
	[
		MOUSER.replace("\x1d", "\u241d").replace("\x1e", "\u241e").replace("\x04", "\u2404"),
		MOUSER.replace("\x1d", "<GS>").replace("\x1e", "<RS>").replace("\x04", "<EOT>"),
		MOUSER.replace("[)>\x1e06\x1d", ""),  # the scanner drops the header
		"]d1" + MOUSER,  # with a DataMatrix symbology identifier
	],
)
def test_scanner_variants_of_a_mouser_label_read_the_same(scanned):
	label = parse_label(scanned)
	assert (label.manufacturer_part_no, label.purchase_order, label.quantity) == ("MC34063ADR", "P0-1337", 3)


def test_a_datamatrix_whose_separators_were_dropped_says_so():
	label = parse_label(DIGIKEY.replace("\x1d", ""))
	assert "separators" in label.problem


def test_lcsc_qr():
	label = parse_label(LCSC)
	assert label.format == "LCSC"
	assert label.supplier_part_no == "C312270"
	assert label.manufacturer_part_no == "ST-1-102-A01-T000-RS"
	assert label.supplier_order == "SO2009291337"
	assert label.quantity == 2


def test_lcsc_qr_with_a_comma_inside_a_value():
	label = parse_label(LCSC_WITH_COMMA)
	assert (label.supplier_part_no, label.manufacturer_part_no, label.quantity) == (
		"C1554",
		"0402CG200J500NT",
		100,
	)


def test_tme_qr_and_datamatrix():
	qr = parse_label(TME_QR)
	assert (qr.format, qr.supplier_part_no, qr.manufacturer_part_no) == ("TME", "WBP-302", "WBP-302")
	assert (qr.purchase_order, qr.supplier_order, qr.quantity) == ("PO-2023-06-08-001337", "19361337/1", 1)
	matrix = parse_label(TME_DATAMATRIX)
	assert (matrix.format, matrix.customer_part_no, matrix.manufacturer_part_no) == (
		"TME",
		"WBP-302",
		"WBP-302",
	)
	assert (matrix.purchase_order, matrix.quantity) == ("19361337/1", 1)


@pytest.mark.parametrize(
	"scanned",
	[
		"]d20109501101530003\x1d17270131" + "10AB-123\x1d11250301",
		"0109501101530003172701311" + "0AB-123\x1d11250301",
		"]C10109501101530003172701311" + "0AB-123\x1d11250301",
		"]Q30109501101530003172701311" + "0AB-123\u241d11250301",
		"(01)09501101530003(17)270131(10)AB-123(11)250301",
		"https://id.gs1.org/01/09501101530003/10/AB-123?17=270131&11=250301",
	],
)
def test_gs1_in_every_form_gives_gtin_lot_expiry_and_production_date(scanned):
	label = parse_label(scanned)
	assert label.format in ("GS1", "GS1 Digital Link")
	assert label.gtin == "09501101530003"
	assert label.lot == "AB-123"
	assert label.expiry_date == date(2027, 1, 31)
	assert label.manufacturing_date == date(2025, 3, 1)


def test_gs1_serial_and_count():
	unit = parse_label("]d201095011015300032112345678")
	assert unit.serials == ("12345678",) and unit.quantity == 1
	carton = parse_label("(02)09501101530003(37)24(10)B7(400)PO-0042")
	assert (carton.quantity, carton.lot, carton.purchase_order) == (24, "B7", "PO-0042")


def test_gs1_digital_link_format_name():
	assert parse_label("https://example.com/01/09501101530003/10/X1").format == "GS1 Digital Link"


@pytest.mark.parametrize(
	"scanned", ["", "   ", "4006381333931", "12345678", "ITEM-0001", "L2611-0001", "https://example.com/a"]
)
def test_plain_item_barcodes_and_our_own_codes_are_left_to_erpnext(scanned):
	assert parse_label(scanned) is None


@settings(max_examples=400, deadline=None)
@given(
	st.text(alphabet=st.sampled_from("0123456789()[]>{}:,\x1d\x1e\x04 PKQTDLZ1-ab]dCQ/.?=https"), max_size=80)
)
def test_any_scanned_text_gives_a_label_or_none_never_an_error(scanned):
	label = parse_label(scanned)
	assert label is None or label.format


@pytest.mark.parametrize(
	("scanned", "record"),
	[
		("https://erp.example.com/app/lot/L2611-0001", OwnLabel("Lot", "L2611-0001")),
		("http://192.168.1.20:8000/app/lot/L2611-0001/", OwnLabel("Lot", "L2611-0001")),
		(
			"https://erp.example.com/app/serialized-unit/7K3M9QX2TB4N8",
			OwnLabel("Serialized Unit", "7K3M9QX2TB4N8"),
		),
		("https://erp.example.com/app/serial-no/SN%2F0042?ref=label", OwnLabel("Serial No", "SN/0042")),
		("HTTPS://erp.example.com/app/batch/B%20007", OwnLabel("Batch", "B 007")),
	],
)
def test_our_own_qr_opens_the_lot_or_unit_it_names(scanned, record):
	assert read_own_label(scanned) == record
	assert read_own_label(scanned).is_unit == (record.doctype in ("Serialized Unit", "Serial No"))


@pytest.mark.parametrize(
	"scanned",
	[
		None,
		"",
		"L2611-0001",
		"https://erp.example.com/app/item/GLUE-1",
		"https://erp.example.com/app/lot",
		"https://erp.example.com/app/lot/L1/edit",
		"https://erp.example.com/01/09501101530003/10/X1",
		"ftp://erp.example.com/app/lot/L1",
	],
)
def test_other_texts_name_no_record_of_ours(scanned):
	assert read_own_label(scanned) is None


def test_a_digital_link_is_a_gs1_label_not_a_desk_url():
	label = parse_label("https://erp.example.com/01/09501101530003/10/L2611-0001")
	assert (label.format, label.gtin, label.lot) == ("GS1 Digital Link", "09501101530003", "L2611-0001")
	unit = parse_label("https://erp.example.com/01/09501101530003/21/7K3M9QX2TB4N8")
	assert (unit.gtin, unit.serials) == ("09501101530003", ("7K3M9QX2TB4N8",))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("htps:/%2Fapplotbc-xyz?#.0123456789 "), max_size=60))
def test_any_text_gives_a_record_or_none_never_an_error(scanned):
	record = read_own_label(scanned)
	assert record is None or (record.doctype and record.name)
