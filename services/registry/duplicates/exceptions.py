from shared.errors import Conflict, NotFound


class ScanNotFound(NotFound):
    problem = "scan-not-found"
    title = "No such duplicate scan"


class PairNotFound(NotFound):
    problem = "duplicate-pair-not-found"
    title = "No such duplicate pair in your regions"


class PairAlreadyResolved(Conflict):
    problem = "duplicate-pair-resolved"
    title = "The pair was already resolved"


class CannotUndo(Conflict):
    problem = "cannot-undo"
    title = "This decision cannot be undone as things stand"
