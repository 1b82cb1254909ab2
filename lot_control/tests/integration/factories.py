"""Test data built the way a user would enter it, with Faker names; never ERPNext's _Test records."""

import random
import string
import time

import frappe
from faker import Faker
from frappe.utils import add_days, nowdate

fake = Faker()


def unique_suffix(length: int = 6) -> str:
	return "".join(random.choices(string.ascii_uppercase + string.digits, k=length))


def make_company(**overrides):
	abbr = "T" + unique_suffix(5)
	values = {
		"doctype": "Company",
		"company_name": f"{fake.company()} {abbr}",
		"abbr": abbr,
		"default_currency": "USD",
		"country": "United States",
		"create_chart_of_accounts_based_on": "Standard Template",
		"chart_of_accounts": "Standard",
		**overrides,
	}
	for _attempt in range(12):
		try:
			return frappe.get_doc(dict(values)).insert(ignore_permissions=True)
		except frappe.QueryDeadlockError:
			# Tests running beside each other on one site lock the company tree at once; a deadlock
			# undoes the whole transaction, so this is safe only as the first write of a test.
			frappe.db.rollback()
			time.sleep(random.uniform(0.5, 4))
	return frappe.get_doc(dict(values)).insert(ignore_permissions=True)


def make_warehouse(company, name: str | None = None, **overrides):
	warehouse = frappe.get_doc(
		{
			"doctype": "Warehouse",
			"warehouse_name": name or f"{fake.city()} {unique_suffix(4)}",
			"company": company.name,
			**overrides,
		}
	)
	warehouse.insert(ignore_permissions=True)
	return warehouse.name


def make_supplier(**overrides):
	supplier = frappe.get_doc(
		{
			"doctype": "Supplier",
			"supplier_name": f"{fake.company()} {unique_suffix(4)}",
			"supplier_group": frappe.db.get_value("Supplier Group", {"is_group": 0}) or "All Supplier Groups",
			**overrides,
		}
	)
	supplier.insert(ignore_permissions=True)
	return supplier.name


def make_item(lot_controlled: bool = True, **overrides):
	code = f"{fake.word().upper()}-{unique_suffix(6)}"
	item = frappe.get_doc(
		{
			"doctype": "Item",
			"item_code": code,
			"item_name": f"{fake.catch_phrase()}"[:140],
			"item_group": overrides.pop("item_group", None) or "All Item Groups",
			"stock_uom": "Nos",
			"is_stock_item": 1,
			"has_batch_no": 1 if lot_controlled else 0,
			"valuation_method": "FIFO",
			**overrides,
		}
	)
	item.insert(ignore_permissions=True)
	return item.name


def make_item_group(parent: str = "All Item Groups", is_group: int = 0):
	group = frappe.get_doc(
		{
			"doctype": "Item Group",
			"item_group_name": f"{fake.word().title()} {unique_suffix(4)}",
			"parent_item_group": parent,
			"is_group": is_group,
		}
	)
	group.insert(ignore_permissions=True)
	return group.name


def receipt_line(item_code, qty, rate, warehouse, **extra):
	return {"item_code": item_code, "qty": qty, "rate": rate, "warehouse": warehouse, **extra}


def make_purchase_receipt(company, supplier, lines, submit=True, posting_date=None, **overrides):
	receipt = frappe.get_doc(
		{
			"doctype": "Purchase Receipt",
			"company": company.name,
			"supplier": supplier,
			"posting_date": posting_date or nowdate(),
			"set_posting_time": 1,
			"currency": "USD",
			"conversion_rate": 1,
			"items": lines,
			**overrides,
		}
	)
	receipt.insert(ignore_permissions=True)
	if submit:
		receipt.submit()
	return receipt


def make_purchase_order(company, supplier, lines, submit=True):
	order = frappe.get_doc(
		{
			"doctype": "Purchase Order",
			"company": company.name,
			"supplier": supplier,
			"transaction_date": nowdate(),
			"schedule_date": add_days(nowdate(), 7),
			"currency": "USD",
			"conversion_rate": 1,
			"items": [{**line, "schedule_date": add_days(nowdate(), 7)} for line in lines],
		}
	)
	order.insert(ignore_permissions=True)
	if submit:
		order.submit()
	return order


def make_lot_bundle(company, item_code, warehouse, lots: dict[str, float], rate: float):
	"""A draft inward Serial and Batch Bundle splitting one receipt line over several named lots."""
	from erpnext.stock.serial_batch_bundle import SerialBatchCreation

	for lot in lots:
		if not frappe.db.exists("Batch", lot):
			frappe.get_doc({"doctype": "Batch", "batch_id": lot, "item": item_code}).insert(ignore_permissions=True)
	bundle = SerialBatchCreation(
		{
			"item_code": item_code,
			"warehouse": warehouse,
			"voucher_type": "Purchase Receipt",
			"posting_date": nowdate(),
			"posting_time": "10:00:00",
			"qty": sum(lots.values()),
			"avg_rate": rate,
			"batches": frappe._dict(lots),
			"type_of_transaction": "Inward",
			"company": company.name,
			"do_not_submit": True,
		}
	).make_serial_and_batch_bundle()
	return bundle.name


def make_material_issue(company, item_code, warehouse, qty, batch_no):
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Issue",
			"purpose": "Material Issue",
			"company": company.name,
			"items": [
				{
					"item_code": item_code,
					"qty": qty,
					"s_warehouse": warehouse,
					"batch_no": batch_no,
					"use_serial_batch_fields": 1,
				}
			],
		}
	)
	entry.insert(ignore_permissions=True)
	entry.submit()
	return entry


def lot_fixture_world():
	"""Company, warehouse and supplier for a receiving story."""
	company = make_company()
	return frappe._dict(
		company=company,
		warehouse=make_warehouse(company),
		supplier=make_supplier(),
	)


def make_customer(**overrides):
	customer = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": f"{fake.company()} {unique_suffix(4)}",
			"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}) or "All Customer Groups",
			"territory": frappe.db.get_value("Territory", {"is_group": 0}) or "All Territories",
			**overrides,
		}
	)
	customer.insert(ignore_permissions=True)
	return customer.name


def make_user(*roles):
	user = frappe.get_doc(
		{
			"doctype": "User",
			"email": f"{unique_suffix(8).lower()}@{fake.domain_name()}",
			"first_name": fake.first_name(),
			"send_welcome_email": 0,
			"roles": [{"role": role} for role in roles],
		}
	)
	user.insert(ignore_permissions=True)
	return user.name


def make_bom(company, finished_item, components, quantity: float = 1):
	"""A submitted BOM; components is {item_code: qty per `quantity` of the finished item}."""
	if isinstance(components, str):
		components = {components: 1}
	bom = frappe.get_doc(
		{
			"doctype": "BOM",
			"item": finished_item,
			"company": company.name,
			"quantity": quantity,
			"currency": "USD",
			"rm_cost_as_per": "Valuation Rate",
			"items": [{"item_code": code, "qty": qty, "rate": 1} for code, qty in components.items()],
		}
	)
	bom.insert(ignore_permissions=True)
	bom.submit()
	return bom.name


def make_work_order(company, finished_item, raw_material, qty, source_warehouse, **overrides):
	"""A submitted Work Order for `qty` of a finished item; raw_material is one item code (one unit
	each) or {item_code: qty per unit}."""
	bom = make_bom(company, finished_item, raw_material)
	abbr = company.abbr
	work_order = frappe.get_doc(
		{
			"doctype": "Work Order",
			"production_item": finished_item,
			"bom_no": bom,
			"qty": qty,
			"company": company.name,
			"source_warehouse": source_warehouse,
			"wip_warehouse": frappe.db.get_value("Warehouse", {"company": company.name, "warehouse_name": "Work In Progress"})
			or f"Work In Progress - {abbr}",
			"fg_warehouse": frappe.db.get_value("Warehouse", {"company": company.name, "warehouse_name": "Finished Goods"})
			or f"Finished Goods - {abbr}",
			**overrides,
		}
	)
	work_order.insert(ignore_permissions=True)
	work_order.submit()
	return work_order


def work_order_entry(work_order, purpose, qty, **row_values):
	"""A draft Stock Entry for a Work Order, as the Work Order's buttons make it."""
	from erpnext.manufacturing.doctype.work_order.work_order import make_stock_entry

	entry = frappe.get_doc(make_stock_entry(work_order.name, purpose, qty))
	for row in entry.items:
		if row.s_warehouse:
			row.update(row_values)
	return entry


def make_delivery_note(company, customer, lines, submit=True):
	note = frappe.get_doc(
		{
			"doctype": "Delivery Note",
			"company": company.name,
			"customer": customer,
			"posting_date": nowdate(),
			"currency": "USD",
			"conversion_rate": 1,
			"selling_price_list": frappe.db.get_value("Price List", {"selling": 1}) or "Standard Selling",
			"items": lines,
		}
	)
	note.insert(ignore_permissions=True)
	if submit:
		note.submit()
	return note


def expire_lot(lot: str, on: str = "2026-01-31"):
	"""Move a lot's expiry into the past the way a user would: on its Batch."""
	batch = frappe.get_doc("Batch", lot)
	batch.expiry_date = on
	batch.save()


def made_despite_deadlocks(make, attempts: int = 6):
	"""The story's records, made again from the start when a test run beside this one deadlocks with
	it (on the site's naming series or company tree): a deadlock undoes the whole transaction."""
	for attempt in range(attempts):
		try:
			return make()
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			frappe.db.rollback()
			if attempt == attempts - 1:
				raise
			time.sleep(random.uniform(1, 4))
