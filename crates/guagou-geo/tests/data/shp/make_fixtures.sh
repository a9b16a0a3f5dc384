#!/usr/bin/env bash
# Regenerates the GDAL-written shapefile fixtures from the GeoJSON fixtures, so that the
# reader is tested on files another implementation wrote (field names and text in GBK, the
# ESRI .prj GDAL emits for EPSG:4545, a WGS 84 lon/lat .prj).
#
# Needs gdal-bin (Debian: apt-get install gdal-bin; made with GDAL 3.6.2). Run from anywhere;
# the tests do not need GDAL.
set -euo pipefail
cd "$(dirname "$0")"
src=../geojson

rm -rf gdal_gbk gdal_lonlat
mkdir -p gdal_gbk gdal_lonlat

# EPSG:4545 parcels with Chinese field names and values, GBK (.cpg says CP936).
ogr2ogr -f "ESRI Shapefile" -lco ENCODING=CP936 gdal_gbk/parcels.shp "$src/epsg4545_parcels.geojson"

# Lon/lat parcels (WGS 84 .prj, read as CGCS2000), UTF-8 (.cpg says UTF-8). GDAL writes the
# Polygon and the MultiPolygon as shapefile polygons with clockwise exteriors.
ogr2ogr -f "ESRI Shapefile" -mapFieldType StringList=String -lco ENCODING=UTF-8 gdal_lonlat/parcels.shp "$src/lonlat_parcels.geojson"

ls -l gdal_gbk gdal_lonlat
