"""Money is rounded one way, the site's: costing.round_money gives what Frappe's flt(value,
precision) gives under each System Settings rounding method, so a report and a build cost never
differ by a cent."""

import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lot_control import costing


# Copied from frappe.utils.data (v15): the rounding the site applies through flt(); the oracle here.
def _bankers_rounding_legacy(num, precision):
	multiplier = 10**precision
	num = round(num * multiplier if precision else num, 8)
	floor_num = math.floor(num)
	decimal_part = num - floor_num
	if not precision and decimal_part == 0.5:
		num = floor_num if (floor_num % 2 == 0) else floor_num + 1
	elif decimal_part == 0.5:
		num = floor_num + 1
	else:
		num = round(num)
	return (num / multiplier) if precision else num


def _round_away_from_zero(num, precision):
	if num == 0:
		return 0.0
	epsilon = 2.0 ** (math.log(abs(num), 2) - 52.0)
	return round(num + math.copysign(epsilon, num), precision)


def _bankers_rounding(num, precision):
	multiplier = 10**precision
	num = round(num * multiplier, 12)
	if num == 0:
		return 0.0
	floor_num = math.floor(num)
	decimal_part = num - floor_num
	epsilon = 2.0 ** (math.log(abs(num), 2) - 52.0)
	if abs(decimal_part - 0.5) < epsilon:
		num = floor_num if (floor_num % 2 == 0) else floor_num + 1
	else:
		num = round(num)
	return num / multiplier


FRAPPE = {
	costing.BANKERS_ROUNDING_LEGACY: _bankers_rounding_legacy,
	costing.BANKERS_ROUNDING: _bankers_rounding,
	costing.COMMERCIAL_ROUNDING: _round_away_from_zero,
}


@pytest.mark.parametrize(
	"value, precision, method, expected",
	[
		("2.665", 2, costing.BANKERS_ROUNDING, "2.66"),
		("2.675", 2, costing.BANKERS_ROUNDING, "2.68"),
		("2.665", 2, costing.COMMERCIAL_ROUNDING, "2.67"),
		("-2.665", 2, costing.COMMERCIAL_ROUNDING, "-2.67"),
		("2.665", 2, costing.BANKERS_ROUNDING_LEGACY, "2.67"),
		("-2.665", 2, costing.BANKERS_ROUNDING_LEGACY, "-2.66"),
		("2.5", 0, costing.BANKERS_ROUNDING_LEGACY, "2"),
		("3.5", 0, costing.BANKERS_ROUNDING_LEGACY, "4"),
	],
)
def test_a_cent_goes_the_way_the_site_says(value, precision, method, expected):
	assert costing.round_money(Decimal(value), precision, method) == Decimal(expected)


@given(
	units=st.integers(min_value=-(10**9), max_value=10**9),
	scale=st.integers(min_value=0, max_value=5),
	precision=st.integers(min_value=0, max_value=4),
	method=st.sampled_from(sorted(FRAPPE)),
)
def test_round_money_agrees_with_frappe_flt(units, scale, precision, method):
	value = Decimal(units).scaleb(-scale)
	expected = FRAPPE[method](float(value), precision)
	assert float(costing.round_money(value, precision, method)) == pytest.approx(
		expected, abs=10 ** -(precision + 3)
	)


def test_build_cost_rounds_by_the_method_given():
	"""Half a cent on a line: Banker's rounding keeps the even cent, commercial rounding goes up."""
	lots = [costing.ConsumedLot("L1", "PART", 1, Decimal("0.125"))]
	bankers = costing.roll_up_build_cost(lots, 1, rounding_method=costing.BANKERS_ROUNDING)
	commercial = costing.roll_up_build_cost(lots, 1, rounding_method=costing.COMMERCIAL_ROUNDING)
	assert bankers.total_cost == Decimal("0.12")
	assert commercial.total_cost == Decimal("0.13")
	assert costing.inventory_value([("L1", 1, Decimal("0.125"))], 2, costing.BANKERS_ROUNDING) == Decimal(
		"0.12"
	)


def test_unit_cost_is_rounded_once_by_the_method_given():
	lots = [costing.ConsumedLot("L1", "PART", 1, Decimal("0.05"))]
	assert costing.roll_up_build_cost(
		lots, 2, rate_precision=2, rounding_method=costing.BANKERS_ROUNDING
	).unit_cost == Decimal("0.02")
	assert costing.roll_up_build_cost(
		lots, 2, rate_precision=2, rounding_method=costing.COMMERCIAL_ROUNDING
	).unit_cost == Decimal("0.03")


def test_an_unknown_method_is_refused():
	with pytest.raises(ValueError, match="unknown rounding method"):
		costing.round_money(Decimal("1.005"), 2, "Round to the nearest nickel")
