// Copyright (c) 2026, lot_control developers and contributors
// For license information, please see license.txt
// Scanning a unit's label into the desk's search bar opens the unit: its code is recognised by
// its check character (the same rule as lot_control/codes.py), however it was typed.

frappe.provide("lot_control.scan");

lot_control.scan.ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
lot_control.scan.CHECK_ALPHABET = lot_control.scan.ALPHABET + "*~$=U";

lot_control.scan.normalize = function (text) {
	const cleaned = (text || "")
		.replace(/[\s-]/g, "")
		.toUpperCase()
		.replace(/O/g, "0")
		.replace(/[IL]/g, "1");
	if (cleaned.length !== 13) return null;
	const data = cleaned.slice(0, 12);
	const check = cleaned[12];
	let total = 0;
	for (let i = 0; i < 12; i++) {
		const value = lot_control.scan.ALPHABET.indexOf(data[i]);
		if (value < 0) return null;
		total += (i + 1) * value;
	}
	const check_value = lot_control.scan.CHECK_ALPHABET.indexOf(check);
	if (check_value < 0) return null;
	return (total + 13 * check_value) % 37 === 0 ? cleaned : null;
};

$(document).on("app_ready", () => {
	const input = document.getElementById("navbar-search");
	if (!input) return;
	// Before the search bar's own Enter handling: a valid unit code goes straight to its unit.
	input.addEventListener(
		"keydown",
		(event) => {
			if (event.key !== "Enter") return;
			const code = lot_control.scan.normalize(input.value);
			if (!code) return;
			event.preventDefault();
			event.stopImmediatePropagation();
			input.value = "";
			input.blur();
			frappe.set_route("Form", "Serialized Unit", code);
		},
		true
	);
});
