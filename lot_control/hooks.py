app_name = "lot_control"
app_title = "Lot Control"
app_publisher = "lot_control developers"
app_description = "Lot control and serial traceability for ERPNext"
app_email = "dev@lot-control.invalid"
app_license = "mit"

required_apps = ["erpnext"]

# Installation
# ------------

before_install = "lot_control.install.make_roles"
after_install = "lot_control.install.after_install"
before_migrate = "lot_control.install.make_roles"
after_migrate = "lot_control.install.after_migrate"
before_uninstall = "lot_control.install.before_uninstall"

# Desk
# ----

app_include_js = "lot_control.bundle.js"

doctype_js = {
	"Purchase Receipt": ["public/js/line_lots.js", "public/js/scanning.js", "public/js/purchase_receipt.js"],
	"Stock Entry": ["public/js/line_lots.js", "public/js/scanning.js", "public/js/stock_entry.js"],
	"Delivery Note": ["public/js/scanning.js", "public/js/delivery_note.js"],
	"Pick List": ["public/js/scanning.js", "public/js/pick_list.js"],
	"Work Order": ["public/js/build_cost.js", "public/js/work_order.js"],
}

# Document Events
# ---------------

# Plain data: importing it here loads no service.
from lot_control.constants.vouchers import STOCK_VOUCHERS as _STOCK_VOUCHERS

# The events of lot_control.overrides.stock_movement, named by path so that loading the hooks
# imports no service. Every voucher type in the registry gets them; each step is a no-op where it
# does not apply.
STOCK_DOCUMENT_EVENTS = {
	"before_validate": "lot_control.overrides.stock_movement.before_validate",
	"before_submit": "lot_control.overrides.stock_movement.before_submit",
	"on_submit": "lot_control.overrides.stock_movement.on_submit",
	"on_cancel": "lot_control.overrides.stock_movement.on_cancel",
}

# After any voucher has posted its ledger, lot_control.movements checks every outward use of
# a lot or unit it posted, whatever its type (the bundles tell which vouchers posted any).
doc_events = {
	**{voucher_type: dict(STOCK_DOCUMENT_EVENTS) for voucher_type in _STOCK_VOUCHERS},
	"*": {
		"on_submit": "lot_control.movements.after_posting",
	},
	"Serial and Batch Bundle": {
		"on_submit": "lot_control.movements.note_posted_bundle",
	},
	"Landed Cost Voucher": {
		"on_submit": "lot_control.overrides.landed_cost_voucher.on_submit",
		"on_cancel": "lot_control.overrides.landed_cost_voucher.on_cancel",
	},
	"Work Order": {
		"validate": "lot_control.overrides.work_order.validate",
		"on_cancel": "lot_control.units.on_work_order_cancel",
	},
	"Quality Inspection": {
		"on_submit": "lot_control.overrides.quality_inspection.on_submit",
	},
	"Batch": {
		"before_naming": "lot_control.overrides.batch.before_naming",
		"on_update": "lot_control.overrides.batch.on_update",
		"on_trash": "lot_control.overrides.batch.on_trash",
	},
}

scheduler_events = {
	"daily": [
		"lot_control.tasks.daily_expiry_watch",
	],
}

# Search
# ------

global_search_doctypes = {
	"Default": [
		{"doctype": "Lot", "index": 20},
		{"doctype": "Serialized Unit", "index": 21},
	]
}

# Labels
# ------

jinja = {
	"methods": [
		"lot_control.labels.code128_svg",
		"lot_control.labels.qr_svg",
		"lot_control.labels.gs1_128_svg",
		"lot_control.labels.gs1_datamatrix_svg",
		"lot_control.labels.digital_link_qr_svg",
		"lot_control.labels.lot_label",
		"lot_control.labels.unit_label",
		"lot_control.labels.work_order_units",
		"lot_control.labels.receipt_lots",
	],
}

# The GS1 Digital Link in a label's QR code (/01/<gtin>/10/<lot>, /01/<gtin>/21/<serial>) opens the
# lot or unit for a signed-in user who may read it, and names nothing to anyone else.
page_renderer = ["lot_control.digital_link.DigitalLinkPage"]

# Electronic signatures (lot_control.signatures) show in the timeline of the record they sign.
# Plain data, as above.
from lot_control.constants.signatures import SIGNED_DOCTYPES as _SIGNED_DOCTYPES

additional_timeline_content = {
	doctype: ["lot_control.signatures.timeline_signatures"]
	for doctype in sorted({doctype for doctypes in _SIGNED_DOCTYPES.values() for doctype in doctypes})
}

override_doctype_dashboards = {
	"Purchase Receipt": "lot_control.overrides.purchase_receipt.get_dashboard_data",
	"Work Order": "lot_control.overrides.work_order.get_dashboard_data",
}

# Pick List (lot_control.overrides.pick_list)
# ---------
# Its suggestions follow the app's usability rules and FEFO order; a lot chosen by hand that the
# delivery or entry would refuse is refused at save. The class override is explained in its docstring.

doc_events["Pick List"] = {
	"before_validate": "lot_control.overrides.pick_list.before_validate",
}

override_doctype_class = {
	"Pick List": "lot_control.overrides.pick_list.LotControlPickList",
}
