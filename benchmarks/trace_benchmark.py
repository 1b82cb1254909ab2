"""Benchmark of the traceability queries, run on demand (scripts/benchmark.sh); not a test.

It writes a factory's history onto a site of its own (received lots, some split, sub-assemblies
built level on level by Work Orders, serialized units, deliveries, and the Serial and Batch Bundles
ERPNext would have posted), times forward and backward traces of typical and of the widest lots,
then adds a second, independent history of the same size and times the same traces again. A trace
that reads only its answer takes the same time on both.

	bash scripts/benchmark.sh [site]   (runs run() through benchmarks/run_in_site.py)

Rows are bulk-inserted raw, as they would sit in the tables after years of use, without running any
document's code. Every generated name starts with BENCH- (a unit's code cannot: its item's does),
so `clear()` removes exactly what was generated. It writes and deletes only on a site made for it:
one whose site_config says `"lot_control_benchmark_site": 1` (set by whoever created the site, see
scripts/benchmark.sh) and that holds no lot of its own; `check_site()` runs before anything else.
Not part of the app: benchmarks/ sits beside the package and is never installed.
"""

from __future__ import annotations

import math
import os
import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import frappe

from lot_control.codes import RANDOM_BITS, encode_unit_code, format_code

PREFIX = "BENCH-"
COMPANY = "BENCH-Company"
CURRENCY = "EUR"
STORES = "BENCH-Stores"
FINISHED_GOODS = "BENCH-Finished Goods"
CHUNK_SIZE = 10_000
HISTORY_START = date(2019, 1, 1)
HISTORY_DAYS = 3 * 365
RAW_ITEMS = 200
ITEMS_PER_LEVEL = 20
SUPPLIERS = 150
CUSTOMERS = 500
# A few lots go into 1-2 % of all builds: the widest forward traces.
WIDE_ITEMS = {"PASTE": "Solder paste SAC305", "FLUX": "No-clean flux", "R0402": "Resistor 0402 10k, reel"}
WIDE_LOTS_PER_ITEM = 2
WIDE_BUILD_SHARE = (0.01, 0.02)
SPLIT_SHARE = 0.075  # of the raw lots: pieces cut off a reel or a drum
CANCELLED_SHARE = 0.02  # of the builds: cancelled once and posted again
# Into how many builds a raw lot goes (weights), and a sub-assembly lot into the level above.
RAW_USES = ((1, 2, 3, 4, 6), (35, 30, 20, 10, 5))
SUB_USES = ((1, 2, 3), (40, 35, 25))
TOP_UNITS_SHIPPED = 0.92
SPARE_UNITS_SHIPPED = 0.3
MAX_LEVELS = 9
# Picking: one item with this many lots in stock in one warehouse, each expiring on its own day.
PICK_ITEM = "BENCH-PICK"
PICK_LOTS = 10_000
PICK_HISTORY = 0  # its lots are BENCH-H0-K..., beside the histories, never traced

STANDARD_FIELDS = ["name", "creation", "modified", "owner", "modified_by", "docstatus", "idx"]
# What clear() removes, by the column that carries the BENCH- prefix; children before parents.
GENERATED = (
	("Serial and Batch Entry", "name"),
	("Serial and Batch Bundle", "name"),
	("Lot Consumption", "name"),
	("Lot", "name"),
	("Batch", "name"),
	("Delivery Note", "name"),
	("Serialized Unit", "item_code"),
	("Serial No", "item_code"),
	("Item", "name"),
	("Customer", "name"),
	("Supplier", "name"),
	("Warehouse", "name"),
	("Company", "name"),
)
COUNTED = (
	"Lot",
	"Batch",
	"Lot Consumption",
	"Serialized Unit",
	"Serial No",
	"Serial and Batch Bundle",
	"Serial and Batch Entry",
	"Delivery Note",
)


SITE_MARKER = "lot_control_benchmark_site"


class BenchmarkSiteError(frappe.ValidationError):
	"""The benchmark writes a million rows: only on a site that holds nothing else."""


def check_site():
	"""Refuse a site not made for the benchmark, before a row is deleted or written: its site_config
	must carry the marker, and it must hold no lot the benchmark did not generate."""
	if not frappe.conf.get(SITE_MARKER):
		frappe.throw(
			f"{frappe.local.site} is not a benchmark site: its site_config has no {SITE_MARKER}. The trace "
			"benchmark deletes and writes BENCH- rows, so it runs only on a site created for it, marked with "
			f"`bench --site {frappe.local.site} set-config -p {SITE_MARKER} 1`.",
			exc=BenchmarkSiteError,
		)
	if frappe.db.sql("select name from `tabLot` where name not like %s limit 1", f"{PREFIX}%"):
		frappe.throw(
			f"{frappe.local.site} has lots of its own: the trace benchmark runs only on a site of its own "
			"(scripts/benchmark.sh uses trace-bench.localhost).",
			exc=BenchmarkSiteError,
		)


def run(
	lots=100_000,
	work_orders=20_000,
	levels=5,
	units=50_000,
	deliveries=20_000,
	double=True,
	seed=1,
	runs=20,
):
	"""Generate a history, time the traces, double the history, time the same traces again."""
	frappe.set_user("Administrator")
	check_site()
	started = time.perf_counter()
	sizes = dict(lots=lots, work_orders=work_orders, levels=levels, units=units, deliveries=deliveries)
	removed = clear()
	if any(removed.values()):
		print(f"Removed an earlier benchmark's rows: {sum(removed.values()):,}")
	base_history = generate(**sizes, seed=seed)
	generate_picking_stock(seed=seed)
	probes = pick_probes(base_history["history"])
	base = time_traces(probes, runs=runs)
	base_reads = time_picking_and_reports(runs=runs)
	if double:
		doubled_history = generate(**sizes, seed=seed)
		doubled = time_traces(probes, runs=runs)
		doubled_reads = time_picking_and_reports(runs=runs)
		print_comparison(base, doubled, base_history, doubled_history)
		print_comparison(base_reads, doubled_reads, base_history, doubled_history)
	print(f"\nBenchmark done in {time.perf_counter() - started:.0f} s")


def time_again(history=1, runs=20):
	"""Time the same traces, picking and reports on the history already generated, without
	deleting or generating anything: for timing a change of the app's code in minutes."""
	frappe.set_user("Administrator")
	check_site()
	started = time.perf_counter()
	time_traces(pick_probes(history), runs=runs, history=history)
	time_picking_and_reports(runs=runs)
	print(f"\nTimed in {time.perf_counter() - started:.0f} s")


def generate(
	lots=100_000, work_orders=20_000, levels=5, units=50_000, deliveries=20_000, seed=1, history=None
):
	"""Add one history of the given size, with names of its own (BENCH-H<n>-...), beside any already
	generated; returns its figures."""
	frappe.set_user("Administrator")
	check_site()
	if not 1 <= levels <= MAX_LEVELS:
		frappe.throw(f"levels must be between 1 and {MAX_LEVELS}, not {levels}", exc=BenchmarkSiteError)
	history = history or next_history_number()
	started = time.perf_counter()
	ensure_masters(levels)
	writer = History(history, seed, lots, work_orders, levels, units, deliveries)
	figures = writer.write()
	frappe.db.commit()
	figures["seconds"] = time.perf_counter() - started
	for doctype in ("Lot Consumption", "Serial and Batch Bundle", "Serial and Batch Entry", "Lot", "Batch"):
		frappe.db.sql(f"analyze table `tab{doctype}`")
	figures["table_rows"] = table_rows()
	print_generation(figures)
	return figures


def clear() -> dict:
	"""Delete every generated row (any history), in chunks so no transaction grows too large."""
	check_site()
	removed = {}
	for doctype, column in GENERATED:
		pattern = f"{PREFIX}%"
		count = frappe.db.sql(f"select count(*) from `tab{doctype}` where `{column}` like %s", pattern)[0][0]
		for _chunk in range(math.ceil(count / 50_000)):
			frappe.db.sql(f"delete from `tab{doctype}` where `{column}` like %s limit 50000", pattern)
			frappe.db.commit()
		removed[doctype] = count
	return removed


def next_history_number() -> int:
	number = 1
	while frappe.db.sql("select name from `tabBatch` where name like %s limit 1", f"{PREFIX}H{number}-%"):
		number += 1
	return number


def table_rows() -> dict:
	return {doctype: frappe.db.sql(f"select count(*) from `tab{doctype}`")[0][0] for doctype in COUNTED}


# Master data, shared by every history: one catalogue of parts and products, one customer base.


def serial_levels(levels: int) -> set[int]:
	"""Finished products are serialized, and so is a module two levels below them."""
	return {levels} | ({levels - 2} if levels > 2 else set())


def raw_items() -> list[str]:
	return [f"{PREFIX}P{index:03d}" for index in range(1, RAW_ITEMS + 1)]


def wide_items() -> list[str]:
	return [f"{PREFIX}{code}" for code in WIDE_ITEMS]


def level_items(level: int, serial: bool) -> list[str]:
	return [
		f"{PREFIX}A{level}-{'U' if serial else 'L'}{index:02d}" for index in range(1, ITEMS_PER_LEVEL + 1)
	]


def customers() -> list[str]:
	return [f"{PREFIX}Customer {index:03d}" for index in range(1, CUSTOMERS + 1)]


def suppliers() -> list[str]:
	return [f"{PREFIX}Supplier {index:03d}" for index in range(1, SUPPLIERS + 1)]


def item_name(item_code: str) -> str:
	code = item_code.removeprefix(PREFIX)
	return WIDE_ITEMS.get(code, code)


def ensure_masters(levels: int):
	"""Company, warehouses, suppliers, customers and items, as raw rows: nothing reads more of them
	than their names."""
	insert_masters(
		"Company",
		["company_name", "abbr", "default_currency", "country"],
		[(COMPANY, COMPANY, "BENCH", CURRENCY, "Germany")],
	)
	insert_masters(
		"Warehouse",
		["warehouse_name", "company", "is_group"],
		[(warehouse, warehouse, COMPANY, 0) for warehouse in (STORES, FINISHED_GOODS)],
	)
	insert_masters(
		"Supplier",
		["supplier_name", "supplier_type", "supplier_group"],
		[(name, name, "Company", "BENCH-Suppliers") for name in suppliers()],
	)
	insert_masters(
		"Customer",
		["customer_name", "customer_type", "customer_group", "territory"],
		[(name, name, "Company", "BENCH-Customers", "BENCH-Territory") for name in customers()],
	)
	items = [(code, True, False) for code in raw_items() + wide_items() + [PICK_ITEM]]
	for level in range(1, levels + 1):
		serial = level in serial_levels(levels)
		items += [(code, not serial, serial) for code in level_items(level, serial)]
	insert_masters(
		"Item",
		[
			"item_code",
			"item_name",
			"item_group",
			"stock_uom",
			"is_stock_item",
			"has_batch_no",
			"has_serial_no",
			"description",
		],
		[
			(code, code, item_name(code), "BENCH-Parts", "Nos", 1, int(batch), int(serial), item_name(code))
			for code, batch, serial in items
		],
	)


def insert_masters(doctype: str, fields: list[str], rows: list[tuple]):
	existing = set(frappe.get_all(doctype, filters={"name": ("like", f"{PREFIX}%")}, pluck="name"))
	stamp = f"{HISTORY_START.isoformat()} 00:00:00"
	missing = [
		(row[0], stamp, stamp, "Administrator", "Administrator", 0, 0, *row[1:])
		for row in rows
		if row[0] not in existing
	]
	if missing:
		frappe.db.bulk_insert(doctype, STANDARD_FIELDS + fields, missing, chunk_size=CHUNK_SIZE)
		frappe.db.commit()


# One history.


class Table:
	"""Raw rows of one DocType, bulk-inserted in chunks as they accumulate."""

	def __init__(self, doctype: str, fields: list[str], docstatus: int = 0):
		self.doctype = doctype
		self.fields = STANDARD_FIELDS + fields
		self.docstatus = docstatus
		self.rows = []
		self.count = 0

	def add(self, name, day, *values, idx=0):
		stamp = f"{day} 12:00:00"
		self.rows.append((name, stamp, stamp, "Administrator", "Administrator", self.docstatus, idx, *values))
		if len(self.rows) >= 5 * CHUNK_SIZE:
			self.flush()

	def flush(self):
		if self.rows:
			frappe.db.bulk_insert(self.doctype, self.fields, self.rows, chunk_size=CHUNK_SIZE)
			frappe.db.commit()
			self.count += len(self.rows)
			self.rows = []


@dataclass(slots=True)
class LotRecord:
	name: str
	item: str
	qty: float
	unit_cost: float
	day: int
	warehouse: str
	supplier: str | None = None
	supplier_batch_code: str | None = None
	purchase_receipt: str | None = None
	work_order: str | None = None
	stock_entry: str | None = None
	parent_lot: str | None = None
	taken: float = 0.0
	uses: int = 0
	expiry_date: str | None = None

	def share_qty(self) -> float:
		"""Each build takes an equal share of nine tenths of the lot; a tenth stays on hand."""
		return round(self.qty * 0.9 / max(self.uses, 1), 6)


@dataclass(slots=True)
class UnitRecord:
	code: str
	item: str
	work_order: str
	stock_entry: str
	day: int
	warehouse: str | None
	status: str = "In Stock"
	unit_cost: float = 0.0
	customer: str | None = None
	delivery_note: str | None = None
	delivery_day: int | None = None


@dataclass(slots=True)
class WorkOrderPlan:
	level: int
	day: int
	produces_units: bool
	units: int
	raw_count: int
	sub_lines: int
	lot_inputs: Counter = field(default_factory=Counter)
	unit_inputs: list = field(default_factory=list)
	name: str | None = None
	stock_entry: str | None = None
	output: str | list | None = None


class History:
	"""Writes one history: receipts and splits, builds level by level, deliveries, and the lots,
	units and bundles they leave behind."""

	def __init__(self, number, seed, lots, work_orders, levels, units, deliveries):
		self.number = number
		self.tag = f"{PREFIX}H{number}"
		self.rng = random.Random(seed * 1_000 + number)
		self.lot_total, self.work_order_total, self.levels = lots, work_orders, levels
		self.unit_total, self.delivery_total = units, deliveries
		start = HISTORY_START + timedelta(days=(number - 1) * HISTORY_DAYS)
		self.days = [(start + timedelta(days=offset)).isoformat() for offset in range(HISTORY_DAYS + 120)]
		self.serial_levels = serial_levels(levels)
		self.lots: dict[str, LotRecord] = {}
		self.units: dict[str, UnitRecord] = {}
		self.sequence = defaultdict(int)
		self.figures = Counter()
		self.customers = customers()
		self.customer_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(self.customers))]
		self.consumption = Table(
			"Lot Consumption",
			[
				"kind",
				"consumed_lot",
				"consumed_unit",
				"consumed_item",
				"qty",
				"unit_cost",
				"amount",
				"produced_lot",
				"produced_unit",
				"produced_item",
				"work_order",
				"stock_entry",
				"produced_by",
				"company",
				"posting_date",
				"is_cancelled",
				"consumed_node",
				"produced_node",
				"voucher_type",
				"voucher_no",
			],
		)
		self.bundles = Table(
			"Serial and Batch Bundle",
			[
				"company",
				"item_code",
				"item_name",
				"has_serial_no",
				"has_batch_no",
				"warehouse",
				"type_of_transaction",
				"total_qty",
				"avg_rate",
				"total_amount",
				"voucher_type",
				"voucher_no",
				"posting_date",
				"posting_time",
				"is_cancelled",
			],
			docstatus=1,
		)
		self.entries = Table(
			"Serial and Batch Entry",
			[
				"serial_no",
				"batch_no",
				"qty",
				"warehouse",
				"incoming_rate",
				"stock_value_difference",
				"is_outward",
				"parent",
				"parentfield",
				"parenttype",
			],
			docstatus=1,
		)
		self.delivery_notes = Table(
			"Delivery Note",
			[
				"title",
				"customer",
				"customer_name",
				"posting_date",
				"posting_time",
				"company",
				"currency",
				"total_qty",
				"status",
			],
			docstatus=1,
		)
		self.batches = Table(
			"Batch",
			[
				"batch_id",
				"item",
				"item_name",
				"batch_qty",
				"stock_uom",
				"manufacturing_date",
				"expiry_date",
				"supplier",
				"reference_doctype",
				"reference_name",
				"use_batchwise_valuation",
			],
		)
		self.lot_rows = Table(
			"Lot",
			[
				"batch",
				"item",
				"item_name",
				"status",
				"company",
				"stock_owner",
				"supplier",
				"supplier_batch_code",
				"received_date",
				"purchase_receipt",
				"work_order",
				"stock_entry",
				"parent_lot",
				"manufacturing_date",
				"unit_cost",
				"currency",
				"warehouse",
			],
		)
		self.unit_rows = Table(
			"Serialized Unit",
			[
				"code",
				"code_display",
				"item_code",
				"item_name",
				"status",
				"company",
				"serial_no",
				"work_order",
				"stock_entry",
				"built_on",
				"unit_cost",
				"warehouse",
				"customer",
				"delivery_document_type",
				"delivery_document",
				"delivery_date",
			],
		)
		self.serial_nos = Table(
			"Serial No",
			[
				"serial_no",
				"item_code",
				"item_name",
				"status",
				"warehouse",
				"customer",
				"company",
				"work_order",
				"purchase_rate",
			],
		)

	def write(self) -> dict:
		started = time.perf_counter()
		orders = self.plan_work_orders()
		produced_lots = sum(1 for order in orders if not order.produces_units)
		raw_lots = self.receive(self.lot_total - produced_lots)
		self.assign_lots(orders, "raw_count", raw_lots, RAW_USES, window=400)
		self.assign_wide_lots(orders)
		outputs = []
		for level in range(1, self.levels + 1):
			level_orders = [order for order in orders if order.level == level]
			if level > 1:
				self.assign_sub_assemblies(level, level_orders, outputs)
			for order in level_orders:
				self.build(order)
			outputs = [order.output for order in level_orders]
		self.deliver(orders)
		self.write_lots_and_units()
		for table in self.tables():
			table.flush()
		self.figures["work orders"] = len(orders)
		return {
			"history": self.number,
			"tag": self.tag,
			"period": f"{self.days[0]} .. {self.days[HISTORY_DAYS - 1]}",
			"figures": dict(self.figures),
			"rows_written": {table.doctype: table.count for table in self.tables()},
			"write_seconds": time.perf_counter() - started,
		}

	def tables(self) -> list[Table]:
		return [
			self.consumption,
			self.bundles,
			self.entries,
			self.delivery_notes,
			self.batches,
			self.lot_rows,
			self.unit_rows,
			self.serial_nos,
		]

	def next_name(self, kind: str, width: int) -> str:
		self.sequence[kind] += 1
		return f"{self.tag}-{kind}-{self.sequence[kind]:0{width}d}"

	def spread(self, total: int, parts: int) -> list[int]:
		"""`total` cut into `parts` random sizes of at least one each."""
		sizes = [1] * parts
		for _extra in range(max(total - parts, 0)):
			sizes[self.rng.randrange(parts)] += 1
		return sizes

	# Work Orders: how many per level, when, and how many inputs each draws.

	def plan_work_orders(self) -> list[WorkOrderPlan]:
		orders = []
		top = self.levels
		unit_levels = sorted(self.serial_levels)
		units_at = {top: self.unit_total}
		if len(unit_levels) == 2:
			units_at = {
				top: round(self.unit_total * 0.6),
				unit_levels[0]: self.unit_total - round(self.unit_total * 0.6),
			}
		for level in range(1, top + 1):
			count = self.work_order_total // top + (1 if level <= self.work_order_total % top else 0)
			produces_units = level in self.serial_levels
			units = self.spread(units_at[level], count) if produces_units else [0] * count
			for index in range(count):
				day = 30 + 2 * level + int((index + self.rng.random()) / count * (HISTORY_DAYS - 45))
				sub_lines = 0 if level == 1 else self.rng.randint(1, 3)
				raw_count = self.rng.randint(2, 6) if level == 1 else self.rng.randint(1, 6 - sub_lines)
				orders.append(WorkOrderPlan(level, day, produces_units, units[index], raw_count, sub_lines))
		orders.sort(key=lambda order: (order.day, order.level))
		for order in orders:
			self.sequence["WO"] += 1
			order.name = f"{self.tag}-WO{order.level}-{self.sequence['WO']:05d}"
			order.stock_entry = self.next_name("SE", 5)
		return orders

	# Receipts and splits: the raw lots.

	def receive(self, raw_total: int) -> list[str]:
		"""Receive the raw lots over the period, a few per Purchase Receipt, some from a supplier's batch
		received more than once; cut pieces off some of them. Returns the lots builds draw from."""
		wide_total = len(WIDE_ITEMS) * WIDE_LOTS_PER_ITEM
		pieces_total = round(raw_total * SPLIT_SHARE)
		received_total = raw_total - pieces_total - wide_total
		if received_total < 100:
			frappe.throw(
				f"{self.lot_total} lots leave too few raw lots beside the {self.lot_total - raw_total} built",
				exc=BenchmarkSiteError,
			)
		supplier_names = suppliers()
		items = raw_items()
		received = []
		receipt = supplier = code = None
		lines_left = 0
		for index in range(received_total):
			day = int(index / received_total * (HISTORY_DAYS - 60))
			if not lines_left:
				receipt, supplier = self.next_name("PR", 6), self.rng.choice(supplier_names)
				lines_left, code = self.rng.randint(1, 8), None
			lines_left -= 1
			if not code or self.rng.random() > 0.3:
				code = f"DC{self.number}-{self.sequence['code'] + 1:06d}"
				self.sequence["code"] += 1
			lot = self.new_received_lot(
				f"{self.tag}-R{index + 1:06d}",
				self.rng.choice(items),
				self.rng.choice((100, 250, 500, 1000, 2000, 4000, 5000, 10000)),
				round(self.rng.uniform(0.002, 25), 4),
				day,
				supplier,
				code,
				receipt,
			)
			received.append(lot.name)
		for short, item in zip(WIDE_ITEMS, wide_items(), strict=True):
			receipt, supplier = self.next_name("PR", 6), self.rng.choice(supplier_names)
			for copy in range(1, WIDE_LOTS_PER_ITEM + 1):
				self.new_received_lot(
					f"{self.tag}-W-{short}-{copy}",
					item,
					1_000_000,
					0.05,
					copy,
					supplier,
					f"DC{self.number}-W-{short}",
					receipt,
				)
		self.figures["lots received"] = received_total + wide_total
		self.figures["wide lots"] = wide_total
		parents = sorted(self.rng.sample(received, max(1, pieces_total // 3)))
		pieces = []
		for parent, count in zip(parents, self.spread(pieces_total, len(parents)), strict=True):
			pieces += self.split(self.lots[parent], count)
		self.figures["lots split"] = len(parents)
		self.figures["lots cut off (split pieces)"] = len(pieces)
		split_lots = set(parents)
		drawn = [name for name in received if name not in split_lots] + pieces
		drawn.sort(key=lambda name: self.lots[name].day)
		return drawn

	def new_received_lot(self, name, item, qty, unit_cost, day, supplier, code, receipt) -> LotRecord:
		lot = LotRecord(
			name,
			item,
			qty,
			unit_cost,
			day,
			STORES,
			supplier=supplier,
			supplier_batch_code=code,
			purchase_receipt=receipt,
		)
		self.lots[name] = lot
		self.bundle("Purchase Receipt", receipt, item, STORES, day, [(None, name, qty, unit_cost)])
		return lot

	def split(self, parent: LotRecord, count: int) -> list[str]:
		"""Cut `count` pieces off a lot through a Repack marked as a split: one genealogy record each."""
		entry = self.next_name("SP", 6)
		day = min(parent.day + self.rng.randint(1, 20), len(self.days) - 1)
		qty = round(parent.qty * 0.9 / count, 6)
		pieces = []
		for index in range(1, count + 1):
			piece = LotRecord(
				f"{parent.name}-{index}",
				parent.item,
				qty,
				parent.unit_cost,
				day,
				STORES,
				supplier=parent.supplier,
				supplier_batch_code=parent.supplier_batch_code,
				purchase_receipt=parent.purchase_receipt,
				stock_entry=entry,
				parent_lot=parent.name,
			)
			self.lots[piece.name] = piece
			pieces.append(piece.name)
			self.edge("Split", parent, None, qty, piece.name, None, parent.item, None, entry, day)
			self.bundle(
				"Stock Entry", entry, parent.item, STORES, day, [(None, piece.name, qty, parent.unit_cost)]
			)
		parent.taken += qty * count
		self.bundle(
			"Stock Entry",
			entry,
			parent.item,
			STORES,
			day,
			[(None, parent.name, qty * count, parent.unit_cost)],
			outward=True,
		)
		return pieces

	# Which lots and units each build draws.

	def assign_lots(self, orders, count_field, lots, uses, window):
		"""Hand the lots to the orders in date order, each lot into a few neighbouring builds."""
		demand = sum(getattr(order, count_field) for order in orders)
		tokens = self.tokens(lots, demand, uses, window)
		position = 0
		for order in orders:
			count = getattr(order, count_field)
			order.lot_inputs.update(tokens[position : position + count])
			position += count
		for name, times in Counter(tokens).items():
			self.lots[name].uses += times

	def tokens(self, names, demand, uses, window) -> list[str]:
		values, weights = uses
		mean = sum(value * weight for value, weight in zip(values, weights, strict=True)) / sum(weights)
		factor = max(1.0, demand / (max(len(names), 1) * mean))
		tokens = []
		for name in names:
			if len(tokens) >= demand:
				break
			tokens += [name] * max(1, round(self.rng.choices(values, weights)[0] * factor))
		while len(tokens) < demand:
			tokens.append(self.rng.choice(names))
		tokens = tokens[:demand]
		for start in range(0, len(tokens), window):
			block = tokens[start : start + window]
			self.rng.shuffle(block)
			tokens[start : start + window] = block
		return tokens

	def assign_wide_lots(self, orders):
		for name in [name for name in self.lots if name.startswith(f"{self.tag}-W-")]:
			share = self.rng.uniform(*WIDE_BUILD_SHARE)
			for order in self.rng.sample(orders, max(1, round(share * len(orders)))):
				order.lot_inputs[name] += 1
				self.lots[name].uses += 1

	def assign_sub_assemblies(self, level, orders, outputs):
		"""The level below's lots go into a few builds each; its units go in whole, one module per
		product built, and some stay spare."""
		if (level - 1) not in self.serial_levels:
			demand = sum(order.sub_lines for order in orders)
			tokens = self.tokens(outputs, demand, SUB_USES, window=64)
			position = 0
			for order in orders:
				order.lot_inputs.update(tokens[position : position + order.sub_lines])
				position += order.sub_lines
			for name, uses in Counter(tokens).items():
				self.lots[name].uses += uses
			return
		pool = [code for codes in outputs for code in codes]
		mean = max(1, round(0.7 * len(pool) / max(len(orders), 1)))
		position = 0
		for order in orders:
			need = order.units if order.produces_units else self.rng.randint(1, 2 * mean - 1)
			order.unit_inputs = pool[position : position + need]
			position += need

	# Builds.

	def build(self, order: WorkOrderPlan):
		"""One Manufacture entry: a lot, or `units` serialized units, from its inputs at each input's
		own cost; the lots' share is spread evenly over the units, sub-assembly units go in whole."""
		day = order.day
		inputs = [
			(self.lots[name], self.lots[name].share_qty() * times) for name, times in order.lot_inputs.items()
		]
		cancelled = self.rng.random() < CANCELLED_SHARE
		entries = [order.stock_entry + "-C", order.stock_entry] if cancelled else [order.stock_entry]
		for lot, qty in inputs:
			lot.taken += qty
			self.bundle(
				"Stock Entry",
				order.stock_entry,
				lot.item,
				lot.warehouse,
				day,
				[(None, lot.name, qty, lot.unit_cost)],
				outward=True,
			)
		units_in = [self.units[code] for code in order.unit_inputs]
		for item, group in group_by_item(units_in).items():
			self.bundle(
				"Stock Entry",
				order.stock_entry,
				item,
				STORES,
				day,
				[(unit.code, None, 1, unit.unit_cost) for unit in group],
				outward=True,
			)
		warehouse = FINISHED_GOODS if order.level == self.levels else STORES
		if order.produces_units:
			item = self.rng.choice(level_items(order.level, True))
			built = []
			for _unit in range(order.units):
				code = self.new_unit_code()
				built.append(UnitRecord(code, item, order.name, order.stock_entry, day, warehouse))
				self.units[code] = built[-1]
			for entry in entries:
				is_cancelled = int(entry != order.stock_entry)
				for lot, qty in inputs:
					for unit in built:
						self.edge(
							"Build",
							lot,
							None,
							qty / len(built),
							None,
							unit.code,
							item,
							order,
							entry,
							day,
							is_cancelled,
						)
				for index, unit_in in enumerate(units_in):
					self.edge(
						"Build",
						None,
						unit_in,
						1,
						None,
						built[index % len(built)].code,
						item,
						order,
						entry,
						day,
						is_cancelled,
					)
			for lot, qty in inputs:
				for unit in built:
					unit.unit_cost += qty * lot.unit_cost / len(built)
			for index, unit_in in enumerate(units_in):
				built[index % len(built)].unit_cost += unit_in.unit_cost
				unit_in.status, unit_in.warehouse = "Consumed", None
			self.bundle(
				"Stock Entry",
				order.stock_entry,
				item,
				warehouse,
				day,
				[(unit.code, None, 1, unit.unit_cost) for unit in built],
			)
			order.output = [unit.code for unit in built]
			self.figures["units built"] += len(built)
			return
		item = self.rng.choice(level_items(order.level, False))
		qty = self.rng.randint(20, 200)
		cost = sum(qty_in * lot.unit_cost for lot, qty_in in inputs) + sum(
			unit.unit_cost for unit in units_in
		)
		self.sequence[f"L{order.level}"] += 1
		lot = LotRecord(
			f"{self.tag}-L{order.level}-{self.sequence[f'L{order.level}']:06d}",
			item,
			qty,
			round(cost / qty, 6),
			day,
			warehouse,
			work_order=order.name,
			stock_entry=order.stock_entry,
		)
		self.lots[lot.name] = lot
		for entry in entries:
			is_cancelled = int(entry != order.stock_entry)
			for lot_in, qty_in in inputs:
				self.edge(
					"Build", lot_in, None, qty_in, lot.name, None, item, order, entry, day, is_cancelled
				)
			for unit_in in units_in:
				self.edge("Build", None, unit_in, 1, lot.name, None, item, order, entry, day, is_cancelled)
		for unit_in in units_in:
			unit_in.status, unit_in.warehouse = "Consumed", None
		self.bundle(
			"Stock Entry", order.stock_entry, item, warehouse, day, [(None, lot.name, qty, lot.unit_cost)]
		)
		order.output = lot.name
		self.figures["lots built"] += 1

	def new_unit_code(self) -> str:
		"""A unit code as the app makes them, from the seeded generator so a run can be repeated."""
		while True:
			code = encode_unit_code(self.rng.getrandbits(RANDOM_BITS))
			if code not in self.units:
				return code

	def edge(
		self,
		kind,
		lot_in,
		unit_in,
		qty,
		produced_lot,
		produced_unit,
		produced_item,
		order,
		entry,
		day,
		is_cancelled=0,
	):
		"""One Lot Consumption record: a consumed lot or unit and what it went into."""
		consumed_lot = lot_in.name if lot_in else None
		consumed_unit = unit_in.code if unit_in else None
		item = lot_in.item if lot_in else unit_in.item
		unit_cost = lot_in.unit_cost if lot_in else unit_in.unit_cost
		self.consumption.add(
			self.next_name("LC", 7),
			self.days[day],
			kind,
			consumed_lot,
			consumed_unit,
			item,
			round(qty, 6),
			unit_cost,
			round(qty * unit_cost, 6),
			produced_lot,
			produced_unit,
			produced_item,
			order.name if order else None,
			entry,
			entry,
			COMPANY,
			self.days[day],
			is_cancelled,
			consumed_unit or consumed_lot,
			produced_unit or produced_lot,
			"Stock Entry",
			entry,
		)
		self.figures["genealogy records, cancelled" if is_cancelled else "genealogy records"] += 1

	def bundle(self, voucher_type, voucher_no, item, warehouse, day, entries, outward=False):
		"""A Serial and Batch Bundle with its entries, as ERPNext posts one per stock row:
		entries are (serial_no, batch_no, qty, rate); outward quantities are negative."""
		name = self.next_name("SBB", 7)
		sign = -1 if outward else 1
		total_qty = sign * sum(qty for _serial, _batch, qty, _rate in entries)
		total_amount = sign * sum(qty * rate for _serial, _batch, qty, rate in entries)
		serial = entries[0][0] is not None
		posting_date = self.days[day]
		self.bundles.add(
			name,
			posting_date,
			COMPANY,
			item,
			item_name(item),
			int(serial),
			int(not serial),
			warehouse,
			"Outward" if outward else "Inward",
			round(total_qty, 6),
			round(total_amount / total_qty, 6) if total_qty else 0,
			round(total_amount, 6),
			voucher_type,
			voucher_no,
			posting_date,
			"12:00:00",
			0,
		)
		for idx, (serial_no, batch_no, qty, rate) in enumerate(entries, 1):
			self.entries.add(
				self.next_name("SBE", 8),
				posting_date,
				serial_no,
				batch_no,
				round(sign * qty, 6),
				warehouse,
				rate,
				round(sign * qty * rate, 6),
				int(outward),
				name,
				"entries",
				"Serial and Batch Bundle",
				idx=idx,
			)

	# Deliveries.

	def deliver(self, orders):
		"""Ship most finished units and some spare modules, one to a few per Delivery Note, to a
		customer base where a few customers take most; when units run short, lots are shipped."""
		shipped_units = []
		for order in orders:
			if not order.produces_units:
				continue
			share = TOP_UNITS_SHIPPED if order.level == self.levels else SPARE_UNITS_SHIPPED
			shipped_units += [
				code
				for code in order.output
				if self.units[code].status == "In Stock" and self.rng.random() < share
			]
		top_lots = [
			order.output for order in orders if not order.produces_units and order.level >= self.levels - 1
		]
		notes = self.delivery_total
		groups = []
		if len(shipped_units) >= notes:
			position = 0
			for size in self.spread(len(shipped_units), notes):
				groups.append((shipped_units[position : position + size], None))
				position += size
		else:
			groups = [([code], None) for code in shipped_units]
			groups += (
				[([], top_lots[index % len(top_lots)]) for index in range(notes - len(groups))]
				if top_lots
				else []
			)
		for codes, lot_name in groups:
			units = [self.units[code] for code in codes]
			lot = self.lots[lot_name] if lot_name else None
			made = max(unit.day for unit in units) if units else lot.day
			day = min(made + self.rng.randint(1, 30), len(self.days) - 1)
			customer = self.rng.choices(self.customers, self.customer_weights)[0]
			note = self.next_name("DN", 5)
			qty = len(units)
			for item, group in group_by_item(units).items():
				warehouse = group[0].warehouse
				self.bundle(
					"Delivery Note",
					note,
					item,
					warehouse,
					day,
					[(unit.code, None, 1, unit.unit_cost) for unit in group],
					outward=True,
				)
				for unit in group:
					unit.status, unit.warehouse, unit.customer = "Delivered", None, customer
					unit.delivery_note, unit.delivery_day = note, day
			if lot:
				qty = min(max(lot.qty - lot.taken, 0), self.rng.randint(1, 10)) or 1
				lot.taken += qty
				self.bundle(
					"Delivery Note",
					note,
					lot.item,
					lot.warehouse,
					day,
					[(None, lot.name, qty, lot.unit_cost)],
					outward=True,
				)
				self.figures["lots shipped"] += 1
			self.delivery_notes.add(
				note,
				self.days[day],
				customer,
				customer,
				customer,
				self.days[day],
				"12:00:00",
				COMPANY,
				CURRENCY,
				qty,
				"Completed",
			)
			self.figures["units shipped"] += len(units)
		self.figures["delivery notes"] = len(groups)

	# What is left: lots with their stock, units with their state.

	def write_lots_and_units(self):
		for lot in self.lots.values():
			day = self.days[lot.day]
			on_hand = round(max(lot.qty - lot.taken, 0), 6)
			reference = (
				("Purchase Receipt", lot.purchase_receipt)
				if lot.purchase_receipt and not lot.parent_lot
				else ("Stock Entry", lot.stock_entry)
			)
			self.batches.add(
				lot.name,
				day,
				lot.name,
				lot.item,
				item_name(lot.item),
				on_hand,
				"Nos",
				day,
				lot.expiry_date,
				lot.supplier,
				*reference,
				1,
			)
			self.lot_rows.add(
				lot.name,
				day,
				lot.name,
				lot.item,
				item_name(lot.item),
				"Released",
				COMPANY,
				"House",
				lot.supplier,
				lot.supplier_batch_code,
				day,
				lot.purchase_receipt,
				lot.work_order,
				lot.stock_entry,
				lot.parent_lot,
				day,
				lot.unit_cost,
				CURRENCY,
				lot.warehouse,
			)
			if not lot.work_order and not lot.parent_lot and not lot.name.startswith(f"{self.tag}-W-"):
				self.figures["raw lots in no build"] += int(lot.uses == 0 and lot.taken == 0)
		serial_status = {"In Stock": "Active", "Delivered": "Delivered", "Consumed": "Consumed"}
		for unit in self.units.values():
			day = self.days[unit.day]
			delivery_date = self.days[unit.delivery_day] if unit.delivery_note else None
			self.unit_rows.add(
				unit.code,
				day,
				unit.code,
				format_code(unit.code),
				unit.item,
				item_name(unit.item),
				unit.status,
				COMPANY,
				unit.code,
				unit.work_order,
				unit.stock_entry,
				day,
				round(unit.unit_cost, 6),
				unit.warehouse,
				unit.customer,
				"Delivery Note" if unit.delivery_note else None,
				unit.delivery_note,
				delivery_date,
			)
			self.serial_nos.add(
				unit.code,
				day,
				unit.code,
				unit.item,
				item_name(unit.item),
				serial_status[unit.status],
				unit.warehouse,
				unit.customer,
				COMPANY,
				unit.work_order,
				round(unit.unit_cost, 6),
			)
			self.figures[f"units {unit.status.lower()}"] += 1
		self.figures["lots"] = len(self.lots)
		self.figures["units"] = len(self.units)


class PickingStock(History):
	"""One item with many lots in stock in one warehouse, received over two years, each expiring on
	a day of its own in the years ahead of today: what FEFO picking sorts through."""

	def write_picking_stock(self, count: int) -> int:
		today = date.today()
		for index in range(count):
			day = int(index / count * (2 * 365))
			lot = self.new_received_lot(
				f"{self.tag}-K{index + 1:05d}",
				PICK_ITEM,
				self.rng.choice((10, 20, 50, 100)),
				round(self.rng.uniform(0.5, 5), 4),
				day,
				self.rng.choice(suppliers()),
				None,
				self.next_name("PR", 6),
			)
			lot.expiry_date = (today + timedelta(days=self.rng.randint(30, 1500))).isoformat()
		self.write_lots_and_units()
		for table in self.tables():
			table.flush()
		return count


def generate_picking_stock(lots=PICK_LOTS, seed=1) -> int:
	"""Add the picking item's lots once (names BENCH-H0-K...); an earlier run's are kept."""
	check_site()
	if frappe.db.exists("Batch", f"{PREFIX}H{PICK_HISTORY}-K00001"):
		return 0
	ensure_masters(1)
	writer = PickingStock(PICK_HISTORY, seed, lots, 0, 1, 0, 0)
	written = writer.write_picking_stock(lots)
	frappe.db.commit()
	for doctype in ("Serial and Batch Bundle", "Serial and Batch Entry", "Lot", "Batch"):
		frappe.db.sql(f"analyze table `tab{doctype}`")
	return written


def group_by_item(units) -> dict:
	groups = defaultdict(list)
	for unit in units:
		groups[unit.item].append(unit)
	return groups


# Which lots and units to trace.


def pick_probes(history: int = 1, sample: int = 31) -> list[dict]:
	"""The lots and units to trace, from one history, chosen by the size of their answer as the
	genealogy queries give it: a typical one (the median of an even sample) and the widest."""
	from lot_control.genealogy import lots_inside, lots_made_from

	tag = f"{PREFIX}H{history}-"

	def forward_size(node):
		return len({row.lot for row in lots_made_from(node)}) + 1

	def backward_size(node):
		return len({row.lot for row in lots_inside(node)}) + 1

	def typical(nodes, size):
		measured = sorted((size(node), node) for node in evenly(nodes, sample))
		return measured[len(measured) // 2][1]

	def widest(nodes, size):
		return max((size(node), node) for node in nodes)[1]

	def busiest(pattern, column, limit=10):
		return frappe.db.sql_list(
			f"""select {column} from `tabLot Consumption` where {column} like %s and is_cancelled = 0
			group by {column} order by count(*) desc, {column} limit {limit}""",
			pattern,
		)

	used_lots = frappe.db.sql_list(
		"""select distinct consumed_node from `tabLot Consumption`
		where consumed_node like %s and kind = 'Build' and is_cancelled = 0 order by consumed_node""",
		f"{tag}R%",
	)
	wide_lots = frappe.db.sql_list("select name from `tabLot` where name like %s order by name", f"{tag}W-%")
	if not used_lots:
		frappe.throw(f"No history {history} to trace: generate() first", exc=BenchmarkSiteError)
	typical_lot = typical(used_lots, forward_size)
	widest_lot = widest(wide_lots + busiest(f"{tag}R%", "consumed_node"), forward_size)
	probes = [
		probe("forward", "lot, typical", lot=typical_lot),
		probe("forward", "lot, widest", lot=widest_lot),
	]
	for label, lot in (("typical", typical_lot), ("widest", widest_lot)):
		supplier, code = frappe.db.get_value("Lot", lot, ["supplier", "supplier_batch_code"])
		probes.append(
			probe("forward", f"supplier batch code, {label}", supplier=supplier, supplier_batch_code=code)
		)

	top_units = frappe.db.sql_list(
		"""select name from `tabSerialized Unit` where work_order like %s order by work_order desc limit 1""",
		f"{tag}WO%",
	)
	if top_units:
		top_work_orders = frappe.db.get_value("Serialized Unit", top_units[0], "work_order")
		level = top_work_orders.removeprefix(tag).split("-")[0]
		units = frappe.db.sql_list(
			"select name from `tabSerialized Unit` where work_order like %s order by name", f"{tag}{level}-%"
		)
		widest_candidates = frappe.db.sql_list(
			"""select produced_unit from `tabLot Consumption` where work_order like %s and is_cancelled = 0
			and produced_unit is not null group by produced_unit order by count(*) desc, produced_unit limit 10""",
			f"{tag}{level}-%",
		)
		probes.append(probe("backward", "unit, typical", unit=typical(units, backward_size)))
		probes.append(
			probe(
				"backward",
				"unit, widest",
				unit=widest(widest_candidates + evenly(units, sample), backward_size),
			)
		)
	top_lot = frappe.db.sql_list(
		"select name from `tabLot` where name like %s order by name desc limit 1", f"{tag}L%"
	)
	if top_lot:
		level_prefix = top_lot[0].rsplit("-", 1)[0] + "-"
		built_lots = frappe.db.sql_list(
			"select name from `tabLot` where name like %s order by name", f"{level_prefix}%"
		)
		probes.append(probe("backward", "lot, typical", lot=typical(built_lots, backward_size)))
		candidates = busiest(f"{level_prefix}%", "produced_node") + evenly(built_lots, sample)
		probes.append(probe("backward", "lot, widest", lot=widest(candidates, backward_size)))
	return probes


def probe(direction: str, label: str, **kwargs) -> dict:
	return {"direction": direction, "label": f"{direction} {label}", "kwargs": kwargs}


def evenly(names: list, count: int) -> list:
	if len(names) <= count:
		return list(names)
	step = len(names) / count
	return [names[int(index * step)] for index in range(count)]


# Timing.


def time_traces(probes=None, runs=20, history=1, budget_seconds=30.0) -> list[dict]:
	"""Time each probe: one first call, then up to `runs` calls (at least 3, within the budget);
	median and 95th percentile in milliseconds, with the size of the answer."""
	frappe.set_user("Administrator")
	probes = probes or pick_probes(history)
	implementation, traces = tracer()
	figures = []
	for each in probes:
		trace = traces[each["direction"]]
		started = time.perf_counter()
		answer = trace(**each["kwargs"])
		first_ms = (time.perf_counter() - started) * 1000
		# Sizes taken, the answer let go before the timed calls: a web worker answers one request
		# at a time and holds nothing of the last (kept, a wide answer slowed the next calls ~15 %).
		nodes, lists = answer_size(answer), other_lists(answer)
		del answer
		timings = []
		deadline = time.perf_counter() + budget_seconds
		while len(timings) < runs and (len(timings) < 3 or time.perf_counter() < deadline):
			started = time.perf_counter()
			trace(**each["kwargs"])
			timings.append((time.perf_counter() - started) * 1000)
		before = handler_reads()
		trace(**each["kwargs"])
		rows_read = handler_reads() - before
		figures.append(
			{
				**each,
				"nodes": nodes,
				"other_lists": lists,
				"first_ms": first_ms,
				"median_ms": statistics.median(timings),
				"p95_ms": percentile(timings, 95),
				"runs": len(timings),
				"rows_read": rows_read,
			}
		)
	print_traces(figures, implementation)
	return figures


def time_picking_and_reports(runs=20, budget_seconds=30.0) -> list[dict]:
	"""Time FEFO picking of one row of the item with PICK_LOTS lots in stock (what a delivery or build
	row naming no lot runs at submit), and the Usable Stock, Expiring Lots and Lot Inventory Value
	reports over the whole company, in the same figures as the traces."""
	from lot_control import picking, usage

	frappe.set_user("Administrator")
	strict = usage.strict_expiry_enabled()
	policy = picking.PickPolicy(on_date=date.today(), allowed_owners=frozenset({None}), strict_expiry=strict)

	def pick_one_row(qty):
		result = usage.pick_in_pages(PICK_ITEM, STORES, qty, policy)
		if result.shortfall:
			frappe.throw(f"picking {qty} of {PICK_ITEM} fell short by {result.shortfall}", exc=BenchmarkSiteError)
		return {"nodes": [allocation.lot for allocation in result.allocations]}

	def report(name, **filters):
		module = frappe.get_module(
			f"lot_control.lot_control.report.{frappe.scrub(name)}.{frappe.scrub(name)}"
		)
		return lambda: {"nodes": module.execute({"company": COMPANY, **filters})[1]}

	checks = [
		("picking FEFO, 1 row, 1 lot", f"{PICK_ITEM} in {STORES}", lambda: pick_one_row(5)),
		("picking FEFO, 1 row, ~20 lots", f"{PICK_ITEM} in {STORES}", lambda: pick_one_row(1000)),
		("report Usable Stock", COMPANY, report("Usable Stock")),
		("report Expiring Lots", COMPANY, report("Expiring Lots", days=90)),
		("report Lot Inventory Value", COMPANY, report("Lot Inventory Value")),
	]
	figures = []
	for label, described, call in checks:
		started = time.perf_counter()
		answer = call()
		first_ms = (time.perf_counter() - started) * 1000
		nodes = answer_size(answer)
		del answer
		timings = []
		deadline = time.perf_counter() + budget_seconds
		while len(timings) < runs and (len(timings) < 3 or time.perf_counter() < deadline):
			started = time.perf_counter()
			call()
			timings.append((time.perf_counter() - started) * 1000)
		before = handler_reads()
		call()
		rows_read = handler_reads() - before
		figures.append(
			{
				"label": label,
				"kwargs": {"on": described},
				"nodes": nodes,
				"other_lists": "",
				"first_ms": first_ms,
				"median_ms": statistics.median(timings),
				"p95_ms": percentile(timings, 95),
				"runs": len(timings),
				"rows_read": rows_read,
			}
		)
	print_traces(figures, "lot_control (picking: usage.pick_in_pages, as a submit picks; reports: execute)")
	return figures


def handler_reads() -> int:
	"""Rows MariaDB read so far, through any index or scan, by every connection: a wide trace reads
	its units on a second one (lot_control.packed_rows.ReadsAlongside). The work a trace does,
	whatever else the machine is doing meanwhile, as long as nothing else uses this MariaDB (the
	benchmark's bench runs no workers)."""
	return sum(int(value) for _name, value in frappe.db.sql("show global status like 'Handler_read%%'"))


def tracer():
	"""The app's traces when they exist, else the genealogy queries they are built on."""
	try:
		from lot_control.api import trace_backward, trace_forward
	except ImportError:
		return "lot_control.genealogy (lot_control.api has no traces)", {
			"forward": genealogy_forward,
			"backward": genealogy_backward,
		}
	return "lot_control.api", {"forward": trace_forward, "backward": trace_backward}


def genealogy_forward(lot=None, supplier=None, supplier_batch_code=None) -> dict:
	from lot_control.genealogy import lots_made_from

	roots = (
		[lot]
		if lot
		else frappe.get_all(
			"Lot", filters={"supplier": supplier, "supplier_batch_code": supplier_batch_code}, pluck="name"
		)
	)
	nodes = set(roots)
	for root in roots:
		nodes.update(row.lot for row in lots_made_from(root))
	return {"nodes": sorted(nodes)}


def genealogy_backward(lot=None, unit=None) -> dict:
	from lot_control.genealogy import lots_inside

	root = unit or lot
	return {"nodes": sorted({root} | {row.lot for row in lots_inside(root)})}


def answer_size(answer) -> int:
	if isinstance(answer, dict):
		return len(answer.get("nodes") or [])
	return len(answer or [])


def other_lists(answer) -> str:
	if not isinstance(answer, dict):
		return ""
	return ", ".join(
		f"{key} {len(value)}"
		for key, value in answer.items()
		if key != "nodes" and isinstance(value, list | tuple)
	)


def percentile(timings: list[float], percent: float) -> float:
	ordered = sorted(timings)
	return ordered[max(math.ceil(percent / 100 * len(ordered)) - 1, 0)]


# Printing.


def print_generation(figures: dict):
	print()
	print(
		f"History {figures['history']} ({figures['tag']}-..., {figures['period']}) generated in {figures['seconds']:.1f} s"
	)
	for key, value in sorted(figures["figures"].items()):
		print(f"  {key:<34}{value:>12,}")
	print("  rows written:")
	for doctype, count in figures["rows_written"].items():
		print(f"    {doctype:<32}{count:>12,}")
	print("  rows now in the site's tables:")
	for doctype, count in figures["table_rows"].items():
		print(f"    {doctype:<32}{count:>12,}")


def describe(each: dict) -> str:
	return " / ".join(str(value) for value in each["kwargs"].values())


def print_traces(figures: list[dict], implementation: str):
	load = " ".join(f"{value:.2f}" for value in os.getloadavg())
	print()
	print(f"Traces by {implementation}; times in ms; rows read by MariaDB in one call; load average {load}")
	print(
		f"  {'trace':<38}{'probe':<40}{'nodes':>8}{'rows read':>11}{'first':>9}{'median':>9}{'p95':>9}{'runs':>6}"
		"  other lists in the answer"
	)
	for each in figures:
		print(
			f"  {each['label']:<38}{describe(each):<40}{each['nodes']:>8,}{each['rows_read']:>11,}{each['first_ms']:>9.1f}"
			f"{each['median_ms']:>9.1f}{each['p95_ms']:>9.1f}{each['runs']:>6}  {each['other_lists']}"
		)


def print_comparison(base: list[dict], doubled: list[dict], base_history: dict, doubled_history: dict):
	rows = base_history["table_rows"], doubled_history["table_rows"]
	print()
	print(
		"Same probes, before and after doubling the history "
		f"(Lot Consumption rows {rows[0]['Lot Consumption']:,} -> {rows[1]['Lot Consumption']:,}, "
		f"Serial and Batch Entry rows {rows[0]['Serial and Batch Entry']:,} -> {rows[1]['Serial and Batch Entry']:,}); ms"
	)
	columns = f"{'nodes':>8}{'rows read':>11}{'median':>9}{'p95':>9}"
	print(f"  {'':<38}{'base history':>37}   |{'doubled history':>37}   |{'doubled / base':>19}")
	print(f"  {'trace':<38}{columns}   |{columns}   |{'ratio rows':>11}{'median':>8}")
	for before, after in zip(base, doubled, strict=True):
		print(
			f"  {before['label']:<38}{figures_of(before)}   |{figures_of(after)}   |"
			f"{ratio(after['rows_read'], before['rows_read']):>11.2f}{ratio(after['median_ms'], before['median_ms']):>8.2f}"
		)


def ratio(after: float, before: float) -> float:
	return after / before if before else float("nan")


def figures_of(each: dict) -> str:
	return f"{each['nodes']:>8,}{each['rows_read']:>11,}{each['median_ms']:>9.1f}{each['p95_ms']:>9.1f}"
