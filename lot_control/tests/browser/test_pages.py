"""Every page of the app opens in the desk without a console error: lists, forms, reports,
settings and the workspace, as a quality manager would walk through them."""

import re
from urllib.parse import quote

import frappe
import pytest

from lot_control.tests.browser.conftest import committed, open_desk, real_errors

REPORTS = ["Lot Trace", "Usable Stock", "Expiring Lots", "Lot Inventory Value", "Build Cost"]
MASS_BALANCE_ROW = '.frappe-control[data-fieldname="mass_balance"] .grid-body .rows .grid-row'


@pytest.fixture(scope="session")
def drill_of_the_reel(traced_world):
	"""A mock recall (drill) of the traced world's reel, traced with its mass balance: committed."""

	def make():
		return frappe.get_doc(
			{
				"doctype": "Recall",
				"is_mock_recall": 1,
				"reason": f"Browser test: drill on {traced_world.reel}",
				"suspect_lots": [{"lot": traced_world.reel}],
			}
		).insert().name

	return committed(make)


def pages(world, shop, drill):
	return [
		("lot-control", ".codex-editor, .widget"),
		("lot", ".frappe-list"),
		(f"lot/{quote(world.reel)}", ".form-layout"),
		(f"lot/{quote(world.cut)}", ".form-layout"),
		("serialized-unit", ".frappe-list"),
		(f"serialized-unit/{quote(world.products[2])}", ".form-layout"),
		("recall", ".frappe-list"),
		("recall/new", ".form-layout"),
		("lot-control-settings", ".form-layout"),
		*((f"query-report/{quote(report)}", ".page-form") for report in REPORTS),
		(f"query-report/Lot%20Trace?direction=Forward&lot={quote(world.reel)}", ".dt-row"),
		(f"query-report/Expiring%20Lots?company={quote(shop.company.name)}", ".page-form"),
		(f"query-report/Lot%20Inventory%20Value?company={quote(shop.company.name)}", ".page-form"),
		("query-report/Audit%20Trail", ".page-form"),
		(f"query-report/Audit%20Trail?lot={quote(world.reel)}", ".dt-row"),
		("electronic-signature", ".frappe-list"),
		("lot/new", ".form-layout"),
		(f"recall/{quote(drill)}", MASS_BALANCE_ROW),
	]


def test_every_page_of_the_app_opens_without_a_console_error(
	desk, console_errors, traced_world, shop, drill_of_the_reel
):
	for path, selector in pages(traced_world, shop, drill_of_the_reel):
		open_desk(desk, path, selector)
		# Let late scripts (dashboards, connections, charts) run before the next page.
		desk.wait_for_timeout(800)
		assert "404" not in (desk.title() or ""), path
	assert not real_errors(console_errors), real_errors(console_errors)


def test_the_drill_shows_the_reel_fully_accounted_for(desk, console_errors, traced_world, drill_of_the_reel):
	"""The mock recall form shows its mass balance: every piece of the reel is accounted for."""
	open_desk(desk, f"recall/{quote(drill_of_the_reel)}", MASS_BALANCE_ROW)
	assert desk.locator('.frappe-control[data-fieldname="mass_balance"]').is_visible()
	assert desk.locator('.frappe-control[data-fieldname="unaccounted_lots"]').is_visible()
	shown = desk.evaluate(
		"""() => ({
			unaccounted_lots: cur_frm.doc.unaccounted_lots,
			lines: (cur_frm.doc.mass_balance || []).map(row => [row.lot, row.movement, row.qty]),
		})"""
	)
	assert shown["unaccounted_lots"] == 0, shown
	reel_unaccounted = [
		qty for lot, movement, qty in shown["lines"] if lot == traced_world.reel and movement == "Unaccounted"
	]
	assert reel_unaccounted == [0], shown["lines"]
	# And the table drawn on the page says so: the reel's Unaccounted row reads 0.
	lot_cell = desk.locator('[data-fieldname="lot"]', has_text=re.compile(rf"^\s*{re.escape(traced_world.reel)}\s*$"))
	drawn = desk.locator(MASS_BALANCE_ROW).filter(has=lot_cell).filter(has_text="Unaccounted")
	assert drawn.count() == 1
	assert drawn.locator('[data-fieldname="qty"]').inner_text().strip() == "0"
	# The reel's received quantity is on the page too (a Received line of 20).
	assert any(
		lot == traced_world.reel and movement == "Received" and abs(qty) == 20 for lot, movement, qty in shown["lines"]
	), shown["lines"]


@pytest.mark.parametrize("doctype", ["lot", "serialized-unit"])
def test_the_genealogy_picture_is_drawn_on_the_form(desk, console_errors, traced_world, doctype):
	world = traced_world
	name = world.cut if doctype == "lot" else world.modules[0]
	open_desk(desk, f"{doctype}/{quote(name)}", ".form-layout")
	desk.wait_for_selector("svg.lot-genealogy-graph", timeout=20_000)
	drawn = desk.eval_on_selector_all(
		"svg.lot-genealogy-graph g.lot-genealogy-node", "nodes => nodes.map(n => n.dataset.node)"
	)
	assert name in drawn and world.reel in drawn
	arrows = desk.eval_on_selector_all(
		"svg.lot-genealogy-graph path[data-from]", "paths => paths.map(p => [p.dataset.from, p.dataset.to])"
	)
	assert [world.reel, world.cut] in arrows
	if doctype == "serialized-unit":
		assert [world.cut, name] in arrows
