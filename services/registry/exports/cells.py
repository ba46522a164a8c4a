"""CSV for people who open it in a spreadsheet."""


def spreadsheet_safe(value: object) -> object:
    """A cell that starts with = + - @ (or a tab or CR) runs as a formula in a spreadsheet (CSV
    injection): a leading quote makes it text. None becomes an empty cell."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
