from shared.errors import Conflict


class ComputedIndicator(Conflict):
    problem = "computed-indicator"
    title = "This indicator is computed from registry data; its realisation cannot be typed in"


class IndicatorCodeTaken(Conflict):
    problem = "indicator-code-taken"
    title = "The office already has an indicator with this code"
