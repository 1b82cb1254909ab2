"""Numbering patterns per item and item group, set in Lot Control Settings."""

import re

import frappe
import pytest
from frappe.utils import getdate, nowdate

from lot_control.exceptions import InvalidLotPatternError
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_item_group,
	make_purchase_receipt,
	receipt_line,
)


@pytest.fixture
def world():
	return lot_fixture_world()


def set_rules(*rules, default=None):
	settings = frappe.get_single("Lot Control Settings")
	if default:
		settings.default_lot_pattern = default
	settings.set("numbering_rules", [])
	for applies_to, target, pattern in rules:
		settings.append(
			"numbering_rules",
			{
				"applies_to": applies_to,
				"item" if applies_to == "Item" else "item_group": target,
				"pattern": pattern,
			},
		)
	settings.save()


def receive(world, item, **line):
	receipt = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 1, 1, world.warehouse, **line)])
	return receipt.items[0].batch_no


def test_an_item_rule_uses_the_suppliers_code_and_never_repeats_it(world):
	item = make_item()
	set_rules(("Item", item, "{supplier_batch_code}"))
	code = f"DC{frappe.generate_hash(length=6).upper()}"
	assert receive(world, item, supplier_batch_code=code) == code
	assert receive(world, item, supplier_batch_code=code) == f"{code}-2"
	assert re.fullmatch(r"L\d{4}-\d{4}", receive(world, item)), "no supplier code falls back to the default"


def test_the_nearest_item_group_rule_applies_and_the_items_own_rule_wins(world):
	parent = make_item_group(is_group=1)
	child = make_item_group(parent=parent)
	prefix = "RM" + frappe.generate_hash(length=4).upper()
	set_rules(
		("Item Group", parent, "PARENT-{####}"),
		("Item Group", child, prefix + "-{YYYY}{MM}{DD}-{###}"),
	)
	in_child, in_parent = make_item(item_group=child), make_item(item_group=parent)
	today = getdate(nowdate()).strftime("%Y%m%d")
	assert receive(world, in_child) == f"{prefix}-{today}-001"
	assert receive(world, in_child) == f"{prefix}-{today}-002"
	assert receive(world, in_parent).startswith("PARENT-")

	own = make_item(item_group=child)
	set_rules(("Item Group", child, prefix + "-{###}"), ("Item", own, "OWN{item_code}-{##}"))
	assert receive(world, own) == f"OWN{own}-01"


def test_an_items_own_erpnext_batch_series_is_kept_when_no_rule_names_it(world):
	series = "SER" + frappe.generate_hash(length=4).upper() + "-.####"
	item = make_item(create_new_batch=1, batch_number_series=series)
	assert receive(world, item).startswith(series.split(".")[0])


def test_a_pattern_that_cannot_number_lots_is_refused(world):
	item = make_item()
	with pytest.raises(InvalidLotPatternError, match="sequence"):
		set_rules(("Item", item, "FIXED"))
	with pytest.raises(InvalidLotPatternError, match="unknown"):
		set_rules(("Item", item, "X-{QQ}-{###}"))
	with pytest.raises(InvalidLotPatternError, match="Default"):
		set_rules(default="{YYYY}")


def test_erpnext_auto_created_batches_get_lot_codes(world):
	item = make_item(create_new_batch=1)
	batch = frappe.get_doc({"doctype": "Batch", "item": item}).insert()
	assert re.fullmatch(r"L\d{4}-\d{4}", batch.name)


def test_erpnext_stock_settings_batch_naming_series_is_kept_without_a_rule(world):
	prefix = "SS" + frappe.generate_hash(length=4).upper() + "-"
	frappe.db.set_single_value("Stock Settings", {"use_naming_series": 1, "naming_series_prefix": prefix})
	item = make_item()
	assert receive(world, item).startswith(prefix)

	set_rules(("Item", item, "OWN-{####}"))
	assert receive(world, item).startswith("OWN-")
