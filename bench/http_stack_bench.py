"""Which HTTP stack serves the workshop (issue 20, part 6): Boost.Beast, the server as built,
against Starlette on uvicorn (uvloop, httptools), the Python ASGI stack one would put over the
bindings (bench/peers/room_starlette.py). Both serve the room's two hot paths with the same
bytes, the state of market_shock with 30 managers after four quarters:

(a) the room's state, GET /room/state by 30 clients at once, each on its own keep-alive
    connection (requests per second, and the median request's time);
(b) a change pushed to 30 browsers: one trainee posts a lever, and the time until all 30 event
    streams have the new state is taken (median and worst).

The same client (this script) drives both, in alternating rounds; medians over the rounds.

Usage: python3 bench/http_stack_bench.py [--tenure PATH] [--rounds N]
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from room_client import get_json, post, seat_trainees, start_room

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stream(threading.Thread):
    """An event stream read as a browser would; counts the state messages that arrive."""

    def __init__(self, port: int, token: str):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(f"GET /room/events?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        self.count = 0
        self.arrived: list[float] = []
        self.cond = threading.Condition()
        self.start()

    def run(self) -> None:
        tail = b""
        while True:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                return
            data = tail + chunk
            n = data.count(b"event: state")
            tail = data[-16:]
            n -= tail.count(b"event: state")  # counted again with the next chunk
            if n:
                with self.cond:
                    now = time.perf_counter()
                    self.count += n
                    self.arrived.extend([now] * n)
                    self.cond.notify_all()

    def wait_for(self, count: int) -> float:
        with self.cond:
            while self.count < count:
                assert self.cond.wait(30), "a stream did not get the change"
            return self.arrived[count - 1]


def get_load(port: int, token: str, clients: int = 30, each: int = 40) -> tuple[float, float]:
    """Requests per second and the median request's time (ms), 30 keep-alive clients at once."""
    times: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client() -> None:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        start.wait()
        for _ in range(each):
            t0 = time.perf_counter()
            c.request("GET", f"/room/state?token={token}")
            r = c.getresponse()
            r.read()
            assert r.status == 200
            mine.append(time.perf_counter() - t0)
        c.close()
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return clients * each / (time.perf_counter() - t0), statistics.median(times) * 1e3


def fan_out(port: int, tokens: list[str], streams: list[Stream], pushes: int = 10) -> list[float]:
    """The time (ms) from a trainee's lever post until the last of the streams has the change."""
    out = []
    for k in range(pushes):
        # Settle: every stream has what was sent so far.
        time.sleep(0.05)
        counts = [s.count for s in streams]
        t0 = time.perf_counter()
        post(port, "/room/levers", {"token": tokens[k % len(tokens)], "levers": {"hunt_share": round(0.05 * (k % 20), 2)}})
        out.append((max(s.wait_for(c + 1) for s, c in zip(streams, counts)) - t0) * 1e3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tenure", default=str(ROOT / "build" / "tools" / "tenure"))
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    beast, bport, code, key = start_room(args.tenure)
    peer = None
    try:
        tokens = seat_trainees(bport, code, key)
        for _ in range(4):
            post(bport, "/room/advance", {"key": key})
        state = get_json(bport, f"/room/state?key={key}")
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"state": state, "tokens": tokens}, f)
            state_file = f.name
        pport = free_port()
        peer = subprocess.Popen([sys.executable, "-m", "uvicorn", "room_starlette:app", "--loop", "uvloop", "--http",
                                 "httptools", "--port", str(pport), "--log-level", "warning", "--no-access-log"],
                                cwd=ROOT / "bench" / "peers", env={**os.environ, "ROOM_STATE": state_file})
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", pport)).close()
                break
            except OSError:
                time.sleep(0.1)
        size = len(json.dumps(state))
        only = [t for t, _ in tokens]
        results = {"Boost.Beast": {"rps": [], "get": [], "fan": []}, "Starlette + uvicorn": {"rps": [], "get": [], "fan": []}}
        streams = {"Boost.Beast": [Stream(bport, t) for t in only], "Starlette + uvicorn": [Stream(pport, t) for t in only]}
        ports = {"Boost.Beast": bport, "Starlette + uvicorn": pport}
        for r in range(args.rounds):
            for name in (results if r % 2 == 0 else reversed(list(results))):  # alternate which goes first
                rps, med = get_load(ports[name], only[0])
                results[name]["rps"].append(rps)
                results[name]["get"].append(med)
                results[name]["fan"].extend(fan_out(ports[name], only, streams[name]))
        print(f"`python3 bench/http_stack_bench.py --rounds {args.rounds}`: the room's state ({size / 1e3:.0f} kB, market_shock "
              f"with 30 managers after four quarters), 30 clients, loopback, {os.cpu_count()} cores; medians over rounds.\n")
        print("| stack | GET /room/state, requests/s | a request's time, ms | a lever to all 30 streams: median, ms | worst, ms |")
        print("|---|---:|---:|---:|---:|")
        for name, x in results.items():
            print(f"| {name} | {statistics.median(x['rps']):.0f} | {statistics.median(x['get']):.1f} | "
                  f"{statistics.median(x['fan']):.1f} | {max(x['fan']):.1f} |")
    finally:
        beast.terminate()
        if peer:
            peer.terminate()


if __name__ == "__main__":
    main()
