"""Read a printed label's symbols the way a scanner does: each inline SVG is drawn rect by rect with
Pillow, exactly as printed, and decoded by zxing-cpp. Shared by the unit and integration tests."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import zxingcpp
from PIL import Image, ImageDraw

SVG = "{http://www.w3.org/2000/svg}"
INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def rasterise(markup: str, pixels_per_unit: int = 4) -> Image.Image:
	"""The SVG on a white page with a margin, one filled rectangle per <rect>."""
	root = ET.fromstring(markup)
	assert root.tag == f"{SVG}svg"
	_, _, width, height = (float(number) for number in root.get("viewBox").split())
	margin = 4 * pixels_per_unit
	size = (round(width * pixels_per_unit) + 2 * margin, round(height * pixels_per_unit) + 2 * margin)
	image = Image.new("L", size, 255)
	draw = ImageDraw.Draw(image)
	for rect in root.findall(f"{SVG}rect"):
		x, y, w, h = (float(rect.get(name)) * pixels_per_unit for name in ("x", "y", "width", "height"))
		draw.rectangle([margin + x, margin + y, margin + x + w - 1, margin + y + h - 1], fill=0)
	return image


def decode(markup: str, barcode_format) -> zxingcpp.Barcode:
	"""The one symbol of `barcode_format` zxing-cpp finds in the rasterised SVG.

	Read at the resolution drawn (4 pixels a module): zxing-cpp's extra pass over a downscaled copy
	can blur a Code 128 into a second, wrong reading whose check value happens to match."""
	found = zxingcpp.read_barcodes(
		rasterise(markup), formats=barcode_format, text_mode=zxingcpp.TextMode.HRI, try_downscale=False
	)
	assert len(found) == 1, f"expected one {barcode_format}, found {len(found)}"
	return found[0]


def symbols_in(html: str, css_class: str) -> list[str]:
	"""The inline SVGs of a printed page whose class list has `css_class` (lc-qr, lc-datamatrix, ...)."""
	return [
		markup
		for markup in INLINE_SVG.findall(html)
		if css_class in (ET.fromstring(markup).get("class") or "").split()
	]
