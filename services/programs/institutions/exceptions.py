from shared.errors import Conflict


class InstitutionFull(Conflict):
    problem = "institution-full"
    title = "The institution has no free place"


class AlreadyAdmitted(Conflict):
    problem = "already-admitted"
    title = "The person is already resident in an institution"


class AlreadyDischarged(Conflict):
    problem = "already-discharged"
    title = "The client was already discharged"


class CaseloadExceeded(Conflict):
    problem = "caseload-exceeded"
    title = "The Peksos already serves as many clients as the norm allows"


class BasicNeedAlreadyMet(Conflict):
    problem = "basic-need-already-met"
    title = "This basic need was already recorded as met for this stay"
