"""Picking a page of lots at a time (picking.pick_lots_in_pages) gives exactly what picking every
candidate at once gives (picking.pick_lots): same lots, same order, same quantities, same shortfall."""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lot_control.picking import (
	Allocation,
	LotCandidate,
	PickPolicy,
	pick_lots,
	pick_lots_in_pages,
	picking_order_key,
	sort_for_picking,
)

TODAY = date(2024, 6, 15)
WAREHOUSES = ("Stores - LC", "Cold Room - LC")
CUSTOMERS = ("Customer A", "Customer B")


def lot(name: str, **overrides) -> LotCandidate:
	values = {
		"lot": name,
		"item_code": "ITEM-001",
		"warehouse": WAREHOUSES[0],
		"qty": 10.0,
		"status": "Released",
		"expiry_date": TODAY + timedelta(days=100),
		"manufacturing_date": TODAY - timedelta(days=100),
		"received_date": TODAY - timedelta(days=90),
		"owner": None,
	}
	values.update(overrides)
	return LotCandidate(**values)


def pages_by_expiry_day(candidates, days_per_page: int) -> list[list[LotCandidate]]:
	"""As the database reads them: lots by expiry date, days_per_page expiry dates to a page (a day is
	never cut in two), then one page of every lot that never expires; each page in no order."""
	by_day: dict = {}
	for candidate in candidates:
		by_day.setdefault(candidate.expiry_date, []).append(candidate)
	days = sorted(day for day in by_day if day is not None)
	pages = [
		[candidate for day in days[start : start + days_per_page] for candidate in by_day[day]]
		for start in range(0, len(days), days_per_page)
	]
	if None in by_day:
		pages.append(by_day[None])
	return pages


def pages_cut_anywhere(candidates, cuts: list[int]) -> list[list[LotCandidate]]:
	"""The candidates in picking order, cut at the given positions (any cut keeps the pages in order),
	each page shuffled."""
	ordered = sort_for_picking(candidates)
	bounds = [0, *sorted({cut % (len(ordered) + 1) for cut in cuts}), len(ordered)]
	pages = [ordered[start:end] for start, end in pairwise(bounds)]
	rng = random.Random(len(ordered))
	for page in pages:
		rng.shuffle(page)
	return pages


def assert_same_pick(candidates, pages, qty, policy, precision=6):
	expected = pick_lots(candidates, qty, policy, precision)
	paged = pick_lots_in_pages(pages, qty, policy, precision)
	assert paged.allocations == expected.allocations
	assert paged.shortfall == expected.shortfall
	return paged


days = st.integers(min_value=-30, max_value=60)


@st.composite
def candidate_sets(draw):
	"""Lots of one item over two warehouses: expiry dates drawn from a few days (many ties), some
	never expiring, some expired, quarantined, consigned, short of shelf life, empty or negative."""
	count = draw(st.integers(min_value=0, max_value=40))
	candidates = []
	for index in range(count):
		expiry = draw(st.one_of(st.none(), days.map(lambda offset: TODAY + timedelta(days=offset))))
		manufactured = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=400)))
		candidates.append(
			lot(
				f"LOT-{draw(st.integers(min_value=0, max_value=5)):02d}-{index:03d}",
				warehouse=draw(st.sampled_from(WAREHOUSES)),
				qty=draw(
					st.one_of(
						st.sampled_from((0.0, -3.0, 1.0, 2.5, 10.0)),
						st.floats(min_value=-5, max_value=50, allow_nan=False).map(lambda qty: round(qty, 7)),
					)
				),
				status=draw(
					st.sampled_from(("Released", "Released", "Released", "Quarantine", "Expired", "On Hold"))
				),
				expiry_date=expiry,
				manufacturing_date=TODAY - timedelta(days=manufactured) if manufactured else None,
				received_date=TODAY - timedelta(days=draw(st.integers(min_value=0, max_value=5))),
				owner=draw(st.sampled_from((None, None, None, *CUSTOMERS))),
			)
		)
	return candidates


policies = st.builds(
	PickPolicy,
	on_date=st.just(TODAY),
	allowed_owners=st.sampled_from(
		(frozenset({None}), frozenset({None, CUSTOMERS[0]}), frozenset({CUSTOMERS[1]}))
	),
	strict_expiry=st.booleans(),
	min_remaining_shelf_life_percent=st.sampled_from((None, 20.0, 60.0)),
)
quantities = st.one_of(
	st.sampled_from((0.0, 1.0, 5.0, 25.0, 1000.0)),
	st.floats(min_value=-1, max_value=200, allow_nan=False).map(lambda qty: round(qty, 8)),
)


@settings(max_examples=150, deadline=None)
@given(candidate_sets(), policies, quantities, st.integers(min_value=1, max_value=4))
def test_pages_by_expiry_day_pick_what_all_candidates_pick(candidates, policy, qty, days_per_page):
	assert_same_pick(candidates, pages_by_expiry_day(candidates, days_per_page), qty, policy)


@settings(max_examples=100, deadline=None)
@given(
	candidate_sets(),
	policies,
	quantities,
	st.lists(st.integers(min_value=0, max_value=50), max_size=8),
	st.integers(min_value=0, max_value=6),
)
def test_any_cut_in_picking_order_picks_what_all_candidates_pick(candidates, policy, qty, cuts, precision):
	assert_same_pick(candidates, pages_cut_anywhere(candidates, cuts), qty, policy, precision)


def test_ties_on_expiry_are_picked_by_receipt_then_lot_then_warehouse_across_pages():
	same_day = TODAY + timedelta(days=10)
	candidates = [
		lot("LOT-C", expiry_date=same_day, received_date=TODAY - timedelta(days=1), qty=4),
		lot(
			"LOT-B",
			expiry_date=same_day,
			received_date=TODAY - timedelta(days=2),
			qty=4,
			warehouse=WAREHOUSES[1],
		),
		lot("LOT-B", expiry_date=same_day, received_date=TODAY - timedelta(days=2), qty=4),
		lot("LOT-A", expiry_date=TODAY + timedelta(days=5), qty=1, status="Quarantine"),
		lot("LOT-D", expiry_date=TODAY + timedelta(days=11), qty=4),
		lot("LOT-E", expiry_date=None, received_date=TODAY - timedelta(days=300), qty=50),
	]
	policy = PickPolicy(on_date=TODAY)
	paged = assert_same_pick(candidates, pages_by_expiry_day(candidates, 1), 14, policy)
	assert paged.allocations == [
		Allocation("LOT-B", WAREHOUSES[1], 4.0),
		Allocation("LOT-B", WAREHOUSES[0], 4.0),
		Allocation("LOT-C", WAREHOUSES[0], 4.0),
		Allocation("LOT-D", WAREHOUSES[0], 2.0),
	]


def test_never_expiring_lots_come_after_every_expiring_page():
	candidates = [
		lot("LOT-N", expiry_date=None, received_date=TODAY - timedelta(days=900), qty=5),
		lot("LOT-X", expiry_date=TODAY - timedelta(days=1), qty=5),
		lot("LOT-Y", expiry_date=TODAY + timedelta(days=400), qty=3),
		lot("LOT-Z", expiry_date=TODAY + timedelta(days=2), qty=0),
	]
	policy = PickPolicy(on_date=TODAY)
	paged = assert_same_pick(candidates, pages_by_expiry_day(candidates, 1), 6, policy)
	assert paged.allocations == [
		Allocation("LOT-Y", WAREHOUSES[0], 3.0),
		Allocation("LOT-N", WAREHOUSES[0], 3.0),
	]
	assert paged.shortfall == 0


def test_a_shortfall_is_what_picking_every_candidate_leaves():
	candidates = [
		lot("LOT-1", qty=2),
		lot("LOT-2", qty=3, owner=CUSTOMERS[0]),
		lot("LOT-3", qty=1.2345678, expiry_date=None),
	]
	paged = assert_same_pick(candidates, pages_by_expiry_day(candidates, 1), 10, PickPolicy(on_date=TODAY))
	assert paged.shortfall == pytest.approx(6.765433)


def test_pages_after_the_row_is_covered_are_not_read():
	read = []

	def pages():
		for index in range(5):
			read.append(index)
			yield [lot(f"LOT-{index}", expiry_date=TODAY + timedelta(days=index), qty=10)]

	result = pick_lots_in_pages(pages(), 15, PickPolicy(on_date=TODAY))
	assert [allocation.lot for allocation in result.allocations] == ["LOT-0", "LOT-1"]
	assert read == [0, 1]


def test_nothing_required_reads_no_page():
	def pages():
		raise AssertionError("no page should be read")
		yield []

	assert pick_lots_in_pages(pages(), 0, PickPolicy(on_date=TODAY)).allocations == []


def test_pages_out_of_picking_order_are_refused():
	later = [lot("LOT-LATE", expiry_date=TODAY + timedelta(days=9))]
	sooner = [lot("LOT-SOON", expiry_date=TODAY + timedelta(days=3))]
	with pytest.raises(ValueError, match="comes before"):
		pick_lots_in_pages([later, sooner], 15, PickPolicy(on_date=TODAY))


def test_a_lot_in_two_pages_in_the_same_warehouse_is_refused():
	first = [lot("LOT-1", expiry_date=TODAY + timedelta(days=3))]
	again = [lot("LOT-1", expiry_date=TODAY + timedelta(days=4))]
	with pytest.raises(ValueError, match="more than once"):
		pick_lots_in_pages([first, again], 15, PickPolicy(on_date=TODAY))


def test_the_page_order_check_compares_whole_picking_keys():
	"""Cutting within a day is in order too, so long as receipt, lot and warehouse follow on."""
	same_day = TODAY + timedelta(days=3)
	first = [lot("LOT-A", expiry_date=same_day), lot("LOT-B", expiry_date=same_day)]
	second = [lot("LOT-C", expiry_date=same_day)]
	assert max(map(picking_order_key, first)) < min(map(picking_order_key, second))
	result = pick_lots_in_pages([first, second], 25, PickPolicy(on_date=TODAY))
	assert [allocation.lot for allocation in result.allocations] == ["LOT-A", "LOT-B", "LOT-C"]
