"""Powertools Logger, Metrics and Tracer, made on first use rather than at import.

Logs and metrics carry ids and codes only: no names, e-mail addresses, postal addresses or
order lines. The metric names are in :mod:`orders_lambda.metric_names`.
"""

from __future__ import annotations

import threading
import warnings
from functools import cache
from typing import TYPE_CHECKING

from orders_lambda.settings import Settings

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics, Tracer

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


def count(name: str, value: float = 1, *, unit: str = "Count", **dimensions: str) -> None:
    """Add ``value`` to metric ``name``. With dimensions it is emitted on its own (one EMF
    blob), so they don't spread to the invocation's other metrics."""
    # Cold start: each Powertools utility loads when first used.
    from aws_lambda_powertools.metrics import MetricUnit, single_metric  # noqa: PLC0415

    if not dimensions:
        metrics().add_metric(name=name, unit=MetricUnit[unit], value=value)
        return
    with single_metric(
        name=name,
        unit=MetricUnit[unit],
        value=value,
        namespace=_names["namespace"],
        default_dimensions={"service": _names["service"], **dimensions},
    ):
        pass


__all__ = ["configure", "count", "logger", "metrics", "tracer"]
