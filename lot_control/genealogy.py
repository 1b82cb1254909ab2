"""The genealogy walked in one recursive query each way (MariaDB WITH RECURSIVE over the indexed Lot
Consumption records), never one query per node. Splits are edges like builds, so a piece cut from a
reel leads back to the reel's receipt; a serialized unit is a node of its own (its code), so a
sub-assembly unit built into an assembly unit is followed like a lot.

Each row answers with the node reached (`lot`: the unit's code for a unit, else the lot), its
`unit` and `batch` apart, the item, the node it was reached from, the quantity on that edge, and
the depth at which it was first reached.
"""

from __future__ import annotations

import frappe

MAX_DEPTH = 64


def lots_inside(node: str | list[str]) -> list[dict]:
	"""Every lot or unit that went into this one (or these), at any depth."""
	return frappe.db.sql(
		"""
		with recursive inside (edge, node, batch, unit, item_code, parent_node, qty, kind, work_order, stock_entry, depth) as (
			select name, consumed_node, consumed_lot, consumed_unit, consumed_item, produced_node, qty, kind,
				work_order, stock_entry, 1
			from `tabLot Consumption`
			where produced_node in %(nodes)s and is_cancelled = 0
			union
			select edge.name, edge.consumed_node, edge.consumed_lot, edge.consumed_unit, edge.consumed_item,
				edge.produced_node, edge.qty, edge.kind, edge.work_order, edge.stock_entry, inside.depth + 1
			from `tabLot Consumption` edge
			inner join inside on edge.produced_node = inside.node
			where edge.is_cancelled = 0 and inside.depth < %(max_depth)s
		)
		select node as lot, batch, unit, item_code, parent_node as parent_lot, sum(qty) as qty, kind,
			min(depth) as depth, group_concat(distinct work_order) as work_orders,
			group_concat(distinct stock_entry) as stock_entries
		from (
			select edge, node, batch, unit, item_code, parent_node, qty, kind, work_order, stock_entry, min(depth) as depth
			from inside
			group by edge, node, batch, unit, item_code, parent_node, qty, kind, work_order, stock_entry
		) edges
		group by node, batch, unit, item_code, parent_node, kind
		order by depth, node
		""",
		{"nodes": seeds(node), "max_depth": MAX_DEPTH},
		as_dict=True,
	)


def lots_made_from(node: str | list[str]) -> list[dict]:
	"""Every lot or unit this one (or these) went into, at any depth."""
	return frappe.db.sql(
		"""
		with recursive made (edge, node, batch, unit, item_code, from_node, qty, kind, work_order, produced_by, depth) as (
			select name, produced_node, produced_lot, produced_unit, produced_item, consumed_node, qty, kind,
				work_order, produced_by, 1
			from `tabLot Consumption`
			where consumed_node in %(nodes)s and is_cancelled = 0 and produced_node is not null
			union
			select edge.name, edge.produced_node, edge.produced_lot, edge.produced_unit, edge.produced_item,
				edge.consumed_node, edge.qty, edge.kind, edge.work_order, edge.produced_by, made.depth + 1
			from `tabLot Consumption` edge
			inner join made on edge.consumed_node = made.node
			where edge.is_cancelled = 0 and edge.produced_node is not null and made.depth < %(max_depth)s
		)
		select node as lot, batch, unit, item_code, from_node as from_lot, sum(qty) as qty, kind,
			min(depth) as depth, group_concat(distinct work_order) as work_orders,
			group_concat(distinct produced_by) as stock_entries
		from (
			select edge, node, batch, unit, item_code, from_node, qty, kind, work_order, produced_by, min(depth) as depth
			from made
			group by edge, node, batch, unit, item_code, from_node, qty, kind, work_order, produced_by
		) edges
		group by node, batch, unit, item_code, from_node, kind
		order by depth, node
		""",
		{"nodes": seeds(node), "max_depth": MAX_DEPTH},
		as_dict=True,
	)


def seeds(node: str | list[str]) -> list[str]:
	nodes = [node] if isinstance(node, str) else list(dict.fromkeys(node))
	return nodes or [""]


def source_receipts(node: str) -> list[dict]:
	"""The received lots at the bottom of a lot's or unit's genealogy, with their receipt, order
	and supplier."""
	lots = {row.batch for row in lots_inside(node) if row.batch} | {node}
	return frappe.get_all(
		"Lot",
		filters={"name": ("in", list(lots)), "purchase_receipt": ("is", "set"), "parent_lot": ("is", "not set")},
		fields=["name", "item", "purchase_receipt", "purchase_order", "supplier", "supplier_batch_code"],
		order_by="name",
	)


def refuse_cycles(consumed_nodes, produced_nodes):
	"""A lot cannot go into something it was itself made from: one query over everything the
	consumed lots were made from, before any edge is written."""
	consumed_nodes = [node for node in dict.fromkeys(consumed_nodes) if node]
	produced_nodes = {node for node in produced_nodes if node}
	if not consumed_nodes or not produced_nodes:
		return
	# A lot repacked into itself is not an edge (the build skips it); anything else already inside
	# a consumed lot is a loop.
	loops = sorted(produced_nodes & {row.lot for row in lots_inside(consumed_nodes)})
	if loops:
		from frappe import _

		items = dict(frappe.get_all("Batch", filters={"name": ("in", loops)}, fields=["name", "item"], as_list=True))
		items.update(frappe.get_all("Serialized Unit", filters={"name": ("in", loops)}, fields=["name", "item_code"], as_list=True))
		frappe.throw(
			_("{0} cannot be made from {1}: it is already inside it, and a lot cannot contain itself.").format(
				", ".join(f"{frappe.bold(node)} ({items.get(node) or _('unknown item')})" for node in loops),
				", ".join(frappe.bold(node) for node in consumed_nodes[:10]),
			),
			title=_("Genealogy Loop"),
		)
