"""Indexes the app adds to ERPNext's tables, as data: {DocType: {index name: (columns, ...)}}.

ERPNext indexes its tables for its own questions; the app asks others (a lot's stock by item and
expiry, for FEFO picking without reading every lot). An index changes no fact and no behaviour:
lot_control.install creates these on install and migrate, and drops them on uninstall.
Every name starts with "lot_control_" so the app never touches an index of ERPNext's."""

ERPNEXT_INDEXES: dict[str, dict[str, tuple[str, ...]]] = {}
