"""The lifecycle tests install and uninstall the app on the real site, so they run in their own
pytest process after the integration suite (scripts/test.sh) and commit what they create."""

import os

import frappe
import pytest

from lot_control.tests.integration.conftest import BENCH, SITE, ensure_site_is_set_up


def connect():
	frappe.init(site=SITE, sites_path=os.path.join(BENCH, "sites"))
	frappe.connect()
	frappe.flags.in_test = True
	frappe.set_user("Administrator")
	frappe.clear_cache()


@pytest.fixture(scope="session", autouse=True)
def site():
	connect()
	ensure_site_is_set_up()
	frappe.db.commit()
	yield
	frappe.destroy()
