"""Tests for costing a build lot by lot (pure Python, no database)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest
from faker import Faker
from hypothesis import given, settings
from hypothesis import strategies as st

from lot_control.costing import (
	BuildCost,
	ConsumedLot,
	CostLine,
	inventory_value,
	roll_up_build_cost,
	split_build_cost,
)

fake = Faker()
Faker.seed(2718)


def lot_code() -> str:
	return fake.unique.bothify("LOT-####-??").upper()


def customer() -> str:
	return fake.unique.company()


def consumed(qty, unit_cost, **overrides) -> ConsumedLot:
	values = {"lot": lot_code(), "item_code": "FLOUR-T55", "qty": qty, "unit_cost": unit_cost, "owner": None}
	values.update(overrides)
	return ConsumedLot(**values)


# --- a worked build --------------------------------------------------------------------------


def test_a_build_from_three_flour_lots_costs_what_was_paid_for_each():
	cheap = consumed(Decimal("12.5"), Decimal("1.20"))
	middle = consumed(Decimal("30"), Decimal("1.175"))
	dear = consumed(Decimal("7.25"), Decimal("1.333333"))

	cost = roll_up_build_cost([cheap, middle, dear], produced_qty=45, additional_cost=Decimal("18.40"))

	assert cost.lines == (
		CostLine(cheap.lot, "FLOUR-T55", Decimal("12.5"), Decimal("1.20"), Decimal("15.00"), False),
		CostLine(middle.lot, "FLOUR-T55", Decimal("30"), Decimal("1.175"), Decimal("35.25"), False),
		CostLine(dear.lot, "FLOUR-T55", Decimal("7.25"), Decimal("1.333333"), Decimal("9.67"), False),
	)
	assert cost.materials_cost == Decimal("59.92")
	assert cost.consigned_value == Decimal("0")
	assert cost.additional_cost == Decimal("18.40")
	assert cost.total_cost == Decimal("78.32")
	assert cost.produced_qty == Decimal("45")
	assert cost.unit_cost == Decimal("1.740444444")
	assert str(cost.unit_cost) == "1.740444444"


def test_unit_cost_to_the_cent_when_rates_are_kept_in_cents():
	rows = [consumed(Decimal("12.5"), Decimal("1.20")), consumed(Decimal("30"), Decimal("1.175"))]
	cost = roll_up_build_cost(rows, produced_qty=45, additional_cost=Decimal("18.40"), rate_precision=2)
	assert cost.total_cost == Decimal("68.65")
	assert str(cost.unit_cost) == "1.53"


def test_float_inputs_are_read_as_typed():
	row = consumed(0.1, 0.3)
	cost = roll_up_build_cost([row], produced_qty=0.3, additional_cost=0.07)
	assert cost.lines[0].qty == Decimal("0.1")
	assert cost.lines[0].unit_cost == Decimal("0.3")
	assert cost.lines[0].amount == Decimal("0.03")
	assert cost.total_cost == Decimal("0.10")
	assert cost.produced_qty == Decimal("0.3")
	assert cost.unit_cost == Decimal("0.333333333")


def test_a_build_with_no_materials_costs_only_its_operations():
	cost = roll_up_build_cost([], produced_qty=4, additional_cost=Decimal("10"))
	assert cost.lines == ()
	assert cost.materials_cost == Decimal("0.00")
	assert cost.total_cost == Decimal("10.00")
	assert cost.unit_cost == Decimal("2.5")


def test_a_zero_quantity_row_is_kept_and_costs_nothing():
	row = consumed(0, Decimal("4.50"))
	cost = roll_up_build_cost([row], produced_qty=1)
	assert len(cost.lines) == 1
	assert cost.lines[0].amount == Decimal("0")
	assert cost.total_cost == Decimal("0")


# --- rounding as ERPNext rounds ----------------------------------------------------------------


def test_half_a_cent_rounds_up_where_bankers_rounding_would_round_down():
	assert round(Decimal("0.005"), 2) == Decimal("0.00")
	cost = roll_up_build_cost([consumed(1, Decimal("0.005"))], produced_qty=1)
	assert str(cost.lines[0].amount) == "0.01"


def test_two_point_six_seven_five_rounds_to_two_point_six_eight_though_float_round_gives_six_seven():
	assert round(2.675, 2) == 2.67
	cost = roll_up_build_cost([consumed(1, 2.675)], produced_qty=1)
	assert str(cost.lines[0].amount) == "2.68"


def test_even_neighbour_does_not_attract_the_half():
	assert round(Decimal("0.025"), 2) == Decimal("0.02")
	cost = roll_up_build_cost([consumed(Decimal("0.5"), Decimal("0.05"))], produced_qty=1)
	assert str(cost.lines[0].amount) == "0.03"


def test_just_below_half_rounds_down():
	cost = roll_up_build_cost([consumed(1, Decimal("2.674999"))], produced_qty=1)
	assert str(cost.lines[0].amount) == "2.67"


def test_additional_cost_and_unit_cost_round_half_up():
	cost = roll_up_build_cost([], produced_qty=8, additional_cost=Decimal("0.125"), rate_precision=4)
	assert str(cost.additional_cost) == "0.13"
	assert str(cost.total_cost) == "0.13"
	assert str(cost.unit_cost) == "0.0163"

	halfway = roll_up_build_cost([], produced_qty=8, additional_cost=Decimal("0.01"), rate_precision=4)
	assert round(Decimal("0.00125"), 4) == Decimal("0.0012")
	assert str(halfway.unit_cost) == "0.0013"


def test_currency_precision_applies_to_every_amount():
	row = consumed(Decimal("3"), Decimal("0.33335"))
	cost = roll_up_build_cost([row], produced_qty=1, additional_cost=Decimal("0.0005"), currency_precision=3)
	assert str(cost.lines[0].amount) == "1.000"
	assert str(cost.additional_cost) == "0.001"
	assert str(cost.total_cost) == "1.001"


def test_unit_cost_is_rounded_once_from_the_exact_quotient():
	# 1.4999...97 / 3 is 0.4999...99 (40 places); a 28-digit division would make it 0.5 and round to 1.
	total = Decimal("1." + "4" + "9" * 38 + "7")
	cost = roll_up_build_cost(
		[], produced_qty=3, additional_cost=total, currency_precision=40, rate_precision=0
	)
	assert cost.total_cost == total
	assert cost.unit_cost == Decimal("0")


def test_large_amounts_stay_exact():
	row = consumed(Decimal("123456789012345678901234567890"), Decimal("1.005"))
	cost = roll_up_build_cost([row], produced_qty=1)
	assert cost.lines[0].amount == Decimal("124074072957407407295740740729.45")


# --- consigned stock -------------------------------------------------------------------------


def test_consigned_lot_costs_the_company_nothing_but_is_shown():
	owner = customer()
	house = consumed(Decimal("10"), Decimal("2.50"))
	theirs = consumed(Decimal("4"), Decimal("3.125"), owner=owner)

	cost = roll_up_build_cost([house, theirs], produced_qty=7, additional_cost=Decimal("6"))

	house_line, consigned_line = cost.lines
	assert house_line.consigned is False
	assert house_line.amount == Decimal("25.00")
	assert house_line.consigned_value == Decimal("0")
	assert consigned_line.consigned is True
	assert consigned_line.qty == Decimal("4")
	assert consigned_line.unit_cost == Decimal("3.125")
	assert consigned_line.amount == Decimal("0")
	assert str(consigned_line.consigned_value) == "12.50"
	assert cost.materials_cost == Decimal("25.00")
	assert cost.consigned_value == Decimal("12.50")
	assert cost.total_cost == Decimal("31.00")
	assert cost.unit_cost == Decimal("4.428571429")


def test_consigned_lot_with_no_recorded_cost_has_no_notional_value():
	theirs = consumed(Decimal("9"), 0, owner=customer())
	cost = roll_up_build_cost([theirs], produced_qty=3, additional_cost=Decimal("1.50"))
	assert cost.lines[0].qty == Decimal("9")
	assert cost.lines[0].consigned is True
	assert cost.consigned_value == Decimal("0")
	assert cost.total_cost == Decimal("1.50")
	assert cost.unit_cost == Decimal("0.5")


def test_a_build_only_from_consigned_stock_costs_only_its_operations():
	rows = [consumed(Decimal("2"), Decimal("7.77"), owner=customer()) for _ in range(3)]
	cost = roll_up_build_cost(rows, produced_qty=2, additional_cost=Decimal("5"))
	assert cost.materials_cost == Decimal("0")
	assert cost.consigned_value == Decimal("46.62")
	assert cost.total_cost == Decimal("5.00")
	assert cost.unit_cost == Decimal("2.5")


# --- the same lot on two rows ------------------------------------------------------------------


def test_the_same_lot_on_two_rows_stays_two_lines_and_merges_by_lot():
	lot = lot_code()
	other = consumed(Decimal("1"), Decimal("10"))
	first = consumed(Decimal("2.5"), Decimal("1.005"), lot=lot)
	second = consumed(Decimal("1.5"), Decimal("1.005"), lot=lot)

	cost = roll_up_build_cost([first, other, second], produced_qty=1)

	assert [line.lot for line in cost.lines] == [lot, other.lot, lot]
	assert [line.amount for line in cost.lines] == [Decimal("2.51"), Decimal("10.00"), Decimal("1.51")]
	merged = cost.lines_by_lot()
	assert [line.lot for line in merged] == [lot, other.lot]
	assert merged[0] == CostLine(lot, "FLOUR-T55", Decimal("4.0"), Decimal("1.005"), Decimal("4.02"), False)
	assert merged[1] == cost.lines[1]
	assert sum(line.amount for line in merged) == cost.materials_cost == Decimal("14.02")


def test_merging_a_consigned_lot_sums_its_notional_value():
	owner = customer()
	lot = lot_code()
	rows = [consumed(Decimal("1"), Decimal("0.125"), lot=lot, owner=owner) for _ in range(3)]
	cost = roll_up_build_cost(rows, produced_qty=1)
	(merged,) = cost.lines_by_lot()
	assert merged.qty == Decimal("3")
	assert merged.amount == Decimal("0")
	assert merged.consigned is True
	assert merged.consigned_value == Decimal("0.39")
	assert cost.consigned_value == Decimal("0.39")


@pytest.mark.parametrize(
	"change, label",
	[
		({"item_code": "SUGAR-W"}, "item"),
		({"owner": "Someone Else Ltd"}, "owner"),
		({"unit_cost": Decimal("1.01")}, "unit cost"),
	],
)
def test_one_lot_listed_with_two_items_owners_or_costs_is_refused(change, label):
	lot = lot_code()
	first = consumed(1, Decimal("1.00"), lot=lot)
	second = replace(first, **change)
	with pytest.raises(ValueError, match=rf"{lot}.*{label}"):
		roll_up_build_cost([first, second], produced_qty=1)


def test_the_same_cost_written_two_ways_is_one_cost():
	lot = lot_code()
	rows = [
		consumed(1, Decimal("1.2"), lot=lot),
		consumed(1, 1.20, lot=lot),
		consumed(1, Decimal("1.200"), lot=lot),
	]
	cost = roll_up_build_cost(rows, produced_qty=1)
	assert cost.total_cost == Decimal("3.60")


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("produced_qty", [0, 0.0, Decimal("0"), -1, Decimal("-0.001")])
def test_a_build_that_produced_nothing_is_refused(produced_qty):
	with pytest.raises(ValueError, match="produced_qty"):
		roll_up_build_cost([consumed(1, 1)], produced_qty=produced_qty)


def test_negative_consumed_qty_is_refused_naming_the_lot():
	row = consumed(Decimal("-2"), Decimal("1.00"))
	with pytest.raises(ValueError, match=rf"qty of lot '{row.lot}'.*negative"):
		roll_up_build_cost([row], produced_qty=1)


def test_negative_unit_cost_is_refused_naming_the_lot():
	row = consumed(Decimal("2"), -0.01)
	with pytest.raises(ValueError, match=rf"unit_cost of lot '{row.lot}'.*negative"):
		roll_up_build_cost([row], produced_qty=1)


def test_negative_additional_cost_is_refused():
	with pytest.raises(ValueError, match="additional_cost"):
		roll_up_build_cost([consumed(1, 1)], produced_qty=1, additional_cost=Decimal("-5"))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity")])
def test_non_finite_numbers_are_refused(bad):
	row = consumed(bad, 1)
	with pytest.raises(ValueError, match=row.lot):
		roll_up_build_cost([row], produced_qty=1)
	with pytest.raises(ValueError, match="produced_qty"):
		roll_up_build_cost([], produced_qty=bad)


def test_non_numbers_are_refused():
	with pytest.raises(TypeError):
		roll_up_build_cost([consumed("3", 1)], produced_qty=1)
	with pytest.raises(TypeError):
		roll_up_build_cost([], produced_qty=True)


@pytest.mark.parametrize("precision", [-1, 1.5])
def test_invalid_precisions_are_refused(precision):
	with pytest.raises(ValueError, match="precision"):
		roll_up_build_cost([], produced_qty=1, currency_precision=precision)
	with pytest.raises(ValueError, match="precision"):
		roll_up_build_cost([], produced_qty=1, rate_precision=precision)


def test_negative_zero_is_plain_zero():
	cost = roll_up_build_cost([consumed(-0.0, Decimal("3"))], produced_qty=1)
	assert cost.lines[0].qty == 0
	assert not cost.lines[0].qty.is_signed()
	assert not cost.lines[0].amount.is_signed()


# --- splitting a build's cost over several produced lots -------------------------------------


def test_split_over_equal_lots_gives_the_leftover_cent_to_the_first():
	assert split_build_cost(Decimal("100.00"), [1, 1, 1], 2) == (
		Decimal("33.34"),
		Decimal("33.33"),
		Decimal("33.33"),
	)


def test_split_gives_the_leftover_to_the_largest_remainder():
	parts = split_build_cost(Decimal("10"), [Decimal("1"), Decimal("2")], 2)
	assert [str(part) for part in parts] == ["3.33", "6.67"]


def test_split_of_a_cost_that_divides_evenly_is_exact():
	assert split_build_cost(Decimal("90"), [10, 20, 60], 2) == (Decimal("10"), Decimal("20"), Decimal("60"))


def test_split_leaves_a_lot_of_nothing_at_zero():
	assert split_build_cost(Decimal("0.05"), [0, 3, 0, 3], 2) == (
		Decimal("0"),
		Decimal("0.03"),
		Decimal("0"),
		Decimal("0.02"),
	)


def test_split_rounds_the_total_half_up_first():
	parts = split_build_cost(2.675, [1.0, 1.0], 2)
	assert sum(parts) == Decimal("2.68")
	assert parts == (Decimal("1.34"), Decimal("1.34"))


@pytest.mark.parametrize(
	"total, quantities",
	[(Decimal("-1"), [1]), (Decimal("1"), []), (Decimal("1"), [0, 0]), (Decimal("1"), [2, -1])],
)
def test_split_refuses_what_cannot_be_shared(total, quantities):
	with pytest.raises(ValueError):
		split_build_cost(total, quantities, 2)


@settings(max_examples=300)
@given(
	precision=st.integers(min_value=0, max_value=6),
	total_units=st.integers(min_value=0, max_value=10**12),
	quantities=st.lists(
		st.decimals(min_value=0, max_value=100000, places=3, allow_nan=False, allow_infinity=False),
		min_size=1,
		max_size=12,
	).filter(lambda qtys: sum(qtys) > 0),
)
def test_split_parts_add_up_exactly_and_stay_within_one_unit(precision, total_units, quantities):
	total = Decimal(total_units).scaleb(-precision)
	unit = Fraction(1, 10**precision)
	parts = split_build_cost(total, quantities, precision)

	assert len(parts) == len(quantities)
	assert sum(parts) == total
	qty_sum = sum(Fraction(qty) for qty in quantities)
	for part, qty in zip(parts, quantities, strict=True):
		assert part >= 0
		assert part.as_tuple().exponent >= -precision
		assert abs(Fraction(part) - Fraction(total) * Fraction(qty) / qty_sum) < unit


# --- valuing stock on hand -------------------------------------------------------------------


def test_inventory_value_rounds_each_lot_then_adds():
	on_hand = [
		(lot_code(), 10, Decimal("1.20")),
		(lot_code(), 2.5, 0.333),
		(lot_code(), Decimal("3"), Decimal("0.005")),
	]
	assert str(inventory_value(on_hand)) == "12.85"


def test_inventory_value_of_nothing_is_zero_at_precision():
	assert str(inventory_value([])) == "0.00"
	assert str(inventory_value([], precision=3)) == "0.000"


def test_inventory_value_at_a_finer_precision():
	assert str(inventory_value([(lot_code(), Decimal("1"), Decimal("2.6745"))], precision=3)) == "2.675"


def test_inventory_value_refuses_negative_stock_naming_the_lot():
	lot = lot_code()
	with pytest.raises(ValueError, match=rf"qty of lot '{lot}'"):
		inventory_value([(lot, -1, Decimal("1"))])
	with pytest.raises(ValueError, match=rf"unit_cost of lot '{lot}'"):
		inventory_value([(lot, 1, Decimal("-1"))])


# --- properties of every build ---------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False, allow_infinity=False)
quantity = st.decimals(min_value=0, max_value=10**5, places=4, allow_nan=False, allow_infinity=False)
positive_quantity = st.decimals(
	min_value=Decimal("0.0001"), max_value=10**5, places=4, allow_nan=False, allow_infinity=False
)


@st.composite
def builds(draw):
	rows = [
		ConsumedLot(
			lot=f"LOT-{index:03d}",
			item_code=draw(st.sampled_from(["FLOUR-T55", "SUGAR-W", "YEAST-D"])),
			qty=draw(quantity),
			unit_cost=draw(money),
			owner=draw(st.sampled_from([None, None, "Consignor Ltd"])),
		)
		for index in range(draw(st.integers(min_value=0, max_value=8)))
	]
	return rows, draw(positive_quantity), draw(money)


@settings(max_examples=300)
@given(build=builds(), currency_precision=st.integers(0, 4), rate_precision=st.integers(0, 9))
def test_total_is_the_rounded_lines_plus_additional_and_unit_cost_is_within_rounding(
	build, currency_precision, rate_precision
):
	rows, produced_qty, additional_cost = build
	cost = roll_up_build_cost(rows, produced_qty, additional_cost, currency_precision, rate_precision)

	assert isinstance(cost, BuildCost)
	assert len(cost.lines) == len(rows)
	assert [line.lot for line in cost.lines] == [row.lot for row in rows]
	assert cost.total_cost == sum(line.amount for line in cost.lines) + cost.additional_cost
	assert cost.total_cost == cost.materials_cost + cost.additional_cost
	assert cost.consigned_value == sum(line.consigned_value for line in cost.lines)
	cent = Fraction(1, 10**currency_precision)
	for row, line in zip(rows, cost.lines, strict=True):
		exact = Fraction(row.qty) * Fraction(row.unit_cost)
		if row.owner is None:
			value, other = line.amount, line.consigned_value
		else:
			value, other = line.consigned_value, line.amount
		assert line.consigned is (row.owner is not None)
		assert Fraction(value) - exact <= cent / 2
		assert exact - Fraction(value) < cent / 2
		assert other == 0
	gap = abs(Fraction(cost.unit_cost) * Fraction(produced_qty) - Fraction(cost.total_cost))
	assert gap <= Fraction(produced_qty) * Fraction(1, 10**rate_precision) / 2
	assert gap <= Fraction(produced_qty) * Fraction(1, 10**rate_precision)


@settings(max_examples=200)
@given(build=builds())
def test_merging_by_lot_keeps_every_quantity_and_amount(build):
	rows, produced_qty, additional_cost = build
	doubled = rows + rows
	cost = roll_up_build_cost(doubled, produced_qty, additional_cost)
	merged = cost.lines_by_lot()

	assert len(cost.lines) == 2 * len(rows)
	assert [line.lot for line in merged] == [row.lot for row in rows]
	assert sum(line.qty for line in merged) == sum(line.qty for line in cost.lines)
	assert sum(line.amount for line in merged) == cost.materials_cost
	assert sum(line.consigned_value for line in merged) == cost.consigned_value


def test_unlotted_inputs_and_additional_costs_add_to_the_build_and_scrap_comes_off():
	"""Screws from a bin and operating costs are part of the build; scrap given back is not."""
	cost = roll_up_build_cost(
		[consumed(3, Decimal("2.50")), consumed(2, Decimal("1.125"))],
		produced_qty=4,
		additional_cost=Decimal("10"),
		unlotted_materials_cost=Decimal("0.335"),
		scrap_value=Decimal("1.00"),
	)
	assert cost.materials_cost == Decimal("9.75")  # 7.50 + 2.25
	assert cost.unlotted_materials_cost == Decimal("0.34")  # half up, as flt() rounds
	assert cost.scrap_value == Decimal("1.00")
	assert cost.total_cost == Decimal("19.09")
	assert cost.unit_cost == Decimal("4.772500000")


def test_scrap_worth_more_than_the_build_is_refused():
	with pytest.raises(ValueError, match="scrap"):
		roll_up_build_cost([consumed(1, 1)], produced_qty=1, scrap_value=5)


@pytest.mark.parametrize("field", ["unlotted_materials_cost", "scrap_value"])
def test_negative_unlotted_cost_or_scrap_is_refused(field):
	with pytest.raises(ValueError, match="must not be negative"):
		roll_up_build_cost([consumed(1, 1)], produced_qty=1, **{field: -1})


# The formula said once ------------------------------------------------------------------------


def test_the_build_cost_formula_is_materials_plus_other_materials_plus_additional_less_scrap():
	from lot_control.costing import total_build_cost

	assert total_build_cost(80, 0, 35, 0) == Decimal("115.00")
	assert total_build_cost(Decimal("10.005"), 1.115, 0.004, 2.5) == Decimal("8.63")


def test_the_roll_up_and_the_formula_agree_to_the_cent():
	from lot_control.costing import total_build_cost, unit_cost_of

	rows = [ConsumedLot("A", "PART", 3, Decimal("1.115")), ConsumedLot("B", "PART-2", 2, Decimal("0.335"))]
	cost = roll_up_build_cost(rows, 7, additional_cost=1.005, unlotted_materials_cost=0.125, scrap_value=0.015)
	assert cost.total_cost == total_build_cost(cost.materials_cost, 0.125, 1.005, 0.015)
	assert cost.unit_cost == unit_cost_of(cost.total_cost, 7)


def test_nothing_produced_has_no_unit_cost():
	from lot_control.costing import unit_cost_of

	assert unit_cost_of(Decimal("12.50"), 0) == 0
	assert unit_cost_of(Decimal("10.00"), 3) == Decimal("3.333333333")
