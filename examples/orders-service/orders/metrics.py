"""Prometheus metrics: a request counter by route, method and status code, and a latency histogram.

Each application owns its registry, so several apps (e.g. in tests) never share counters."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # process_cpu_seconds_total, process_resident_memory_bytes, process_start_time_seconds: the
        # saturation and restart alerts read them.
        ProcessCollector(registry=self.registry)
        self.requests = Counter(
            "http_requests", "HTTP requests handled, by route template, method and status code.",
            ["route", "method", "code"], registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds", "Time spent handling an HTTP request, by route template.",
            ["route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )

    def observe(self, route: str, method: str, code: int, seconds: float) -> None:
        self.requests.labels(route=route, method=method, code=str(code)).inc()
        self.latency.labels(route=route).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
