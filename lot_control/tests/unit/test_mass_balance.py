"""A reel's day in the ledger, balanced: received, part built, part cut off, some scrapped, some
sent back, some shipped, a count correction, the rest on the shelf: nothing unaccounted."""

from lot_control import mass_balance as mb


def move(lot, voucher_type, voucher_no, qty, warehouse="Stores", **facts):
	return {"lot": lot, "item_code": "CHIP", "voucher_type": voucher_type, "voucher_no": voucher_no, "qty": qty, "warehouse": warehouse, **facts}


REEL_DAY = [
	move("REEL", "Purchase Receipt", "PR-1", 100, supplier="SUP", supplier_name="Acme Chips"),
	move("REEL", "Stock Entry", "STE-T", -30, purpose="Material Transfer for Manufacture", work_order="WO-1"),
	move("REEL", "Stock Entry", "STE-T", 30, warehouse="WIP", purpose="Material Transfer for Manufacture", work_order="WO-1"),
	move("REEL", "Stock Entry", "STE-M", -30, warehouse="WIP", purpose="Manufacture", work_order="WO-1"),
	move("REEL", "Stock Entry", "STE-S", -10, purpose="Repack", lot_split_from="REEL"),
	move("CUT", "Stock Entry", "STE-S", 10, purpose="Repack", lot_split_from="REEL"),
	move("REEL", "Stock Entry", "STE-I", -5, purpose="Material Issue"),
	move("REEL", "Purchase Receipt", "PR-R", -4, is_return=1, supplier="SUP", supplier_name="Acme Chips"),
	move("REEL", "Delivery Note", "DN-1", -20, customer="C1", customer_name="Bolt Ltd"),
	move("REEL", "Delivery Note", "DN-2", -6, customer="C1", customer_name="Bolt Ltd"),
	move("REEL", "Stock Reconciliation", "SR-1", -25, purpose="Stock Reconciliation"),
	move("REEL", "Stock Reconciliation", "SR-1", 23, purpose="Stock Reconciliation"),
	move("CUT", "Delivery Note", "DN-3", -4, customer="C2", customer_name="Nut Inc"),
]
ON_HAND = [
	{"lot": "REEL", "warehouse": "Stores", "qty": 23, "status": "Released"},
	{"lot": "CUT", "warehouse": "Stores", "qty": 6, "status": "On Hold"},
]


def lines_of(balance):
	return [(line.movement, line.detail, line.qty) for line in balance.lines]


def test_every_movement_of_a_reel_has_its_line_and_nothing_is_unaccounted():
	reel, cut = mb.mass_balances(["CUT", "REEL"], REEL_DAY, ON_HAND, suspects=["REEL"])

	assert reel.lot == "REEL" and cut.lot == "CUT"  # the child's own balance follows its parent
	assert lines_of(reel) == [
		(mb.RECEIVED, "Acme Chips", 100),
		(mb.CONSUMED, "WO-1", 30),
		(mb.SPLIT_INTO, "CUT", 10),
		(mb.SHIPPED, "Bolt Ltd", 26),
		(mb.WRITTEN_OFF, "Material Issue", 5),
		(mb.RETURNED_TO_SUPPLIER, "Acme Chips", 4),
		(mb.STOCK_COUNT, "Stores", -2),
		(mb.ON_HAND, "Stores (Released)", 23),
		(mb.UNACCOUNTED, "", 0),
	]
	assert reel.unaccounted == 0 and not reel.flagged
	shipped = next(line for line in reel.lines if line.movement == mb.SHIPPED)
	assert shipped.documents == ["DN-1", "DN-2"]
	assert lines_of(cut) == [
		(mb.SPLIT_FROM, "REEL", 10),
		(mb.SHIPPED, "Nut Inc", 4),
		(mb.ON_HAND, "Stores (On Hold)", 6),
		(mb.UNACCOUNTED, "", 0),
	]


def test_a_transfer_into_work_in_progress_is_no_line_of_its_own():
	(reel,) = mb.mass_balances(["REEL"], REEL_DAY[:3], [{"lot": "REEL", "warehouse": "Stores", "qty": 70}, {"lot": "REEL", "warehouse": "WIP", "qty": 30}])
	assert [line.movement for line in reel.lines] == [mb.RECEIVED, mb.ON_HAND, mb.ON_HAND, mb.UNACCOUNTED]
	assert reel.unaccounted == 0


def test_stock_missing_from_the_shelf_is_flagged_as_unaccounted():
	(reel,) = mb.mass_balances(["REEL"], REEL_DAY[:1], [{"lot": "REEL", "warehouse": "Stores", "qty": 97, "status": "Released"}])
	assert reel.unaccounted == 3 and reel.flagged


def test_a_movement_no_rule_names_is_listed_flagged_and_not_accounted_for():
	odd = move("REEL", "Mystery Voucher", "MV-1", -7)
	(reel,) = mb.mass_balances(["REEL"], [REEL_DAY[0], odd], [{"lot": "REEL", "warehouse": "Stores", "qty": 93}])
	unclassified = next(line for line in reel.lines if line.movement == mb.UNCLASSIFIED)
	assert (unclassified.qty, unclassified.documents, unclassified.flagged) == (-7, ["MV-1"], True)
	assert reel.unaccounted == 7 and reel.flagged


def test_opening_stock_counts_as_received_and_a_customer_return_comes_back_on_its_own_line():
	movements = [
		move("OLD", "Stock Reconciliation", "SR-0", 12, purpose="Opening Stock"),
		move("OLD", "Delivery Note", "DN-9", -5, customer="C9"),
		move("OLD", "Delivery Note", "DN-9R", 2, customer="C9", is_return=1),
	]
	(old,) = mb.mass_balances(["OLD"], movements, [{"lot": "OLD", "warehouse": "Stores", "qty": 9}])
	assert lines_of(old)[:3] == [(mb.RECEIVED, mb.OPENING_STOCK, 12), (mb.RETURNED_BY_CUSTOMER, "C9", 2), (mb.SHIPPED, "C9", 5)]
	assert old.unaccounted == 0


def test_a_build_output_is_produced_by_its_work_order():
	movements = [move("FG-1", "Stock Entry", "STE-M", 3, warehouse="FG", purpose="Manufacture", work_order="WO-7")]
	(product,) = mb.mass_balances(["FG-1"], movements, [{"lot": "FG-1", "warehouse": "FG", "qty": 3}])
	assert lines_of(product)[0] == (mb.PRODUCED, "WO-7", 3) and product.unaccounted == 0
