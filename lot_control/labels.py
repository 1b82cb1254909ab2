"""Barcodes and QR codes for lot and unit labels, drawn as inline SVG on the server.

Labels are printed through Frappe's print view and wkhtmltopdf, which run no JavaScript
and fetch nothing from outside, so the symbols are drawn here as plain SVG markup rather
than by a browser library or an image service. Code 128 (code set B) is encoded by hand:
it is short, fully specified and read by every handheld scanner. The QR matrix comes from
pyqrcode, which Frappe already depends on; only the drawing is ours, so both symbols come
out the same way and scale with CSS.
"""

from __future__ import annotations

from html import escape

SVG_NAMESPACE = "http://www.w3.org/2000/svg"

# Bar and space widths, in modules, of Code 128 symbol values 0..106 (ISO/IEC 15417),
# bar first. Values 0..95 of code set B are ASCII 32..127; 103..105 are the start codes
# A, B, C; 106 is the stop pattern with its final two-module termination bar.
CODE128_PATTERNS = (
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312",
	"132212", "221213", "221312", "231212", "112232", "122132", "122231", "113222",
	"123122", "123221", "223211", "221132", "221231", "213212", "223112", "312131",
	"311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321",
	"232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
	"231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121",
	"313121", "211331", "231131", "213113", "213311", "213131", "311123", "311321",
	"331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224",
	"111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
	"122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
	"111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",
	"421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113",
	"114311", "411113", "411311", "113141", "114131", "311141", "411131", "211412",
	"211214", "211232", "2331112",
)  # fmt: skip
CODE128_START_B = 104
CODE128_STOP = 106
CODE128_CHECK_MODULUS = 103
# Printable ASCII only: code set B also has DEL (127), but a label never needs it.
FIRST_PRINTABLE = 32
LAST_PRINTABLE = 126

QR_ERROR_LEVEL = "M"
# The QR standard asks for four light modules on every side.
QR_QUIET_ZONE = 4


def code128_values(text: str) -> list[int]:
	"""Symbol values of `text` in code set B: start, data, mod-103 check value and stop."""
	if not isinstance(text, str):
		raise TypeError(f"barcode text must be a string, got {type(text).__name__}")
	if not text:
		raise ValueError("barcode text is empty: there is nothing to encode")
	for position, character in enumerate(text):
		if not FIRST_PRINTABLE <= ord(character) <= LAST_PRINTABLE:
			raise ValueError(
				f"Code 128 set B encodes printable ASCII only; {character!r} at position {position} "
				f"of {text!r} is not"
			)
	data_values = [ord(character) - FIRST_PRINTABLE for character in text]
	weighted_sum = CODE128_START_B + sum(weight * value for weight, value in enumerate(data_values, start=1))
	return [CODE128_START_B, *data_values, weighted_sum % CODE128_CHECK_MODULUS, CODE128_STOP]


def code128_modules(text: str) -> list[int]:
	"""Widths of the alternating bars and spaces of `text`, bar first, so the encoding is testable apart from SVG."""
	return [int(width) for value in code128_values(text) for width in CODE128_PATTERNS[value]]


def code128_svg(text: str, module_width: float = 1.0, height: float = 40, quiet_zone: int = 10) -> str:
	"""Code 128 barcode of `text` as inline SVG; it stretches to whatever box the label's CSS gives it.

	`quiet_zone` is the light margin in modules on each side, which scanners need to find the
	start and stop patterns.
	"""
	if module_width <= 0 or height <= 0 or quiet_zone < 0:
		raise ValueError(
			f"module_width and height must be positive and quiet_zone not negative, got "
			f"{module_width!r}, {height!r}, {quiet_zone!r}"
		)
	modules = code128_modules(text)
	width = (sum(modules) + 2 * quiet_zone) * module_width
	bars = []
	position = quiet_zone
	for index, module_count in enumerate(modules):
		if index % 2 == 0:
			bars.append(
				f'<rect x="{_number(position * module_width)}" y="0" '
				f'width="{_number(module_count * module_width)}" height="{_number(height)}" fill="#000"/>'
			)
		position += module_count
	return (
		f'<svg xmlns="{SVG_NAMESPACE}" class="lc-barcode" role="img" aria-label="{escape(text)}" '
		f'viewBox="0 0 {_number(width)} {_number(height)}" width="{_number(width)}" height="{_number(height)}" '
		f'preserveAspectRatio="none" shape-rendering="crispEdges">{"".join(bars)}</svg>'
	)


def qr_svg(text: str, scale: int = 4) -> str:
	"""QR code of `text` (error correction level M) as inline SVG, drawn on a grid of one unit per module.

	`scale` only sets the default size in pixels; the label's CSS normally overrides it.
	"""
	import pyqrcode

	if scale <= 0:
		raise ValueError(f"scale must be positive, got {scale!r}")
	matrix = pyqrcode.create(text, error=QR_ERROR_LEVEL).code
	size = len(matrix) + 2 * QR_QUIET_ZONE
	runs = []
	for row_index, row in enumerate(matrix):
		column = 0
		while column < len(row):
			if row[column] != 1:
				column += 1
				continue
			run_start = column
			while column < len(row) and row[column] == 1:
				column += 1
			runs.append(
				f'<rect x="{run_start + QR_QUIET_ZONE}" y="{row_index + QR_QUIET_ZONE}" '
				f'width="{column - run_start}" height="1" fill="#000"/>'
			)
	pixels = size * scale
	return (
		f'<svg xmlns="{SVG_NAMESPACE}" class="lc-qr" role="img" aria-label="{escape(text)}" '
		f'viewBox="0 0 {size} {size}" width="{pixels}" height="{pixels}" '
		f'shape-rendering="crispEdges">{"".join(runs)}</svg>'
	)


def work_order_units(work_order: str) -> list[dict]:
	"""Units of a Work Order to print a sheet of labels for, oldest first; scrapped units need no label."""
	import frappe

	return frappe.get_all(
		"Serialized Unit",
		filters={"work_order": work_order, "status": ("!=", "Scrapped")},
		fields=["name", "code_display", "item_code", "item_name", "customer_serial"],
		order_by="creation asc, name asc",
	)


def receipt_lots(purchase_receipt: str) -> list[dict]:
	"""Lots received on a Purchase Receipt, to print a sheet of labels for them."""
	import frappe

	return frappe.get_all(
		"Lot",
		filters={"purchase_receipt": purchase_receipt},
		fields=["name", "item", "item_name", "expiry_date", "supplier_batch_code", "received_date"],
		order_by="name",
	)


def _number(value: float) -> str:
	"""Shortest decimal form of an SVG coordinate (12, 0.35), so the markup stays small and stable."""
	text = f"{value:.4f}".rstrip("0").rstrip(".")
	return text if text not in ("", "-0") else "0"
