"""Integration tests run against a real site of a real bench with ERPNext.

The bench is at $LOT_CONTROL_BENCH, the site $LOT_CONTROL_SITE. Each test builds its own
company, warehouses, items and suppliers (see factories.py) and is rolled back afterwards.
"""

import os

import frappe
import pytest
from frappe.utils import add_years, getdate, nowdate

from lot_control import signatures
from lot_control.tests.integration.factories import make_company, make_supplier, make_warehouse

BENCH = os.environ.get("LOT_CONTROL_BENCH", "/home/frappe/frappe-bench")
SITE = os.environ.get("LOT_CONTROL_SITE", "lot-control.localhost")


@pytest.fixture(scope="session", autouse=True)
def site():
	frappe.init(site=SITE, sites_path=os.path.join(BENCH, "sites"))
	frappe.connect()
	frappe.flags.in_test = True
	# Stories make a user per role they play; Frappe's guard against mass sign-ups (60 users an hour)
	# is not what they test.
	frappe.local.conf.throttle_user_limit = 1_000_000
	frappe.set_user("Administrator")
	ensure_site_is_set_up()
	frappe.db.commit()
	yield
	frappe.db.rollback()
	frappe.destroy()


@pytest.fixture(autouse=True)
def rollback_after_test(site):
	yield
	frappe.db.rollback()
	frappe.set_user("Administrator")
	frappe.clear_document_cache("Lot Control Settings", "Lot Control Settings")
	frappe.local.message_log = []


@pytest.fixture(autouse=True)
def electronic_signatures_setting(monkeypatch):
	"""Signatures are on for users (Lot Control Settings); the stories that are not about them make
	their quality decisions without re-entering a password. test_signatures.py overrides this
	fixture and turns the real setting on. Patched, not written: a written setting would lock its
	row for the length of every test, across test runs sharing the site."""
	monkeypatch.setattr(signatures, "signatures_required", lambda: False)


def ensure_site_is_set_up():
	"""A fresh site has not been through the setup wizard: complete it in code, once."""
	if not frappe.db.a_row_exists("Company"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		year = getdate(nowdate()).year
		setup_complete(
			{
				"currency": "USD",
				"full_name": "Lot Control Tests",
				"company_name": "Lot Control Bootstrap",
				"timezone": "UTC",
				"company_abbr": "LCB",
				"industry": "Manufacturing",
				"country": "United States",
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"language": "english",
				"company_tagline": "Testing",
				"email": "lot-control-tests@example.com",
				"password": "admin",
				"chart_of_accounts": "Standard",
			}
		)
	for year in (getdate(nowdate()).year, getdate(add_years(nowdate(), 1)).year):
		if not frappe.db.exists("Fiscal Year", {"year_start_date": f"{year}-01-01"}):
			frappe.get_doc(
				{
					"doctype": "Fiscal Year",
					"year": f"LC-{year}",
					"year_start_date": f"{year}-01-01",
					"year_end_date": f"{year}-12-31",
				}
			).insert(ignore_permissions=True)


@pytest.fixture
def shop():
	"""A company with the default Stores, Work In Progress and Finished Goods warehouses, and a supplier."""
	return shop_of(make_company())


def shop_of(company):
	def warehouse(name):
		return frappe.db.get_value("Warehouse", {"company": company.name, "warehouse_name": name}) or make_warehouse(company, name)

	return frappe._dict(
		company=company,
		stores=warehouse("Stores"),
		wip=warehouse("Work In Progress"),
		fg=warehouse("Finished Goods"),
		supplier=make_supplier(),
	)


RECEIVING_COMPANY = "Lot Control Receiving Paths"


@pytest.fixture(scope="session")
def receiving_company():
	"""One company for the receiving stories, made and committed once and kept: creating a company
	per test rewrites the Company tree, which other test runs on the same site hold until they roll
	back. Each test's own records are still rolled back."""
	name = frappe.db.get_value("Company", {"company_name": RECEIVING_COMPANY})
	if name:
		return frappe.get_doc("Company", name)
	company = make_company(company_name=RECEIVING_COMPANY)
	frappe.db.commit()
	return company


@pytest.fixture
def receiving_shop(receiving_company):
	return shop_of(receiving_company)
