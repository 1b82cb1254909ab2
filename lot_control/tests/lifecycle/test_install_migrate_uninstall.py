"""An ERPNext user with stock and documents installs, migrates and uninstalls the app."""

import os
import subprocess
import sys

import frappe

from lot_control.tests.integration.conftest import BENCH, SITE
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_material_issue,
	make_purchase_receipt,
	receipt_line,
)
from lot_control.tests.lifecycle.conftest import connect


def frappe_cli(*args):
	"""Run a bench site command the way `bench --site S ...` does, with this connection's
	transaction closed so it holds no table locks the command would wait for."""
	frappe.db.commit()
	result = subprocess.run(
		[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", "--site", SITE, *args],
		cwd=os.path.join(BENCH, "sites"),
		capture_output=True,
		text=True,
	)
	assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def reconnect():
	frappe.db.commit()
	frappe.destroy()
	connect()


def lot_fields_on_receipt_items():
	return frappe.get_all(
		"Custom Field", filters={"dt": "Purchase Receipt Item", "fieldname": ("like", "lot%")}, pluck="fieldname"
	)


def test_install_migrate_and_uninstall_on_a_site_with_stock():
	world = lot_fixture_world()
	item = make_item()
	before = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 9, 2, world.warehouse)])
	lot = before.items[0].batch_no
	frappe.db.commit()

	frappe_cli("migrate", "--skip-search-index")
	reconnect()
	assert frappe.db.get_value("Lot", lot, "purchase_receipt") == before.name
	assert "lot_number" in lot_fields_on_receipt_items()

	frappe_cli("uninstall-app", "lot_control", "--yes", "--no-backup", "--force")
	reconnect()
	assert "lot_control" not in frappe.get_installed_apps()
	assert lot_fields_on_receipt_items() == []
	assert not frappe.db.table_exists("Lot")

	# ERPNext works on as before: its batches and stock are untouched, new receipts and issues post.
	assert frappe.db.get_value("Batch", lot, "item") == item
	hand_made = frappe.get_doc({"doctype": "Batch", "batch_id": f"{lot}-AFTER", "item": item}).insert()
	after = make_purchase_receipt(
		world.company, world.supplier, [receipt_line(item, 3, 2, world.warehouse, batch_no=hand_made.name)]
	)
	assert after.docstatus == 1
	make_material_issue(world.company, item, world.warehouse, 4, lot)
	frappe.db.commit()

	frappe_cli("install-app", "lot_control")
	frappe_cli("migrate", "--skip-search-index")
	reconnect()
	assert "lot_control" in frappe.get_installed_apps()
	assert "lot_number" in lot_fields_on_receipt_items()
	again = make_purchase_receipt(world.company, world.supplier, [receipt_line(item, 1, 2, world.warehouse)])
	assert frappe.db.get_value("Lot", again.items[0].batch_no, "purchase_receipt") == again.name
	frappe.db.commit()
