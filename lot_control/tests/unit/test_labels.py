"""Label symbols read back by a real decoder: every SVG a label prints is rasterised rect by rect and
decoded by zxing-cpp, and the data must be what the label was meant to carry. GS1 content is checked
against biip, which reads GS1 element strings and Digital Links the way a supplier's scanner would."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
import zxingcpp
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_messages import GS1Message
from hypothesis import given, settings
from hypothesis import strategies as st

from lot_control import gs1_labels
from lot_control.gs1_labels import GS1Element
from lot_control.labels import (
	code128_svg,
	digital_link_qr_svg,
	gs1_128_svg,
	gs1_datamatrix_svg,
	gs1_elements,
	qr_svg,
)
from lot_control.tests.symbol_reader import decode

SVG = "{http://www.w3.org/2000/svg}"
GS = "\x1d"
GTIN = "09506000134352"  # GS1's own example GTIN
SITE = "https://lots.example.com"

printable_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30)
gs1_batch = st.text(alphabet=sorted(gs1_labels.GS1_CHARACTER_SET_82), min_size=1, max_size=20)


def lot(lot_name="L-2026-0042", expiry=date(2027, 3, 31)):
	return gs1_labels.lot_elements(GTIN, lot_name, expiry)


# GTINs


@pytest.mark.parametrize(
	("barcode", "barcode_type", "expected"),
	[
		("9506000134352", "EAN", "09506000134352"),  # EAN-13
		("09506000134352", "GTIN", "09506000134352"),
		("96385074", "EAN-8", "00000096385074"),
		("036000291452", "UPC-A", "00036000291452"),
		("4006381333931", "", "04006381333931"),  # untyped, judged by its digits
		("9506000134353", "EAN", None),  # wrong check digit
		("9506000134352", "CODE-39", None),  # not a GTIN type
		("ABC-123", "", None),
		("950600013435", "EAN", None),  # 12 digits, wrong check digit for UPC-A
		("00000000000000", "GTIN", None),
		("", "EAN", None),
		(None, "EAN", None),
	],
)
def test_an_item_barcode_is_a_gtin_only_by_type_length_and_check_digit(barcode, barcode_type, expected):
	assert gs1_labels.gtin14(barcode, barcode_type) == expected


def test_the_first_gtin_among_an_items_barcodes_wins():
	assert gs1_labels.first_gtin(
		[("WIDGET-1", "CODE-39"), ("96385074", "EAN-8"), ("9506000134352", "EAN")]
	) == ("00000096385074")
	assert gs1_labels.first_gtin([("WIDGET-1", "CODE-39")]) is None


# GS1 content


def test_a_lot_label_carries_gtin_lot_and_expiry_as_biip_reads_them():
	elements = lot()
	assert gs1_labels.human_readable(elements) == f"(01){GTIN}(10)L-2026-0042(17)270331"
	# (10) is variable-length and not last, so a separator ends it.
	assert gs1_labels.element_string(elements) == f"01{GTIN}10L-2026-0042{GS}17270331"
	parsed = GS1Message.parse(gs1_labels.element_string(elements))
	assert [(element.ai.ai, element.value) for element in parsed.element_strings] == [
		("01", GTIN),
		("10", "L-2026-0042"),
		("17", "270331"),
	]
	assert parsed.element_strings[2].date == date(2027, 3, 31)


def test_a_lot_without_expiry_and_a_unit_end_on_their_variable_field_without_separator():
	assert gs1_labels.element_string(gs1_labels.lot_elements(GTIN, "L-7", None)) == f"01{GTIN}10L-7"
	assert (
		gs1_labels.element_string(gs1_labels.unit_elements(GTIN, "7K3M9QXR2B4T5"))
		== f"01{GTIN}217K3M9QXR2B4T5"
	)


@pytest.mark.parametrize(
	"code",
	["LOT 42", "L#42", "L-42~", "7K3M9QXR2B4T$", "批号-1", "A" * 21, ""],
)
def test_a_code_gs1_cannot_carry_keeps_the_internal_label(code):
	assert gs1_labels.lot_elements(GTIN, code, date(2027, 1, 1)) is None
	assert gs1_labels.unit_elements(GTIN, code) is None


def test_an_item_without_gtin_keeps_the_internal_label():
	assert gs1_labels.lot_elements(None, "L-42", date(2027, 1, 1)) is None
	assert gs1_labels.unit_elements(None, "7K3M9QXR2B4T5") is None


@settings(max_examples=60, deadline=None)
@given(gs1_batch)
def test_every_gs1_safe_lot_name_round_trips_through_biip(lot_name):
	elements = gs1_labels.lot_elements(GTIN, lot_name, date(2027, 12, 31))
	assert elements is not None
	parsed = GS1Message.parse(gs1_labels.element_string(elements))
	assert [(element.ai.ai, element.value) for element in parsed.element_strings] == [
		(element.ai, element.value) for element in elements
	]
	uri = GS1DigitalLinkURI.parse(gs1_labels.digital_link_url(SITE, elements))
	assert {(element.ai.ai, element.value) for element in uri.element_strings} == {
		(element.ai, element.value) for element in elements
	}


def test_the_digital_link_puts_keys_in_the_path_and_expiry_in_the_query():
	assert gs1_labels.digital_link_url(SITE + "/", lot()) == f"{SITE}/01/{GTIN}/10/L-2026-0042?17=270331"
	unit = gs1_labels.unit_elements(GTIN, "7K3M9QXR2B4T5")
	assert gs1_labels.digital_link_url(SITE, unit) == f"{SITE}/01/{GTIN}/21/7K3M9QXR2B4T5"


def test_the_digital_link_percent_encodes_what_a_url_path_cannot_hold():
	elements = gs1_labels.lot_elements(GTIN, "AB/C%1?&", None)
	url = gs1_labels.digital_link_url(SITE, elements)
	assert url == f"{SITE}/01/{GTIN}/10/AB%2FC%251%3F%26"
	uri = GS1DigitalLinkURI.parse(url)
	assert [(element.ai.ai, element.value) for element in uri.element_strings] == [
		("01", GTIN),
		("10", "AB/C%1?&"),
	]


def test_a_digital_link_needs_a_gtin():
	with pytest.raises(ValueError, match=r"needs \(01\)"):
		gs1_labels.digital_link_url(SITE, (GS1Element("10", "L-1"),))


@pytest.mark.parametrize(
	("path", "expected"),
	[
		(f"01/{GTIN}/10/L-2026-0042", gs1_labels.DigitalLinkKey(GTIN, "10", "L-2026-0042")),
		(f"/01/{GTIN}/21/7K3M9QXR2B4T5/", gs1_labels.DigitalLinkKey(GTIN, "21", "7K3M9QXR2B4T5")),
		("01/9506000134352/10/AB/C", gs1_labels.DigitalLinkKey(GTIN, "10", "AB/C")),
		(f"01/{GTIN[:-1]}3/10/L-1", None),  # wrong check digit
		(f"01/{GTIN}/22/V1", None),
		(f"01/{GTIN}", None),
		("app/lot/L-1", None),
		("", None),
	],
)
def test_a_path_on_our_host_names_a_lot_or_unit_only_as_a_valid_digital_link(path, expected):
	assert gs1_labels.parse_digital_link_path(path) == expected


# Symbols read back by zxing-cpp


@settings(max_examples=25, deadline=None)
@given(printable_text)
def test_a_scanner_reads_back_the_internal_code_128(text):
	barcode = decode(code128_svg(text), zxingcpp.BarcodeFormat.Code128)
	assert barcode.text == text
	assert barcode.content_type == zxingcpp.ContentType.Text


@pytest.mark.parametrize("text", ["Lot-é", "LOT\t1", "LOT\x7f", "LOT\n1", "批号-1", ""])
def test_text_a_scanner_could_not_return_is_refused(text):
	with pytest.raises(ValueError):
		code128_svg(text)


@pytest.mark.parametrize(
	"elements",
	[
		lot(),
		lot(expiry=None),
		gs1_labels.lot_elements(GTIN, "AB/C%1?&\"'", date(2030, 1, 15)),
		gs1_labels.lot_elements(GTIN, "A(17)B", date(2030, 1, 15)),
		gs1_labels.unit_elements(GTIN, "7K3M9QXR2B4T5"),
	],
	ids=["lot", "lot-without-expiry", "odd-characters", "parentheses", "unit"],
)
def test_gs1_128_and_gs1_datamatrix_read_back_as_gs1_with_the_label_data(elements):
	text = gs1_labels.human_readable(elements)
	data = gs1_labels.element_string(elements)
	for markup, barcode_format, symbology in (
		(gs1_128_svg(elements), zxingcpp.BarcodeFormat.Code128, "]C1"),
		(gs1_datamatrix_svg(elements), zxingcpp.BarcodeFormat.DataMatrix, "]d2"),
	):
		barcode = decode(markup, barcode_format)
		assert barcode.content_type == zxingcpp.ContentType.GS1, barcode_format
		assert barcode.symbology_identifier == symbology  # FNC1 first: a GS1 symbol
		assert barcode.text == text
		assert barcode.bytes.decode("ascii") == data  # FNC1 separators come out as GS


@settings(max_examples=40, deadline=None)
@given(gs1_batch, st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_every_gs1_safe_lot_reads_back_from_both_gs1_symbols(lot_name, expiry):
	elements = gs1_labels.lot_elements(GTIN, lot_name, expiry)
	data = gs1_labels.element_string(elements)
	assert decode(gs1_128_svg(elements), zxingcpp.BarcodeFormat.Code128).bytes.decode("ascii") == data
	datamatrix = decode(gs1_datamatrix_svg(elements), zxingcpp.BarcodeFormat.DataMatrix)
	assert (datamatrix.bytes.decode("ascii"), datamatrix.symbology_identifier) == (
		data,
		"]d2",
	)  # square, FNC1 first


def test_gs1_data_may_be_given_as_text_in_parentheses():
	text = f"(01){GTIN}(10)L-9(17)261231"
	assert gs1_elements(text) == gs1_labels.lot_elements(GTIN, "L-9", date(2026, 12, 31))
	assert decode(gs1_datamatrix_svg(text), zxingcpp.BarcodeFormat.DataMatrix).text == text
	assert decode(gs1_128_svg(text), zxingcpp.BarcodeFormat.Code128).text == text
	with pytest.raises(ValueError, match="not GS1 data"):
		gs1_128_svg("(01)12345678901234")  # check digit wrong
	with pytest.raises(ValueError):
		gs1_datamatrix_svg(())


def test_the_digital_link_qr_reads_back_as_the_url_biip_understands():
	barcode = decode(digital_link_qr_svg(lot(), base_url=SITE), zxingcpp.BarcodeFormat.QRCode)
	assert barcode.text == f"{SITE}/01/{GTIN}/10/L-2026-0042?17=270331"
	uri = GS1DigitalLinkURI.parse(barcode.text)
	assert uri.as_gs1_message().as_hri() == f"(01){GTIN}(10)L-2026-0042(17)270331"


@pytest.mark.parametrize(
	"text",
	["7K3M9QXR2B4T5", f"{SITE}/app/serialized-unit/7K3M9QXR2B4T5", "Lot 42 of item Widget, blue", "x" * 300],
)
def test_the_qr_code_reads_back_as_its_text(text):
	assert decode(qr_svg(text), zxingcpp.BarcodeFormat.QRCode).text == text


def test_symbols_are_plain_inline_svg_that_scale_with_the_label():
	for markup, css_class in (
		(code128_svg("L-1"), "lc-barcode"),
		(gs1_128_svg(lot()), "lc-gs1-128"),
		(gs1_datamatrix_svg(lot()), "lc-datamatrix"),
		(qr_svg("L-1", scale=10), "lc-qr"),
	):
		assert markup.startswith("<svg") and "<?xml" not in markup and "<script" not in markup
		root = ET.fromstring(markup)
		assert css_class in root.get("class").split()
		assert {child.tag for child in root} == {f"{SVG}rect"}
		assert "href" not in markup
	qr = ET.fromstring(qr_svg("L-1", scale=10))
	size = int(qr.get("viewBox").split()[2])
	assert qr.get("width") == qr.get("height") == str(size * 10)


def test_the_barcode_names_its_text_safely_for_screen_readers():
	assert ET.fromstring(code128_svg('A<"&>B')).get("aria-label") == 'A<"&>B'
	assert ET.fromstring(gs1_128_svg(lot())).get("aria-label") == f"(01){GTIN}(10)L-2026-0042(17)270331"
