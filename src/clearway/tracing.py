"""OpenTelemetry tracing: off by default, on with the standard environment variables.

Tracing is on when OTEL_TRACES_EXPORTER names an exporter (otlp or console) or an OTLP endpoint is set
(OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), unless OTEL_SDK_DISABLED=true or
OTEL_TRACES_EXPORTER=none. Everything else (service name, resource attributes, sampler, headers,
endpoint) is read by the OpenTelemetry SDK itself from its OTEL_* variables. The SDK and the FastAPI
instrumentation are the optional extra `clearway[tracing]`; asked for without them, the app says so and
serves untraced. Each server span carries the request's id (attribute clearway.request_id, set by
clearway.observe)."""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger(__name__)
EXPORTERS = ("otlp", "console")


def wanted() -> bool:
    env = os.environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    return bool(exporter or env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))


def _exporter() -> Any:
    name = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() or "otlp"
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    if name != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER: {name!r} is not one of {', '.join(EXPORTERS)} (or none)")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()


def install(app: Any, *, exporter: Any = None) -> Any:
    """Trace the app's requests when the environment asks (or when given an exporter, as the tests do);
    returns the tracer provider, or None when tracing is off."""
    if exporter is None and not wanted():
        return None
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    except ImportError:
        log.warning("OTEL_* variables ask for tracing, but clearway[tracing] is not installed: serving untraced")
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME",
                                                                                        "clearway")}))
    processor = SimpleSpanProcessor(exporter) if exporter is not None else BatchSpanProcessor(_exporter())
    provider.add_span_processor(processor)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls="healthz,readyz,metrics")
    app.state.tracer_provider = provider
    return provider
