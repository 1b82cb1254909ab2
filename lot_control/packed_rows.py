"""Reads of many rows, each sent by MariaDB as one string.

pymysql decodes every value of a result in Python, one at a time: for a read of 100,000 rows of ten
values (a report over every lot in stock, the units of a wide recall) that costs more than MariaDB's
own work. Sent as one string a row, joined with the ASCII unit separator, the values are decoded
once per row and split in C. A NULL travels as the ASCII record separator (so a value that is that
character alone would read as NULL; no name, code or status is). Should a value hold the unit
separator, the rows are read again the ordinary way.

Such reads are mostly for thousands of names (the frontier of a genealogy walk, the units of a
recall): those go to MariaDB as one JSON array, read as a table (names_table) and joined to by the
index, rather than as IN lists of a few hundred names. For an IN list MariaDB analyses the range of
every value before it reads anything, and pymysql escapes every value in Python: for 20,000 units
that was more than half the time of the read.
"""

from __future__ import annotations

import gc
import json
import queue
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date

import frappe

FIELD_SEPARATOR = "\x1f"
NULL = "\x1e"

# Frappe's names are varchar(140): a longer one is no record's name (the table would cut it short).
NAME_LENGTH = 140
NAMES_PER_QUERY = 10_000


def names_table(param: str) -> str:
	"""A table of the names given in %(param)s (one of names_in_json's arrays), its column
	`given_name`, to put first in a query with STRAIGHT_JOIN and join to by an index. Compared as
	Frappe's tables compare (utf8mb4_unicode_ci, case-insensitive)."""
	return names_table_of(f"%({param})s")


def names_table_of(json_array: str) -> str:
	return (
		f"json_table({json_array}, '$[*]' columns (`given_name` varchar({NAME_LENGTH}) "
		"character set utf8mb4 collate utf8mb4_unicode_ci path '$')) as `given`"
	)


def names_in_json(names) -> list[str]:
	"""The names as JSON arrays of at most NAMES_PER_QUERY, for names_table: each name once (as the
	database compares, regardless of case, so that a join gives each row once, as IN does), in order."""
	unique = {}
	for name in names:
		if name:
			unique.setdefault(name.casefold(), name)
	return unique_names_in_json(list(unique.values()))


def unique_names_in_json(names: list[str]) -> list[str]:
	"""names_in_json of names already unique as the database compares them (a walk's frontier, the
	units it reached, kept by their case-folded names as they come): not folded a second time."""
	values = [name for name in names if name and len(name) <= NAME_LENGTH]
	return [
		json.dumps(values[start : start + NAMES_PER_QUERY])
		for start in range(0, len(values), NAMES_PER_QUERY)
	]


@contextmanager
def cycle_collection_paused():
	"""Python's cycle collector off while a wide answer is made of many rows, on again after (if it
	was on). A wide recall or a report over every lot makes hundreds of thousands of tuples, dicts
	and lists, none of them in a reference cycle; the collector, run every 7,000 new ones (Frappe's
	threshold), walked them again and again: about a tenth of the widest recall's time. Whatever
	cycle is made meanwhile is freed by the next collection after."""
	was_enabled = gc.isenabled()
	gc.disable()
	try:
		yield
	finally:
		if was_enabled:
			gc.enable()


def as_date(text: str) -> date | None:
	"""A DATE column's text as a date; MariaDB's zero date (a value pymysql does not read as a date
	either) as None."""
	try:
		return date.fromisoformat(text)
	except ValueError:
		return None


def read_packed(
	columns: dict[str, str],
	rest: str,
	params: dict | None = None,
	types: dict[str, Callable] | None = None,
	as_dict: bool = True,
	at_once: bool = False,
) -> list:
	"""`select <columns> <rest>`, columns being {key: SQL expression}, as frappe._dicts (or tuples in
	the columns' order). A value comes as a str, or None for NULL; `types` turns a column's value
	(not None) into what it is: float, as_date, int.

	`at_once`: every row of the read in one string (counted_rows: one aggregate, grouped as read, no
	temporary table), for reads whose rows go into Python by the thousand (a genealogy walk's
	depth): pymysql spends two system calls and a packet on every row it reads, a quarter of a wide
	walk's Python. Should the string not hold as many rows as it counts (a value holding the row
	separator, or the string cut at CHUNK_LENGTH), the rows are read again, one string a row."""
	if at_once:
		query = f"set statement group_concat_max_len = {CHUNK_LENGTH} for select {counted_rows(columns)} {rest}"
		texts = unchunk([text for (text,) in sql(query, params)])
		rows = None if texts is None else unpack(texts, list(columns), types, as_dict)
		if rows is not None:
			return rows
	texts = [text for (text,) in sql(packed_query(columns, rest), params)]
	rows = unpack(texts, list(columns), types, as_dict)
	return read_plain(columns, rest, params, as_dict) if rows is None else rows


def packed_query(columns: dict[str, str], rest: str) -> str:
	return f"select {packed_row(columns)} {rest}"


def counted_rows(columns: dict[str, str]) -> str:
	"""An aggregate of the read's rows as one string: their number, then each row (packed_row), the
	ASCII group separator between them (unchunk reads it back)."""
	rows = f"group_concat({packed_row(columns)} separator '{ROW_SEPARATOR}')"
	return f"concat_ws('{ROW_SEPARATOR}', count(*), {rows})"


def packed_row(columns: dict[str, str]) -> str:
	"""The columns' values as one string: NULL as the record separator, the unit separator between."""
	packed = ", ".join(f"ifnull({expression}, char(30 using utf8mb4))" for expression in columns.values())
	return f"concat_ws(char(31 using utf8mb4), {packed})"


def unpack(texts: list[str], keys: list[str], types: dict[str, Callable] | None, as_dict: bool) -> list | None:
	"""The rows of read_packed from their strings; None when a value holds the separator."""
	width = len(keys)
	types = types or {}
	convert = [(index, types[key]) for index, key in enumerate(keys) if key in types]
	rows = []
	for text in texts:
		values = text.split(FIELD_SEPARATOR)
		if len(values) != width:
			return None
		if NULL in text:
			values = [None if value == NULL else value for value in values]
		for index, to_type in convert:
			if values[index] is not None:
				values[index] = to_type(values[index])
		rows.append(frappe._dict(zip(keys, values, strict=True)) if as_dict else tuple(values))
	return rows


class ReadsAlongside:
	"""read_packed of parameter sets given one at a time (`read`), on a second connection to the
	site's database, in a thread, while this connection goes on; all the rows, in the order given,
	from `result()`, put through `then` (in the thread, once `close()` says no set is to come).
	Used as a context manager, which ends the thread and closes its connection whatever happens.

	A wide recall is as much MariaDB's work (index reads) as Python's (turning rows into answers);
	one after the other they use one of the machine's cores at a time. The second connection sees
	only what is committed, in a snapshot of its own taken when it starts, so it is used only while
	this transaction has written nothing (what it wrote would be missing): it then reads the same
	committed rows this one would. Otherwise, or when no second connection can be opened, each set
	is read here, when given."""

	def __init__(
		self,
		columns: dict[str, str],
		rest: str,
		types: dict[str, Callable] | None = None,
		as_dict: bool = True,
		names_param: str | None = None,
		then: Callable[[list], object] | None = None,
	):
		"""`names_param`: the parameter of the names_table in `rest`, whose rows are then sent a string
		per NAMES_PER_CHUNK names (chunked_query)."""
		self.columns, self.rest, self.types, self.as_dict = columns, rest, types, as_dict
		self.names_param = names_param
		self.then = then or (lambda rows: rows)
		self.param_sets: list[dict] = []
		self.rows: list = []
		self.outcome: dict = {}
		self.reader = None
		self.closed = False
		connection = None
		if not frappe.db.transaction_writes:
			try:
				connection = frappe.db.create_connection()
			except Exception:
				connection = None
		if connection is not None:
			self.queue = queue.SimpleQueue()
			self.reader = threading.Thread(
				target=self.read_in_turn, args=(connection,), name="lot_control read alongside", daemon=True
			)
			self.reader.start()

	def __enter__(self):
		return self

	def __exit__(self, *exception):
		self.close()
		if self.reader is not None:
			self.reader.join()

	def read(self, params: dict):
		if self.closed:
			raise RuntimeError("ReadsAlongside: no set can be read once closed")
		self.param_sets.append(params)
		if self.reader is None:
			self.rows += read_packed(self.columns, self.rest, params, self.types, self.as_dict)
		else:
			self.queue.put(params)

	def close(self):
		"""No more sets: the thread reads what it was given, makes the answer and ends."""
		if not self.closed:
			self.closed = True
			if self.reader is not None:
				self.queue.put(None)

	def result(self):
		self.close()
		if self.reader is None:
			return self.then(self.rows)
		self.reader.join()
		if "error" in self.outcome:
			# The second connection failed (lost, killed, timed out): every set read again here, so a
			# read alongside never fails where this connection alone would not; an error of the query
			# itself is raised here.
			return self.then(
				[row for params in self.param_sets for row in read_packed(self.columns, self.rest, params, self.types, self.as_dict)]
			)
		if "answer" not in self.outcome:  # a value holding a separator: read again, the ordinary way, here
			return self.then(
				[row for params in self.param_sets for row in read_plain(self.columns, self.rest, params, self.as_dict)]
			)
		return self.outcome["answer"]

	def read_in_turn(self, connection):
		keys = list(self.columns)
		try:
			with connection.cursor() as cursor:
				cursor.execute("start transaction with consistent snapshot, read only")
				rows = []
				while (params := self.queue.get()) is not None:
					# Each set's rows made as they come, while this connection waits for the next.
					some_rows = self.read_set(cursor, params, keys)
					if some_rows is None:
						rows = None
					elif rows is not None:
						rows += some_rows
			if rows is not None:
				self.outcome["answer"] = self.then(rows)
		except Exception as error:
			self.outcome["error"] = error
		finally:
			connection.close()

	def read_set(self, cursor, params: dict, keys: list[str]) -> list | None:
		if self.names_param:
			names = json.loads(params[self.names_param])
			chunks = [names[start : start + NAMES_PER_CHUNK] for start in range(0, len(names), NAMES_PER_CHUNK)]
			cursor.execute(chunked_query(self.columns, self.rest, self.names_param), {**params, "chunks": json.dumps(chunks)})
			texts = unchunk([chunk for (chunk,) in cursor.fetchall()])
			if texts is not None:
				return unpack(texts, keys, self.types, self.as_dict)
		cursor.execute(packed_query(self.columns, self.rest), params)
		return unpack([text for (text,) in cursor.fetchall()], keys, self.types, self.as_dict)


NAMES_PER_CHUNK = 100
ROW_SEPARATOR = "\x1d"
CHUNK_LENGTH = 16 * 1024 * 1024


def chunked_query(columns: dict[str, str], rest: str, names_param: str) -> str:
	"""packed_query's rows for each chunk of names, joined into one string: the number of rows, then
	each row, the ASCII group separator between them; for chunks given as a JSON array of arrays in
	%(chunks)s. pymysql reads each row in Python, two system calls and a packet a row: this sends
	a hundredth as many. One aggregate per chunk, in a subquery, so MariaDB groups nothing in a
	temporary table. `rest` names its names as names_table(names_param)."""
	one_chunk = rest.replace(names_table(names_param), names_table_of("chunk.names"))
	return (
		f"set statement group_concat_max_len = {CHUNK_LENGTH} for "
		f"select (select {counted_rows(columns)} {one_chunk}) "
		"from json_table(%(chunks)s, '$[*]' columns (`names` json path '$')) as `chunk`"
	)


def unchunk(chunks: list[str]) -> list[str] | None:
	"""The rows' strings of counted_rows' strings (chunked_query's chunks, or a read at once); None
	when one does not hold as many rows as it counted (a value holding the group separator, or a
	string cut short at CHUNK_LENGTH)."""
	texts = []
	for chunk in chunks:
		count, *rows = chunk.split(ROW_SEPARATOR)
		if len(rows) != int(count):
			return None
		texts += rows
	return texts


def read_plain(columns: dict[str, str], rest: str, params: dict | None, as_dict: bool) -> list:
	query = f"select {', '.join(f'{expression} as `{key}`' for key, expression in columns.items())} {rest}"
	return sql(query, params, as_dict=as_dict)


def sql(query: str, params: dict | None, as_dict: bool = False) -> list:
	# frappe.db.sql would take None for one value to put in the query
	if params:
		return frappe.db.sql(query, params, as_dict=as_dict)
	return frappe.db.sql(query, as_dict=as_dict)
