#!/usr/bin/env python3
"""The live feed client of bench/live/run.sh (standard library only).

  live.py post     URL KEY POINTS N CONC      N single-event POSTs over CONC keep-alive connections:
                                              prints "p50_ms p99_ms events_per_s errors"
  live.py feed     URL KEY POINTS RATE SECS   RATE events/s for SECS s (one connection): prints "sent p50_ms p99_ms errors"
  live.py visible  URL KEY POINTS TRIALS      each trial: a county tile and /api/areas read (and cached), one POST, then both
                                              polled until they show the event: prints "tile_p50_ms tile_max_ms areas_p50_ms areas_max_ms"
  live.py alert    URL KEY ADMIN_KEY COUNTIES TRIALS
                                              each trial: a county's threshold set one above its count today, an SSE stream
                                              opened, two events posted; time from the crossing POST's answer to the alert on
                                              the stream: prints "p50_ms max_ms"

POINTS is a file of "lon lat geoid" lines (event positions in counties); COUNTIES of "geoid lon lat count_today".
Every event gets a unique external id; events happen "now" (they count on their county's today).
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone


def connect(url):
    u = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def read_points(path):
    with open(path) as f:
        return [line.split() for line in f if line.strip()]


def event(lon, lat):
    at = datetime.now(timezone.utc) - timedelta(seconds=random.randint(5, 600))
    return json.dumps({
        "external_id": "bench-" + uuid.uuid4().hex,
        "occurred_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lat": float(lat), "lon": float(lon),
        "fatal": random.random() < 0.1,
        "naloxone_administered": random.random() < 0.7,
        "suspected_drugs": random.choice([["fentanyl"], ["heroin"], ["fentanyl", "xylazine"], ["unknown"]]),
    })


def post(conn, key, body):
    """One POST /api/ingest/overdoses/event: (status, ms, parsed body)."""
    start = time.perf_counter()
    conn.request("POST", "/api/ingest/overdoses/event", body=body, headers={"X-Api-Key": key, "Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    ms = (time.perf_counter() - start) * 1000
    return response.status, ms, (json.loads(data) if data else None)


def get(conn, key, path):
    conn.request("GET", path, headers={"X-Api-Key": key, "Accept-Encoding": "identity"})
    response = conn.getresponse()
    return response.status, response.read()


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))]


def cmd_post(url, key, points, n, conc):
    points = read_points(points)
    n, conc = int(n), int(conc)
    latencies, errors, lock = [], [0], threading.Lock()
    counter = iter(range(n))

    def worker():
        conn = connect(url)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            lon, lat, _ = random.choice(points)
            status, ms, _ = post(conn, key, event(lon, lat))
            with lock:
                if status == 201:
                    latencies.append(ms)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(conc)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    print(f"{pct(latencies, 50):.1f} {pct(latencies, 99):.1f} {len(latencies) / elapsed:.1f} {errors[0]}")


def cmd_feed(url, key, points, rate, secs):
    points = read_points(points)
    rate, secs = float(rate), float(secs)
    conn = connect(url)
    latencies, errors = [], 0
    start = time.perf_counter()
    i = 0
    while time.perf_counter() - start < secs:
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        lon, lat, _ = random.choice(points)
        status, ms, _ = post(conn, key, event(lon, lat))
        if status == 201:
            latencies.append(ms)
        else:
            errors += 1
        i += 1
    print(f"{len(latencies)} {pct(latencies, 50):.1f} {pct(latencies, 99):.1f} {errors}")


def tile_of(lon, lat, z):
    import math
    lat_r = math.radians(lat)
    x = int((lon + 180) / 360 * 2 ** z)
    y = int((1 - math.log(math.tan(lat_r) + 1 / math.cos(lat_r)) / math.pi) / 2 * 2 ** z)
    return z, x, y


def cmd_visible(url, key, points, trials):
    points = read_points(points)
    conn, poster = connect(url), connect(url)
    tile_ms, areas_ms = [], []
    for _ in range(int(trials)):
        lon, lat, geoid = random.choice(points)
        z, x, y = tile_of(float(lon), float(lat), 7)
        tile, areas = f"/tiles/counties/{z}/{x}/{y}.mvt", f"/api/areas/county/{geoid}"
        _, tile_before = get(conn, key, tile)
        get(conn, key, tile)  # cached now
        _, areas_before = get(conn, key, areas)
        status, _, _ = post(poster, key, event(lon, lat))
        if status != 201:
            sys.exit(f"POST answered {status}")
        answered = time.perf_counter()
        seen = {"tile": None, "areas": None}
        while None in seen.values() and time.perf_counter() - answered < 10:
            if seen["tile"] is None and get(conn, key, tile)[1] != tile_before:
                seen["tile"] = (time.perf_counter() - answered) * 1000
            if seen["areas"] is None and get(conn, key, areas)[1] != areas_before:
                seen["areas"] = (time.perf_counter() - answered) * 1000
        if None in seen.values():
            sys.exit(f"the event did not show within 10 s: {seen}")
        tile_ms.append(seen["tile"])
        areas_ms.append(seen["areas"])
    print(f"{pct(tile_ms, 50):.1f} {max(tile_ms):.1f} {pct(areas_ms, 50):.1f} {max(areas_ms):.1f}")


def cmd_alert(url, key, admin_key, counties, trials):
    with open(counties) as f:
        rows = [line.split() for line in f if line.strip()]
    random.shuffle(rows)
    waits = []
    for geoid, lon, lat, today in rows[:int(trials)]:
        admin = connect(url)
        admin.request("PUT", f"/api/admin/thresholds/county/{geoid}", body=json.dumps({"threshold": int(today) + 2}),
                      headers={"X-Api-Key": admin_key, "Content-Type": "application/json"})
        response = admin.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"threshold PUT answered {response.status}")
        stream = connect(url)
        stream.request("GET", f"/api/alerts/stream?area=county:{geoid}&method=threshold", headers={"X-Api-Key": key, "Accept": "text/event-stream"})
        sse = stream.getresponse()
        if sse.status != 200:
            sys.exit(f"alert stream answered {sse.status}")
        arrived = {}

        def listen():
            for raw in sse:
                if raw.startswith(b"data:"):
                    arrived["at"] = time.perf_counter()
                    return

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        time.sleep(0.3)  # the stream's subscription is in place
        poster = connect(url)
        for _ in range(2):
            status, _, _ = post(poster, key, event(lon, lat))
            if status != 201:
                sys.exit(f"POST answered {status}")
        answered = time.perf_counter()
        listener.join(10)
        if "at" not in arrived:
            sys.exit(f"no alert for county {geoid} within 10 s")
        waits.append(max(0.0, (arrived["at"] - answered) * 1000))
        admin.request("DELETE", f"/api/admin/thresholds/county/{geoid}", headers={"X-Api-Key": admin_key})
        admin.getresponse().read()
        stream.close()
    print(f"{pct(waits, 50):.1f} {max(waits):.1f}")


if __name__ == "__main__":
    commands = {"post": cmd_post, "feed": cmd_feed, "visible": cmd_visible, "alert": cmd_alert}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
