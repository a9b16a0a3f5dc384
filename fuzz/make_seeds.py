#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/seeds/<target>/ from the test fixtures.

Seeds named regress_* are inputs the fuzzer once failed on; they are kept by hand (this script
never deletes anything).

Seeds are committed (small); libFuzzer's working corpus goes to fuzz/corpus/ (ignored).
Run from anywhere: python3 fuzz/make_seeds.py
"""
import io
import pathlib
import struct
import zipfile

FUZZ = pathlib.Path(__file__).resolve().parent
DATA = FUZZ.parent / "crates" / "guagou-geo" / "tests" / "data"
SEEDS = FUZZ / "seeds"


def write(target, name, data):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


# geojson: the fixtures, plus the other accepted shapes of document.
for f in sorted((DATA / "geojson").glob("*.geojson")):
    write("geojson", f.name, f.read_bytes())
square = '{"type":"Polygon","coordinates":[[[107.5,31.2],[107.51,31.2],[107.51,31.21],[107.5,31.21],[107.5,31.2]]]}'
write("geojson", "bare_polygon.json", square.encode())
write("geojson", "feature.json",
      ('{"type":"Feature","id":3,"crs":{"type":"EPSG","properties":{"code":4490}},'
       '"properties":{"NAME":"甲","n":1.5,"b":false},"geometry":' + square + '}').encode())
write("geojson", "hole_outside.json",
      ('{"type":"MultiPolygon","coordinates":[[[[107.5,31.2],[107.51,31.2],[107.51,31.21],[107.5,31.2]],'
       '[[107.6,31.3],[107.6,31.31],[107.61,31.31],[107.6,31.3]]]]}').encode())


# shapefile: flags byte + length-prefixed .shp, .dbf, .prj, .cpg (see fuzz_targets/shapefile.rs).
def framed(flags, parts):
    out = bytes([flags])
    for p in parts:
        out += struct.pack("<I", len(p)) + p
    return out


for name in ("gdal_gbk", "gdal_lonlat"):
    d = DATA / "shp" / name
    parts = [(d / f"parcels.{ext}").read_bytes() for ext in ("shp", "dbf", "prj", "cpg")]
    write("shapefile", f"{name}.bin", framed(0, parts))
    write("shapefile", f"{name}_nocpg.bin", framed(8, parts))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            z.write(d / f"parcels.{ext}", f"{name}/parcels.{ext}")
    write("shapefile", f"{name}_zip.bin", bytes([1]) + buf.getvalue())

# coordtxt: fixtures of the coordtxt tests when present, and a minimal file after SPEC §4.
for f in sorted((DATA / "coordtxt").glob("*")) if (DATA / "coordtxt").is_dir() else []:
    if f.is_file() and f.stat().st_size < 64 * 1024:
        write("coordtxt", f.name, f.read_bytes())
minimal = """[属性描述]
格式版本号=1.01版本
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=36
精度=0.001
[地块坐标]
5,0.8000,A-01,河东片区A,面,,建设用地,0103,@
J1,1,3453000.000,36452000.000
J2,1,3453000.000,36452100.000
J3,1,3453080.000,36452100.000
J4,1,3453080.000,36452000.000
J1,1,3453000.000,36452000.000
"""
write("coordtxt", "minimal_utf8.txt", minimal.encode("utf-8"))
write("coordtxt", "minimal_gbk.txt", minimal.encode("gbk"))


# wkb: GeoPackage blobs and bare WKB of a square and a square with a hole (little and big endian).
def wkb_polygon(rings, big=False):
    e = ">" if big else "<"
    out = bytes([0 if big else 1]) + struct.pack(e + "II", 3, len(rings))
    for ring in rings:
        out += struct.pack(e + "I", len(ring))
        for x, y in ring:
            out += struct.pack(e + "dd", x, y)
    return out


outer = [(0, 0), (100, 0), (100, 80), (0, 80), (0, 0)]
hole = [(10, 10), (10, 20), (20, 20), (20, 10), (10, 10)]
square = wkb_polygon([outer])
holed = wkb_polygon([outer, hole], big=True)
multi = b"\x01" + struct.pack("<II", 6, 2) + square + holed
write("wkb", "square.wkb", square)
write("wkb", "holed_be.wkb", holed)
write("wkb", "multi.wkb", multi)
envelope = struct.pack("<dddd", 0, 100, 0, 80)
write("wkb", "gpkg_square.bin", b"GP\x00\x03" + struct.pack("<i", 4545) + envelope + square)
write("wkb", "gpkg_multi_noenv.bin", b"GP\x00\x01" + struct.pack("<i", 4545) + multi)

# profile, divisions_csv: the shipped files.
ROOT = FUZZ.parent
write("profile", "dazhou-2017.toml", (ROOT / "policy" / "dazhou-2017.toml").read_bytes())
write("divisions_csv", "divisions-dazhou.csv", (ROOT / "policy" / "divisions-dazhou.csv").read_bytes())


# package_zip: the example packages, zipped flat and inside a folder.
def zipped(folder, prefix=""):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file() and f.stat().st_size < 256 * 1024:
                z.write(f, prefix + str(f.relative_to(folder)))
    return buf.getvalue()


for example in sorted((ROOT / "examples").iterdir()):
    if (example / "project.toml").is_file():
        write("package_zip", example.name + ".zip", zipped(example))
write("package_zip", "folder.zip", zipped(ROOT / "examples" / "xuanhan-nanba-pass", "p/"))

# api_json: op byte, user byte, then a body (the fuzzer varies all three).
bodies = [
    '{"operation":{"kind":"advance","project":"511722-2019-003","amount_m2":1000},"idempotency_key":"k","as_of":"2019-08-10","reason":"r"}',
    '{"id":"GD-1","county":"511722","zone":"Z","land_use":"commercial","area_m2":1000,"backing":"surplus_quota","as_of":"2019-08-20","reason":"r"}',
    '{"as_of":"2019-08-01","reason":"r"}',
    '{"project":"511702-2019-001","source":"investment_attraction","amount_fen":1,"received_on":"2019-08-01","idempotency_key":"k"}',
    '{"county":"511722","as_of":"2019-08-01","reason":"r"}',
]
for i, body in enumerate(bodies):
    for op in range(0, 64, 7):
        write("api_json", f"body{i}_op{op}.json", bytes([op, i]) + body.encode())

for target in sorted(SEEDS.iterdir()):
    print(target.name, len(list(target.iterdir())), "seeds")
