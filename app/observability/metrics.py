"""Prometheus metrics of one app instance: its own ``CollectorRegistry``, built by ``create_app``.

Two kinds of source:
- events the app observes as they happen (``Metrics``): requests by route template, method and status;
  gradings by verdict and their latency by phase (from the report's timings);
- state read when Prometheus scrapes (``StateCollector``): the grading queue (queued/running submissions
  in the database, shared by all replicas, and gradings in progress here), the kernel pool (warm, leased,
  starting; starts and failed starts), Runs finished by status and reason, kernels lost by reason. Those
  counters live as plain numbers on the services that own the state (``RunManager``, ``KernelPool``), so
  the services need no Prometheus and a test can read them directly.

All names start with ``jaxtutor_``; docs/grafana-dashboard.json plots them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.db import session_scope

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)

REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
GRADING_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)


def phase_timings(timings: dict[str, Any]) -> dict[str, float]:
    """The report's ``*_s`` timings as phase -> seconds (``phase_correctness_s`` -> ``correctness``)."""
    out: dict[str, float] = {}
    for key, value in timings.items():
        if not key.endswith("_s") or key.endswith("_compile_s") or not isinstance(value, int | float):
            continue
        name = key[: -len("_s")].removeprefix("phase_")
        out[name] = float(value)
    return out


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        # id(route object) -> full path template (with the router's prefix), filled by create_app.
        self.route_templates: dict[int, str] = {}
        self.requests = Counter(
            "jaxtutor_http_requests",
            "HTTP requests answered, by route template (not the raw path), method and status code.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "jaxtutor_http_request_duration_seconds",
            "Time to answer an HTTP request (until the response has started), by route template and method.",
            ["route", "method"],
            buckets=REQUEST_BUCKETS,
            registry=self.registry,
        )
        self.gradings = Counter(
            "jaxtutor_gradings",
            "Gradings finished on this server, by verdict (pass, fail, error).",
            ["verdict"],
            registry=self.registry,
        )
        self.grading_seconds = Histogram(
            "jaxtutor_grading_phase_seconds",
            "Grading latency by phase, from the report's timings (total, reference, kernel_wait, grading, and "
            "each check's phase); 'queue_wall' is the whole grading as the queue saw it.",
            ["phase"],
            buckets=GRADING_BUCKETS,
            registry=self.registry,
        )

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.request_seconds.labels(route, method).observe(seconds)

    def observe_grading(self, report: dict[str, Any], wall_s: float) -> None:
        """Called by the grading queue with each report it is about to store."""
        verdict = str(report.get("status", "error"))
        self.gradings.labels(verdict if verdict in ("pass", "fail", "error") else "error").inc()
        timings = report.get("timings")
        for phase, seconds in phase_timings(timings if isinstance(timings, dict) else {}).items():
            self.grading_seconds.labels(phase).observe(seconds)
        self.grading_seconds.labels("queue_wall").observe(wall_s)

    def install_state(self, app: FastAPI) -> None:
        """Register the scrape-time collector of ``app``'s state (call once the lifespan has built it)."""
        self.registry.register(StateCollector(app))


class StateCollector(Collector):
    """Reads the app's state at scrape time; a part that is not there (yet) or fails is left out."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def describe(self) -> list[Metric]:
        return []  # state-dependent families: never checked against the registry's names up front

    def collect(self) -> Iterator[Metric]:
        state = self.app.state
        yield from self._queue(state)
        runs = getattr(state, "runs", None)
        if runs is not None:
            yield from self._runs(runs)
            pool = getattr(runs.provider, "pool", None)
            if pool is not None:
                yield from self._pool(pool, runs)
            else:
                yield from self._deaths(runs, None)

    def _queue(self, state: Any) -> Iterator[Metric]:
        engine = getattr(state, "engine", None)
        grading = getattr(state, "grading", None)
        if grading is not None:
            here = GaugeMetricFamily("jaxtutor_gradings_in_progress", "Submissions being graded by this server.")
            here.add_metric([], len(grading.in_progress))
            yield here
        if engine is None:
            return
        from app.services import grading_retry, submissions

        try:
            with session_scope(engine) as session:
                counts = submissions.count_by_status(session=session)
                retries = grading_retry.counts(session=session)
        except Exception as exc:  # the database is away: /readyz says so; the scrape still answers
            log.warning("metrics: counting the grading queue failed: %s", exc)
            return
        depth = GaugeMetricFamily(
            "jaxtutor_grading_queue_depth",
            "Submissions not yet graded, by status (queued, running, stalled), in the database all replicas share.",
            labels=["status"],
        )
        for status, n in sorted(counts.items()):
            depth.add_metric([status], n)
        yield depth
        not_graded = GaugeMetricFamily(
            "jaxtutor_gradings_not_graded",
            "Submissions whose grading failed for the server's reasons (disk, database, kernel start): waiting "
            "for a retry, or stalled until `jaxtutor grading retry` (an operator should look at those).",
            labels=["state"],
        )
        for state, n in sorted(retries.items()):
            not_graded.add_metric([state], n)
        yield not_graded

    def _runs(self, runs: Any) -> Iterator[Metric]:
        finished = CounterMetricFamily(
            "jaxtutor_runs",
            "Runs finished on this server, by recorded status and outcome reason.",
            labels=["status", "reason"],
        )
        for (status, reason), n in sorted(runs.finished.items()):
            finished.add_metric([status, reason], n)
        yield finished
        sessions = GaugeMetricFamily("jaxtutor_session_kernels", "Learners' Run kernels alive on this server.")
        sessions.add_metric([], runs.live_kernels())
        yield sessions

    def _pool(self, pool: Any, runs: Any) -> Iterator[Metric]:
        stats = pool.stats()
        size = GaugeMetricFamily(
            "jaxtutor_kernel_pool_kernels",
            "Kernels in the local pool, by state (warm: started and never used; leased; starting).",
            labels=["state"],
        )
        for state in ("warm", "leased", "starting"):
            size.add_metric([state], stats.get(state, 0))
        yield size
        starts = CounterMetricFamily(
            "jaxtutor_kernel_starts", "Kernel starts by the local pool, by outcome (ok, failed).", labels=["outcome"]
        )
        starts.add_metric(["ok"], stats.get("started", 0))
        starts.add_metric(["failed"], stats.get("failures", 0))
        yield starts
        yield from self._deaths(runs, stats.get("dead_warm", 0))

    def _deaths(self, runs: Any, dead_warm: int | None) -> Iterator[Metric]:
        deaths = CounterMetricFamily(
            "jaxtutor_kernel_deaths",
            "Kernels lost, by reason: a Run's kernel killed, out of memory, too many processes or crashed "
            "(the Run's outcome), or a warm kernel found dead in the pool (dead_while_warm).",
            labels=["reason"],
        )
        for reason, n in sorted(runs.kernel_deaths.items()):
            deaths.add_metric([reason], n)
        if dead_warm is not None:
            deaths.add_metric(["dead_while_warm"], dead_warm)
        yield deaths
