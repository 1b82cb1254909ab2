"""Signed quality decisions (21 CFR Part 11): a quality manager releases a quarantined lot by
re-entering their password with the reason, a wrong password is refused and the refusal kept, a
recall is closed and a short-dated lot used only with a signature; nobody edits a signature after.

Signatures are on here, as on a new site (conftest turns them off for the other stories)."""

import re
from datetime import timedelta

import frappe
import pytest
from frappe.utils import add_days, add_to_date, get_datetime, get_fullname, now_datetime, nowdate
from frappe.utils.password import update_password

from lot_control import signatures
from lot_control.connections import get_lot_connections, get_unit_connections
from lot_control.constants.signatures import (
	OVERRIDE_APPROVED,
	RECALL_CLOSED,
	REFUSED_WRONG_PASSWORD,
	REJECTED,
	RELEASED,
	SIGNED,
)
from lot_control.exceptions import (
	SignatureRecordError,
	SignatureRefusedError,
	SignatureRequiredError,
	UnitQualityStatusError,
)
from lot_control.lot_control.doctype.lot.lot import bulk_change_status
from lot_control.tests.integration.factories import (
	lot_fixture_world,
	make_item,
	make_purchase_receipt,
	make_user,
	make_work_order,
	receipt_line,
	work_order_entry,
)
from lot_control.units import change_unit_quality_status, new_unit, set_unit_quality_status

PASSWORD = "Signing-Pass-2026"
WRONG_PASSWORD = "not-my-password"
SIGNATURE = "Electronic Signature"
UNIT = "Serialized Unit"


@pytest.fixture(autouse=True)
def electronic_signatures_setting():
	"""Overrides conftest's: the real setting, on (inside the test's transaction, rolled back after)."""
	frappe.db.set_single_value("Lot Control Settings", "require_electronic_signatures", 1)


@pytest.fixture
def world():
	world = lot_fixture_world()
	world.part = make_item(quarantine_lots_on_receipt=1)
	return world


@pytest.fixture
def refusals_kept():
	"""Refusals outlive the test's rollback (that is the point): read them, and remove them after,
	on a connection of their own."""
	references = []

	def seen_from_outside(reference_name: str) -> list:
		references.append(reference_name)
		with signatures.own_connection():
			return frappe.get_all(
				SIGNATURE,
				filters={"reference_name": reference_name},
				fields=["signer", "meaning", "outcome", "reason", "reference_doctype", "used_on"],
			)

	yield seen_from_outside
	frappe.db.rollback()  # the test's own locks go first, or the clean-up would wait for them
	with signatures.own_connection() as db:
		for reference_name in references:
			db.delete(SIGNATURE, {"reference_name": reference_name, "outcome": REFUSED_WRONG_PASSWORD})
		db.commit()


def signer(*roles) -> str:
	user = make_user(*roles)
	update_password(user, PASSWORD)
	frappe.set_user(user)
	return user


def quarantined_lots(world, count=1) -> list[str]:
	receipt = make_purchase_receipt(
		world.company, world.supplier, [receipt_line(world.part, 4, 2, world.warehouse) for _ in range(count)]
	)
	lots = [row.batch_no for row in receipt.items]
	assert {frappe.db.get_value("Lot", lot, "status") for lot in lots} == {"Quarantine"}
	return lots


def signatures_on(reference_name: str) -> list:
	return frappe.get_all(
		SIGNATURE,
		filters={"reference_name": reference_name},
		fields=["name", "signer", "signer_name", "signed_on", "meaning", "reason", "outcome", "reference_doctype", "used_on"],
		order_by="signed_on",
	)


def connections_count(lot: str, doctype: str) -> int:
	found = get_lot_connections("Lot", lot)["count"]
	rows = found["external_links_found"] + found["internal_links_found"]
	return next(row["count"] for row in rows if row["doctype"] == doctype)


def test_a_quality_manager_releases_a_quarantined_lot_by_signing_with_password_and_reason(world):
	[lot] = quarantined_lots(world)
	inspector = signer("Stock User", "Lot Quality Manager")
	before = now_datetime()

	frappe.get_doc("Lot", lot).change_status("Released", "CoA checked against the spec", password=PASSWORD)

	assert frappe.db.get_value("Lot", lot, "status") == "Released"
	[signature] = signatures_on(lot)
	assert (signature.signer, signature.signer_name, signature.meaning, signature.outcome) == (
		inspector,
		get_fullname(inspector),
		RELEASED,
		SIGNED,
	)
	assert signature.reason == "CoA checked against the spec" and signature.reference_doctype == "Lot"
	assert before - timedelta(seconds=1) <= get_datetime(signature.signed_on) <= now_datetime()
	assert signature.used_on, "the release used the signature up"
	change = frappe.get_doc("Lot", lot).history[-1]
	assert (change.to_status, change.reference_doctype, change.reference_name) == ("Released", SIGNATURE, signature.name)

	# Shown on the lot: under Connections and in its timeline, with who signed, what it means and why.
	assert connections_count(lot, SIGNATURE) == 1
	[shown] = signatures.timeline_signatures("Lot", lot)
	assert get_fullname(inspector) in shown["content"] and RELEASED in shown["content"]
	assert "CoA checked against the spec" in shown["content"]


def test_in_the_desk_the_user_signs_first_and_the_release_uses_that_signature_once(world):
	[lot] = quarantined_lots(world)
	signer("Stock User", "Lot Quality Manager")
	signed = signatures.sign(RELEASED, "Lot", lot, PASSWORD, "Retest passed")
	assert signed["meaning"] == RELEASED and not frappe.db.get_value(SIGNATURE, signed["name"], "used_on")

	frappe.get_doc("Lot", lot).change_status("Released", "Retest passed")
	assert frappe.db.get_value("Lot", lot, "status") == "Released"
	assert frappe.db.get_value(SIGNATURE, signed["name"], "used_on")

	frappe.get_doc("Lot", lot).change_status("On Hold", "Customer complaint")  # holding needs no signature
	with pytest.raises(SignatureRequiredError, match=re.escape(lot)):
		frappe.get_doc("Lot", lot).change_status("Released", "Complaint unfounded")
	assert frappe.db.get_value("Lot", lot, "status") == "On Hold"


def test_a_wrong_password_is_refused_the_lot_stays_held_and_the_refusal_is_kept(world, refusals_kept):
	[lot] = quarantined_lots(world)
	inspector = signer("Stock User", "Lot Quality Manager")

	with pytest.raises(SignatureRefusedError, match="Wrong password") as refusal:
		frappe.get_doc("Lot", lot).change_status("Released", "Looks fine", password=WRONG_PASSWORD)
	assert lot in str(refusal.value)
	assert frappe.db.get_value("Lot", lot, "status") == "Quarantine"

	# The request is rolled back; the refusal was committed on its own and is still there.
	[kept] = refusals_kept(lot)
	assert (kept.signer, kept.meaning, kept.outcome, kept.reason, kept.used_on) == (
		inspector,
		RELEASED,
		REFUSED_WRONG_PASSWORD,
		"Looks fine",
		None,
	)
	frappe.db.rollback()
	assert [row.outcome for row in refusals_kept(lot)] == [REFUSED_WRONG_PASSWORD]


def test_without_a_signature_the_release_and_the_rejection_are_refused_saying_what_is_needed(world):
	[held, other] = quarantined_lots(world, count=2)
	signer("Stock User", "Lot Quality Manager")
	with pytest.raises(SignatureRequiredError) as refusal:
		frappe.get_doc("Lot", held).change_status("Released", "Inspected")
	message = str(refusal.value)
	assert held in message and "electronic signature" in message and RELEASED in message and "password" in message
	with pytest.raises(SignatureRequiredError, match=REJECTED):
		frappe.get_doc("Lot", other).change_status("Rejected", "Cracked housings")
	assert {frappe.db.get_value("Lot", lot, "status") for lot in (held, other)} == {"Quarantine"}
	assert not signatures_on(held) and not signatures_on(other)


def test_a_stock_user_signs_a_rejection_but_may_not_sign_a_release(world):
	[lot] = quarantined_lots(world)
	clerk = signer("Stock User")
	with pytest.raises(frappe.PermissionError, match="Lot Quality Manager"):
		signatures.sign(RELEASED, "Lot", lot, PASSWORD, "I think it is fine")

	frappe.get_doc("Lot", lot).change_status("Rejected", "Wet cartons on arrival", password=PASSWORD)
	assert frappe.db.get_value("Lot", lot, "status") == "Rejected"
	[signature] = signatures_on(lot)
	assert (signature.signer, signature.meaning, signature.outcome) == (clerk, REJECTED, SIGNED)


def test_a_signature_older_than_ten_minutes_does_not_count(world):
	[lot] = quarantined_lots(world)
	signer("Stock User", "Lot Quality Manager")
	signed = signatures.sign(RELEASED, "Lot", lot, PASSWORD, "Released after retest")
	frappe.db.set_value(SIGNATURE, signed["name"], "signed_on", add_to_date(now_datetime(), minutes=-11), update_modified=False)
	with pytest.raises(SignatureRequiredError, match="10 minutes"):
		frappe.get_doc("Lot", lot).change_status("Released", "Released after retest")


def test_bulk_release_signs_every_held_lot_with_one_password_or_none_of_them(world, refusals_kept):
	lots = quarantined_lots(world, count=2)
	inspector = signer("Stock User", "Lot Quality Manager")

	with pytest.raises(SignatureRefusedError):
		bulk_change_status(lots, "Released", "Batch record reviewed", password=WRONG_PASSWORD)
	assert {frappe.db.get_value("Lot", lot, "status") for lot in lots} == {"Quarantine"}
	assert [[row.outcome for row in refusals_kept(lot)] for lot in lots] == [[REFUSED_WRONG_PASSWORD]] * 2

	assert bulk_change_status(lots, "Released", "Batch record reviewed", password=PASSWORD) == 2
	assert {frappe.db.get_value("Lot", lot, "status") for lot in lots} == {"Released"}
	for lot in lots:
		[signature] = [row for row in signatures_on(lot) if row.outcome == SIGNED]
		assert (signature.signer, signature.meaning) == (inspector, RELEASED) and signature.used_on


def test_with_signatures_turned_off_a_release_needs_no_password_and_records_none(world):
	frappe.db.set_single_value("Lot Control Settings", "require_electronic_signatures", 0)
	[lot] = quarantined_lots(world)
	signer("Stock User", "Lot Quality Manager")
	frappe.get_doc("Lot", lot).change_status("Released", "Inspected")
	assert frappe.db.get_value("Lot", lot, "status") == "Released"
	assert signatures_on(lot) == []
	assert frappe.get_doc("Lot", lot).history[-1].reference_doctype is None
	frappe.get_doc("Lot", lot).change_status("On Hold", "Customer complaint")
	with pytest.raises(SignatureRequiredError, match="turned off"):
		signatures.sign(RELEASED, "Lot", lot, WRONG_PASSWORD, "Complaint unfounded")
	assert signatures_on(lot) == []


def test_signatures_are_on_by_default():
	assert frappe.get_meta("Lot Control Settings").get_field("require_electronic_signatures").default == "1"


def test_nobody_edits_deletes_or_forges_a_signature_not_even_a_system_manager(world):
	[lot] = quarantined_lots(world)
	inspector = signer("Stock User", "Lot Quality Manager")
	name = signatures.sign(RELEASED, "Lot", lot, PASSWORD, "Released")["name"]

	for user in ("Administrator", make_user("System Manager", "Stock Manager")):
		frappe.set_user(user)
		signature = frappe.get_doc(SIGNATURE, name)
		signature.reason = "Rewritten later"
		with pytest.raises(SignatureRecordError):
			signature.save(ignore_permissions=True)
		with pytest.raises(SignatureRecordError):
			frappe.delete_doc(SIGNATURE, name, ignore_permissions=True)
		with pytest.raises((SignatureRecordError, frappe.PermissionError)):
			frappe.client.set_value(SIGNATURE, name, "signer", user)
		with pytest.raises((SignatureRecordError, frappe.PermissionError)):
			frappe.client.delete(SIGNATURE, name)
		with pytest.raises(SignatureRecordError):
			frappe.get_doc(
				{
					"doctype": SIGNATURE,
					"signer": inspector,
					"signed_on": now_datetime(),
					"meaning": RELEASED,
					"reason": "Forged",
					"reference_doctype": "Lot",
					"reference_name": lot,
					"outcome": SIGNED,
				}
			).insert(ignore_permissions=True)
	stored = frappe.get_doc(SIGNATURE, name)
	assert (stored.signer, stored.reason) == (inspector, "Released")
	assert not any(
		frappe.has_permission(SIGNATURE, permission, user=make_user("System Manager"))
		for permission in ("create", "write", "delete")
	)


def test_closing_a_recall_is_signed_by_the_quality_manager_who_closes_it(world):
	[lot] = quarantined_lots(world)
	inspector = signer("Stock User", "Lot Quality Manager")
	frappe.get_doc("Lot", lot).change_status("Released", "Inspected", password=PASSWORD)
	recall = frappe.get_doc({"doctype": "Recall", "reason": "Supplier notice", "suspect_lots": [{"lot": lot}]}).insert()
	recall.hold_affected_stock()
	assert frappe.db.get_value("Lot", lot, "status") == "On Hold"

	recall.reload()
	recall.status = "Closed"
	with pytest.raises(SignatureRequiredError, match=re.escape(recall.name)):
		recall.save()
	assert frappe.db.get_value("Recall", recall.name, "status") != "Closed"

	signed = signatures.sign(RECALL_CLOSED, "Recall", recall.name, PASSWORD, "Supplier confirmed only one reel")
	recall.reload()
	recall.status = "Closed"
	recall.save()
	assert frappe.db.get_value("Recall", recall.name, "status") == "Closed"
	assert frappe.db.get_value("Lot", lot, "status") == "Released"
	stored = frappe.db.get_value(SIGNATURE, signed["name"], ["signer", "meaning", "used_on"], as_dict=True)
	assert (stored.signer, stored.meaning) == (inspector, RECALL_CLOSED) and stored.used_on
	assert [item for item in signatures.timeline_signatures("Recall", recall.name) if RECALL_CLOSED in item["content"]]
	closed = next(row for row in frappe.get_doc("Recall", recall.name).events if row.event == "Closed")
	assert "Supplier confirmed only one reel" in closed.reason and signed["name"] in closed.reason


def test_a_shelf_life_override_is_submitted_only_with_the_quality_managers_signature(world):
	short_dated_part = make_item(min_remaining_shelf_life_percent=60)
	receipt = make_purchase_receipt(
		world.company,
		world.supplier,
		[
			receipt_line(
				short_dated_part,
				5,
				2,
				world.warehouse,
				lot_manufacturing_date=add_days(nowdate(), -90),
				lot_expiry_date=add_days(nowdate(), 10),
			)
		],
	)
	short = receipt.items[0].batch_no
	inspector = signer("Stock User", "Stock Manager", "Manufacturing User", "Lot Quality Manager")
	work_order = make_work_order(world.company, make_item(lot_controlled=False), short_dated_part, 1, world.warehouse)
	entry = work_order_entry(
		work_order,
		"Material Transfer for Manufacture",
		1,
		batch_no=short,
		use_serial_batch_fields=1,
		lot_override_reason="Customer accepted short-dated resin in writing",
	)
	entry.insert()  # a draft needs no signature
	with pytest.raises(SignatureRequiredError, match=re.escape(entry.name)):
		frappe.get_doc("Stock Entry", entry.name).submit()
	assert frappe.db.get_value("Stock Entry", entry.name, "docstatus") == 0

	signed = signatures.sign(OVERRIDE_APPROVED, "Stock Entry", entry.name, PASSWORD, "Customer's written acceptance on file")
	frappe.get_doc("Stock Entry", entry.name).submit()
	assert frappe.db.get_value("Stock Entry", entry.name, "docstatus") == 1
	stored = frappe.db.get_value(SIGNATURE, signed["name"], ["signer", "meaning", "used_on"], as_dict=True)
	assert (stored.signer, stored.meaning) == (inspector, OVERRIDE_APPROVED) and stored.used_on
	[override] = [row for row in frappe.get_doc("Lot", short).history if row.event == "Shelf Life Override"]
	assert override.reason.startswith("Customer accepted") and signed["name"] in override.reason


def test_only_a_quality_manager_signs_a_shelf_life_override(world):
	draft = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": world.company.name,
			"items": [{"item_code": world.part, "qty": 1, "basic_rate": 2, "t_warehouse": world.warehouse}],
		}
	).insert()
	signer("Stock User", "Stock Manager")
	with pytest.raises(frappe.PermissionError, match="Lot Quality Manager"):
		signatures.sign(OVERRIDE_APPROVED, "Stock Entry", draft.name, PASSWORD, "Looks fine to me")
	assert not signatures_on(draft.name)


# A serialized unit's quality decisions -----------------------------------------------------------


def quarantined_unit(world) -> str:
	"""A unit put in Quarantine by the app (as a customer return does): no signature for that."""
	unit = new_unit(make_item(lot_controlled=False, has_serial_no=1), world.company.name)
	set_unit_quality_status(unit.name, "Quarantine", "Returned: rattles when shaken")
	return unit.name


def unit_connections_count(unit: str, doctype: str) -> int:
	found = get_unit_connections("Serialized Unit", unit)["count"]
	rows = found["external_links_found"] + found["internal_links_found"]
	return next(row["count"] for row in rows if row["doctype"] == doctype)


def test_a_quality_manager_releases_a_quarantined_unit_by_signing_with_password_and_reason(world):
	unit = quarantined_unit(world)
	inspector = signer("Stock User", "Lot Quality Manager")
	form = frappe.get_doc(UNIT, unit)
	form.run_method("onload")
	assert form.get_onload().signature_meanings == {"Released": RELEASED, "Rejected": REJECTED}

	assert change_unit_quality_status(unit, "Released", "Bench test passed", password=PASSWORD) == "Released"

	assert frappe.db.get_value(UNIT, unit, "quality_status") == "Released"
	[signature] = signatures_on(unit)
	assert (signature.signer, signature.meaning, signature.outcome, signature.reason, signature.reference_doctype) == (
		inspector,
		RELEASED,
		SIGNED,
		"Bench test passed",
		UNIT,
	)
	assert signature.used_on, "the release used the signature up"
	change = frappe.get_doc(UNIT, unit).history[-1]
	assert (change.from_status, change.to_status, change.changed_by) == ("Quarantine", "Released", inspector)
	assert (change.reference_doctype, change.reference_name) == (SIGNATURE, signature.name)

	# Shown on the unit: under Connections and in its timeline, with who signed, what it means and why.
	assert unit_connections_count(unit, SIGNATURE) == 1
	[shown] = signatures.timeline_signatures(UNIT, unit)
	assert get_fullname(inspector) in shown["content"] and "Bench test passed" in shown["content"]


def test_a_wrong_password_is_refused_the_unit_stays_held_and_the_refusal_is_kept(world, refusals_kept):
	unit = quarantined_unit(world)
	history_before = len(frappe.get_doc(UNIT, unit).history)
	inspector = signer("Stock User", "Lot Quality Manager")

	with pytest.raises(SignatureRefusedError, match="Wrong password") as refusal:
		change_unit_quality_status(unit, "Released", "Looks fine", password=WRONG_PASSWORD)
	assert unit in str(refusal.value)
	assert frappe.db.get_value(UNIT, unit, "quality_status") == "Quarantine"
	assert len(frappe.get_doc(UNIT, unit).history) == history_before

	[kept] = refusals_kept(unit)
	assert (kept.signer, kept.meaning, kept.outcome, kept.reason, kept.reference_doctype, kept.used_on) == (
		inspector,
		RELEASED,
		REFUSED_WRONG_PASSWORD,
		"Looks fine",
		UNIT,
		None,
	)


def test_without_a_signature_a_units_release_and_rejection_are_refused_saying_what_to_sign(world):
	unit, other = quarantined_unit(world), quarantined_unit(world)
	inspector = signer("Stock User", "Lot Quality Manager")
	with pytest.raises(SignatureRequiredError) as refusal:
		change_unit_quality_status(unit, "Released", "Inspected")
	message = str(refusal.value)
	assert unit in message and "electronic signature" in message and RELEASED in message and "password" in message
	with pytest.raises(SignatureRequiredError, match=REJECTED):
		change_unit_quality_status(other, "Rejected", "Cracked housing")
	assert {frappe.db.get_value(UNIT, name, "quality_status") for name in (unit, other)} == {"Quarantine"}
	assert not signatures_on(unit) and not signatures_on(other)

	# In the desk the user signs first; the release then uses that signature, once.
	signed = signatures.sign(RELEASED, UNIT, unit, PASSWORD, "Retest passed")
	change_unit_quality_status(unit, "Released", "Retest passed")
	assert frappe.db.get_value(UNIT, unit, "quality_status") == "Released"
	signer_of, used_on = frappe.db.get_value(SIGNATURE, signed["name"], ["signer", "used_on"])
	assert signer_of == inspector and used_on
	change_unit_quality_status(unit, "On Hold", "Customer complaint")  # holding needs no signature
	with pytest.raises(SignatureRequiredError, match=re.escape(unit)):
		change_unit_quality_status(unit, "Released", "Complaint unfounded")
	assert frappe.db.get_value(UNIT, unit, "quality_status") == "On Hold"


def test_a_stock_user_may_reject_a_unit_with_a_signature_but_not_release_one(world):
	unit, other = quarantined_unit(world), quarantined_unit(world)
	clerk = signer("Stock User")
	with pytest.raises(frappe.PermissionError, match="Lot Quality Manager"):
		signatures.sign(RELEASED, UNIT, unit, PASSWORD, "I think it is fine")
	with pytest.raises(UnitQualityStatusError, match="Lot Quality Manager"):
		change_unit_quality_status(unit, "Released", "I think it is fine", password=PASSWORD)
	assert frappe.db.get_value(UNIT, unit, "quality_status") == "Quarantine"
	assert signatures_on(unit) == []

	change_unit_quality_status(other, "Rejected", "Water inside the case", password=PASSWORD)
	assert frappe.db.get_value(UNIT, other, "quality_status") == "Rejected"
	[signature] = signatures_on(other)
	assert (signature.signer, signature.meaning, signature.outcome) == (clerk, REJECTED, SIGNED)


def test_with_signatures_turned_off_a_unit_is_released_without_a_password(world):
	frappe.db.set_single_value("Lot Control Settings", "require_electronic_signatures", 0)
	unit = quarantined_unit(world)
	signer("Stock User", "Lot Quality Manager")
	form = frappe.get_doc(UNIT, unit)
	form.run_method("onload")
	assert form.get_onload().signature_meanings == {}

	change_unit_quality_status(unit, "Released", "Bench test passed")
	assert frappe.db.get_value(UNIT, unit, "quality_status") == "Released"
	assert signatures_on(unit) == []
	assert frappe.get_doc(UNIT, unit).history[-1].reference_doctype is None


def test_the_apps_own_unit_changes_such_as_a_recalls_release_ask_no_signature(world):
	unit = quarantined_unit(world)
	signer("Stock User", "Lot Quality Manager")
	set_unit_quality_status(unit, "Released", "Recall closed: unit not affected")
	assert frappe.db.get_value(UNIT, unit, "quality_status") == "Released"
	assert signatures_on(unit) == []
