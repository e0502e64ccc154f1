#!/usr/bin/env bash
# PNG tiles vs MapServer (see bench/README.md):
#
#   bench/png/run.sh [METRIC]     uncached county PNG tiles from GeoOrs vs MapServer 8's WMS GetMap of the
#                                 same polygons and classes, side by side in one run (METRIC: overdoses)
#
# GeoOrs runs with its tile cache off (Tiles__CacheMegabytes=0); MapServer (Debian's cgi-mapserver,
# FastCGI under spawn-fcgi with CONNS processes, behind nginx) draws tile_shapes' county polygons of
# the zoom's band with each county's all-time count summed per request from overdose_monthly (as
# GeoOrs does for an all-time window), in the classes and colours GeoOrs's TileJSON states, with the
# same fill opacity and white outline. Both answer the same >= 1,000 z/x/y (z 3-12, tiles holding
# sampled events, bench/tiles/lib.sh) under the same wrk client and concurrency; ROUNDS rounds of SECS
# s each, order alternating; medians of tiles/s and p50 latency, and the ratio GeoOrs / MapServer.
#
# Environment: ROUNDS (3), SECS (20), CONNS (4), THREADS (2), ROWS (1000000); GEOORS_CHECKOUT, the root
# of another checkout of GeoOrs to measure instead of this one (built there; e.g. the commit before a
# change, for a before/after pair on the same data).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../tiles/lib.sh"
ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-20}
METRIC=${1:-overdoses}
OUT="$ROOT/bench/results/png"
PORT_GEOORS=18221
PORT_MAPSERVER=18222
MAPSERV=/usr/lib/cgi-bin/mapserv
mkdir -p "$OUT"
# Each stop on its own: under set -e a failing command in the trap would end it before the next stop.
trap 'stop_mapserver || true; stop_server || true' EXIT
psay() { printf 'bench/png: %s\n' "$*" >&2; }

need_png_tools() {
  local missing=()
  [ -x "$MAPSERV" ] || missing+=(cgi-mapserver)
  command -v spawn-fcgi >/dev/null || missing+=(spawn-fcgi)
  [ ${#missing[@]} -eq 0 ] && return 0
  psay "installing ${missing[*]}"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The server to measure: this checkout, or GEOORS_CHECKOUT's (built there, in Release).
build_measured() {
  if [ -n "${GEOORS_CHECKOUT:-}" ]; then
    dotnet build "$GEOORS_CHECKOUT/src/GeoOrs.Server/GeoOrs.Server.csproj" -c Release -nologo -v quiet >"$OUT/build-checkout.log" 2>&1 \
      || { cat "$OUT/build-checkout.log" >&2; die "build of $GEOORS_CHECKOUT failed"; }
    MEASURED_DLL="$GEOORS_CHECKOUT/src/GeoOrs.Server/bin/Release/net10.0/GeoOrs.Server.dll"
    MEASURED="$(git -C "$GEOORS_CHECKOUT" rev-parse --short HEAD 2>/dev/null || echo "$GEOORS_CHECKOUT")"
  else
    MEASURED_DLL=$DLL
    MEASURED="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo +changes)"
  fi
}

# write_mapfile DB TILEJSON: four layers counties_b0..3 (tile_shapes' bands, as GeoOrs's zooms use
# them), each county's count summed in the request for the polygons in the map's box (!BOX!), the
# classes of the TileJSON's breaks (the first class whose upper bound holds the value; above the last,
# the last) in its colours at GeoOrs's fill opacity (217/255), outlined in white at 60 %, 0.75 px.
write_mapfile() {
  local db=$1 tilejson=$2 conf="$OUT/mapserver"
  mkdir -p "$conf"
  local password; password=$(cat "$ROOT/.geoors/db.password")
  local classes
  classes=$(python3 - "$tilejson" <<'PY'
import json, sys
raster = json.load(open(sys.argv[1]))["raster"]
breaks, colors = raster["breaks"], raster["colors"]
out = []
for i, (b, c) in enumerate(zip(breaks, colors)):
    r, g, bl = int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)
    expr = f"    EXPRESSION ([v] <= {b!r})\n" if i < len(breaks) - 1 else ""
    out.append(f"  CLASS\n{expr}    STYLE COLOR {r} {g} {bl} OPACITY 85 END\n"
               f"    STYLE OUTLINECOLOR 255 255 255 OPACITY 60 WIDTH 0.75 END\n  END")
print("\n".join(out))
PY
)
  {
    cat <<END_MAP
MAP
  NAME "counties"
  EXTENT -20037508.342789244 -20037508.342789244 20037508.342789244 20037508.342789244
  SIZE 256 256
  UNITS METERS
  PROJECTION "init=epsg:3857" END
  IMAGETYPE "png"
  OUTPUTFORMAT
    NAME "png"
    DRIVER AGG/PNG
    MIMETYPE "image/png"
    IMAGEMODE RGBA
    TRANSPARENT ON
    EXTENSION "png"
  END
  WEB
    METADATA
      "wms_title" "GeoOrs benchmark"
      "wms_onlineresource" "http://127.0.0.1:$PORT_MAPSERVER/wms?"
      "wms_srs" "EPSG:3857"
      "wms_enable_request" "GetMap GetCapabilities"
    END
  END
END_MAP
    local band
    for band in 0 1 2 3; do
      cat <<END_LAYER
  LAYER
    NAME "counties_b$band"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION "host=127.0.0.1 port=$PGPORT dbname=$db user=geoors password=$password"
    PROCESSING "CLOSE_CONNECTION=DEFER"
    DATA "geom FROM (SELECT s.id, s.geom, coalesce((SELECT sum(m.events[1]) FROM overdose_monthly m WHERE m.county_fips = s.id::bpchar), 0)::float8 AS v FROM tile_shapes s WHERE s.layer = 'counties' AND s.band = $band AND s.geom && !BOX!) AS q USING UNIQUE id USING SRID=3857"
    PROJECTION "init=epsg:3857" END
    METADATA "wms_title" "counties_b$band" "wms_srs" "EPSG:3857" END
$classes
  END
END_LAYER
    done
    echo "END"
  } >"$conf/counties.map"
  cat >"$conf/mapserver.conf" <<CONF
CONFIG
  ENV
    MS_MAPFILE "$conf/counties.map"
    MS_ERRORFILE "$conf/ms_error.txt"
  END
END
CONF
}

# MapServer: CONNS mapserv FastCGI processes (spawn-fcgi) behind nginx on PORT_MAPSERVER, as the geoors user when root.
start_mapserver() {
  local conf="$OUT/mapserver" owner=()
  mkdir -p "$conf/tmp"
  if [ "$(id -u)" -eq 0 ]; then chown -R geoors "$conf"; owner=(-u geoors -g geoors); fi
  rm -f "$conf/mapserv.sock"
  MAPSERVER_CONFIG_FILE="$conf/mapserver.conf" spawn-fcgi -s "$conf/mapserv.sock" -F "$CONNS" -P "$conf/spawn.pid" "${owner[@]}" -- "$MAPSERV" >/dev/null
  cat >"$conf/nginx.conf" <<CONF
worker_processes 1;
pid $conf/nginx.pid;
error_log $conf/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $conf/tmp/body;
    proxy_temp_path $conf/tmp/proxy;
    fastcgi_temp_path $conf/tmp/fastcgi;
    uwsgi_temp_path $conf/tmp/uwsgi;
    scgi_temp_path $conf/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT_MAPSERVER;
        location /wms {
            fastcgi_pass unix:$conf/mapserv.sock;
            # FastCGI mapserv reads its environment from the request's parameters.
            fastcgi_param MAPSERVER_CONFIG_FILE $conf/mapserver.conf;
            fastcgi_param QUERY_STRING \$query_string;
            fastcgi_param REQUEST_METHOD \$request_method;
            fastcgi_param CONTENT_TYPE \$content_type;
            fastcgi_param CONTENT_LENGTH \$content_length;
            fastcgi_param SCRIPT_NAME \$fastcgi_script_name;
            fastcgi_param SERVER_NAME \$server_name;
            fastcgi_param SERVER_PORT \$server_port;
            fastcgi_param SERVER_PROTOCOL \$server_protocol;
        }
    }
}
CONF
  local nowner=()
  [ "$(id -u)" -eq 0 ] && { chown -R geoors "$conf"; nowner=(runuser -u geoors --); }
  # A session of its own: runuser, stopped, takes its whole session down with it.
  setsid "${nowner[@]}" nginx -p "$conf" -e "$conf/nginx-error.log" -c "$conf/nginx.conf" -g 'daemon off;' &
  MS_NGINX_PID=$!
  for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT_MAPSERVER/" && return 0; sleep 0.1; done
  die "nginx for MapServer did not start ($conf/nginx-error.log)"
}
stop_mapserver() {
  local pidfile="$OUT/mapserver/spawn.pid"
  if [ -s "$pidfile" ]; then
    local pid
    for pid in $(cat "$pidfile"); do kill "$pid" 2>/dev/null || true; done
    rm -f "$pidfile"
  fi
  # spawn-fcgi's children outlive it, reparented to init: end those of the FastCGI user too.
  pkill -P 1 -x "$(basename "$MAPSERV")" -U "$( [ "$(id -u)" -eq 0 ] && echo geoors || id -u)" 2>/dev/null || true
  if [ -n "${MS_NGINX_PID:-}" ]; then kill "$MS_NGINX_PID" 2>/dev/null || true; wait "$MS_NGINX_PID" 2>/dev/null || true; MS_NGINX_PID=; fi
}

# wms_paths TILES OUT: the WMS 1.3.0 GetMap of each z/x/y's EPSG:3857 box, 256 px, from the zoom's band layer.
wms_paths() {
  awk '{
    o = 20037508.342789244; s = 2 * o / 2 ^ $1
    minx = -o + $2 * s; maxy = o - $3 * s
    band = $1 <= 4 ? 0 : $1 <= 7 ? 1 : $1 <= 10 ? 2 : 3
    printf "/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=counties_b%d&STYLES=&CRS=EPSG:3857&BBOX=%.6f,%.6f,%.6f,%.6f&WIDTH=256&HEIGHT=256&FORMAT=image/png&TRANSPARENT=TRUE\n",
      band, minx, maxy - s, minx + s, maxy
  }' "$1" >"$2"
}

main() {
  need_tools; need_png_tools; start_cluster; build; data_db "$ROWS"
  build_measured
  local db=$DB tiles="$WORK/tiles-$ROWS.txt"
  tile_list "$db" "$tiles"; write_wrk_lua
  SERVER_DLL=$MEASURED_DLL SERVER_LOGS=$OUT start_server "$PORT_GEOORS" "$db" Tiles__CacheMegabytes=0
  local gpaths="$OUT/geoors-paths.txt" mpaths="$OUT/wms-paths.txt"
  awk -v m="$METRIC" '{printf "/tiles/counties/%d/%d/%d.png?metric=%s\n", $1, $2, $3, m}' "$tiles" >"$gpaths"
  wms_paths "$tiles" "$mpaths"
  curl -fsS -H "X-Api-Key: $KEY" "http://127.0.0.1:$PORT_GEOORS/tiles/counties.json?metric=$METRIC" >"$OUT/tilejson.json"
  write_mapfile "$db" "$OUT/tilejson.json"
  start_mapserver
  # One tile of each server side by side, to look at (bench/results/png/sample-*.png), and both must be PNG.
  local sample; sample=$(awk '$1 == 6' "$tiles" | head -1)
  [ -n "$sample" ] || sample=$(head -1 "$tiles")
  local sg sm
  sg=$(awk -v t="$sample" 'BEGIN {split(t, a, " ")} $0 ~ "/tiles/counties/" a[1] "/" a[2] "/" a[3] "\\.png" {print; exit}' "$gpaths")
  sm=$(awk -v n="$(grep -n -x -F "$sample" "$tiles" | head -1 | cut -d: -f1)" 'NR == n' "$mpaths")
  curl -fsS -H "X-Api-Key: $KEY" -o "$OUT/sample-geoors.png" "http://127.0.0.1:$PORT_GEOORS$sg"
  curl -fsS -o "$OUT/sample-mapserver.png" "http://127.0.0.1:$PORT_MAPSERVER$sm"
  file "$OUT/sample-mapserver.png" | grep -q 'PNG image' || { cat "$OUT/sample-mapserver.png" >&2; die "MapServer did not draw a PNG (see $OUT/mapserver/ms_error.txt)"; }
  psay "sample tile $sample: bench/results/png/sample-geoors.png, sample-mapserver.png"

  psay "warming up both ($((SECS / 2)) s each)"
  run_wrk "http://127.0.0.1:$PORT_GEOORS" "$gpaths" $((SECS / 2)) >/dev/null
  run_wrk "http://127.0.0.1:$PORT_MAPSERVER" "$mpaths" $((SECS / 2)) >/dev/null
  local g=() m=() r loads=()
  for r in $(seq 1 "$ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then
      g+=("$(WRK_LATENCY=1 run_wrk "http://127.0.0.1:$PORT_GEOORS" "$gpaths" "$SECS")")
      m+=("$(WRK_LATENCY=1 run_wrk "http://127.0.0.1:$PORT_MAPSERVER" "$mpaths" "$SECS")")
    else
      m+=("$(WRK_LATENCY=1 run_wrk "http://127.0.0.1:$PORT_MAPSERVER" "$mpaths" "$SECS")")
      g+=("$(WRK_LATENCY=1 run_wrk "http://127.0.0.1:$PORT_GEOORS" "$gpaths" "$SECS")")
    fi
    loads+=("$(cut -d' ' -f1 /proc/loadavg)")
    psay "round $r: GeoOrs ${g[-1]}; MapServer ${m[-1]} (tiles/s p50_ms p99_ms); ratio $(awk -v a="${g[-1]%% *}" -v b="${m[-1]%% *}" 'BEGIN {printf "%.2f", a/b}'); load ${loads[-1]}"
  done
  local ratios=() i
  for i in "${!g[@]}"; do ratios+=("$(awk -v a="${g[$i]%% *}" -v b="${m[$i]%% *}" 'BEGIN {printf "%.3f", a/b}')"); done
  local col gm=() mm=()
  for col in 1 2 3; do
    gm+=("$(median $(printf '%s\n' "${g[@]}" | cut -d' ' -f"$col"))")
    mm+=("$(median $(printf '%s\n' "${m[@]}" | cut -d' ' -f"$col"))")
  done
  awk -v date="$(date -u +%Y-%m-%d)" -v cores="$(nproc)" -v rows="$ROWS" -v tiles="$(wc -l <"$tiles")" -v what="$MEASURED" -v metric="$METRIC" \
      -v conns="$CONNS" -v rounds="$ROUNDS" -v secs="$SECS" -v gt="${gm[0]}" -v g50="${gm[1]}" -v mt="${mm[0]}" -v m50="${mm[1]}" \
      -v ratio="$(median "${ratios[@]}")" -v rs="${ratios[*]}" -v loads="${loads[*]}" 'BEGIN {
    printf "| %s | %d | %s | %s | counties `%s` | %d tiles z3-12 | %d | %d × %d s | %.1f tiles/s, p50 %.0f ms | %.1f tiles/s, p50 %.0f ms | **%.2f** | %s | %s |\n",
      date, cores, rows, what, metric, tiles, conns, rounds, secs, gt, g50, mt, m50, ratio, rs, loads }' | tee -a "$OUT/summary.md"
  stop_mapserver; stop_server
}

main
