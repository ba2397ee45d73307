"""What the room's benchmarks share (workshop_bench.py, http_stack_bench.py): a room of
market_shock with 30 managers started with `tenure workshop --room`, its actions posted as a
browser would, and 30 trainees seated, one per manager."""
import http.client
import json
import re
import subprocess


def start_room(tenure: str) -> tuple[subprocess.Popen, int, str, str]:
    """The server, its port, the room's code and the trainer's key."""
    p = subprocess.Popen([tenure, "workshop", "--room", "market_shock", "--set", "managers.1.count=29", "--set",
                          "organisation.positions.0=30", "--port", "0", "--host", "127.0.0.1"], stdout=subprocess.PIPE, text=True)
    head = "".join(p.stdout.readline() for _ in range(3))
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", head).group(1))
    return p, port, re.search(r"code=(\w+)", head).group(1), re.search(r"key=(\w+)", head).group(1)


def post(port: int, path: str, body: dict) -> dict:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = c.getresponse()
    out = json.loads(r.read())
    c.close()
    assert r.status == 200, out
    return out


def get_json(port: int, path: str) -> dict:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    c.request("GET", path)
    out = json.loads(c.getresponse().read())
    c.close()
    return out


def seat_trainees(port: int, code: str, key: str) -> list[tuple[str, str]]:
    """Every manager claimed by a trainee of its own: (token, manager) in seat order."""
    seated = []
    for i, s in enumerate(get_json(port, f"/room/state?key={key}")["seats"]):
        t = post(port, "/room/join", {"code": code, "name": f"trainee {i}"})["token"]
        post(port, "/room/claim", {"token": t, "manager": s["manager"]})
        seated.append((t, s["manager"]))
    return seated
