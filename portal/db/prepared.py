"""Hot statements compiled once and run on the DB-API cursor of the caller's connection.

Executing a Core statement through SQLAlchemy costs about 50 µs of Python per call (execution context,
parameter construction, result wrapping) on top of the database's own work. On SQLite, where a bare
transaction costs about 100 µs, that overhead decides the queue's throughput: a customer's filing runs three
such statements and the worker's completion two more per batch (see bench/README.md, `bench/queue.py`).

`Prepared` keeps what SQLAlchemy would compute for every call: the SQL text for the dialect's paramstyle, the
order of the parameters and each column type's bind processor (`TypeEngine.dialect_impl(dialect)
.bind_processor(dialect)`, the same conversion SQLAlchemy applies: timezone handling of `UTCDateTime`,
datetime formatting, JSON serialisation, booleans). It then only converts the values and calls the cursor.
The statement runs on the connection the session already uses, so it is part of the session's transaction
and, on SQLite, takes its turn on the writers' lock like any other write (`portal.sqlite_writers`).

Used for positional paramstyles (SQLite's `qmark`); callers fall back to the ordinary path elsewhere.
`NamedPrepared` does the same for one statement with psycopg's named parameters: the PostgreSQL filing, where
SQLAlchemy's execution of the one statement cost a quarter of the filing client's CPU.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import DQLDMLClauseElement

Processor = Callable[[Any], Any] | None


_GIVEN = object()
# Values of these types never change, so a processor may remember its last conversion: a batch of rows shares
# one `now`, and converting a datetime (time zone, then text) is the dearest conversion of a row.
_IMMUTABLE = (datetime, date, time, str, int, float, bool, bytes)


@dataclass(frozen=True)
class Prepared:
    sql: str
    names: tuple[str, ...]  # parameter names in the order the SQL expects them
    processors: tuple[Processor, ...]
    # Per position: _GIVEN where the caller supplies the value, else the statement's own value (a literal
    # such as `status='processing'` becomes a parameter too), already converted.
    constants: tuple[Any, ...]
    # row -> converted parameters, generated from the three above (see `_converter`).
    convert: Callable[[Mapping[str, Any]], tuple[Any, ...]] = field(compare=False, repr=False)

    def parameters(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return self.convert(row)

    def fetch_one(self, connection: Connection, parameters: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """Run once with converted parameters; the first row it returns (RETURNING), or None."""
        return _fetch_one(connection, self.sql, parameters)

    def with_value(self, parameters: tuple[Any, ...], name: str, value: Any) -> tuple[Any, ...]:
        """`parameters` (from `parameters`) with the value of `name` replaced: rows can be converted before a
        transaction's first write and given the id that write returns afterwards."""
        index = self.names.index(name)
        convert = self.processors[index]
        return (*parameters[:index], value if convert is None else convert(value), *parameters[index + 1 :])

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run once per row; the number of rows changed in all."""
        return self.execute_converted(connection, [self.parameters(row) for row in rows])

    def execute_converted(self, connection: Connection, parameters: Sequence[tuple[Any, ...]]) -> int:
        """Run once per tuple of converted parameters; the number of rows changed in all."""
        if not parameters:
            return 0
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(self.sql, parameters)
            return int(cursor.rowcount)
        finally:
            cursor.close()


def supported(dialect: Dialect) -> bool:
    return dialect.paramstyle == "qmark"


@lru_cache(maxsize=256)  # bounded: every engine (tests make many) brings its own dialect object
def prepare(statement: UpdateBase, dialect: Dialect, keys: tuple[str, ...] | None = None) -> Prepared:
    """Compile `statement` for `dialect` once. `keys` names the columns of an INSERT built without values
    (`insert(table)`), as SQLAlchemy's executemany would. Statements and dialects are long-lived objects
    (the callers build their statements once), so caching by identity is safe: a statement built per call
    would only miss the cache."""
    if not supported(dialect):
        raise ValueError(f"prepared statements need a positional paramstyle, not {dialect.paramstyle}")
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys is not None else None)
    names = tuple(compiled.positiontup or ())
    if keys is not None and (missing := [name for name in names if name not in keys]):
        # Columns with SQLAlchemy-side defaults join an INSERT even when not given; this path does not run
        # the defaults, so the caller must pass them.
        raise ValueError(f"values needed for {', '.join(missing)}")
    processors, constants = [], []
    for name in names:
        bind = compiled.binds[name]
        convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
        given = keys is not None or bind.required
        processors.append(convert)
        constants.append(
            _GIVEN if given else bind.effective_value if convert is None else convert(bind.effective_value)
        )
    return Prepared(
        compiled.string,
        names,
        tuple(processors),
        tuple(constants),
        _converter(names, processors, constants, [_python_type(compiled.binds[name].type) for name in names]),
    )


def _python_type(type_: Any) -> type | None:
    """The Python type a column type holds, or None where SQLAlchemy does not say. SQLAlchemy 2.1 answers
    `object` for types that do not declare one (a TypeDecorator such as `UTCDateTime` must say so itself);
    2.0 raised NotImplementedError. Either way such values are never assumed immutable."""
    try:
        return type_.python_type
    except NotImplementedError:
        return None


def _converter(
    names: Sequence[str], processors: Sequence[Processor], constants: Sequence[Any], python_types: Sequence[type | None]
) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """A function that builds a statement's parameter tuple from a row in one expression, e.g.
    `lambda row: (row["type"], p1(row["payload"]), c2)`: three times as fast as walking the columns in a loop,
    and this runs for every row the queue writes. Only parameter names from the compiled statement (column
    and bind parameter names, never data) go into the source, each through repr()."""
    namespace: dict[str, Any] = {}
    parts = []
    for index, (name, process, constant, python_type) in enumerate(
        zip(names, processors, constants, python_types, strict=True)
    ):
        if constant is not _GIVEN:
            namespace[f"c{index}"] = constant
            parts.append(f"c{index}")
        elif process is None:
            parts.append(f"row[{name!r}]")
        else:
            immutable = python_type is not None and issubclass(python_type, _IMMUTABLE)
            namespace[f"p{index}"] = _remembering(process) if immutable else process
            parts.append(f"p{index}(row[{name!r}])")
    source = f"def convert(row):\n    return ({', '.join(parts)}{',' if parts else ''})\n"
    exec(compile(source, "<portal.prepared converter>", "exec"), namespace)
    return namespace["convert"]


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process` that answers a repeated value (the same object) from its last conversion. The pair is one
    tuple, swapped in one step, so threads sharing the statement never see a value with another's result;
    holding the value keeps its id from being reused."""
    last: list[tuple[Any, Any]] = [(_GIVEN, None)]

    def convert(value: Any) -> Any:
        remembered = last[0]
        if remembered[0] is value:
            return remembered[1]
        converted = process(value)
        last[0] = (value, converted)
        return converted

    return convert


@dataclass(frozen=True)
class NamedPrepared:
    """A statement compiled once for a named paramstyle (psycopg's `%(name)s`), run with a dict of values."""

    sql: str
    processors: Mapping[str, Callable[[Any], Any]]  # only the parameters whose type converts its values

    def fetch_one(self, connection: Connection, parameters: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """Run once; the first row it returns (RETURNING), or None."""
        processors = self.processors
        return _fetch_one(
            connection,
            self.sql,
            {name: processors[name](value) if name in processors else value for name, value in parameters.items()},
        )


def _fetch_one(connection: Connection, sql: str, parameters: Any) -> tuple[Any, ...] | None:
    """`sql` on the DB-API cursor of the caller's connection (its transaction); the first row, or None."""
    cursor = connection.connection.cursor()
    try:
        row = cursor.execute(sql, parameters).fetchone()
    finally:
        cursor.close()
    return None if row is None else tuple(row)


def supports_named(dialect: Dialect) -> bool:
    return dialect.paramstyle == "pyformat" and dialect.driver == "psycopg"


@lru_cache(maxsize=64)  # per statement and dialect object, as `prepare`
def prepare_named(statement: DQLDMLClauseElement, dialect: Dialect) -> NamedPrepared:
    """Compile `statement` for a psycopg `dialect` once. Every parameter must be a bind parameter the caller
    supplies (none with a value of its own): the caller's dict is converted with each type's bind processor,
    the same conversion SQLAlchemy applies, and sent as it is."""
    if not supports_named(dialect):
        raise ValueError(f"named prepared statements are for psycopg, not {dialect.driver} ({dialect.paramstyle})")
    compiled = statement.compile(dialect=dialect)
    if compiled.positiontup or any(not bind.required for bind in compiled.binds.values()):
        raise ValueError("every parameter of a named prepared statement must be supplied by the caller")
    processors = {
        name: process
        for name, bind in compiled.binds.items()
        if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    return NamedPrepared(compiled.string, processors)


def insert_many(connection: Connection, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run an INSERT built without values (`insert(table)`) once per row, every row with the same keys:
    prepared where the dialect allows it, through SQLAlchemy otherwise."""
    _many(connection, statement, rows, tuple(rows[0]) if rows else None)


def execute_many(connection: Connection, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run a statement whose parameters are its own `bindparam`s once per row, the same way."""
    _many(connection, statement, rows, None)


def _many(
    connection: Connection, statement: UpdateBase, rows: Sequence[Mapping[str, Any]], keys: tuple[str, ...] | None
) -> None:
    if not rows:
        return
    if supported(connection.dialect):
        prepare(statement, connection.dialect, keys).execute_many(connection, rows)
    else:
        connection.execute(statement, list(rows))
