"""Set-based writes for offline batches: one INSERT ... SELECT FROM unnest(arrays) per table, whatever
the number of rows. One bind parameter per column (an array), so no driver limit on parameters, and
asyncpg sends the arrays in its binary format: thousands of rows in tens of milliseconds, where the
ORM's bulk path takes seconds.

Domain-free; it would live in `shared/` if the disaster service were not the only one needing it."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String, Table, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

# SQLAlchemy column type → the PostgreSQL array element type the values are sent as.
_ARRAY_TYPES: list[tuple[type[Any], str]] = [
    (UUID, "uuid"),
    (JSONB, "text"),  # sent as JSON text, cast to jsonb in the SELECT
    (BigInteger, "int8"),
    (Integer, "int4"),
    (Boolean, "bool"),
    (Numeric, "numeric"),
    (DateTime, "timestamptz"),
    (Date, "date"),
    (String, "text"),
    (Text, "text"),
]


def _element_type(table: Table, column: str) -> str:
    sql_type = table.c[column].type
    for kind, name in _ARRAY_TYPES:
        if isinstance(sql_type, kind):
            return name
    raise TypeError(f"no array type for {table.name}.{column} ({sql_type!r})")


async def insert_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    on_conflict_do_nothing: bool = False,
    returning: str | None = None,
) -> list[Any]:
    """Insert `rows` (dicts with the same keys) into `table`. JSONB values must be JSON text already.
    Returns the `returning` column of the rows inserted (with on_conflict_do_nothing, those that were
    not skipped)."""
    if not rows:
        return []
    columns = list(rows[0].keys())
    names = [f"c{n}" for n in range(len(columns))]
    kinds = [_element_type(table, c) for c in columns]
    arrays = ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in zip(names, kinds, strict=True))
    selected = ", ".join(
        f"{name}::jsonb" if isinstance(table.c[column].type, JSONB) else name
        for name, column in zip(names, columns, strict=True)
    )
    quoted = ", ".join(f'"{c}"' for c in columns)
    # Names come from the table's own metadata, values go as bind parameters: nothing from a caller.
    statement = (
        f'INSERT INTO "{table.schema}"."{table.name}" ({quoted}) '  # noqa: S608
        f"SELECT {selected} FROM unnest({arrays}) AS t({', '.join(names)})"
        + (" ON CONFLICT DO NOTHING" if on_conflict_do_nothing else "")
        + (f' RETURNING "{returning}"' if returning else "")
    )
    params = {name: [row[column] for row in rows] for name, column in zip(names, columns, strict=True)}
    result = await session.execute(text(statement), params)
    return list(result.scalars().all()) if returning else []
