"""Queries whose SQL Django builds once per process, not on every request (issue 20.1).

Django compiles a queryset's SQL anew each time it is evaluated. For the few reads every page
makes (the session, the user with membership, unit and security record, a league page's run)
building the SQL took 0.8-2 ms of CPU each, several times what PostgreSQL spends running it.

`Compiled` builds the queryset once, with marker values where its arguments go, and keeps the
SQL and Django's compiler. Each call runs that SQL with the arguments in place of the markers
and makes the rows into model objects the way iterating the queryset does: the compiler's
converters, `Model.from_db`, and the related-object populators of ``select_related``. Only the
markers' places change between calls, so the query is the queryset's own; the tests compare
the two (tests/test_compiled.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)


class Compiled(Generic[M]):
    """``Compiled(lambda pk: Run.objects.select_related("x").filter(pk=pk), MARK)``; then
    ``.all(pk)`` is ``list(that queryset)`` and ``.first(pk)`` its first object or None.

    ``markers``: one value per argument, of the argument's type, that no real argument equals
    (each must appear among the query's parameters). The queryset must not depend on anything
    but its arguments (no time read when it is built: pass the time as an argument).
    """

    def __init__(self, build: Callable[..., QuerySet[M]], *markers: Any) -> None:
        self._build = build
        self._markers = markers
        self._local = threading.local()  # a compiler holds its thread's connection

    def _prepared(self) -> tuple[Any, ...] | None:
        """The SQL and what makes its rows into objects; None where the queryset is evaluated
        as it is: on databases other than PostgreSQL (SQLite, the demo's, adapts some values,
        times among them, into text before they reach the parameters, so the markers cannot be
        found; the demo has no need of the saving)."""
        if hasattr(self._local, "prepared"):
            return self._local.prepared  # type: ignore[no-any-return]
        queryset = self._build(*self._markers)
        if connections[queryset.db].vendor != "postgresql":
            self._local.prepared = None
            return None
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        places: list[int | None] = []
        for value in params:
            place = next(
                (
                    i
                    for i, marker in enumerate(self._markers)
                    if type(value) is type(marker) and value == marker
                ),
                None,
            )
            places.append(place)
        missing = set(range(len(self._markers))) - set(places)
        if missing:
            raise ValueError(f"markers {sorted(missing)} are not among the query's parameters")
        klass_info = compiler.klass_info
        select = compiler.select
        model_fields = klass_info["select_fields"]
        start, end = model_fields[0], model_fields[-1] + 1
        init_list = [s[0].target.attname for s in select[start:end]]
        converters = compiler.get_converters([s[0] for s in select[0 : compiler.col_count]])
        found = (
            queryset.db,
            sql,
            tuple(params),
            tuple(places),
            compiler,
            converters,
            klass_info["model"],
            init_list,
            (start, end),
            get_related_populators(klass_info, select, queryset.db),  # type: ignore[call-arg]
            compiler.annotation_col_map,
        )
        self._local.prepared = found
        return found

    def all(self, *args: Any) -> list[M]:
        if len(args) != len(self._markers):
            raise TypeError(f"{len(self._markers)} arguments expected, {len(args)} given")
        prepared = self._prepared()
        if prepared is None:
            return list(self._build(*args))
        (db, sql, constants, places, compiler, converters, model, init_list, (start, end),
         populators, annotations) = prepared  # fmt: skip
        params = [constants[i] if place is None else args[place] for i, place in enumerate(places)]
        with connections[db].cursor() as cursor:
            cursor.execute(sql, params)
            rows: Any = cursor.fetchall()
        if compiler.has_extra_select:
            rows = [row[: compiler.col_count] for row in rows]
        if converters:
            rows = compiler.apply_converters(rows, converters)
        objects = []
        for row in rows:
            obj = model.from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, column in (annotations or {}).items():
                setattr(obj, name, row[column])
            objects.append(obj)
        return objects

    def first(self, *args: Any) -> M | None:
        found = self.all(*args)
        return found[0] if found else None
