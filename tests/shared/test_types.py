"""Shared field types accept ASCII digits only: other scripts' digits would make two spellings of
one code (the NIK had the same fault)."""

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.types import RegionCode

REGION = TypeAdapter(RegionCode)


@pytest.mark.parametrize("code", ["63", "63.71", "63.71.01", "63.71.01.1001"])
def test_region_codes(code: str) -> None:
    assert REGION.validate_python(code) == code


@pytest.mark.parametrize("code", ["٦٣.٧١", "６３.７１", "6371", "63.7", "63.71.01.100", "63.71\n"])
def test_not_region_codes(code: str) -> None:
    with pytest.raises(ValidationError):
        REGION.validate_python(code)
