"""The dispatcher and the picker scan what they take off the shelf: a lot's own label, a supplier's
GS1 or DigiKey label, a unit's QR code. The scan picks exactly that lot or unit onto the delivery,
entry or Pick List, or is refused at once, naming the lot, the item and why.

Each scan goes through the whitelisted resolver the forms' scan field calls, with the form's document
as it stands; the test applies the answer as public/js/scanning.js does, then saves and submits.
"""

import re

import frappe
import pytest
from erpnext.selling.doctype.sales_order.sales_order import create_pick_list as pick_list_for_sales_order
from frappe.utils import add_days, getdate, nowdate, strip_html

from lot_control import labels
from lot_control.codes import is_valid_code
from lot_control.exceptions import LotNotUsableError, ScannedLabelRefusedError
from lot_control.issue_scanning import resolve_issue_scan
from lot_control.tests.integration.conftest import shop_of
from lot_control.tests.integration.factories import (
	expire_lot,
	fake,
	made_despite_deadlocks,
	make_customer,
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	unique_suffix,
	work_order_entry,
)
from lot_control.tests.integration.test_pick_list import make_sales_order, selling_price_list

GS = "\x1d"


def receive(shop, item, qty, supplier_batch_code=None, expiry_in_days=300, consignment_customer=None):
	receipt = make_purchase_receipt(
		shop.company,
		shop.supplier,
		[
			receipt_line(
				item,
				qty,
				2,
				shop.stores,
				lot_expiry_date=add_days(nowdate(), expiry_in_days),
				supplier_batch_code=supplier_batch_code,
			)
		],
		consignment_customer=consignment_customer,
	)
	return receipt.items[0].batch_no


def scan(doc, text):
	"""One scan into the form's document, applied as scanning.js applies the resolver's answer."""
	answer = resolve_issue_scan(barcode=text, doctype=doc.doctype, document=frappe.as_json(doc.as_dict()))
	if answer is None:
		return None
	if answer["row"]:
		row = next(line for line in doc.get(answer["table"]) if line.name == answer["row"])
	else:
		row = doc.append(answer["table"], {"item_code": answer["item_code"]})
	row.update(answer["values"])
	if doc.doctype == "Delivery Note":
		row.rate = row.rate or 5
	doc.save()
	return row


def delivery_to(shop, customer):
	note = frappe.get_doc(
		{
			"doctype": "Delivery Note",
			"company": shop.company.name,
			"customer": customer,
			"posting_date": nowdate(),
			"currency": "USD",
			"conversion_rate": 1,
			"selling_price_list": selling_price_list(),
			"set_warehouse": shop.stores,
			"items": [],
		}
	)
	note.flags.ignore_mandatory = True
	return note


def transfer(shop, purpose="Material Transfer", **values):
	return frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": purpose,
			"purpose": purpose,
			"company": shop.company.name,
			"from_warehouse": shop.stores,
			"to_warehouse": shop.wip if purpose != "Material Issue" else None,
			"items": [],
			**values,
		}
	)


def drawn(doc):
	"""(lot, serial, qty) a submitted document drew, from its posted bundles."""
	return sorted(
		(entry.batch_no, entry.serial_no, abs(entry.qty))
		for row in doc.items
		if row.serial_and_batch_bundle and (doc.doctype != "Stock Entry" or row.s_warehouse)
		for entry in frappe.get_doc("Serial and Batch Bundle", row.serial_and_batch_bundle).entries
	)


@pytest.fixture
def shelf(receiving_company):
	"""A glue with a GTIN, sold by a DigiKey-like supplier, on the Stores shelf in five lots: one
	good, one quarantined, one expired, one consigned to another customer, one from the supplier's
	batch DK-<n>. The dispatcher has the Stock User and Sales User roles."""
	shop = made_despite_deadlocks(lambda: stock_the_shelf(shop_of(receiving_company)))
	frappe.set_user(shop.dispatcher)
	yield shop
	frappe.set_user("Administrator")


def stock_the_shelf(shop):
	shop.gtin13 = fake.ean13()
	shop.part_no = f"{fake.random_number(digits=3)}-{fake.lexify('????').upper()}-ND"
	shop.glue = make_item(
		barcodes=[{"barcode": shop.gtin13}],
		supplier_items=[{"supplier": shop.supplier, "supplier_part_no": shop.part_no}],
	)
	shop.customer = make_customer()
	shop.other_customer = make_customer()
	shop.good = receive(shop, shop.glue, 10)
	shop.quarantined = receive(shop, shop.glue, 10)
	frappe.get_doc("Lot", shop.quarantined).change_status("Quarantine", "Viscosity out of range")
	shop.expired = receive(shop, shop.glue, 10)
	expire_lot(shop.expired, on=add_days(nowdate(), -3))
	shop.consigned = receive(shop, shop.glue, 10, consignment_customer=shop.other_customer)
	shop.supplier_batch = f"DK-{unique_suffix()}"
	shop.digikey_lot = receive(shop, shop.glue, 10, supplier_batch_code=shop.supplier_batch)
	shop.dispatcher = make_user("Stock User", "Sales User")
	return shop


def test_a_scanned_lot_label_picks_that_lot_onto_the_delivery(shelf):
	note = delivery_to(shelf, shelf.customer)

	row = scan(note, shelf.good)
	assert (row.item_code, row.batch_no, row.warehouse, row.qty, row.use_serial_batch_fields) == (
		shelf.glue,
		shelf.good,
		shelf.stores,
		1,
		1,
	)
	# Every code our own lot label prints (lot_control.labels) names the same lot: the QR code (a GS1
	# Digital Link, the item having a GTIN), the GS1 text and the desk URL; each adds to the same row.
	label = labels.lot_label(shelf.good)
	assert label["qr_text"] == label["digital_link"]
	for qty, printed in enumerate((label["qr_text"], label["gs1_text"], label["desk_url"]), start=2):
		row = scan(note, printed)
		assert (len(note.items), row.batch_no, row.qty) == (1, shelf.good, qty)

	note.submit()
	assert drawn(note) == [(shelf.good, None, 4)]


def test_an_unusable_lot_is_refused_at_the_scan_naming_lot_item_and_reason(shelf):
	note = delivery_to(shelf, shelf.customer)
	refusals = {
		shelf.quarantined: "is Quarantine; only Released lots can be used for delivery to",
		shelf.expired: "expired on",
		shelf.consigned: f"customer {shelf.other_customer}'s consigned stock",
	}
	for lot, reason in refusals.items():
		with pytest.raises(LotNotUsableError, match=re.escape(reason)) as refusal:
			scan(note, lot)
		assert f"Lot {lot} of item {shelf.glue}" in strip_html(str(refusal.value))
	assert note.items == []

	# A transfer picks what a transfer Pick List would: no held, expired or consigned lot either.
	entry = transfer(shelf)
	for lot in refusals:
		with pytest.raises(LotNotUsableError, match=re.escape(lot)):
			scan(entry, lot)
	row = scan(entry, shelf.good)
	assert (row.batch_no, row.s_warehouse, row.t_warehouse) == (shelf.good, shelf.stores, shelf.wip)

	# A write-off is what an expired lot is for.
	frappe.set_user("Administrator")
	disposal = transfer(shelf, "Material Issue")
	row = scan(disposal, shelf.expired)
	assert (row.batch_no, row.s_warehouse) == (shelf.expired, shelf.stores)


def test_gs1_and_digikey_labels_resolve_to_the_lot(shelf):
	note = delivery_to(shelf, shelf.customer)
	expiry = getdate(frappe.db.get_value("Batch", shelf.good, "expiry_date")).strftime("%y%m%d")

	# Our own GS1 label: (01) GTIN, (17) expiry, (10) our lot number; as a scanner sends it and printed.
	row = scan(note, f"]d201{'0' + shelf.gtin13}17{expiry}10{shelf.good}{GS}306")
	assert (row.batch_no, row.qty) == (shelf.good, 6)
	with pytest.raises(LotNotUsableError, match=re.escape(shelf.quarantined)):
		scan(note, f"(01)0{shelf.gtin13}(10){shelf.quarantined}")

	# The supplier's DigiKey reel label names the supplier's batch the lot was received with.
	digikey = (
		f"[)>\x1e06{GS}30P{shelf.part_no}{GS}KPO-1{GS}1K8{fake.random_number(digits=7)}{GS}10K9{fake.random_number(digits=7)}"
		f"{GS}11K1{GS}9D2544{GS}1T{shelf.supplier_batch}{GS}4LTW{GS}Q4{GS}11ZPICK{GS}20Z{'0' * 40}"
	)
	row = scan(note, digikey)
	assert (row.batch_no, row.qty, len(note.items)) == (shelf.digikey_lot, 4, 2)

	# A GS1 Digital Link carries the same element strings.
	row = scan(note, f"https://id.example.com/01/0{shelf.gtin13}/10/{shelf.good}")
	assert (row.batch_no, row.qty, len(note.items)) == (shelf.good, 7, 2)
	# More than the lot holds is refused, saying how much is there.
	with pytest.raises(ScannedLabelRefusedError, match=re.escape("has only 10.0 in")):
		scan(note, f"(01)0{shelf.gtin13}(10){shelf.good}(30)4")

	# A lot this label's item never had is said, not guessed.
	with pytest.raises(ScannedLabelRefusedError) as refusal:
		scan(note, f"(01)0{shelf.gtin13}(10)NOPE-1")
	assert f"No lot NOPE-1 of item {shelf.glue} was received" in strip_html(str(refusal.value))
	# The item's own barcode is ERPNext's to handle.
	assert (
		resolve_issue_scan(
			barcode=shelf.gtin13, doctype="Delivery Note", document=frappe.as_json(note.as_dict())
		)
		is None
	)

	note.submit()
	assert drawn(note) == sorted([(shelf.good, None, 7), (shelf.digikey_lot, None, 4)])


def test_a_lot_the_user_may_not_open_cannot_be_scanned(shelf):
	frappe.set_user(make_user("Sales User"))
	note = delivery_to(shelf, shelf.customer)
	with pytest.raises(frappe.PermissionError, match=re.escape(shelf.good)):
		resolve_issue_scan(
			barcode=shelf.good, doctype="Delivery Note", document=frappe.as_json(note.as_dict())
		)


@pytest.fixture
def devices(receiving_company):
	"""Three devices built from a lot of parts, in Finished Goods."""
	return made_despite_deadlocks(lambda: build_devices(shop_of(receiving_company)))


def build_devices(shop):
	part = make_item()
	receive(shop, part, 10)
	device = make_item(lot_controlled=False, has_serial_no=1)
	work_order = make_work_order(shop.company, device, {part: 1}, 3, shop.stores, skip_transfer=1)
	entry = work_order_entry(work_order, "Manufacture", 3)
	entry.insert()
	entry.submit()
	units = frappe.get_all(
		"Serialized Unit", filters={"work_order": work_order.name}, pluck="name", order_by="creation, name"
	)
	assert len(units) == 3
	return frappe._dict(shop=shop, device=device, units=units, customer=make_customer())


def test_a_scanned_unit_label_picks_that_unit_and_a_held_unit_is_refused(devices):
	from lot_control.units import set_unit_quality_status

	shop = devices.shop
	first, second, held = devices.units
	set_unit_quality_status(held, "Quarantine", "Dropped on the floor")
	frappe.set_user(make_user("Stock User", "Sales User"))
	note = delivery_to(shop, devices.customer)
	note.set_warehouse = shop.fg

	row = scan(note, labels.unit_label(first)["qr_text"])  # no GTIN: the QR opens the unit in the desk
	assert (row.item_code, row.serial_no, row.qty, row.warehouse) == (devices.device, first, 1, shop.fg)
	row = scan(note, second.lower())  # typed from the printed code
	assert (row.serial_no.split("\n"), row.qty, len(note.items)) == ([first, second], 2, 1)

	with pytest.raises(ScannedLabelRefusedError, match="already on row 1"):
		scan(note, first)
	# A code mistyped by one character names no other unit: its check character says so.
	mistyped = next(
		code
		for code in (first[:-2] + symbol + first[-1] for symbol in "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
		if not is_valid_code(code)
	)
	with pytest.raises(ScannedLabelRefusedError, match="is not a valid unit code"):
		scan(note, mistyped)
	with pytest.raises(LotNotUsableError) as refusal:
		scan(note, held)
	assert f"Unit {held} of item {devices.device} is Quarantine" in strip_html(str(refusal.value))

	note.submit()
	assert [serial for _lot, serial, _qty in drawn(note)] == sorted([first, second])


@pytest.fixture
def ordered(receiving_company):
	"""The shelf above and a customer's order for 6 of the glue."""

	def make():
		shop = stock_the_shelf(shop_of(receiving_company))
		shop.order = make_sales_order(shop, shop.customer, shop.glue, 6)
		return shop

	shop = made_despite_deadlocks(make)
	frappe.set_user(shop.dispatcher)
	yield shop
	frappe.set_user("Administrator")


def test_a_picker_scans_the_lot_taken_for_a_pick_list_row(ordered):
	shelf, order = ordered, ordered.order
	pick_list = pick_list_for_sales_order(order.name)
	pick_list.insert()
	suggested = pick_list.locations[0].batch_no

	with pytest.raises(LotNotUsableError) as refusal:
		scan(pick_list, shelf.quarantined)
	assert f"Lot {shelf.quarantined} of item {shelf.glue} is Quarantine" in strip_html(str(refusal.value))

	# The picker takes the DigiKey lot instead of the one suggested: the row follows the shelf.
	other = shelf.digikey_lot if suggested != shelf.digikey_lot else shelf.good
	row = scan(pick_list, other)
	assert (row.batch_no, row.picked_qty, row.warehouse) == (other, 6, shelf.stores)
	with pytest.raises(ScannedLabelRefusedError, match="no row left to pick"):
		scan(pick_list, other)
	pick_list.submit()
	assert [(row.batch_no, row.picked_qty) for row in pick_list.locations] == [(other, 6)]


def test_a_lot_another_work_order_holds_is_refused_for_this_build(receiving_company):
	"""Parts transferred to one Work Order's work in progress are its own: the next build scans them
	and is told whose they are."""

	def transfer_to_the_first():
		shop = shop_of(receiving_company)
		part = make_item()
		lot = receive(shop, part, 10)
		product, other_product = make_item(lot_controlled=False), make_item(lot_controlled=False)
		first = make_work_order(shop.company, product, {part: 1}, 4, shop.stores)
		second = make_work_order(shop.company, other_product, {part: 1}, 4, shop.stores)
		move = work_order_entry(
			first, "Material Transfer for Manufacture", 4, batch_no=lot, use_serial_batch_fields=1
		)
		move.insert()
		move.submit()
		return shop, part, lot, first, second

	shop, part, lot, first, second = made_despite_deadlocks(transfer_to_the_first)

	frappe.set_user(make_user("Manufacturing User", "Stock User"))
	build = work_order_entry(second, "Manufacture", 4)
	build.items = [row for row in build.items if not row.s_warehouse]
	build.from_warehouse = shop.wip
	with pytest.raises(LotNotUsableError) as refusal:
		scan(build, lot)
	assert (
		f"Lot {lot} of item {part} in {shop.wip} was transferred for Work Order {first.name}"
		in strip_html(str(refusal.value))
	)


def test_odd_input_is_refused_not_an_error(shelf):
	"""Whatever arrives over HTTP, the answer is a result or a refusal (4xx), never a server error."""
	from hypothesis import HealthCheck, given, settings
	from hypothesis import strategies as st

	from lot_control.tests.integration.test_whitelisted_inputs import ODD_TEXTS, call

	note = delivery_to(shelf, shelf.customer)
	scalars = st.one_of(
		st.sampled_from(ODD_TEXTS),
		st.sampled_from([shelf.good, shelf.glue, shelf.stores]),
		st.integers(),
		st.floats(),
	)
	values = st.one_of(
		scalars, st.lists(scalars, max_size=2), st.dictionaries(st.text(max_size=4), scalars, max_size=2)
	)
	lines = st.lists(
		st.fixed_dictionaries(
			{},
			optional={field: values for field in ("item_code", "qty", "batch_no", "serial_no", "warehouse")},
		),
		max_size=2,
	)
	documents = st.one_of(
		values,
		lines.map(lambda items: frappe.as_json({**note.as_dict(), "items": items})),
		st.fixed_dictionaries({"posting_date": values, "customer": values, "items": lines}).map(
			frappe.as_json
		),
	)

	@settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
	@given(
		barcode=st.one_of(values, st.sampled_from([shelf.good, f"(01)0{shelf.gtin13}(10){shelf.good}"])),
		doctype=st.one_of(values, st.sampled_from(["Delivery Note", "Stock Entry", "Pick List"])),
		document=documents,
	)
	def poke(barcode, doctype, document):
		form = {"barcode": barcode, "doctype": doctype, "document": document}
		assert call(shelf.dispatcher, "lot_control.issue_scanning.resolve_issue_scan", form) < 500

	poke()
