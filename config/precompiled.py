"""Querysets compiled to SQL once per process, then run with new values: for the few queries on the hot paths.

Building and compiling a queryset costs the ORM 0.5–2 ms of Python every time, more than PostgreSQL takes to run
it; on the vote path and the live tally that was most of the time (bench/bench_vote.py, bench/bench_tally.py).
A Precompiled is built once with marker values in place of its arguments; each call swaps the markers in the
compiled parameters for the real values and runs the same SQL.
"""

from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

# Values no row has (ids are positive; text fields get them as strings, which no key is): they mark where each
# argument goes.
_MARKS = tuple(-7_316_259_041 - n for n in range(8))


class Precompiled:
    """`build(*marks)` → the queryset; `sql(*values)` → (sql, params) for those values; `objects`, `row`: run it.

    Each argument must reach the SQL as parameters (a filter value, not a list or an expression that folds it into
    the SQL text); building checks this and refuses otherwise.
    """

    def __init__(self, build: Callable[..., QuerySet], arguments: int):
        self.build = build
        self.arguments = arguments
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self) -> "_Compiled":
        key = connection.vendor
        if key not in self._compiled:
            marks = _MARKS[: self.arguments]
            compiler = self.build(*marks).query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            positions = [[at for at, param in enumerate(params) if param in (mark, str(mark))] for mark in marks]
            if not all(positions):
                raise ValueError(f"{self.build.__qualname__}: every argument must be a parameter of the SQL")
            self._compiled[key] = _Compiled(compiler, sql, tuple(params), positions)
        return self._compiled[key]

    def sql(self, *values) -> tuple[str, list]:
        compiled = self._compile()
        params = list(compiled.params)
        for places, value in zip(compiled.positions, values, strict=True):
            for at in places:
                params[at] = value
        return compiled.sql, params

    def objects_with(self, values: tuple, *others: tuple["Precompiled", tuple]) -> list[list]:
        """The instances of this and of each other (precompiled, values), the statements sent in order in ONE round
        trip on PostgreSQL (psycopg's pipeline mode), one after another elsewhere. The server still runs them one
        after the other, each with a snapshot of its own: a row lock taken by one is held when the next reads."""
        calls = [(self, values), *others]
        if connection.vendor != "postgresql":
            return [each.objects(*values) for each, values in calls]
        connection.ensure_connection()
        cursors = []
        try:
            with connection.connection.pipeline():
                for each, values in calls:
                    cursor = connection.cursor()
                    cursors.append(cursor)
                    cursor.execute(*each.sql(*values))
                rows = [cursor.fetchall() for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()
        return [each._compile().instances(found) for (each, _), found in zip(calls, rows, strict=True)]

    def _rows(self, values) -> list:
        with connection.cursor() as cursor:
            cursor.execute(*self.sql(*values))
            return cursor.fetchall()

    def objects(self, *values) -> list:
        """The model instances, as the queryset gives them: deferred fields, select_related, annotations."""
        return self._compile().instances(self._rows(values))

    def row(self, *values) -> tuple | None:
        """The first row of values, unconverted (for aggregates)."""
        rows = self._rows(values)
        return rows[0] if rows else None


class _Compiled:
    """The SQL of a compiled queryset, and how its rows become model instances (as Django's ModelIterable does)."""

    def __init__(self, compiler, sql: str, params: tuple, positions: list[list[int]]):
        self.sql, self.params, self.positions = sql, params, positions
        self.compiler = compiler
        select, klass_info = compiler.select, compiler.klass_info
        if klass_info is None:  # .values() or an aggregate: rows only
            return
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.related = get_related_populators(klass_info, select, compiler.using)
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = compiler.get_converters([column[0] for column in select])

    def instances(self, rows: list) -> list:
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        found = []
        for row in rows:
            instance = self.model.from_db(self.compiler.using, self.init_list, row[self.start : self.end])
            for populator in self.related:
                populator.populate(row, instance)
            for name, at in self.annotations:
                setattr(instance, name, row[at])
            found.append(instance)
        return found
