"""What a purchasing clerk, a planner and a quality manager see on the forms, in headless Chromium:
a serial-only product set up in the Item form, every Connections link opening the list of exactly
the records its badge counts, labels opening in their own print format, the lots each posted line
got, and the lot list with its stock. Every page is watched for console errors."""

from __future__ import annotations

import random
import re
from urllib.parse import quote, unquote

import frappe
import pytest
from frappe.utils import cint

from lot_control.tests.browser.conftest import committed, open_desk
from lot_control.tests.integration.factories import (
	make_item,
	make_purchase_receipt,
	make_work_order,
	receipt_line,
	unique_suffix,
	work_order_entry,
)

LINK_COUNTS_LOADED = "() => window.cur_frm && cur_frm.dashboard && cur_frm.dashboard._fetched_counts"
# Connections sit on their own tab (or the first one) and count only once scrolled into view.
SHOW_CONNECTIONS = """() => {
	const tab = (cur_frm.layout.tabs || []).find((tab) => tab.wrapper.find('.form-dashboard').length);
	if (tab && !tab.is_active()) tab.set_active();
	cur_frm.dashboard.links_area.wrapper[0].scrollIntoView();
}"""


def show_connections(page):
	page.wait_for_function(
		"() => window.cur_frm && cur_frm.dashboard && cur_frm.dashboard.links_area && !cur_frm.is_new()"
	)
	page.evaluate(SHOW_CONNECTIONS)
	page.wait_for_function(LINK_COUNTS_LOADED)


def manufacture(work_order, qty):
	entry = work_order_entry(work_order, "Manufacture", qty)
	entry.insert()
	entry.submit()
	return entry


@pytest.fixture(scope="module")
def story(shop):
	"""A part received in a lot and built into boards (lots) and into devices (serialized units)."""

	def make():
		company, stores = shop.company, shop.stores
		part, board = make_item(), make_item()
		device = make_item(lot_controlled=False, has_serial_no=1)
		# With a digit, as lot numbers have: the search bar takes a text with a digit for a code and
		# leaves plain words to Frappe's own search.
		part_lot = f"PART-{random.randint(10, 99)}{unique_suffix(4)}"
		receipt = make_purchase_receipt(
			company,
			shop.supplier,
			[
				receipt_line(
					part,
					40,
					2.0,
					stores,
					lot_number=part_lot,
					supplier_batch_code=f"DC{random.randint(1000, 9999)}{unique_suffix(3)}",
				)
			],
		)
		board_order = make_work_order(company, board, {part: 2}, 3, stores, skip_transfer=1)
		board_entry = manufacture(board_order, 3)
		# three devices ordered, two built so far: the order stays open for labels
		device_order = make_work_order(company, device, {part: 1}, 3, stores, skip_transfer=1)
		device_entry = manufacture(device_order, 2)
		return frappe._dict(
			stores=stores,
			part=part,
			part_lot=part_lot,
			receipt=receipt.name,
			board_order=board_order.name,
			board_entry=board_entry.name,
			board_lot=frappe.get_all("Lot", filters={"stock_entry": board_entry.name}, pluck="name")[0],
			device_order=device_order.name,
			device_entry=device_entry.name,
			unit=frappe.get_all(
				"Serialized Unit", filters={"work_order": device_order.name}, pluck="name", order_by="name"
			)[0],
		)

	return committed(make)


def connection_badges(page) -> dict[str, int]:
	"""Each Connections link of the open form with the count its badge shows (0 when hidden)."""
	show_connections(page)
	return page.evaluate(
		"""() => Object.fromEntries(
			[...cur_frm.dashboard.transactions_area.find('.document-link[data-doctype]')].map((link) => {
				const badge = $(link).find('.count');
				return [link.dataset.doctype, badge.hasClass('hidden') ? 0 : parseInt(badge.text(), 10)];
			})
		)"""
	)


def open_connection(page, doctype: str) -> tuple[int, list[str]]:
	"""Click a Connections link and read the list it opens: the list's own total and the names shown."""
	page.locator(f'.form-documents .document-link[data-doctype="{doctype}"] .badge-link').first.click()
	page.wait_for_function(
		"""(doctype) => window.cur_list && cur_list.doctype === doctype && frappe.get_route()[0] === 'List'
			&& cur_list.data && cur_list.$result && cur_list.$result.find('.list-count span').length""",
		arg=doctype,
	)
	# the list may draw once with the filters it had before the route's: read until it settles
	reading, previous = None, object()
	for _ in range(20):
		page.wait_for_timeout(500)
		reading = page.evaluate(
			"() => [cur_list.$result.find('.list-count span').text(), [...new Set(cur_list.data.map((row) => row.name))].sort()]"
		)
		if reading == previous and not page.evaluate("() => frappe.dom.freeze_count"):
			break
		previous = reading
	total, names = reading
	match = re.search(r"of\s+(\d+)", total) or re.search(r"(\d+)", total)
	return cint(match.group(1)) if match else 0, names


def check_every_link(page, path: str, expected: dict[str, list[str] | int]):
	"""Open the form, compare each badge with the records expected (from the database), then open
	every counted link and compare the list it shows with the badge."""
	open_desk(page, path)
	badges = connection_badges(page)
	for doctype, want in expected.items():
		want_count = want if isinstance(want, int) else len(want)
		assert badges.get(doctype) == want_count, (
			f"{path}: {doctype} badge {badges.get(doctype)}, expected {want_count}"
		)
	for doctype, count in badges.items():
		if not count:
			continue
		open_desk(page, path)
		show_connections(page)
		listed, names = open_connection(page, doctype)
		assert listed == count, f"{path}: {doctype} badge says {count}, its list shows {listed}"
		want = expected.get(doctype)
		if isinstance(want, list):
			assert sorted(names) == sorted(want), f"{path}: {doctype} list shows {names}, expected {want}"


def test_a_serial_only_product_is_set_up_in_the_item_form(site, desk, console_errors):
	code = f"DEVICE-{unique_suffix()}"
	open_desk(desk, "item/new", 'input[data-fieldname="item_code"]')
	desk.fill('input[data-fieldname="item_code"]', code)
	desk.evaluate("() => cur_frm.set_value('item_group', 'All Item Groups')")
	desk.get_by_role("tab", name="Inventory").click()
	desk.locator(".section-head:visible", has_text="Serial Nos and Batches").click()

	has_serial_no = desk.locator('input[data-fieldname="has_serial_no"]')
	assert has_serial_no.is_visible(), "Has Serial No must show for an item without batches"
	assert not desk.locator('input[data-fieldname="has_batch_no"]').is_checked()
	has_serial_no.check()
	track_units = desk.locator('input[data-fieldname="track_serialized_units"]')
	track_units.wait_for(state="visible")
	assert track_units.is_checked()
	assert desk.locator('.frappe-control[data-fieldname="serial_no_series"] input').is_visible()
	# the batch-only Lot Control section stays out of the way of a serial-only product
	assert not desk.locator('.frappe-control[data-fieldname="quarantine_lots_on_receipt"]').is_visible()

	desk.keyboard.press("Control+s")
	desk.wait_for_function("(code) => cur_frm && !cur_frm.is_new() && cur_frm.doc.name === code", arg=code)
	frappe.db.rollback()  # see what the server stored
	saved = frappe.db.get_value(
		"Item", code, ["has_serial_no", "track_serialized_units", "has_batch_no"], as_dict=True
	)
	assert saved == {"has_serial_no": 1, "track_serialized_units": 1, "has_batch_no": 0}

	# a batch item shows the app's Lot Control section, and still its serial fields
	desk.get_by_role("tab", name="Inventory").click()
	if desk.evaluate("() => cur_frm.fields_dict.serial_nos_and_batches.is_collapsed()"):
		desk.locator(".section-head:visible", has_text="Serial Nos and Batches").click()
	desk.locator('input[data-fieldname="has_batch_no"]').check()
	desk.locator('.frappe-control[data-fieldname="quarantine_lots_on_receipt"]').wait_for(state="attached")
	desk.wait_for_function("() => cur_frm.fields_dict.lot_control_section.wrapper.is(':visible')")
	assert has_serial_no.is_visible()


def test_every_connections_link_opens_the_records_its_badge_counts(desk, console_errors, story):
	consumed = frappe.get_all(
		"Lot Consumption", filters={"consumed_lot": story.part_lot, "is_cancelled": 0}, pluck="name"
	)
	produced = frappe.get_all(
		"Lot Consumption", filters={"produced_lot": story.board_lot, "is_cancelled": 0}, pluck="name"
	)
	assert consumed and produced
	part_bundles = frappe.get_all(
		"Serial and Batch Bundle", filters={"batch_no": story.part_lot}, pluck="name", distinct=True
	)

	check_every_link(
		desk,
		f"lot/{story.part_lot}",
		{
			"Purchase Receipt": [story.receipt],
			"Stock Entry": sorted([story.board_entry, story.device_entry]),
			"Lot Consumption": consumed,
			"Serial and Batch Bundle": part_bundles,
			"Lot": 0,
		},
	)
	check_every_link(
		desk,
		f"lot/{story.board_lot}",
		{"Lot Consumption": produced, "Stock Entry": [story.board_entry], "Purchase Receipt": 0},
	)
	check_every_link(
		desk,
		f"purchase-receipt/{story.receipt}",
		{"Lot": frappe.get_all("Lot", filters={"purchase_receipt": story.receipt}, pluck="name")},
	)
	check_every_link(
		desk,
		f"work-order/{story.board_order}",
		{
			"Lot": [story.board_lot],
			"Lot Consumption": frappe.get_all(
				"Lot Consumption", filters={"work_order": story.board_order}, pluck="name"
			),
		},
	)
	check_every_link(
		desk,
		f"work-order/{story.device_order}",
		{
			"Serialized Unit": frappe.get_all(
				"Serialized Unit", filters={"work_order": story.device_order}, pluck="name"
			)
		},
	)
	unit_records = frappe.get_all(
		"Lot Consumption", filters={"produced_unit": story.unit, "is_cancelled": 0}, pluck="name"
	) + frappe.get_all(
		"Lot Consumption", filters={"consumed_unit": story.unit, "is_cancelled": 0}, pluck="name"
	)
	unit_bundles = frappe.get_all(
		"Serial and Batch Bundle", filters={"serial_no": story.unit}, pluck="name", distinct=True
	)
	assert unit_records and unit_bundles
	check_every_link(
		desk,
		f"serialized-unit/{story.unit}",
		{"Lot Consumption": unit_records, "Serial and Batch Bundle": unit_bundles},
	)


def test_the_connections_offer_no_new_lot_that_could_not_be_saved(desk, console_errors, story):
	for path in (
		f"lot/{story.part_lot}",
		f"purchase-receipt/{story.receipt}",
		f"work-order/{story.board_order}",
	):
		open_desk(desk, path)
		show_connections(desk)
		shown = desk.evaluate(
			"""() => [...cur_frm.dashboard.transactions_area.find('.btn-new:not(.hidden)')].map((b) => b.dataset.doctype)"""
		)
		assert not {"Lot", "Lot Consumption", "Serialized Unit"} & set(shown), f"{path} offers + for {shown}"


def test_labels_open_in_their_own_print_format(desk, console_errors, story):
	for path, menu, button, print_format in (
		(f"work-order/{story.device_order}", "Units", "Print Unit Labels", "Unit Labels (A4)"),
		(f"purchase-receipt/{story.receipt}", None, "Print Lot Labels", "Lot Labels (A4)"),
		(f"lot/{story.part_lot}", None, "Print Lot Label", "Lot Label"),
	):
		open_desk(desk, path)
		if menu:
			desk.locator(f'.inner-group-button[data-label="{quote(menu)}"]:visible > button').click()
			target = desk.locator(
				f'.inner-group-button[data-label="{quote(menu)}"]:visible .dropdown-item[data-label="{quote(button)}"]'
			)
		else:
			target = desk.locator(f'button[data-label="{quote(button)}"]:visible')
		with desk.context.expect_page() as opened:
			target.click()
		label_page = opened.value
		label_page.wait_for_load_state("load")
		assert f"format={print_format}&" in unquote(label_page.url)
		assert label_page.locator("svg").count() > 0, f"{print_format}: no barcode drawn"
		if print_format == "Unit Labels (A4)":
			code = frappe.db.get_value("Serialized Unit", story.unit, "code_display")
			assert code in label_page.content()
		label_page.close()


def test_each_posted_line_shows_the_lots_it_got(desk, console_errors, story):
	open_desk(desk, f"purchase-receipt/{story.receipt}", ".lot-control-line-lots-table")
	assert story.part_lot in desk.locator(".lot-control-line-lots-table").inner_text()
	open_desk(desk, f"stock-entry/{story.board_entry}", ".lot-control-line-lots-table")
	lots_text = desk.locator(".lot-control-line-lots-table").inner_text()
	assert story.part_lot in lots_text and story.board_lot in lots_text


def test_the_lot_list_shows_stock_warehouse_supplier_code_and_expiry(desk, console_errors, story):
	open_desk(desk, f"lot?name={story.part_lot}", ".lot-control-on-hand")
	desk.wait_for_function("() => $('.lot-control-on-hand').first().text().trim() !== ''")
	headers = desk.locator(".list-row-head").inner_text()
	for label in ("On Hand", "Warehouse", "Supplier Batch / Date Code"):
		assert label in headers, f"{label} not a column of the lot list"
	on_hand = 40 - 3 * 2 - 2 * 1
	assert float(desk.locator(".lot-control-on-hand").first.inner_text().replace(",", "")) == on_hand
	assert story.stores in desk.locator(".lot-control-warehouses").first.inner_text()


def test_the_search_bar_opens_a_lot_by_its_code_or_its_supplier_date_code(desk, console_errors, story):
	date_code = frappe.db.get_value("Lot", story.part_lot, "supplier_batch_code")
	for text in (story.part_lot.lower(), date_code):
		open_desk(desk, "item", ".list-row-container")
		desk.fill("#navbar-search", text)
		desk.press("#navbar-search", "Enter")
		desk.wait_for_function(
			"(lot) => cur_frm && cur_frm.doctype === 'Lot' && cur_frm.doc.name === lot", arg=story.part_lot
		)


def test_a_built_lot_says_built_and_lots_per_unit_shows_only_for_serialized_builds(
	desk, console_errors, story
):
	labels_of = """(lot) => cur_frm && cur_frm.doc.name === lot
		&& ['unit_cost', 'received_date'].map((f) => cur_frm.fields_dict[f].$wrapper.find('.control-label').first().text().trim()).join('|')"""
	open_desk(desk, f"lot/{story.board_lot}", '.frappe-control[data-fieldname="unit_cost"]')
	desk.wait_for_function(
		f"(lot) => ({labels_of})(lot) === 'Unit Cost (built)|Built On'", arg=story.board_lot
	)
	if desk.evaluate("() => (cur_frm.doc.history || []).length"):
		headers = desk.locator('.frappe-control[data-fieldname="history"] .grid-heading-row').inner_text()
		assert "By" in headers and "On" in headers, headers

	open_desk(desk, f"lot/{story.part_lot}", '.frappe-control[data-fieldname="unit_cost"]')
	desk.wait_for_function(f"(lot) => ({labels_of})(lot) === 'Unit Cost|Received Date'", arg=story.part_lot)

	# drafts of the next builds: a device (serialized units) and a board (a lot)
	def drafts():
		device_draft = work_order_entry(frappe.get_doc("Work Order", story.device_order), "Manufacture", 1)
		device_draft.insert()
		board = frappe.db.get_value("Work Order", story.board_order, "production_item")
		board_order = make_work_order(
			frappe.get_doc("Company", frappe.db.get_value("Work Order", story.board_order, "company")),
			board,
			{story.part: 2},
			1,
			story.stores,
			skip_transfer=1,
		)
		board_draft = work_order_entry(board_order, "Manufacture", 1)
		board_draft.insert()
		return device_draft.name, board_draft.name

	device_draft, board_draft = committed(drafts)
	lots_per_unit_shown = "() => cur_frm.fields_dict.unit_lot_assignment_section.wrapper.is(':visible')"
	open_desk(desk, f"stock-entry/{device_draft}", '.frappe-control[data-fieldname="items"]')
	desk.wait_for_function(lots_per_unit_shown)
	open_desk(desk, f"stock-entry/{board_draft}", '.frappe-control[data-fieldname="items"]')
	desk.wait_for_function("() => cur_frm.__lots_per_unit || cur_frm.doc.purpose !== 'Manufacture'")
	assert not desk.evaluate(lots_per_unit_shown)
