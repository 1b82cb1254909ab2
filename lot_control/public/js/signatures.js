// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// Electronic signatures (21 CFR Part 11): the desk asks for the password and the reason and signs on
// the server (lot_control.signatures.sign). The server decides whether a decision needs a signature,
// checks the password, records the signature (or the refusal) and refuses the decision without one.

frappe.provide("lot_control.signatures");

// Copied from constants/signatures.py: the meaning of a shelf-life override's signature and the
// vouchers that carry a Lot Override Reason.
lot_control.signatures.OVERRIDE_APPROVED = "Override approved";
lot_control.signatures.OVERRIDE_DOCTYPES = ["Stock Entry", "Delivery Note", "Sales Invoice"];

lot_control.signatures.required = function () {
	return frappe.xcall("lot_control.signatures.signature_settings").then((settings) => !!settings.required);
};

// The password field of a signature, and the line that says who signs and what it means.
lot_control.signatures.password_field = function (extra) {
	return {
		fieldname: "password",
		fieldtype: "Password",
		label: __("Password (electronic signature)"),
		description: __("Signing as {0}. Your name, the server's time, the meaning of the signature and the reason are recorded.", [
			frappe.utils.escape_html(frappe.session.user_fullname || frappe.session.user),
		]),
		...(extra || {}),
	};
};

// A status dialog (a lot's, a unit's) asks for the password only when the chosen status is a
// signed decision (its meaning, or none), and then the reason too; `reason_required` for a change
// that needs a reason even unsigned (out of a held-back status).
lot_control.signatures.show_for_status = function (dialog, meaning, { reason_required, sign_label, label }) {
	dialog.set_df_property("password", "hidden", meaning ? 0 : 1);
	dialog.set_df_property("password", "reqd", meaning ? 1 : 0);
	dialog.set_df_property("password", "label", meaning ? __("Password: sign as {0}", [__(meaning)]) : __("Password"));
	dialog.set_df_property("reason", "reqd", meaning || reason_required ? 1 : 0);
	dialog.set_primary_action(meaning ? sign_label : label);
};

// Ask for the password and reason of one decision: resolves with {password, reason}, or null if cancelled.
lot_control.signatures.ask = function ({ meaning, description, reason }) {
	return new Promise((resolve) => {
		let answered = false;
		const dialog = new frappe.ui.Dialog({
			title: __("Electronic Signature: {0}", [__(meaning)]),
			fields: [
				{ fieldname: "what", fieldtype: "HTML", options: `<p>${description}</p>` },
				lot_control.signatures.password_field({ reqd: 1 }),
				{ fieldname: "reason", fieldtype: "Small Text", label: __("Reason"), reqd: 1, default: reason || "" },
			],
			primary_action_label: __("Sign"),
			primary_action(values) {
				answered = true;
				dialog.hide();
				resolve(values);
			},
		});
		dialog.onhide = () => !answered && resolve(null);
		dialog.show();
	});
};

// Sign a decision about one record before making it: resolves true once signed (or when signatures
// are off), false when the user cancels or the server refuses (it says why).
lot_control.signatures.sign = function ({ meaning, doctype, name, description, reason }) {
	return lot_control.signatures
		.required()
		.then((required) => {
			if (!required) return true;
			return lot_control.signatures.ask({ meaning, description, reason }).then((values) => {
				if (!values) return false;
				return frappe
					.xcall("lot_control.signatures.sign", {
						meaning,
						reference_doctype: doctype,
						reference_name: name,
						password: values.password,
						reason: values.reason,
					})
					.then(() => true);
			});
		})
		.catch(() => false);
};

// A voucher that uses a lot below its minimum shelf life is submitted with the Lot Quality
// Manager's signed approval; drafts are saved without one.
for (const doctype of lot_control.signatures.OVERRIDE_DOCTYPES) {
	frappe.ui.form.on(doctype, {
		before_submit(frm) {
			const rows = (frm.doc.items || []).filter((row) => (row.lot_override_reason || "").trim());
			if (!rows.length) return;
			return lot_control.signatures
				.sign({
					meaning: lot_control.signatures.OVERRIDE_APPROVED,
					doctype: frm.doctype,
					name: frm.docname,
					description: __("{0} {1} uses a lot below its minimum remaining shelf life (rows {2}). Sign to approve the override.", [
						__(frm.doctype),
						frappe.utils.escape_html(frm.docname),
						rows.map((row) => row.idx).join(", "),
					]),
					reason: rows[0].lot_override_reason,
				})
				.then((signed) => {
					if (!signed) frappe.validated = false;
				});
		},
	});
}
