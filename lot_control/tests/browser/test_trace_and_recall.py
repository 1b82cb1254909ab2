"""A quality manager traces a flagged reel in the desk and recalls it: the Lot Trace tree shows
every lot and unit under what it was made from, and the recall stops the units built from the reel
until it is closed. Data is made in this process and committed (the server only sees committed
data); it is left behind under unique names."""

import re
from urllib.parse import quote

import frappe
import pytest

from lot_control.tests.browser.conftest import committed, make_desk_user, open_desk, sign_in_dialog

ROWS_SHOWN = """
() => [...document.querySelectorAll('.dt-scrollable .dt-row[data-row-index]')]
	.sort((a, b) => +a.dataset.rowIndex - +b.dataset.rowIndex)
	.map((row) => {
		const node = row.querySelector('.dt-cell__content--col-1 .dt-tree-node');
		const link = row.querySelector('.dt-cell__content--col-1 a[data-name]');
		return {
			indent: node ? Math.round(parseFloat(node.style.paddingLeft || '0') / 20) : 0,
			name: link ? link.dataset.name : null,
			text: (row.querySelector('.dt-cell__content--col-1') || {}).innerText || '',
		};
	})
"""


def live_edges() -> set[tuple[str, str]]:
	frappe.db.rollback()  # a fresh snapshot: see what the server committed
	return {
		(row.consumed_node, row.produced_node)
		for row in frappe.get_all(
			"Lot Consumption", filters={"is_cancelled": 0}, fields=["consumed_node", "produced_node"]
		)
	}


def test_the_trace_tree_shows_every_row_under_what_it_was_made_from(desk, console_errors, traced_world):
	world = traced_world
	open_desk(
		desk, f"query-report/Lot%20Trace?direction=Forward&lot={quote(world.reel)}", ".dt-row[data-row-index]"
	)
	desk.wait_for_function(
		f"() => document.querySelectorAll('.dt-scrollable a[data-name=\"{world.products[0]}\"]').length"
	)
	rows = desk.evaluate(ROWS_SHOWN)
	tree = []
	for row in rows:
		if row["indent"] == 0 and tree and row["name"] is None:
			break  # Deliveries / Still in Stock: sections after the tree
		tree.append(row)
	edges = live_edges()

	assert tree[0]["name"] == world.reel and tree[0]["indent"] == 0
	stack = []
	for row in tree:
		del stack[row["indent"] :]
		if row["indent"]:
			parent = stack[row["indent"] - 1]
			assert (parent["name"], row["name"]) in edges, f"{row['text']} is shown under {parent['text']}"
		stack.append(row)
	shown = {row["name"] for row in tree}
	assert shown == {world.reel, world.cut, *world.modules, *world.products}
	# Units are shown by their printed code and open the unit.
	printed = frappe.db.get_value("Serialized Unit", world.products[0], "code_display")
	assert printed in next(row["text"] for row in tree if row["name"] == world.products[0])


@pytest.fixture
def controllers_on_the_shelf(shop):
	"""Two controllers built from a reel that is about to be recalled, in stock: committed."""
	from lot_control.tests.integration.factories import (
		make_customer,
		make_item,
		make_purchase_receipt,
		make_work_order,
		receipt_line,
	)
	from lot_control.tests.integration.test_units import device_item, manufacture, units_of

	def make():
		chip, controller = make_item(), device_item()
		reel = f"RECALL-{frappe.generate_hash(length=6).upper()}"
		make_purchase_receipt(
			shop.company, shop.supplier, [receipt_line(chip, 10, 1.0, shop.stores, lot_number=reel)]
		)
		work_order = make_work_order(shop.company, controller, {chip: 2}, 2, shop.stores, skip_transfer=1)
		manufacture(work_order, 2)
		recall = frappe.get_doc(
			{
				"doctype": "Recall",
				"reason": f"Browser test: cracked dies in {reel}",
				"suspect_lots": [{"lot": reel}],
			}
		).insert()
		return frappe._dict(
			reel=reel,
			controller=controller,
			units=units_of(work_order),
			customer=make_customer(),
			recall=recall.name,
		)

	return committed(make)


def try_delivery(shop, world, unit):
	from lot_control.tests.integration.factories import make_delivery_note

	frappe.db.rollback()
	line = {
		"item_code": world.controller,
		"qty": 1,
		"rate": 100,
		"warehouse": shop.fg,
		"serial_no": unit,
		"use_serial_batch_fields": 1,
	}
	return make_delivery_note(shop.company, world.customer, [line])


def field_value(page, fieldname):
	return page.evaluate(f"() => cur_frm && cur_frm.doc.{fieldname}")


def test_a_recall_holds_the_units_built_from_the_reel_and_releases_them_when_closed(
	login_as, console_errors, shop, controllers_on_the_shelf
):
	world = controllers_on_the_shelf
	quality = committed(lambda: make_desk_user("Lot Quality Manager", "Stock User"))
	page = login_as(quality)

	open_desk(page, f"recall/{world.recall}", ".form-layout")
	page.get_by_role("button", name="Hold Affected Stock").click()
	page.locator(".modal.show .btn-primary", has_text="Yes").click()
	page.wait_for_function("() => cur_frm && cur_frm.doc.status === 'Contained'", timeout=60_000)

	unit = world.units[0]
	open_desk(page, f"serialized-unit/{unit}", ".form-layout")
	assert field_value(page, "quality_status") == "On Hold"
	assert page.locator(
		'[data-fieldname="quality_status"] .control-value, [data-fieldname="quality_status"] select'
	).first.is_visible()

	with pytest.raises(frappe.ValidationError, match=re.escape(unit)):
		try_delivery(shop, world, unit)
	frappe.db.rollback()

	open_desk(page, f"recall/{world.recall}", ".form-layout")
	page.evaluate("() => cur_frm.set_value('status', 'Closed')")
	page.evaluate("() => { cur_frm.save(); }")  # not awaited: the save waits for the signature below
	sign_in_dialog(page, "Reel cleared by the supplier's analysis")  # closing a recall is signed
	page.wait_for_function(
		"() => cur_frm && cur_frm.doc.status === 'Closed' && !cur_frm.is_dirty()", timeout=60_000
	)

	open_desk(page, f"serialized-unit/{unit}", ".form-layout")
	assert field_value(page, "quality_status") == "Released"
	note = try_delivery(shop, world, unit)
	frappe.db.commit()
	assert note.docstatus == 1
