import uuid

from fastapi import APIRouter, status

from services.disaster.warehouses import service
from services.disaster.warehouses.schemas import ReceiptCreate, StockRead, WarehouseCreate, WarehouseRead
from shared.app import SessionDep
from shared.auth import CurrentPrincipal
from shared.errors import Problem
from shared.pagination import CursorQuery, LimitQuery, Page

router = APIRouter(tags=["warehouses"])


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
    responses={404: {"model": Problem}},
)
async def receive(
    warehouse_id: uuid.UUID, body: ReceiptCreate, session: SessionDep, principal: CurrentPrincipal
) -> StockRead:
    return await service.receive(session, principal, warehouse_id, body)


@router.get(
    "/warehouses/{warehouse_id}/stock",
    response_model=StockRead,
    summary="Current stock, from the ledger",
    responses={404: {"model": Problem}},
)
async def get_stock(warehouse_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> StockRead:
    return await service.stock(session, principal, warehouse_id)
