from shared.errors import Conflict


class ProgramCodeTaken(Conflict):
    problem = "program-code-taken"
    title = "The office already has a program with this code in this year"


class OverBudget(Conflict):
    problem = "over-budget"
    title = "The figures would exceed the program's budget"


class AlreadyEnrolled(Conflict):
    problem = "already-enrolled"
    title = "The person is already enrolled in this program for an overlapping period"


class BenefitLimitExceeded(Conflict):
    problem = "benefit-limit-exceeded"
    title = "The benefit would take the person past the program's limit"


class ActivityCodeTaken(Conflict):
    problem = "activity-code-taken"
    title = "The program already has an activity with this code"
