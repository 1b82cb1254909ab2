"""Every page of the app opens in the desk without a console error: lists, forms, reports,
settings and the workspace, as a quality manager would walk through them."""

from urllib.parse import quote

import pytest

from lot_control.tests.browser.conftest import open_desk, real_errors

REPORTS = ["Lot Trace", "Usable Stock", "Expiring Lots", "Lot Inventory Value", "Build Cost"]


def pages(world, shop):
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
	]


def test_every_page_of_the_app_opens_without_a_console_error(desk, console_errors, traced_world, shop):
	for path, selector in pages(traced_world, shop):
		open_desk(desk, path, selector)
		# Let late scripts (dashboards, connections, charts) run before the next page.
		desk.wait_for_timeout(800)
		assert "404" not in (desk.title() or ""), path
	assert not real_errors(console_errors), real_errors(console_errors)


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
