import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Numeric, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.disaster.db import Base


class Item(Base):
    """The relief item catalogue (reference data seeded by the migration)."""

    __tablename__ = "items"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))


class Warehouse(Base):
    """A relief warehouse, including a lumbung sosial."""

    __tablename__ = "warehouses"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    # gudang (an ordinary warehouse) | lumbung_sosial (a buffer stock kept for disasters)
    kind: Mapped[str] = mapped_column(String(20), server_default=text("'gudang'"))
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


MOVEMENT_KINDS = ("receipt", "distribution", "transfer_out", "transfer_in", "adjustment")


class StockMovement(Base):
    """The append-only stock ledger: receipts and transfers in are positive, distributions and transfers
    out negative, adjustments either (with a reason). A trigger refuses UPDATE and DELETE."""

    __tablename__ = "stock_movements"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"), index=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"))
    kind: Mapped[str] = mapped_column(String(16))  # one of MOVEMENT_KINDS
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    # The distribution, or the transfer (both halves share it), this movement belongs to.
    reference_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    # For a transfer: the warehouse at the other end.
    counterpart_warehouse_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        CheckConstraint("quantity <> 0", name="not_zero"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in MOVEMENT_KINDS)})", name="known_kind"),
        # An adjustment must say why.
        CheckConstraint("kind <> 'adjustment' OR note IS NOT NULL", name="adjustment_has_reason"),
    )


class StockBalance(Base):
    """The ledger's running sum per warehouse and item, kept in the same transaction as each movement.
    The CHECK is the last line of defence: stock can never go below zero."""

    __tablename__ = "stock_balances"

    warehouse_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))

    __table_args__ = (CheckConstraint("quantity >= 0", name="never_negative"),)
