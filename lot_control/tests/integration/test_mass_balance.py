"""A reel of chips lives a full life: received, part of it built into boards, a piece cut off, some
scrapped, some sent back to the supplier, some shipped, a count that finds two short. The quality
manager opens a recall and the balance shows every movement, the count on its own line and
nothing unaccounted; a mock recall (a drill) traces and balances the same but holds nothing and
prints its report; every decision on a recall is on the record and stays as written."""

import functools
import os
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import frappe
import pytest
from erpnext.controllers.sales_and_purchase_return import make_return_doc
from frappe.utils import flt, get_datetime

from lot_control import mass_balance as mb
from lot_control.exceptions import HistoryTamperedError, MockRecallHoldsNothingError
from lot_control.lot_splitting import split_lot
from lot_control.stock_queries import get_lot_on_hand
from lot_control.tests.integration.factories import (
	make_customer,
	make_delivery_note,
	make_item,
	make_material_issue,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	work_order_entry,
)
from lot_control.tests.integration.test_opening_stock import count_stock


@pytest.fixture
def quality_manager():
	"""Runs recalls: holds and releases stock, and sees the customers to contact."""
	return make_user("Lot Quality Manager", "Stock Manager", "Stock User", "Sales User", "Accounts User")


@pytest.fixture
def reel_life(shop):
	"""Receipt 100; build 3 boards of 2 chips (6); split 10 into a child; scrap 5; return 4 to the
	supplier; ship 20; a count finds 2 short."""
	chip, board = make_item(), make_item()
	reel = f"REEL-{frappe.generate_hash(length=6).upper()}"
	receipt = make_purchase_receipt(shop.company, shop.supplier, [receipt_line(chip, 100, 1.0, shop.stores, lot_number=reel)])

	work_order = make_work_order(shop.company, board, {chip: 2}, 3, shop.stores, skip_transfer=1)
	build = work_order_entry(work_order, "Manufacture", 3, batch_no=reel, use_serial_batch_fields=1)
	build.insert()
	build.submit()
	board_lot = next(row.batch_no for row in frappe.get_doc("Stock Entry", build.name).items if row.item_code == board)

	cut = split_lot(reel, 10, shop.stores)["lot"]
	scrap = make_material_issue(shop.company, chip, shop.stores, 5, reel)

	supplier_return = make_return_doc("Purchase Receipt", receipt.name)
	supplier_return.items[0].qty = -4
	supplier_return.items[0].received_qty = -4
	supplier_return.insert()
	supplier_return.submit()

	customer = make_customer()
	delivery = make_delivery_note(
		shop.company, customer, [{"item_code": chip, "qty": 20, "rate": 5, "warehouse": shop.stores, "batch_no": reel, "use_serial_batch_fields": 1}]
	)
	assert get_lot_on_hand(reel) == 55
	count = count_stock(shop, [{"item_code": chip, "qty": 53, "valuation_rate": 1, "batch_no": reel}])
	return frappe._dict(
		chip=chip, board=board, reel=reel, cut=cut, board_lot=board_lot, receipt=receipt, work_order=work_order, scrap=scrap,
		supplier_return=supplier_return, customer=customer, delivery=delivery, count=count,
	)


@pytest.fixture
def site_web_server():
	"""The site's assets served over HTTP, as nginx serves them in production: wkhtmltopdf fetches
	the print stylesheet from the site's URL while it renders the PDF."""
	handler = functools.partial(QuietFiles, directory=os.path.abspath(frappe.local.sites_path))
	server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
	thread = threading.Thread(target=server.serve_forever, daemon=True)
	thread.start()
	host_name = frappe.local.conf.get("host_name")
	frappe.local.conf.host_name = f"http://127.0.0.1:{server.server_address[1]}"
	yield
	frappe.local.conf.host_name = host_name
	server.shutdown()
	server.server_close()


class QuietFiles(SimpleHTTPRequestHandler):
	"""Serves /assets/ only (never the site folders beside it), without logging each request."""

	def send_head(self):
		if not self.path.startswith("/assets/") or ".." in self.path:
			self.send_error(404)
			return None
		return super().send_head()

	def log_message(self, *args):
		pass


def open_recall(reel, **values):
	return frappe.get_doc({"doctype": "Recall", "reason": "Supplier reports contaminated reel", "suspect_lots": [{"lot": reel}], **values}).insert()


def balance_of(recall, lot):
	return [(row.movement, row.detail or None, flt(row.qty, 6), row.flagged) for row in recall.mass_balance if row.lot == lot]


def test_the_balance_shows_every_movement_the_count_on_its_own_line_and_nothing_unaccounted(shop, reel_life, quality_manager):
	life = reel_life
	frappe.set_user(quality_manager)
	recall = open_recall(life.reel)

	supplier_name = frappe.db.get_value("Supplier", shop.supplier, "supplier_name")
	customer_name = frappe.db.get_value("Customer", life.customer, "customer_name")
	status = frappe.db.get_value("Lot", life.reel, "status")
	assert balance_of(recall, life.reel) == [
		(mb.RECEIVED, supplier_name, 100, 0),
		(mb.CONSUMED, life.work_order.name, 6, 0),
		(mb.SPLIT_INTO, life.cut, 10, 0),
		(mb.SHIPPED, customer_name, 20, 0),
		(mb.WRITTEN_OFF, "Material Issue", 5, 0),
		(mb.RETURNED_TO_SUPPLIER, supplier_name, 4, 0),
		(mb.STOCK_COUNT, shop.stores, -2, 0),
		(mb.ON_HAND, f"{shop.stores} ({status})", 53, 0),
		(mb.UNACCOUNTED, None, 0, 0),
	]
	documents = {row.movement: row.documents for row in recall.mass_balance if row.lot == life.reel}
	assert documents[mb.STOCK_COUNT] == life.count.name
	assert documents[mb.RETURNED_TO_SUPPLIER] == life.supplier_return.name
	assert documents[mb.SHIPPED] == life.delivery.name
	assert documents[mb.WRITTEN_OFF] == life.scrap.name

	# The cut piece's own balance follows the reel's; the boards built from it are balanced too.
	lots_in_order = list(dict.fromkeys(row.lot for row in recall.mass_balance))
	assert lots_in_order[:2] == [life.reel, life.cut]
	assert balance_of(recall, life.cut) == [
		(mb.SPLIT_FROM, life.reel, 10, 0),
		(mb.ON_HAND, f"{shop.stores} ({status})", 10, 0),
		(mb.UNACCOUNTED, None, 0, 0),
	]
	assert balance_of(recall, life.board_lot)[0] == (mb.PRODUCED, life.work_order.name, 3, 0)
	assert recall.unaccounted_lots == 0

	# How long the answer took, from opening the recall to the complete trace and balance.
	assert 0 <= recall.trace_seconds < 60
	assert get_datetime(recall.traced_on) >= get_datetime(recall.creation)
	(opened,) = recall.events
	assert (opened.event, opened.changed_by) == ("Opened", quality_manager)
	assert frappe.db.get_value("Recall Event", opened.name, "reference_name") == recall.name


def test_the_balance_is_frozen_with_the_trace(shop, reel_life, quality_manager):
	frappe.set_user(quality_manager)
	recall = open_recall(reel_life.reel)
	recall.mass_balance[0].qty = 90
	with pytest.raises(frappe.ValidationError, match="frozen"):
		recall.save()


def test_a_mock_recall_traces_and_balances_holds_nothing_and_prints_its_report(shop, reel_life, quality_manager, site_web_server):
	life = reel_life
	frappe.set_user(quality_manager)
	drill = open_recall(life.reel, is_mock_recall=1, reason="Quarterly mock recall (SQF 2.6.3)")

	assert drill.lots_affected >= 3 and drill.customers_affected == 1
	assert balance_of(drill, life.reel)[-1] == (mb.UNACCOUNTED, None, 0, 0)
	with pytest.raises(MockRecallHoldsNothingError, match="drill"):
		drill.hold_affected_stock()
	assert frappe.db.get_value("Lot", life.reel, "status") == "Released"
	assert not any(row.held for row in frappe.get_doc("Recall", drill.name).affected_stock)

	html = frappe.get_print("Recall", drill.name, "Recall Report")
	for expected in ("Mock Recall Report", life.reel, life.cut, life.board_lot, life.work_order.name, "Mass Balance", "Unaccounted", "Trace took"):
		assert expected in html, expected
	pdf = frappe.get_print("Recall", drill.name, "Recall Report", as_pdf=True)
	assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF")


def test_every_decision_on_a_recall_is_recorded_and_stays_as_written(shop, reel_life, quality_manager):
	life = reel_life
	frappe.db.set_single_value("Lot Control Settings", "require_electronic_signatures", 0)
	frappe.set_user(quality_manager)
	recall = open_recall(life.reel)

	held = recall.hold_affected_stock()
	assert life.reel in held
	recall.reload()
	recall.status = "Closed"
	recall.save()
	recall.reload()

	events = [(row.event, row.from_status, row.to_status, row.changed_by) for row in recall.events]
	assert events == [
		("Opened", None, "Open", quality_manager),
		("Stock Held", "Open", "Contained", quality_manager),
		("Closed", "Contained", "Closed", quality_manager),
		("Stock Released", None, "Closed", quality_manager),
	]
	assert life.reel in recall.events[1].reason and life.reel in recall.events[3].reason
	assert frappe.db.get_value("Lot", life.reel, "status") == "Released"

	# No one rewrites the record: not the desk form, not REST (frappe.client.save), not a row on its own.
	recall.events[0].reason = "Nothing happened"
	with pytest.raises(HistoryTamperedError):
		recall.save()
	recall.reload()
	recall.set("events", recall.events[1:])
	with pytest.raises(HistoryTamperedError):
		recall.save()
	frappe.set_user("Administrator")
	payload = frappe.get_doc("Recall", recall.name).as_dict()
	payload["events"].append({"event": "Closed", "reason": "forged", "changed_by": "Administrator"})
	with pytest.raises(HistoryTamperedError):
		frappe.client.save(payload)
	with pytest.raises(HistoryTamperedError):
		frappe.get_doc(
			{"doctype": "Recall Event", "parenttype": "Recall", "parentfield": "events", "parent": recall.name, "event": "Closed"}
		).insert()
	with pytest.raises(HistoryTamperedError):
		frappe.delete_doc("Recall Event", recall.events[0].name)


def test_a_status_set_on_the_form_is_recorded_with_who_and_from_what(shop, reel_life, quality_manager):
	frappe.set_user(quality_manager)
	recall = open_recall(reel_life.reel)
	recall.status = "Contained"
	recall.save()
	last = recall.events[-1]
	assert (last.event, last.from_status, last.to_status, last.changed_by) == ("Status Change", "Open", "Contained", quality_manager)


def test_a_stock_manager_who_may_not_read_sales_sees_the_quantities_shipped_but_not_to_whom(shop, reel_life):
	frappe.set_user(make_user("Stock Manager", "Stock User"))
	recall = open_recall(reel_life.reel)
	shipped = [row for row in recall.mass_balance if row.lot == reel_life.reel and row.movement == mb.SHIPPED]
	assert [(row.detail, flt(row.qty)) for row in shipped] == [("(restricted)", 20)]
	customer_name = frappe.db.get_value("Customer", reel_life.customer, "customer_name")
	assert not any(customer_name in (row.detail or "") for row in recall.mass_balance)
	assert next(row for row in recall.mass_balance if row.lot == reel_life.reel and row.movement == mb.UNACCOUNTED).qty == 0
