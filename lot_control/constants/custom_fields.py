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
]

CUSTOM_FIELDS = {
	"Purchase Receipt Item": PURCHASE_RECEIPT_ITEM_LOT_FIELDS,
}
