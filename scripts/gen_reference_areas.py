#!/usr/bin/env python3
"""Writes crates/guagou-geo/tests/data/reference_areas.json: golden values from PROJ and GEOS.

A dev tool, not a build step: `cargo test` reads the committed JSON and never needs Python.
Needs pyproj and shapely (`pip install pyproj shapely`). Deterministic (fixed seed): running it
again with the same pyproj/PROJ/shapely versions gives the same file byte for byte.

Run from the repository root:  python3 scripts/gen_reference_areas.py

What it records:
- parcels: random simple polygons (star-shaped about a centre, so never self-intersecting;
  some strongly concave, some with a hole, some with two parts) of 300 m2 to 30 ha, mostly in
  CGCS2000 3-degree Gauss-Kruger zone 36 (EPSG:4545, lon 106.5-109.5, lat 18-45), a few in
  zones 35, 37, 39 and some in zone 36 with the zone prefix (EPSG:4524). For each: the GK
  vertices as the CRS writes them (easting, northing; prefixed when the CRS is), the lon/lat
  vertices from PROJ's inverse (always_xy), the planar area (shapely on the GK coordinates) and
  the ellipsoidal area (pyproj.Geod on the CGCS2000 ellipsoid, holes subtracted).
- points: lon/lat and their PROJ-projected coordinates in several zones, prefixed or not,
  including points beyond the zone edge (within the 0.5 degree tolerance guagou accepts).
- prj: .prj texts as PROJ writes them (ESRI WKT1, GDAL WKT1, WKT2) for supported and
  unsupported EPSG codes, with the expected answer, to test guagou's .prj reader.

GK coordinates are rounded to 0.1 mm *before* anything is computed from them, so the stored
numbers are exactly the inputs of every reference value.
"""
import json
import math
import os
import random

import pyproj
import shapely
from pyproj import CRS, Geod, Transformer
from shapely.geometry import MultiPolygon, Polygon

SEED = 20_180_520
OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)),
    "..",
    "crates",
    "guagou-geo",
    "tests",
    "data",
    "reference_areas.json",
)

# CGCS2000 ellipsoid (GRS80 shape): a = 6378137 m, 1/f = 298.257222101.
GEOD = Geod(a=6378137.0, rf=298.257222101)
GEOGRAPHIC = CRS.from_epsg(4490)


def epsg_of(zone, prefixed):
    return (4513 if prefixed else 4534) + zone - 25


_transformers = {}


def transformers(epsg):
    if epsg not in _transformers:
        crs = CRS.from_epsg(epsg)
        _transformers[epsg] = (
            Transformer.from_crs(GEOGRAPHIC, crs, always_xy=True),
            Transformer.from_crs(crs, GEOGRAPHIC, always_xy=True),
        )
    return _transformers[epsg]


def star_ring(rng, cx, cy, n, concave):
    """A star-shaped ring about (cx, cy) with radii in [rmin, 1] (unit scale), counter-clockwise.

    Returns (points, rmin, max_gap). Angular gaps vary by at most a factor 2, so the largest gap
    stays below pi and the disc of radius rmin*cos(max_gap/2) lies inside the ring.
    """
    gaps = [1.0 + rng.random() for _ in range(n)]
    total = sum(gaps)
    gaps = [g / total * 2.0 * math.pi for g in gaps]
    start = rng.uniform(0.0, 2.0 * math.pi)
    lo = 0.35 if concave else 0.85
    radii = [rng.uniform(lo, 1.0) for _ in range(n)]
    pts = []
    angle = start
    for g, r in zip(gaps, radii):
        pts.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
        angle += g
    return pts, min(radii), max(gaps)


def ring_area(pts):
    x0, y0 = pts[0]
    s = 0.0
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
        s += (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    return s / 2.0


def scaled(pts, cx, cy, k):
    return [(cx + (x - cx) * k, cy + (y - cy) * k) for x, y in pts]


def rounded(pts):
    # 0.1 mm: finer than any survey, and short exact decimals in the JSON.
    return [(round(x, 4), round(y, 4)) for x, y in pts]


def make_polygon(rng, cx, cy, target_area, with_hole):
    """Rings (exterior CCW, then holes CW) in unprefixed GK metres, rounded to 0.1 mm."""
    n = rng.randint(4, 40)
    concave = n >= 6 and rng.random() < 0.5
    unit, rmin, max_gap = star_ring(rng, 0.0, 0.0, n, concave)
    hole_unit = None
    if with_hole:
        inner = 0.5 * rmin * math.cos(max_gap / 2.0)
        m = rng.randint(3, 8)
        hole_pts, _, _ = star_ring(rng, 0.0, 0.0, m, False)
        hole_unit = list(reversed(scaled(hole_pts, 0.0, 0.0, inner)))
    area_unit = ring_area(unit) - (abs(ring_area(hole_unit)) if hole_unit else 0.0)
    k = math.sqrt(target_area / area_unit)
    rings = [rounded([(cx + x * k, cy + y * k) for x, y in unit])]
    if hole_unit:
        rings.append(rounded([(cx + x * k, cy + y * k) for x, y in hole_unit]))
    return rings, k


def closed(ring):
    return [list(p) for p in ring] + [list(ring[0])]


def parcel(rng, ident, zone, prefixed):
    cm = 3.0 * zone
    lon = rng.uniform(cm - 1.5, cm + 1.5)
    lat = rng.uniform(18.0, 45.0)
    fwd, inv = transformers(epsg_of(zone, False))
    cx, cy = fwd.transform(lon, lat)
    target = math.exp(rng.uniform(math.log(300.0), math.log(300_000.0)))
    with_hole = rng.random() < 0.25
    two_parts = rng.random() < 0.1
    polygons = []
    if two_parts:
        share = rng.uniform(0.3, 0.7)
        first, k = make_polygon(rng, cx, cy, target * share, with_hole)
        angle = rng.uniform(0.0, 2.0 * math.pi)
        # Both rings lie within radius k of their centres: 3k apart never touch.
        ox, oy = cx + 3.0 * k * math.cos(angle), cy + 3.0 * k * math.sin(angle)
        second, _ = make_polygon(rng, ox, oy, target * (1.0 - share), False)
        polygons = [first, second]
    else:
        first, _ = make_polygon(rng, cx, cy, target, with_hole)
        polygons = [first]

    shapes = [Polygon(p[0], p[1:]) for p in polygons]
    geom = MultiPolygon(shapes)
    assert geom.is_valid, (ident, shapely.validation.explain_validity(geom))
    # Area is translation-invariant: compute it on the unprefixed eastings.
    planar = geom.area

    ellipsoidal = 0.0
    lonlat_polys = []
    gk_polys = []
    offset = zone * 1_000_000.0 if prefixed else 0.0
    for rings in polygons:
        ll_rings = []
        gk_rings = []
        for i, ring in enumerate(rings):
            xs = [p[0] for p in ring]
            ys = [p[1] for p in ring]
            lons, lats = inv.transform(xs, ys)
            lons, lats = list(lons), list(lats)
            area, _ = GEOD.polygon_area_perimeter(lons, lats)
            ellipsoidal += abs(area) if i == 0 else -abs(area)
            ll_rings.append(closed(list(zip(lons, lats))))
            gk_rings.append(closed([(x + offset, y) for x, y in ring]))
        lonlat_polys.append(ll_rings)
        gk_polys.append(gk_rings)

    return {
        "id": ident,
        "epsg": epsg_of(zone, prefixed),
        "zone": zone,
        "prefixed": prefixed,
        "vertices": sum(len(r) - 1 for p in gk_polys for r in p),
        "planar_m2": planar,
        "ellipsoidal_m2": ellipsoidal,
        "gk": gk_polys,
        "lonlat": lonlat_polys,
    }


def points(rng):
    out = []
    for zone in (25, 30, 35, 36, 37, 39, 45):
        cm = 3.0 * zone
        for prefixed in (False, True):
            fwd, _ = transformers(epsg_of(zone, prefixed))
            lons = [cm, cm - 1.5, cm + 1.5, cm - 1.99, cm + 1.99]
            lons += [rng.uniform(cm - 1.5, cm + 1.5) for _ in range(3)]
            for lon in lons:
                lat = rng.uniform(0.0, 55.0)
                x, y = fwd.transform(lon, lat)
                out.append({"epsg": epsg_of(zone, prefixed), "lon": lon, "lat": lat, "x": x, "y": y})
    return out


PRJ_CASES = [
    # (EPSG, expected): expected is the EPSG guagou should read, or "unsupported".
    (4490, 4490),
    (4326, 4490),
    (4545, 4545),
    (4524, 4524),
    (4513, 4513),
    (4533, 4533),
    (4534, 4534),
    (4554, 4554),
    (4539, 4539),
    (4526, 4526),
    (2379, "unsupported"),  # Xian 1980 / 3-degree GK CM 102E
    (2360, "unsupported"),  # Xian 1980 / 3-degree GK zone 36
    (2431, "unsupported"),  # Beijing 1954 / 3-degree GK CM 102E
    (2412, "unsupported"),  # Beijing 1954 / 3-degree GK zone 36
    (4610, "unsupported"),  # Xian 1980 geographic
    (4214, "unsupported"),  # Beijing 1954 geographic
    (4508, "unsupported"),  # CGCS2000 / 6-degree GK CM 111E
    (4497, "unsupported"),  # CGCS2000 / 6-degree GK zone 19
    (32649, "unsupported"),  # WGS 84 / UTM zone 49N
]


def prj_cases():
    out = []
    for code, expected in PRJ_CASES:
        crs = CRS.from_epsg(code)
        for flavour in ("WKT1_ESRI", "WKT1_GDAL", "WKT2_2019"):
            out.append(
                {
                    "epsg": code,
                    "name": crs.name,
                    "flavour": flavour,
                    "expected": expected,
                    "wkt": crs.to_wkt(flavour),
                }
            )
    return out


def main():
    rng = random.Random(SEED)
    parcels = []
    for i in range(200):
        parcels.append(parcel(rng, f"z36-{i + 1:03}", 36, False))
    for zone in (35, 37, 39):
        for i in range(5):
            parcels.append(parcel(rng, f"z{zone}-{i + 1:03}", zone, False))
    for i in range(10):
        parcels.append(parcel(rng, f"z36p-{i + 1:03}", 36, True))
    doc = {
        "generator": "scripts/gen_reference_areas.py",
        "seed": SEED,
        "pyproj": pyproj.__version__,
        "proj": pyproj.proj_version_str,
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "ellipsoid": {"a": 6378137.0, "rf": 298.257222101},
        "axes": "x = easting (prefixed when the CRS is), y = northing; lon/lat in degrees",
        "parcels": parcels,
        "points": points(rng),
        "prj": prj_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    smallest = min(p["planar_m2"] for p in parcels)
    largest = max(p["planar_m2"] for p in parcels)
    print(
        f"wrote {os.path.normpath(OUT)}: {len(parcels)} parcels "
        f"({smallest:.1f}-{largest:.1f} m2), {len(doc['points'])} points, {len(doc['prj'])} prj texts"
    )


if __name__ == "__main__":
    main()
