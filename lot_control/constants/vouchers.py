"""Every ERPNext voucher type that can carry a Serial and Batch Bundle, and what the app does with it.

In ERPNext v15 every batch and serial movement goes through a Serial and Batch Bundle, whatever the
voucher. The app watches that layer (lot_control.movements): each posted bundle is noted, and once
the voucher has posted its ledger the app checks every use and writes every transformation in one
place. The document events of hooks.py are made from STOCK_VOUCHERS, so adding a voucher type here
is all it takes to give it the receipt, picking and locking steps too.

test_voucher_coverage reads ERPNext's own metadata and fails when a voucher type that can carry a
bundle is in neither table, so a path ERPNext adds cannot slip by unnoticed.
"""

# voucher type -> what its movements are to the app
STOCK_VOUCHERS = {
	"Purchase Receipt": "receipt of lots (lot details on the line); a return is a return to the supplier",
	"Purchase Invoice": "with Update Stock: as a Purchase Receipt",
	"Stock Entry": "by purpose: builds and their transfers, consumption, repack and disassembly "
	"(transformations), subcontractor transfers, material issue (disposal), material receipt",
	"Delivery Note": "delivery to the customer (packed items included); a return comes back to quarantine",
	"Sales Invoice": "with Update Stock (POS consolidation included): as a Delivery Note",
	"POS Invoice": "delivery to the customer, checked when the invoice is submitted",
	"Stock Reconciliation": "opening stock and counts: a batch it adds becomes a lot with the cost and "
	"expiry entered; a count that lowers a lot is an adjustment, not a use",
	"Subcontracting Receipt": "transformation at the subcontractor: the supplied lots it consumed go "
	"into the lots it receives",
	"Asset Capitalization": "use of stock: lots consumed into an asset",
	"Asset Repair": "use of stock: lots consumed by a repair (ERPNext posts them through a Material Issue "
	"Stock Entry that names the repair)",
}

# voucher type -> why it moves no stock the app must watch
IGNORED_VOUCHERS = {
	"Pick List": "moves no stock: it only suggests lots, which lot_control.overrides.pick_list "
	"makes follow the usability rules and FEFO order; the delivery or entry made from it is checked",
	"Stock Reservation Entry": "moves no stock: it reserves lots for an order; the delivery that "
	"draws them is checked when it is posted",
	"Job Card": "moves no stock: the Stock Entry made from it is checked",
	"Installation Note": "moves no stock: it records where delivered serials were installed",
	"Maintenance Schedule": "moves no stock: it records which serials are under maintenance",
	"Maintenance Visit": "moves no stock: it records which serials were serviced",
	"Warranty Claim": "moves no stock: it records a claim on a delivered serial",
	"Stock Ledger Entry": "the ledger itself, which every voucher above posts to",
	"Serial and Batch Bundle": "the bundle itself, which the app watches for every voucher",
	"Sales Order": "moves no stock: its packed items only list what a product bundle will draw; the "
	"delivery made from it is checked",
	"Quotation": "moves no stock: its packed items only list what a product bundle would draw",
}

# Vouchers that consume some lots or serials and produce others: genealogy is written for them.
TRANSFORMATION_PURPOSES = frozenset({"Manufacture", "Material Consumption for Manufacture", "Repack", "Disassemble"})
TRANSFORMATION_VOUCHERS = frozenset({"Subcontracting Receipt"})


def is_transformation(doc) -> bool:
	if doc.doctype == "Stock Entry":
		return doc.get("purpose") in TRANSFORMATION_PURPOSES
	return doc.doctype in TRANSFORMATION_VOUCHERS


# What a voucher's outward movements are to the app: the kind of use. One function decides it for
# every voucher (kind_of_movement); checks, picking, locking and the lot history all follow it.
BUILD = "build"  # drawn into a build: a use
DELIVERY = "delivery"  # shipped to a customer: a use
ASSET = "asset"  # consumed into a fixed asset or its repair: a use
SUBCONTRACT_CONSUMPTION = "subcontract_consumption"  # used at the supplier's: status and expiry only
OTHER_USE = "other_use"  # a voucher type the app does not name: status and expiry only
DISPOSAL = "disposal"  # written off (Material Issue with no Work Order): allowed, recorded
SUPPLIER_RETURN = "supplier_return"  # sent back to the supplier: allowed, recorded
TRANSFER = "transfer"  # moved between own warehouses: not a use
STOCK_COUNT = "stock_count"  # a count corrects the ledger: not a use
SPLIT = "split"  # part of a lot moved into a child lot that keeps its status: not a use
RECEIPT = "receipt"  # stock coming in: nothing drawn
CUSTOMER_RETURN = "customer_return"  # stock coming back: nothing drawn
CONSOLIDATION = "consolidation"  # a POS closing posts what its POS Invoices sold: checked at the sale

# Which usability rules each kind of use is held to (values of lot_control.picking.UnusableReason,
# plus Work Order holdings). A kind not listed here is not a use and is never refused.
RULES_OF_USE = {
	BUILD: frozenset({"status", "expired", "external_warehouse", "owner", "shelf_life", "work_order_holdings"}),
	DELIVERY: frozenset({"status", "expired", "external_warehouse", "owner", "shelf_life"}),
	ASSET: frozenset({"status", "expired", "external_warehouse", "owner"}),
	SUBCONTRACT_CONSUMPTION: frozenset({"status", "expired"}),
	OTHER_USE: frozenset({"status", "expired"}),
}
USES = frozenset(RULES_OF_USE)

BUILD_PURPOSES = frozenset(
	{
		"Material Transfer for Manufacture",
		"Manufacture",
		"Material Consumption for Manufacture",
		"Repack",
		"Send to Subcontractor",
		"Disassemble",
	}
)
SALES_VOUCHERS = frozenset({"Delivery Note", "Sales Invoice", "POS Invoice"})
PURCHASE_VOUCHERS = frozenset({"Purchase Receipt", "Purchase Invoice"})


def kind_of_movement(doc) -> str | None:
	"""What the outward movements of this voucher are: one of the kinds above, None for a voucher
	that moves no stock (an invoice without Update Stock). Any voucher type the registry does not
	name is OTHER_USE, so a path nobody named is still held to status and expiry."""
	voucher_type = doc.doctype
	if voucher_type == "Stock Entry":
		return stock_entry_kind(doc)
	if voucher_type in SALES_VOUCHERS:
		if voucher_type == "Sales Invoice" and not doc.get("update_stock"):
			return None
		if doc.get("is_return"):
			return CUSTOMER_RETURN
		if voucher_type == "Sales Invoice" and doc.get("is_consolidated"):
			return CONSOLIDATION
		return DELIVERY
	if voucher_type in PURCHASE_VOUCHERS:
		if voucher_type == "Purchase Invoice" and not doc.get("update_stock"):
			return None
		return SUPPLIER_RETURN if doc.get("is_return") else RECEIPT
	if voucher_type == "Subcontracting Receipt":
		return SUPPLIER_RETURN if doc.get("is_return") else SUBCONTRACT_CONSUMPTION
	if voucher_type == "Stock Reconciliation":
		return STOCK_COUNT
	if voucher_type in ("Asset Capitalization", "Asset Repair"):
		return ASSET
	if voucher_type in IGNORED_VOUCHERS:
		return None
	return OTHER_USE


def stock_entry_kind(doc) -> str | None:
	purpose = doc.get("purpose")
	if doc.get("lot_split_from"):
		return SPLIT
	if doc.get("asset_repair"):
		return ASSET
	if purpose in BUILD_PURPOSES or (purpose == "Material Issue" and doc.get("work_order")):
		return BUILD
	if purpose == "Material Issue":
		return DISPOSAL
	if purpose == "Material Transfer":
		return TRANSFER
	if purpose == "Material Receipt":
		return RECEIPT
	return OTHER_USE


def is_use(kind: str | None) -> bool:
	return kind in USES
