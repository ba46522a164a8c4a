from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.openapi.models import Example

from services.registry.dci import service
from services.registry.dci.schemas import SyncSearchRequest, SyncSearchResponse
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem

router = APIRouter(tags=["dci"])


def _envelope(criteria: dict[str, Any]) -> dict[str, Any]:
    return {
        "header": {
            "version": "1.0.0",
            "message_id": "a4d1f5b2-0c3e-4b7a-9d2f-1e6c8b9a0d11",
            "message_ts": "2026-11-23T10:30:00+08:00",
            "action": "search",
            "sender_id": "spmis.kemensos.go.id",
            "receiver_id": "registry.kessos",
            "total_count": 1,
        },
        "message": {
            "transaction_id": "txn-2026-11-23-0001",
            "search_request": [
                {
                    "reference_id": "ref-0001",
                    "timestamp": "2026-11-23T10:30:00+08:00",
                    "search_criteria": criteria,
                }
            ],
        },
    }


EXAMPLES: dict[str, Example] = {
    "nik": {
        "summary": "A person by NIK (UIN, NIN and NIK all mean the NIK)",
        "value": _envelope(
            {
                "query_type": "idtype-value",
                "response_entity": "Member",
                "query": {"type": "UIN", "value": "6371014506850001"},
            }
        ),
    },
    "kk": {
        "summary": "A household by KK number, with its members",
        "value": _envelope(
            {
                "query_type": "idtype-value",
                "response_entity": "Group",
                "query": {"type": "HOUSEHOLD_ID", "value": "6371011203150002"},
            }
        ),
    },
    "expression": {
        "summary": "Women aged 60 or more in Kota Banjarmasin (expression)",
        "value": _envelope(
            {
                "query_type": "expression",
                "query": {
                    "type": "ns:org:QueryType:expression",
                    "value": {
                        "expression": {
                            "collection": "Member",
                            "query": {
                                "$and": [
                                    {"sex": {"$eq": "female"}},
                                    {"age": {"$gte": 60}},
                                    {"region_code": "63.71"},
                                ]
                            },
                        }
                    },
                },
                "sort": [{"attribute_name": "birthdate", "sort_order": "asc"}],
                "pagination": {"page_size": 20, "page_number": 1},
            }
        ),
    },
    "predicate": {
        "summary": "Born 1950–1960, welfare decile 1–4 (predicate)",
        "value": _envelope(
            {
                "query_type": "predicate",
                "query": [
                    {
                        "seq_num": 1,
                        "expression1": {"attribute_name": "YOB", "operator": "ge", "attribute_value": 1950},
                        "condition": "and",
                        "expression2": {"attribute_name": "YOB", "operator": "le", "attribute_value": 1960},
                    },
                    {
                        "seq_num": 2,
                        "expression1": {
                            "attribute_name": "welfare_decile",
                            "operator": "le",
                            "attribute_value": 4,
                        },
                    },
                ],
                "pagination": {"page_size": 50, "page_number": 1},
            }
        ),
    },
}


@router.post(
    "/dci/registry/sync/search",
    response_model=SyncSearchResponse,
    response_model_exclude_none=True,
    summary="DCI Social Registry search (social_api v1.0.0): households as Group, people as Member",
    description="The DCI `{signature, header, message}` envelope; answers `on-search` at once. Only people "
    "and households in your regions; NIK, KK number and birth date masked without `pii:read`. A search "
    "request that cannot be run is answered `status: rjct` with a reason code inside the 200; a missing "
    "`header` or `message` is a 422. Mapping and supported queries: docs/dci.md.",
    responses={
        401: {"model": Problem, "description": "Missing or invalid bearer token"},
        403: {"model": Problem, "description": "The caller's role may not read the registry"},
        422: {
            "model": Problem,
            "description": "A malformed envelope (e.g. no `header` or `message`); `errors` names the fields",
        },
    },
)
async def sync_search(
    body: Annotated[SyncSearchRequest, Body(openapi_examples=EXAMPLES)],
    session: SessionDep,
    principal: CurrentPrincipal,
) -> SyncSearchResponse:
    return await service.sync_search(session, principal, body)
