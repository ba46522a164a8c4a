"""The Grafana dashboard only charts metrics the processes actually export."""

import json
import re
from pathlib import Path

from prometheus_client import REGISTRY

import shared.metrics  # noqa: F401  (registers the metrics)

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "kessos-dashboard.json"


def exported_names() -> set[str]:
    names = set()
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    for metric in REGISTRY.collect():
        names.update(metric.name + suffix for suffix in suffixes.get(metric.type, [""]))
    return names


def test_every_panel_queries_an_exported_metric() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exported = exported_names()
    used = set()
    for panel in dashboard["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            used.update(re.findall(r"\bkessos_[a-z_]+", target["expr"]))
    missing = {name for name in used if name not in exported}
    assert not missing, f"the dashboard charts metrics nobody exports: {missing}"
    assert {
        "kessos_outbox_backlog",
        "kessos_queue_depth",
        "kessos_findings_open",
        "kessos_jobs_total",
    } <= used
