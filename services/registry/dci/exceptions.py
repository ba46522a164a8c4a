"""Refusals of one search request. They are not HTTP errors: the DCI spec answers them inside a 200
with `status: rjct` and a `status_reason_code`, while the other search requests of the message run."""

from services.registry.dci.schemas import SearchStatusReasonCode

REASON_MESSAGE_LIMIT = 999  # the spec's maxLength for status_reason_message


class SearchRejected(Exception):
    def __init__(self, code: SearchStatusReasonCode, message: str):
        super().__init__(message)
        self.code: SearchStatusReasonCode = code
        self.message = message[:REASON_MESSAGE_LIMIT]


def criteria_invalid(message: str) -> SearchRejected:
    return SearchRejected("rjct.search_criteria.invalid", message)
