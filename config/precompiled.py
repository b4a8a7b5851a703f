"""Querysets compiled to SQL once per process, then run with new values: for the few queries on the hot paths.

Building and compiling a queryset costs the ORM 0.5–2 ms of Python every time, more than PostgreSQL takes to run
it; on the vote path and the live tally that was most of the time (bench/bench_vote.py, bench/bench_tally.py).
A Precompiled is built once with marker values in place of its arguments; each call swaps the markers in the
compiled parameters for the real values and runs the same SQL.
"""

from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet

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
        self._compiled: dict[str, tuple[str, tuple, list[list[int]], type]] = {}

    def _compile(self):
        key = connection.vendor
        if key not in self._compiled:
            marks = _MARKS[: self.arguments]
            queryset = self.build(*marks)
            sql, params = queryset.query.get_compiler(connection=connection).as_sql()
            positions = [[at for at, param in enumerate(params) if param in (mark, str(mark))] for mark in marks]
            if not all(positions):
                raise ValueError(f"{self.build.__qualname__}: every argument must be a parameter of the SQL")
            self._compiled[key] = (sql, tuple(params), positions, queryset.model)
        return self._compiled[key]

    def sql(self, *values) -> tuple[str, list]:
        sql, params, positions, _ = self._compile()
        params = list(params)
        for places, value in zip(positions, values, strict=True):
            for at in places:
                params[at] = value
        return sql, params

    def objects(self, *values) -> list:
        """The model instances (deferred fields stay deferred), as the queryset would give them."""
        model = self._compile()[3]
        return list(model.objects.raw(*self.sql(*values)))

    def row(self, *values) -> tuple | None:
        """The first row of values (for aggregates and .values_list querysets)."""
        with connection.cursor() as cursor:
            cursor.execute(*self.sql(*values))
            return cursor.fetchone()
