"""The genealogy walked in one recursive query each way (MariaDB WITH RECURSIVE over the indexed Lot
Consumption records), never one query per node. Splits are edges like builds, so a piece cut from a
reel leads back to the reel's receipt; a serialized unit is a node of its own (its code), so a
sub-assembly unit built into an assembly unit is followed like a lot, and so is a bought serial
consumed without a lot (its Serial No). Any transformation voucher writes edges (Stock Entry,
Subcontracting Receipt); a disassembly that gives components back to the very lots they were built
from closes a loop, and a walk takes such an edge at most once per path, so it always ends.

Each row answers with the node reached (`lot`: the unit's code for a unit, the serial for a
bought serial, else the lot), its `unit`, `serial_no` (backward) and `batch` apart, the item, the node it was reached from, the quantity on that edge, and
the depth at which it was first reached.
"""

from __future__ import annotations

import frappe

MAX_DEPTH = 64


def lots_inside(node: str | list[str]) -> list[dict]:
	"""Every lot, unit or serial that went into this one (or these), at any depth."""
	return frappe.db.sql(
		"""
		with recursive inside (edge, node, batch, unit, serial_no, item_code, parent_node, qty, kind, work_order,
			voucher_type, voucher_no, looped, depth) as (
			select name, consumed_node, consumed_lot, consumed_unit, consumed_serial_no, consumed_item, produced_node,
				qty, kind, work_order, voucher_type, voucher_no, closes_loop, 1
			from `tabLot Consumption`
			where produced_node in %(nodes)s and is_cancelled = 0
			union
			select edge.name, edge.consumed_node, edge.consumed_lot, edge.consumed_unit, edge.consumed_serial_no,
				edge.consumed_item, edge.produced_node, edge.qty, edge.kind, edge.work_order, edge.voucher_type,
				edge.voucher_no, inside.looped + edge.closes_loop, inside.depth + 1
			from `tabLot Consumption` edge
			inner join inside on edge.produced_node = inside.node
			where edge.is_cancelled = 0 and inside.depth < %(max_depth)s
				and inside.looped + edge.closes_loop <= 1
		)
		select node as lot, batch, unit, serial_no, item_code, parent_node as parent_lot, sum(qty) as qty, kind,
			min(depth) as depth, group_concat(distinct work_order) as work_orders,
			group_concat(distinct voucher_no) as stock_entries, group_concat(distinct voucher_type) as voucher_types
		from (
			select edge, node, batch, unit, serial_no, item_code, parent_node, qty, kind, work_order, voucher_type,
				voucher_no, min(depth) as depth
			from inside
			group by edge, node, batch, unit, serial_no, item_code, parent_node, qty, kind, work_order, voucher_type,
				voucher_no
		) edges
		group by node, batch, unit, serial_no, item_code, parent_node, kind
		order by depth, node
		""",
		{"nodes": seeds(node), "max_depth": MAX_DEPTH},
		as_dict=True,
	)


def lots_made_from(node: str | list[str]) -> list[dict]:
	"""Every lot or unit this one (or these) went into, at any depth."""
	return frappe.db.sql(
		"""
		with recursive made (edge, node, batch, unit, item_code, from_node, qty, kind, work_order, voucher_type,
			produced_by, looped, depth) as (
			select name, produced_node, produced_lot, produced_unit, produced_item, consumed_node, qty, kind,
				work_order, voucher_type, produced_by, closes_loop, 1
			from `tabLot Consumption`
			where consumed_node in %(nodes)s and is_cancelled = 0 and produced_node is not null
			union
			select edge.name, edge.produced_node, edge.produced_lot, edge.produced_unit, edge.produced_item,
				edge.consumed_node, edge.qty, edge.kind, edge.work_order, edge.voucher_type, edge.produced_by,
				made.looped + edge.closes_loop, made.depth + 1
			from `tabLot Consumption` edge
			inner join made on edge.consumed_node = made.node
			where edge.is_cancelled = 0 and edge.produced_node is not null and made.depth < %(max_depth)s
				and made.looped + edge.closes_loop <= 1
		)
		select node as lot, batch, unit, item_code, from_node as from_lot, sum(qty) as qty, kind,
			min(depth) as depth, group_concat(distinct work_order) as work_orders,
			group_concat(distinct produced_by) as stock_entries, group_concat(distinct voucher_type) as voucher_types
		from (
			select edge, node, batch, unit, item_code, from_node, qty, kind, work_order, voucher_type, produced_by,
				min(depth) as depth
			from made
			group by edge, node, batch, unit, item_code, from_node, qty, kind, work_order, voucher_type, produced_by
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
		filters={
			"name": ("in", list(lots)),
			"purchase_receipt": ("is", "set"),
			"parent_lot": ("is", "not set"),
		},
		fields=["name", "item", "purchase_receipt", "purchase_order", "supplier", "supplier_batch_code"],
		order_by="name",
	)


def loops_back(consumed_nodes, produced_nodes) -> set[str]:
	"""The produced nodes that are already inside a consumed one: a disassembly giving components
	back to the lots they were built from."""
	consumed_nodes = [node for node in dict.fromkeys(consumed_nodes) if node]
	produced_nodes = {node for node in produced_nodes if node}
	if not consumed_nodes or not produced_nodes:
		return set()
	return produced_nodes & {row.lot for row in lots_inside(consumed_nodes)}


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

		items = dict(
			frappe.get_all("Batch", filters={"name": ("in", loops)}, fields=["name", "item"], as_list=True)
		)
		items.update(
			frappe.get_all(
				"Serialized Unit", filters={"name": ("in", loops)}, fields=["name", "item_code"], as_list=True
			)
		)
		frappe.throw(
			_(
				"{0} cannot be made from {1}: it is already inside it, and a lot cannot contain itself."
			).format(
				", ".join(f"{frappe.bold(node)} ({items.get(node) or _('unknown item')})" for node in loops),
				", ".join(frappe.bold(node) for node in consumed_nodes[:10]),
			),
			title=_("Genealogy Loop"),
		)


def serials_received_by(voucher_type: str, voucher_no: str) -> list[str]:
	"""The serials a receipt brought in without a lot (a module with its maker's serial): each is a
	genealogy node of its own. Units the app made are not bought serials."""
	return frappe.db.sql_list(
		"""
		select distinct entry.serial_no
		from `tabSerial and Batch Entry` entry
		inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
		left join `tabSerialized Unit` unit on unit.name = entry.serial_no
		where bundle.voucher_type = %(voucher_type)s and bundle.voucher_no = %(voucher_no)s
			and bundle.type_of_transaction = 'Inward' and bundle.docstatus = 1 and bundle.is_cancelled = 0
			and entry.serial_no is not null and entry.batch_no is null and unit.name is null
		order by entry.serial_no
		""",
		{"voucher_type": voucher_type, "voucher_no": voucher_no},
	)


def serial_sources(serial_nos: list[str]) -> list[dict]:
	"""Where bought serials came from: the receipt that first brought each in, its order and
	supplier, and the rate paid, read from ERPNext's Serial No and its inward bundle."""
	serial_nos = [serial for serial in dict.fromkeys(serial_nos) if serial]
	if not serial_nos:
		return []
	entries = frappe.db.sql(
		"""
		select entry.serial_no, bundle.voucher_type, bundle.voucher_no, bundle.voucher_detail_no, bundle.item_code,
			bundle.posting_date, entry.incoming_rate
		from `tabSerial and Batch Entry` entry
		inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
		where entry.serial_no in %(serials)s and bundle.voucher_type in ('Purchase Receipt', 'Purchase Invoice')
			and bundle.type_of_transaction = 'Inward' and bundle.docstatus = 1 and bundle.is_cancelled = 0
		order by bundle.posting_date, bundle.creation
		""",
		{"serials": serial_nos},
		as_dict=True,
	)
	first = {}
	for entry in entries:
		first.setdefault(entry.serial_no, entry)
	sources = []
	for serial, entry in sorted(first.items()):
		supplier = frappe.db.get_value(entry.voucher_type, entry.voucher_no, "supplier")
		purchase_order = frappe.db.get_value(
			f"{entry.voucher_type} Item", entry.voucher_detail_no, "purchase_order"
		)
		sources.append(
			frappe._dict(
				lot=serial,
				serial_no=serial,
				item=entry.item_code,
				supplier=supplier,
				supplier_batch_code=None,
				receipt_type=entry.voucher_type,
				purchase_receipt=entry.voucher_no,
				purchase_order=purchase_order,
				received_date=entry.posting_date,
				unit_cost=entry.incoming_rate,
				parent_lot=None,
			)
		)
	return sources
