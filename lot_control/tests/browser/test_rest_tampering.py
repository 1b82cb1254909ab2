"""What an auditor asks of the records over the wire: a Stock User with a REST client (the same
`/api/resource` the desk and integrations use, through bench serve) cannot empty a lot's history,
change what the app keeps, or post a lot in a status only the app sets. Each is refused with a
clear 4xx and the lot is as it was. Data is committed here, since the server reads it."""

import frappe
import pytest
import requests

from lot_control.tests.browser.conftest import TEST_PASSWORD, committed, make_desk_user
from lot_control.tests.integration.factories import (
	make_item,
	make_purchase_receipt,
	receipt_line,
	unique_suffix,
)


@pytest.fixture
def received_lot(shop):
	def make():
		item = make_item()
		lot = f"REST-{unique_suffix(6)}"
		make_purchase_receipt(shop.company, shop.supplier, [receipt_line(item, 10, 11.0, shop.stores, lot_number=lot)])
		return frappe._dict(item=item, lot=lot)

	return committed(make)


def stock_user_session(desk_url) -> requests.Session:
	user = committed(lambda: make_desk_user("Stock User"))
	session = requests.Session()
	answer = session.post(f"{desk_url}/api/method/login", data={"usr": user, "pwd": TEST_PASSWORD}, timeout=60)
	assert answer.ok, answer.text[:300]
	return session


def lot_as_stored(lot: str) -> tuple:
	frappe.db.rollback()  # read what the server committed, not this process's snapshot
	doc = frappe.get_doc("Lot", lot)
	return (
		doc.unit_cost,
		doc.stock_owner,
		[(row.event, row.from_status, row.to_status, row.changed_by, str(row.changed_on)) for row in doc.history],
	)


def test_a_stock_user_cannot_rewrite_a_lot_over_rest(desk_url, received_lot):
	session = stock_user_session(desk_url)
	lot = received_lot.lot
	before = lot_as_stored(lot)
	assert before[2], "a received lot starts with its history"

	for change, named in (
		({"history": []}, "history"),
		({"unit_cost": 0.01}, "unit_cost"),
		({"stock_owner": "Customer", "consignment_customer": None}, "owner"),
	):
		answer = session.put(f"{desk_url}/api/resource/Lot/{lot}", json=change, timeout=60)
		assert 400 <= answer.status_code < 500, (change, answer.status_code, answer.text[:300])
		assert lot in answer.text, answer.text[:300]
		assert lot_as_stored(lot) == before, named

	forged = session.post(
		f"{desk_url}/api/resource/Lot",
		json={"batch": f"REST-F-{unique_suffix(6)}", "item": received_lot.item, "status": "Expired"},
		timeout=60,
	)
	assert 400 <= forged.status_code < 500, (forged.status_code, forged.text[:300])
	assert "Expired" in forged.text
