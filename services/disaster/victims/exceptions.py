from shared.errors import Conflict


class VictimAlreadyRegistered(Conflict):
    problem = "victim-already-registered"
    title = "This person is already a registered victim of this disaster"


class IdInUse(Conflict):
    problem = "id-in-use"
    title = "The id was already used for a different record"


class NotMissing(Conflict):
    problem = "victim-not-missing"
    title = "Only a missing (hilang) victim can be found"


class ConditionChange(Conflict):
    problem = "condition-change-refused"
    title = "That change of condition is not allowed"


class NotAwaitingReview(Conflict):
    problem = "match-not-awaiting-review"
    title = "Only a possible match awaits an officer's review"
