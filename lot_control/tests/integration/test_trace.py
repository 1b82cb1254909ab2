"""A distributor flags a bad date code: from the supplier's code forward to every build, unit,
customer and the stock still on the shelf; from a returned unit back to the reel and its receipt;
the recall holds what is left. The walks are checked against a brute-force walk of random
genealogies, and the API shows each user only what their roles allow."""

import random
from collections import defaultdict

import frappe
import pytest
from frappe.utils import flt, nowdate

from lot_control import api, trace
from lot_control.genealogy import lots_inside, lots_made_from
from lot_control.lot_splitting import split_lot
from lot_control.tests.integration.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	work_order_entry,
)
from lot_control.tests.integration.test_units import device_item, outward_unit_bundle, units_of

DATE_CODE = "DC2544"


def deliver(shop, customer, item, units):
	line = {"item_code": item, "qty": len(units), "rate": 100, "warehouse": shop.fg, "serial_no": "\n".join(units), "use_serial_batch_fields": 1}
	return make_delivery_note(shop.company, customer, [line])


@pytest.fixture
def recall_world(shop):
	"""A reel of chips with the bad date code, cut, built into module units, built into product
	units, delivered to two customers."""
	chip, module, product = make_item(), device_item(), device_item()
	reel = f"REEL-{frappe.generate_hash(length=6).upper()}"
	make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(chip, 20, 1.00, shop.stores, lot_number=reel, supplier_batch_code=DATE_CODE)]
	)
	certificate = frappe.get_doc("Lot", reel)
	certificate.append("documents", {"document_type": "Certificate of Conformance", "reference": "COC-7781", "file": "/private/files/coc-7781.pdf"})
	certificate.save()
	cut = split_child(reel, shop)

	module_order = make_work_order(shop.company, module, {chip: 2}, 3, shop.stores, skip_transfer=1)
	entry = work_order_entry(module_order, "Manufacture", 3, batch_no=cut, use_serial_batch_fields=1)
	entry.insert()
	entry.submit()
	modules = units_of(module_order)

	product_order = make_work_order(shop.company, product, {module: 1}, 3, shop.fg, skip_transfer=1, use_multi_level_bom=0)
	entry = work_order_entry(product_order, "Manufacture", 3)
	for row in entry.items:
		if row.item_code == module:
			row.serial_and_batch_bundle = outward_unit_bundle(shop, module, shop.fg, modules)
	entry.insert()
	entry.submit()
	products = units_of(product_order)

	first, second = make_customer(), make_customer()
	first_note = deliver(shop, first, product, products[:2])
	second_note = deliver(shop, second, product, products[2:])
	return frappe._dict(
		chip=chip, module=module, product=product, reel=reel, cut=cut, modules=modules, products=products,
		customers=(first, second), notes=(first_note, second_note), module_order=module_order, product_order=product_order,
	)


def split_child(reel, shop):
	result = split_lot(reel, 6, shop.stores)
	return result.get("lot") if isinstance(result, dict) else result


def test_forward_from_the_suppliers_date_code_finds_every_build_unit_customer_and_the_stock_left(shop, recall_world):
	world = recall_world
	frappe.db.set_value("Lot", world.reel, "storage_bin", "RACK-4")
	answer = api.trace_forward(supplier=shop.supplier, supplier_batch_code=DATE_CODE)

	assert answer["start_lots"] == [world.reel]
	nodes = {node.lot: node for node in answer["nodes"]}
	assert world.cut in nodes and nodes[world.cut].kind == "Split"
	assert set(world.modules) | set(world.products) <= set(nodes)
	assert {nodes[unit].depth for unit in world.products} == {3}
	assert {build.work_order for build in answer["builds"]} >= {world.module_order.name, world.product_order.name}
	assert set(answer["customers"]) == set(world.customers)
	delivered = {unit for delivery in answer["deliveries"] for unit in delivery.units}
	assert delivered == set(world.products)
	by_note = {delivery.voucher_no: delivery for delivery in answer["deliveries"]}
	assert by_note[world.notes[0].name].customer == world.customers[0] and by_note[world.notes[0].name].qty == 2
	# On the shelf: the reel's 14 and nothing of the cut piece (all 6 went into the modules).
	left = {(row.lot, row.warehouse): row.qty for row in answer["on_hand"] if not row.unit}
	assert left == {(world.reel, shop.stores): 14}
	shelf = next(row for row in answer["on_hand"] if row.lot == world.reel)
	assert (shelf.status, shelf.owner, shelf.storage_bin) == ("Released", "House", "RACK-4")
	assert {(document.lot, document.reference) for document in answer["documents"]} >= {(world.reel, "COC-7781"), (world.cut, "COC-7781")}


def test_backward_from_a_returned_unit_reaches_the_reel_its_receipt_supplier_and_certificate(shop, recall_world):
	from erpnext.stock.doctype.delivery_note.delivery_note import make_sales_return

	world = recall_world
	returned = make_sales_return(world.notes[0].name)
	returned.items[0].qty = -1
	returned.items[0].serial_no = world.products[0]
	returned.items[0].serial_and_batch_bundle = None
	returned.items[0].use_serial_batch_fields = 1
	returned.insert()
	returned.submit()
	assert frappe.db.get_value("Serialized Unit", world.products[0], "status") == "Returned"

	answer = api.trace_backward(unit=world.products[0])
	nodes = {node.lot: node for node in answer["nodes"]}
	module_inside = [unit for unit in world.modules if unit in nodes]
	assert len(module_inside) == 1 and nodes[module_inside[0]].depth == 1
	assert nodes[world.cut].depth == 2 and flt(nodes[world.cut].qty, 6) == 2
	assert nodes[world.reel].depth == 3
	(source,) = answer["sources"]
	assert (source.lot, source.supplier, source.supplier_batch_code) == (world.reel, shop.supplier, DATE_CODE)
	assert source.purchase_receipt == frappe.db.get_value("Lot", world.reel, "purchase_receipt")
	assert answer["suppliers"] == [shop.supplier]
	references = {(document.lot, document.reference) for document in answer["documents"]}
	assert (world.reel, "COC-7781") in references and (world.cut, "COC-7781") in references


def test_a_recall_keeps_what_was_known_that_day_and_holds_what_is_left(shop, recall_world):
	world = recall_world
	recall = frappe.get_doc(
		{"doctype": "Recall", "reason": "Distributor flagged date code DC2544", "supplier": shop.supplier, "supplier_batch_code": DATE_CODE}
	).insert()

	assert (recall.lots_affected, recall.units_affected, recall.customers_affected) == (2, 6, 2)
	assert {row.customer for row in recall.contacts} == set(world.customers)
	assert sorted(unit for row in recall.contacts for unit in row.units.split("\n")) == sorted(world.products)
	assert [(row.lot, row.qty) for row in recall.affected_stock if not row.unit] == [(world.reel, 14)]
	frozen = recall.trace_json

	held = recall.hold_affected_stock()
	assert held == [world.reel]
	lot = frappe.get_doc("Lot", world.reel)
	assert lot.status == "On Hold"
	assert lot.history[-1].reference_name == recall.name and recall.name in lot.history[-1].reason
	recall.reload()
	assert recall.status == "Contained" and recall.affected_stock[0].held == 1
	recall.append("suspect_lots", {"lot": world.cut})
	with pytest.raises(frappe.ValidationError, match="cannot change"):
		recall.save()
	recall.reload()

	# Later movements do not rewrite the record: the reel's stock moves, the frozen trace stays.
	split_child(world.reel, shop)
	assert frappe.get_doc("Recall", recall.name).trace_json == frozen


def test_the_trace_report_shows_the_tree_both_ways(shop, recall_world):
	from lot_control.lot_control.report.lot_trace.lot_trace import execute

	world = recall_world
	_columns, rows = execute({"direction": "Forward", "supplier": shop.supplier, "supplier_batch_code": DATE_CODE})[:2]
	keys = {row["row_key"]: row for row in rows}
	cut = next(row for row in rows if row.get("node_name") == world.cut)
	assert keys[cut["parent_row"]]["node_name"] == world.reel
	assert {row["node"] for row in rows if row.get("parent_row") == "deliveries"} == {note.name for note in world.notes}
	assert {row["place"] for row in rows if row.get("parent_row") == "deliveries"} == set(world.customers)
	_columns, rows = execute({"direction": "Backward", "unit": world.products[0]})[:2]
	reel_row = next(row for row in rows if row["node"] == world.reel)
	assert shop.supplier in reel_row["place"] and DATE_CODE in reel_row["place"]
	assert "COC-7781" in reel_row["note"]
	_columns, rows = execute({"direction": "Backward", "work_order": world.product_order.name})[:2]
	assert {row.get("node_name") for row in rows} >= set(world.products) | {world.reel}


def test_the_api_shows_a_user_only_what_their_roles_allow(shop, recall_world):
	world = recall_world
	shop_floor = make_user("Manufacturing User")
	outsider = make_user("Sales User")

	frappe.set_user(shop_floor)
	answer = api.trace_forward(lot=world.reel)
	assert "Delivery Note" in answer["restricted"] and answer["deliveries"] == [] and answer["customers"] == []
	assert set(world.products) <= {node.lot for node in answer["nodes"]}

	frappe.set_user(outsider)
	with pytest.raises(frappe.PermissionError):
		api.trace_forward(lot=world.reel)
	with pytest.raises(frappe.PermissionError):
		api.trace_backward(unit=world.products[0])
	frappe.set_user("Administrator")


def test_a_wide_recall_reads_its_units_alongside_and_answers_the_same(shop, recall_world, monkeypatch):
	"""From UNITS_READ_ALONGSIDE units on, a forward trace reads them on a second connection while
	it reads the rest (trace.UnitsReadAlongside): a user of the stock and accounts roles gets the answer
	one connection gives.
	That connection sees only committed rows, so the recall's world is committed here (and kept,
	as the concurrency tests' worlds are); while this transaction has writes pending, the units are
	read on this connection, which sees them."""
	world = recall_world
	stock_user = make_user("Stock User", "Accounts User")
	frappe.db.commit()
	opened = []
	create_connection = frappe.db.create_connection
	monkeypatch.setattr(frappe.db, "create_connection", lambda: opened.append(1) or create_connection())
	frappe.set_user(stock_user)

	def recall():
		return api.trace_forward(supplier=shop.supplier, supplier_batch_code=DATE_CODE)

	monkeypatch.setattr(trace, "UNITS_READ_ALONGSIDE", 1)
	alongside = recall()
	assert opened == [1]
	monkeypatch.setattr(trace, "UNITS_READ_ALONGSIDE", 10**9)
	here = recall()
	assert opened == [1]
	assert alongside == here and alongside["restricted"] == []
	assert {unit.name for unit in alongside["units"]} == set(world.modules) | set(world.products)
	assert {unit for delivery in alongside["deliveries"] for unit in delivery.units} == set(world.products)
	assert set(alongside["customers"]) == set(world.customers)

	frappe.set_user("Administrator")
	frappe.db.set_value("Serialized Unit", world.products[0], "code_display", "NOT-YET-COMMITTED")
	frappe.set_user(stock_user)
	monkeypatch.setattr(trace, "UNITS_READ_ALONGSIDE", 1)
	pending = recall()
	assert opened == [1]
	assert {unit.code_display for unit in pending["units"] if unit.name == world.products[0]} == {"NOT-YET-COMMITTED"}


# Brute force -----------------------------------------------------------------------------------


def insert_edge(consumed, produced, qty, cancelled=0):
	record = frappe.get_doc(
		{
			"doctype": "Lot Consumption",
			"kind": "Build",
			"consumed_lot": consumed,
			"consumed_item": "BF-ITEM",
			"qty": qty,
			"produced_lot": produced,
			"produced_item": "BF-ITEM",
			"is_cancelled": cancelled,
			"posting_date": nowdate(),
		}
	)
	record.flags.ignore_links = True
	record.flags.ignore_permissions = True
	record.insert()


def brute_force(edges, seed, forward=True):
	"""Breadth-first over live edges in plain Python: node -> (min depth, {neighbour: qty})."""
	out = defaultdict(list)
	for consumed, produced, qty, cancelled in edges:
		if cancelled:
			continue
		if forward:
			out[consumed].append((produced, qty))
		else:
			out[produced].append((consumed, qty))
	depth, via = {}, defaultdict(lambda: defaultdict(float))
	frontier, level = [seed], 0
	seen_edges = set()
	while frontier:
		level += 1
		next_frontier = []
		for node in frontier:
			for index, (neighbour, qty) in enumerate(out[node]):
				if (node, index) in seen_edges:
					continue
				seen_edges.add((node, index))
				via[neighbour][node] += qty
				if neighbour not in depth:
					depth[neighbour] = level
					next_frontier.append(neighbour)
		frontier = next_frontier
	return depth, via


@pytest.mark.parametrize("seed", [3, 17, 2024])
def test_recursive_walks_match_a_brute_force_walk_of_random_genealogies(seed):
	rng = random.Random(seed)
	prefix = f"BF{seed}-{frappe.generate_hash(length=4).upper()}"
	nodes = [f"{prefix}-{index:03d}" for index in range(45)]
	edges = []
	for produced_index in range(8, len(nodes)):
		for consumed_index in rng.sample(range(produced_index), k=rng.randint(1, 4)):
			qty = round(rng.uniform(0.1, 9), 3)
			cancelled = 1 if rng.random() < 0.1 else 0
			edges.append((nodes[consumed_index], nodes[produced_index], qty, cancelled))
			insert_edge(nodes[consumed_index], nodes[produced_index], qty, cancelled)

	for start in rng.sample(nodes, k=8):
		for forward in (True, False):
			depth, via = brute_force(edges, start, forward)
			rows = lots_made_from(start) if forward else lots_inside(start)
			assert {row.lot: min(r.depth for r in rows if r.lot == row.lot) for row in rows} == depth
			walked = defaultdict(lambda: defaultdict(float))
			for row in rows:
				walked[row.lot][row.from_lot if forward else row.parent_lot] += flt(row.qty)
			assert {node: {k: round(v, 6) for k, v in by.items()} for node, by in walked.items()} == {
				node: {k: round(v, 6) for k, v in by.items()} for node, by in via.items()
			}

	# A loop cannot be made: nothing may go into a lot it was itself made from.
	live = [(c, p) for c, p, _q, cancelled in edges if not cancelled]
	consumed, produced = live[0]
	with pytest.raises(frappe.ValidationError, match="already inside"):
		insert_edge(produced, consumed, 1)
	deep = max(nodes, key=lambda node: brute_force(edges, node, forward=False)[0].__len__())
	ancestor = max(brute_force(edges, deep, forward=False)[0].items(), key=lambda item: item[1])[0]
	with pytest.raises(frappe.ValidationError, match="already inside"):
		insert_edge(deep, ancestor, 1)
	with pytest.raises(frappe.ValidationError, match="from itself"):
		insert_edge(deep, deep, 1)
