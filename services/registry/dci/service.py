"""DCI Social Registry sync search (social_api v1.0.0): the envelope's rules, each search request run
on its own, and the registry's scope, masking and access log exactly as everywhere else.

Two levels of refusal, as the spec has them: a header the registry cannot act on is answered with
`header.status: rjct` and a MsgHeaderStatusReasonCode; a search request it cannot run is answered
`status: rjct` with a SearchStatusReasonCode while the other requests of the message still run.
"""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.registry.dci import mapping, query, repository
from services.registry.dci.exceptions import REASON_MESSAGE_LIMIT, SearchRejected
from services.registry.dci.query import SearchPlan
from services.registry.dci.schemas import (
    CallbackHeader,
    GroupRecord,
    HeaderStatusReasonCode,
    MemberRecord,
    MsgHeader,
    ResultPagination,
    SearchRequestItem,
    SearchResponseMessage,
    SearchResult,
    SearchResultData,
    SyncSearchRequest,
    SyncSearchResponse,
)
from services.registry.people import permissions
from services.registry.people import repository as people
from services.registry.people.models import Person
from shared import clock
from shared.auth import Principal

SENDER_ID = "registry.kessos"
MAX_SEARCH_REQUESTS = 20
MAX_REFERENCE_ID = 200
ACCESS_ACTION = "dci-search"  # the access-log action for every unmasked person returned


def _header_problem(header: MsgHeader, count: int) -> tuple[HeaderStatusReasonCode, str] | None:
    if header.action != "search":
        return "rjct.action.invalid", f"action {header.action!r}: this endpoint answers `search`"
    if header.version.split(".")[0] != "1":
        return "rjct.version.invalid", f"version {header.version!r}: this registry speaks 1.x"
    if query.moment(header.message_ts) is None:
        return (
            "rjct.message_ts.invalid",
            "message_ts must be ISO 8601 with a zone, e.g. 2026-11-23T10:30:00+08:00",
        )
    if count > MAX_SEARCH_REQUESTS:
        return (
            "rjct.total_count.limit_exceeded",
            f"at most {MAX_SEARCH_REQUESTS} search requests per message; this one holds {count}",
        )
    if header.total_count != count:
        return (
            "rjct.total_count.invalid",
            f"header.total_count is {header.total_count} but the message holds {count} search requests",
        )
    return None


async def sync_search(
    session: AsyncSession, principal: Principal, body: SyncSearchRequest
) -> SyncSearchResponse:
    permissions.require_read(principal)
    requests = body.message.search_request
    problem = _header_problem(body.header, len(requests))
    results: list[SearchResult] = []
    if problem is None:
        seen: set[str] = set()
        shown: dict[uuid.UUID, Person] = {}
        today = clock.today()
        for item in requests:
            results.append(await _answer(session, principal, item, seen, shown, today))
        if principal.can_read_pii and shown:
            await people.log_access(session, list(shown.values()), principal.sub, ACCESS_ACTION)
    return SyncSearchResponse(
        header=CallbackHeader(
            message_id=str(uuid.uuid4()),
            message_ts=datetime.now(UTC),
            status="rjct" if problem else "succ",
            status_reason_code=problem[0] if problem else None,
            status_reason_message=problem[1][:REASON_MESSAGE_LIMIT] if problem else None,
            total_count=len(requests),
            completed_count=len(results),
            sender_id=SENDER_ID,
            receiver_id=body.header.sender_id,
        ),
        message=SearchResponseMessage(
            transaction_id=body.message.transaction_id,
            correlation_id=str(uuid.uuid4()),
            search_response=results,
        ),
    )


async def _answer(
    session: AsyncSession,
    principal: Principal,
    item: SearchRequestItem,
    seen: set[str],
    shown: dict[uuid.UUID, Person],
    today: date,
) -> SearchResult:
    try:
        reference = item.reference_id.strip()
        if not reference or len(reference) > MAX_REFERENCE_ID:
            raise SearchRejected(
                "rjct.reference_id.invalid", f"reference_id must be 1 to {MAX_REFERENCE_ID} characters"
            )
        if reference in seen:
            raise SearchRejected(
                "rjct.reference_id.duplicate", f"reference_id {reference!r} is used twice in this message"
            )
        seen.add(reference)
        plan = query.plan(item, today)
    except SearchRejected as rejected:
        return SearchResult(
            reference_id=item.reference_id,
            timestamp=datetime.now(UTC),
            status="rjct",
            status_reason_code=rejected.code,
            status_reason_message=rejected.message,
        )
    total, records, people_shown = await _run(session, principal, plan)
    shown.update({p.id: p for p in people_shown})
    return SearchResult(
        reference_id=item.reference_id,
        timestamp=datetime.now(UTC),
        status="succ",
        data=SearchResultData(reg_type=plan.reg_type, reg_record_type=plan.entity, reg_records=records),
        pagination=ResultPagination(
            page_size=plan.page_size, page_number=plan.page_number, total_count=total
        ),
    )


async def _run(
    session: AsyncSession, principal: Principal, plan: SearchPlan
) -> tuple[int, list[GroupRecord | MemberRecord], list[Person]]:
    offset = (plan.page_number - 1) * plan.page_size
    if plan.entity == "Member":
        total, found = await repository.search_people(
            session, principal, plan.condition, sort=plan.sort, offset=offset, limit=plan.page_size
        )
        links = await repository.memberships(session, [p.id for p in found])
        members: list[GroupRecord | MemberRecord] = [
            mapping.member(
                p,
                principal,
                mapping.Membership(relationship=links[p.id][0].relationship, head_id=links[p.id][1])
                if p.id in links
                else None,
            )
            for p in found
        ]
        return total, members, list(found)
    total, households = await repository.search_households(
        session, principal, plan.condition, sort=plan.sort, offset=offset, limit=plan.page_size
    )
    ids = [h.id for h in households]
    current = await repository.members(session, principal, ids)
    sizes = await repository.sizes(session, ids)
    groups: list[GroupRecord | MemberRecord] = [
        mapping.group(h, principal, [(m.relationship, p) for m, p in current[h.id]], sizes.get(h.id, 0))
        for h in households
    ]
    return total, groups, [p for rows in current.values() for _, p in rows]
