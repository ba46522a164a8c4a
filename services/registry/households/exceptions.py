from shared.errors import Conflict


class KkTaken(Conflict):
    problem = "duplicate-kk"
    title = "A household with this KK number is already registered"


class AlreadyInHousehold(Conflict):
    problem = "already-in-household"
    title = "The person already belongs to a household"


class HeadConflict(Conflict):
    problem = "household-head"
    title = "A household has exactly one head"
