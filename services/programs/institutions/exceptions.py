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
