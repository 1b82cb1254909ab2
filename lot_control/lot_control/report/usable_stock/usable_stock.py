# Copyright (c) 2026, lot_control developers and contributors
# For license information, please see license.txt

"""Usable Stock: on-hand stock of lots split into what a build or delivery may pick and, for the
rest, why not, so a planner sees a shortfall coming before a document is refused.

Quantities are the ledger's balance now; the picking rules (lot_control.picking) are applied as on
the chosen date, with the site's strict expiry setting, as automatic picking applies them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import frappe
from frappe import _
from frappe.utils import flt, formatdate, getdate

from lot_control import picking, usage
from lot_control.arguments import check_filter_permissions, clean_report_filters, refuse_bad_arguments
from lot_control.packed_rows import cycle_collection_paused
from lot_control.stock_queries import company_lots_in_stock

HOUSE = "House"
PRECISION = 6

# Owner is the grouping of this report, not a reason: each owner's row counts that owner's lots.
REASON_COLUMNS = {
	picking.UnusableReason.STATUS: "not_usable_status",
	picking.UnusableReason.EXPIRED: "not_usable_expired",
	picking.UnusableReason.EXTERNAL_WAREHOUSE: "not_usable_external",
	picking.UnusableReason.SHELF_LIFE: "not_usable_shelf_life",
}


FILTER_NAMES = {"company": "Company", "item_code": "Item", "warehouse": "Warehouse", "owner": None}


@refuse_bad_arguments
def execute(filters=None):
	filters = frappe._dict(clean_report_filters(filters, names=FILTER_NAMES, dates=("as_on_date",)))
	check_filter_permissions(filters, FILTER_NAMES)
	with cycle_collection_paused():  # a row per lot in stock, 100,000 and more
		return get_columns(), get_data(filters)


def get_columns() -> list[dict]:
	return [
		{"label": _("Item"), "fieldname": "item_code", "fieldtype": "Link", "options": "Item", "width": 180},
		{
			"label": _("Warehouse"),
			"fieldname": "warehouse",
			"fieldtype": "Link",
			"options": "Warehouse",
			"width": 180,
		},
		{"label": _("Owner"), "fieldname": "stock_owner", "fieldtype": "Data", "width": 150},
		{"label": _("Lot"), "fieldname": "lot", "fieldtype": "Link", "options": "Lot", "width": 150},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 100},
		{"label": _("Expiry Date"), "fieldname": "expiry_date", "fieldtype": "Date", "width": 105},
		{"label": _("On Hand"), "fieldname": "on_hand", "fieldtype": "Float", "width": 100},
		{"label": _("Usable"), "fieldname": "usable", "fieldtype": "Float", "width": 100},
		{
			"label": _("Not Usable: Status"),
			"fieldname": "not_usable_status",
			"fieldtype": "Float",
			"width": 140,
		},
		{
			"label": _("Not Usable: Expired"),
			"fieldname": "not_usable_expired",
			"fieldtype": "Float",
			"width": 140,
		},
		{
			"label": _("Not Usable: External"),
			"fieldname": "not_usable_external",
			"fieldtype": "Float",
			"width": 140,
		},
		{
			"label": _("Not Usable: Shelf Life"),
			"fieldname": "not_usable_shelf_life",
			"fieldtype": "Float",
			"width": 150,
		},
		{
			"label": _("Not Usable Because"),
			"fieldname": "not_usable_because",
			"fieldtype": "Data",
			"width": 300,
		},
	]


def get_data(filters) -> list[dict]:
	if not filters.get("company"):
		return []
	on_date = getdate(filters.get("as_on_date"))
	strict = usage.strict_expiry_enabled()
	balances = get_lot_balances(filters)
	# Rows read by key: a frappe._dict's attribute read costs several times as much, per lot in stock.
	labels = {status: _(status) for status in {row["status"] for row in balances}}
	status_labels = {row["lot"]: labels[row["status"]] for row in balances}
	external = usage.external_warehouses({row["warehouse"] for row in balances})
	candidates = [usage.candidate_for(row, row["warehouse"], row["qty"], external, strict) for row in balances]
	if filters.get("owner"):
		candidates = of_owner(candidates, owner_from_label(filters.owner))
	minimums = shelf_life_minimums(lot.item_code for lot in candidates)

	rows = []
	lot_columns = {}
	for (item_code, warehouse, owner), lots in group_by_location(candidates).items():
		policy = policy_for_owner(owner, on_date, strict, minimums.get(item_code))
		rows.extend(group_rows(item_code, warehouse, owner, lots, policy, status_labels, lot_columns))
	return rows


def get_lot_balances(filters) -> list[dict]:
	"""Each lot in stock per warehouse, with the lot's facts (a batch's row carries them all)."""
	return company_lots_in_stock(filters.company, filters.get("item_code"), filters.get("warehouse"))


def shelf_life_minimums(item_codes: Iterable[str]) -> dict[str, float]:
	"""Each item's minimum remaining shelf life, in one query; items without one are left out."""
	item_codes = list(set(item_codes))
	if not item_codes:
		return {}
	items = frappe.get_all(
		"Item",
		filters={"name": ("in", item_codes)},
		fields=["name", "min_remaining_shelf_life_percent"],
	)
	return {
		item.name: flt(item.min_remaining_shelf_life_percent)
		for item in items
		if flt(item.min_remaining_shelf_life_percent)
	}


def group_rows(item_code, warehouse, owner, lots, policy, status_labels, lot_columns) -> list[dict]:
	"""The group's row (indent 0) and one row per lot under it (indent 1), in picking order;
	status_labels is each lot's status, translated once per status rather than once per lot, and
	lot_columns the report's memory of lot_quantity_columns."""
	group_key = f"{item_code}::{warehouse}::{owner_label(owner)}"
	lots = picking.sort_for_picking(lots)
	# Each lot's reasons worked out once, for the group's breakdown and for the lot's own row.
	reasons_of_lots = [picking.unusable_reasons(lot, policy) for lot in lots]
	group = {
		"indent": 0,
		"group_key": group_key,
		"parent_group": None,
		"item_code": item_code,
		"warehouse": warehouse,
		"stock_owner": owner_label(owner),
		**quantity_columns(picking.usable_breakdown(lots, policy, PRECISION, reasons_of_lots)),
	}
	rows = [group]
	for lot, reasons in zip(lots, reasons_of_lots, strict=True):
		rows.append(
			{
				"indent": 1,
				"parent_group": group_key,
				"lot": lot.lot,
				"status": status_labels[lot.lot],
				"expiry_date": lot.expiry_date,
				**lot_quantity_columns(lot, reasons, policy, lot_columns),
				"not_usable_because": describe_reasons(lot, reasons, policy) if reasons else "",
			}
		)
	return rows


def lot_quantity_columns(lot: picking.LotCandidate, reasons, policy: picking.PickPolicy, known: dict) -> dict:
	"""quantity_columns of the lot alone. They depend only on its quantity and its first reason (the
	one it is counted under), so each pair is worked out, exactly as usable_breakdown works it, once
	per report rather than once per lot: a company's lots come in a few hundred quantities."""
	key = (lot.qty, reasons[0] if reasons else None)
	if key not in known:
		known[key] = quantity_columns(picking.usable_breakdown([lot], policy, PRECISION))
	return known[key]


def describe_reasons(lot: picking.LotCandidate, reasons, policy: picking.PickPolicy) -> str:
	"""Every reason, not only the one the quantity is counted under, so the lot can be put right."""
	texts = []
	for reason in reasons:
		if reason == picking.UnusableReason.STATUS:
			texts.append(_(lot.status))
		elif reason == picking.UnusableReason.EXPIRED:
			texts.append(_("Expired on {0}").format(formatdate(lot.expiry_date)))
		elif reason == picking.UnusableReason.EXTERNAL_WAREHOUSE:
			texts.append(_("In an external location"))
		elif reason == picking.UnusableReason.SHELF_LIFE:
			left = picking.remaining_shelf_life_percent(lot, policy.on_date)
			texts.append(
				_("{0}% shelf life left, below the minimum of {1}%").format(
					f"{flt(left, 1):g}", f"{flt(policy.min_remaining_shelf_life_percent, 1):g}"
				)
			)
		else:
			texts.append(_(reason.value.replace("_", " ").capitalize()))
	return "; ".join(texts)


def owner_label(owner: str | None) -> str:
	return owner or HOUSE


def owner_from_label(label: str) -> str | None:
	return None if label in (HOUSE, _(HOUSE)) else label


def quantity_columns(breakdown: dict) -> dict:
	"""A usable_breakdown as report columns; every unusable reason has its column, so the parts
	add up to on_hand - usable."""
	columns = {"on_hand": breakdown["on_hand"], "usable": breakdown["usable"]}
	for reason, fieldname in REASON_COLUMNS.items():
		columns[fieldname] = breakdown["unusable"][reason]
	return columns


def of_owner(lots: Iterable[picking.LotCandidate], owner: str | None) -> list[picking.LotCandidate]:
	return [lot for lot in lots if lot.owner == owner]


def group_by_location(
	lots: Iterable[picking.LotCandidate],
) -> dict[tuple[str, str, str | None], list[picking.LotCandidate]]:
	"""Lots by item, warehouse and owner, in that order, house stock before customers' stock."""
	groups: dict[tuple[str, str, str | None], list[picking.LotCandidate]] = {}
	for lot in lots:
		groups.setdefault((lot.item_code, lot.warehouse, lot.owner), []).append(lot)
	return dict(
		sorted(
			groups.items(),
			key=lambda group: (group[0][0], group[0][1], group[0][2] is not None, group[0][2] or ""),
		)
	)


def policy_for_owner(
	owner: str | None, on_date: date, strict_expiry: bool, min_shelf_life: float | None
) -> picking.PickPolicy:
	"""Within an owner's group every lot is the owner's own, so owner never makes a lot unusable here."""
	return picking.PickPolicy(
		on_date=on_date,
		allowed_owners=frozenset({owner}),
		strict_expiry=strict_expiry,
		min_remaining_shelf_life_percent=min_shelf_life,
	)
