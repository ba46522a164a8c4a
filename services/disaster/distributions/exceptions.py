from shared.errors import Conflict


class EntitlementExceeded(Conflict):
    problem = "entitlement-exceeded"
    title = "More than the recipient's entitlement"


class RecipientGone(Conflict):
    problem = "recipient-not-present"
    title = "The victim is recorded as dead or missing"


class IdInUse(Conflict):
    problem = "id-in-use"
    title = "The id was already used for a different record"


class ConcurrentBatch(Conflict):
    problem = "concurrent-batch"
    title = "Another batch wrote some of these records meanwhile"
