from shared.errors import Conflict


class NoRuleInEffect(Conflict):
    problem = "no-rule-in-effect"
    title = "The program has no targeting rule for that day"


class RunNotReady(Conflict):
    problem = "run-not-ready"
    title = "The targeting run has not completed"


class RunAlreadyComputed(Conflict):
    problem = "run-already-computed"
    title = "The targeting run has already been computed"


class AlreadyAccepted(Conflict):
    problem = "candidate-already-accepted"
    title = "The candidate was already accepted into the program"
