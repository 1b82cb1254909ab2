"""Every custom field this app adds to ERPNext DocTypes, in one place."""

PURCHASE_RECEIPT_ITEM_LOT_FIELDS = [
	{
		"fieldname": "lot_details_section",
		"label": "Lot Details",
		"fieldtype": "Section Break",
		"insert_after": "batch_no",
		"collapsible": 1,
	},
	{
		"fieldname": "lot_number",
		"label": "New Lot Number",
		"fieldtype": "Data",
		"insert_after": "lot_details_section",
		"description": "Optional. Leave empty and the lot is numbered automatically; choose Batch No to add to an existing lot.",
		"no_copy": 1,
	},
	{
		"fieldname": "supplier_batch_code",
		"label": "Supplier Batch / Date Code",
		"fieldtype": "Data",
		"insert_after": "lot_number",
	},
	{
		"fieldname": "lot_storage_bin",
		"label": "Storage Bin",
		"fieldtype": "Data",
		"insert_after": "supplier_batch_code",
	},
	{
		"fieldname": "lot_details_column_break",
		"fieldtype": "Column Break",
		"insert_after": "lot_storage_bin",
	},
	{
		"fieldname": "lot_manufacturing_date",
		"label": "Lot Manufacturing Date",
		"fieldtype": "Date",
		"insert_after": "lot_details_column_break",
	},
	{
		"fieldname": "lot_expiry_date",
		"label": "Lot Expiry Date",
		"fieldtype": "Date",
		"insert_after": "lot_manufacturing_date",
		"description": "Optional. When empty, the item's shelf life counts from the manufacturing or receipt date.",
	},
	{
		"fieldname": "lot_notes",
		"label": "Lot Notes",
		"fieldtype": "Small Text",
		"insert_after": "lot_expiry_date",
	},
	{
		"fieldname": "lot_document_type",
		"label": "Lot Document Type",
		"fieldtype": "Select",
		"options": "\nCertificate of Conformance\nCertificate of Analysis\nIncoming Inspection Record\nSupplier Test Report\nOther",
		"insert_after": "lot_notes",
	},
	{
		"fieldname": "lot_document",
		"label": "Lot Document",
		"fieldtype": "Attach",
		"insert_after": "lot_document_type",
		"description": "A certificate or report that arrived with this stock; it is kept on the lot.",
		"mandatory_depends_on": "eval:doc.lot_document_type",
	},
]

# A count can bring in a new lot (opening stock, or a batch found on the shelf): its details are
# entered as on a receipt line. The supplier batch code and the document stay, for stock bought before.
_COUNT_DESCRIPTIONS = {
	"lot_number": "Optional. Leave empty and a new lot is numbered automatically; choose Batch No to count an existing lot.",
	"lot_expiry_date": "Optional. A batch chosen in Batch No keeps its own expiry; otherwise the item's shelf life counts from the manufacturing or posting date.",
}
STOCK_RECONCILIATION_ITEM_LOT_FIELDS = [
	{**field, "description": _COUNT_DESCRIPTIONS[field["fieldname"]]} if field["fieldname"] in _COUNT_DESCRIPTIONS else field
	for field in PURCHASE_RECEIPT_ITEM_LOT_FIELDS
]

LOT_OVERRIDE_REASON_FIELD = {
	"fieldname": "lot_override_reason",
	"label": "Lot Override Reason",
	"fieldtype": "Small Text",
	"description": "Lot Quality Manager only: why a lot below its minimum remaining shelf life is used anyway.",
	"no_copy": 1,
}

ITEM_LOT_FIELDS = [
	{
		"fieldname": "lot_control_section",
		"label": "Lot Control",
		"fieldtype": "Section Break",
		# After the whole Serial Nos and Batches section, so its serial fields stay in their own
		# section for serial-only items instead of falling under this batch-only one.
		"insert_after": "serial_no_series",
		"collapsible": 1,
		"depends_on": "eval:doc.has_batch_no",
	},
	{
		"fieldname": "quarantine_lots_on_receipt",
		"label": "Receive Lots in Quarantine",
		"fieldtype": "Check",
		"insert_after": "lot_control_section",
		"description": "New lots wait in Quarantine for incoming inspection instead of arriving Released.",
	},
	{
		"fieldname": "lot_expiry_warning_days",
		"label": "Expiry Warning (Days)",
		"fieldtype": "Int",
		"insert_after": "quarantine_lots_on_receipt",
		"description": "Days before expiry that a lot counts as expiring soon. Empty: the Lot Control Settings default.",
	},
	{
		"fieldname": "required_lot_document",
		"label": "Document Required to Release",
		"fieldtype": "Select",
		"options": "\nCertificate of Conformance\nCertificate of Analysis\nIncoming Inspection Record\nSupplier Test Report",
		"insert_after": "lot_expiry_warning_days",
		"description": "A lot of this item cannot be released from Quarantine until it carries this document.",
	},
	{
		"fieldname": "lot_control_column_break",
		"fieldtype": "Column Break",
		"insert_after": "required_lot_document",
	},
	{
		"fieldname": "min_remaining_shelf_life_percent",
		"label": "Minimum Remaining Shelf Life (%)",
		"fieldtype": "Percent",
		"insert_after": "lot_control_column_break",
		"description": "Lots with less of their life left are not picked for builds or deliveries.",
	},
	{
		"fieldname": "produced_lot_expiry_rule",
		"label": "Expiry of Produced Lots",
		"fieldtype": "Select",
		"options": "Earliest of inputs and shelf life\nEarliest input expiry\nItem shelf life only",
		"default": "Earliest of inputs and shelf life",
		"insert_after": "min_remaining_shelf_life_percent",
		"description": "A lot this item is built into expires with the earliest lot consumed, its own shelf life, or whichever comes first.",
	},
]

ITEM_GROUP_LOT_FIELDS = [
	{
		"fieldname": "quarantine_lots_on_receipt",
		"label": "Receive Lots in Quarantine",
		"fieldtype": "Check",
		"insert_after": "is_group",
		"description": "Lots of items in this group (and its sub-groups) wait in Quarantine on receipt.",
	},
]

WAREHOUSE_LOT_FIELDS = [
	{
		"fieldname": "is_external_location",
		"label": "External Location",
		"fieldtype": "Check",
		"insert_after": "is_group",
		"description": "Stock here is on hand but not usable: sent out, for example to a contract manufacturer.",
	},
]

CUSTOMER_LOT_FIELDS = [
	{
		"fieldname": "min_remaining_shelf_life_percent",
		"label": "Minimum Remaining Shelf Life (%)",
		"fieldtype": "Percent",
		"insert_after": "customer_group",
		"description": "Ship this customer only lots with at least this much of their shelf life left.",
	},
]


def line_lots_fields(insert_after: str, label: str) -> list[dict]:
	"""A section under a voucher's lines where its form shows the lots each line got, read from the
	bundles (lot_control.desk.voucher_line_lots): nothing is stored."""
	return [
		{
			"fieldname": "lot_lines_section",
			"label": label,
			"fieldtype": "Section Break",
			"insert_after": insert_after,
			"depends_on": "eval:doc.docstatus > 0",
		},
		{"fieldname": "lot_lines_html", "label": label, "fieldtype": "HTML", "insert_after": "lot_lines_section"},
	]


PURCHASE_RECEIPT_LOT_FIELDS = [
	{
		"fieldname": "consignment_customer",
		"label": "Consigned by Customer",
		"fieldtype": "Link",
		"options": "Customer",
		"insert_after": "supplier_name",
		"description": "The received stock belongs to this customer (consigned material), not to the company.",
	},
	*line_lots_fields("items", "Lots Received"),
]

WORK_ORDER_LOT_FIELDS = [
	{
		"fieldname": "lot_owner_policy",
		"label": "Build From",
		"fieldtype": "Select",
		"options": "House stock only\nCustomer's consigned stock only\nHouse and customer's consigned stock",
		"default": "House stock only",
		"insert_after": "project",
	},
	{
		"fieldname": "consignment_customer",
		"label": "Consigning Customer",
		"fieldtype": "Link",
		"options": "Customer",
		"insert_after": "lot_owner_policy",
		"depends_on": "eval:doc.lot_owner_policy && doc.lot_owner_policy != 'House stock only'",
		"mandatory_depends_on": "eval:doc.lot_owner_policy && doc.lot_owner_policy != 'House stock only'",
	},
]

WORK_ORDER_BUILD_COST_FIELDS = [
	{
		"fieldname": "lot_build_cost_section",
		"label": "Build Cost by Lot",
		"fieldtype": "Section Break",
		"insert_after": "required_items",
		"collapsible": 0,
		"depends_on": "eval:doc.docstatus == 1 && doc.produced_qty",
	},
	{
		"fieldname": "lot_build_cost_html",
		"label": "Build Cost by Lot",
		"fieldtype": "HTML",
		"insert_after": "lot_build_cost_section",
	},
]

STOCK_ENTRY_LOT_FIELDS = [
	{
		"fieldname": "lot_split_from",
		"label": "Split of Lot",
		"fieldtype": "Link",
		"options": "Lot",
		"insert_after": "stock_entry_type",
		"read_only": 1,
		"no_copy": 1,
		"depends_on": "lot_split_from",
		"description": "This entry moves part of a lot into a new child lot.",
	},
]

ITEM_UNIT_FIELDS = [
	{
		"fieldname": "track_serialized_units",
		"label": "Track Serialized Units",
		"fieldtype": "Check",
		"default": "1",
		"insert_after": "has_serial_no",
		"depends_on": "has_serial_no",
		"description": "Every unit built gets a Serialized Unit record whose random, checked code is its Serial No, with the lots inside it and its own files.",
	},
]

WORK_ORDER_UNIT_FIELDS = [
	{
		"fieldname": "registered_units_on_cancel",
		"label": "Registered Units If Cancelled",
		"fieldtype": "Select",
		"options": "Release\nScrap",
		"default": "Release",
		"insert_after": "lot_build_cost_html",
		"allow_on_submit": 1,
		"depends_on": "eval:doc.has_serial_no",
		"description": "Release: units registered but not built leave this Work Order and are reused by the next one of the item. Scrap: they are scrapped with their labels.",
	},
]

STOCK_ENTRY_UNIT_FIELDS = [
	{
		"fieldname": "unit_lot_assignment_section",
		"label": "Lots per Unit",
		"fieldtype": "Section Break",
		# After the items section's own button; shown by the form only when the entry builds tracked units.
		"insert_after": "get_stock_and_rate",
		"collapsible": 1,
		"depends_on": "eval:doc.purpose == 'Manufacture'",
		"hidden": 1,
	},
	{
		"fieldname": "unit_lot_assignments",
		"label": "Lots per Unit",
		"fieldtype": "Table",
		"options": "Unit Lot Assignment",
		"insert_after": "unit_lot_assignment_section",
		"description": "Optional: which lot went into which registered unit, and how much. Lots not listed here are shared evenly among the units built.",
	},
	*line_lots_fields("unit_lot_assignments", "Lots Moved"),
]

CUSTOM_FIELDS = {
	"Purchase Receipt Item": PURCHASE_RECEIPT_ITEM_LOT_FIELDS,
	# Opening stock and counts: the same lot details as a receipt line.
	"Stock Reconciliation Item": STOCK_RECONCILIATION_ITEM_LOT_FIELDS,
	"Purchase Receipt": PURCHASE_RECEIPT_LOT_FIELDS,
	"Item": ITEM_LOT_FIELDS + ITEM_UNIT_FIELDS,
	"Item Group": ITEM_GROUP_LOT_FIELDS,
	"Warehouse": WAREHOUSE_LOT_FIELDS,
	"Customer": CUSTOMER_LOT_FIELDS,
	"Work Order": WORK_ORDER_LOT_FIELDS + WORK_ORDER_BUILD_COST_FIELDS + WORK_ORDER_UNIT_FIELDS,
	"Stock Entry": STOCK_ENTRY_LOT_FIELDS + STOCK_ENTRY_UNIT_FIELDS,
	"Stock Entry Detail": [{**LOT_OVERRIDE_REASON_FIELD, "insert_after": "batch_no"}],
	"Delivery Note Item": [{**LOT_OVERRIDE_REASON_FIELD, "insert_after": "batch_no"}],
	"Sales Invoice Item": [{**LOT_OVERRIDE_REASON_FIELD, "insert_after": "batch_no"}],
}
