"""A clerk types what they should not: another item's lot on a delivery, a receipt or a build, a
lot number with a slash, a bidi override or an emoji, a split of NaN, zero units to register, an
empty new expiry date. Each is refused with a message that names the lot, the item and what is
wrong, before ERPNext's own checks and before anything is written."""

import re

import frappe
import pytest

from lot_control.exceptions import InvalidArgumentError, InvalidLotNumberError, LotOfAnotherItemError
from lot_control.lot_control.doctype.lot.lot import bulk_change_expiry
from lot_control.lot_splitting import split_lot
from lot_control.tests.integration.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_purchase_receipt,
	make_work_order,
	receipt_line,
	work_order_entry,
)
from lot_control.units import register_units


def receive(shop, item, qty=10, rate=2.0):
	lot = f"LOT-{frappe.generate_hash(length=6).upper()}"
	make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(item, qty, rate, shop.stores, lot_number=lot)]
	)
	return lot


@pytest.fixture
def two_items(shop):
	flour, sugar = make_item(), make_item()
	return frappe._dict(
		flour=flour, sugar=sugar, flour_lot=receive(shop, flour), sugar_lot=receive(shop, sugar)
	)


def test_a_delivery_naming_another_items_lot_is_refused_with_the_reason(shop, two_items):
	line = {
		"item_code": two_items.flour,
		"qty": 1,
		"rate": 5,
		"warehouse": shop.stores,
		"batch_no": two_items.sugar_lot,
		"use_serial_batch_fields": 1,
	}
	with pytest.raises(
		LotOfAnotherItemError,
		match=f"{two_items.sugar_lot}.*lot of item.*{two_items.sugar}.*not of item.*{two_items.flour}",
	):
		make_delivery_note(shop.company, make_customer(), [line])


def test_a_receipt_naming_another_items_lot_is_refused(shop, two_items):
	with pytest.raises(LotOfAnotherItemError, match=two_items.sugar_lot):
		make_purchase_receipt(
			shop.company,
			shop.supplier,
			[
				receipt_line(
					two_items.flour,
					2,
					2,
					shop.stores,
					batch_no=two_items.sugar_lot,
					use_serial_batch_fields=1,
				)
			],
		)


def test_a_build_naming_another_items_lot_says_the_lot_is_wrong_not_that_a_valuation_rate_is_missing(
	shop, two_items
):
	cake = make_item()
	work_order = make_work_order(shop.company, cake, {two_items.flour: 1}, 1, shop.stores, skip_transfer=1)
	entry = work_order_entry(
		work_order, "Manufacture", 1, batch_no=two_items.sugar_lot, use_serial_batch_fields=1
	)
	with pytest.raises(
		LotOfAnotherItemError, match=f"{two_items.sugar_lot}.*not of item.*{two_items.flour}"
	) as refusal:
		entry.insert()
	assert "Valuation Rate" not in str(refusal.value)


@pytest.mark.parametrize(
	("lot_number", "named"),
	[
		("LOT\x00X", "U+0000"),
		("\u202eLOT", "RIGHT-TO-LEFT OVERRIDE"),
		("LOT\U0001f600", "GRINNING FACE"),
		("A/B", "SOLIDUS"),
		("A#1", "NUMBER SIGN"),
		("50%", "PERCENT SIGN"),
		("A?B", "QUESTION MARK"),
	],
)
def test_a_lot_number_that_would_not_print_scan_or_survive_a_url_is_refused_naming_the_character(
	shop, lot_number, named
):
	item = make_item()
	with pytest.raises(InvalidLotNumberError, match=re.escape(named)):
		make_purchase_receipt(
			shop.company, shop.supplier, [receipt_line(item, 1, 1, shop.stores, lot_number=lot_number)]
		)
	assert not frappe.db.exists("Batch", lot_number)


@pytest.mark.parametrize("qty", [float("nan"), float("inf"), 1e308, 1e-9, 0, -2, "many"])
def test_a_split_of_an_impossible_quantity_is_refused_naming_the_lot(shop, two_items, qty):
	with pytest.raises(
		InvalidArgumentError, match=f"Lot {two_items.flour_lot} of item {two_items.flour} cannot be split"
	):
		split_lot(two_items.flour_lot, qty)


@pytest.mark.parametrize("new_lot", ["REEL/1", "REEL\u202e1", "REEL 1"])
def test_a_split_into_an_unusable_lot_number_is_refused(shop, two_items, new_lot):
	with pytest.raises(InvalidLotNumberError, match=two_items.flour_lot):
		split_lot(two_items.flour_lot, 1, new_lot=new_lot)
	assert not frappe.db.exists("Batch", new_lot)


def test_units_are_registered_only_in_whole_positive_numbers_within_what_is_left(shop):
	device = make_item(lot_controlled=False, has_serial_no=1)
	work_order = make_work_order(shop.company, device, {make_item(): 1}, 3, shop.stores, skip_transfer=1)
	for qty in (0, "0", 1.5, "1.5", -1):
		with pytest.raises(InvalidArgumentError, match="whole number"):
			register_units(work_order.name, qty)
	with pytest.raises(frappe.ValidationError, match="cannot be registered"):
		register_units(work_order.name, 4)
	assert frappe.db.count("Serialized Unit", {"work_order": work_order.name}) == 0
	assert len(register_units(work_order.name, 2)) == 2


@pytest.mark.parametrize("expiry_date", ["", None, "0000-00-00", "2026-02-30"])
def test_a_new_expiry_date_must_be_a_real_date(shop, two_items, expiry_date):
	before = frappe.db.get_value("Batch", two_items.flour_lot, "expiry_date")
	with pytest.raises(InvalidArgumentError, match="expiry_date"):
		bulk_change_expiry(frappe.as_json([two_items.flour_lot]), expiry_date)
	assert frappe.db.get_value("Batch", two_items.flour_lot, "expiry_date") == before
