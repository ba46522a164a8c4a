from shared.errors import Conflict


class DisasterClosed(Conflict):
    problem = "disaster-closed"
    title = "The disaster is closed"


class InvalidTransition(Conflict):
    problem = "invalid-status-transition"
    title = "A disaster's status moves forward only"
