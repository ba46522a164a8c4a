"""The programs schema's reference rows (SPM services, basic needs, parameters) are seeded by its
migration, and the shared `clean` fixture empties them with everything else. Put the migration's own
seed back after every clean, so each programs test starts from exactly what `kessos migrate` gives."""

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import text

from tests.support import REPO

REFERENCE = ("programs.spm_services", "programs.basic_needs", "programs.parameters")


def _seed_migration() -> ModuleType:
    (path,) = (REPO / "migrations" / "versions").glob("*_programs_targets_spm_panti_kube_aid.py")
    spec = importlib.util.spec_from_file_location("programs_seed_migration", Path(path))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SEED = _seed_migration()


@pytest.fixture(autouse=True)
async def _reference_rows(clean: None, engine) -> AsyncIterator[None]:  # type: ignore[no-untyped-def]
    from services.programs.models import Base

    tables = Base.metadata.tables
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(REFERENCE)} CASCADE"))
        await conn.execute(tables["programs.spm_services"].insert(), SEED.SPM_SERVICES)
        await conn.execute(
            tables["programs.basic_needs"].insert(),
            [
                {"code": c, "name": n, "position": i, "required": r}
                for i, (c, n, r) in enumerate(SEED.BASIC_NEEDS, 1)
            ],
        )
        await conn.execute(
            tables["programs.parameters"].insert(),
            [{"key": k, "value": v, "description": d} for k, v, d in SEED.PARAMETERS],
        )
    yield
