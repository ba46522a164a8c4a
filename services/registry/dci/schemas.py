"""The DCI Social Registry search envelope and records, named as social_api v1.0.0 names them.

Requests: `{signature, header, message}` with `message.search_request[]`. The envelope is checked
here (a missing `header` or `message` is a 422); each search request's criteria are checked one by
one in the service, so that a bad one is answered `rjct` on its own while the others still run,
which is what the spec's per-request status codes are for. Hence `SkipValidation` below: the
documented type is the real one, the check happens later. docs/dci.md maps the records to ours.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SkipValidation, model_validator

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50

RequestStatus = Literal["rcvd", "pdng", "succ", "rjct"]
SearchStatusReasonCode = Literal[
    "rjct.reference_id.invalid",
    "rjct.reference_id.duplicate",
    "rjct.timestamp.invalid",
    "rjct.search_criteria.invalid",
    "rjct.filter.invalid",
    "rjct.sort.invalid",
    "rjct.pagination.invalid",
    "rjct.search.too_many_records_found",
]
HeaderStatusReasonCode = Literal[
    "rjct.version.invalid",
    "rjct.message_id.duplicate",
    "rjct.message_ts.invalid",
    "rjct.action.invalid",
    "rjct.action.not_supported",
    "rjct.total_count.invalid",
    "rjct.total_count.limit_exceeded",
    "rjct.errors.too_many",
]
Entity = Literal["Group", "Member"]


# ---------------------------------------------------------------------------------------- request


class MsgHeader(BaseModel):
    """MsgHeader_V1.0.0 of the request."""

    model_config = ConfigDict(extra="allow")

    version: str = Field(default="1.0.0", examples=["1.0.0"])
    message_id: str = Field(min_length=1, examples=["a4d1f5b2-0c3e-4b7a-9d2f-1e6c8b9a0d11"])
    message_ts: str = Field(description="ISO 8601 with a zone", examples=["2026-11-23T10:30:00+08:00"])
    action: str = Field(description="`search`", examples=["search"])
    sender_id: str = Field(min_length=1, examples=["spmis.kemensos.go.id"])
    sender_uri: str | None = None
    receiver_id: str | None = Field(default=None, examples=["registry.kessos"])
    total_count: int = Field(ge=0, description="How many search requests the message holds", examples=[1])
    is_msg_encrypted: bool = False
    meta: dict[str, Any] | None = None


class IdTypeValueQuery(BaseModel):
    """`query_type: idtype-value`."""

    type: str = Field(
        description="UIN, NIN or NIK: the NIK; HOUSEHOLD_ID (or KK): the KK number; "
        "KESSOS_PERSON_ID, KESSOS_HOUSEHOLD_ID: our ids",
        examples=["UIN"],
    )
    value: str | int = Field(examples=["6371014506850001"])


class Expression(BaseModel):
    collection: str | None = Field(default=None, description="Group or Member", examples=["Member"])
    query: dict[str, Any] = Field(
        description="MongoDB-style filter: $and, $or, $nor; $eq $ne $lt $lte $gt $gte $in $nin",
        examples=[{"$and": [{"sex": {"$eq": "female"}}, {"age": {"$gte": 60}}]}],
    )


class ExpressionValue(BaseModel):
    expression: Expression


class ExpressionQuery(BaseModel):
    """`query_type: expression`."""

    type: str | None = Field(default=None, examples=["ns:org:QueryType:expression"])
    value: ExpressionValue


AttributeValue = str | int | float | bool | list[str | int | float]


class PredicateExpression(BaseModel):
    attribute_name: str = Field(examples=["age"])
    operator: Literal["gt", "lt", "eq", "ge", "le", "in"] = Field(examples=["ge"])
    attribute_value: AttributeValue = Field(examples=[60])


class Predicate(BaseModel):
    """One item of `query_type: predicate`; the items of the list are combined with AND."""

    seq_num: float | None = None
    expression1: PredicateExpression
    condition: Literal["and", "or", "not"] | None = None
    expression2: PredicateExpression | None = None


class SortItem(BaseModel):
    attribute_name: str = Field(examples=["birthdate"])
    sort_order: Literal["asc", "desc"] = "asc"


class PaginationRequest(BaseModel):
    page_size: int = Field(ge=1, le=MAX_PAGE_SIZE, examples=[DEFAULT_PAGE_SIZE])
    page_number: int = Field(default=1, ge=1, le=1_000_000, examples=[1])


class SearchCriteria(BaseModel):
    model_config = ConfigDict(extra="allow")  # reg_event_type, reg_sub_type, ...: accepted, not used

    version: str = Field(default="1.0.0", examples=["1.0.0"])
    reg_type: str | None = Field(default=None, examples=["ns:org:RegistryType:Social"])
    reg_record_type: str | None = Field(default=None, examples=["Member"])
    query_type: Literal["idtype-value", "expression", "predicate"]
    response_entity: Literal["Group", "Member", "Household", "Family"] | None = Field(
        default=None, description="Household and Family (older releases of the spec) mean Group"
    )
    # Checked against query_type in the service; a query of the wrong form is that request's `rjct`.
    query: SkipValidation[IdTypeValueQuery | ExpressionQuery | list[Predicate]]
    sort: list[SortItem] | None = Field(default=None, max_length=3)
    pagination: PaginationRequest | None = None
    consent: dict[str, Any] | None = None
    authorize: dict[str, Any] | None = None


class SearchRequestItem(BaseModel):
    model_config = ConfigDict(extra="allow")

    reference_id: str = Field(examples=["ref-0001"])
    timestamp: str | None = Field(default=None, examples=["2026-11-23T10:30:00+08:00"])
    search_criteria: SkipValidation[SearchCriteria | None] = None
    locale: str | None = Field(default=None, examples=["eng"])


class SearchRequestMessage(BaseModel):
    """SearchRequest."""

    model_config = ConfigDict(extra="allow")

    transaction_id: str = Field(min_length=1, max_length=99, examples=["txn-2026-11-23-0001"])
    search_request: list[SearchRequestItem] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _not_encrypted(cls, data: Any) -> Any:
        if isinstance(data, dict) and "ciphertext" in data:
            raise ValueError(
                "encrypted (JWE) messages are not supported here; send the SearchRequest in clear "
                "over TLS with your bearer token"
            )
        return data


class SyncSearchRequest(BaseModel):
    signature: str | None = Field(
        default=None, description="Accepted and not verified: the bearer token authenticates"
    )
    header: MsgHeader
    message: SearchRequestMessage


# --------------------------------------------------------------------------------------- records


class Identifier(BaseModel):
    at_type: Literal["Identifier"] = Field(default="Identifier", alias="@type")
    identifier_type: str = Field(examples=["UIN"])
    identifier_value: str = Field(description="A NIK or KK number is masked without pii:read")


class Name(BaseModel):
    at_type: Literal["Name"] = Field(default="Name", alias="@type")
    given_name: str = Field(description="The full name as registered; Indonesian names are not split")


class Address(BaseModel):
    at_type: Literal["Address"] = Field(default="Address", alias="@type")
    address_line_1: str | None = None
    address_line_2: str | None = Field(default=None, description="RT/RW")
    region_code: str = Field(description="Province (Kemendagri code)", examples=["63"])
    sub_region_code: str = Field(description="Full Kemendagri code as registered", examples=["63.71.01.1001"])
    country_code: Literal["ID"] = "ID"


class SRPerson(BaseModel):
    at_type: Literal["SRPerson"] = Field(default="SRPerson", alias="@type")
    identifier: list[Identifier]
    name: Name
    sex: Literal["male", "female"] | None = None
    birth_date: date | None = Field(default=None, description="Left out without pii:read")
    death_date: date | None = None
    address: list[Address]
    registration_date: datetime
    last_updated: datetime


class PersonRef(BaseModel):
    at_type: Literal["SRPerson"] = Field(default="SRPerson", alias="@type")
    identifier: list[Identifier]


class RelatedPerson(BaseModel):
    at_type: Literal["RelatedPerson"] = Field(default="RelatedPerson", alias="@type")
    relationship_type: str = Field(
        description="RelationshipTypeEnum code: the member to the head", examples=["CHILD"]
    )
    related_member: PersonRef = Field(description="The head of the household")


class AttributeNameValue(BaseModel):
    name: str
    value: str | int | bool


class MemberRecord(BaseModel):
    at_type: Literal["Member"] = Field(default="Member", alias="@type")
    member_identifier: list[Identifier]
    demographic_info: SRPerson
    related_person: list[RelatedPerson]
    additional_attributes: list[AttributeNameValue]
    registration_date: datetime
    last_updated: datetime


class GroupRecord(BaseModel):
    at_type: Literal["Group"] = Field(default="Group", alias="@type")
    group_identifier: list[Identifier]
    group_type: str = Field(description="AssistanceUnit code: 3 Family (a Kartu Keluarga)", examples=["3"])
    address: list[Address]
    group_head_info: MemberRecord | None = None
    group_size: int = Field(description="Current members of the household")
    member_list: list[MemberRecord] = Field(description="The current members you may read")
    registration_date: datetime
    last_updated: datetime
    additional_attributes: list[AttributeNameValue]


RegRecord = Annotated[GroupRecord | MemberRecord, Field(discriminator="at_type")]


# --------------------------------------------------------------------------------------- response


class CallbackHeader(BaseModel):
    """MsgCallbackHeader_V1.0.0."""

    version: str = "1.0.0"
    message_id: str
    message_ts: datetime
    action: Literal["on-search"] = "on-search"
    status: RequestStatus
    status_reason_code: HeaderStatusReasonCode | None = None
    status_reason_message: str | None = Field(default=None, max_length=999)
    total_count: int
    completed_count: int
    sender_id: str
    receiver_id: str | None = None
    is_msg_encrypted: bool = False


class SearchResultData(BaseModel):
    version: str = "1.0.0"
    reg_type: str = Field(examples=["ns:org:RegistryType:Social"])
    reg_record_type: Entity
    reg_records: list[RegRecord]


class ResultPagination(BaseModel):
    page_size: int
    page_number: int
    total_count: int = Field(description="Matching records in your regions")


class SearchResult(BaseModel):
    reference_id: str
    timestamp: datetime
    status: RequestStatus
    status_reason_code: SearchStatusReasonCode | None = None
    status_reason_message: str | None = Field(default=None, max_length=999)
    data: SearchResultData | None = None
    pagination: ResultPagination | None = None
    locale: str = "eng"


class SearchResponseMessage(BaseModel):
    """SearchResponse."""

    transaction_id: str
    correlation_id: str
    search_response: list[SearchResult]


class SyncSearchResponse(BaseModel):
    signature: str | None = None
    header: CallbackHeader
    message: SearchResponseMessage
