"""What a supplier's label says, read from the scanned text of one of its barcodes.

GS1 element strings (with or without a symbology identifier, GS or parentheses form) and GS1 Digital
Link URLs are read by biip. The distributor formats no library covers are read here: ISO/IEC 15434
"format 06" with ANSI MH10.8.2 data identifiers (DigiKey, Mouser, TME DataMatrix), LCSC's QR and
TME's QR. Everything lands in one SupplierLabel. Pure: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import unquote, urlsplit

import biip
from biip.gs1_messages import GS1Message

GS = "\x1d"
RS = "\x1e"
EOT = "\x04"
ISO_15434_HEADER = "[)>" + RS + "06" + GS

# What keyboard-wedge scanners and copy-pastes make of the control characters.
CONTROL_CHARACTER_STAND_INS = {
	GS: ("\u241d", "<GS>", "{GS}", "[GS]", "^]", "<F8>"),
	RS: ("\u241e", "<RS>", "{RS}", "[RS]", "^^"),
	EOT: ("\u2404", "<EOT>", "{EOT}", "[EOT]", "^D"),
}
GS1_SEPARATORS = (GS, "\u241d", "|")
SYMBOLOGY_IDENTIFIER = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
PLAIN_ITEM_BARCODE = re.compile(r"^\d{8}$|^\d{12,14}$")
DATA_IDENTIFIER = re.compile(r"^(\d{0,3}[A-Z])(.*)$", re.S)

# ANSI MH10.8.2 data identifiers read into the label; the others (20Z padding, 11Z pick, ...) are ignored.
KNOWN_DATA_IDENTIFIERS = {
	"P",
	"1P",
	"30P",
	"K",
	"1K",
	"10K",
	"11K",
	"14K",
	"Q",
	"T",
	"1T",
	"9D",
	"10D",
	"14D",
	"16D",
	"4L",
	"1V",
	"S",
	"11Z",
	"12Z",
	"13Z",
	"20Z",
}
# Our own QR codes open the record in the desk: https://<site>/app/<doctype slug>/<name>.
OWN_RECORD_SLUGS = {
	"lot": "Lot",
	"batch": "Batch",
	"serialized-unit": "Serialized Unit",
	"serial-no": "Serial No",
}
OWN_RECORD_PATH = re.compile(r"^/(?:app|desk)/(" + "|".join(OWN_RECORD_SLUGS) + r")/([^/]+)/?$")
LCSC_FIELD = re.compile(r"(?:^|,)([a-z]{1,4}):")
TME_QR_FIELD = re.compile(r"(?:^|\s)(QTY|PN|PO|CPO|MFR|MPN):(\S+)")


@dataclass(frozen=True)
class SupplierLabel:
	"""One label's data, whatever its format; fields the label does not carry are None."""

	format: str
	gtin: str | None = None
	supplier_part_no: str | None = None
	manufacturer_part_no: str | None = None
	customer_part_no: str | None = None
	purchase_order: str | None = None
	supplier_order: str | None = None
	quantity: float | None = None
	lot: str | None = None
	date_code: str | None = None
	expiry_date: date | None = None
	manufacturing_date: date | None = None
	serials: tuple[str, ...] = field(default_factory=tuple)
	problem: str | None = None

	@property
	def supplier_batch_code(self) -> str | None:
		"""What the receipt keeps as the supplier's batch: the lot, else the date code."""
		return self.lot or self.date_code

	@property
	def part_numbers(self) -> tuple[str, ...]:
		return tuple(
			number
			for number in (self.supplier_part_no, self.customer_part_no, self.manufacturer_part_no)
			if number
		)


def parse_label(text: str | None) -> SupplierLabel | None:
	"""The label a scanned text comes from, or None for a plain item barcode (left to ERPNext)."""
	if not text or not text.strip():
		return None
	value = text.strip("\r\n\t ")
	for reader in (read_iso_15434, read_lcsc_qr, read_tme_qr, read_gs1):
		label = reader(value)
		if label:
			return label
	return None


@dataclass(frozen=True)
class OwnLabel:
	"""A record our own label points at: its DocType (Lot, Batch, Serialized Unit, Serial No) and name."""

	doctype: str
	name: str

	@property
	def is_unit(self) -> bool:
		return self.doctype in ("Serialized Unit", "Serial No")


def read_own_label(text: str | None) -> OwnLabel | None:
	"""The record a desk URL names (what our lot and unit QR codes carry), else None.

	Any host is accepted: the label may have been printed on another address of the same site."""
	if not text:
		return None
	value = text.strip()
	if not value.lower().startswith(("http://", "https://")):
		return None
	try:
		path = urlsplit(value).path
	except ValueError:
		return None
	matched = OWN_RECORD_PATH.match(path)
	if not matched:
		return None
	name = unquote(matched.group(2)).strip()
	if not name:
		return None
	return OwnLabel(doctype=OWN_RECORD_SLUGS[matched.group(1)], name=name)


def restore_control_characters(value: str) -> str:
	for character, stand_ins in CONTROL_CHARACTER_STAND_INS.items():
		for stand_in in stand_ins:
			value = value.replace(stand_in, character)
	return value


# ISO/IEC 15434 format 06 (ANSI MH10.8.2 data identifiers)


def read_iso_15434(value: str) -> SupplierLabel | None:
	value = SYMBOLOGY_IDENTIFIER.sub("", restore_control_characters(value), count=1)
	# Old Mouser labels print ">[)>06<GS>"; some scanners drop the RS or the GS after the header.
	header = re.match(r"^>?\[\)>" + RS + r"?06" + GS + "?", value)
	if header:
		body = value[header.end() :]
	elif GS in value and DATA_IDENTIFIER.match(value.split(GS, 1)[0]):
		body = value
	elif " " in value and all(known_data_identifier(token) for token in value.split()):
		body = value  # TME's DataMatrix as some readers deliver it: fields between spaces
	else:
		return None
	body = body.split(RS + EOT, 1)[0].rstrip(RS + EOT)
	separator = GS if GS in body else (" " if " " in body and not header else None)
	fields = body.split(separator) if separator else [body]
	if header and separator is None and len(body) > 40:
		return SupplierLabel(
			format="ISO/IEC 15434",
			problem="the scanner dropped the field separators (GS) of this DataMatrix; set it to send them",
		)
	if not header and not all(known_data_identifier(field_text) for field_text in fields if field_text):
		return None
	values: dict[str, str] = {}
	for field_text in fields:
		matched = DATA_IDENTIFIER.match(field_text)
		if matched and matched.group(1) in KNOWN_DATA_IDENTIFIERS:
			values.setdefault(matched.group(1), matched.group(2).strip())
	if not values:
		return None
	date_code = values.get("10D") or values.get("9D")
	return SupplierLabel(
		format=distributor_of(values),
		supplier_part_no=values.get("30P") or (values.get("P") if is_digikey(values) else None),
		customer_part_no=None if is_digikey(values) and not values.get("30P") else values.get("P"),
		manufacturer_part_no=manufacturer_part_no_of(values),
		purchase_order=values.get("K") or None,
		supplier_order=values.get("1K") or None,
		quantity=number_or_none(values.get("Q")),
		lot=values.get("1T") or values.get("T") or None,
		date_code=date_code or None,
		manufacturing_date=date_of_year_week(date_code) or date_of_yyyymmdd(values.get("16D")),
		expiry_date=date_of_yyyymmdd(values.get("14D")),
		serials=(values["S"],) if values.get("S") else (),
	)


def manufacturer_part_no_of(values: dict) -> str | None:
	"""TME prints the manufacturer's number in 1P behind the letters MPN."""
	number = values.get("1P") or None
	if number and distributor_of(values) == "TME":
		return number[3:] or None
	return number


def known_data_identifier(field_text: str) -> bool:
	matched = DATA_IDENTIFIER.match(field_text)
	return bool(matched and matched.group(1) in KNOWN_DATA_IDENTIFIERS and matched.group(2))


def is_digikey(values: dict) -> bool:
	"""DigiKey prints its own part number (ending -ND) in P or 30P, with its order in 1K and invoice in 10K."""
	return "30P" in values or values.get("P", "").endswith("-ND") or ("1K" in values and "10K" in values)


def distributor_of(values: dict) -> str:
	if is_digikey(values):
		return "DigiKey"
	if "14K" in values or "1V" in values:
		return "Mouser"
	if values.get("1P", "").startswith("MPN"):
		return "TME"
	return "ISO/IEC 15434"


def date_of_year_week(code: str | None) -> date | None:
	"""A YYWW date code as the Monday of that ISO week (the week the parts were made)."""
	if not code or not re.fullmatch(r"\d{4}", code):
		return None
	year, week = 2000 + int(code[:2]), int(code[2:])
	try:
		return date.fromisocalendar(year, week, 1)
	except ValueError:
		return None


def date_of_yyyymmdd(text: str | None) -> date | None:
	if not text or not re.fullmatch(r"\d{8}", text):
		return None
	try:
		return date(int(text[:4]), int(text[4:6]), int(text[6:]))
	except ValueError:
		return None


def number_or_none(text: str | None) -> float | None:
	try:
		number = float(text) if text else None
	except ValueError:
		return None
	return number if number and number > 0 and number < 1e12 else None


# LCSC and TME QR codes


def read_lcsc_qr(value: str) -> SupplierLabel | None:
	"""LCSC's QR: {pbn:PICK..,on:SO..,pc:C312270,pm:MPN,qty:2,mc:..,cc:1,pdi:..,hp:..,wc:..}; values may hold commas."""
	if not (value.startswith("{") and value.endswith("}") and "pc:" in value):
		return None
	body = value[1:-1]
	keys = list(LCSC_FIELD.finditer(body))
	values = {}
	for position, key in enumerate(keys):
		end = keys[position + 1].start() if position + 1 < len(keys) else len(body)
		values[key.group(1)] = body[key.end() : end].strip()
	if not values.get("pc"):
		return None
	return SupplierLabel(
		format="LCSC",
		supplier_part_no=values["pc"],
		manufacturer_part_no=values.get("pm") or None,
		supplier_order=values.get("on") or None,
		quantity=number_or_none(values.get("qty")),
	)


def read_tme_qr(value: str) -> SupplierLabel | None:
	"""TME's QR: QTY:1 PN:WBP-302 PO:19361337/1 CPO:PO-2023-... MFR:... MPN:WBP-302 RoHS https://www.tme.eu/..."""
	values = dict(TME_QR_FIELD.findall(value))
	if not values.get("PN") or "QTY" not in values:
		return None
	return SupplierLabel(
		format="TME",
		supplier_part_no=values["PN"],
		manufacturer_part_no=values.get("MPN"),
		purchase_order=values.get("CPO"),
		supplier_order=values.get("PO"),
		quantity=number_or_none(values.get("QTY")),
	)


# GS1, read by biip


def read_gs1(value: str) -> SupplierLabel | None:
	try:
		return read_gs1_with_biip(value)
	except biip.ParseError:
		return None  # biip refuses what is no GS1 at all (an unknown symbology identifier, ...)


def read_gs1_with_biip(value: str) -> SupplierLabel | None:
	if value.startswith(("http://", "https://")):
		result = biip.parse(value)
		if not result.gs1_digital_link_uri:
			return None
		return label_of_gs1("GS1 Digital Link", result.gs1_digital_link_uri.element_strings)
	if value.startswith("("):
		return label_of_gs1("GS1", GS1Message.parse_hri(value).element_strings)
	has_symbology_identifier = bool(SYMBOLOGY_IDENTIFIER.match(value))
	if not has_symbology_identifier and PLAIN_ITEM_BARCODE.match(value):
		return None
	if not has_symbology_identifier and not value[:2].isdigit():
		return None
	result = biip.parse(value, config=biip.ParseConfig(separator_chars=GS1_SEPARATORS))
	if not result.gs1_message:
		return None
	if not any(element.ai.ai in ("01", "02", "10", "21") for element in result.gs1_message.element_strings):
		return None  # a plain number that only happens to read as GS1 is left to ERPNext
	return label_of_gs1("GS1", result.gs1_message.element_strings)


def label_of_gs1(format_name: str, element_strings) -> SupplierLabel:
	by_ai = {}
	serials = []
	for element in element_strings:
		if element.ai.ai == "21":
			serials.append(element.value)
		by_ai.setdefault(element.ai.ai, element)

	def value_of(*ais):
		for ai in ais:
			if ai in by_ai:
				return by_ai[ai].value
		return None

	def date_of(*ais):
		for ai in ais:
			if ai in by_ai and by_ai[ai].date:
				return by_ai[ai].date
		return None

	return SupplierLabel(
		format=format_name,
		gtin=value_of("01", "02"),
		customer_part_no=value_of("241"),
		manufacturer_part_no=value_of("240"),
		purchase_order=value_of("400"),
		quantity=number_or_none(value_of("30", "37")) or (1.0 if serials else None),
		lot=value_of("10"),
		expiry_date=date_of("17", "15", "7003"),
		manufacturing_date=date_of("11"),
		serials=tuple(serials),
	)
