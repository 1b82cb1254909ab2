"""Four people poke at every door of the app with whatever comes to hand.

Guest, a Sales User, a Stock User and a Manufacturing User call every whitelisted method of the
app and every report, through Frappe's own request handler (frappe.handler.execute_cmd, the
function /api/method/<cmd> runs), with arguments hypothesis makes up: lists where a name is
expected, text that is not JSON, NaN, 1e308, 1e-9, 0000-00-00, control characters, emoji, real
names in the wrong place, arguments left out. Each answer is either a result or a refusal with an
HTTP 4xx status and a message, never a 500; nothing commits, and a refusal leaves every table of
the app as it was. The reports run for each role they are granted to.
"""

import importlib
import inspect
import math

import frappe
import pytest
from frappe.utils import nowdate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from lot_control.tests.integration.factories import (
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
)

# Every module of the app that whitelists a method; importing each registers its methods.
WHITELISTING_MODULES = (
	"lot_control.api",
	"lot_control.builds",
	"lot_control.connections",
	"lot_control.dashboard",
	"lot_control.desk",
	"lot_control.lot_control.dashboard_chart_source.lot_stock_value_by_status.lot_stock_value_by_status",
	"lot_control.lot_control.doctype.lot.lot",
	"lot_control.lot_control.doctype.recall.recall",
	"lot_control.lot_splitting",
	"lot_control.scanning",
	"lot_control.issue_scanning",
	"lot_control.units",
)
ROLES = ("Guest", "Sales User", "Stock User", "Manufacturing User")
REPORTS = ("Build Cost", "Expiring Lots", "Lot Inventory Value", "Lot Trace", "Usable Stock")
REPORT_FILTERS = (
	"company",
	"from_date",
	"to_date",
	"as_on_date",
	"item_code",
	"warehouse",
	"owner",
	"work_order",
	"show_lots",
	"days",
	"include_expired",
	"direction",
	"lot",
	"unit",
	"purchase_receipt",
	"supplier",
	"supplier_batch_code",
)
# The app's tables and the ERPNext ones its methods write to: a refusal leaves each as it was.
WATCHED_TABLES = (
	"Lot",
	"Lot History",
	"Lot Consumption",
	"Serialized Unit",
	"Unit Event",
	"Recall",
	"Batch",
	"Serial No",
	"Stock Entry",
	"Stock Ledger Entry",
	"Serial and Batch Bundle",
)
ODD_TEXTS = (
	"",
	"   ",
	"[",
	"{",
	"not json",
	"null",
	"[]",
	"{}",
	'["a", 1]',
	'{"a": 1}',
	'{"days": 1e12}',
	'{"days": "NaN"}',
	'{"company": ["x"]}',
	"0000-00-00",
	"2026-02-30",
	"1e12",
	"1e308",
	"1e-9",
	"NaN",
	"inf",
	"-inf",
	"-1",
	"0",
	"1.5",
	"\x00",
	"LOT\x00",
	"\u202eTOL",
	"\U0001f600",
	"a/b",
	"a%2Fb",
	"a?b",
	"a#b",
	"'; drop table `tabLot`; --",
	"x" * 500,
)


def whitelisted_methods():
	"""(cmd, doctype or None, the parameters it takes) of every whitelisted function of the app,
	read from Frappe's registry so a new method is covered without touching this test."""
	for module in WHITELISTING_MODULES:
		importlib.import_module(module)

	methods = []
	for fn in frappe.whitelisted:
		module = getattr(fn, "__module__", "") or ""
		if not module.startswith("lot_control") or ".tests." in module:
			continue
		target = inspect.unwrap(fn)
		params = [
			name for name in inspect.signature(target).parameters if name not in ("self", "args", "kwargs")
		]
		qualname = target.__qualname__
		if "." in qualname:
			owner = qualname.split(".")[0]
			doctype = {"Lot": "Lot", "Recall": "Recall"}.get(owner)
			if doctype:
				methods.append((qualname.split(".")[-1], doctype, params))
		else:
			methods.append((f"{module}.{qualname}", None, params))
	return sorted(methods, key=lambda method: (method[1] or "", method[0]))


@pytest.fixture
def town(shop):
	"""A little data for real names in the wrong places: a lot with stock, a serialized Work Order."""
	item, device = make_item(), make_item(lot_controlled=False, has_serial_no=1)
	lot = f"TWN-{frappe.generate_hash(length=6).upper()}"
	receipt = make_purchase_receipt(
		shop.company, shop.supplier, [receipt_line(item, 10, 2, shop.stores, lot_number=lot)]
	)
	work_order = make_work_order(shop.company, device, {item: 1}, 2, shop.stores, skip_transfer=1)
	users = {role: make_user(role) if role != "Guest" else "Guest" for role in ROLES}
	users["Purchase User"] = make_user("Purchase User")
	return frappe._dict(
		shop=shop, item=item, lot=lot, receipt=receipt.name, work_order=work_order.name, users=users
	)


def real_names(town):
	return [
		town.lot,
		town.item,
		town.receipt,
		town.work_order,
		town.shop.company.name,
		town.shop.stores,
		"Lot",
		"Purchase Receipt",
	]


def odd_values(town):
	return st.one_of(
		st.sampled_from(ODD_TEXTS),
		st.sampled_from(real_names(town)),
		st.text(max_size=12),
		st.lists(
			st.one_of(st.text(max_size=6), st.integers(), st.sampled_from(real_names(town))), max_size=3
		),
		st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5)), max_size=2),
		st.integers(min_value=-(10**20), max_value=10**20),
		st.floats(allow_nan=True, allow_infinity=True),
		st.sampled_from([math.nan, math.inf, 1e308, 1e-9, -0.0, 1e12]),
		st.booleans(),
	)


def arguments_for(params, town):
	"""Each parameter left out or given an odd value."""
	return st.fixed_dictionaries({}, optional={name: odd_values(town) for name in params})


LAST_REFUSAL = []


def fake_request():
	"""execute_cmd asks the request for its HTTP method, as over the wire."""
	frappe.local.request = Request(EnvironBuilder(method="POST").get_environ())


def call(user, cmd, form):
	"""What /api/method/<cmd> answers, as an HTTP status: Frappe's handler, the exception's
	http_status_code on a refusal (500 for anything without one, as frappe.app does)."""
	frappe.set_user(user)
	fake_request()
	frappe.local.form_dict = frappe._dict(form)
	frappe.local.response = frappe._dict({"docs": []})
	frappe.local.message_log = []
	frappe.db.savepoint("poke")
	try:
		frappe.handler.execute_cmd(cmd)
		status = 200
	except Exception as error:
		status = getattr(error, "http_status_code", 500)
		if status == 500:
			frappe.set_user("Administrator")
			frappe.db.rollback(save_point="poke")
			raise AssertionError(f"HTTP 500 for {cmd} as {user} with {form!r}: {error!r}") from error
		assert frappe.local.message_log or str(error), f"{cmd} refused {form!r} without a message"
		LAST_REFUSAL[:] = [repr(error), *[str(m) for m in frappe.local.message_log]]
	frappe.set_user("Administrator")
	frappe.db.rollback(save_point="poke")
	return status


def watched_state():
	"""Rows and the latest change of each watched table."""
	return {
		doctype: frappe.db.sql(f"select count(*), max(modified) from `tab{doctype}`")[0]
		for doctype in WATCHED_TABLES
	}


@pytest.fixture
def no_commits(monkeypatch):
	"""A method that commits would keep half of a refused request: none may."""
	commits = []
	monkeypatch.setattr(frappe.db, "commit", lambda *args, **kwargs: commits.append(1))
	return commits


def test_every_method_answers_odd_arguments_with_a_refusal_not_an_error(town, no_commits):
	methods = whitelisted_methods()
	assert len(methods) >= 20, methods
	before = watched_state()
	seen = set()

	def case_strategy():
		return st.sampled_from(methods).flatmap(
			lambda method: st.tuples(
				st.just(method), st.sampled_from(list(town.users.values())), arguments_for(method[2], town)
			)
		)

	@settings(max_examples=400, deadline=None, database=None, suppress_health_check=list(HealthCheck))
	@given(case=case_strategy())
	def poke(case):
		(cmd, doctype, _params), user, form = case
		if doctype:
			# A controller method runs on a document named in the request (run_doc_method).
			name = town.lot if doctype == "Lot" else form.pop("dn", "RECALL-NONE")
			form = {"dt": doctype, "dn": name, "method": cmd, "args": frappe.as_json(form)}
			cmd = "frappe.handler.run_doc_method"
		status = call(user, cmd, form)
		assert status < 500
		seen.add(cmd if not doctype else form["method"])
		statuses.add(status)
		assert watched_state() == before

	statuses = set()
	poke()
	assert not no_commits
	assert len(seen) >= len(methods) * 3 // 4, sorted(seen)
	# Answers of every kind came back: results, refusals of the argument, refusals of the user.
	assert {200, 403, 417} <= statuses, statuses


def test_every_report_answers_odd_filters_with_a_refusal_not_an_error(town, no_commits):
	before = watched_state()
	filter_values = st.one_of(
		st.sampled_from(ODD_TEXTS),
		st.sampled_from(real_names(town)),
		st.lists(st.text(max_size=4), max_size=2),
		st.integers(min_value=-(10**20), max_value=10**20),
		st.floats(allow_nan=False, allow_infinity=False),
		st.sampled_from([1e308, 1e-9, 1e12]),
		st.booleans(),
		st.none(),
	)
	# Frappe's query_report.run parses the filters itself (json.loads): they arrive as a JSON object.
	filters = st.fixed_dictionaries({}, optional={name: filter_values for name in REPORT_FILTERS})

	@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
	@given(
		report=st.sampled_from(REPORTS),
		user=st.sampled_from(list(town.users.values())),
		report_filters=filters,
	)
	def poke(report, user, report_filters):
		status = call(
			user,
			"frappe.desk.query_report.run",
			{"report_name": report, "filters": frappe.as_json(report_filters), "ignore_prepared_report": 1},
		)
		assert status < 500
		assert watched_state() == before

	poke()
	assert not no_commits


def granted_roles(report):
	return set(frappe.get_all("Has Role", filters={"parenttype": "Report", "parent": report}, pluck="role"))


@pytest.mark.parametrize("report", REPORTS)
def test_each_report_runs_for_every_role_granted_it_and_is_refused_to_the_others(town, report):
	filters = {
		"company": town.shop.company.name,
		"as_on_date": nowdate(),
		"from_date": "2020-01-01",
		"to_date": nowdate(),
		"days": 30,
		"direction": "Forward",
		"lot": town.lot,
	}
	granted = granted_roles(report)
	ran = []
	for role in ("Sales User", "Stock User", "Manufacturing User", "Purchase User"):
		status = call(
			town.users[role],
			"frappe.desk.query_report.run",
			{"report_name": report, "filters": frappe.as_json(filters), "ignore_prepared_report": 1},
		)
		if role in granted:
			assert status == 200, f"{report} refused to {role}, who is granted it: {LAST_REFUSAL}"
			ran.append(role)
		else:
			assert status == 403, f"{report} answered {status} to {role}, who is not granted it"
	assert {"Stock User", "Manufacturing User"} & granted <= set(ran)
	assert (
		call(
			"Guest",
			"frappe.desk.query_report.run",
			{"report_name": report, "filters": frappe.as_json(filters)},
		)
		== 403
	)
