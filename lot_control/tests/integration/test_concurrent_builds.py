"""Four production stations submit Manufacture entries at the same moment, each from its own lots of
the same components into the same finished goods warehouse. On submit each first takes the Bins it
moves and then its lots, in one order (lot_control.submit_locks): while one station holds them the
others queue at that first step, before ERPNext has locked or written anything for them.

The documents are prepared and committed first, then submitted from four real database
connections; this test therefore leaves its (uniquely named) records behind."""

import os
import threading
import time
from collections import defaultdict

import frappe

from lot_control import submit_locks
from lot_control.exceptions import StockRecordBusyError
from lot_control.stock_queries import get_lot_on_hand
from lot_control.tests.integration.conftest import BENCH, SITE
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_purchase_receipt,
	make_user,
	make_warehouse,
	receipt_line,
)

STATIONS = 4
COMPONENTS = 3


def draft_build(world, lots_by_item: dict, finished_item: str, finished_goods: str) -> str:
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Manufacture",
			"purpose": "Manufacture",
			"company": world.company.name,
			"items": [
				*(
					{"item_code": item, "qty": 2, "s_warehouse": world.warehouse, "batch_no": lot, "use_serial_batch_fields": 1}
					for item, lot in lots_by_item.items()
				),
				{"item_code": finished_item, "qty": 1, "t_warehouse": finished_goods, "is_finished_item": 1},
			],
		}
	)
	entry.insert()
	return entry.name


def in_own_connection(user, work, outcomes, key, lock_wait_seconds=None):
	frappe.init(site=SITE, sites_path=os.path.join(BENCH, "sites"))
	frappe.connect()
	frappe.flags.in_test = True
	frappe.set_user(user)
	try:
		if lock_wait_seconds:
			frappe.db.sql(f"set session innodb_lock_wait_timeout = {int(lock_wait_seconds)}")
		outcomes[key] = work()
		frappe.db.commit()
	except Exception as refusal:
		frappe.db.rollback()
		outcomes[key] = refusal
	finally:
		frappe.destroy()


def submit(name):
	frappe.get_doc("Stock Entry", name).submit()
	return "submitted"


def run_in_connections(user, works: dict, lock_wait_seconds=None) -> dict:
	outcomes = {}
	threads = [
		threading.Thread(target=in_own_connection, args=(user, work, outcomes, key, lock_wait_seconds))
		for key, work in works.items()
	]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join(timeout=300)
	return outcomes


def test_builds_from_different_lots_queue_at_their_first_step_with_nothing_written():
	world = lot_fixture_world()
	finished_goods = make_warehouse(world.company)
	components = [make_item() for _component in range(COMPONENTS)]
	finished_item = make_item()
	builder = make_user("Stock User", "Manufacturing User")
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[receipt_line(item, 2, 3, world.warehouse) for item in components for _station in range(STATIONS)],
	)
	lots = defaultdict(list)
	for row in receipt.items:
		lots[row.item_code].append(row.batch_no)
	frappe.set_user(builder)
	drafts = [
		draft_build(world, {item: lots[item][station] for item in components}, finished_item, finished_goods)
		for station in range(STATIONS)
	]
	frappe.set_user("Administrator")
	frappe.db.commit()

	# The first station has taken its Bins and lots and is still posting; the other three queue at
	# their first step and, told to wait only a moment, give up there with nothing written.
	holding, release = threading.Event(), threading.Event()

	def hold_first_station():
		doc = frappe.get_doc("Stock Entry", drafts[0])
		submit_locks.lock_bins(doc)
		submit_locks.lock_lots_of(doc)
		holding.set()
		release.wait(timeout=120)
		frappe.db.rollback()
		return "held"

	first = threading.Thread(target=in_own_connection, args=(builder, hold_first_station, {}, "first"))
	first.start()
	assert holding.wait(timeout=60)
	try:
		queued = run_in_connections(builder, {name: lambda name=name: submit(name) for name in drafts[1:]}, lock_wait_seconds=3)
	finally:
		release.set()
		first.join(timeout=120)
	assert set(queued) == set(drafts[1:])
	for name, outcome in queued.items():
		assert isinstance(outcome, frappe.QueryTimeoutError), (name, outcome)
		assert "lock_bins" in "".join(frame.name for frame in _frames(outcome)), outcome
	frappe.db.rollback()
	assert frappe.db.count("Stock Ledger Entry", {"voucher_no": ("in", drafts)}) == 0

	# Once the first lets go, each station's submit goes through whole.
	for name in drafts:
		outcome = run_in_connections(builder, {name: lambda name=name: submit(name)})[name]
		assert outcome == "submitted", outcome
	frappe.db.rollback()
	assert all(get_lot_on_hand(lot) == 0 for item_lots in lots.values() for lot in item_lots)
	produced = frappe.get_all(
		"Lot Consumption", filters={"stock_entry": ("in", drafts), "is_cancelled": 0}, fields=["stock_entry", "produced_lot"]
	)
	assert {row.stock_entry for row in produced} == set(drafts)
	assert len({row.produced_lot for row in produced}) == STATIONS


def _frames(error):
	import traceback

	return traceback.extract_tb(error.__traceback__)


def test_two_stations_stocking_a_new_item_at_once_the_second_is_told_to_submit_again():
	"""The first build of a new item into a warehouse makes its Bin. Two stations doing so at the
	same moment: the second waits for the first, then cannot see its Bin (its snapshot is older)
	and ERPNext's posting would fail with "Bin not found". It is refused up front, with nothing
	written, and goes through when submitted again."""
	world = lot_fixture_world()
	finished_goods = make_warehouse(world.company)
	component = make_item()
	finished_item = make_item()
	builder = make_user("Stock User", "Manufacturing User")
	receipt = make_purchase_receipt(
		world.company, world.supplier, [receipt_line(component, 2, 3, world.warehouse) for _station in range(2)]
	)
	lots = [row.batch_no for row in receipt.items]
	frappe.set_user(builder)
	drafts = [draft_build(world, {component: lot}, finished_item, finished_goods) for lot in lots]
	frappe.set_user("Administrator")
	frappe.db.commit()
	assert not frappe.db.exists("Bin", {"item_code": finished_item, "warehouse": finished_goods})

	holding, release = threading.Event(), threading.Event()

	def first_station_makes_the_bin():
		submit_locks.lock_bins(frappe.get_doc("Stock Entry", drafts[0]))
		holding.set()
		release.wait(timeout=120)
		return "made the Bin"

	first_outcome = {}
	first = threading.Thread(target=in_own_connection, args=(builder, first_station_makes_the_bin, first_outcome, "first"))
	first.start()
	assert holding.wait(timeout=60)
	# The second station has read its document (its snapshot is taken) and is making the same Bin.
	making_bin, make_missing_bins = threading.Event(), submit_locks.make_missing_bins

	def second_station_makes_the_bin(places):
		making_bin.set()
		return make_missing_bins(places)

	second_outcome = {}
	second = threading.Thread(target=in_own_connection, args=(builder, lambda: submit(drafts[1]), second_outcome, "second"))
	submit_locks.make_missing_bins = second_station_makes_the_bin
	try:
		second.start()
		assert making_bin.wait(timeout=60), "the second station never came to make the Bin"
		time.sleep(1)
	finally:
		submit_locks.make_missing_bins = make_missing_bins
		release.set()
		first.join(timeout=120)
		second.join(timeout=120)
	assert first_outcome == {"first": "made the Bin"}
	refusal = second_outcome["second"]
	assert isinstance(refusal, StockRecordBusyError), refusal
	assert finished_item in str(refusal) and finished_goods in str(refusal) and "submit again" in str(refusal)
	frappe.db.rollback()
	assert frappe.db.count("Stock Ledger Entry", {"voucher_no": drafts[1]}) == 0
	assert frappe.db.get_value("Stock Entry", drafts[1], "docstatus") == 0

	for name in drafts:
		outcome = run_in_connections(builder, {name: lambda name=name: submit(name)})[name]
		assert outcome == "submitted", outcome
	frappe.db.rollback()
	assert frappe.db.get_value("Bin", {"item_code": finished_item, "warehouse": finished_goods}, "actual_qty") == 2

