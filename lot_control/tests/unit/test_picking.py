"""Tests for lot eligibility and FEFO/FIFO picking (pure Python, no database)."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from lot_control.picking import (
	LOT_STATUSES,
	REASON_ORDER,
	Allocation,
	LotCandidate,
	PickPolicy,
	PickResult,
	UnusableReason,
	is_usable,
	pick_lots,
	picking_order_key,
	remaining_shelf_life_percent,
	sort_for_picking,
	unusable_reasons,
	usable_breakdown,
)

TODAY = date(2024, 6, 15)

fake = Faker()
Faker.seed(4321)


def lot_code() -> str:
	return fake.unique.bothify("LOT-####-??").upper()


def customer() -> str:
	return fake.unique.company()


def make_lot(**overrides) -> LotCandidate:
	values = {
		"lot": lot_code(),
		"item_code": "ITEM-001",
		"warehouse": "Stores - LC",
		"qty": 10.0,
		"status": "Released",
		"expiry_date": TODAY + timedelta(days=100),
		"manufacturing_date": TODAY - timedelta(days=100),
		"received_date": TODAY - timedelta(days=90),
		"owner": None,
		"warehouse_is_external": False,
	}
	values.update(overrides)
	return LotCandidate(**values)


def house_policy(**overrides) -> PickPolicy:
	return PickPolicy(on_date=TODAY, **overrides)


# --- eligibility -----------------------------------------------------------------------------


def test_released_house_lot_in_date_is_usable():
	lot = make_lot()
	assert unusable_reasons(lot, house_policy()) == []
	assert is_usable(lot, house_policy()) is True


def test_policy_defaults_pick_house_stock_strictly():
	policy = PickPolicy(on_date=TODAY)
	assert policy.allowed_owners == frozenset({None})
	assert policy.strict_expiry is True
	assert policy.min_remaining_shelf_life_percent is None


@pytest.mark.parametrize("status", [s for s in LOT_STATUSES if s != "Released"])
def test_every_status_but_released_is_unusable(status):
	lot = make_lot(status=status)
	assert unusable_reasons(lot, house_policy()) == [UnusableReason.STATUS]
	assert is_usable(lot, house_policy()) is False


def test_expired_status_counts_as_status_even_with_strict_expiry_off():
	lot = make_lot(status="Expired")
	assert unusable_reasons(lot, house_policy(strict_expiry=False)) == [UnusableReason.STATUS]


def test_lot_past_expiry_is_expired():
	lot = make_lot(expiry_date=TODAY - timedelta(days=1))
	assert unusable_reasons(lot, house_policy()) == [UnusableReason.EXPIRED]


def test_lot_is_usable_on_its_expiry_day_and_expired_the_day_after():
	lot = make_lot(expiry_date=TODAY)
	assert is_usable(lot, house_policy()) is True
	next_day = PickPolicy(on_date=TODAY + timedelta(days=1))
	assert unusable_reasons(lot, next_day) == [UnusableReason.EXPIRED]


def test_lot_without_expiry_never_expires():
	lot = make_lot(expiry_date=None)
	assert is_usable(lot, PickPolicy(on_date=date(2999, 12, 31))) is True


def test_strict_expiry_off_lets_expired_lot_through():
	lot = make_lot(expiry_date=TODAY - timedelta(days=30))
	assert unusable_reasons(lot, house_policy(strict_expiry=False)) == []
	assert is_usable(lot, house_policy(strict_expiry=False)) is True
	assert is_usable(lot, house_policy(strict_expiry=True)) is False


def test_external_warehouse_is_unusable():
	lot = make_lot(warehouse="Contract Mfr - LC", warehouse_is_external=True)
	assert unusable_reasons(lot, house_policy()) == [UnusableReason.EXTERNAL_WAREHOUSE]


def test_house_only_policy_rejects_consigned_stock():
	consigned = make_lot(owner=customer())
	assert unusable_reasons(consigned, house_policy()) == [UnusableReason.OWNER]
	assert is_usable(make_lot(owner=None), house_policy()) is True


def test_customer_only_policy_rejects_house_and_other_customers():
	mine, other = customer(), customer()
	policy = house_policy(allowed_owners=frozenset({mine}))
	assert is_usable(make_lot(owner=mine), policy) is True
	assert unusable_reasons(make_lot(owner=None), policy) == [UnusableReason.OWNER]
	assert unusable_reasons(make_lot(owner=other), policy) == [UnusableReason.OWNER]


def test_house_and_customer_policy_accepts_both():
	mine, other = customer(), customer()
	policy = house_policy(allowed_owners=frozenset({None, mine}))
	assert is_usable(make_lot(owner=None), policy) is True
	assert is_usable(make_lot(owner=mine), policy) is True
	assert unusable_reasons(make_lot(owner=other), policy) == [UnusableReason.OWNER]


def test_all_reasons_reported_in_stable_order():
	lot = make_lot(
		status="On Hold",
		expiry_date=TODAY - timedelta(days=1),
		warehouse_is_external=True,
		owner=customer(),
	)
	reasons = unusable_reasons(lot, house_policy(min_remaining_shelf_life_percent=10))
	assert reasons == [
		UnusableReason.STATUS,
		UnusableReason.EXPIRED,
		UnusableReason.EXTERNAL_WAREHOUSE,
		UnusableReason.OWNER,
		UnusableReason.SHELF_LIFE,
	]
	assert list(REASON_ORDER) == reasons


def test_reason_is_a_string_enum():
	assert UnusableReason.OWNER == "owner"
	assert isinstance(UnusableReason.SHELF_LIFE, str)


# --- shelf life ------------------------------------------------------------------------------


def test_shelf_life_percent_from_manufacture():
	lot = make_lot(
		manufacturing_date=date(2024, 1, 1),
		received_date=date(2024, 2, 1),
		expiry_date=date(2024, 1, 1) + timedelta(days=200),
	)
	assert remaining_shelf_life_percent(lot, date(2024, 1, 1)) == 100.0
	assert remaining_shelf_life_percent(lot, date(2024, 1, 1) + timedelta(days=50)) == pytest.approx(75.0)
	assert remaining_shelf_life_percent(lot, date(2024, 1, 1) + timedelta(days=150)) == pytest.approx(25.0)
	assert remaining_shelf_life_percent(lot, date(2024, 1, 1) + timedelta(days=200)) == 0.0


def test_shelf_life_percent_falls_back_to_receipt_date():
	lot = make_lot(manufacturing_date=None, received_date=date(2024, 1, 1), expiry_date=date(2024, 1, 11))
	assert remaining_shelf_life_percent(lot, date(2024, 1, 4)) == pytest.approx(70.0)


def test_shelf_life_percent_is_clamped():
	lot = make_lot(manufacturing_date=date(2024, 1, 1), expiry_date=date(2024, 1, 11))
	assert remaining_shelf_life_percent(lot, date(2023, 1, 1)) == 100.0
	assert remaining_shelf_life_percent(lot, date(2025, 1, 1)) == 0.0


def test_shelf_life_percent_is_none_without_expiry():
	assert remaining_shelf_life_percent(make_lot(expiry_date=None), TODAY) is None


def test_shelf_life_percent_with_no_span_of_life():
	lot = make_lot(manufacturing_date=TODAY, expiry_date=TODAY)
	assert remaining_shelf_life_percent(lot, TODAY) == 0.0
	assert remaining_shelf_life_percent(lot, TODAY + timedelta(days=3)) == 0.0
	assert remaining_shelf_life_percent(lot, TODAY - timedelta(days=1)) == 100.0


def test_min_shelf_life_rule():
	# 100 days of 200 left: 50 %.
	lot = make_lot()
	assert remaining_shelf_life_percent(lot, TODAY) == pytest.approx(50.0)
	assert is_usable(lot, house_policy(min_remaining_shelf_life_percent=50)) is True
	assert is_usable(lot, house_policy(min_remaining_shelf_life_percent=40)) is True
	assert unusable_reasons(lot, house_policy(min_remaining_shelf_life_percent=60)) == [
		UnusableReason.SHELF_LIFE
	]


def test_min_shelf_life_ignores_lots_without_expiry():
	lot = make_lot(expiry_date=None)
	assert is_usable(lot, house_policy(min_remaining_shelf_life_percent=99)) is True


def test_min_shelf_life_still_applies_with_strict_expiry_off():
	lot = make_lot(expiry_date=TODAY - timedelta(days=1))
	policy = house_policy(strict_expiry=False, min_remaining_shelf_life_percent=5)
	assert unusable_reasons(lot, policy) == [UnusableReason.SHELF_LIFE]


def test_lot_on_expiry_day_fails_any_positive_minimum():
	lot = make_lot(expiry_date=TODAY)
	assert unusable_reasons(lot, house_policy(min_remaining_shelf_life_percent=1)) == [
		UnusableReason.SHELF_LIFE
	]
	assert is_usable(lot, house_policy(min_remaining_shelf_life_percent=0)) is True


# --- picking order ---------------------------------------------------------------------------


def test_fefo_first_then_lots_without_expiry():
	late = make_lot(lot="L-LATE", expiry_date=TODAY + timedelta(days=300))
	never = make_lot(lot="L-NEVER", expiry_date=None, received_date=date(2000, 1, 1))
	soon = make_lot(lot="L-SOON", expiry_date=TODAY + timedelta(days=5))
	assert [lot.lot for lot in sort_for_picking([late, never, soon])] == ["L-SOON", "L-LATE", "L-NEVER"]


def test_fifo_breaks_expiry_ties_then_lot_code_then_warehouse():
	expiry = TODAY + timedelta(days=30)
	newer = make_lot(lot="A-NEWER", expiry_date=expiry, received_date=date(2024, 3, 1))
	older = make_lot(lot="Z-OLDER", expiry_date=expiry, received_date=date(2024, 1, 1))
	b_in_2 = make_lot(lot="B", expiry_date=expiry, received_date=date(2024, 3, 1), warehouse="WH 2")
	b_in_1 = make_lot(lot="B", expiry_date=expiry, received_date=date(2024, 3, 1), warehouse="WH 1")
	ordered = sort_for_picking([b_in_2, newer, b_in_1, older])
	assert [(lot.lot, lot.warehouse) for lot in ordered] == [
		("Z-OLDER", older.warehouse),
		("A-NEWER", newer.warehouse),
		("B", "WH 1"),
		("B", "WH 2"),
	]


def test_lots_without_expiry_are_fifo_among_themselves():
	second = make_lot(lot="A", expiry_date=None, received_date=date(2024, 2, 1))
	first = make_lot(lot="B", expiry_date=None, received_date=date(2024, 1, 1))
	assert sort_for_picking([second, first]) == [first, second]
	assert picking_order_key(first) < picking_order_key(second)


# --- pick_lots -------------------------------------------------------------------------------


def test_pick_takes_earliest_expiry_first_and_splits_across_lots():
	soon = make_lot(qty=4, expiry_date=TODAY + timedelta(days=10))
	later = make_lot(qty=10, expiry_date=TODAY + timedelta(days=20))
	result = pick_lots([later, soon], 6, house_policy())
	assert result.allocations == [
		Allocation(lot=soon.lot, warehouse=soon.warehouse, qty=4.0),
		Allocation(lot=later.lot, warehouse=later.warehouse, qty=2.0),
	]
	assert result.shortfall == 0
	assert result.allocated_qty == 6.0


def test_pick_reports_shortfall_and_skips_unusable_lots():
	good = make_lot(qty=3)
	quarantined = make_lot(qty=50, status="Quarantine", expiry_date=TODAY + timedelta(days=1))
	consigned = make_lot(qty=50, owner=customer(), expiry_date=TODAY + timedelta(days=1))
	result = pick_lots([quarantined, consigned, good], 5, house_policy())
	assert result.allocations == [Allocation(good.lot, good.warehouse, 3.0)]
	assert result.shortfall == pytest.approx(2.0)


def test_pick_skips_empty_and_negative_lots():
	empty = make_lot(qty=0, expiry_date=TODAY + timedelta(days=1))
	negative = make_lot(qty=-5, expiry_date=TODAY + timedelta(days=2))
	good = make_lot(qty=5)
	result = pick_lots([empty, negative, good], 2, house_policy())
	assert result.allocations == [Allocation(good.lot, good.warehouse, 2.0)]
	assert result.shortfall == 0


@pytest.mark.parametrize("required", [0, -3, 0.0000001])
def test_pick_nothing_required_gives_empty_result(required):
	result = pick_lots([make_lot()], required, house_policy())
	assert result == PickResult(allocations=[], shortfall=0.0)


def test_pick_rounds_to_precision_and_never_exceeds_lot():
	lot = make_lot(qty=1.23456789)
	result = pick_lots([lot], 5, house_policy(), precision=3)
	assert result.allocations == [Allocation(lot.lot, lot.warehouse, 1.234)]
	assert result.allocations[0].qty <= lot.qty
	assert result.shortfall == pytest.approx(3.766)


def test_pick_with_no_candidates_is_all_shortfall():
	assert pick_lots([], 7.5, house_policy()) == PickResult(allocations=[], shortfall=7.5)


def test_pick_can_use_customer_stock_when_allowed():
	owner = customer()
	house = make_lot(qty=2, expiry_date=TODAY + timedelta(days=50))
	consigned = make_lot(qty=5, owner=owner, expiry_date=TODAY + timedelta(days=10))
	result = pick_lots([house, consigned], 6, house_policy(allowed_owners=frozenset({None, owner})))
	assert [(a.lot, a.qty) for a in result.allocations] == [(consigned.lot, 5.0), (house.lot, 1.0)]


def test_pick_rejects_duplicate_lot_in_same_warehouse():
	lot = make_lot()
	with pytest.raises(ValueError, match="more than once"):
		pick_lots([lot, lot._replace(qty=1)], 1, house_policy())


def test_pick_rejects_non_finite_quantities():
	with pytest.raises(ValueError, match="finite"):
		pick_lots([make_lot()], float("nan"), house_policy())
	with pytest.raises(ValueError, match="finite"):
		pick_lots([make_lot(qty=float("inf"))], 1, house_policy())


def test_pick_rejects_negative_precision():
	with pytest.raises(ValueError, match="precision"):
		pick_lots([make_lot()], 1, house_policy(), precision=-1)


# --- usable_breakdown ------------------------------------------------------------------------


def test_breakdown_counts_each_lot_under_its_first_reason():
	lots = [
		make_lot(qty=5),
		make_lot(qty=2, status="Rejected", owner=customer()),
		make_lot(qty=3, expiry_date=TODAY - timedelta(days=1), warehouse_is_external=True),
		make_lot(qty=4, owner=customer()),
		make_lot(qty=1, warehouse_is_external=True),
		make_lot(qty=-9),
	]
	breakdown = usable_breakdown(lots, house_policy())
	assert breakdown["on_hand"] == 15.0
	assert breakdown["usable"] == 5.0
	assert breakdown["unusable"] == {
		UnusableReason.STATUS: 2.0,
		UnusableReason.EXPIRED: 3.0,
		UnusableReason.EXTERNAL_WAREHOUSE: 1.0,
		UnusableReason.OWNER: 4.0,
		UnusableReason.SHELF_LIFE: 0.0,
	}
	assert sum(breakdown["unusable"].values()) == breakdown["on_hand"] - breakdown["usable"]


def test_breakdown_of_nothing_is_zero():
	breakdown = usable_breakdown([], house_policy())
	assert breakdown["on_hand"] == 0.0
	assert breakdown["usable"] == 0.0
	assert set(breakdown["unusable"]) == set(UnusableReason)
	assert all(qty == 0.0 for qty in breakdown["unusable"].values())


# --- properties ------------------------------------------------------------------------------

BASE = date(2024, 1, 1)
OWNERS = [None, "Cust A", "Cust B"]

days = st.integers(min_value=0, max_value=120)
quantities = st.one_of(
	st.decimals(min_value=-5, max_value=100, places=4, allow_nan=False, allow_infinity=False).map(float),
	st.floats(min_value=-5, max_value=100, allow_nan=False, allow_infinity=False),
	st.just(0.0),
)


@st.composite
def candidate(draw, lot: str, warehouse: str) -> LotCandidate:
	received = BASE + timedelta(days=draw(days))
	manufactured = None if draw(st.booleans()) else received - timedelta(days=draw(days))
	expiry = None if draw(st.booleans()) else BASE + timedelta(days=draw(days))
	return LotCandidate(
		lot=lot,
		item_code="ITEM-001",
		warehouse=warehouse,
		qty=draw(quantities),
		status=draw(st.sampled_from(LOT_STATUSES + ("Released",) * 4)),
		expiry_date=expiry,
		manufacturing_date=manufactured,
		received_date=received,
		owner=draw(st.sampled_from(OWNERS)),
		warehouse_is_external=draw(st.sampled_from([False, False, False, True])),
	)


@st.composite
def candidate_lists(draw) -> list[LotCandidate]:
	keys = draw(
		st.lists(
			st.tuples(st.sampled_from(["L1", "L2", "L3", "L4", "L5", "L6"]), st.sampled_from(["W1", "W2"])),
			unique=True,
			max_size=12,
		)
	)
	return [draw(candidate(lot, warehouse)) for lot, warehouse in keys]


policies = st.builds(
	PickPolicy,
	on_date=st.builds(lambda d: BASE + timedelta(days=d), days),
	allowed_owners=st.frozensets(st.sampled_from(OWNERS), min_size=1),
	strict_expiry=st.booleans(),
	min_remaining_shelf_life_percent=st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
)
required_qtys = st.floats(min_value=-1, max_value=500, allow_nan=False, allow_infinity=False)
precisions = st.integers(min_value=0, max_value=6)


def _floor(value: float, precision: int) -> float:
	"""What pick_lots may take from a lot: its quantity rounded down to precision."""
	return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-precision), rounding=ROUND_FLOOR))


@settings(max_examples=300)
@given(candidate_lists(), required_qtys, policies, precisions)
def test_property_pick_invariants(candidates, required, policy, precision):
	result = pick_lots(candidates, required, policy, precision=precision)
	by_key = {(c.lot, c.warehouse): c for c in candidates}
	tolerance = 10**-precision / 2 + 1e-9

	for allocation in result.allocations:
		lot = by_key[(allocation.lot, allocation.warehouse)]
		assert is_usable(lot, policy)
		assert 0 < allocation.qty <= lot.qty
		assert allocation.qty == round(allocation.qty, precision)
	assert len({(a.lot, a.warehouse) for a in result.allocations}) == len(result.allocations)
	assert result.shortfall >= 0
	assert result.shortfall == round(result.shortfall, precision)

	if required <= 0:
		assert result == PickResult()
	else:
		covered = sum(a.qty for a in result.allocations) + result.shortfall
		assert math.isclose(covered, required, abs_tol=tolerance)

	# Allocations are a prefix of the usable lots in picking order, each taken whole but the last.
	pickable = [
		c for c in sort_for_picking(candidates) if is_usable(c, policy) and _floor(c.qty, precision) > 0
	]
	used = [(a.lot, a.warehouse) for a in result.allocations]
	assert used == [(c.lot, c.warehouse) for c in pickable[: len(used)]]
	for allocation, lot in zip(result.allocations[:-1], pickable, strict=False):
		assert allocation.qty == _floor(lot.qty, precision)
	if result.shortfall > 0:
		assert len(used) == len(pickable)
		if pickable:
			assert result.allocations[-1].qty == _floor(pickable[-1].qty, precision)


@settings(max_examples=200)
@given(candidate_lists(), required_qtys, policies, st.randoms(use_true_random=False))
def test_property_pick_is_deterministic(candidates, required, policy, rnd):
	shuffled = list(candidates)
	rnd.shuffle(shuffled)
	assert pick_lots(shuffled, required, policy) == pick_lots(candidates, required, policy)
	assert sort_for_picking(shuffled) == sort_for_picking(candidates)


@settings(max_examples=200)
@given(candidate_lists(), policies, precisions)
def test_property_breakdown_parts_add_up(candidates, policy, precision):
	breakdown = usable_breakdown(candidates, policy, precision=precision)
	unusable = breakdown["unusable"]
	assert set(unusable) == set(UnusableReason)
	assert all(qty >= 0 for qty in unusable.values())
	assert 0 <= breakdown["usable"] <= breakdown["on_hand"] + 1e-9
	assert math.isclose(
		sum(unusable.values()), breakdown["on_hand"] - breakdown["usable"], rel_tol=1e-12, abs_tol=1e-9
	)
	# "usable" is exactly what an unlimited pick could allocate.
	everything = pick_lots(candidates, 10**6, policy, precision=precision)
	assert math.isclose(everything.allocated_qty, breakdown["usable"], rel_tol=1e-12, abs_tol=1e-9)


@given(candidate_lists(), policies, precisions, st.randoms(use_true_random=False))
def test_property_breakdown_is_the_same_given_the_reasons_and_in_any_order(candidates, policy, precision, rng):
	"""A report passes the reasons it lists and its lots in picking order: the same breakdown."""
	expected = usable_breakdown(candidates, policy, precision=precision)
	shuffled = list(candidates)
	rng.shuffle(shuffled)
	reasons = [unusable_reasons(lot, policy) for lot in shuffled]
	assert usable_breakdown(shuffled, policy, precision, reasons) == expected
	assert usable_breakdown(iter(shuffled), policy, precision) == expected


@given(candidate_lists(), policies)
def test_property_reasons_are_ordered_unique_and_match_is_usable(candidates, policy):
	for lot in candidates:
		reasons = unusable_reasons(lot, policy)
		assert reasons == sorted(set(reasons), key=REASON_ORDER.index)
		assert is_usable(lot, policy) == (not reasons)
		assert (UnusableReason.STATUS in reasons) == (lot.status != "Released")
		assert (UnusableReason.OWNER in reasons) == (lot.owner not in policy.allowed_owners)
		assert (UnusableReason.EXTERNAL_WAREHOUSE in reasons) == lot.warehouse_is_external
		expired = lot.expiry_date is not None and lot.expiry_date < policy.on_date
		assert (UnusableReason.EXPIRED in reasons) == (expired and policy.strict_expiry)
		percent = remaining_shelf_life_percent(lot, policy.on_date)
		if percent is not None:
			assert 0.0 <= percent <= 100.0


def test_sort_is_independent_of_input_order_with_many_ties():
	rng = random.Random(7)
	expiry = TODAY + timedelta(days=9)
	lots = [
		make_lot(lot=code, warehouse=wh, expiry_date=expiry, received_date=TODAY)
		for code in ("C", "A", "B")
		for wh in ("W2", "W1")
	]
	expected = [(lot.lot, lot.warehouse) for lot in sort_for_picking(lots)]
	assert expected == [("A", "W1"), ("A", "W2"), ("B", "W1"), ("B", "W2"), ("C", "W1"), ("C", "W2")]
	for _ in range(10):
		rng.shuffle(lots)
		assert [(lot.lot, lot.warehouse) for lot in sort_for_picking(lots)] == expected
