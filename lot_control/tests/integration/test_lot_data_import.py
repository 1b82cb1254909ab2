"""Lots brought in from a spreadsheet with Frappe's Data Import, and updated the same way.
Frappe's importer commits as it goes, so this test leaves its (uniquely named) records behind."""

import frappe
from frappe.utils import getdate

from lot_control.tests.integration.factories import fake, lot_fixture_world, make_item


def run_import(csv_text, import_type, doctype="Lot"):
	import_file = frappe.get_doc(
		{"doctype": "File", "file_name": f"lots-{fake.pyint()}.csv", "content": csv_text, "is_private": 1}
	).insert(ignore_permissions=True)
	data_import = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": doctype,
			"import_type": import_type,
			"import_file": import_file.file_url,
		}
	).insert(ignore_permissions=True)
	from frappe.core.doctype.data_import.data_import import start_import

	start_import(data_import.name)  # what the background job runs; the importer commits as it goes
	data_import.reload()
	return data_import


def test_batches_then_lots_are_imported_and_lots_updated():
	world = lot_fixture_world()
	item = make_item()
	first, second = f"IMP-{fake.pyint(1000, 9999)}A", f"IMP-{fake.pyint(1000, 9999)}B"
	batches = "\n".join(
		[
			"Batch ID,Item,Manufacturing Date,Expiry Date",
			f"{first},{item},2025-12-01,2027-06-30",
			f"{second},{item},2026-01-15,",
		]
	)
	assert run_import(batches, "Insert New Records", "Batch").status == "Success"
	csv_text = "\n".join(
		[
			"Batch,Supplier Batch / Date Code,Received Date,Arrival Warehouse,Storage Bin,Notes",
			f"{first},DC2301,2026-01-10,{world.warehouse},R-1,legacy system",
			f"{second},DC2302,2026-02-11,{world.warehouse},R-2,",
		]
	)
	result = run_import(csv_text, "Insert New Records")
	assert result.status == "Success", (result.template_warnings, frappe.get_all("Data Import Log", filters={"data_import": result.name}, fields=["messages"]))

	lot = frappe.get_doc("Lot", first)
	assert (lot.item, lot.supplier_batch_code, lot.storage_bin, lot.notes) == (item, "DC2301", "R-1", "legacy system")
	assert getdate(lot.expiry_date) == getdate("2027-06-30"), "the lot shows its Batch's expiry"
	assert frappe.db.get_value("Lot", second, "item") == item

	update = "\n".join(["ID,Expiry Date,Storage Bin", f"{first},2027-12-31,R-9"])
	assert run_import(update, "Update Existing Records").status == "Success"
	assert getdate(frappe.db.get_value("Batch", first, "expiry_date")) == getdate("2027-12-31")
	lot.reload()
	assert lot.storage_bin == "R-9" and lot.history[-1].event == "Expiry Change"
