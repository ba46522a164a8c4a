"""Our people and households as DCI Member and Group records (docs/dci.md has the table).

Masking is the registry's own: a person goes through people.service.to_read, so NIK, KK number,
birth date and disability come out exactly as every other registry answer shows them to this caller.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from services.registry.dci.schemas import (
    Address,
    AttributeNameValue,
    GroupRecord,
    Identifier,
    MemberRecord,
    Name,
    PersonRef,
    RelatedPerson,
    SRPerson,
)
from services.registry.households.models import Household
from services.registry.households.schemas import HEAD
from services.registry.people.models import Person
from services.registry.people.nik import mask
from services.registry.people.service import to_read
from shared.auth import Principal

# Identifier types we answer with (a search accepts more names for the same numbers; see query.NAMES).
NIK_TYPE = "UIN"  # the NIK is Indonesia's unique identification number
KK_TYPE = "HOUSEHOLD_ID"
PERSON_ID_TYPE = "KESSOS_PERSON_ID"
HOUSEHOLD_ID_TYPE = "KESSOS_HOUSEHOLD_ID"
DTKS_ID_TYPE = "DTKS_ID"

# AssistanceUnit code 3, Family: a household here is a family as on its Kartu Keluarga.
GROUP_TYPE_FAMILY = "3"

# hubungan_keluarga (DOMAIN.md) → DCI RelationshipTypeEnum, as the member's relationship to the head.
# 6 is "orang tua/mertua" (parent or parent-in-law): one code cannot say which, so the generic family
# member. 7 pembantu and 8 lainnya have no DCI code: no related_person, the official code stays in
# additional_attributes.
RELATIONSHIP_TYPES = {
    "1": "SELF",
    "2": "SPS",
    "3": "CHILD",
    "4": "CHLDINLAW",
    "5": "GRNDCHILD",
    "6": "FAMMEMB",
}
SEXES = {"M": "male", "F": "female"}


@dataclass(frozen=True)
class Membership:
    relationship: str  # hubungan_keluarga code
    head_id: uuid.UUID | None


def _address(address: str | None, region_code: str, rt: str | None = None, rw: str | None = None) -> Address:
    neighbourhood = " ".join(p for p in (f"RT {rt}" if rt else "", f"RW {rw}" if rw else "") if p)
    return Address(
        address_line_1=address,
        address_line_2=neighbourhood or None,
        region_code=region_code[:2],
        sub_region_code=region_code,
    )


def member(person: Person, principal: Principal, membership: Membership | None) -> MemberRecord:
    read = to_read(person, principal)
    identifiers = [Identifier(identifier_type=NIK_TYPE, identifier_value=read.nik)] if read.nik else []
    member_ids = [Identifier(identifier_type=PERSON_ID_TYPE, identifier_value=str(read.id))]
    if read.id_dtks:
        member_ids.append(Identifier(identifier_type=DTKS_ID_TYPE, identifier_value=read.id_dtks))
    related: list[RelatedPerson] = []
    attributes: list[AttributeNameValue] = []
    if membership is not None:
        attributes.append(AttributeNameValue(name="hubungan_keluarga", value=membership.relationship))
        relationship = RELATIONSHIP_TYPES.get(membership.relationship)
        if relationship and membership.head_id:
            head = Identifier(identifier_type=PERSON_ID_TYPE, identifier_value=str(membership.head_id))
            related.append(
                RelatedPerson(relationship_type=relationship, related_member=PersonRef(identifier=[head]))
            )
    if read.kk_number:
        attributes.append(AttributeNameValue(name="kk_number", value=read.kk_number))
    if read.birth_year:
        attributes.append(AttributeNameValue(name="birth_year", value=read.birth_year))
    if read.welfare_decile is not None:
        attributes.append(AttributeNameValue(name="welfare_decile", value=read.welfare_decile))
    if read.disability_status:
        attributes.append(AttributeNameValue(name="status_disabilitas", value=read.disability_status))
    attributes.append(AttributeNameValue(name="status", value=read.status))
    attributes.append(AttributeNameValue(name="masked", value=read.masked))
    return MemberRecord(
        member_identifier=member_ids,
        demographic_info=SRPerson(
            identifier=identifiers,
            name=Name(given_name=read.full_name),
            sex=SEXES.get(read.sex) if read.sex else None,  # type: ignore[arg-type]
            birth_date=read.birth_date,
            death_date=read.died_on,
            address=[_address(read.address, read.region_code, read.rt, read.rw)],
            registration_date=read.created_at,
            last_updated=read.updated_at,
        ),
        related_person=related,
        additional_attributes=attributes,
        registration_date=read.created_at,
        last_updated=read.updated_at,
    )


def group(
    household: Household,
    principal: Principal,
    members: Sequence[tuple[str, Person]],
    size: int,
) -> GroupRecord:
    """`members`: (hubungan_keluarga, person) for the current members the caller may read, head first."""
    head_id = next((p.id for r, p in members if r == HEAD), None)
    records = [(r, member(p, principal, Membership(relationship=r, head_id=head_id))) for r, p in members]
    kk = household.kk_number if principal.can_read_pii else mask(household.kk_number) or ""
    return GroupRecord(
        group_identifier=[
            Identifier(identifier_type=KK_TYPE, identifier_value=kk),
            Identifier(identifier_type=HOUSEHOLD_ID_TYPE, identifier_value=str(household.id)),
        ],
        group_type=GROUP_TYPE_FAMILY,
        address=[_address(household.address, household.region_code)],
        group_head_info=next((m for r, m in records if r == HEAD), None),
        group_size=size,
        member_list=[m for _, m in records],
        registration_date=household.created_at,
        last_updated=household.updated_at,
        additional_attributes=[AttributeNameValue(name="masked", value=not principal.can_read_pii)],
    )
