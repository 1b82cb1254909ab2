"""Master data and documents the submit benchmarks use, on a site they were pointed at.

Everything they make is named BENCH-OVH (company, supplier, customer, items, batch series); they
delete nothing, so they cannot remove anything they did not create. A site is checked before anything
is written on it: its name, and whether lot_control is installed on it as the caller expects.
Not part of the app: benchmarks/ sits beside the package and is never installed.
"""

from __future__ import annotations

import frappe
from frappe.utils import add_years, getdate, nowdate

PREFIX = "BENCH-OVH"
COMPANY = f"{PREFIX} Company"
ABBR = "BOVH"
SUPPLIER = f"{PREFIX} Supplier"
CUSTOMER = f"{PREFIX} Customer"
FINISHED_ITEM = f"{PREFIX}-FG"


class WrongSiteError(RuntimeError):
	"""The site is not the one the benchmark was told to use, or has/lacks the app unexpectedly."""


def connect(site: str, sites_path: str):
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	frappe.set_user("Administrator")


def reconnect(site: str, sites_path: str):
	"""A fresh request's state (local caches, flags, connection), as every desk submit starts with."""
	frappe.destroy()
	connect(site, sites_path)


def check_site(site: str, expect_app: bool):
	"""Refuse to touch a site other than the one named, or one whose apps are not as expected."""
	if frappe.local.site != site:
		raise WrongSiteError(f"connected to {frappe.local.site}, not {site}")
	apps = frappe.get_installed_apps()
	if "erpnext" not in apps:
		raise WrongSiteError(f"{site} has no ERPNext")
	if ("lot_control" in apps) != expect_app:
		state = "has" if "lot_control" in apps else "lacks"
		raise WrongSiteError(f"{site} {state} lot_control, but was given as the site {'with' if expect_app else 'without'} it")


def component_code(index: int) -> str:
	return f"{PREFIX}-C{index:02d}"


def company_warehouse(name: str) -> str:
	return f"{name} - {ABBR}"


def ensure_master_data(lines: int) -> frappe._dict:
	"""Company, parties, items (batch-tracked, batches created by series) and a BOM; made once, reused."""
	ensure_setup_complete()
	ensure_fiscal_years()
	if not frappe.db.exists("Company", COMPANY):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": COMPANY,
				"abbr": ABBR,
				"default_currency": "USD",
				"country": "United States",
				"create_chart_of_accounts_based_on": "Standard Template",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Supplier", SUPPLIER):
		frappe.get_doc(
			{
				"doctype": "Supplier",
				"supplier_name": SUPPLIER,
				"supplier_group": frappe.db.get_value("Supplier Group", {"is_group": 0}) or "All Supplier Groups",
			}
		).insert(ignore_permissions=True)
	if not frappe.db.exists("Customer", CUSTOMER):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": CUSTOMER,
				"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}) or "All Customer Groups",
				"territory": frappe.db.get_value("Territory", {"is_group": 0}) or "All Territories",
			}
		).insert(ignore_permissions=True)
	components = [component_code(index) for index in range(1, lines + 1)]
	for code in [*components, FINISHED_ITEM]:
		ensure_item(code)
	frappe.db.set_single_value("Stock Settings", "auto_create_serial_and_batch_bundle_for_outward", 1)
	bom = ensure_bom(components)
	frappe.db.commit()
	return frappe._dict(
		company=COMPANY,
		components=components,
		finished_item=FINISHED_ITEM,
		bom=bom,
		stores=company_warehouse("Stores"),
		wip=company_warehouse("Work In Progress"),
		finished_goods=company_warehouse("Finished Goods"),
	)


def ensure_setup_complete():
	"""A site that never went through the setup wizard gets it done in code (as the tests do)."""
	if frappe.db.a_row_exists("Company"):
		return
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	year = getdate(nowdate()).year
	setup_complete(
		{
			"currency": "USD",
			"full_name": "Benchmark",
			"company_name": "Benchmark Bootstrap",
			"timezone": "UTC",
			"company_abbr": "BBS",
			"industry": "Manufacturing",
			"country": "United States",
			"fy_start_date": f"{year}-01-01",
			"fy_end_date": f"{year}-12-31",
			"language": "english",
			"company_tagline": "Benchmark",
			"email": "benchmark@example.com",
			"password": "admin",
			"chart_of_accounts": "Standard",
		}
	)


def ensure_fiscal_years():
	for year in (getdate(nowdate()).year, getdate(add_years(nowdate(), 1)).year):
		covered = frappe.db.sql(
			"select name from `tabFiscal Year` where year_start_date <= %(day)s and year_end_date >= %(day)s",
			{"day": f"{year}-06-30"},
		)
		if not covered:
			frappe.get_doc(
				{"doctype": "Fiscal Year", "year": f"{PREFIX}-{year}", "year_start_date": f"{year}-01-01", "year_end_date": f"{year}-12-31"}
			).insert(ignore_permissions=True)


def ensure_item(code: str):
	if frappe.db.exists("Item", code):
		return
	frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": code,
			"item_name": code,
			"item_group": "All Item Groups",
			"stock_uom": "Nos",
			"is_stock_item": 1,
			"has_batch_no": 1,
			"create_new_batch": 1,
			"batch_number_series": f"{code}-.#####",
			"valuation_method": "FIFO",
			"valuation_rate": 5,
			"standard_rate": 20,
		}
	).insert(ignore_permissions=True)


def ensure_bom(components: list[str]) -> str:
	existing = frappe.db.get_value(
		"BOM", {"item": FINISHED_ITEM, "company": COMPANY, "docstatus": 1, "is_active": 1, "is_default": 1}
	)
	if existing:
		return existing
	bom = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": FINISHED_ITEM,
			"company": COMPANY,
			"quantity": 1,
			"currency": "USD",
			"rm_cost_as_per": "Valuation Rate",
			"items": [{"item_code": code, "qty": 1, "rate": 5} for code in components],
		}
	)
	bom.insert(ignore_permissions=True)
	bom.submit()
	return bom.name


# Documents ----------------------------------------------------------------------------------


def draft_purchase_receipt(world, lines_per_item: int = 1, qty: float = 10) -> str:
	receipt = frappe.get_doc(
		{
			"doctype": "Purchase Receipt",
			"company": world.company,
			"supplier": SUPPLIER,
			"posting_date": nowdate(),
			"currency": "USD",
			"conversion_rate": 1,
			"items": [
				{"item_code": code, "qty": qty, "rate": 5, "warehouse": world.stores}
				for code in world.components
				for _copy in range(lines_per_item)
			],
		}
	)
	receipt.insert(ignore_permissions=True)
	return receipt.name


def lots_of_voucher(doctype: str, name: str) -> list[tuple[str, str]]:
	"""(item, lot) of every inward line a submitted voucher posted, in line order."""
	return frappe.db.sql(
		"""
		select bundle.item_code, entry.batch_no
		from `tabSerial and Batch Bundle` bundle
		inner join `tabSerial and Batch Entry` entry on entry.parent = bundle.name
		where bundle.voucher_type = %(doctype)s and bundle.voucher_no = %(name)s and bundle.docstatus = 1
			and bundle.type_of_transaction = 'Inward' and entry.batch_no is not null
		order by bundle.creation, entry.idx
		""",
		{"doctype": doctype, "name": name},
	)


def draft_work_order(world, qty: float) -> str:
	work_order = frappe.get_doc(
		{
			"doctype": "Work Order",
			"production_item": world.finished_item,
			"bom_no": world.bom,
			"qty": qty,
			"company": world.company,
			"source_warehouse": world.stores,
			"wip_warehouse": world.wip,
			"fg_warehouse": world.finished_goods,
		}
	)
	work_order.insert(ignore_permissions=True)
	work_order.submit()
	return work_order.name


def draft_work_order_entry(work_order: str, purpose: str, qty: float, lots: dict) -> str:
	"""A Work Order's entry as its buttons make it, each drawn row naming the lot given for its item."""
	from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry

	entry = frappe.get_doc(make_stock_entry(work_order, purpose, qty))
	for row in entry.items:
		if row.s_warehouse and row.item_code in lots:
			row.batch_no = lots[row.item_code]
			row.use_serial_batch_fields = 1
	entry.insert(ignore_permissions=True)
	return entry.name


def draft_manufacture(world, lots: dict, qty: float = 1) -> str:
	"""A Manufacture entry without a Work Order: each component from the lot given, one produced lot."""
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Manufacture",
			"purpose": "Manufacture",
			"company": world.company,
			"items": [
				*(
					{
						"item_code": code,
						"qty": qty,
						"s_warehouse": world.stores,
						"batch_no": lot,
						"use_serial_batch_fields": 1,
					}
					for code, lot in lots.items()
				),
				{"item_code": world.finished_item, "qty": qty, "t_warehouse": world.finished_goods, "is_finished_item": 1},
			],
		}
	)
	entry.insert(ignore_permissions=True)
	return entry.name


def draft_delivery_note(world, qty: float) -> str:
	"""Lines naming no lot: the app picks them on its site, ERPNext's own picking on the other."""
	note = frappe.get_doc(
		{
			"doctype": "Delivery Note",
			"company": world.company,
			"customer": CUSTOMER,
			"posting_date": nowdate(),
			"currency": "USD",
			"conversion_rate": 1,
			"selling_price_list": frappe.db.get_value("Price List", {"selling": 1}) or "Standard Selling",
			"items": [{"item_code": code, "qty": qty, "rate": 20, "warehouse": world.stores} for code in world.components],
		}
	)
	note.insert(ignore_permissions=True)
	return note.name
