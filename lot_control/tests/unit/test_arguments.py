"""What the app's whitelisted methods accept, without a database: each odd argument is refused by
name with what is wrong, never passed on to fail later as a 500."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lot_control import arguments
from lot_control.arguments import ArgumentError


@pytest.mark.parametrize(
	"value", [math.nan, math.inf, -math.inf, "NaN", "inf", 1e308, 1e-9, 0, -1, "0", "abc", [], {}, True]
)
def test_a_split_quantity_must_be_a_real_positive_stock_quantity(value):
	with pytest.raises(ArgumentError, match="qty"):
		arguments.as_quantity(value, "qty")


@pytest.mark.parametrize(("value", "expected"), [("2.5", 2.5), (3, 3.0), ("0.000001", 0.000001)])
def test_ordinary_quantities_pass(value, expected):
	assert arguments.as_quantity(value) == expected


@pytest.mark.parametrize("value", [0, "0", 1.5, "1.5", -2, math.nan, "x", 1e308])
def test_a_count_of_units_is_whole_and_at_least_one(value):
	with pytest.raises(ArgumentError, match="qty"):
		arguments.as_whole_count(value, "qty")


def test_no_count_means_all_that_are_missing():
	assert arguments.as_whole_count(None) is None
	assert arguments.as_whole_count("3") == 3


@pytest.mark.parametrize(
	"value", ["", None, "0000-00-00", "2026-02-30", "tomorrow", 20260101, ["2026-01-01"]]
)
def test_a_required_date_is_a_real_date(value):
	with pytest.raises(ArgumentError, match="expiry_date"):
		arguments.as_date(value, "expiry_date", required=True)


def test_a_date_passes_as_a_date():
	assert str(arguments.as_date("2026-03-01", "d")) == "2026-03-01"
	assert str(arguments.as_date("2026-03-01 10:00:00", "d")) == "2026-03-01"


@pytest.mark.parametrize(
	"value", ["[", "{", "not json", '{"a": 1}', "1.5", [{"a": 1}], [["x"]], [None], ["x\x00"]]
)
def test_a_list_of_names_is_a_list_of_names(value):
	with pytest.raises(ArgumentError, match="lots"):
		arguments.as_names(value, "lots", required=True)


def test_names_arrive_as_a_list_or_its_json_and_repeat_once():
	assert arguments.as_names('["L1", "L2", "L1"]', "lots") == ["L1", "L2"]
	assert arguments.as_names(["L1"], "lots") == ["L1"]
	assert arguments.as_names(None, "lots") == []


@pytest.mark.parametrize("value", [["a"], {"a": 1}, 1.5, True, "x" * 200, "a\nb"])
def test_a_name_is_one_line_of_text(value):
	with pytest.raises(ArgumentError, match="lot"):
		arguments.as_name(value, "lot")


@pytest.mark.parametrize("value", [1e12, "1e12", -1, 1.5, math.nan, "NaN", "x", 36501])
def test_days_ahead_are_bounded(value):
	with pytest.raises(ArgumentError, match="days"):
		arguments.as_days(value)


@pytest.mark.parametrize("value", ["[1]", "{", "3", [1], 3])
def test_filters_are_an_object(value):
	with pytest.raises(ArgumentError, match="filters"):
		arguments.as_filters(value)


def test_a_missing_required_argument_is_named():
	with pytest.raises(ArgumentError, match="lot is required"):
		arguments.as_name(None, "lot", required=True)


@given(
	st.one_of(
		st.none(),
		st.text(),
		st.integers(),
		st.floats(),
		st.lists(st.text()),
		st.dictionaries(st.text(), st.text()),
		st.booleans(),
	)
)
def test_every_converter_answers_with_a_value_or_an_argument_error(value):
	for convert in (
		lambda v: arguments.as_name(v, "a"),
		lambda v: arguments.as_names(v, "a"),
		lambda v: arguments.as_filters(v, "a"),
		lambda v: arguments.as_quantity(v, "a", required=False),
		lambda v: arguments.as_whole_count(v, "a"),
		lambda v: arguments.as_days(v, "a"),
		lambda v: arguments.as_date(v, "a"),
		lambda v: arguments.as_choice(v, "a", ("X", "Y"), default="X"),
	):
		try:
			convert(value)
		except ArgumentError as error:
			assert str(error).startswith("a")
