"""A unit's status from its movements, its warranty, and which lots are inside which unit."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lot_control import unit_rules as rules
from lot_control.unit_rules import AttributionError, UnitAssignment, attribute_to_units


@pytest.mark.parametrize(
	"movements, expected",
	[
		([], rules.REGISTERED),
		([rules.BUILT], rules.IN_STOCK),
		([rules.BUILT, rules.TRANSFER], rules.IN_STOCK),
		([rules.BUILT, rules.DELIVERY], rules.DELIVERED),
		([rules.BUILT, rules.DELIVERY, rules.CUSTOMER_RETURN], rules.RETURNED),
		# A returned unit moved to the repair bench is still a returned unit.
		([rules.BUILT, rules.DELIVERY, rules.CUSTOMER_RETURN, rules.TRANSFER], rules.RETURNED),
		([rules.BUILT, rules.DELIVERY, rules.CUSTOMER_RETURN, rules.DELIVERY], rules.DELIVERED),
		([rules.BUILT, rules.CONSUMED_IN_BUILD], rules.CONSUMED),
		([rules.BUILT, rules.ISSUED], rules.SCRAPPED),
		([rules.RECEIVED], rules.IN_STOCK),
	],
)
def test_status_follows_the_movements_in_order(movements, expected):
	assert rules.fold_status(rules.REGISTERED, movements) == expected


def test_with_no_movement_the_status_is_the_one_set_before_the_build():
	assert rules.fold_status(rules.IN_PRODUCTION, []) == rules.IN_PRODUCTION
	assert rules.fold_status(rules.SCRAPPED, []) == rules.SCRAPPED
	# A unit whose only movement was cancelled is no longer In Stock.
	assert rules.fold_status(rules.IN_STOCK, []) == rules.REGISTERED


def test_unknown_movement_is_refused():
	with pytest.raises(ValueError, match="unknown"):
		rules.status_after(rules.IN_STOCK, "teleported")


@pytest.mark.parametrize(
	"voucher_type, purpose, qty, for_work_order, expected",
	[
		("Stock Entry", "Manufacture", 1, False, rules.BUILT),
		("Stock Entry", "Repack", 1, False, rules.BUILT),
		("Stock Entry", "Manufacture", -1, True, rules.CONSUMED_IN_BUILD),
		("Stock Entry", "Material Consumption for Manufacture", -1, True, rules.CONSUMED_IN_BUILD),
		("Stock Entry", "Material Issue", -1, True, rules.CONSUMED_IN_BUILD),
		("Stock Entry", "Material Issue", -1, False, rules.ISSUED),
		("Stock Entry", "Material Transfer", -1, False, None),
		("Stock Entry", "Material Transfer", 1, False, rules.TRANSFER),
		("Stock Entry", "Material Receipt", 1, False, rules.RECEIVED),
		("Delivery Note", None, -1, False, rules.DELIVERY),
		("Delivery Note", None, 1, False, rules.CUSTOMER_RETURN),
		("Sales Invoice", None, -1, False, rules.DELIVERY),
		("Purchase Receipt", None, 1, False, rules.RECEIVED),
		("Purchase Receipt", None, -1, False, rules.OTHER_OUT),
	],
)
def test_what_a_ledger_line_means_for_a_unit(voucher_type, purpose, qty, for_work_order, expected):
	assert rules.movement_of(voucher_type, purpose, qty, for_work_order) == expected


def test_warranty_counts_from_delivery():
	assert rules.warranty_end(date(2026, 3, 1), 365) == date(2027, 3, 1)
	assert rules.warranty_end(date(2026, 3, 1), 0) is None
	assert rules.warranty_end(None, 365) is None


def shares_by(shares):
	out = {}
	for share in shares:
		out[(share.consumed_lot, share.produced_lot)] = (share.qty, share.amount)
	return out


def test_by_default_each_unit_holds_an_even_share_of_every_lot():
	shares = attribute_to_units([("A", 6, Decimal("12.00")), ("B", 1, Decimal("0.10"))], ["u1", "u2", "u3"])
	by = shares_by(shares)
	assert [by[("A", unit)][0] for unit in ("u1", "u2", "u3")] == [2, 2, 2]
	assert sum(by[("B", unit)][0] for unit in ("u1", "u2", "u3")) == 1
	assert sum(by[("B", unit)][1] for unit in ("u1", "u2", "u3")) == Decimal("0.10")


def test_an_exact_assignment_is_taken_as_given():
	shares = attribute_to_units(
		[("A", 2, Decimal("2.00")), ("B", 2, Decimal("10.00"))],
		["u1", "u2"],
		[UnitAssignment("u1", "A", Decimal(2)), UnitAssignment("u2", "B", Decimal(2))],
	)
	assert shares_by(shares) == {("A", "u1"): (2, Decimal("2.00")), ("B", "u2"): (2, Decimal("10.00"))}


@pytest.mark.parametrize(
	"assignment, reason",
	[
		(UnitAssignment("u9", "A", Decimal(2)), "unit_not_built_here"),
		(UnitAssignment("u1", "Z", Decimal(2)), "lot_not_consumed_here"),
		(UnitAssignment("u1", "A", Decimal(0)), "qty_not_positive"),
		(UnitAssignment("u1", "A", Decimal(1)), "qty_mismatch"),
	],
)
def test_an_impossible_assignment_is_refused_with_its_reason(assignment, reason):
	with pytest.raises(AttributionError) as error:
		attribute_to_units([("A", 2, Decimal("2.00"))], ["u1", "u2"], [assignment])
	assert error.value.reason == reason
	assert error.value.details["lot"] == assignment.lot


def test_consumed_units_go_whole_into_the_units_built():
	shares = attribute_to_units(
		[("m1", 1, Decimal(5)), ("m2", 1, Decimal(5)), ("chip", 4, Decimal(8))],
		["p1", "p2"],
		whole={"m1": "MODULE", "m2": "MODULE"},
	)
	by = shares_by(shares)
	assert by[("m1", "p1")] == (1, Decimal(5)) and by[("m2", "p2")] == (1, Decimal(5))
	assert ("m1", "p2") not in by and ("m2", "p1") not in by
	assert by[("chip", "p1")][0] == by[("chip", "p2")][0] == 2


def test_consumed_units_that_do_not_divide_evenly_are_shared():
	shares = attribute_to_units(
		[("m1", 1, Decimal(5)), ("m2", 1, Decimal(5)), ("m3", 1, Decimal(5))],
		["p1", "p2"],
		whole={"m1": "M", "m2": "M", "m3": "M"},
	)
	assert len(shares) == 6


@given(
	lots=st.lists(
		st.tuples(
			st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3),
			st.decimals(min_value=0, max_value=Decimal(10000), places=2),
		),
		min_size=1,
		max_size=5,
	),
	unit_count=st.integers(min_value=1, max_value=7),
)
def test_every_lot_is_fully_inside_the_units_and_its_value_too(lots, unit_count):
	consumed = [(f"L{index}", qty, amount) for index, (qty, amount) in enumerate(lots)]
	units = [f"u{index}" for index in range(unit_count)]
	shares = attribute_to_units(consumed, units)
	for lot, qty, amount in consumed:
		mine = [share for share in shares if share.consumed_lot == lot]
		assert {share.produced_lot for share in mine} == set(units)
		assert sum(share.qty for share in mine) == qty
		assert sum(share.amount for share in mine) == amount


def test_units_to_register_never_exceeds_the_work_order():
	assert rules.units_to_register(5, 0, None) == 5
	assert rules.units_to_register(5, 3, None) == 2
	assert rules.units_to_register(5, 5, None) == 0
	assert rules.units_to_register(2.5, 0, None) == 3
	assert rules.units_to_register(5, 3, 2) == 2
	with pytest.raises(ValueError):
		rules.units_to_register(5, 3, 3)
	with pytest.raises(ValueError):
		rules.units_to_register(5, 0, 0)


# -- codes and serial numbers given for units -------------------------------------------------------

VALID = "0" * 12 + "0"  # weighted sum 0
MISTYPED = "0" * 11 + "10"  # one symbol changed: 12 * 1 is no multiple of 37


def _legacy_of(symbol: str) -> str:
	"""A valid code whose check symbol was spelt ~ or $ before codes were GS1-safe."""
	from lot_control import codes

	for number in range(10_000):
		code = codes.encode_unit_code(number)
		if code[12] == symbol:
			return code[:12] + {".": "~", "_": "$"}[symbol]
	raise AssertionError(symbol)


def test_a_code_given_for_a_new_unit_must_pass_its_check_unless_erpnext_has_that_serial():
	assert rules.given_code_problem(VALID, serial_no_exists=False) is None
	assert rules.given_code_problem("0000-0000-0000-0".lower(), serial_no_exists=False) is None
	assert rules.given_code_problem(_legacy_of("."), serial_no_exists=False) is None
	assert rules.given_code_problem(_legacy_of("_"), serial_no_exists=False) is None
	assert rules.given_code_problem(MISTYPED, serial_no_exists=False) == rules.MISTYPED_CODE
	assert rules.given_code_problem("0000-0000-0001-0", serial_no_exists=False) == rules.MISTYPED_CODE
	assert rules.given_code_problem("DEV-0001", serial_no_exists=False) == rules.NOT_A_UNIT_CODE
	assert rules.given_code_problem(VALID[:12], serial_no_exists=False) == rules.NOT_A_UNIT_CODE
	# A serial number ERPNext already has is taken as it is, whatever its shape.
	assert rules.given_code_problem("DEV-0001", serial_no_exists=True) is None
	assert rules.given_code_problem(MISTYPED, serial_no_exists=True) is None


@pytest.mark.parametrize(
	"serial, waiting, expected",
	[
		(VALID, False, None),
		(VALID, True, rules.NOT_REGISTERED_HERE),
		(MISTYPED, False, rules.MISTYPED_CODE),
		# A mistyped label is named as such even while registered units wait.
		(MISTYPED, True, rules.MISTYPED_CODE),
		("0000 0000 0001 0", False, rules.MISTYPED_CODE),
		# The item's own numbering, as ERPNext allows it, unless registered units wait.
		("DEV-0001", False, None),
		("DEV-0001", True, rules.NOT_REGISTERED_HERE),
		# A code with a symbol dropped is no code: only registered units waiting can tell it is wrong.
		(VALID[:12], False, None),
		(VALID[:12], True, rules.NOT_REGISTERED_HERE),
	],
)
def test_a_serial_typed_on_a_build_row_naming_nothing_known(serial, waiting, expected):
	assert rules.typed_serial_problem(serial, registered_units_waiting=waiting) == expected


@pytest.mark.parametrize(
	"unit, expected",
	[
		(("DEV", "Registered", "WO-1", None), None),
		(("DEV", "In Production", "WO-1", None), None),
		# Released by a cancelled Work Order: its label may be used by any build of the item.
		(("DEV", "Registered", None, None), None),
		# Bound to this very entry (the check runs again at submit).
		(("DEV", "Registered", "WO-1", "SE-1"), None),
		(("OTHER", "Registered", "WO-1", None), rules.OF_ANOTHER_ITEM),
		(("DEV", "Scrapped", "WO-1", None), rules.SCRAPPED_UNIT),
		(("DEV", "In Stock", "WO-1", "SE-0"), rules.ALREADY_BUILT),
		(("DEV", "Registered", "WO-2", None), rules.REGISTERED_ELSEWHERE),
	],
)
def test_an_existing_unit_named_on_a_build_row(unit, expected):
	item, status, work_order, stock_entry = unit
	assert rules.adoption_problem(item, status, work_order, stock_entry, "DEV", "WO-1", "SE-1") == expected


def test_a_unit_registered_for_a_work_order_is_not_built_without_one():
	assert (
		rules.adoption_problem("DEV", "Registered", "WO-1", None, "DEV", None, "SE-1")
		== rules.REGISTERED_ELSEWHERE
	)
	assert rules.adoption_problem("DEV", "Registered", None, None, "DEV", None, "SE-1") is None
