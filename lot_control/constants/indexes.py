"""Indexes the app adds to ERPNext's tables, as data: {DocType: {index name: (columns, ...)}}.

ERPNext indexes its tables for its own questions; the app asks others (a lot's stock by item and
expiry, for FEFO picking without reading every lot). An index changes no fact and no behaviour:
lot_control.install creates these on install and migrate, and drops them on uninstall.
Every name starts with "lot_control_" so the app never touches an index of ERPNext's."""

ERPNEXT_INDEXES: dict[str, dict[str, tuple[str, ...]]] = {
	# FEFO picking reads an item's lots in expiry order, a page at a time (stock_queries.lots_in_stock_by_expiry).
	"Batch": {"lot_control_item_expiry": ("item", "expiry_date")},
	# Stock of every lot (stock_queries.on_hand_sql without lots) summed from this index alone, in
	# lot and warehouse order, so MariaDB groups as it reads instead of in a temporary table.
	"Serial and Batch Entry": {
		"lot_control_batch_no_warehouse": ("batch_no", "warehouse", "parent", "qty", "stock_value_difference"),
		# A recall finds where each unit went (trace.read_units) from this index alone: the unit's
		# outward entries (negative quantity) and their bundles, not every receipt and build of it.
		"lot_control_serial_no_outward": ("serial_no", "qty", "parent", "batch_no"),
	},
	# The few bundles whose entries are no stock (drafts, cancelled, a Pick List's), found by ranges of
	# this index, so every lot's stock is summed from the entries alone (stock_queries.every_lot_in_stock).
	"Serial and Batch Bundle": {"lot_control_bundle_state": ("docstatus", "is_cancelled", "voucher_type")},
	# Batch stock posted before v15 (no bundle) found without reading the rest of the ledger.
	"Stock Ledger Entry": {
		"lot_control_legacy_batch": ("serial_and_batch_bundle", "batch_no", "is_cancelled")
	},
}
