import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.programs.groups.models import KubeAid, KubeAidUse, KubeGroup, KubeMember, WrseAid
from shared.auth import Principal


async def get_group(
    session: AsyncSession, principal: Principal, group_id: uuid.UUID, *, lock: bool = False
) -> KubeGroup | None:
    query = select(KubeGroup).where(KubeGroup.id == group_id, principal.region_filter(KubeGroup.region_code))
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def list_groups(
    session: AsyncSession, principal: Principal, *, after: uuid.UUID | None, limit: int
) -> Sequence[KubeGroup]:
    query = select(KubeGroup).where(principal.region_filter(KubeGroup.region_code))
    if after:
        query = query.where(KubeGroup.id > after)
    return (await session.scalars(query.order_by(KubeGroup.id).limit(limit))).all()


async def members(session: AsyncSession, group_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[KubeMember]]:
    rows = await session.scalars(
        select(KubeMember)
        .where(KubeMember.group_id.in_(group_ids), KubeMember.left_on.is_(None))
        .order_by(KubeMember.joined_on, KubeMember.household_id)
    )
    out: dict[uuid.UUID, list[KubeMember]] = {}
    for row in rows:
        out.setdefault(row.group_id, []).append(row)
    return out


async def active_memberships(
    session: AsyncSession, household_ids: Sequence[uuid.UUID]
) -> Sequence[KubeMember]:
    """Active memberships of these households in any KUBE, whatever its region: one at a time."""
    return (
        await session.scalars(
            select(KubeMember).where(KubeMember.household_id.in_(household_ids), KubeMember.left_on.is_(None))
        )
    ).all()


async def aid(session: AsyncSession, aid_id: uuid.UUID, *, lock: bool = False) -> KubeAid | None:
    query = select(KubeAid).where(KubeAid.id == aid_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def aids(session: AsyncSession, group_id: uuid.UUID) -> Sequence[KubeAid]:
    return (
        await session.scalars(select(KubeAid).where(KubeAid.group_id == group_id).order_by(KubeAid.given_on))
    ).all()


async def used(session: AsyncSession, aid_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    rows = await session.execute(
        select(KubeAidUse.aid_id, func.sum(KubeAidUse.amount))
        .where(KubeAidUse.aid_id.in_(aid_ids))
        .group_by(KubeAidUse.aid_id)
    )
    return {aid_id: Decimal(total) for aid_id, total in rows}


async def uses(session: AsyncSession, aid_id: uuid.UUID) -> Sequence[KubeAidUse]:
    return (
        await session.scalars(
            select(KubeAidUse).where(KubeAidUse.aid_id == aid_id).order_by(KubeAidUse.used_on, KubeAidUse.id)
        )
    ).all()


async def list_wrse(
    session: AsyncSession,
    principal: Principal,
    *,
    person_id: uuid.UUID | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[WrseAid]:
    query = select(WrseAid).where(principal.region_filter(WrseAid.region_code))
    if person_id:
        query = query.where(WrseAid.person_id == person_id)
    if after:
        query = query.where(WrseAid.id > after)
    return (await session.scalars(query.order_by(WrseAid.id).limit(limit))).all()
