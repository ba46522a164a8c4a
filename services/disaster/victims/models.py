import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.disaster.db import Base

CONDITIONS = ("meninggal", "hilang", "luka", "mengungsi", "terdampak")


class Victim(Base):
    """A person hit by a disaster, registered in the field, often with no documents at hand (so NIK
    and birth date are optional). The id may be chosen by the phone that registered it offline."""

    __tablename__ = "victims"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    disaster_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disasters.id"))
    # Members of one family share a household id (chosen in the field); the KK number when known.
    household_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    kk_number: Mapped[str | None] = mapped_column(String(16))
    nik: Mapped[str | None] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(200))
    sex: Mapped[str] = mapped_column(String(1))  # M | F
    birth_date: Mapped[date | None] = mapped_column(Date)
    # meninggal | hilang | luka | mengungsi | terdampak (BNPB's classes)
    condition: Mapped[str] = mapped_column(String(16))
    pregnant: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    disability: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Where the victim was hit (the village or district of the home).
    region_code: Mapped[str] = mapped_column(String(13), index=True)
    # The registry person, when the client knew it; identity matching (issue 4) fills the rest.
    person_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    # null: not matched yet | client_linked (the field client gave person_id) | matched, possible,
    # no_match (the worker's identity matching) | confirmed, rejected (an officer settled a possible one)
    match_status: Mapped[str | None] = mapped_column(String(20))
    # The registry's score of the best candidate, and the candidates worth a look ([{person_id, score}]).
    match_score: Mapped[float | None] = mapped_column(Float)
    match_candidates: Mapped[list[dict[str, object]] | None] = mapped_column(JSONB)
    # Who settled a possible match, when and why (the review's audit).
    match_reviewed_by: Mapped[str | None] = mapped_column(String(200))
    match_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    match_review_reason: Mapped[str | None] = mapped_column(Text)
    found_on: Mapped[date | None] = mapped_column(Date)
    found_place: Mapped[str | None] = mapped_column(Text)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(200))
    # Hash of the record as first sent: a re-sent record with the same id and content is "already had".
    content_hash: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        # One person is one victim of one disaster, however many phones registered them.
        Index(
            "uq_victims_disaster_nik",
            "disaster_id",
            "nik",
            unique=True,
            postgresql_where=text("nik IS NOT NULL"),
        ),
        Index("ix_victims_disaster_household", "disaster_id", "household_id"),
        Index("ix_victims_registered_at", "registered_at"),
    )


@dataclass(frozen=True, slots=True)
class VictimRef:
    """What other domains need of a victim (aid to them, entitlements): read in bulk, without the cost
    of ORM objects, for batches of thousands."""

    id: uuid.UUID
    disaster_id: uuid.UUID
    household_id: uuid.UUID | None
    condition: str
    full_name: str
    person_id: uuid.UUID | None
    nik: str | None


REF_COLUMNS = (
    Victim.id,
    Victim.disaster_id,
    Victim.household_id,
    Victim.condition,
    Victim.full_name,
    Victim.person_id,
    Victim.nik,
)
