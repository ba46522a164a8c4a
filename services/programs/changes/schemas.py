from services.programs.institutions.schemas import AdmissionRead, InstitutionRead
from services.programs.programs.schemas import EnrolmentRead
from shared.changes import ChangesPage

# `entity` says which: institution (with its occupancy), admission or enrolment.
ProgramsRecord = InstitutionRead | AdmissionRead | EnrolmentRead
ProgramsChanges = ChangesPage[ProgramsRecord]
