// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt

frappe.ui.form.on("Recall", {
	refresh(frm) {
		// The trace was taken for these suspects: fixed once saved (the server refuses changes too).
		frm.set_df_property("suspect_lots", "read_only", frm.is_new() ? 0 : 1);
		if (frm.is_new()) return;
		if (frm.doc.is_mock_recall) {
			frm.dashboard.set_headline_alert(__("Mock recall (drill): traced and balanced, no stock held."), "blue");
		}
		if (frm.doc.unaccounted_lots) {
			frm.dashboard.add_comment(__("{0} lots have stock nobody can account for: see the flagged lines of the Mass Balance.", [frm.doc.unaccounted_lots]), "red", true);
		}
		// A drill holds nothing (the server refuses it too).
		if (frm.doc.status !== "Closed" && !frm.doc.is_mock_recall) {
			frm.add_custom_button(__("Hold Affected Stock"), () =>
				frappe.confirm(
					__("Set every affected lot and unit still in stock to {0}, with this recall as the reason?", [__(frm.doc.hold_as || "On Hold")]),
					() =>
						frm.call("hold_affected_stock", { status: frm.doc.hold_as }).then((r) => {
							frappe.show_alert({ message: __("{0} lots and units held", [(r.message || []).length]), indicator: "orange" });
							frm.reload_doc();
						})
				)
			);
		}
		frm.add_custom_button(
			__("Recall Report (PDF)"),
			() =>
				window.open(
					frappe.urllib.get_full_url(
						`/api/method/frappe.utils.print_format.download_pdf?doctype=Recall&name=${encodeURIComponent(frm.doc.name)}&format=${encodeURIComponent("Recall Report")}`
					)
				),
			__("View")
		);
		for (const [label, format] of [
			[__("FSMA 204 Spreadsheet (XLSX)"), "xlsx"],
			[__("FSMA 204 Spreadsheet (CSV)"), "csv"],
		]) {
			frm.add_custom_button(
				label,
				() => open_url_post("/api/method/lot_control.api.traceability_spreadsheet", { recall: frm.doc.name, format }),
				__("View")
			);
		}
		const lots = (frm.doc.suspect_lots || []).map((row) => row.lot);
		frm.add_custom_button(
			__("Trace Today"),
			() =>
				frappe.set_route("query-report", "Lot Trace", {
					direction: "Forward",
					lot: lots.length === 1 ? lots[0] : undefined,
					supplier: frm.doc.supplier,
					supplier_batch_code: lots.length === 1 ? undefined : frm.doc.supplier_batch_code,
				}),
			__("View")
		);
	},
});

// Closing a recall is signed (lot_control.signatures): the password and reason are asked before the
// save that closes it; the server refuses the closing without that fresh signature.
frappe.ui.form.on("Recall", {
	refresh(frm) {
		frm.__saved_status = frm.doc.status;
	},
	before_save(frm) {
		if (frm.is_new() || frm.doc.status !== "Closed" || frm.__saved_status === "Closed") return;
		return lot_control.signatures
			.sign({
				meaning: "Recall closed", // Copied from constants/signatures.py (RECALL_CLOSED)
				doctype: frm.doctype,
				name: frm.docname,
				description: __("Close recall {0}: what it still holds is released.", [frappe.utils.escape_html(frm.docname)]),
			})
			.then((signed) => {
				if (!signed) frappe.validated = false;
			});
	},
});
