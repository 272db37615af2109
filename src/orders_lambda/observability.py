"""Powertools Logger, Metrics and Tracer, made on first use rather than at import.

Logs and metrics carry ids and codes only: no names, e-mail addresses, postal addresses or
order lines. The metric names are in :mod:`orders_lambda.metric_names`.
"""

from __future__ import annotations

import json
import threading
import warnings
from functools import cache
from typing import TYPE_CHECKING

from orders_lambda.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics, Tracer
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.metrics.base import SingleMetric

_names_lock = threading.Lock()
_names: dict[str, str] = {
    "service": str(Settings.model_fields["service_name"].default),
    "namespace": str(Settings.model_fields["metrics_namespace"].default),
}
_tracing: list[bool] = [False]


def configure(settings: Settings) -> None:
    """Name the service and the metrics namespace before the first log line or metric, and
    decide whether to trace."""
    with _names_lock:
        _names.update(service=settings.service_name, namespace=settings.metrics_namespace)
        _tracing[0] = settings.tracing


def tracing() -> bool:
    return _tracing[0]


@cache
def logger() -> Logger:
    # Cold start: each Powertools utility loads when first used.
    from aws_lambda_powertools import Logger  # noqa: PLC0415

    return Logger(service=_names["service"])


@cache
def metrics() -> Metrics:
    # Cold start: each Powertools utility loads when first used.
    from aws_lambda_powertools import Metrics  # noqa: PLC0415

    # Most requests (every read) add no metric; Powertools warns about each such flush, which
    # would put a Python warning in the function's log for no fault.
    warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)
    return Metrics(namespace=_names["namespace"], service=_names["service"])


@cache
def tracer() -> Tracer:
    # Cold start: each Powertools utility loads when first used.
    from aws_lambda_powertools import Tracer  # noqa: PLC0415

    return Tracer(service=_names["service"])


@cache
def _single_metric(namespace: str) -> SingleMetric:
    # Cold start: each Powertools utility loads when first used.
    from aws_lambda_powertools.metrics.base import SingleMetric  # noqa: PLC0415

    # One per namespace, emptied after each blob: Powertools' single_metric() builds a new
    # one per call, whose constructor lists every unit and resolution again (about a tenth of
    # a create request's time).
    return SingleMetric(namespace=namespace)


@cache
def _unit(name: str) -> MetricUnit:
    # Cold start: each Powertools utility loads when first used. Looked up once per unit, not
    # imported and looked up again on every metric.
    from aws_lambda_powertools.metrics import MetricUnit  # noqa: PLC0415

    return MetricUnit[name]


_single_lock = threading.Lock()


def count(name: str, value: float = 1, *, unit: str = "Count", **dimensions: str) -> None:
    """Add ``value`` to metric ``name``. With dimensions it is emitted on its own (one EMF
    blob, as Powertools' ``single_metric`` writes it), so they don't spread to the
    invocation's other metrics."""
    if not dimensions:
        metrics().add_metric(name=name, unit=_unit(unit), value=value)
        return
    with _single_lock:
        single = _single_metric(_names["namespace"])
        try:
            single.add_metric(name=name, unit=_unit(unit), value=value)
            single.add_dimension(name="service", value=_names["service"])
            for dimension, text in dimensions.items():
                single.add_dimension(name=dimension, value=text)
            blob = single.serialize_metric_set()
        finally:
            single.clear_metrics()
    print(json.dumps(blob, separators=(",", ":")))  # noqa: T201 - EMF goes to stdout


__all__ = ["configure", "count", "logger", "metrics", "tracer"]
