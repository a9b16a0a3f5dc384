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

for target in sorted(SEEDS.iterdir()):
    print(target.name, len(list(target.iterdir())), "seeds")
