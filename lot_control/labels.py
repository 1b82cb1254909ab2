"""Barcodes, DataMatrix and QR codes for lot and unit labels, drawn as inline SVG on the server.

Labels are printed through Frappe's print view and wkhtmltopdf, which run no JavaScript and fetch
nothing from outside, so symbols are plain SVG markup in the page. The symbols are computed by
well-kept libraries (python-barcode for Code 128 and GS1-128, zint through zxing-cpp for GS1
DataMatrix, segno for QR); only the drawing is ours, one rectangle per run of dark modules, so every
symbol scales with the label's CSS and the tests can read back exactly what is printed. What a label says (GS1 or the
internal code) is decided by lot_control.gs1_labels.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from lot_control import codes, gs1_labels
from lot_control.gs1_labels import GS1Element

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# Printable ASCII only: a handheld scanner types what it reads, and control characters would not survive.
FIRST_PRINTABLE = 32
LAST_PRINTABLE = 126

QR_ERROR_LEVEL = "M"
# The QR standard asks for four light modules on every side, DataMatrix for one; two is the common margin.
QR_QUIET_ZONE = 4
DATAMATRIX_QUIET_ZONE = 2
BARCODE_QUIET_ZONE = 10


def code128_bits(text: str) -> str:
	"""The printed row of a Code 128 symbol of `text`, '1' per dark module, as python-barcode encodes it."""
	from barcode.codex import Code128

	_check_printable(text)
	return Code128(text).build()[0]


def gs1_128_bits(gs1) -> str:
	"""The printed row of a GS1-128 symbol: FNC1 first, FNC1 after each variable-length field but the last."""
	from barcode.codex import Gs1_128

	elements = gs1_elements(gs1)
	return Gs1_128(gs1_labels.element_string(elements, separator=Gs1_128.FNC1_CHAR)).build()[0]


def gs1_datamatrix_matrix(gs1) -> list[list[int]]:
	"""The modules of a GS1 DataMatrix (ECC 200, FNC1 first, FNC1 as separator), finder pattern included.

	Encoded by zint through zxing-cpp; the AIs go in brackets, which GS1 values cannot contain, so a
	lot such as A(1)B is not mistaken for an AI. Square sizes only: the rectangular extension (DMRE)
	zint would otherwise pick for some lengths is not read by older scanners."""
	import zxingcpp

	bracketed = "".join(f"[{element.ai}]{element.value}" for element in gs1_elements(gs1))
	symbol = zxingcpp.create_barcode(
		bracketed, zxingcpp.BarcodeFormat.DataMatrix, gs1=True, force_square=True
	)
	modules = memoryview(symbol.to_image(scale=1, add_quiet_zones=False)).tolist()
	return [[1 if pixel == 0 else 0 for pixel in row] for row in modules]


def qr_matrix(text: str) -> list[list[int]]:
	"""The modules of a QR code of `text` (error correction level M or better), without quiet zone."""
	import segno

	if not isinstance(text, str) or not text:
		raise ValueError(f"QR text must be a non-empty string, got {text!r}")
	return [[1 if cell else 0 for cell in row] for row in segno.make_qr(text, error=QR_ERROR_LEVEL).matrix]


def code128_svg(
	text: str, module_width: float = 1.0, height: float = 40, quiet_zone: int = BARCODE_QUIET_ZONE
) -> str:
	"""Code 128 barcode of the internal lot or unit code; it stretches to the box the label's CSS gives it."""
	return bars_svg(code128_bits(text), text, module_width, height, quiet_zone, css_class="lc-barcode")


def gs1_128_svg(
	gs1, module_width: float = 1.0, height: float = 40, quiet_zone: int = BARCODE_QUIET_ZONE
) -> str:
	"""GS1-128 barcode of GS1 data: elements from lot_label / unit_label, or text like '(01)...(10)...'."""
	elements = gs1_elements(gs1)
	return bars_svg(
		gs1_128_bits(elements),
		gs1_labels.human_readable(elements),
		module_width,
		height,
		quiet_zone,
		css_class="lc-barcode lc-gs1-128",
	)


def gs1_datamatrix_svg(gs1, scale: int = 4) -> str:
	"""GS1 DataMatrix of GS1 data, as gs1_128_svg takes it."""
	elements = gs1_elements(gs1)
	return matrix_svg(
		gs1_datamatrix_matrix(elements),
		gs1_labels.human_readable(elements),
		DATAMATRIX_QUIET_ZONE,
		scale,
		css_class="lc-datamatrix",
	)


def qr_svg(text: str, scale: int = 4) -> str:
	"""QR code of `text`; `scale` only sets the default size in pixels, the label's CSS normally overrides it."""
	return matrix_svg(qr_matrix(text), text, QR_QUIET_ZONE, scale, css_class="lc-qr")


def digital_link_qr_svg(gs1, scale: int = 4, base_url: str | None = None) -> str:
	"""QR code of the GS1 Digital Link URL on this site, which opens the lot or unit for a signed-in user."""
	return qr_svg(gs1_labels.digital_link_url(base_url or _site_url(), gs1_elements(gs1)), scale)


def gs1_elements(gs1) -> tuple[GS1Element, ...]:
	"""GS1 data as elements: given as elements already, or as text in parentheses, checked by biip."""
	if isinstance(gs1, str):
		from biip import ParseError
		from biip.gs1_messages import GS1Message

		try:
			message = GS1Message.parse_hri(gs1)
		except ParseError as error:
			raise ValueError(f"not GS1 data in parentheses form: {gs1!r} ({error})") from None
		for element in message.element_strings:
			wrong = element.gtin_error or element.sscc_error or element.gln_error
			if wrong:
				raise ValueError(f"not GS1 data in parentheses form: {gs1!r} ({wrong})")
		return tuple(GS1Element(element.ai.ai, element.value) for element in message.element_strings)
	elements = tuple(gs1 or ())
	if not elements or not all(isinstance(element, GS1Element) for element in elements):
		raise ValueError(f"GS1 data must be GS1Element values or text like '(01)...(10)...', got {gs1!r}")
	return elements


def bars_svg(
	bits: str, label: str, module_width: float, height: float, quiet_zone: int, css_class: str
) -> str:
	"""A linear symbol as SVG: one rect per run of dark modules, with light quiet zones on both sides."""
	if module_width <= 0 or height <= 0 or quiet_zone < 0:
		raise ValueError(
			f"module_width and height must be positive and quiet_zone not negative, got "
			f"{module_width!r}, {height!r}, {quiet_zone!r}"
		)
	width = (len(bits) + 2 * quiet_zone) * module_width
	bars = [
		f'<rect x="{_number((quiet_zone + start) * module_width)}" y="0" '
		f'width="{_number(length * module_width)}" height="{_number(height)}" fill="#000"/>'
		for start, length in _dark_runs(bits)
	]
	return (
		f'<svg xmlns="{SVG_NAMESPACE}" class="{css_class}" role="img" aria-label="{escape(label)}" '
		f'viewBox="0 0 {_number(width)} {_number(height)}" width="{_number(width)}" height="{_number(height)}" '
		f'preserveAspectRatio="none" shape-rendering="crispEdges">{"".join(bars)}</svg>'
	)


def matrix_svg(rows: list[list[int]], label: str, quiet_zone: int, scale: int, css_class: str) -> str:
	"""A 2D symbol as SVG on a grid of one unit per module: one rect per run of dark modules in a row."""
	if scale <= 0:
		raise ValueError(f"scale must be positive, got {scale!r}")
	width = len(rows[0]) + 2 * quiet_zone
	height = len(rows) + 2 * quiet_zone
	runs = [
		f'<rect x="{quiet_zone + start}" y="{quiet_zone + row_index}" width="{length}" height="1" fill="#000"/>'
		for row_index, row in enumerate(rows)
		for start, length in _dark_runs("".join("1" if cell else "0" for cell in row))
	]
	return (
		f'<svg xmlns="{SVG_NAMESPACE}" class="{css_class}" role="img" aria-label="{escape(label)}" '
		f'viewBox="0 0 {width} {height}" width="{width * scale}" height="{height * scale}" '
		f'shape-rendering="crispEdges">{"".join(runs)}</svg>'
	)


# What a label says, read from the database


def lot_label(lot: str) -> dict:
	"""One lot's label: its fields, and GS1 data or the internal code (see label_codes)."""
	labels = lot_labels({"name": lot})
	if not labels:
		raise ValueError(f"no Lot {lot!r}")
	return labels[0]


def unit_label(unit: str) -> dict:
	"""One unit's label: its fields, and GS1 data or the internal code (see label_codes)."""
	labels = unit_labels({"name": unit})
	if not labels:
		raise ValueError(f"no Serialized Unit {unit!r}")
	return labels[0]


def receipt_lots(purchase_receipt: str) -> list[dict]:
	"""Labels of the lots received on a Purchase Receipt, for a sheet."""
	return lot_labels({"purchase_receipt": purchase_receipt})


def work_order_units(work_order: str) -> list[dict]:
	"""Labels of a Work Order's units, oldest first, for a sheet; scrapped units need no label."""
	return unit_labels(
		{"work_order": work_order, "status": ("!=", "Scrapped")}, order_by="creation asc, name asc"
	)


def lot_labels(filters: dict, order_by: str = "name") -> list[dict]:
	"""Lots matching `filters` with what their labels say; one query for the lots, one for the GTINs."""
	import frappe

	lots = frappe.get_all(
		"Lot",
		filters=filters,
		fields=["name", "item", "item_name", "expiry_date", "supplier_batch_code", "received_date"],
		order_by=order_by,
	)
	gtins = item_gtins({lot.item for lot in lots})
	for lot in lots:
		lot.update(
			label_codes(
				"Lot", lot.name, gs1_labels.lot_elements(gtins.get(lot.item), lot.name, lot.expiry_date)
			)
		)
	return lots


def gs1_serial_of(unit_name: str) -> str:
	"""What a unit's (21) carries: a unit code issued with a legacy check symbol (~ or $) is printed
	in today's spelling, which GS1 allows and which finds the same unit; other names as they are."""
	try:
		return codes.gs1_code(unit_name)
	except codes.InvalidUnitCodeError:
		return unit_name


def unit_labels(filters: dict, order_by: str = "name") -> list[dict]:
	"""Units matching `filters` with what their labels say; one query for the units, one for the GTINs."""
	import frappe

	units = frappe.get_all(
		"Serialized Unit",
		filters=filters,
		fields=["name", "code_display", "item_code", "item_name", "customer_serial"],
		order_by=order_by,
	)
	gtins = item_gtins({unit.item_code for unit in units})
	for unit in units:
		unit.update(
			label_codes(
				"Serialized Unit",
				unit.name,
				gs1_labels.unit_elements(gtins.get(unit.item_code), gs1_serial_of(unit.name)),
			)
		)
	return units


def label_codes(doctype: str, name: str, gs1: tuple[GS1Element, ...] | None) -> dict:
	"""GS1 data, its text and Digital Link where the item has a GTIN, else None; the desk URL always.

	qr_text is what the label's QR code carries: the Digital Link, or the desk URL for internal codes."""
	desk_url = _site_url(f"/app/{doctype.lower().replace(' ', '-')}/{quote(name, safe='')}")
	digital_link = gs1_labels.digital_link_url(_site_url(), gs1) if gs1 else None
	return {
		"gs1": gs1,
		"gs1_text": gs1_labels.human_readable(gs1) if gs1 else None,
		"digital_link": digital_link,
		"desk_url": desk_url,
		"qr_text": digital_link or desk_url,
	}


def item_gtins(item_codes) -> dict[str, str]:
	"""Each item's GTIN, from its first Item Barcode that is one (by type, length and check digit)."""
	import frappe

	if not item_codes:
		return {}
	rows = frappe.get_all(
		"Item Barcode",
		filters={"parent": ("in", sorted(item_codes)), "parenttype": "Item"},
		fields=["parent", "barcode", "barcode_type"],
		order_by="parent asc, idx asc",
	)
	barcodes_by_item: dict[str, list] = {}
	for row in rows:
		barcodes_by_item.setdefault(row.parent, []).append((row.barcode, row.barcode_type))
	gtins = {item: gs1_labels.first_gtin(barcodes) for item, barcodes in barcodes_by_item.items()}
	return {item: gtin for item, gtin in gtins.items() if gtin}


def _site_url(path: str = "") -> str:
	from frappe.utils import get_url

	return get_url(path)


def _check_printable(text: str):
	if not isinstance(text, str):
		raise TypeError(f"barcode text must be a string, got {type(text).__name__}")
	if not text:
		raise ValueError("barcode text is empty: there is nothing to encode")
	for position, character in enumerate(text):
		if not FIRST_PRINTABLE <= ord(character) <= LAST_PRINTABLE:
			raise ValueError(
				f"Code 128 labels carry printable ASCII only; {character!r} at position {position} "
				f"of {text!r} is not"
			)


def _dark_runs(bits: str):
	"""(start, length) of each run of '1' in a row of modules."""
	position = 0
	while position < len(bits):
		if bits[position] != "1":
			position += 1
			continue
		start = position
		while position < len(bits) and bits[position] == "1":
			position += 1
		yield start, position - start


def _number(value: float) -> str:
	"""Shortest decimal form of an SVG coordinate (12, 0.35), so the markup stays small and stable."""
	text = f"{value:.4f}".rstrip("0").rstrip(".")
	return text if text not in ("", "-0") else "0"
