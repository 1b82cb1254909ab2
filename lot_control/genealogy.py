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


def lots_inside(node: str) -> list[dict]:
	"""Every lot or unit that went into this one, at any depth."""
	return frappe.db.sql(
		"""
		with recursive inside (node, batch, unit, item_code, parent_node, qty, kind, depth) as (
			select consumed_node, consumed_lot, consumed_unit, consumed_item, produced_node, qty, kind, 1
			from `tabLot Consumption`
			where produced_node = %(node)s and is_cancelled = 0
			union all
			select edge.consumed_node, edge.consumed_lot, edge.consumed_unit, edge.consumed_item, edge.produced_node,
				edge.qty, edge.kind, inside.depth + 1
			from `tabLot Consumption` edge
			inner join inside on edge.produced_node = inside.node
			where edge.is_cancelled = 0 and inside.depth < %(max_depth)s
		)
		select node as lot, batch, unit, item_code, parent_node as parent_lot, sum(qty) as qty, kind, min(depth) as depth
		from inside
		group by node, batch, unit, item_code, parent_node, kind
		order by depth, node
		""",
		{"node": node, "max_depth": MAX_DEPTH},
		as_dict=True,
	)


def lots_made_from(node: str) -> list[dict]:
	"""Every lot or unit this one went into, at any depth."""
	return frappe.db.sql(
		"""
		with recursive made (node, batch, unit, item_code, from_node, qty, kind, depth) as (
			select produced_node, produced_lot, produced_unit, produced_item, consumed_node, qty, kind, 1
			from `tabLot Consumption`
			where consumed_node = %(node)s and is_cancelled = 0 and produced_node is not null
			union all
			select edge.produced_node, edge.produced_lot, edge.produced_unit, edge.produced_item, edge.consumed_node,
				edge.qty, edge.kind, made.depth + 1
			from `tabLot Consumption` edge
			inner join made on edge.consumed_node = made.node
			where edge.is_cancelled = 0 and edge.produced_node is not null and made.depth < %(max_depth)s
		)
		select node as lot, batch, unit, item_code, from_node as from_lot, sum(qty) as qty, kind, min(depth) as depth
		from made
		group by node, batch, unit, item_code, from_node, kind
		order by depth, node
		""",
		{"node": node, "max_depth": MAX_DEPTH},
		as_dict=True,
	)


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
