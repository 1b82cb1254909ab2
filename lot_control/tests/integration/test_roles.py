"""Each role sees what it may: a salesperson does not see what a unit's lots cost, a buyer cannot
look up units by a customer's serial, a storekeeper kept to one company cannot trace, cost or
report another company's lots, and the value reports answer the stock and manufacturing roles they
are granted to (as ERPNext's Stock Balance does), not refuse them for the currency column."""

import frappe
import pytest
from frappe.utils import nowdate

from lot_control.desk import lot_list_stock, resolve_code
from lot_control.tests.integration.factories import (
	make_company,
	make_item,
	make_purchase_receipt,
	make_supplier,
	make_user,
	make_warehouse,
	make_work_order,
	receipt_line,
)
from lot_control.tests.integration.test_whitelisted_inputs import call, granted_roles
from lot_control.units import find_unit, register_units


@pytest.fixture
def devices(shop):
	"""A Work Order of serialized devices with its units registered, one known by a customer's serial."""
	resistor, device = make_item(), make_item(lot_controlled=False, has_serial_no=1)
	lot = f"RES-{frappe.generate_hash(length=6).upper()}"
	make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(resistor, 10, 1.5, shop.stores, lot_number=lot)]
	)
	work_order = make_work_order(shop.company, device, {resistor: 1}, 2, shop.stores, skip_transfer=1)
	units = register_units(work_order.name)
	customer_serial = f"CUST-{frappe.generate_hash(length=8).upper()}"
	frappe.db.set_value("Serialized Unit", units[0], "customer_serial", customer_serial)
	return frappe._dict(lot=lot, work_order=work_order.name, units=units, customer_serial=customer_serial)


def test_a_sales_user_sees_a_unit_but_not_what_its_lots_cost(devices):
	seller = make_user("Sales User")
	assert call(seller, "frappe.client.get", {"doctype": "Serialized Unit", "name": devices.units[0]}) == 200
	assert call(seller, "lot_control.builds.get_build_cost", {"unit": devices.units[0]}) == 403
	storekeeper = make_user("Stock User")
	assert call(storekeeper, "lot_control.builds.get_build_cost", {"unit": devices.units[0]}) == 200


def test_a_purchase_user_cannot_find_a_unit_by_the_customers_serial(devices):
	frappe.set_user(make_user("Purchase User"))
	assert find_unit(devices.customer_serial) is None
	assert find_unit(devices.units[0]) is None
	frappe.set_user(make_user("Stock User"))
	assert find_unit(devices.customer_serial) == devices.units[0]


def test_a_user_kept_to_one_company_cannot_reach_another_companys_lots(shop, devices):
	other = make_company()
	other_store = make_warehouse(other)
	foreign_lot = f"FOR-{frappe.generate_hash(length=6).upper()}"
	make_purchase_receipt(
		other, make_supplier(), [receipt_line(make_item(), 5, 2, other_store, lot_number=foreign_lot)]
	)
	storekeeper = make_user("Stock User", "Manufacturing User")
	frappe.get_doc(
		{
			"doctype": "User Permission",
			"user": storekeeper,
			"allow": "Company",
			"for_value": shop.company.name,
		}
	).insert(ignore_permissions=True)
	frappe.clear_cache(user=storekeeper)

	# Their own company's lot: traced and costed.
	assert call(storekeeper, "lot_control.api.trace_forward", {"lot": devices.lot}) == 200
	# Another company's: refused, as ERPNext refuses its documents.
	for cmd, form in (
		("lot_control.api.trace_forward", {"lot": foreign_lot}),
		("lot_control.api.trace_backward", {"lot": foreign_lot}),
		("lot_control.api.genealogy_graph", {"lot": foreign_lot}),
		("lot_control.builds.get_build_cost", {"lot": foreign_lot}),
		("lot_control.lot_splitting.split_lot", {"lot": foreign_lot, "qty": 1}),
	):
		assert call(storekeeper, cmd, form) == 403, cmd
	for report in ("Lot Inventory Value", "Usable Stock", "Expiring Lots", "Build Cost"):
		filters = {"company": other.name, "as_on_date": nowdate()}
		assert (
			call(
				storekeeper,
				"frappe.desk.query_report.run",
				{"report_name": report, "filters": frappe.as_json(filters)},
			)
			== 403
		), report
	frappe.set_user(storekeeper)
	assert foreign_lot not in lot_list_stock(frappe.as_json([foreign_lot, devices.lot]))
	assert resolve_code(foreign_lot) is None


@pytest.mark.parametrize("role", ["Stock User", "Manufacturing User"])
@pytest.mark.parametrize("report", ["Lot Inventory Value", "Build Cost"])
def test_the_value_reports_answer_the_roles_they_are_granted_to(shop, role, report):
	user = make_user(role)
	filters = {"company": shop.company.name, "from_date": "2020-01-01", "to_date": nowdate()}
	assert (
		call(
			user, "frappe.desk.query_report.run", {"report_name": report, "filters": frappe.as_json(filters)}
		)
		== 200
	)
	# ERPNext's own Stock Balance answers the same to the roles it is granted to (Stock User).
	if role in granted_roles("Stock Balance"):
		stock_balance = {"report_name": "Stock Balance", "filters": frappe.as_json(filters)}
		assert call(user, "frappe.desk.query_report.run", stock_balance) == 200
