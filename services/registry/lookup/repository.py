import uuid

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, TEXT, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.people.models import AccessLogEntry, Person

# A merge chain longer than this is a data error; the lookup stops following it there.
MAX_MERGE_HOPS = 5

_PEOPLE = Person.__table__.fullname  # type: ignore[attr-defined]
_ACCESS_LOG = AccessLogEntry.__table__.fullname  # type: ignore[attr-defined]

# One statement: the asked records (by id, or the one record holding each NIK — an unmerged one first),
# each merged record's merged_into followed to the end of its chain, every person returned written to
# the access log, and the answer built as JSON by PostgreSQL (thousands of people: no Python objects).
_LOOKUP = text(
    f"""
    WITH RECURSIVE start AS (
        SELECT id AS asked_id, NULL::text AS asked_nik, id AS at FROM {_PEOPLE} WHERE id = ANY(:ids)
        UNION ALL
        SELECT * FROM (
            SELECT DISTINCT ON (nik) NULL::uuid, nik::text, id FROM {_PEOPLE} WHERE nik = ANY(:niks)
            ORDER BY nik, status = 'merged', created_at, id
        ) AS holders
    ), walk AS (
        SELECT asked_id, asked_nik, at, 0 AS hops FROM start
        UNION ALL
        SELECT w.asked_id, w.asked_nik, p.merged_into, w.hops + 1
        FROM walk AS w JOIN {_PEOPLE} AS p ON p.id = w.at
        WHERE p.status = 'merged' AND p.merged_into IS NOT NULL AND w.hops < {MAX_MERGE_HOPS}
    ), found AS (
        SELECT DISTINCT ON (w.asked_id, w.asked_nik) w.asked_id, w.asked_nik, p.id
        FROM walk AS w JOIN {_PEOPLE} AS p ON p.id = w.at
        ORDER BY w.asked_id, w.asked_nik, w.hops DESC
    ), merged AS (
        -- Every record merged into a found one, directly or through another: for all of them at once.
        SELECT m.id, m.nik, m.merged_into AS survivor, 1 AS hops
        FROM {_PEOPLE} AS m WHERE m.merged_into IN (SELECT id FROM found)
        UNION ALL
        SELECT m.id, m.nik, merged.survivor, merged.hops + 1
        FROM {_PEOPLE} AS m JOIN merged ON m.merged_into = merged.id
        WHERE merged.hops < {MAX_MERGE_HOPS}
    ), aliases AS (
        SELECT survivor, json_agg(json_build_object('id', id, 'nik', nik) ORDER BY id) AS list
        FROM merged GROUP BY survivor
    ), answered AS (
        SELECT f.asked_id, f.asked_nik,
            json_build_object(
                'id', p.id, 'status', p.status, 'died_on', p.died_on,
                'status_changed_at', p.status_changed_at, 'merged_into', p.merged_into, 'nik', p.nik,
                'full_name', p.full_name, 'birth_date', p.birth_date, 'sex', p.sex,
                'region_code', p.region_code, 'aliases', coalesce(a.list, '[]')
            ) AS person
        FROM found AS f JOIN {_PEOPLE} AS p ON p.id = f.id LEFT JOIN aliases AS a ON a.survivor = p.id
    ), logged AS (
        INSERT INTO {_ACCESS_LOG} (person_id, reader, action)
        SELECT DISTINCT id, :reader, :action FROM found
    )
    SELECT json_build_object(
        'by_id', coalesce(json_object_agg(asked_id, person) FILTER (WHERE asked_id IS NOT NULL), '{{}}'),
        'by_nik', coalesce(json_object_agg(asked_nik, person) FILTER (WHERE asked_nik IS NOT NULL), '{{}}')
    )::text
    FROM answered
    """  # noqa: S608 (the table names are the models')
).bindparams(
    bindparam("ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("niks", type_=ARRAY(TEXT)),
)


async def lookup(
    session: AsyncSession, ids: list[uuid.UUID], niks: list[str], *, reader: str, action: str
) -> str:
    """The answer's JSON text ({"by_id": {...}, "by_nik": {...}})."""
    answer = await session.scalar(_LOOKUP, {"ids": ids, "niks": niks, "reader": reader, "action": action})
    return str(answer)
