#!/usr/bin/env python3
"""Writes the example project packages under examples/ (deterministic; no third-party modules).

Coordinates are CGCS2000 3-degree Gauss-Kruger zone 36 (central meridian 108E), placed in real
townships' surroundings of Dazhou but invented: the parcels, households and names are fictional.
Run from the repository root:  python3 scripts/make_examples.py
"""
import json
import math
import os
import random

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")

HEADER = """[属性描述]
格式版本号=1.01版本
数据产生单位=宣汉县国土资源局
数据产生日期=2018-05-20
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=36
精度=0.001
转换参数=,,,,,,
[地块坐标]
"""


def shoelace(ring):
    s = 0.0
    x0, y0 = ring[0]
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        s += (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    return s / 2.0


def blob(cx, cy, area, rng, vertices=7):
    """A convex-ish irregular polygon of about `area` m2 around (cx, cy), counter-clockwise."""
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(vertices))
    radii = [rng.uniform(0.8, 1.2) for _ in range(vertices)]
    pts = [(math.cos(a) * r, math.sin(a) * r) for a, r in zip(angles, radii)]
    scale = math.sqrt(area / abs(shoelace(pts)))
    return [(round(cx + x * scale, 3), round(cy + y * scale, 3)) for x, y in pts]


def rect(x, y, w, h):
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def coordtxt_parcel(number, name, use, code, rings, prefixed=True):
    """rings: list of rings (each a list of (easting, northing)); written with closing points."""
    lines = []
    n = 0
    area = 0.0
    for ring_no, ring in enumerate(rings, start=1):
        a = shoelace(ring)
        area += abs(a) if ring_no == 1 or not inside_first(ring, rings) else -abs(a)
        first = None
        for (e, nn) in ring + [ring[0]]:
            if first is None:
                n += 1
                first = n
                label = n
            elif (e, nn) == ring[0]:
                label = first
            else:
                n += 1
                label = n
            east = e + (36_000_000 if prefixed else 0)
            lines.append(f"J{label},{ring_no},{nn:.3f},{east:.3f}")
    header = f"{len(lines)},{area / 10000:.4f},{number},{name},面,H49G012034,{use},{code},@"
    return "\n".join([header] + lines) + "\n"


def inside_first(ring, rings):
    """Whether `ring` is a hole of the first ring (bbox test is enough for these examples)."""
    if ring is rings[0]:
        return False
    xs = [p[0] for p in rings[0]]
    ys = [p[1] for p in rings[0]]
    return all(min(xs) < x < max(xs) and min(ys) < y < max(ys) for x, y in ring)


def geojson(features, epsg=4545):
    return json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}},
            "features": [
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[list(p) for p in ring + [ring[0]]] for ring in rings],
                    },
                }
                for props, rings in features
            ],
        },
        ensure_ascii=False,
        indent=1,
    )


def write(path, text):
    path = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "明华建国平军强伟芳秀英兰红玉文斌德兴福贵荣成富海清林春"


def households(rng, count, village_codes, persons_target, refused=(), pending=(), no_method=(), monetary_every=9):
    rows = ["id,name,village,persons,consent,method,poor,relocation"]
    persons_left = persons_target
    hh = []
    for i in range(count):
        hid = f"H{i + 1:03d}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        village = village_codes[i % len(village_codes)]
        persons = rng.randint(2, 6)
        consent = "同意"
        method = "集中安置" if i % monetary_every else "货币安置"
        if i in refused:
            consent, method = "不同意", ""
        if i in pending:
            consent, method = "未表态", ""
        if i in no_method:
            method = ""
        poor = "是" if i % 4 == 0 else "否"
        relocation = "是" if i % 7 == 0 else "否"
        hh.append([hid, name, village, persons, consent, method, poor, relocation])
    # Make concentrated persons add up to the declared figure.
    conc = [h for h in hh if h[5] == "集中安置"]
    total = sum(h[3] for h in conc)
    diff = persons_target - total
    i = 0
    while diff != 0 and conc:
        h = conc[i % len(conc)]
        step = 1 if diff > 0 else -1
        if 1 <= h[3] + step <= 9:
            h[3] += step
            diff -= step
        i += 1
    for h in hh:
        rows.append(",".join(str(v) for v in h))
    return "\n".join(rows) + "\n", hh


def relocation_list(hh, extra):
    rows = ["id,name,village"]
    for h in hh:
        if h[7] == "是":
            rows.append(f"{h[0]},{h[1]},{h[2]}")
    rows.extend(extra)
    return "\n".join(rows) + "\n"


def base_layer(parcels, farmland_names=(), margin=40.0):
    """A land-use layer: each demolition parcel's bounding box (plus margin) split into a
    construction polygon (0702 农村宅基地) covering the parcel, and 0103 旱地 around it.
    For parcels named in `farmland_names` the west 60 % is 0103 instead."""
    features = []
    for name, ring in parcels:
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        x0, x1, y0, y1 = min(xs) - margin, max(xs) + margin, min(ys) - margin, max(ys) + margin
        if name in farmland_names:
            split = min(xs) + 0.6 * (max(xs) - min(xs))
            features.append(({"DLBM": "0103", "DLMC": "旱地", "BSM": f"{name}-a"}, [rect(x0, y0, split - x0, y1 - y0)]))
            features.append(({"DLBM": "0702", "DLMC": "农村宅基地", "BSM": f"{name}-b"}, [rect(split, y0, x1 - split, y1 - y0)]))
        else:
            features.append(({"DLBM": "0702", "DLMC": "农村宅基地", "BSM": f"{name}-b"}, [rect(x0, y0, x1 - x0, y1 - y0)]))
    return geojson(features)


def passing_package():
    """宣汉县 南坝镇: passes every rule."""
    rng = random.Random(20180520)
    cx, cy = 474_300.0, 3_470_600.0
    parcels = []
    for i in range(10):
        px = cx + (i % 5) * 260 + rng.uniform(-30, 30)
        py = cy + (i // 5) * 300 + rng.uniform(-30, 30)
        parcels.append((f"拆旧{i + 1:02d}", blob(px, py, rng.uniform(6_000, 8_500), rng)))
    text = HEADER + "".join(
        coordtxt_parcel(f"{i + 1:03d}", name, "拆旧", "0702", [ring]) for i, (name, ring) in enumerate(parcels)
    )
    d = "xuanhan-nanba-pass"
    write(f"{d}/demolition.txt", text)
    site = blob(cx + 600, cy - 420, 16_500.0, rng, vertices=9)
    write(f"{d}/resettlement.geojson", geojson([({"name": "南坝镇集中安置点", "用途": "农民集中安置区"}, [site])]))
    villages = ["511722104201", "511722104202", "511722104203"]
    csv, hh = households(rng, 72, villages, 260)
    write(f"{d}/households.csv", csv)
    write(f"{d}/relocation.csv", relocation_list(hh, []))
    write(f"{d}/base-landuse.geojson", base_layer(parcels))
    # Another live project nearby that does not overlap.
    other = [("邻项目拆旧01", blob(cx - 900, cy + 200, 7_000, rng)), ("邻项目拆旧02", blob(cx - 1200, cy + 500, 5_000, rng))]
    write(f"{d}/other-project.txt", HEADER + "".join(
        coordtxt_parcel(f"{i + 1:03d}", n, "拆旧", "0702", [r]) for i, (n, r) in enumerate(other)))
    write(f"{d}/project.toml", f"""# 项目包 / project package — see docs/package.md
format = 1

[project]
code = "511722-2018-003"
name = "宣汉县南坝镇2018年城乡建设用地增减挂钩项目区"
county = "511722"
township = "511722104"
villages = {json.dumps(villages)}
households_resettled = 72
persons_resettled = 260
potential_survey_date = 2018-03-12
willingness_survey_date = 2018-04-02

[[parcels]]
file = "demolition.txt"
role = "demolition"

[[parcels]]
file = "resettlement.geojson"
role = "resettlement"

[households]
file = "households.csv"
relocation_file = "relocation.csv"
""")


def failing_package():
    """达川区: fails several rules (two townships, too small, too little per person, a refusal,
    an uncovered relocation household, a missing survey, overlap with another project, farmland)."""
    rng = random.Random(2017)
    cx, cy = 452_400.0, 3_453_000.0
    feats = []
    parcels = []
    for i in range(6):
        px = cx + (i % 3) * 240
        py = cy + (i // 3) * 260
        ring = blob(px, py, rng.uniform(6_000, 7_800), rng)
        township_village = "511703108201" if i < 4 else "511703110205"
        name = f"拆旧{i + 1:02d}"
        parcels.append((name, ring))
        feats.append(({"name": name, "XZQDM": township_village, "DLBM": "0702"}, [ring]))
    d = "dachuan-fails"
    write(f"{d}/demolition.geojson", geojson(feats))
    site = blob(cx + 1_900, cy + 1_200, 9_000.0, rng)
    write(f"{d}/resettlement.geojson", geojson([({"name": "集中安置点", "用途": "农民集中安置区"}, [site])]))
    villages = ["511703108201", "511703110205"]
    csv, hh = households(rng, 60, villages, 200, refused=(5, 17), pending=(33,), no_method=(41,))
    write(f"{d}/households.csv", csv)
    write(f"{d}/relocation.csv", relocation_list(hh, ["R901,何明华,511703108201"]))
    write(f"{d}/base-landuse.geojson", base_layer(parcels, farmland_names=("拆旧05",)))
    # The neighbouring project's parcel overlaps 拆旧02 by a strip.
    xs = [p[0] for p in parcels[1][1]]
    ys = [p[1] for p in parcels[1][1]]
    strip = rect(max(xs) - 25, min(ys), 60, max(ys) - min(ys))
    write(f"{d}/other-project.geojson", geojson([({"name": "邻项目拆旧07"}, [strip])]))
    write(f"{d}/project.toml", f"""# 项目包 / project package — see docs/package.md
format = 1

[project]
code = "511703-2018-011"
name = "达川区2018年城乡建设用地增减挂钩项目区（示例：多项不通过）"
county = "511703"
villages = {json.dumps(villages)}
households_resettled = 60
persons_resettled = 200
potential_survey_date = 2018-02-26
# willingness_survey_date is missing: SURVEY_DONE fails.

[[parcels]]
file = "demolition.geojson"
role = "demolition"
township_field = "XZQDM"

[[parcels]]
file = "resettlement.geojson"
role = "resettlement"

[households]
file = "households.csv"
relocation_file = "relocation.csv"

[justifications]
RESETTLEMENT_ADJACENT = "安置点选在地质灾害避让区外最近的缓坡地 / nearest safe site outside the landslide zone"
""")


def hole_multipart_package():
    """渠县: a demolition parcel with a hole (a kept ancestral hall) and a detached part (飞地),
    written in the ministry format with 圈号 1/2/3; passes the rules."""
    rng = random.Random(1126)
    cx, cy = 401_600.0, 3_414_000.0
    outer = rect(cx, cy, 300, 200)
    hole = rect(cx + 120, cy + 80, 40, 30)[::-1]
    detached = rect(cx + 400, cy + 20, 120, 90)
    text = HEADER.replace("宣汉县", "渠县") + coordtxt_parcel("001", "拆旧01", "拆旧", "0702", [outer, hole, detached])
    parcels = [("拆旧01a", outer), ("拆旧01b", detached)]
    for i in range(2, 7):
        px = cx + (i - 2) * 230 - 100
        py = cy + 420 + rng.uniform(-20, 20)
        ring = blob(px, py, rng.uniform(7_000, 9_000), rng)
        parcels.append((f"拆旧{i:02d}", ring))
        text += coordtxt_parcel(f"{i:03d}", f"拆旧{i:02d}", "拆旧", "0702", [ring])
    d = "quxian-hole-multipart"
    write(f"{d}/demolition.txt", text)
    site = blob(cx + 150, cy - 350, 12_000.0, rng, vertices=8)
    write(f"{d}/resettlement.geojson", geojson([({"name": "渠县集中安置点"}, [site])]))
    villages = ["511725115203"]
    csv, hh = households(rng, 48, villages, 180)
    write(f"{d}/households.csv", csv)
    write(f"{d}/relocation.csv", relocation_list(hh, []))
    write(f"{d}/base-landuse.geojson", base_layer(parcels))
    write(f"{d}/project.toml", f"""# 项目包 / project package — see docs/package.md
format = 1

[project]
code = "511725-2018-002"
name = "渠县2018年城乡建设用地增减挂钩项目区（含内环与飞地）"
county = "511725"
township = "511725115"
villages = {json.dumps(villages)}
households_resettled = 48
persons_resettled = 180
potential_survey_date = 2018-05-03
willingness_survey_date = 2018-05-20

[[parcels]]
file = "demolition.txt"
role = "demolition"

[[parcels]]
file = "resettlement.geojson"
role = "resettlement"

[households]
file = "households.csv"
relocation_file = "relocation.csv"
""")


if __name__ == "__main__":
    passing_package()
    failing_package()
    hole_multipart_package()
    print("examples written to", os.path.normpath(ROOT))
