"""Masking of identity numbers (NIK, KK) for callers without pii:read: enough to tell records apart on
a screen (`6371**********01`: the province and regency, and the last two digits), not to misuse."""


def mask_number(number: str | None) -> str | None:
    if number is None:
        return None
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]
