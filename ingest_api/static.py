"""The browser SDK bundle (/sdk/…, cached for a year: names change with versions) and the demo."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles

from beaconlake.settings import Settings

IMMUTABLE = "public, max-age=31536000, immutable"


def install(app: FastAPI, settings: Settings) -> None:
    sdk_dir = Path(settings.sdk_dir).resolve()

    @app.get("/sdk/{file}", include_in_schema=False)
    async def sdk(file: str) -> FileResponse:
        path = (sdk_dir / file).resolve()
        if path.parent != sdk_dir or not path.is_file():
            raise HTTPException(404, "no such SDK file")
        return FileResponse(
            path,
            headers={"Cache-Control": IMMUTABLE, "Access-Control-Allow-Origin": "*"},
        )

    demo_dir = Path(settings.demo_dir)
    if demo_dir.is_dir():
        app.mount("/demo", StaticFiles(directory=demo_dir, html=True), name="demo")
