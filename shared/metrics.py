"""Prometheus metrics shared by every process."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter("kessos_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram(
    "kessos_http_request_duration_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_RELAYED = Counter("kessos_outbox_relayed_total", "Events handed to the queue", ["service"])
JOBS = Counter("kessos_jobs_total", "Worker jobs by event type and outcome", ["type", "outcome"])
