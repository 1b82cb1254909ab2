"""Unit codes on the shop floor: every new code is a GS1 serial, a mistyped code is refused wherever it
is typed (a unit inserted by hand or through the REST API, a serial typed on a Manufacture row, the
search bar), and a unit whose code was issued with the old ~ or $ check symbol still opens, validates,
is found and ships."""

import json
import re

import frappe
import pytest
from biip.gs1_messages import GS1Message
from frappe.utils import nowdate

from lot_control import codes
from lot_control.desk import resolve_code
from lot_control.exceptions import UnitCodeRefusedError
from lot_control.tests.integration.factories import (
	make_customer,
	make_item,
	make_user,
	make_work_order,
	work_order_entry,
)
from lot_control.tests.integration.test_issue_scanning import delivery_to, scan
from lot_control.tests.integration.test_units import device_item, manufacture, receive, units_of
from lot_control.units import find_unit, new_unit, register_units

UNIT = "Serialized Unit"
GS1_AI_82 = set("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")


@pytest.fixture
def shop(receiving_shop):
	"""The shared committed company: each story's own items and orders keep the stories apart, and no
	company is created per test (that rewrites the Company tree other test runs hold)."""
	return receiving_shop


def mistyped(code: str, position: int = 5) -> str:
	"""The code with one symbol misread: what the check character is there to catch."""
	wrong = "Z" if code[position] != "Z" else "Y"
	return code[:position] + wrong + code[position + 1 :]


def legacy_code(spelling: str = "$") -> str:
	"""A fresh code whose check symbol the app spelt ~ or $ before codes were GS1-safe."""
	today = codes.LEGACY_CHECK_SYMBOLS[spelling]
	while True:
		code = codes.generate_unit_code()
		if code[12] == today:
			return code[:12] + spelling


def finished_row(entry):
	return next(row for row in entry.items if row.is_finished_item)


def build_entry(work_order, qty, serials):
	"""A draft Manufacture of the Work Order with these serial numbers typed on its finished row."""
	entry = work_order_entry(work_order, "Manufacture", qty)
	row = finished_row(entry)
	row.serial_no = "\n".join(serials)
	row.use_serial_batch_fields = 1
	return entry


def refused(*parts: str):
	"""The refusal, its message naming these parts in this order (each between the message's own markup)."""
	return pytest.raises(UnitCodeRefusedError, match="(?s)" + ".*".join(re.escape(part) for part in parts))


def test_units_registered_and_built_have_codes_gs1_takes_as_serials(shop):
	resistor, device = make_item(), device_item()
	receive(shop, resistor, 20, 1.00)
	work_order = make_work_order(shop.company, device, {resistor: 1}, 12, shop.stores, skip_transfer=1)
	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	registered = register_units(work_order.name, 4)
	manufacture(work_order, 12)
	frappe.set_user("Administrator")

	built = units_of(work_order)
	assert len(built) == 12 and set(registered) <= set(built)
	for name in built:
		assert codes.is_valid_code(name) and set(name) <= GS1_AI_82, name
		assert [element.value for element in GS1Message.parse_hri(f"(21){name}").element_strings] == [name]
		assert frappe.db.get_value(UNIT, name, "code_display") == codes.format_code(name)


def test_a_unit_inserted_by_hand_or_through_the_api_must_carry_a_valid_code(shop):
	device = device_item()
	good = codes.generate_unit_code()
	frappe.set_user(make_user("Manufacturing User"))

	# Through the document API, as a REST /api/resource insert runs it.
	typo = mistyped(good)
	with refused(typo, "is not a valid unit code for item", device, "check character"):
		frappe.get_doc(
			{"doctype": UNIT, "item_code": device, "company": shop.company.name, "code": typo}
		).insert()
	# Through frappe.client.insert, as the desk and API clients call it.
	from frappe.client import insert

	with refused(typo, device):
		insert(json.dumps({"doctype": UNIT, "item_code": device, "company": shop.company.name, "code": typo}))
	with refused("NOT-A-CODE-1", device, "neither a unit code nor a serial number"):
		insert(
			json.dumps(
				{"doctype": UNIT, "item_code": device, "company": shop.company.name, "code": "NOT-A-CODE-1"}
			)
		)
	assert not frappe.db.exists(UNIT, typo) and not frappe.db.exists("Serial No", typo)
	assert not frappe.db.exists("Serial No", "NOT-A-CODE-1")

	# A valid code, however it is typed, is stored in its one form, and its Serial No with it.
	unit = insert(
		json.dumps(
			{
				"doctype": UNIT,
				"item_code": device,
				"company": shop.company.name,
				"code": codes.format_code(good).lower(),
			}
		)
	)
	assert unit["name"] == good and unit["code_display"] == codes.format_code(good)
	assert frappe.db.get_value("Serial No", good, "item_code") == device
	# Left empty, the code is a fresh GS1-safe one.
	fresh = frappe.get_doc({"doctype": UNIT, "item_code": device, "company": shop.company.name}).insert()
	assert codes.is_valid_code(fresh.name) and set(fresh.name) <= GS1_AI_82


def test_a_unit_can_still_be_made_for_a_serial_number_erpnext_has(shop):
	device = device_item()
	serial = f"SN-{frappe.generate_hash(length=8).upper()}"
	frappe.get_doc(
		{"doctype": "Serial No", "serial_no": serial, "item_code": device, "company": shop.company.name}
	).insert(ignore_permissions=True)
	frappe.set_user(make_user("Manufacturing User"))
	unit = frappe.get_doc(
		{"doctype": UNIT, "item_code": device, "company": shop.company.name, "code": serial}
	).insert()
	assert (unit.name, unit.serial_no, unit.code_display) == (serial, serial, serial)


def test_a_mistyped_registered_code_on_a_manufacture_row_is_refused_and_builds_nothing(shop):
	resistor, device = make_item(), device_item()
	receive(shop, resistor, 10, 1.00)
	work_order = make_work_order(shop.company, device, {resistor: 1}, 2, shop.stores, skip_transfer=1)
	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	first, second = register_units(work_order.name)
	serials_before = frappe.db.count("Serial No", {"item_code": device})

	typo = mistyped(first)
	entry = build_entry(work_order, 2, [typo, second])
	with refused(f"Row {finished_row(entry).idx}: ", typo, "is not a valid unit code for item", device):
		entry.insert()
	# A code with a symbol dropped has no code's shape, but the registered units waiting give it away.
	entry = build_entry(work_order, 2, [first[:12], second])
	with refused(first[:12], "of item", device, "is not a unit of this Work Order", first):
		entry.insert()
	# Refused at submit too (a draft saved before the check, or changed behind the form's back).
	entry = build_entry(work_order, 2, [first, second])
	entry.insert()
	frappe.db.set_value("Stock Entry Detail", finished_row(entry).name, "serial_no", f"{typo}\n{second}")
	entry = frappe.get_doc("Stock Entry", entry.name)
	with refused(typo):
		entry.submit()

	assert frappe.db.count("Serial No", {"item_code": device}) == serials_before
	assert sorted(frappe.get_all(UNIT, filters={"item_code": device}, pluck="name")) == sorted(
		[first, second]
	)
	assert {frappe.db.get_value(UNIT, name, "status") for name in (first, second)} == {"Registered"}
	assert not frappe.db.exists("Stock Entry", {"work_order": work_order.name, "docstatus": 1})

	# Typed right, in any printed form, they are built.
	entry = frappe.get_doc("Stock Entry", entry.name)
	finished_row(entry).serial_no = f"{codes.format_code(first).lower()}\n{second}"
	entry.save()
	entry.submit()
	assert finished_row(entry).serial_no.split("\n") == [first, second]
	assert {frappe.db.get_value(UNIT, name, "stock_entry") for name in (first, second)} == {entry.name}
	assert frappe.db.count("Serial No", {"item_code": device}) == serials_before


def test_serials_typed_for_a_work_order_without_registered_units(shop):
	resistor, device = make_item(), device_item()
	receive(shop, resistor, 10, 1.00)
	work_order = make_work_order(shop.company, device, {resistor: 1}, 2, shop.stores, skip_transfer=1)
	other_order = make_work_order(shop.company, device, {resistor: 1}, 1, shop.stores, skip_transfer=1)
	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	(elsewhere,) = register_units(other_order.name)

	# Shaped like a unit code but failing its check: refused, whether or not units are registered.
	typo = mistyped(codes.generate_unit_code())
	with refused(typo):
		build_entry(work_order, 2, [typo, codes.generate_unit_code()]).insert()
	# A unit registered for another Work Order is built there, not here.
	with refused("unit", elsewhere, "is registered for Work Order", other_order.name):
		build_entry(work_order, 2, [elsewhere, codes.generate_unit_code()]).insert()
	assert frappe.db.get_value(UNIT, elsewhere, ["work_order", "stock_entry"]) == (other_order.name, None)

	# The item's own numbering and a valid code nobody registered become units, as before.
	own, code = f"DEV-{frappe.generate_hash(length=6).upper()}", codes.generate_unit_code()
	entry = build_entry(work_order, 2, [own, code])
	entry.insert()
	entry.submit()
	assert sorted(units_of(work_order)) == sorted([own, code])
	assert frappe.db.get_value(UNIT, own, "code_display") == own


def test_a_unit_whose_code_has_the_old_check_symbol_opens_validates_is_found_and_ships(shop):
	resistor, device = make_item(), device_item()
	receive(shop, resistor, 10, 1.00)
	work_order = make_work_order(shop.company, device, {resistor: 1}, 2, shop.stores, skip_transfer=1)
	dollar, tilde = legacy_code("$"), legacy_code("~")
	# As the app registered units before its codes were GS1-safe.
	for code in (dollar, tilde):
		new_unit(device, shop.company.name, work_order.name, code=code)
	assert frappe.db.get_value(UNIT, dollar, ["code", "code_display", "serial_no"]) == (
		dollar,
		codes.format_code(dollar),
		dollar,
	)

	# Built by scanning the old label, and by typing the new spelling of the other one.
	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	entry = build_entry(work_order, 2, [codes.format_code(dollar), codes.gs1_code(tilde)])
	entry.insert()
	entry.submit()
	assert finished_row(entry).serial_no.split("\n") == [dollar, tilde]
	assert sorted(units_of(work_order)) == sorted([dollar, tilde])
	# No second unit or serial number under the new spelling.
	for code in (dollar, tilde):
		assert not frappe.db.exists(UNIT, codes.gs1_code(code)) and not frappe.db.exists(
			"Serial No", codes.gs1_code(code)
		)

	unit = frappe.get_doc(UNIT, dollar)
	assert (unit.status, unit.stock_entry) == ("In Stock", entry.name)
	assert codes.is_valid_code(unit.name) and codes.is_valid_code(unit.code_display)
	unit.notes = "Opened and saved by a person after the upgrade."
	unit.save()

	# Found however it is typed: stored spelling, GS1 spelling, printed groups.
	for typed in (
		dollar,
		codes.gs1_code(dollar),
		codes.format_code(dollar).lower(),
		codes.format_code(codes.gs1_code(dollar)),
	):
		assert resolve_code(typed) == {"route": ["Form", UNIT, dollar]}, typed
		assert find_unit(typed) == dollar
	problem = resolve_code(mistyped(dollar))
	assert "not a valid unit code" in problem["problem"] and mistyped(dollar) in problem["problem"]
	# Nobody can take its code under the new spelling.
	with refused(codes.gs1_code(dollar), "is already unit", dollar):
		frappe.get_doc(
			{
				"doctype": UNIT,
				"item_code": device,
				"company": shop.company.name,
				"code": codes.gs1_code(dollar),
			}
		).insert()
	frappe.set_user("Administrator")

	# Shipped by scanning: the one typed in today's spelling, the other from its old printed label.
	customer = make_customer()
	frappe.set_user(make_user("Stock User", "Sales User"))
	note = delivery_to(shop, customer)
	note.set_warehouse = shop.fg
	assert scan(note, codes.gs1_code(dollar)).serial_no == dollar
	assert scan(note, codes.format_code(tilde).lower()).serial_no.split("\n") == [dollar, tilde]
	note.submit()
	frappe.set_user("Administrator")
	for code in (dollar, tilde):
		delivered = frappe.get_doc(UNIT, code)
		assert (delivered.status, delivered.customer, delivered.delivery_document) == (
			"Delivered",
			customer,
			note.name,
		)
		assert str(delivered.delivery_date) == nowdate()
