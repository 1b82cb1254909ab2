"""Scheduled work: the daily expiry watch."""

import frappe
from frappe import _
from frappe.utils import add_days, cint, getdate, nowdate

from lot_control.lot_events import set_lot_status_by_the_app
from lot_control.stock_queries import on_hand_sql


def daily_expiry_watch():
	mark_expired_lots()
	notify_lots_entering_warning_window()


def mark_expired_lots():
	"""Lots past their expiry date become Expired (uses are also checked live, at every use)."""
	lot = frappe.qb.DocType("Lot")
	batch = frappe.qb.DocType("Batch")
	expired = (
		frappe.qb.from_(lot)
		.inner_join(batch)
		.on(batch.name == lot.batch)
		.select(lot.name)
		.where((lot.status == "Released") & (batch.expiry_date < nowdate()))
	).run(pluck=True)
	for name in expired:
		set_lot_status_by_the_app(name, "Expired", _("Expiry date passed."))
	return expired


def lots_entering_warning_window() -> list[dict]:
	"""Lots with stock whose expiry falls inside their item's (or the default) warning window and
	that were not yet warned about for that expiry date. One query."""
	default_days = cint(frappe.db.get_single_value("Lot Control Settings", "expiry_warning_days"))
	on_hand, params = on_hand_sql(per_warehouse=False)
	return frappe.db.sql(
		f"""
		select lot.name, lot.item, batch.expiry_date, on_hand.qty
		from ({on_hand}) on_hand
		inner join `tabLot` lot on lot.name = on_hand.lot
		inner join `tabBatch` batch on batch.name = lot.batch
		inner join `tabItem` item on item.name = lot.item
		where on_hand.qty > 0 and lot.status not in ('Consumed', 'Archived')
			and batch.expiry_date >= %(today)s
			and batch.expiry_date <= date_add(%(today)s, interval
				(case when ifnull(item.lot_expiry_warning_days, 0) > 0 then item.lot_expiry_warning_days else %(default_days)s end) day)
			and (lot.expiry_warning_sent_for is null or lot.expiry_warning_sent_for != batch.expiry_date)
		order by batch.expiry_date, lot.name
		""",
		{**params, "today": nowdate(), "default_days": default_days},
		as_dict=True,
	)


def notify_lots_entering_warning_window():
	"""In-app notification (and email, per each user's notification settings) through Frappe's
	Notification Log, to the users of the chosen role; once per lot and expiry date."""
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	role = frappe.db.get_single_value("Lot Control Settings", "expiry_notify_role")
	lots = lots_entering_warning_window()
	if not role or not lots:
		return []
	recipients = [
		user.email
		for user in frappe.get_all(
			"User",
			filters={"enabled": 1, "user_type": "System User", "name": ("in", role_users(role))},
			fields=["email"],
		)
		if user.email
	]
	for lot in lots:
		if recipients:
			make_notification_logs(
				frappe._dict(  # Frappe reads it as a document (doc.type) when a recipient is the sender
					type="Alert",
					document_type="Lot",
					document_name=lot.name,
					subject=_("Lot {0} of {1} expires on {2}: {3} on hand.").format(
						lot.name, lot.item, frappe.format(lot.expiry_date, "Date"), frappe.format(lot.qty, "Float")
					),
					from_user="Administrator",
				),
				recipients,
			)
		frappe.db.set_value("Lot", lot.name, "expiry_warning_sent_for", lot.expiry_date, update_modified=False)
	return [lot.name for lot in lots]


def role_users(role: str) -> list[str]:
	return frappe.get_all("Has Role", filters={"role": role, "parenttype": "User"}, pluck="parent", distinct=True)
