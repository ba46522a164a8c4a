"""The nightly full reconciliation is scheduled in the office's time, once across all workers."""

from services.worker.reconciliation import full
from services.worker.runner import build_worker
from shared.settings import KessosSettings


def test_the_nightly_reconciliation_runs_at_the_office_hour(settings: KessosSettings) -> None:
    worker = build_worker(settings.model_copy(update={"reconcile_hour": 3}), burst=True)
    [job] = worker.cron_jobs
    assert job.coroutine is full.nightly
    assert (job.hour, job.minute, job.unique) == (3, 0, True)
    assert str(worker.timezone) == "Asia/Makassar"
