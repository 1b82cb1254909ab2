"""Pick List suggestions the app will accept later.

ERPNext suggests the batches a Pick List should draw in its own order (FIFO, LIFO or expiry, as Stock
Settings say) and knows nothing of a lot's status, owner, shelf life or Work Order, so the picker
walks to a shelf whose lot the delivery or entry then refuses. Here ERPNext's own availability is
kept (its reservations, other open Pick Lists, disabled and expired batches, rejected warehouses),
and which lots are usable and in what order is decided by lot_control.picking with the policy the
delivery or Stock Entry made from the list is checked against (lot_control.usage).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.utils import cint, floor, flt, nowdate
from frappe.utils.nestedset import get_descendants_of

from lot_control import build_rules, builds, picking, usage
from lot_control.exceptions import LotNotUsableError
from lot_control.stock_queries import get_bundle_lot_quantities, get_lot_balances

PURPOSE_DELIVERY = "Delivery"
PURPOSE_BUILD = "Material Transfer for Manufacture"


@dataclass
class Requirement:
	"""What one line of the list asks for before any lot is chosen: the stock quantity, and the row
	it came from (order or request line, unit), which every suggested row copies."""

	template: dict
	stock_qty: float

	@property
	def item_code(self) -> str:
		return self.template["item_code"]


def requirement_key(row) -> tuple:
	"""ERPNext merges the lines of one item for one order or request line; so does the app."""
	return (
		row.get("item_code"),
		row.get("uom"),
		flt(row.get("conversion_factor")) or 1,
		row.get("sales_order_item") or row.get("material_request_item"),
		row.get("product_bundle_item"),
	)


def use_kind(pick_list) -> str:
	"""delivery and build as lot_control.usage names them; a Material Request's transfer picks with
	picking.PickPolicy's defaults (house stock only, the item's own shelf-life minimum)."""
	if pick_list.purpose == PURPOSE_DELIVERY:
		return "delivery"
	if pick_list.purpose == PURPOSE_BUILD:
		return "build"
	return "transfer"


def kind_for(pick_list, customer: str | None) -> str:
	"""A delivery list with no customer (no order behind the line) picks as a transfer: house stock."""
	kind = use_kind(pick_list)
	return "transfer" if kind == "delivery" and not customer else kind


def use_of(pick_list, kind: str, customer: str | None = None):
	"""The delivery or Stock Entry the list prepares, as usage's policy and refusals read a document:
	made today, for the order's customer or for the list's Work Order."""
	return frappe._dict(
		doctype=pick_list.doctype,
		name=pick_list.name,
		company=pick_list.company,
		purpose=pick_list.purpose,
		posting_date=nowdate(),
		customer=customer if kind == "delivery" else None,
		work_order=pick_list.get("work_order") if kind == "build" else None,
	)


def order_customers(pick_list) -> dict:
	orders = list({row.sales_order for row in pick_list.get("locations") if row.get("sales_order")})
	if not orders:
		return {}
	return dict(
		frappe.get_all(
			"Sales Order", filters={"name": ("in", orders)}, fields=["name", "customer"], as_list=True
		)
	)


def customer_of(pick_list, row, customers: dict) -> str | None:
	return customers.get(row.get("sales_order")) or pick_list.get("customer")


# Suggesting ------------------------------------------------------------------------------------


def requirements_to_suggest(pick_list) -> list[Requirement]:
	"""The lines of lot-controlled items ERPNext is about to fill (those not picked yet), read before
	it fills them: ERPNext drops a line it finds no stock for, and the app must know what it asked."""
	rows = [row for row in pick_list.get("locations") if row.item_code and not flt(row.picked_qty)]
	lot_items = usage.lot_controlled(row.item_code for row in rows)
	merged: dict[tuple, Requirement] = {}
	for row in rows:
		if row.item_code not in lot_items:
			continue
		stock_qty = flt(row.stock_qty)
		if pick_list.docstatus == 1 and not stock_qty:
			stock_qty = flt(row.qty)  # as ERPNext: a submitted line emptied by a restock asks its qty again
		key = requirement_key(row)
		if key in merged:
			merged[key].stock_qty += stock_qty
		else:
			merged[key] = Requirement(row.as_dict(), stock_qty)
	return list(merged.values())


def suggest_usable_lots(pick_list, requirements: list[Requirement]):
	"""Replace ERPNext's suggested rows for lot-controlled lines with the app's picks: usable lots
	only, first expiring first, one row per lot and warehouse. A line without enough usable stock
	is left short, as ERPNext leaves it, and the picker is told which lots were skipped and why."""
	if not requirements:
		return
	customers = order_customers(pick_list)
	strict = usage.strict_expiry_enabled()
	item_codes = sorted({requirement.item_code for requirement in requirements})
	available, held = available_lots(pick_list, item_codes, use_kind(pick_list), strict)
	rows_by_key = {}
	for requirement in requirements:
		item_code = requirement.item_code
		customer = customer_of(pick_list, frappe._dict(requirement.template), customers)
		kind = kind_for(pick_list, customer)
		use = use_of(pick_list, kind, customer)
		policy = usage.policy_for(use, kind, item_code, strict)
		serialized = cint(frappe.get_cached_value("Item", item_code, "has_serial_no"))
		result = picking.pick_lots(
			available[item_code], requirement.stock_qty, policy, precision=0 if serialized else 6
		)
		rows = rows_for(requirement, result.allocations, serialized)
		available[item_code] = less_taken(available[item_code], rows)
		rows_by_key[requirement_key(frappe._dict(requirement.template))] = rows
		suggested = sum(flt(row.stock_qty) for row in rows)
		if flt(suggested, 6) < flt(requirement.stock_qty, 6):
			tell_lots_skipped(
				pick_list,
				requirement,
				suggested,
				available[item_code],
				held.get(item_code, {}),
				use,
				kind,
				policy,
			)
	replace_suggested_rows(pick_list, set(item_codes), rows_by_key)


def pick_list_warehouses(pick_list) -> list[str]:
	"""Where ERPNext looks: the list's parent warehouse and everything under it, else anywhere."""
	if not pick_list.get("parent_warehouse"):
		return []
	return [pick_list.parent_warehouse, *get_descendants_of("Warehouse", pick_list.parent_warehouse)]


def available_lots(pick_list, item_codes: list[str], kind: str, strict: bool):
	"""For each item, the lots ERPNext could pick, as picking candidates in the list's company; for a
	Work Order, less what other Work Orders hold. Returns (candidates by item, held qty by item and
	(lot, warehouse)) so a shortfall can say which lots were held."""
	from erpnext.stock.doctype.pick_list.pick_list import (
		filter_locations_by_picked_materials,
		get_available_item_locations_for_batched_item,
	)

	warehouses = pick_list_warehouses(pick_list)
	picked_elsewhere = pick_list.get_picked_items_details(
		[frappe._dict(item_code=code) for code in item_codes]
	)
	locations_by_item = {}
	for item_code in item_codes:
		locations = get_available_item_locations_for_batched_item(
			item_code, warehouses, consider_rejected_warehouses=pick_list.get("consider_rejected_warehouses")
		)
		if picked_elsewhere.get(item_code):
			locations = filter_locations_by_picked_materials(locations, picked_elsewhere[item_code])
		locations_by_item[item_code] = [location for location in locations if flt(location.qty) > 0]

	all_locations = [location for locations in locations_by_item.values() for location in locations]
	facts = usage.lot_facts(location.batch_no for location in all_locations)
	place_names = list({location.warehouse for location in all_locations}) or [""]
	company_warehouses = set(
		frappe.get_all(
			"Warehouse", filters={"name": ("in", place_names), "company": pick_list.company}, pluck="name"
		)
	)
	external = usage.external_warehouses(company_warehouses)

	candidates, held = {}, {}
	for item_code, locations in locations_by_item.items():
		item_candidates = [
			usage.candidate_for(
				facts[location.batch_no], location.warehouse, flt(location.qty), external, strict
			)
			for location in locations
			if location.warehouse in company_warehouses and location.batch_no in facts
		]
		if kind == "build":
			item_candidates, held[item_code] = free_of_other_work_orders(
				item_candidates, pick_list.get("work_order")
			)
		candidates[item_code] = item_candidates
	return candidates, held


def free_of_other_work_orders(candidates, work_order: str | None):
	"""What other Work Orders hold is not pickable (builds.free_for_work_order, per warehouse)."""
	by_warehouse = defaultdict(list)
	for candidate in candidates:
		by_warehouse[candidate.warehouse].append(candidate)
	free, held = [], {}
	for warehouse, in_warehouse in by_warehouse.items():
		free_here = {
			(c.lot, c.warehouse): c for c in builds.free_for_work_order(in_warehouse, warehouse, work_order)
		}
		for candidate in in_warehouse:
			left = free_here.get((candidate.lot, candidate.warehouse))
			if left:
				free.append(left)
			if flt(candidate.qty - (left.qty if left else 0), 6) > 0:
				held[(candidate.lot, candidate.warehouse)] = candidate.qty - (left.qty if left else 0)
	return free, held


def rows_for(requirement: Requirement, allocations, serialized: bool) -> list[dict]:
	"""One row per allocated lot and warehouse, copied from the line, as ERPNext splits a line.
	A unit that must be whole rounds each row down, as ERPNext does."""
	conversion_factor = flt(requirement.template.get("conversion_factor")) or 1
	whole = cint(frappe.get_cached_value("UOM", requirement.template.get("uom"), "must_be_whole_number"))
	serials = serial_nos_of(requirement.item_code, allocations) if serialized else {}
	rows = []
	for allocation in allocations:
		stock_qty = allocation.qty
		qty = stock_qty / conversion_factor
		if whole:
			qty = floor(qty)
			stock_qty = qty * conversion_factor
			if not stock_qty:
				break
		row = frappe._dict(requirement.template)
		row.update(
			{
				"name": None,
				"idx": None,
				"qty": qty,
				"stock_qty": stock_qty,
				"picked_qty": 0,
				"warehouse": allocation.warehouse,
				"batch_no": allocation.lot,
				"serial_no": "\n".join(
					serials.get((allocation.lot, allocation.warehouse), [])[: cint(stock_qty)]
				)
				or None,
				"serial_and_batch_bundle": None,
				"use_serial_batch_fields": 1,
			}
		)
		rows.append(row)
	return rows


def serial_nos_of(item_code: str, allocations) -> dict:
	"""Serial numbers in each allocated lot and warehouse, oldest first, as ERPNext lists them for an
	item with both serial and batch numbers; those on other open Pick Lists are left out."""
	if not allocations:
		return {}
	serial = frappe.qb.DocType("Serial No")
	rows = (
		frappe.qb.from_(serial)
		.select(serial.name, serial.batch_no, serial.warehouse)
		.where(
			(serial.item_code == item_code)
			& serial.batch_no.isin([allocation.lot for allocation in allocations])
			& serial.warehouse.isin([allocation.warehouse for allocation in allocations])
		)
		.orderby(serial.creation)
	).run(as_dict=True)
	taken = serial_nos_on_open_pick_lists(item_code)
	serials = defaultdict(list)
	for row in rows:
		if row.name not in taken:
			serials[(row.batch_no, row.warehouse)].append(row.name)
	return serials


def serial_nos_on_open_pick_lists(item_code: str) -> set[str]:
	item = frappe.qb.DocType("Pick List Item")
	pick_list = frappe.qb.DocType("Pick List")
	picked = (
		frappe.qb.from_(item)
		.inner_join(pick_list)
		.on(pick_list.name == item.parent)
		.select(item.serial_no)
		.where(
			(item.item_code == item_code)
			& (item.docstatus < 2)
			& pick_list.status.notin(["Completed", "Cancelled"])
			& item.serial_no.isnotnull()
		)
	).run(pluck=True)
	return {serial_no for text in picked for serial_no in (text or "").split("\n") if serial_no}


def less_taken(candidates, rows) -> list:
	"""What is left of each lot once the rows are suggested, for the item's next line."""
	taken = defaultdict(float)
	for row in rows:
		taken[(row.batch_no, row.warehouse)] += flt(row.stock_qty)
	left = []
	for candidate in candidates:
		qty = flt(candidate.qty - taken.get((candidate.lot, candidate.warehouse), 0), 6)
		if qty > 0:
			left.append(candidate._replace(qty=qty))
	return left


def replace_suggested_rows(pick_list, item_codes: set[str], rows_by_key: dict):
	"""ERPNext's fresh rows of these items give way to the app's, in the place of the line's first row;
	rows already picked, and rows of other items, stay as they are."""
	locations = []
	placed = set()
	for row in pick_list.get("locations"):
		if row.item_code not in item_codes or flt(row.picked_qty):
			locations.append(row)
			continue
		key = requirement_key(row)
		if key in rows_by_key and key not in placed:
			locations.extend(rows_by_key[key])
			placed.add(key)
	for key, rows in rows_by_key.items():
		if key not in placed:
			locations.extend(rows)
	if not locations and pick_list.docstatus == 1:
		return  # ERPNext keeps emptied rows on a submitted list to show it is out of stock
	pick_list.set("locations", [])
	for idx, row in enumerate(locations, start=1):
		row.idx = idx
		pick_list.append("locations", row)


def tell_lots_skipped(pick_list, requirement, suggested, left, held, use, kind, policy):
	"""Name every lot of the item in stock that was not suggested, and why."""
	facts = usage.lot_facts(candidate.lot for candidate in left)
	reasons = []
	for candidate in picking.sort_for_picking(left):
		why = [
			reason_text(reason, facts[candidate.lot], candidate, policy)
			for reason in picking.unusable_reasons(candidate, policy)
		]
		if why:
			reasons.append((candidate.lot, candidate.warehouse, candidate.qty, "; ".join(why)))
	holders = (
		builds.wip_holdings([lot for lot, _warehouse in held], [warehouse for _lot, warehouse in held])
		if held
		else {}
	)
	for (lot, warehouse), qty in held.items():
		names = sorted(
			{
				holder
				for holder, _lot in (holders.get((lot, warehouse)) or {})
				if holder != pick_list.get("work_order")
			}
		)
		reasons.append((lot, warehouse, qty, _("transferred for Work Order {0}").format(", ".join(names))))
	if not reasons:
		return  # a plain shortage: ERPNext says so itself
	skipped = "".join(
		"<li>"
		+ _("Lot {0} in {1} ({2}): {3}").format(frappe.bold(lot), warehouse, flt(qty, 6), why)
		+ "</li>"
		for lot, warehouse, qty, why in reasons
	)
	frappe.msgprint(
		_("Item {0} needs {1} for {2}, but only {3} is in lots it may use.").format(
			frappe.bold(requirement.item_code),
			flt(requirement.stock_qty, 6),
			usage.describe_use(use, kind),
			flt(suggested, 6),
		)
		+ "<br>"
		+ _("Lots not suggested:")
		+ f"<ul>{skipped}</ul>",
		title=_("Not Enough Usable Stock"),
		indicator="orange",
	)


def reason_text(reason, lot, candidate, policy) -> str:
	if reason == picking.UnusableReason.STATUS:
		return _(lot.status)
	if reason == picking.UnusableReason.EXPIRED:
		return _("expired on {0}").format(frappe.format(lot.expiry_date, "Date"))
	if reason == picking.UnusableReason.EXTERNAL_WAREHOUSE:
		return _("external location")
	if reason == picking.UnusableReason.OWNER:
		return _("customer {0}'s consigned stock").format(lot.owner) if lot.owner else _("house stock")
	left = picking.remaining_shelf_life_percent(candidate, policy.on_date)
	return _("{0}% of its shelf life left, below the minimum of {1}%").format(
		flt(left, 1), flt(policy.min_remaining_shelf_life_percent, 1)
	)


# Lots the picker chose ---------------------------------------------------------------------------


def is_chosen(pick_list, row) -> bool:
	"""A lot ERPNext will not suggest again: picking by hand, a row marked picked, or a submitted list."""
	return pick_list.docstatus == 1 or bool(cint(pick_list.get("pick_manually"))) or flt(row.picked_qty) > 0


def chosen_lot_lines(pick_list) -> list[usage.LotLine]:
	lot_items = usage.lot_controlled(row.item_code for row in pick_list.get("locations"))
	lines = []
	for row in pick_list.get("locations"):
		if row.item_code not in lot_items or not row.get("warehouse") or not is_chosen(pick_list, row):
			continue
		if row.get("batch_no"):
			lines.append(
				usage.LotLine(row, row.batch_no, flt(row.picked_qty) or flt(row.stock_qty), row.warehouse)
			)
		elif row.get("serial_and_batch_bundle"):
			lines.extend(
				usage.LotLine(row, entry.batch_no, abs(flt(entry.qty)), row.warehouse)
				for entry in get_bundle_lot_quantities(row.serial_and_batch_bundle)
				if entry.batch_no
			)
	return lines


def refuse_unusable_chosen_lots(pick_list):
	"""A lot the picker chose that the delivery or entry would refuse is refused now, at save, with
	the same reason, instead of being silently replaced. A Lot Quality Manager may pick a short-dated
	lot (the delivery then asks for a Lot Override Reason): it is only warned about."""
	lines = chosen_lot_lines(pick_list)
	if not lines:
		return
	customers = order_customers(pick_list)
	strict = usage.strict_expiry_enabled()
	facts = usage.lot_facts(line.lot for line in lines)
	external = usage.external_warehouses(line.warehouse for line in lines)
	may_override_shelf_life = usage.QUALITY_ROLE in frappe.get_roles()
	for line in lines:
		lot = facts.get(line.lot)
		if not lot:
			continue
		customer = customer_of(pick_list, line.row, customers)
		kind = kind_for(pick_list, customer)
		use = use_of(pick_list, kind, customer)
		policy = usage.policy_for(use, kind, lot.item_code, strict)
		candidate = usage.candidate_for(lot, line.warehouse, line.qty, external, strict)
		for reason in picking.unusable_reasons(candidate, policy):
			if reason == picking.UnusableReason.SHELF_LIFE and may_override_shelf_life:
				frappe.msgprint(
					_(
						"Row {0}: lot {1} of item {2} has {3}; the delivery will need a Lot Override Reason."
					).format(
						line.row.idx,
						frappe.bold(line.lot),
						frappe.bold(lot.item_code),
						reason_text(reason, lot, candidate, policy),
					),
					title=_("Short-Dated Lot Picked"),
					indicator="orange",
				)
				continue
			usage.refuse(use, kind, line, lot, reason, policy)
	if use_kind(pick_list) == "build":
		refuse_lots_of_other_work_orders(pick_list, lines)


def refuse_lots_of_other_work_orders(pick_list, lines):
	"""Lots transferred to another Work Order are that Work Order's, even in a shared WIP warehouse."""
	needed = defaultdict(float)
	for line in lines:
		needed[(line.lot, line.warehouse)] += line.qty
	holdings = builds.wip_holdings(
		[lot for lot, _warehouse in needed], [warehouse for _lot, warehouse in needed]
	)
	if not any(holdings.values()):
		return
	on_hand = get_lot_balances([lot for lot, _warehouse in needed])
	work_order = pick_list.get("work_order")
	for (lot, warehouse), qty in needed.items():
		held = holdings.get((lot, warehouse)) or {}
		free = build_rules.usable_by_work_order(on_hand.get((lot, warehouse), 0), held, lot, work_order)
		if flt(qty, 6) <= flt(free, 6):
			continue
		usage.refuse_lot_held_by_another_work_order(lot, warehouse, held, work_order, free, qty, _("this Pick List"))
