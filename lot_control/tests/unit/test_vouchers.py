"""What each voucher's outward movements are to the app, decided in one place for every voucher type."""

import pytest

from lot_control.constants import vouchers


class Voucher(dict):
	"""A voucher as the hooks see it: a doctype and fields read with .get."""

	def __init__(self, doctype, **fields):
		super().__init__(fields)
		self.doctype = doctype


@pytest.mark.parametrize(
	"voucher, kind",
	[
		(Voucher("Stock Entry", purpose="Manufacture"), vouchers.BUILD),
		(Voucher("Stock Entry", purpose="Disassemble"), vouchers.BUILD),
		(Voucher("Stock Entry", purpose="Send to Subcontractor"), vouchers.BUILD),
		(Voucher("Stock Entry", purpose="Material Issue", work_order="WO-1"), vouchers.BUILD),
		(Voucher("Stock Entry", purpose="Material Issue"), vouchers.DISPOSAL),
		(Voucher("Stock Entry", purpose="Material Issue", asset_repair="ACC-ASR-1"), vouchers.ASSET),
		(Voucher("Stock Entry", purpose="Material Transfer"), vouchers.TRANSFER),
		(Voucher("Stock Entry", purpose="Material Receipt"), vouchers.RECEIPT),
		(Voucher("Stock Entry", purpose="Repack", lot_split_from="L1"), vouchers.SPLIT),
		(Voucher("Delivery Note"), vouchers.DELIVERY),
		(Voucher("Delivery Note", is_return=1), vouchers.CUSTOMER_RETURN),
		(Voucher("Sales Invoice", update_stock=1), vouchers.DELIVERY),
		(Voucher("Sales Invoice"), None),
		(Voucher("Sales Invoice", update_stock=1, is_consolidated=1), vouchers.CONSOLIDATION),
		(Voucher("POS Invoice"), vouchers.DELIVERY),
		(Voucher("Purchase Receipt"), vouchers.RECEIPT),
		(Voucher("Purchase Receipt", is_return=1), vouchers.SUPPLIER_RETURN),
		(Voucher("Purchase Invoice", is_return=1), None),
		(Voucher("Purchase Invoice", update_stock=1, is_return=1), vouchers.SUPPLIER_RETURN),
		(Voucher("Subcontracting Receipt"), vouchers.SUBCONTRACT_CONSUMPTION),
		(Voucher("Subcontracting Receipt", is_return=1), vouchers.SUPPLIER_RETURN),
		(Voucher("Stock Reconciliation"), vouchers.STOCK_COUNT),
		(Voucher("Asset Capitalization"), vouchers.ASSET),
		(Voucher("Pick List"), None),
		(Voucher("Stock Issue From Some Other App"), vouchers.OTHER_USE),
	],
)
def test_every_voucher_has_one_kind(voucher, kind):
	assert vouchers.kind_of_movement(voucher) == kind


def test_only_uses_are_held_to_rules_and_each_use_at_least_to_status_and_expiry():
	not_uses = {
		vouchers.DISPOSAL,
		vouchers.SUPPLIER_RETURN,
		vouchers.TRANSFER,
		vouchers.STOCK_COUNT,
		vouchers.SPLIT,
		vouchers.RECEIPT,
		vouchers.CUSTOMER_RETURN,
		vouchers.CONSOLIDATION,
	}
	assert not (not_uses & vouchers.USES)
	assert all({"status", "expired"} <= rules for rules in vouchers.RULES_OF_USE.values())
	assert vouchers.RULES_OF_USE[vouchers.SUBCONTRACT_CONSUMPTION] == {"status", "expired"}
	assert "work_order_holdings" in vouchers.RULES_OF_USE[vouchers.BUILD]


def test_the_rules_of_use_name_only_reasons_the_picking_rules_know():
	from lot_control.picking import UnusableReason

	known = {reason.value for reason in UnusableReason} | {"work_order_holdings"}
	assert set().union(*vouchers.RULES_OF_USE.values()) <= known


def test_no_voucher_type_is_both_handled_and_ignored():
	assert not set(vouchers.STOCK_VOUCHERS) & set(vouchers.IGNORED_VOUCHERS)
	assert all(reason.strip() for reason in vouchers.IGNORED_VOUCHERS.values())
