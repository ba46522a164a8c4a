from services.registry.households.schemas import HouseholdRead
from services.registry.people.schemas import PersonRead
from shared.changes import ChangesPage

# `entity` says which: person or household.
RegistryRecord = PersonRead | HouseholdRead
RegistryChanges = ChangesPage[RegistryRecord]
