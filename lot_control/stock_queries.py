"""Questions about lots answered from ERPNext's own stock records (Serial and Batch Bundles and,
for stock posted before v15, Stock Ledger Entries carrying a batch_no). Nothing here is stored.

"On hand" is asked one way only: lot_balances (or, for a query that must join it, on_hand_sql).
Below services, above the pure rules: nothing here imports a service.
"""

import frappe
from frappe.query_builder.functions import Count, Min, Sum
from frappe.utils import flt

from lot_control.packed_rows import as_date, read_packed

QTY_PRECISION = 6

# A query given thousands of names (every lot of a wide trace) asks for them IN_LIST_SIZE at a time,
# so each is looked up in its index: MariaDB turns an IN list of 1,000 names or more into a table of
# values it materialises and scans, and gives up the index altogether for a list of ten thousand.
IN_LIST_SIZE = 500

# lot_control.constants.indexes: the entries' lot, warehouse and what is summed, in one index.
ENTRY_LOT_INDEX = "lot_control_batch_no_warehouse"
# ... and the bundles' docstatus, is_cancelled and voucher_type.
BUNDLE_STATE_INDEX = "lot_control_bundle_state"

# A bundle whose entries are no stock: a draft, a cancelled voucher's (ERPNext marks the bundle
# is_cancelled and leaves it and its entries submitted), a Pick List's (it posts nothing to the
# ledger), one without a voucher type; what on_hand_sql's conditions on the bundle leave out, said
# as ranges of BUNDLE_STATE_INDEX (docstatus and is_cancelled are never null).
BUNDLE_NOT_STOCK_SQL = """(bundle.docstatus != 1
	or (bundle.docstatus = 1 and bundle.is_cancelled != 0)
	or (bundle.docstatus = 1 and bundle.is_cancelled = 0
		and (bundle.voucher_type is null or bundle.voucher_type = 'Pick List')))"""


def in_slices(names) -> list[list]:
	"""The names, in order, cut into lists of at most IN_LIST_SIZE."""
	names = list(names)
	return [names[start : start + IN_LIST_SIZE] for start in range(0, len(names), IN_LIST_SIZE)]

# A batch without a Lot (made before the app, or outside a receipt) is released house stock, valued
# at the rate the ledger holds it at. Said once, here, for every query that joins `tabLot` as `lot`
# (and, for the cost, the on-hand rows as `on_hand`).
LOT_STATUS_SQL = "coalesce(lot.status, 'Released')"
LOT_OWNER_SQL = "case when lot.stock_owner = 'Customer' then lot.consignment_customer end"
LOT_UNIT_COST_SQL = (
	"case when lot.name is null then ifnull(on_hand.stock_value / nullif(on_hand.qty, 0), 0) else lot.unit_cost end"
)


def on_hand_sql(
	lots: list[str] | tuple | None = None,
	item_code: str | None = None,
	warehouse: str | None = None,
	company: str | None = None,
	lock: bool = False,
	per_warehouse: bool = True,
) -> tuple[str, dict]:
	"""The one "on hand" query, as SQL and its parameters, for a caller that must join it.

	Rows: lot, item_code, warehouse (None unless per_warehouse), qty, stock_value (the ledger's),
	arrival_date (first inward posting). Stock is every Serial and Batch Entry of a submitted,
	uncancelled bundle plus, from before v15, every batch Stock Ledger Entry without a bundle.
	A group warehouse takes its children; `lock` makes both reads locking (share mode). On a site
	with no stock from before v15 (one indexed read says so), it reads the bundles alone
	(bundled_on_hand_sql), for given lots as for every lot."""
	params = {}
	# A submitted Pick List keeps an outward bundle of the lots it picked but posts nothing to the ledger.
	# BUNDLE_NOT_STOCK_SQL is the negation of the first four: change them together.
	bundle_where = [
		"bundle.docstatus = 1",
		"bundle.is_cancelled = 0",
		"entry.batch_no != ''",
		"bundle.voucher_type != 'Pick List'",
	]
	ledger_where = [
		"sle.is_cancelled = 0",
		"sle.batch_no != ''",
		"(sle.serial_and_batch_bundle is null or sle.serial_and_batch_bundle = '')",
	]
	bundle_joins = ledger_joins = entry_index = ""
	place = []
	if lots is not None:
		params["lots"] = tuple(lots) or ("",)
		bundle_where.append("entry.batch_no in %(lots)s")
		# Given lots are looked up by lot, even when a company or warehouse filter could tempt the
		# optimizer to read every entry of the warehouse instead.
		entry_index = f"force index ({ENTRY_LOT_INDEX})"
		ledger_where.append("sle.batch_no in %(lots)s")
	if item_code:
		params["item_code"] = item_code
		bundle_where.append("bundle.item_code = %(item_code)s")
		ledger_where.append("sle.item_code = %(item_code)s")
	if one_warehouse := place_conditions(warehouse, company, params, place):
		bundle_where.append(f"entry.{one_warehouse}")
		ledger_where.append(f"sle.{one_warehouse}")
	if place:
		bundle_joins = "inner join `tabWarehouse` warehouse on warehouse.name = entry.warehouse"
		ledger_joins = "inner join `tabWarehouse` warehouse on warehouse.name = sle.warehouse"
	locking = "lock in share mode" if lock else ""
	if not legacy_batch_stock_exists():
		return bundled_on_hand_sql(bundle_where, place, locking, per_warehouse), params
	bundle_where += place
	ledger_where += place
	by_place = "movements.warehouse" if per_warehouse else "null"
	sql = f"""
		select movements.batch_no as lot, max(movements.item_code) as item_code, {by_place} as warehouse,
			sum(movements.qty) as qty, sum(movements.stock_value) as stock_value,
			min(case when movements.qty > 0 then movements.posting_date end) as arrival_date
		from (
			(select bundle.item_code, entry.warehouse, entry.batch_no, entry.qty,
				entry.stock_value_difference as stock_value, bundle.posting_date
			from `tabSerial and Batch Entry` entry {entry_index}
			inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
			{bundle_joins}
			where {" and ".join(bundle_where)}
			{locking})
			union all
			(select sle.item_code, sle.warehouse, sle.batch_no, sle.actual_qty,
				sle.stock_value_difference, sle.posting_date
			from `tabStock Ledger Entry` sle
			{ledger_joins}
			where {" and ".join(ledger_where)}
			{locking})
		) movements
		group by movements.batch_no{", movements.warehouse" if per_warehouse else ""}
		having round(sum(movements.qty), {QTY_PRECISION}) != 0
	"""
	return sql, params


def place_conditions(warehouse: str | None, company: str | None, params: dict, place: list[str]) -> str | None:
	"""Where stock is asked for: a warehouse that is no group as a condition on the movement's
	`warehouse` column, returned; a company or a group warehouse (its children) as conditions on
	`tabWarehouse` warehouse, added to `place`. Parameters are added to `params`."""
	group = frappe.db.get_value("Warehouse", warehouse, ["is_group", "lft", "rgt"], as_dict=True) if warehouse else None
	if company:
		params["company"] = company
		place.append("warehouse.company = %(company)s")
	if group and group.is_group:
		params.update(lft=group.lft, rgt=group.rgt)
		place.append("warehouse.lft >= %(lft)s and warehouse.rgt <= %(rgt)s")
	elif warehouse:
		params["warehouse"] = warehouse
		return "warehouse = %(warehouse)s"
	return None


def bundled_on_hand_sql(bundle_where: list[str], place: list[str], locking: str, per_warehouse: bool) -> str:
	"""on_hand_sql where no stock predates v15, the bundles alone: the entries are read
	from ENTRY_LOT_INDEX in lot and warehouse order and summed as they are read, where the union of
	both sources would be summed in a temporary table on disk (seconds for 100,000 lots). The place
	(conditions on `tabWarehouse` warehouse) is a subquery, not a join, so nothing breaks that order."""
	if place:
		bundle_where = [
			*bundle_where,
			f"entry.warehouse in (select warehouse.name from `tabWarehouse` warehouse where {' and '.join(place)})",
		]
	by_place = "entry.warehouse" if per_warehouse else "null"
	return f"""
		select straight_join entry.batch_no as lot, max(bundle.item_code) as item_code, {by_place} as warehouse,
			sum(entry.qty) as qty, sum(entry.stock_value_difference) as stock_value,
			min(case when entry.qty > 0 then bundle.posting_date end) as arrival_date
		from `tabSerial and Batch Entry` entry force index ({ENTRY_LOT_INDEX})
		inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
		where {" and ".join(bundle_where)}
		group by entry.batch_no{", entry.warehouse" if per_warehouse else ""}
		having round(sum(entry.qty), {QTY_PRECISION}) != 0
		{locking}
	"""


def legacy_batch_stock_exists() -> bool:
	"""Whether any batch stock was posted without a bundle (before v15) and not cancelled: then the
	on-hand query must add those Stock Ledger Entries to the bundles'."""
	return bool(
		frappe.db.sql(
			"""
			select 1 from `tabStock Ledger Entry` sle
			where (sle.serial_and_batch_bundle is null or sle.serial_and_batch_bundle = '')
				and sle.batch_no != '' and sle.is_cancelled = 0
			limit 1
			"""
		)
	)


def lot_balances(
	lots: list[str] | tuple | None = None,
	*,
	item_code: str | None = None,
	warehouse: str | None = None,
	company: str | None = None,
	lock: bool = False,
) -> list[dict]:
	"""On hand of each lot per warehouse, in one query: lot, item_code, warehouse, qty, arrival_date,
	owner (None for house stock), status and unit_cost (a batch without a Lot as LOT_STATUS_SQL says),
	and the Lot's storage_bin.

	With `lock`, for the submit path, the lots' Batch rows are locked first (in name order, so two
	submits wait rather than deadlock) and the ledger is read with a locking read, so a document
	submitted a moment earlier is seen."""
	if lots is not None:
		lots = sorted({lot for lot in lots if lot})
		if not lots:
			return []
		if lock:
			frappe.db.sql("select name from `tabBatch` where name in %(lots)s order by name for update", {"lots": lots})
		if len(lots) > IN_LIST_SIZE:
			return [
				row
				for some_lots in in_slices(lots)
				for row in balances_of(some_lots, item_code, warehouse, company, lock)
			]
	return balances_of(lots, item_code, warehouse, company, lock)


def balances_of(lots, item_code, warehouse, company, lock) -> list[dict]:
	sql, params = on_hand_sql(lots, item_code, warehouse, company, lock)
	rows = read_packed(
		{
			"lot": "on_hand.lot",
			"item_code": "on_hand.item_code",
			"warehouse": "on_hand.warehouse",
			"qty": "on_hand.qty",
			"arrival_date": "on_hand.arrival_date",
			"owner": LOT_OWNER_SQL,
			"status": LOT_STATUS_SQL,
			"unit_cost": LOT_UNIT_COST_SQL,
			"storage_bin": "lot.storage_bin",
		},
		f"""
		from ({sql}) on_hand
		left join `tabLot` lot on lot.name = on_hand.lot
		order by on_hand.lot, on_hand.arrival_date, on_hand.warehouse
		""",
		params,
		types={"arrival_date": as_date},
	)
	for row in rows:
		row["qty"] = round_qty(row["qty"])
		row["unit_cost"] = float(row["unit_cost"] or 0)
	return rows


def round_qty(value) -> float:
	"""flt(value, QTY_PRECISION); a whole quantity, as most are, is returned as it is, since a report
	over every lot in stock rounds 100,000 of them."""
	value = float(value or 0)
	return value if value.is_integer() else flt(value, QTY_PRECISION)


def balances_by_place(lots: list[str], lock: bool = False) -> dict:
	"""{(lot, warehouse): qty} of the given lots."""
	return {(row.lot, row.warehouse): row.qty for row in lot_balances(lots, lock=lock)}


def get_lot_locations(lot: str) -> list[dict]:
	"""On-hand quantity of a lot per warehouse, with the date stock first arrived there."""
	rows = lot_balances([lot])
	return [
		frappe._dict(warehouse=row.warehouse, qty=row.qty, arrival_date=row.arrival_date)
		for row in sorted(rows, key=lambda row: (row.arrival_date is None, row.arrival_date or "", row.warehouse))
	]


def get_lot_on_hand(lot: str) -> float:
	return flt(sum(row.qty for row in lot_balances([lot])), QTY_PRECISION)


def get_lot_balances(lots: list[str]) -> dict:
	"""On-hand quantity of each (lot, warehouse) for the given lots."""
	return balances_by_place(lots)


def company_lot_balances(company: str, item_code: str | None = None, warehouse: str | None = None) -> list[dict]:
	"""Every lot with stock in a company, per item and warehouse (a group warehouse takes its
	children), as lot_balances gives each (lot, item_code, warehouse, qty, owner, status, unit_cost),
	in no order."""
	rows = every_lot_in_stock(
		{
			"lot": "on_hand.lot",
			"item_code": "batch.item",
			"warehouse": "on_hand.warehouse",
			"qty": "on_hand.qty",
			"owner": LOT_OWNER_SQL,
			"status": LOT_STATUS_SQL,
			"unit_cost": LOT_UNIT_COST_SQL,
		},
		company,
		item_code,
		warehouse,
	)
	for row in rows:
		row["unit_cost"] = float(row["unit_cost"] or 0)
	return rows


def company_lots_in_stock(
	company: str, item_code: str | None = None, warehouse: str | None = None
) -> list[dict]:
	"""company_lot_balances (lot, warehouse, qty) with each lot's facts as lot_facts gives them
	(item_code, expiry and manufacturing dates, received_date, status, owner), in one read, in no
	order: what a report over every lot in stock reads."""
	return every_lot_in_stock(
		{
			"lot": "on_hand.lot",
			"warehouse": "on_hand.warehouse",
			"qty": "on_hand.qty",
			"item_code": "batch.item",
			"expiry_date": "batch.expiry_date",
			"manufacturing_date": "batch.manufacturing_date",
			"received_date": "coalesce(lot.received_date, date(batch.creation))",
			"status": LOT_STATUS_SQL,
			"owner": LOT_OWNER_SQL,
		},
		company,
		item_code,
		warehouse,
		types={"expiry_date": as_date, "manufacturing_date": as_date, "received_date": as_date},
	)


def every_lot_in_stock(
	columns: dict[str, str],
	company: str,
	item_code: str | None = None,
	warehouse: str | None = None,
	types: dict | None = None,
) -> list[dict]:
	"""`columns` ({key: SQL over `on_hand` (lot, warehouse, qty, stock_value), `batch` and `lot`},
	item_code being batch.item) of every lot with stock in a company, per warehouse, in no order:
	what a report over every lot in stock reads. A lot without a Batch is left out; qty is rounded.

	On a site whose batch stock is all in bundles, a lot's stock is summed from its entries alone
	(ENTRY_LOT_INDEX), without reading the bundle of each entry, which was most of the time of the
	read: only bundles that are no stock (BUNDLE_NOT_STOCK_SQL) are read, and the few lots they name
	are read by on_hand_sql, as every other question of stock is."""
	params = {}
	# Joined outer, not inner: an inner join lets MariaDB read the stock lot by lot for each Batch
	# ("split materialized"), summing in a temporary table, several times slower for every lot.
	# A Batch always names its item: a row without one has no Batch (read_in_stock drops it).
	joins = f"""
		left join `tabBatch` batch on batch.name = on_hand.lot
		left join `tabLot` lot on lot.name = batch.name
		{"where batch.item = %(item_code)s" if item_code else ""}"""
	if item_code:
		params["item_code"] = item_code
	if legacy_batch_stock_exists():
		sql, on_hand_params = on_hand_sql(item_code=item_code, warehouse=warehouse, company=company)
		return read_in_stock(columns, f"from ({sql}) on_hand {joins}", {**params, **on_hand_params}, types)
	outside_stock = lots_named_outside_stock()
	every_lot = entries_on_hand_sql(warehouse, company, params)
	rows = read_in_stock(columns, f"from ({every_lot}) on_hand {joins}", params, types)
	if not outside_stock:
		return rows
	rows = [row for row in rows if row["lot"].casefold() not in outside_stock]
	for some_lots in in_slices(sorted(outside_stock)):
		sql, on_hand_params = on_hand_sql(some_lots, item_code=item_code, warehouse=warehouse, company=company)
		rows += read_in_stock(columns, f"from ({sql}) on_hand {joins}", {**params, **on_hand_params}, types)
	return rows


def read_in_stock(columns: dict[str, str], rest: str, params: dict, types: dict | None) -> list[dict]:
	"""Rows with stock (qty rounded) of a lot with a Batch (`columns` has item_code, batch.item)."""
	rows = read_packed(columns, rest, params, types=types)
	in_stock = []
	for row in rows:
		row["qty"] = qty = round_qty(row["qty"])
		if qty > 0 and row["item_code"] is not None:
			in_stock.append(row)
	return in_stock


def entries_on_hand_sql(warehouse: str | None, company: str | None, params: dict) -> str:
	"""Stock of every lot per warehouse (lot, warehouse, qty, stock_value) from the entries alone, in
	lot and warehouse order as ENTRY_LOT_INDEX holds them, summed as they are read: true of every lot
	that no bundle outside stock names (lots_named_outside_stock)."""
	where = ["entry.batch_no != ''"]
	place = []
	if one_warehouse := place_conditions(warehouse, company, params, place):
		where.append(f"entry.{one_warehouse}")
	if place:
		where.append(
			f"entry.warehouse in (select warehouse.name from `tabWarehouse` warehouse where {' and '.join(place)})"
		)
	return f"""
		select straight_join entry.batch_no as lot, entry.warehouse, sum(entry.qty) as qty,
			sum(entry.stock_value_difference) as stock_value
		from `tabSerial and Batch Entry` entry force index ({ENTRY_LOT_INDEX})
		where {" and ".join(where)}
		group by entry.batch_no, entry.warehouse
		having round(sum(entry.qty), {QTY_PRECISION}) != 0
	"""


def lots_named_outside_stock() -> set[str]:
	"""Lots (casefolded, as the database compares names) named by an entry of a bundle that is no
	stock (BUNDLE_NOT_STOCK_SQL), found by ranges of BUNDLE_STATE_INDEX."""
	return {
		lot.casefold()
		for lot in frappe.db.sql_list(
			f"""
			select distinct entry.batch_no
			from `tabSerial and Batch Bundle` bundle force index ({BUNDLE_STATE_INDEX})
			inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
			where {BUNDLE_NOT_STOCK_SQL} and entry.batch_no != ''
			"""
		)
	}


# A lot's facts (what lot_facts answers), read from its Batch and its Lot, for every query that asks them.
LOT_FACTS_SQL = f"""batch.name as lot, batch.item as item_code, batch.expiry_date, batch.manufacturing_date,
	coalesce(lot.received_date, date(batch.creation)) as received_date,
	{LOT_STATUS_SQL} as status, {LOT_OWNER_SQL} as owner
	from `tabBatch` batch
	left join `tabLot` lot on lot.name = batch.name"""


def lot_facts(lot_names) -> dict:
	"""Status, owner and dates of lots, from the Lot and its Batch, in one query; a batch without
	a Lot is released house stock (LOT_STATUS_SQL, LOT_OWNER_SQL)."""
	lot_names = sorted({name for name in lot_names if name})
	facts = {}
	for some_lots in in_slices(lot_names):
		rows = frappe.db.sql(
			f"""
			select {LOT_FACTS_SQL}
			where batch.name in %(lots)s
			""",
			{"lots": some_lots},
			as_dict=True,
		)
		facts.update((row.lot, row) for row in rows)
	return facts


def count_stock_transactions(lot: str) -> int:
	"""Every stock movement that ever named the lot, cancelled ones included: they are history too."""
	entry = frappe.qb.DocType("Serial and Batch Entry")
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	bundled = (
		frappe.qb.from_(entry)
		.inner_join(bundle)
		.on(bundle.name == entry.parent)
		.select(Count(entry.name))
		.where((entry.batch_no == lot) & (bundle.docstatus > 0))
	).run()[0][0]
	sle = frappe.qb.DocType("Stock Ledger Entry")
	legacy = (frappe.qb.from_(sle).select(Count(sle.name)).where(sle.batch_no == lot)).run()[0][0]
	return int(bundled or 0) + int(legacy or 0)


def get_bundle_lot_quantities(bundle_name: str) -> list[dict]:
	"""The lots of a Serial and Batch Bundle with their quantities, in row order."""
	entry = frappe.qb.DocType("Serial and Batch Entry")
	return (
		frappe.qb.from_(entry)
		.select(entry.batch_no, Sum(entry.qty).as_("qty"), Min(entry.idx).as_("first_idx"))
		.where((entry.parent == bundle_name) & (entry.parenttype == "Serial and Batch Bundle"))
		.groupby(entry.batch_no)
		.orderby(Min(entry.idx))
	).run(as_dict=True)


def posted_outward_entries(voucher_type: str, voucher_no: str) -> list[dict]:
	"""Every lot and serial a voucher drew, from all its submitted outward bundles (any child table),
	in one query: the row (voucher_detail_no), item, warehouse, batch, serial and quantity."""
	entry = frappe.qb.DocType("Serial and Batch Entry")
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	return (
		frappe.qb.from_(entry)
		.inner_join(bundle)
		.on(bundle.name == entry.parent)
		.select(bundle.voucher_detail_no, bundle.item_code, entry.warehouse, entry.batch_no, entry.serial_no, entry.qty)
		.where(
			(bundle.voucher_type == voucher_type)
			& (bundle.voucher_no == voucher_no)
			& (bundle.docstatus == 1)
			& (bundle.is_cancelled == 0)
			& (bundle.type_of_transaction == "Outward")
		)
		.orderby(bundle.voucher_detail_no)
		.orderby(entry.idx)
	).run(as_dict=True)


def free_serial_nos(item_code: str, warehouse: str, lots: list[str]) -> list[dict]:
	"""Serial numbers of an item in stock in a warehouse within the given lots, oldest first."""
	serial = frappe.qb.DocType("Serial No")
	return (
		frappe.qb.from_(serial)
		.select(serial.name, serial.batch_no)
		.where(
			(serial.item_code == item_code)
			& (serial.warehouse == warehouse)
			& serial.batch_no.isin(lots or [""])
			& (serial.status == "Active")
		)
		.orderby(serial.creation)
		.orderby(serial.name)
	).run(as_dict=True)


def voucher_entries(voucher_type: str, voucher_no: str, include_cancelled: bool = False) -> list[dict]:
	"""Every lot and serial a voucher moved, in and out, from all its submitted bundles in one query:
	the row (voucher_detail_no), direction (type_of_transaction), item, warehouse, batch, serial and
	quantity (signed). With include_cancelled, also the bundles of the voucher once it is cancelled."""
	entry = frappe.qb.DocType("Serial and Batch Entry")
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	posted = bundle.docstatus.isin([1, 2]) if include_cancelled else (bundle.docstatus == 1) & (bundle.is_cancelled == 0)
	return (
		frappe.qb.from_(entry)
		.inner_join(bundle)
		.on(bundle.name == entry.parent)
		.select(
			bundle.voucher_detail_no,
			bundle.type_of_transaction,
			bundle.item_code,
			entry.warehouse,
			entry.batch_no,
			entry.serial_no,
			entry.qty,
		)
		.where((bundle.voucher_type == voucher_type) & (bundle.voucher_no == voucher_no) & posted & (bundle.is_rejected == 0))
		.orderby(bundle.creation)
		.orderby(entry.idx)
	).run(as_dict=True)


def vouchers_of_lot(lot: str) -> list[dict]:
	"""Every voucher (type and number) whose stock rows ever named the lot, drafts and cancelled ones
	included, from its bundles and from batch Stock Ledger Entries before v15: the lot's documents."""
	entry = frappe.qb.DocType("Serial and Batch Entry")
	bundle = frappe.qb.DocType("Serial and Batch Bundle")
	bundled = (
		frappe.qb.from_(entry)
		.inner_join(bundle)
		.on(bundle.name == entry.parent)
		.select(bundle.voucher_type, bundle.voucher_no)
		.distinct()
		.where((entry.batch_no == lot) & bundle.voucher_no.isnotnull())
	).run(as_dict=True)
	sle = frappe.qb.DocType("Stock Ledger Entry")
	legacy = (
		frappe.qb.from_(sle).select(sle.voucher_type, sle.voucher_no).distinct().where(sle.batch_no == lot)
	).run(as_dict=True)
	return [*bundled, *legacy]


def lots_of_bundles(bundles: list[str]) -> list[dict]:
	"""The lots of several bundles with their quantities (bundle, batch_no, qty), in row order, in
	one query: which lots each line of a voucher got."""
	if not bundles:
		return []
	entry = frappe.qb.DocType("Serial and Batch Entry")
	return (
		frappe.qb.from_(entry)
		.select(entry.parent.as_("bundle"), entry.batch_no, Sum(entry.qty).as_("qty"), Min(entry.idx).as_("first_idx"))
		.where(entry.parent.isin(bundles) & (entry.parenttype == "Serial and Batch Bundle") & entry.batch_no.isnotnull())
		.groupby(entry.parent, entry.batch_no)
		.orderby(entry.parent)
		.orderby(Min(entry.idx))
	).run(as_dict=True)


OPEN_WORK_ORDER_EXCLUDED_STATUSES = ("Completed", "Stopped", "Closed", "Cancelled")


def work_order_wip_movements(lots, warehouses) -> list[dict]:
	"""What open Work Orders moved of these lots in their own work-in-progress warehouse, summed per
	Work Order, lot and warehouse (transfers in positive, consumption and returns negative)."""
	lots, warehouses = sorted(set(lots)), sorted(set(warehouses))
	if not lots or not warehouses:
		return []
	return frappe.db.sql(
		"""
		select stock_entry.work_order, entry.batch_no, entry.warehouse, sum(entry.qty) as qty
		from `tabSerial and Batch Entry` entry
		inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
		inner join `tabStock Entry` stock_entry on stock_entry.name = bundle.voucher_no
		inner join `tabWork Order` work_order on work_order.name = stock_entry.work_order
		where bundle.voucher_type = 'Stock Entry' and bundle.docstatus = 1 and bundle.is_cancelled = 0
			and entry.batch_no in %(lots)s and entry.warehouse in %(warehouses)s
			and entry.warehouse = work_order.wip_warehouse and work_order.status not in %(closed)s
		group by stock_entry.work_order, entry.batch_no, entry.warehouse
		""",
		{"lots": lots, "warehouses": warehouses, "closed": OPEN_WORK_ORDER_EXCLUDED_STATUSES},
		as_dict=True,
	)


def lot_movements_by_voucher(
	lots: list[str] | tuple | None = None,
	*,
	vouchers: list[str] | tuple | None = None,
	items: list[str] | tuple | None = None,
	from_date=None,
	to_date=None,
) -> list[dict]:
	"""Every posted movement of the given lots (or of every lot the given vouchers moved, or of the
	given items), summed per lot, voucher and warehouse (qty signed: in positive, out negative), with
	what the voucher was: its purpose, Work Order, return flag, party and the party's address. One
	query for all of them; the mass balance and the FSMA 204 records are read from it.

	Stock is what on_hand_sql counts: bundles of submitted, uncancelled vouchers (not Pick Lists)
	and, from before v15, batch Stock Ledger Entries without a bundle."""
	bundle_where = ["bundle.docstatus = 1", "bundle.is_cancelled = 0", "entry.batch_no != ''", "bundle.voucher_type != 'Pick List'"]
	ledger_where = ["sle.is_cancelled = 0", "sle.batch_no != ''", "ifnull(sle.serial_and_batch_bundle, '') = ''"]
	params = {}
	chosen_bundle, chosen_ledger = [], []
	if lots is not None:
		params["lots"] = tuple(sorted({lot for lot in lots if lot})) or ("",)
		chosen_bundle.append("entry.batch_no in %(lots)s")
		chosen_ledger.append("sle.batch_no in %(lots)s")
	if vouchers is not None:
		params["vouchers"] = tuple(sorted({name for name in vouchers if name})) or ("",)
		chosen_bundle.append("bundle.voucher_no in %(vouchers)s")
		chosen_ledger.append("sle.voucher_no in %(vouchers)s")
	if items is not None:
		params["items"] = tuple(sorted({item for item in items if item})) or ("",)
		chosen_bundle.append("bundle.item_code in %(items)s")
		chosen_ledger.append("sle.item_code in %(items)s")
	if chosen_bundle:
		bundle_where.append("(" + " or ".join(chosen_bundle) + ")")
		ledger_where.append("(" + " or ".join(chosen_ledger) + ")")
	if from_date:
		params["from_date"] = from_date
		bundle_where.append("bundle.posting_date >= %(from_date)s")
		ledger_where.append("sle.posting_date >= %(from_date)s")
	if to_date:
		params["to_date"] = to_date
		bundle_where.append("bundle.posting_date <= %(to_date)s")
		ledger_where.append("sle.posting_date <= %(to_date)s")
	rows = frappe.db.sql(
		f"""
		select movements.lot, movements.item_code, movements.warehouse, movements.voucher_type,
			movements.voucher_no, movements.posting_date, movements.qty,
			coalesce(stock_entry.purpose, reconciliation.purpose) as purpose,
			stock_entry.work_order, stock_entry.lot_split_from, stock_entry.asset_repair,
			coalesce(receipt.is_return, purchase_invoice.is_return, delivery.is_return, sales_invoice.is_return,
				pos_invoice.is_return, subcontracting.is_return, 0) as is_return,
			coalesce(purchase_invoice.update_stock, sales_invoice.update_stock, 1) as update_stock,
			ifnull(sales_invoice.is_consolidated, 0) as is_consolidated,
			coalesce(delivery.customer, sales_invoice.customer, pos_invoice.customer) as customer,
			coalesce(delivery.customer_name, sales_invoice.customer_name, pos_invoice.customer_name) as customer_name,
			coalesce(receipt.supplier, purchase_invoice.supplier, subcontracting.supplier) as supplier,
			coalesce(receipt.supplier_name, purchase_invoice.supplier_name, subcontracting.supplier_name) as supplier_name,
			coalesce(nullif(delivery.shipping_address, ''), nullif(sales_invoice.shipping_address, ''),
				nullif(pos_invoice.shipping_address, ''), delivery.address_display, sales_invoice.address_display,
				pos_invoice.address_display, receipt.address_display, purchase_invoice.address_display,
				subcontracting.address_display) as party_address
		from (
			select moved.batch_no as lot, max(moved.item_code) as item_code, moved.warehouse, moved.voucher_type,
				moved.voucher_no, min(moved.posting_date) as posting_date, sum(moved.qty) as qty
			from (
				(select entry.batch_no, bundle.item_code, entry.warehouse, bundle.voucher_type, bundle.voucher_no,
					bundle.posting_date, entry.qty
				from `tabSerial and Batch Entry` entry
				inner join `tabSerial and Batch Bundle` bundle on bundle.name = entry.parent
				where {" and ".join(bundle_where)})
				union all
				(select sle.batch_no, sle.item_code, sle.warehouse, sle.voucher_type, sle.voucher_no,
					sle.posting_date, sle.actual_qty
				from `tabStock Ledger Entry` sle
				where {" and ".join(ledger_where)})
			) moved
			group by moved.batch_no, moved.voucher_type, moved.voucher_no, moved.warehouse
			having round(sum(moved.qty), {QTY_PRECISION}) != 0
		) movements
		left join `tabStock Entry` stock_entry
			on movements.voucher_type = 'Stock Entry' and stock_entry.name = movements.voucher_no
		left join `tabStock Reconciliation` reconciliation
			on movements.voucher_type = 'Stock Reconciliation' and reconciliation.name = movements.voucher_no
		left join `tabPurchase Receipt` receipt
			on movements.voucher_type = 'Purchase Receipt' and receipt.name = movements.voucher_no
		left join `tabPurchase Invoice` purchase_invoice
			on movements.voucher_type = 'Purchase Invoice' and purchase_invoice.name = movements.voucher_no
		left join `tabDelivery Note` delivery
			on movements.voucher_type = 'Delivery Note' and delivery.name = movements.voucher_no
		left join `tabSales Invoice` sales_invoice
			on movements.voucher_type = 'Sales Invoice' and sales_invoice.name = movements.voucher_no
		left join `tabPOS Invoice` pos_invoice
			on movements.voucher_type = 'POS Invoice' and pos_invoice.name = movements.voucher_no
		left join `tabSubcontracting Receipt` subcontracting
			on movements.voucher_type = 'Subcontracting Receipt' and subcontracting.name = movements.voucher_no
		order by movements.posting_date, movements.voucher_no, movements.lot, movements.warehouse
		""",
		params,
		as_dict=True,
	)
	for row in rows:
		row.qty = flt(row.qty, QTY_PRECISION)
	return rows


def lots_in_stock_by_expiry(item_code: str, expiring_after=None, page_size: int | None = None) -> list[dict]:
	"""The item's lots with stock somewhere (ERPNext's Batch.batch_qty > 0), in expiry order, with the
	facts lot_facts gives. With page_size, the next page_size lots expiring after `expiring_after`
	(None: from the first), extended to every lot expiring on the page's last day, so a page never
	cuts a day in two; without, every lot that never expires. Read through the index on Batch (item,
	expiry_date) (lot_control.constants.indexes). batch_qty only tells which lots to skip; how much of
	a lot is where is the ledger's (lot_balances)."""
	params = {"item_code": item_code, "expiring_after": expiring_after, "page_size": page_size}

	def lots_where(condition: str, page: str = "") -> list[dict]:
		return frappe.db.sql(
			f"""
			select {LOT_FACTS_SQL}
			where batch.item = %(item_code)s and batch.batch_qty > 0 and {condition}
			{page}
			""",
			params,
			as_dict=True,
		)

	if page_size is None:
		return lots_where("batch.expiry_date is null")
	after = "and batch.expiry_date > %(expiring_after)s" if expiring_after is not None else ""
	page = lots_where(
		f"batch.expiry_date is not null {after}", "order by batch.expiry_date, batch.name limit %(page_size)s"
	)
	if len(page) < page_size:
		return page
	params["last_day"] = page[-1].expiry_date
	read = {lot.lot for lot in page}
	return page + [lot for lot in lots_where("batch.expiry_date = %(last_day)s") if lot.lot not in read]
