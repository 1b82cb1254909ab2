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
	"Asset Repair": "use of stock: lots consumed by a repair",
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
}

# Vouchers that consume some lots or serials and produce others: genealogy is written for them.
TRANSFORMATION_PURPOSES = frozenset({"Manufacture", "Material Consumption for Manufacture", "Repack", "Disassemble"})
TRANSFORMATION_VOUCHERS = frozenset({"Subcontracting Receipt"})


def is_transformation(doc) -> bool:
	if doc.doctype == "Stock Entry":
		return doc.get("purpose") in TRANSFORMATION_PURPOSES
	return doc.doctype in TRANSFORMATION_VOUCHERS
