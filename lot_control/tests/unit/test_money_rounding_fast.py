"""costing.round_money_float gives what round_money gives, under every rounding method, for any
float: Python's round clear of a tie, the exact Decimal rounding at and near one."""

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lot_control.costing import ROUNDING_METHODS, round_money, round_money_float

METHODS = st.sampled_from(ROUNDING_METHODS)


def exact(value, precision, method):
	return float(round_money(value, precision, method))


@settings(max_examples=3000)
@given(value=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15), precision=st.integers(0, 9), method=METHODS)
@example(value=2.675, precision=2, method=ROUNDING_METHODS[0])
@example(value=-2.675, precision=2, method=ROUNDING_METHODS[2])
@example(value=1.005, precision=2, method=ROUNDING_METHODS[1])
@example(value=0.5, precision=0, method=ROUNDING_METHODS[1])
@example(value=2.5, precision=0, method=ROUNDING_METHODS[2])
@example(value=1073741823.995, precision=2, method=ROUNDING_METHODS[0])
def test_fast_rounding_equals_the_exact_rounding(value, precision, method):
	assert round_money_float(value, precision, method) == exact(value, precision, method)


@settings(max_examples=2000)
@given(qty=st.integers(1, 100000), unit_cost=st.decimals(min_value=0, max_value=10000, places=9, allow_nan=False), precision=st.integers(0, 4), method=METHODS)
def test_a_lot_s_value_rounds_the_same_either_way(qty, unit_cost, precision, method):
	value = qty * float(unit_cost)
	assert round_money_float(value, precision, method) == exact(value, precision, method)


@pytest.mark.parametrize("method", ROUNDING_METHODS)
def test_ties_take_each_method_s_way(method):
	# 0.125 is exact in binary: a true tie at 2 places, rounded by the method, not by round().
	expected = {"Commercial Rounding": 0.13, "Banker's Rounding": 0.12, "Banker's Rounding (legacy)": 0.13}
	assert round_money_float(0.125, 2, method) == expected[method]
	assert round_money_float(-0.125, 2, method) == {"Commercial Rounding": -0.13, "Banker's Rounding": -0.12, "Banker's Rounding (legacy)": -0.12}[method]


def test_no_negative_zero_and_integers_pass():
	assert math.copysign(1, round_money_float(-0.001, 2)) == 1
	assert round_money_float(7, 2) == 7.0
