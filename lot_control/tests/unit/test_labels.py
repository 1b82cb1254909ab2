"""Label symbols: a Code 128 barcode a scanner reads back as the lot or unit it was printed for,
and a QR code that draws exactly the modules pyqrcode computed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pyqrcode
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lot_control.labels import code128_modules, code128_svg, code128_values, qr_svg

SVG = "{http://www.w3.org/2000/svg}"

# Code 128 symbols as printed, 1 = bar module, 0 = space module, for values 0..105, then the
# stop pattern with its termination bar. Written in the standard's dark/light notation, not in
# the bar widths the encoder uses, so a slip in one table does not hide in the other.
PATTERN_BITS = (
	"11011001100", "11001101100", "11001100110", "10010011000", "10010001100", "10001001100",
	"10011001000", "10011000100", "10001100100", "11001001000", "11001000100", "11000100100",
	"10110011100", "10011011100", "10011001110", "10111001100", "10011101100", "10011100110",
	"11001110010", "11001011100", "11001001110", "11011100100", "11001110100", "11101101110",
	"11101001100", "11100101100", "11100100110", "11101100100", "11100110100", "11100110010",
	"11011011000", "11011000110", "11000110110", "10100011000", "10001011000", "10001000110",
	"10110001000", "10001101000", "10001100010", "11010001000", "11000101000", "11000100010",
	"10110111000", "10110001110", "10001101110", "10111011000", "10111000110", "10001110110",
	"11101110110", "11010001110", "11000101110", "11011101000", "11011100010", "11011101110",
	"11101011000", "11101000110", "11100010110", "11101101000", "11101100010", "11100011010",
	"11101111010", "11001000010", "11110001010", "10100110000", "10100001100", "10010110000",
	"10010000110", "10000101100", "10000100110", "10110010000", "10110000100", "10011010000",
	"10011000010", "10000110100", "10000110010", "11000010010", "11001010000", "11110111010",
	"11000010100", "10001111010", "10100111100", "10010111100", "10010011110", "10111100100",
	"10011110100", "10011110010", "11110100100", "11110010100", "11110010010", "11011011110",
	"11011110110", "11110110110", "10101111000", "10100011110", "10001011110", "10111101000",
	"10111100010", "11110101000", "11110100010", "10111011110", "10111101110", "11101011110",
	"11110101110", "11010000100", "11010010000", "11010011100",
)  # fmt: skip
STOP_BITS = "1100011101011"
START_B = 104
VALUE_OF_BITS = {bits: value for value, bits in enumerate(PATTERN_BITS)}

printable_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40)


def _bits(modules: list[int]) -> str:
	"""The printed row of modules, bar first: [2, 1, 1] -> '1101'."""
	return "".join(("1" if index % 2 == 0 else "0") * width for index, width in enumerate(modules))


def _decode(modules: list[int]) -> str:
	"""Read a barcode the way a scanner does: start B, symbols of 11 modules, check value, stop."""
	bits = _bits(modules)
	assert bits.endswith(STOP_BITS), "no stop pattern at the end"
	body = bits[: -len(STOP_BITS)]
	assert len(body) % 11 == 0, "symbols are 11 modules each"
	values = [VALUE_OF_BITS[body[i : i + 11]] for i in range(0, len(body), 11)]
	start, *data, check = values
	assert start == START_B, f"expected start B, found value {start}"
	weighted = start + sum(weight * value for weight, value in enumerate(data, start=1))
	assert weighted % 103 == check, "check value does not match the data"
	return "".join(chr(value + 32) for value in data)


def _svg_root(markup: str) -> ET.Element:
	root = ET.fromstring(markup)
	assert root.tag == f"{SVG}svg"
	return root


def test_the_pattern_table_is_self_checking_as_code_128_requires():
	"""Every symbol is 11 modules of three bars and three spaces with an even bar total."""
	assert len(PATTERN_BITS) == 106
	assert len(set(PATTERN_BITS)) == 106
	for bits in PATTERN_BITS:
		assert len(bits) == 11
		assert bits.startswith("1") and bits.endswith("0")
		runs = [len(run) for run in bits.replace("10", "1 0").replace("01", "0 1").split()]
		assert len(runs) == 6 and all(1 <= run <= 4 for run in runs)
		assert sum(runs[0::2]) % 2 == 0


def test_a_lot_number_is_encoded_as_the_standard_says():
	# L=44, O=47, T=52, '-'=13, '1'=17 in code set B (ASCII - 32).
	# Check value: (104 + 1*44 + 2*47 + 3*52 + 4*13 + 5*17) mod 103 = 535 mod 103 = 20.
	assert code128_values("LOT-1") == [104, 44, 47, 52, 13, 17, 20, 106]
	expected = (
		"11010010000"  # start B
		"10001101110"  # L
		"10001110110"  # O
		"11011100010"  # T
		"10011011100"  # -
		"10011100110"  # 1
		"11001001110"  # check value 20
		"1100011101011"  # stop and termination bar
	)
	assert _bits(code128_modules("LOT-1")) == expected


@given(printable_text)
def test_every_symbol_takes_eleven_modules_and_the_stop_thirteen(text):
	modules = code128_modules(text)
	assert sum(modules) == 11 * (len(text) + 3) + 2
	assert all(1 <= width <= 4 for width in modules)


@given(printable_text)
def test_a_scanner_reads_back_the_printed_text(text):
	assert _decode(code128_modules(text)) == text


@pytest.mark.parametrize("text", ["Lot-é", "LOT\t1", "LOT\x7f", "LOT\n1", "批号-1", ""])
def test_text_a_scanner_could_not_return_is_refused(text):
	with pytest.raises(ValueError):
		code128_modules(text)
	with pytest.raises(ValueError):
		code128_svg(text)


def test_the_barcode_svg_draws_one_rect_per_bar_in_the_right_place():
	text = "7K3M-9QXR-2B4T-5"
	modules = code128_modules(text)
	quiet_zone = 10
	root = _svg_root(code128_svg(text, module_width=0.5, height=30, quiet_zone=quiet_zone))
	assert "lc-barcode" in root.get("class").split()
	assert root.get("preserveAspectRatio") == "none"
	total_modules = sum(modules) + 2 * quiet_zone
	assert root.get("viewBox") == f"0 0 {total_modules * 0.5:g} 30"
	assert (root.get("width"), root.get("height")) == (f"{total_modules * 0.5:g}", "30")

	rects = root.findall(f"{SVG}rect")
	assert len(rects) == len(modules[0::2]) == 3 * (len(text) + 2) + 4
	row = ["0"] * total_modules
	for rect in rects:
		assert rect.get("fill") == "#000"
		assert (rect.get("y"), rect.get("height")) == ("0", "30")
		start = round(float(rect.get("x")) / 0.5)
		width = round(float(rect.get("width")) / 0.5)
		row[start : start + width] = ["1"] * width
	printed = "".join(row)
	assert printed == "0" * quiet_zone + _bits(modules) + "0" * quiet_zone


def test_the_barcode_names_its_text_safely_for_screen_readers():
	root = _svg_root(code128_svg('A<"&>B'))
	assert root.get("aria-label") == 'A<"&>B'


@pytest.mark.parametrize(
	"text",
	["7K3M9QXR2B4T5", "LOT-2026-00042", "Lot 42 of item Widget, blue", "https://example.invalid/lot/LOT-1"],
)
def test_the_qr_code_draws_exactly_the_dark_modules_of_the_symbol(text):
	markup = qr_svg(text)
	assert markup.startswith("<svg")
	assert "<?xml" not in markup
	root = _svg_root(markup)
	assert "lc-qr" in root.get("class").split()

	matrix = pyqrcode.create(text, error="M").code
	size = len(matrix) + 2 * 4
	assert root.get("viewBox") == f"0 0 {size} {size}"
	assert root.get("width") == root.get("height") == str(size * 4)
	dark_cells = {
		(column + 4, row + 4)
		for row, cells in enumerate(matrix)
		for column, cell in enumerate(cells)
		if cell == 1
	}

	drawn = []
	for rect in root.findall(f"{SVG}rect"):
		x, y, width, height = (int(rect.get(name)) for name in ("x", "y", "width", "height"))
		assert height == 1
		drawn.extend((x + offset, y) for offset in range(width))
	assert len(drawn) == len(dark_cells)
	assert set(drawn) == dark_cells


def test_the_qr_scale_sets_its_default_size():
	root = _svg_root(qr_svg("LOT-1", scale=10))
	size = len(pyqrcode.create("LOT-1", error="M").code) + 8
	assert root.get("width") == str(size * 10)
