"""The OpenAPI description of POST /v1/events.

The endpoint itself is a raw Starlette route (no pydantic per event, for speed), so FastAPI cannot
describe it; these models exist only to publish its contract (clients, schemathesis).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field


class Event(BaseModel):
    event_id: str | None = Field(None, max_length=200, description="Client UUID; dedup key.")
    event: str = Field(..., min_length=1, max_length=200)
    timestamp: str = Field(..., max_length=64, description="ISO 8601 client time.")
    sent_at: str | None = None
    visitor_id: str | None = None
    session_id: str | None = None
    user_id: str | None = None
    url: str | None = None
    referrer: str | None = None
    title: str | None = None
    properties: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    api_key: str | None = Field(None, description="Write key (single-event form).")


class Batch(BaseModel):
    api_key: str | None = Field(None, description="Write key; or Bearer / X-Beaconlake-Key.")
    sent_at: str | None = Field(None, description="Client time of sending (clock skew).")
    batch: list[Event] = Field(..., max_length=500)


class Accepted(BaseModel):
    accepted: int
    rejected: int


class ErrorBody(BaseModel):
    error: str
    detail: Any = None


def _err(desc: str) -> dict:
    return {
        "description": desc,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }


def install(app: FastAPI) -> None:
    """Make app.openapi() include POST /v1/events."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        for m in (Event, Batch, Accepted, ErrorBody):
            js = m.model_json_schema(ref_template="#/components/schemas/{model}")
            comps.update(js.pop("$defs", {}))
            comps[m.__name__] = js
        body = {"schema": {"oneOf": [{"$ref": "#/components/schemas/Batch"},
                                     {"$ref": "#/components/schemas/Event"}]}}  # fmt: skip
        schema["paths"]["/v1/events"] = {
            "post": {
                "summary": "Collect one event or a batch",
                "operationId": "post_events",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": body, "text/plain": body},
                },
                "responses": {
                    "200": {
                        "description": "Every accepted event is committed to the lake.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Accepted"}
                            }
                        },
                    },
                    "400": _err("Body is not JSON or not an object."),
                    "401": _err("Missing, unknown or secret key; nothing stored."),
                    "413": _err("Body over the size limit or too many events."),
                    "429": _err("The project is over its event rate."),
                    "503": _err("The lake cannot be written or the collector is draining."),
                },
            }
        }
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
