"""The lot genealogy walked in one recursive query each way (MariaDB WITH RECURSIVE over the
indexed Lot Consumption records), never one query per node. Splits are edges like builds, so a
piece cut from a reel leads back to the reel's receipt."""

from __future__ import annotations

import frappe

MAX_DEPTH = 64


def lots_inside(lot: str) -> list[dict]:
	"""Every lot that went into this one, at any depth: (lot, item, depth, via produced lot, qty)."""
	return frappe.db.sql(
		"""
		with recursive inside (lot, item_code, parent_lot, qty, kind, depth) as (
			select consumed_lot, consumed_item, produced_lot, qty, kind, 1
			from `tabLot Consumption`
			where produced_lot = %(lot)s and is_cancelled = 0
			union all
			select edge.consumed_lot, edge.consumed_item, edge.produced_lot, edge.qty, edge.kind, inside.depth + 1
			from `tabLot Consumption` edge
			inner join inside on edge.produced_lot = inside.lot
			where edge.is_cancelled = 0 and inside.depth < %(max_depth)s
		)
		select lot, item_code, parent_lot, sum(qty) as qty, kind, min(depth) as depth
		from inside
		group by lot, item_code, parent_lot, kind
		order by depth, lot
		""",
		{"lot": lot, "max_depth": MAX_DEPTH},
		as_dict=True,
	)


def lots_made_from(lot: str) -> list[dict]:
	"""Every lot this one went into, at any depth: (lot, item, depth, from lot, qty)."""
	return frappe.db.sql(
		"""
		with recursive made (lot, item_code, from_lot, qty, kind, depth) as (
			select produced_lot, produced_item, consumed_lot, qty, kind, 1
			from `tabLot Consumption`
			where consumed_lot = %(lot)s and is_cancelled = 0 and produced_lot is not null
			union all
			select edge.produced_lot, edge.produced_item, edge.consumed_lot, edge.qty, edge.kind, made.depth + 1
			from `tabLot Consumption` edge
			inner join made on edge.consumed_lot = made.lot
			where edge.is_cancelled = 0 and edge.produced_lot is not null and made.depth < %(max_depth)s
		)
		select lot, item_code, from_lot, sum(qty) as qty, kind, min(depth) as depth
		from made
		group by lot, item_code, from_lot, kind
		order by depth, lot
		""",
		{"lot": lot, "max_depth": MAX_DEPTH},
		as_dict=True,
	)


def source_receipts(lot: str) -> list[dict]:
	"""The received lots at the bottom of a lot's genealogy, with their receipt, order and supplier."""
	lots = {row.lot for row in lots_inside(lot)} | {lot}
	return frappe.get_all(
		"Lot",
		filters={"name": ("in", list(lots)), "purchase_receipt": ("is", "set"), "parent_lot": ("is", "not set")},
		fields=["name", "item", "purchase_receipt", "purchase_order", "supplier", "supplier_batch_code"],
		order_by="name",
	)
