"""What a lot or unit label says in GS1 terms: GTIN-14, element strings and the Digital Link URL.

A lot label carries (01) GTIN, (10) lot and (17) expiry; a unit label (01) GTIN and (21) serial. Items
without a GTIN, and lot or unit codes GS1 cannot carry, keep the internal code instead, so every rule
here answers None rather than printing a symbol a scanner would reject. Pure: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

GTIN_LENGTH = 14
# Lengths of GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN) and GTIN-14.
GTIN_LENGTHS = (8, 12, 13, 14)
# Item Barcode types (ERPNext's options) that hold a GTIN; a blank type is judged by its digits alone.
GTIN_BARCODE_TYPES = frozenset(
	{"", "EAN", "EAN-8", "EAN-12", "EAN-13", "UPC", "UPC-A", "GTIN", "GTIN-14", "JAN", "GS1"}
)

# The GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1), which (10) and (21) take.
GS1_CHARACTER_SET_82 = frozenset(
	"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)
BATCH_AI = "10"
SERIAL_AI = "21"
EXPIRY_AI = "17"
GTIN_AI = "01"
MAX_BATCH_OR_SERIAL_LENGTH = 20
FIXED_LENGTH_AIS = frozenset({GTIN_AI, "11", "13", "15", "16", EXPIRY_AI})
# Digital Link: the primary key (01) and its key qualifiers go in the path, in this order; other AIs
# are data attributes in the query string.
DIGITAL_LINK_PATH_AIS = (GTIN_AI, "22", BATCH_AI, SERIAL_AI)
GROUP_SEPARATOR = "\x1d"


@dataclass(frozen=True)
class GS1Element:
	"""One application identifier and its value, e.g. GS1Element("10", "L-2026-0042")."""

	ai: str
	value: str

	@property
	def fixed_length(self) -> bool:
		"""A reader knows where a fixed-length field ends; any other field needs FNC1 (GS) after it."""
		return self.ai in FIXED_LENGTH_AIS


def gtin_check_digit(digits: str) -> int:
	"""The GS1 mod-10 check digit of the digits before it (weights 3, 1, 3, ... from the right)."""
	total = sum(
		int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(digits))
	)
	return (10 - total % 10) % 10


def gtin14(barcode: str | None, barcode_type: str | None = "") -> str | None:
	"""The barcode as a GTIN-14 (zero-padded), or None when it is no GTIN: wrong type, length or check digit."""
	if barcode_type is None:
		barcode_type = ""
	if barcode_type.strip().upper() not in GTIN_BARCODE_TYPES or not barcode:
		return None
	digits = barcode.strip()
	if not (digits.isascii() and digits.isdigit()) or len(digits) not in GTIN_LENGTHS:
		return None
	if gtin_check_digit(digits[:-1]) != int(digits[-1]):
		return None
	padded = digits.zfill(GTIN_LENGTH)
	return padded if padded.strip("0") else None


def first_gtin(barcodes) -> str | None:
	"""The first GTIN among an item's barcodes, given as (barcode, barcode_type) pairs in row order."""
	for barcode, barcode_type in barcodes:
		found = gtin14(barcode, barcode_type)
		if found:
			return found
	return None


def is_gs1_batch_or_serial(value: str | None) -> bool:
	"""Whether (10) batch or (21) serial can carry the value: 1 to 20 characters of character set 82."""
	return bool(value) and len(value) <= MAX_BATCH_OR_SERIAL_LENGTH and set(value) <= GS1_CHARACTER_SET_82


def lot_elements(
	gtin: str | None, lot: str, expiry_date: date | None = None
) -> tuple[GS1Element, ...] | None:
	"""(01)(10)(17) of a lot, or None when the item has no GTIN or the lot name cannot be a GS1 batch."""
	if not gtin or not is_gs1_batch_or_serial(lot):
		return None
	elements = [GS1Element(GTIN_AI, gtin), GS1Element(BATCH_AI, lot)]
	if expiry_date:
		elements.append(GS1Element(EXPIRY_AI, expiry_date.strftime("%y%m%d")))
	return tuple(elements)


def unit_elements(gtin: str | None, serial: str) -> tuple[GS1Element, ...] | None:
	"""(01)(21) of a unit, or None when the item has no GTIN or the unit code cannot be a GS1 serial."""
	if not gtin or not is_gs1_batch_or_serial(serial):
		return None
	return (GS1Element(GTIN_AI, gtin), GS1Element(SERIAL_AI, serial))


def human_readable(elements) -> str:
	"""The text printed under a GS1 symbol: (01)09506000134352(10)L-42(17)261231."""
	return "".join(f"({element.ai}){element.value}" for element in elements)


def element_string(elements, separator: str = GROUP_SEPARATOR) -> str:
	"""The data a GS1 symbol carries after its leading FNC1: a separator ends every variable-length
	field that is not the last. Symbol encoders take their own FNC1 character as `separator`."""
	parts = []
	for position, element in enumerate(elements):
		parts.append(element.ai + element.value)
		if not element.fixed_length and position < len(elements) - 1:
			parts.append(separator)
	return "".join(parts)


def digital_link_url(base_url: str, elements) -> str:
	"""GS1 Digital Link URI on our own host: /01/<gtin14>/10/<lot> or /01/<gtin14>/21/<serial>, other
	AIs such as (17) as query attributes; every value percent-encoded as the Digital Link standard asks."""
	by_ai = {element.ai: element.value for element in elements}
	if GTIN_AI not in by_ai:
		raise ValueError(f"a Digital Link needs (01) GTIN, got {human_readable(elements)!r}")
	path = "".join(f"/{ai}/{quote(by_ai[ai], safe='')}" for ai in DIGITAL_LINK_PATH_AIS if ai in by_ai)
	attributes = "&".join(
		f"{element.ai}={quote(element.value, safe='')}"
		for element in elements
		if element.ai not in DIGITAL_LINK_PATH_AIS
	)
	return base_url.rstrip("/") + path + (f"?{attributes}" if attributes else "")


DIGITAL_LINK_PATH = re.compile(r"^/?01/(?P<gtin>\d{8,14})/(?P<ai>10|21)/(?P<value>[^?#]+?)/?$")


@dataclass(frozen=True)
class DigitalLinkKey:
	"""What a Digital Link path on our host names: a GTIN and a lot (10) or a serial (21)."""

	gtin: str
	ai: str
	value: str


def parse_digital_link_path(path: str) -> DigitalLinkKey | None:
	"""The key of a path such as 01/09506000134352/10/L-42 (already percent-decoded, as the web server
	hands it over), or None when the path is no lot or unit Digital Link."""
	matched = DIGITAL_LINK_PATH.match(path or "")
	if not matched:
		return None
	gtin = gtin14(matched.group("gtin"))
	if not gtin:
		return None
	return DigitalLinkKey(gtin=gtin, ai=matched.group("ai"), value=matched.group("value"))
