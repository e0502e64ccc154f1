#!/usr/bin/env python3
"""The burst of bench/memory/run.sh: the requests of the trust probe, many at once.

burst.py BASE_URL SECONDS KEY [KEY ...]

For SECONDS, one thread per key loops over the expensive requests (an 8 MiB polygon FeatureCollection
of 20,000 hexagons analysed with queen contiguity, the probe's 9,000 dense points with a 50 km band
and 9,999 permutations, 10,000 points with 999 permutations of local Moran's I, a 9 MiB body, a
spike series of ten years, a naloxone plan for Allegheny County on a 500 m grid), and eight more
threads fetch uncached tiles, OGC pages and area panels. Prints the count of answers by status.
"""
import http.client
import json
import math
import random
import sys
import threading
import time
import urllib.parse
from collections import Counter
from datetime import date, timedelta

base = urllib.parse.urlparse(sys.argv[1])
seconds = float(sys.argv[2])
keys = sys.argv[3:]
random.seed(7)


def hexagons(count, size=0.01):
    """Pointy-top hexagons packed around Pittsburgh, 150 to a row."""
    features = []
    for i in range(count):
        row, col = divmod(i, 150)
        cx = -81 + col * size * math.sqrt(3) + (row % 2) * size * math.sqrt(3) / 2
        cy = 39.5 + row * size * 1.5
        ring = [[round(cx + size * math.cos(math.radians(30 + 60 * k)), 6), round(cy + size * math.sin(math.radians(30 + 60 * k)), 6)] for k in range(6)]
        ring.append(ring[0])
        features.append({"type": "Feature", "id": i, "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {"n": random.randint(0, 20)}})
    return features


def points(count, spread):
    return [{"type": "Feature", "id": i, "geometry": {"type": "Point", "coordinates": [round(-80 + (random.random() - 0.5) * spread, 5), round(40.4 + (random.random() - 0.5) * spread, 5)]},
             "properties": {"n": random.randint(0, 20)}} for i in range(count)]


def collection(features):
    return {"type": "FeatureCollection", "features": features}


polygons = json.dumps({"method": "gi_star", "field": "n", "weights": {"type": "queen"}, "features": collection(hexagons(20_000))}).encode()
probe = json.dumps({"method": "local_moran", "field": "n", "weights": {"type": "distance_band", "distanceMeters": 50_000}, "permutations": 9999,
                    "features": collection(points(9000, 0.6))}).encode()
moran = json.dumps({"method": "local_moran", "field": "n", "weights": {"type": "knn", "k": 8}, "permutations": 999, "features": collection(points(10_000, 4))}).encode()
oversized = json.dumps({"method": "gi_star", "field": "n", "features": collection(points(90_000, 4))}).encode()
start = date(2015, 1, 1)
spikes = json.dumps({"method": "ears_c2", "series": [{"date": (start + timedelta(days=d)).isoformat(), "count": d % 9} for d in range(3650)]}).encode()
plan = json.dumps({"area": {"county": "42003"}, "candidates": {"grid": 500}, "k": 20, "radiusMeters": 1500}).encode()
expensive = [("/api/analysis/hotspots", polygons), ("/api/analysis/hotspots", probe), ("/api/analysis/hotspots", moran),
             ("/api/analysis/hotspots", oversized), ("/api/analysis/spikes", spikes), ("/api/planning/naloxone", plan)]
sys.stderr.write("bodies: " + ", ".join(f"{len(b) / 1048576:.1f} MiB" for _, b in expensive) + "\n")

statuses = Counter()
lock = threading.Lock()
deadline = time.monotonic() + seconds


def send(method, path, body=None, key=None):
    connection = http.client.HTTPConnection(base.hostname, base.port, timeout=300)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if key:
        headers["X-Api-Key"] = key
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    except (OSError, http.client.HTTPException):
        # The oversized body is refused unread (413) and the connection closed while it is still sent.
        status = "413 (closed)" if body is oversized else "refused unread, connection closed while sending"
    finally:
        connection.close()
    with lock:
        statuses[status] += 1


def heavy(key):
    i = 0
    while time.monotonic() < deadline:
        path, body = expensive[i % len(expensive)]
        send("POST", path, body, key)
        i += 1


def light(n):
    i = 0
    while time.monotonic() < deadline:
        year = 2000 + (i * 7 + n) % 26
        window = f"from={year}-01-01&to={year}-12-31"
        z = 3 + i % 5
        x, y = int((-80 + 180) / 360 * 2 ** z), int((1 - math.log(math.tan(math.radians(40.4)) + 1 / math.cos(math.radians(40.4))) / math.pi) / 2 * 2 ** z)
        path = [f"/tiles/counties/{z}/{x}/{y}.mvt?{window}", f"/ogc/collections/county-aggregates/items?limit=1000&{window}",
                f"/api/areas/county/42003?{window}", f"/tiles/counties/{z}/{x}/{y}.png?{window}"][i % 4]
        send("GET", path)
        i += 1


threads = [threading.Thread(target=heavy, args=(k,)) for k in keys] + [threading.Thread(target=light, args=(n,)) for n in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(", ".join(f"{c}× {s}" for s, c in sorted(statuses.items(), key=lambda item: str(item[0]))))
