import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from services.disaster.warehouses import service
from services.disaster.warehouses.schemas import (
    AdjustmentCreate,
    ItemCreate,
    ItemRead,
    LedgerEntry,
    ReceiptCreate,
    StockRead,
    TransferCreate,
    TransferRead,
    WarehouseCreate,
    WarehouseRead,
)
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["warehouses"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "Not in your regions"}}
SHORT: dict[int | str, dict[str, Any]] = {
    409: {"model": Problem, "description": "Not enough stock: nothing was recorded"}
}


@router.get("/items", response_model=Page[ItemRead], summary="The relief item catalogue and its units")
async def list_items(
    session: SessionDep, principal: CurrentPrincipal, limit: LimitQuery = 200, cursor: CursorQuery = None
) -> Page[ItemRead]:
    return await service.list_items(session, principal, limit=limit, cursor=cursor)


@router.post(
    "/items",
    response_model=ItemRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add an item to the catalogue",
    responses={
        403: {"model": Problem, "description": "Provincial officers only"},
        409: {"model": Problem, "description": "The code is taken"},
    },
)
async def add_item(body: ItemCreate, session: SessionDep, principal: CurrentPrincipal) -> ItemRead:
    return await service.add_item(session, principal, body)


@router.post(
    "/warehouses",
    response_model=WarehouseRead,
    status_code=status.HTTP_201_CREATED,
    summary="Register a warehouse or lumbung sosial",
    responses={403: {"model": Problem}},
)
async def create_warehouse(
    body: WarehouseCreate, session: SessionDep, principal: CurrentPrincipal
) -> WarehouseRead:
    return await service.create(session, principal, body)


@router.get("/warehouses", response_model=Page[WarehouseRead], summary="Warehouses in your regions")
async def list_warehouses(
    session: SessionDep, principal: CurrentPrincipal, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[WarehouseRead]:
    return await service.list_(session, principal, limit=limit, cursor=cursor)


@router.post(
    "/warehouses/{warehouse_id}/receipts",
    response_model=StockRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record stock received",
    responses=NOT_FOUND,
)
async def receive(
    warehouse_id: uuid.UUID, body: ReceiptCreate, session: SessionDep, principal: CurrentPrincipal
) -> StockRead:
    return await service.receive(session, principal, warehouse_id, body)


@router.post(
    "/warehouses/{warehouse_id}/transfers",
    response_model=TransferRead,
    status_code=status.HTTP_201_CREATED,
    summary="Move stock to another warehouse",
    description="All items move or none does; the ledger of both warehouses gets one line per item.",
    responses={**NOT_FOUND, **SHORT},
)
async def transfer(
    warehouse_id: uuid.UUID, body: TransferCreate, session: SessionDep, principal: CurrentPrincipal
) -> TransferRead:
    return await service.transfer(session, principal, warehouse_id, body)


@router.post(
    "/warehouses/{warehouse_id}/adjustments",
    response_model=StockRead,
    status_code=status.HTTP_201_CREATED,
    summary="Correct the stock after a count, with a reason",
    responses={**NOT_FOUND, **SHORT, 403: {"model": Problem, "description": "Officers only"}},
)
async def adjust(
    warehouse_id: uuid.UUID, body: AdjustmentCreate, session: SessionDep, principal: CurrentPrincipal
) -> StockRead:
    return await service.adjust(session, principal, warehouse_id, body)


@router.get(
    "/warehouses/{warehouse_id}/stock",
    response_model=StockRead,
    summary="Current stock, from the ledger",
    responses=NOT_FOUND,
)
async def get_stock(warehouse_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> StockRead:
    return await service.stock(session, principal, warehouse_id)


@router.get(
    "/warehouses/{warehouse_id}/ledger",
    response_model=Page[LedgerEntry],
    summary="The warehouse's stock ledger, oldest first",
    responses=NOT_FOUND,
)
async def get_ledger(
    warehouse_id: uuid.UUID,
    session: SessionDep,
    principal: CurrentPrincipal,
    item_code: Annotated[str | None, Query(pattern=r"^[a-z0-9_]{1,40}$")] = None,
    limit: LimitQuery = 100,
    cursor: CursorQuery = None,
) -> Page[LedgerEntry]:
    return await service.ledger(
        session, principal, warehouse_id, item_code=item_code, limit=limit, cursor=cursor
    )
