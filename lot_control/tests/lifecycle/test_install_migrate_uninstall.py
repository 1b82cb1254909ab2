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

# A site made for the first-install test, on the same bench, dropped again afterwards.
FRESH_SITE = os.environ.get("LOT_CONTROL_FRESH_SITE", "lc-first-install.localhost")
DB_ROOT_USER = os.environ.get("LOT_CONTROL_DB_ROOT_USER", "root")
DB_ROOT_PASSWORD = os.environ.get("LOT_CONTROL_DB_ROOT_PASSWORD", "")


def frappe_cli(*args, site=SITE, check=True, stdin=None):
	"""Run a bench command the way `bench --site S ...` does, with this connection's
	transaction closed so it holds no table locks the command would wait for."""
	frappe.db.commit()
	site_args = ["--site", site] if site else []
	result = subprocess.run(
		[sys.executable, "-m", "frappe.utils.bench_helper", "frappe", *site_args, *args],
		cwd=os.path.join(BENCH, "sites"),
		capture_output=True,
		text=True,
		input=stdin,
	)
	if check:
		assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
	return result


def drop_fresh_site():
	if os.path.exists(os.path.join(BENCH, "sites", FRESH_SITE)):
		frappe_cli(
			"drop-site",
			FRESH_SITE,
			"--db-root-username",
			DB_ROOT_USER,
			"--db-root-password",
			DB_ROOT_PASSWORD,
			"--no-backup",
			"--force",
			site=None,
			stdin="\n",
		)


def reconnect():
	frappe.db.commit()
	frappe.destroy()
	connect()


def lot_fields_on_receipt_items():
	return frappe.get_all(
		"Custom Field",
		filters={"dt": "Purchase Receipt Item", "fieldname": ("like", "lot%")},
		pluck="fieldname",
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


def test_the_first_install_on_a_brand_new_site_just_works():
	"""A site that has never had the app (ERPNext only, setup wizard not run): the first
	install-app succeeds, the settings hold their defaults, and migrate runs clean after it."""
	drop_fresh_site()
	frappe_cli(
		"new-site",
		FRESH_SITE,
		"--db-root-username",
		DB_ROOT_USER,
		"--db-root-password",
		DB_ROOT_PASSWORD,
		"--admin-password",
		"admin",
		"--install-app",
		"erpnext",
		site=None,
		stdin="\n",
	)
	try:
		assert "lot_control" not in frappe_cli("list-apps", site=FRESH_SITE).stdout

		first = frappe_cli("install-app", "lot_control", site=FRESH_SITE, check=False)
		assert first.returncode == 0, (
			"the first install failed: " + first.stdout[-3000:] + first.stderr[-3000:]
		)
		assert "lot_control" in frappe_cli("list-apps", site=FRESH_SITE).stdout
		pattern = frappe_cli(
			"execute",
			"frappe.db.get_single_value",
			"--args",
			"['Lot Control Settings', 'default_lot_pattern']",
			site=FRESH_SITE,
		).stdout
		assert "{####}" in pattern
		frappe_cli("migrate", "--skip-search-index", site=FRESH_SITE)
		# Install and migrate in the other order are safe too: a second migrate, then the settings
		# once more, change nothing and fail nothing.
		frappe_cli("execute", "lot_control.install.after_migrate", site=FRESH_SITE)
	finally:
		drop_fresh_site()
