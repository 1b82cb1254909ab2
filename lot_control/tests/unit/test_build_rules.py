"""Tests for the rules of a build: produced expiry and owner, consumption shares, WIP holdings."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from lot_control.build_rules import (
	EXPIRY_EARLIEST,
	EXPIRY_INPUTS,
	EXPIRY_SHELF_LIFE,
	held_by_work_orders,
	produced_lot_expiry,
	produced_lot_owner,
	share_consumption,
	usable_by_work_order,
)

fake = Faker()
Faker.seed(4242)
BUILT_ON = datetime.date(2026, 3, 1)


def test_produced_lot_expires_with_its_earliest_input_when_that_comes_before_its_shelf_life():
	inputs = [datetime.date(2026, 9, 30), datetime.date(2026, 6, 15), None]
	assert produced_lot_expiry(inputs, BUILT_ON, 365) == datetime.date(2026, 6, 15)


def test_produced_lot_expires_at_its_shelf_life_when_inputs_last_longer():
	assert produced_lot_expiry([datetime.date(2030, 1, 1)], BUILT_ON, 30) == datetime.date(2026, 3, 31)


def test_produced_lot_expiry_rules_can_be_chosen_per_item():
	inputs = [datetime.date(2026, 4, 1)]
	assert produced_lot_expiry(inputs, BUILT_ON, 10, EXPIRY_INPUTS) == datetime.date(2026, 4, 1)
	assert produced_lot_expiry(inputs, BUILT_ON, 10, EXPIRY_SHELF_LIFE) == datetime.date(2026, 3, 11)
	assert produced_lot_expiry(inputs, BUILT_ON, 10, EXPIRY_EARLIEST) == datetime.date(2026, 3, 11)


def test_nothing_expires_without_dated_inputs_or_shelf_life():
	assert produced_lot_expiry([None, None], BUILT_ON, None) is None
	assert produced_lot_expiry([], BUILT_ON, 0) is None


def test_unknown_expiry_rule_is_refused():
	with pytest.raises(ValueError, match="unknown expiry rule"):
		produced_lot_expiry([], BUILT_ON, 5, "Whenever")


@settings(max_examples=200, deadline=None)
@given(
	inputs=st.lists(st.one_of(st.none(), st.dates(datetime.date(2020, 1, 1), datetime.date(2040, 1, 1))), max_size=6),
	shelf_life=st.one_of(st.none(), st.integers(1, 3000)),
)
def test_a_product_never_outlives_an_input_or_its_shelf_life(inputs, shelf_life):
	expiry = produced_lot_expiry(inputs, BUILT_ON, shelf_life)
	for date in inputs:
		if date:
			assert expiry <= date
	if shelf_life:
		assert expiry <= BUILT_ON + datetime.timedelta(days=shelf_life)


def test_a_build_from_a_customers_consigned_stock_is_that_customers():
	customer = fake.company()
	assert produced_lot_owner([None, customer, customer]) == customer
	assert produced_lot_owner([None, None]) is None


def test_two_customers_stock_in_one_build_is_a_data_error():
	with pytest.raises(ValueError, match="several customers"):
		produced_lot_owner([fake.company(), fake.company()])


def test_each_consumed_lot_is_shared_among_produced_lots_by_quantity():
	shares = share_consumption([("REEL-1", 10, "25.00")], [("FG-A", 3), ("FG-B", 1)])
	assert [(s.produced_lot, s.qty, s.amount) for s in shares] == [
		("FG-A", Decimal("7.500000000"), Decimal("18.75")),
		("FG-B", Decimal("2.500000000"), Decimal("6.25")),
	]


def test_consumption_with_nothing_produced_yet_waits_with_no_produced_lot():
	shares = share_consumption([("REEL-1", 4, "8.00"), ("REEL-2", 1, "1.00")], [])
	assert [(s.consumed_lot, s.produced_lot, s.qty) for s in shares] == [("REEL-1", None, 4), ("REEL-2", None, 1)]


@settings(max_examples=200, deadline=None)
@given(
	consumed=st.lists(
		st.tuples(
			st.decimals(Decimal("0.001"), Decimal("10000"), places=3),
			st.decimals(Decimal("0"), Decimal("99999"), places=2),
		),
		min_size=1,
		max_size=5,
	),
	produced=st.lists(st.decimals(Decimal("0.001"), Decimal("500"), places=3), min_size=1, max_size=4),
)
def test_shares_add_up_to_each_consumed_lot_exactly(consumed, produced):
	"""Nothing is lost or invented when a lot is shared among several produced lots."""
	consumed_rows = [(f"IN-{i}", qty, amount) for i, (qty, amount) in enumerate(consumed)]
	produced_rows = [(f"OUT-{i}", qty) for i, qty in enumerate(produced)]
	shares = share_consumption(consumed_rows, produced_rows)
	for lot, qty, amount in consumed_rows:
		mine = [share for share in shares if share.consumed_lot == lot]
		assert len(mine) == len(produced_rows)
		assert sum(share.qty for share in mine) == qty
		assert sum(share.amount for share in mine) == amount


def test_a_work_order_holds_what_it_transferred_in_and_has_not_used():
	held = held_by_work_orders(
		[("WO-1", "LOT-A", 10), ("WO-1", "LOT-A", -4), ("WO-2", "LOT-A", 5), ("WO-2", "LOT-A", -5), ("WO-3", "LOT-B", 2)]
	)
	assert held == {("WO-1", "LOT-A"): Decimal(6), ("WO-3", "LOT-B"): Decimal(2)}


def test_other_work_orders_holdings_are_not_usable():
	held = {("WO-1", "LOT-A"): Decimal(6), ("WO-2", "LOT-A"): Decimal(3)}
	assert usable_by_work_order(10, held, "LOT-A", "WO-1") == Decimal(7)
	assert usable_by_work_order(10, held, "LOT-A", "WO-9") == Decimal(1)
	assert usable_by_work_order(10, held, "LOT-A", None) == Decimal(1)
	assert usable_by_work_order(5, held, "LOT-A", "WO-9") == Decimal(0)
	assert usable_by_work_order(5, held, "LOT-B", "WO-9") == Decimal(5)


# What a transformation produces --------------------------------------------------------------


class Row(dict):
	"""A voucher row as Frappe gives it: fields read with .get."""


class Voucher(Row):
	@property
	def doctype(self):
		return self["doctype"]


def test_produced_rows_of_every_transformation():
	from lot_control.build_rules import is_produced_row

	manufacture = Voucher(doctype="Stock Entry", purpose="Manufacture")
	assert is_produced_row(manufacture, Row(t_warehouse="FG", is_finished_item=1))
	assert not is_produced_row(manufacture, Row(t_warehouse="FG", is_scrap_item=1))
	assert not is_produced_row(manufacture, Row(s_warehouse="Stores"))
	# ERPNext marks a disassembly's components as finished items; what counts is where stock goes.
	disassemble = Voucher(doctype="Stock Entry", purpose="Disassemble")
	assert is_produced_row(disassemble, Row(t_warehouse="Stores", is_finished_item=1))
	assert not is_produced_row(disassemble, Row(s_warehouse="FG"))
	receipt = Voucher(doctype="Subcontracting Receipt")
	assert is_produced_row(receipt, Row(warehouse="FG", qty=10))
	assert not is_produced_row(receipt, Row(warehouse="FG", qty=2, is_scrap_item=1))
	assert not is_produced_row(receipt, Row(warehouse="FG", qty=0))
	assert not is_produced_row(Voucher(doctype="Stock Entry", purpose="Material Transfer"), Row(s_warehouse="A", t_warehouse="B"))
