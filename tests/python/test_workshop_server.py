"""The workshop server (issue 15): concurrent, with deadlines, a bound on a query's work, Host and
Origin checks, HEAD, names for --host, and JSON that stays valid. The load test is bounded and
on loopback only: 30 clients, 10 of them slow or idle, and a heavy query in flight; no client
waits on another's connection."""
import http.client
import json
import re
import socket
import subprocess
import threading
import time

import pytest
import tenure


@pytest.fixture(scope="module")
def server(cli):
    p = subprocess.Popen([cli, "workshop", "--port", "0", "--host", "localhost"], stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert m, f"the workshop did not print its address: {line!r}"
    yield int(m.group(1))
    p.terminate()
    p.wait(timeout=10)


def get(port, path, method="GET", headers=None, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, r.headers, body


def test_head_and_get_agree(server):
    s, h, body = get(server, "/")
    s2, h2, body2 = get(server, "/", "HEAD")
    assert s == s2 == 200 and body2 == b"" and h2["Content-Length"] == str(len(body))
    assert get(server, "/api/run", "POST")[0] == 405


def test_the_chart_library_is_served_from_the_binary_byte_for_byte(server, root):
    """third_party/vega's files and tools/charts.js are embedded in `tenure` and served as they are
    in the repository, as JavaScript; the pages load them from here, not from a CDN."""
    for path, file in (("/vendor/vega.min.js", "third_party/vega/vega.min.js"),
                       ("/vendor/vega-lite.min.js", "third_party/vega/vega-lite.min.js"), ("/charts.js", "tools/charts.js")):
        status, headers, body = get(server, path)
        assert status == 200 and headers["Content-Type"].startswith("text/javascript"), path
        assert body == (root / file).read_bytes(), path
    for page in ("/",):
        html = get(server, page)[2].decode()
        assert '<script src="/vendor/vega.min.js">' in html and "https://" not in html.split("<script>")[0]


def test_another_site_cannot_drive_it(server):
    assert get(server, "/api/scenarios", headers={"Origin": "http://evil.example"})[0] == 403
    assert get(server, "/api/scenarios", headers={"Host": "evil.example"})[0] == 403  # DNS rebinding
    assert get(server, "/api/scenarios", headers={"Host": f"localhost:{server}",
                                                   "Origin": f"http://localhost:{server}"})[0] == 200


def test_listening_on_every_address_admits_address_literals_not_names(cli):
    p = subprocess.Popen([cli, "workshop", "--port", "0", "--host", "0.0.0.0"], stdout=subprocess.PIPE, text=True)
    try:
        port = int(re.search(r":(\d+)/", p.stdout.readline()).group(1))
        assert get(port, "/api/scenarios", headers={"Host": f"10.1.2.3:{port}"})[0] == 200  # a trainee's browser
        assert get(port, "/api/scenarios", headers={"Host": f"10.1.2.3:{port}", "Origin": f"http://10.1.2.3:{port}"})[0] == 200
        assert get(port, "/api/scenarios", headers={"Host": f"evil.example:{port}"})[0] == 403  # DNS rebinding
        assert get(port, "/api/scenarios", headers={"Host": f"10.1.2.3:{port + 1}"})[0] == 403
        assert get(port, "/api/scenarios", headers={"Host": f"10.1.2.3:{port}", "Origin": "http://evil.example"})[0] == 403
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_json_stays_valid_with_quotes_backslashes_and_invalid_utf8(server):
    s, _, body = get(server, "/api/run?scenario=covert_farmer&replications=2&a=%ff%fe%22%5cx")
    assert s == 400
    assert "expected key.path=value" in json.loads(body)["error"]
    s, _, body = get(server, "/api/run?scenario=nosuch%22%ff")
    assert s == 404 and "unknown scenario" in json.loads(body)["error"]


def test_a_deep_override_path_in_a_query_is_refused_at_once(server):
    t0 = time.perf_counter()
    s, _, body = get(server, "/api/run?scenario=covert_farmer&replications=2&a=" + "a." * 3000 + "a%3D1")
    assert s == 400 and "at most 32 parts" in json.loads(body)["error"]
    assert time.perf_counter() - t0 < 10


def test_a_query_asking_too_much_is_refused_with_the_bound(server):
    s, _, body = get(server, "/api/run?scenario=baseline&replications=1000&a=accounts.initial_active%3D4000")
    assert s == 413 and "at most 1000 million" in json.loads(body)["error"]


def test_thirty_clients_some_slow_none_waits_on_another(server):
    stop = threading.Event()
    slow_socks = []

    def slow_client():  # sends a request one byte a second, never finishing it
        s = socket.create_connection(("127.0.0.1", server))
        slow_socks.append(s)
        head = b"GET /api/scenarios HTTP/1.1\r\nHost: localhost\r\n"
        for b in head:
            if stop.is_set():
                break
            try:
                s.send(bytes([b]))
            except OSError:
                return  # cut off by the server's read deadline: as it should be
            time.sleep(1.0)

    def idle_client():  # connects and says nothing
        slow_socks.append(socket.create_connection(("127.0.0.1", server)))

    threads = [threading.Thread(target=slow_client, daemon=True) for _ in range(5)]
    for _ in range(5):
        idle_client()
    for t in threads:
        t.start()
    # and a heavy query in flight (a few seconds of simulation)
    heavy = {}
    ht = threading.Thread(target=lambda: heavy.update(r=get(server, "/api/run?scenario=baseline&replications=60", timeout=120)))
    ht.start()
    time.sleep(0.5)

    latencies = []
    lock = threading.Lock()

    def normal_client(i):
        for path in ("/", "/api/scenarios", "/" if i % 2 else "/api/scenarios"):
            t0 = time.perf_counter()
            s, _, body = get(server, path, timeout=30)
            with lock:
                latencies.append(time.perf_counter() - t0)
            assert s == 200 and body

    normal = [threading.Thread(target=normal_client, args=(i,)) for i in range(20)]
    for t in normal:
        t.start()
    for t in normal:
        t.join(timeout=60)
    assert len(latencies) == 60
    # 10 slow or idle connections and a running simulation: every page and list still comes back
    # at once (the old server answered one connection at a time: each of these waited for the others)
    assert max(latencies) < 3.0, sorted(latencies)[-5:]
    ht.join(timeout=120)
    assert heavy["r"][0] == 200
    stop.set()
    # the idle connections were cut by the read deadline, not kept forever
    time.sleep(11)
    cut = 0
    for s in slow_socks:
        s.settimeout(1)
        try:
            cut += s.recv(1) == b""
        except OSError:
            cut += 1
        s.close()
    assert cut == len(slow_socks)


def test_series_and_metrics_carry_the_declared_labels_and_units(server):
    s, _, body = get(server, "/api/run?scenario=covert_farmer&replications=2")
    assert s == 200
    j = json.loads(body)
    cols = tenure.columns().drop_duplicates("name").set_index("name")
    for name in ["active_accounts", "value", "mean_satisfaction", "churned_value", "final_value"]:
        assert j["labels"][name]["label"] == cols.loc[name, "label"]
        assert j["labels"][name]["unit"] == cols.loc[name, "unit"]
    assert set(j["a"]["series"]) <= set(j["labels"])
