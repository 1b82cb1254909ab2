"""Browser tests: what people see in the desk, in headless Chromium driven by Playwright.

The desk is served by `bench serve` on $LOT_CONTROL_BROWSER_PORT (default 8011), started here when
nothing listens there and stopped afterwards. Chromium is Debian's (/usr/bin/chromium, or
$LOT_CONTROL_CHROMIUM); Playwright's own browsers are never downloaded.

Fixtures:
- `desk_url`: the desk's base URL, e.g. http://127.0.0.1:8011
- `desk`: a page logged in as Administrator (password $LOT_CONTROL_ADMIN_PASSWORD, default admin)
- `login_as(user, password=None)`: a page logged in as that user (a user made by `make_desk_user`
  gets a known password)
- `console_errors`: the console errors and uncaught exceptions of every page of the test; the test
  fails at teardown if there is any (socket.io errors aside: bench serve runs no socketio)
- `site`: frappe connected in this process as Administrator, to make test data with the
  integration factories. The server only sees committed data, so browser tests call
  `frappe.db.commit()` after making it: their records are left behind, under unique Faker names
  (the factories' suffixes), like the integration tests that must commit.
- `open_desk(page, path)`: go to /app/<path> and wait until the desk has drawn the page.
"""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import frappe
import pytest

BENCH = os.environ.get("LOT_CONTROL_BENCH", "/home/frappe/frappe-bench")
SITE = os.environ.get("LOT_CONTROL_SITE", "lot-control.localhost")
PORT = int(os.environ.get("LOT_CONTROL_BROWSER_PORT", "8011"))
CHROMIUM = os.environ.get("LOT_CONTROL_CHROMIUM", "/usr/bin/chromium")
ADMIN_PASSWORD = os.environ.get("LOT_CONTROL_ADMIN_PASSWORD", "admin")
TEST_PASSWORD = "Lot-Control-Browser-1"
BROWSER_COMPANY = "Lot Control Browser Tests"
CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
]
# bench serve runs no socketio server: the desk's attempts to reach it are not the app's errors.
IGNORED_CONSOLE = ("socket.io", "websocket", "ERR_CONNECTION_REFUSED")


def listening(port: int) -> bool:
	with socket.socket() as probe:
		probe.settimeout(0.5)
		return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for_login_page(url: str, seconds: int = 120):
	deadline = time.time() + seconds
	while time.time() < deadline:
		try:
			with urllib.request.urlopen(f"{url}/login", timeout=10) as answer:
				if answer.status == 200:
					return
		except OSError:
			pass
		time.sleep(1)
	raise RuntimeError(f"The desk did not answer at {url}/login within {seconds} s.")


@pytest.fixture(scope="session")
def desk_url():
	"""The desk, served by bench serve: started here (and stopped afterwards) when nothing listens."""
	url = f"http://127.0.0.1:{PORT}"
	server = None
	if not listening(PORT):
		command = [
			f"{BENCH}/env/bin/python",
			"-m",
			"frappe.utils.bench_helper",
			"frappe",
			"--site",
			SITE,
			"serve",
			"--port",
			str(PORT),
			"--noreload",
		]
		owner = pwd.getpwuid(os.stat(BENCH).st_uid).pw_name
		if os.geteuid() == 0 and owner != "root":
			command = ["runuser", "-u", owner, "--", *command]
		log = open(os.path.join(tempfile.gettempdir(), f"lot-control-browser-serve-{PORT}.log"), "ab")
		server = subprocess.Popen(
			command, cwd=f"{BENCH}/sites", stdout=log, stderr=subprocess.STDOUT, start_new_session=True
		)
	try:
		wait_for_login_page(url)
		yield url
	finally:
		if server:
			# The server's own process group (runuser and the server under it), started above.
			os.killpg(server.pid, signal.SIGTERM)
			try:
				server.wait(timeout=20)
			except subprocess.TimeoutExpired:
				os.killpg(server.pid, signal.SIGKILL)
			log.close()


@pytest.fixture(scope="session")
def site():
	"""frappe in this process, to make the data a page shows (committed, since the server reads it)."""
	frappe.init(site=SITE, sites_path=os.path.join(BENCH, "sites"))
	frappe.connect()
	# Stories make a user per role they play; Frappe's guard against mass sign-ups is not under test.
	frappe.local.conf.throttle_user_limit = 1_000_000
	frappe.set_user("Administrator")
	yield
	frappe.db.rollback()
	frappe.destroy()


@pytest.fixture(scope="session", autouse=True)
def electronic_signatures_on(site):
	"""Signatures are on, as on a new site: the stories sign their quality decisions in the desk's
	dialog (sign_in_dialog). Written only if someone turned them off, so runs side by side agree."""
	settings, field = "Lot Control Settings", "require_electronic_signatures"
	if not frappe.db.get_single_value(settings, field):
		frappe.db.set_single_value(settings, field, 1)
		frappe.db.commit()


def sign_in_dialog(page, reason: str, password: str = TEST_PASSWORD):
	"""Sign in the electronic signature dialog the desk opened (lot_control/public/js/signatures.js)."""
	dialog = page.locator(".modal.show", has=page.locator('input[data-fieldname="password"]'))
	dialog.wait_for()
	dialog.locator('input[data-fieldname="password"]').fill(password)
	dialog.locator('[data-fieldname="reason"] textarea').fill(reason)
	dialog.get_by_role("button", name="Sign", exact=True).click()
	wait_until_closed(page, dialog)


def wait_until_closed(page, dialog, timeout: int = 90_000):
	"""After a dialog's primary button: wait until the dialog closes. A message the desk shows
	instead (the server's refusal, a required field left empty) fails the test with its words, not
	with a timeout that says nothing; the wait is long because a busy CI machine is slow."""
	page.wait_for_function(
		"""() => {
			const open = [...document.querySelectorAll(".modal.show")];
			const dialog_open = open.some((modal) => modal.querySelector('[data-fieldname="password"]'));
			const message = open.some((modal) => modal.querySelector(".msgprint"));
			return !dialog_open || message;
		}""",
		timeout=timeout,
	)
	messages = page.locator(".modal.show .msgprint")
	if messages.count():
		pytest.fail(
			f"the desk answered with a message instead of closing the dialog: {messages.all_inner_texts()}"
		)
	dialog.wait_for(state="hidden")


@pytest.fixture(scope="session")
def browser():
	"""Debian's Chromium; Playwright gives the launch a fresh, temporary user-data-dir of its own."""
	from playwright.sync_api import sync_playwright

	with sync_playwright() as playwright:
		chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
		yield chromium
		chromium.close()


def real_errors(log) -> list[str]:
	return [line for line in log if not any(ignored.lower() in line.lower() for ignored in IGNORED_CONSOLE)]


def console_line(page, message) -> str:
	"""The page, the message and, for a failed request, which resource failed."""
	source = (message.location or {}).get("url") or ""
	return f"{page.url}: {message.text}" + (f" [{source}]" if source else "")


def note_console(page, message, log: list):
	"""Console errors; and Frappe's template compiler's own report (it logs, not errors, the
	template it could not compile), so a failure shows which template broke."""
	if message.type == "error" or (message.type == "log" and message.text.startswith(TEMPLATE_REPORT)):
		log.append(console_line(page, message))


# frappe/public/js/frappe/microtemplate.js logs these lines when a template does not compile.
TEMPLATE_REPORT = ("Error in Template", "var _p=[]", "Error in Line")


@pytest.fixture
def _console_log():
	return []


@pytest.fixture
def console_errors(_console_log):
	"""Every console error and uncaught exception of the test's pages; any one fails the test."""
	yield _console_log
	errors = real_errors(_console_log)
	assert not errors, "Console errors:\n" + "\n".join(errors)


@pytest.fixture
def login_as(browser, desk_url, _console_log):
	"""A page of a fresh browser context (own cookies) logged in as the user; closed after the test."""
	contexts = []

	def login(user: str, password: str | None = None):
		context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=desk_url)
		contexts.append(context)
		answer = context.request.post(
			f"{desk_url}/api/method/login",
			form={
				"usr": user,
				"pwd": password or (ADMIN_PASSWORD if user == "Administrator" else TEST_PASSWORD),
			},
		)
		assert answer.ok, f"Could not log in as {user}: {answer.status} {answer.text()[:200]}"
		page = context.new_page()
		page.set_default_timeout(30_000)
		page.on("console", lambda message: note_console(page, message, _console_log))
		page.on("pageerror", lambda error: _console_log.append(f"{page.url}: uncaught {error}"))
		return page

	yield login
	for context in contexts:
		context.close()


@pytest.fixture
def desk(login_as):
	return login_as("Administrator")


def open_desk(page, path: str, selector: str | None = None):
	"""Open /app/<path> and wait until the desk has drawn it (and the selector, if given)."""
	page.goto(f"/app/{path.lstrip('/')}")
	page.wait_for_function(
		"() => window.frappe && frappe.boot && frappe.container && frappe.container.page && !frappe.dom.freeze_count"
	)
	page.wait_for_load_state("load")
	if selector:
		page.wait_for_selector(selector)
	return page


@pytest.fixture(name="open_desk")
def open_desk_fixture():
	return open_desk


def make_desk_user(*roles: str) -> str:
	"""A desk user with these roles and the known test password (committed by the caller)."""
	from frappe.utils.password import update_password

	from lot_control.tests.integration.factories import make_user

	user = make_user(*roles)
	update_password(user, TEST_PASSWORD)
	return user


def committed(make, attempts: int = 5):
	"""Make data the server will see: run `make`, commit; a deadlock with another test run (two
	companies created at once) is retried from the start."""
	for attempt in range(attempts):
		try:
			result = make()
			frappe.db.commit()
			return result
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			frappe.db.rollback()
			if attempt == attempts - 1:
				raise
			time.sleep(3 + 3 * attempt)


@pytest.fixture(scope="session")
def shop(site):
	"""A company with Stores, Work In Progress and Finished Goods, and a supplier: committed."""
	from lot_control.tests.integration.conftest import ensure_site_is_set_up
	from lot_control.tests.integration.factories import make_company, make_supplier, make_warehouse

	def make():
		ensure_site_is_set_up()
		# One company for every browser run, made the first time: creating companies races with
		# integration runs on the same site (the company tree is locked while one is added).
		existing = frappe.db.get_value("Company", {"company_name": BROWSER_COMPANY})
		company = (
			frappe.get_doc("Company", existing)
			if existing
			else make_company(company_name=BROWSER_COMPANY, abbr="LCBT")
		)

		def warehouse(name):
			return frappe.db.get_value(
				"Warehouse", {"company": company.name, "warehouse_name": name}
			) or make_warehouse(company, name)

		return frappe._dict(
			company=company,
			stores=warehouse("Stores"),
			wip=warehouse("Work In Progress"),
			fg=warehouse("Finished Goods"),
			supplier=make_supplier(),
		)

	return committed(make)


@pytest.fixture(scope="session")
def traced_world(shop):
	"""A reel with a flagged date code, a piece cut from it, three module units built from the
	piece, three product units each built from one module, two of them delivered: committed."""
	from lot_control.lot_splitting import split_lot
	from lot_control.tests.integration.factories import (
		make_customer,
		make_delivery_note,
		make_item,
		make_purchase_receipt,
		make_work_order,
		receipt_line,
		work_order_entry,
	)
	from lot_control.tests.integration.test_units import device_item, outward_unit_bundle, units_of

	def make():
		chip, module, product = make_item(), device_item(), device_item()
		date_code = f"DC{frappe.generate_hash(length=5).upper()}"
		reel = f"REEL-{frappe.generate_hash(length=6).upper()}"
		make_purchase_receipt(
			shop.company,
			shop.supplier,
			[receipt_line(chip, 20, 1.00, shop.stores, lot_number=reel, supplier_batch_code=date_code)],
		)
		result = split_lot(reel, 6, shop.stores)
		cut = result.get("lot") if isinstance(result, dict) else result
		module_order = make_work_order(shop.company, module, {chip: 2}, 3, shop.stores, skip_transfer=1)
		entry = work_order_entry(module_order, "Manufacture", 3, batch_no=cut, use_serial_batch_fields=1)
		entry.insert()
		entry.submit()
		modules = units_of(module_order)
		product_order = make_work_order(
			shop.company, product, {module: 1}, 3, shop.fg, skip_transfer=1, use_multi_level_bom=0
		)
		entry = work_order_entry(product_order, "Manufacture", 3)
		for row in entry.items:
			if row.item_code == module:
				row.serial_and_batch_bundle = outward_unit_bundle(shop, module, shop.fg, modules)
		entry.insert()
		entry.submit()
		products = units_of(product_order)
		customer = make_customer()
		line = {
			"item_code": product,
			"qty": 2,
			"rate": 100,
			"warehouse": shop.fg,
			"serial_no": "\n".join(products[:2]),
			"use_serial_batch_fields": 1,
		}
		note = make_delivery_note(shop.company, customer, [line])
		return frappe._dict(
			chip=chip,
			module=module,
			product=product,
			reel=reel,
			cut=cut,
			modules=modules,
			products=products,
			date_code=date_code,
			customer=customer,
			note=note.name,
			module_order=module_order.name,
			product_order=product_order.name,
		)

	return committed(make)
