"""The room's two hot paths on Starlette and uvicorn, the Python ASGI stack one would put over the
bindings, written as its documentation does: the peer in bench/http_stack_bench.py of the
workshop server (Boost.Beast). It serves the same bytes: the room's state, read from the file
named by ROOM_STATE (taken from `tenure workshop --room` at the same quarter), for the tokens
listed there; a lever posted by a trainee updates the state, which is encoded once and put on
every open event stream's queue.

Run: ROOM_STATE=state.json python3 -m uvicorn room_starlette:app --loop uvloop --http httptools
"""
import asyncio
import json
import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

with open(os.environ["ROOM_STATE"]) as f:
    _given = json.load(f)
STATE = _given["state"]
TOKENS = dict(_given["tokens"])  # token -> manager
SEATS = {s["manager"]: s for s in STATE["seats"]}
BODY = json.dumps(STATE).encode()
STREAMS: set[asyncio.Queue] = set()


def message() -> bytes:
    return b"event: state\ndata: " + BODY + b"\n\n"


async def state(request: Request) -> Response:
    if request.query_params.get("token") not in TOKENS:
        return JSONResponse({"error": "join the room first"}, status_code=403)
    return Response(BODY, media_type="application/json")


async def events(request: Request) -> Response:
    if request.query_params.get("token") not in TOKENS:
        return JSONResponse({"error": "join the room first"}, status_code=403)
    queue: asyncio.Queue = asyncio.Queue(maxsize=8)
    queue.put_nowait(message())
    STREAMS.add(queue)

    async def stream():
        try:
            yield b"retry: 1000\n\n"
            while True:
                yield await queue.get()
        finally:
            STREAMS.discard(queue)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


async def levers(request: Request) -> Response:
    global BODY
    body = await request.json()
    manager = TOKENS.get(body.get("token"))
    if manager is None:
        return JSONResponse({"error": "join the room first"}, status_code=403)
    value = body.get("levers", {}).get("hunt_share")
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        return JSONResponse({"error": "hunt_share: expected a number from 0 to 1"}, status_code=400)
    SEATS[manager]["levers"]["hunt_share"] = value
    STATE["version"] += 1
    BODY = json.dumps(STATE).encode()
    m = message()
    for q in list(STREAMS):
        if q.full():  # a browser behind gets only the newest
            q.get_nowait()
        q.put_nowait(m)
    return JSONResponse({"manager": manager})


app = Starlette(routes=[Route("/room/state", state), Route("/room/events", events),
                        Route("/room/levers", levers, methods=["POST"])])
