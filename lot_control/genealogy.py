"""The genealogy walked breadth first over the indexed Lot Consumption records, one query per depth
for the whole frontier (its nodes as one table of names), never one query per node: each edge of the
answer is one index read, whatever the size of the history. (A recursive query did the same walk but
carried every column of every path through temporary tables: about 16 rows read per edge.)

Splits are edges like builds, so a piece cut from a reel leads back to the reel's receipt; a serialized unit is a node of its own (its code), so a
sub-assembly unit built into an assembly unit is followed like a lot, and so is a bought serial
consumed without a lot (its Serial No). Any transformation voucher writes edges (Stock Entry,
Subcontracting Receipt); a disassembly that gives components back to the very lots they were built
from closes a loop, and a walk takes such an edge at most once per path, so it always ends.

Each row answers with the node reached (`lot`: the unit's code for a unit, the serial for a
bought serial, else the lot), its `unit`, `serial_no` (backward) and `batch` apart, the item, the node it was reached from, the quantity on that edge, and
the depth at which it was first reached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter

import frappe

from lot_control.packed_rows import names_table, read_packed, unique_names_in_json

MAX_DEPTH = 64
EDGE_TYPES = {"closes_loop": int, "qty": float}


def lots_inside(node: str | list[str]) -> list[dict]:
	"""Every lot, unit or serial that went into this one (or these), at any depth."""
	return walk(seeds(node), INSIDE)


def lots_made_from(node: str | list[str], units_reached: Callable[[list[str]], None] | None = None) -> list[dict]:
	"""Every lot or unit this one (or these) went into, at any depth; `units_reached` is given the
	units first reached at each depth, as the walk goes (a recall reads their facts meanwhile)."""
	return walk(seeds(node), MADE_FROM, units_reached)


@dataclass(frozen=True)
class Direction:
	"""One way through the Lot Consumption records: the column a node is looked up by, the one it
	leads to, and the columns of the answer (node, then the rest of the group, then the lists)."""

	from_column: str
	to_column: str
	group_columns: tuple[str, ...]  # (answer key, column), the node first, then what tells rows apart
	list_columns: tuple[tuple[str, str], ...]  # (answer key, column) joined distinct, as GROUP_CONCAT
	extra_where: str = ""


INSIDE = Direction(
	from_column="produced_node",
	to_column="consumed_node",
	group_columns=(
		("lot", "consumed_node"),
		("batch", "consumed_lot"),
		("unit", "consumed_unit"),
		("serial_no", "consumed_serial_no"),
		("item_code", "consumed_item"),
		("parent_lot", "produced_node"),
	),
	list_columns=(
		("work_orders", "work_order"),
		("stock_entries", "voucher_no"),
		("voucher_types", "voucher_type"),
	),
)
MADE_FROM = Direction(
	from_column="consumed_node",
	to_column="produced_node",
	group_columns=(
		("lot", "produced_node"),
		("batch", "produced_lot"),
		("unit", "produced_unit"),
		("item_code", "produced_item"),
		("from_lot", "consumed_node"),
	),
	list_columns=(
		("work_orders", "work_order"),
		("stock_entries", "produced_by"),
		("voucher_types", "voucher_type"),
	),
	extra_where="and edge.produced_node is not null",
)


def walk(
	starts: list[str], direction: Direction, units_reached: Callable[[list[str]], None] | None = None
) -> list[dict]:
	"""Breadth first from the starting nodes, one indexed query per depth for the whole frontier: each
	edge of the answer is read once, through the (node, is_cancelled) index, whatever the size of the
	history. A path may take one edge that closes a loop (a disassembly back into its own lots) and
	is at most MAX_DEPTH long; each edge is answered at the least depth it is reached.

	Rows: the group columns of the direction, kind, qty summed over the group's edges, the least
	depth, and the lists (distinct values joined by commas), ordered by depth and node."""
	# name, closes_loop, qty, kind, then the group columns (the node led to first), then the lists
	columns = ["name", "closes_loop", "qty", "kind"]
	columns += [column for _key, column in direction.group_columns + direction.list_columns]
	# Tuples in that order, all the depth's rows sent as one string (lot_control.packed_rows): a wide
	# walk reads tens of thousands of edges.
	packed = {column: f"edge.`{column}`" for column in columns}
	# The frontier as a table of names read first, each looked up in the (node, is_cancelled) index.
	rest = (
		f"from {names_table('nodes')} straight_join `tabLot Consumption` edge "
		f"on edge.`{direction.from_column}` = given.given_name "
		f"where edge.is_cancelled = 0 {direction.extra_where}"
	)
	lookup = 3 + len(direction.group_columns)  # the node an edge was looked up by: the last group column
	unit_at = 4 + [key for key, _column in direction.group_columns].index("unit")
	edges_of: dict[str, list[tuple]] = {}  # by the node's case-folded name, as the database compares
	reached_depth: dict[str, int] = {}  # edge name -> least depth
	edges: dict[str, tuple] = {}
	seen = {(start, 0) for start in starts}
	frontier = sorted(seen)
	depth = 0
	while frontier and depth < MAX_DEPTH:
		unread = []  # each node once, as the database compares names
		for node, _looped in frontier:
			folded = node.casefold()
			if folded not in edges_of:
				edges_of[folded] = []
				unread.append(node)
		for some_nodes in unique_names_in_json(unread):
			for edge in read_packed(packed, rest, {"nodes": some_nodes}, EDGE_TYPES, as_dict=False, at_once=True):
				edges_of[edge[lookup].casefold()].append(edge)
		depth += 1
		next_frontier = []
		units = []
		for node, looped in frontier:
			for edge in edges_of[node.casefold()]:
				now_looped = looped + edge[1]
				if now_looped > 1:
					continue
				if edge[0] not in reached_depth:
					reached_depth[edge[0]] = depth
					edges[edge[0]] = edge
					if edge[unit_at] is not None:
						units.append(edge[unit_at])
				state = (edge[4], now_looped)
				if edge[4] is not None and state not in seen:
					seen.add(state)
					next_frontier.append(state)
		frontier = next_frontier
		if units_reached is not None and units:
			units_reached(units)
	return group_edges(edges, reached_depth, direction)


def group_edges(edges: dict, reached_depth: dict, direction: Direction) -> list[dict]:
	"""The edges summed by node and what tells them apart, as the answer's rows."""
	lists_at = 4 + len(direction.group_columns)  # after name, closes_loop, qty, kind and the group
	group_keys = [name for name, _column in direction.group_columns]
	list_keys = [name for name, _column in direction.list_columns]
	groups: dict[tuple, list] = {}
	for name, edge in edges.items():
		key = edge[3:lists_at]  # kind and the group columns
		names = groups.get(key)
		if names is None:
			groups[key] = [name]
		else:
			names.append(name)
	row_keys = (*group_keys, "qty", "kind", "depth", *list_keys)
	# An edge's values in row_keys' order, the depth's place holding the edge's name until it is set.
	edge_values = itemgetter(*range(4, lists_at), 2, 3, 0, *range(lists_at, lists_at + len(list_keys)))
	rows, sort_keys = [], []
	for key, names in groups.items():
		if len(names) == 1:  # most nodes: one edge, its row made at once
			row = frappe._dict(zip(row_keys, edge_values(edges[names[0]]), strict=True))
			depth = row["depth"] = reached_depth[names[0]]
		else:
			row = frappe._dict(zip(group_keys, key[1:], strict=True))
			members = [edges[name] for name in names]
			row["qty"] = exact_sum(edge[2] for edge in members)
			row["kind"] = key[0]
			depth = row["depth"] = min(reached_depth[name] for name in names)
			for offset, list_key in enumerate(list_keys, lists_at):
				values = {edge[offset] for edge in members} - {None}
				row[list_key] = ",".join(sorted(values, key=collation_key)) if values else None
		rows.append(row)
		node = key[1] or ""
		sort_keys.append((depth, node.casefold(), node))
	# By depth, then as collation_key orders the nodes (keys made with the rows: a call per row to
	# make them is half the sort).
	order = sorted(range(len(rows)), key=sort_keys.__getitem__)
	return [rows[index] for index in order]


def exact_sum(quantities) -> float:
	"""As SQL sums the decimal column: exactly, rounded once."""
	quantities = list(quantities)
	if len(quantities) == 1:
		return quantities[0]
	return float(sum((Decimal(repr(float(qty or 0))) for qty in quantities), Decimal(0)))


def collation_key(value: str) -> tuple:
	"""Near the database's case-insensitive collation, with the exact text breaking ties."""
	return (value.casefold(), value)


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
