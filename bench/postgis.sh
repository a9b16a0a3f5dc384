#!/usr/bin/env bash
# guagou against PostGIS on the same synthetic county, on this machine (docs/spatial-benchmarks.md).
#
#   bench/postgis.sh [--polygons N] [--runs R] [--keep]
#
# 1. installs PostgreSQL 15 + PostGIS 3 and GDAL (ogr2ogr) from Debian when missing;
# 2. builds guagou (release) and generates a county with `guagou synth` (N land-use polygons,
#    default 1,000,000, and a 1,000-parcel project);
# 3. import: `guagou import landuse` (indexed GeoPackage) vs `ogr2ogr` into PostGIS (GiST);
# 4. check: `guagou check --base` of the 1,000-parcel project vs the equivalent SQL
#    (ST_Intersects join on the GiST index, SUM(ST_Area(ST_Intersection)) per parcel and class),
#    each run R times (default 5), median wall time, both as whole commands;
# 5. asserts that every per-parcel, per-class area agrees within 0.01 % (or 0.01 m²);
# 6. prints ratio_import_vs_ogr2ogr= and, last, ratio_check_vs_postgis= (PostGIS ÷ guagou).
set -euo pipefail
cd "$(dirname "$0")/.."

polygons=1000000
runs=5
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --polygons) polygons="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: bench/postgis.sh [--polygons N] [--runs R] [--keep]" >&2; exit 2 ;;
  esac
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
need=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
[ -e /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3)
command -v ogr2ogr >/dev/null || need+=(gdal-bin)
if [ "${#need[@]}" -gt 0 ]; then
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

cargo build --release -q -p guagou
guagou="$PWD/target/release/guagou"
work="$PWD/target/bench-postgis/$polygons"
rm -rf "$work"
mkdir -p "$work"

echo "== synth: $polygons polygons"
"$guagou" synth --county 511722 --polygons "$polygons" --seed 1 --out "$work/synth" >/dev/null 2>&1

# A throwaway cluster on a private socket; root runs it as the postgres user.
pgbin=/usr/lib/postgresql/15/bin
pgdata="$work/pgdata"
port=55432
run_pg() {
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
stop_pg() { run_pg "$pgbin/pg_ctl -D '$pgdata' -m fast stop >/dev/null" 2>/dev/null || true; }
if [ "$keep" -eq 1 ]; then trap 'stop_pg' EXIT; else trap 'stop_pg; rm -rf "$work"' EXIT; fi
mkdir -p "$pgdata" "$work/socket"
[ "$(id -u)" -ne 0 ] || chown -R postgres "$pgdata" "$work/socket"
chmod 755 "$work" "$(dirname "$work")" 2>/dev/null || true
run_pg "$pgbin/initdb -D '$pgdata' -A trust -U postgres --no-sync >/dev/null"
run_pg "$pgbin/pg_ctl -D '$pgdata' -l '$pgdata/server.log' -w -o \"-p $port -k $work/socket -c shared_buffers=1GB -c max_parallel_workers_per_gather=2 -c fsync=off -c synchronous_commit=off\" start >/dev/null"
psql_bench() { psql -X -q -h "$work/socket" -p "$port" -U postgres -d bench "$@"; }
psql -X -q -h "$work/socket" -p "$port" -U postgres -d postgres -c "CREATE DATABASE bench"
psql_bench -c "CREATE EXTENSION postgis"
pg="PG:host=$work/socket port=$port user=postgres dbname=bench"

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
median() { python3 -c "import sys, statistics; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }

echo "== import"
t0=$(now)
"$guagou" --data "$work/data" import landuse "$work/synth/landuse.shp" --county 511722 --vintage 2019 \
  --actor "bench@511722" --reason "benchmark" >/dev/null
t1=$(now)
import_guagou=$(elapsed "$t0" "$t1")
layer=$(ls "$work/data/base/"*.gpkg)
t0=$(now)
ogr2ogr -f PostgreSQL "$pg" "$work/synth/landuse.shp" -nln landuse -nlt PROMOTE_TO_MULTI \
  -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -lco FID=fid --config PG_USE_COPY YES
t1=$(now)
import_ogr2ogr=$(elapsed "$t0" "$t1")
echo "guagou import landuse: ${import_guagou} s   ogr2ogr → PostGIS (with GiST): ${import_ogr2ogr} s"

ogr2ogr -f PostgreSQL "$pg" "$work/synth/bench/demolition.geojson" -nln parcels -nlt PROMOTE_TO_MULTI \
  -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST
psql_bench -c "VACUUM ANALYZE landuse" -c "VACUUM ANALYZE parcels"
parcels=$(psql_bench -At -c "SELECT count(*) FROM parcels")
features=$(psql_bench -At -c "SELECT count(*) FROM landuse")
echo "parcels: $parcels   layer features: $features"

sql="COPY (SELECT p.name, b.dlbm, SUM(ST_Area(ST_Intersection(p.geom, b.geom)))
      FROM parcels p JOIN landuse b ON ST_Intersects(p.geom, b.geom)
      GROUP BY p.name, b.dlbm ORDER BY 1, 2) TO STDOUT WITH (FORMAT csv)"

echo "== check ($runs runs each, after one warm-up)"
"$guagou" check "$work/synth/bench" --base "$layer" --as-of 2020-06-30 --format json \
  --land-use-out "$work/guagou.json" >/dev/null 2>&1 || true
psql_bench -c "$sql" > "$work/postgis.csv"
guagou_times=()
postgis_times=()
for _ in $(seq "$runs"); do
  t0=$(now)
  "$guagou" check "$work/synth/bench" --base "$layer" --as-of 2020-06-30 --format json \
    --land-use-out "$work/guagou.json" >/dev/null 2>&1 || true
  t1=$(now)
  guagou_times+=("$(elapsed "$t0" "$t1")")
  t0=$(now)
  psql_bench -c "$sql" > "$work/postgis.csv"
  t1=$(now)
  postgis_times+=("$(elapsed "$t0" "$t1")")
done
check_guagou=$(median "${guagou_times[@]}")
check_postgis=$(median "${postgis_times[@]}")
echo "guagou check (whole command): ${guagou_times[*]} → median ${check_guagou} s"
echo "PostGIS overlay query:        ${postgis_times[*]} → median ${check_postgis} s"

echo "== correctness (per parcel and class, 0.01 %)"
python3 - "$work/guagou.json" "$work/postgis.csv" <<'PY'
import csv, json, sys
ours = json.load(open(sys.argv[1]))["base"]
theirs = {}
for name, code, area in csv.reader(open(sys.argv[2])):
    theirs[(name, code)] = theirs.get((name, code), 0.0) + float(area)
mine = {}
for name, land in ours.items():
    for code, area in land["classes"].items():
        mine[(name, code)] = area
worst_rel, worst_abs, compared, bad = 0.0, 0.0, 0, []
for key in sorted(set(mine) | set(theirs)):
    a, b = mine.get(key, 0.0), theirs.get(key, 0.0)
    # PostGIS reports touching neighbours with area 0; guagou leaves them out.
    if a == 0.0 and b == 0.0:
        continue
    compared += 1
    diff = abs(a - b)
    worst_abs = max(worst_abs, diff)
    if b >= 1.0:
        worst_rel = max(worst_rel, diff / b)
    # 0.01 %, or 0.01 m² for slivers smaller than 100 m².
    if diff > max(1e-4 * abs(b), 0.01):
        bad.append((key, a, b))
print(f"(parcel, class) pairs compared: {compared}; worst relative difference (areas ≥ 1 m²): "
      f"{worst_rel:.2e}; worst absolute difference: {worst_abs:.2e} m²")
for key, a, b in bad[:10]:
    print(f"  MISMATCH {key}: guagou {a:.4f} m², PostGIS {b:.4f} m²")
sys.exit(1 if bad else 0)
PY

python3 -c "import sys; print(f'ratio_import_vs_ogr2ogr={float(sys.argv[2]) / float(sys.argv[1]):.2f}')" "$import_guagou" "$import_ogr2ogr"
python3 -c "import sys; print(f'ratio_check_vs_postgis={float(sys.argv[2]) / float(sys.argv[1]):.2f}')" "$check_guagou" "$check_postgis"
