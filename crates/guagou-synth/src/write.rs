//! Writers: a streaming ESRI Shapefile writer (.shp/.shx/.dbf in GBK) and GeoJSON text.
//!
//! The shapefile is written here rather than with the `shapefile`/`dbase` crates: dbase 0.8
//! stamps today's date into the .dbf header (so the same arguments would give different bytes
//! on another day), and a county layer is written one record at a time without holding it in
//! memory. The header's date is the 三调 standard date 2019-12-31. Both formats are small
//! and fully specified; the tests read the files back with guagou-geo's own reader.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::SynthError;

/// A polygon in output coordinates: rings of (easting, northing), first ring the exterior.
pub(crate) type OutPolygon = Vec<Vec<(f64, f64)>>;

/// A GeoJSON feature to write: properties (key, text value) and polygons.
pub(crate) type Feature<'a> = (Vec<(&'a str, String)>, Vec<OutPolygon>);

fn io_error(path: &Path, error: &std::io::Error) -> SynthError {
    SynthError::Io {
        file: path.display().to_string(),
        reason: error.to_string(),
    }
}

/// A character field of the .dbf.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub width: u8,
}

/// Streams polygons and their attributes into a shapefile.
pub(crate) struct ShapefileWriter {
    shp_path: PathBuf,
    shx_path: PathBuf,
    dbf_path: PathBuf,
    shp: BufWriter<File>,
    shx: BufWriter<File>,
    dbf: BufWriter<File>,
    fields: Vec<Field>,
    records: u32,
    /// Length of the .shp so far, in 16-bit words.
    shp_words: u64,
    bbox: [f64; 4],
}

const SHP_HEADER_BYTES: u64 = 100;
const POLYGON: i32 = 5;
/// dBase language driver 0x4D: Chinese GBK (code page 936).
const LANGUAGE_GBK: u8 = 0x4D;

impl ShapefileWriter {
    /// Creates `stem.shp`, `.shx` and `.dbf` (the .prj and .cpg are written by `finish`).
    pub(crate) fn create(shp_path: &Path, fields: &[Field]) -> Result<ShapefileWriter, SynthError> {
        let shx_path = shp_path.with_extension("shx");
        let dbf_path = shp_path.with_extension("dbf");
        let open = |path: &Path| {
            File::create(path)
                .map(|f| BufWriter::with_capacity(1 << 20, f))
                .map_err(|e| io_error(path, &e))
        };
        let mut writer = ShapefileWriter {
            shp: open(shp_path)?,
            shx: open(&shx_path)?,
            dbf: open(&dbf_path)?,
            shp_path: shp_path.to_path_buf(),
            shx_path,
            dbf_path,
            fields: fields.to_vec(),
            records: 0,
            shp_words: SHP_HEADER_BYTES / 2,
            bbox: [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ],
        };
        // Headers are written now with placeholder lengths and patched in `finish`.
        let header = shp_header(0, [0.0; 4]);
        writer
            .shp
            .write_all(&header)
            .map_err(|e| io_error(&writer.shp_path, &e))?;
        writer
            .shx
            .write_all(&header)
            .map_err(|e| io_error(&writer.shx_path, &e))?;
        let dbf_header = dbf_header(&writer.fields, 0);
        writer
            .dbf
            .write_all(&dbf_header)
            .map_err(|e| io_error(&writer.dbf_path, &e))?;
        Ok(writer)
    }

    /// Appends one record. `rings` must be closed and in shapefile orientation (exteriors
    /// clockwise, holes counter-clockwise); `values` are the field values (GBK, at most the
    /// field's width).
    pub(crate) fn write(
        &mut self,
        rings: &[Vec<(f64, f64)>],
        values: &[&[u8]],
    ) -> Result<(), SynthError> {
        let points: usize = rings.iter().map(Vec::len).sum();
        let content_bytes = 44 + 4 * rings.len() + 16 * points;
        let content_words = (content_bytes / 2) as i32;
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for &(x, y) in rings.iter().flatten() {
            bbox = [
                bbox[0].min(x),
                bbox[1].min(y),
                bbox[2].max(x),
                bbox[3].max(y),
            ];
        }
        self.bbox = [
            self.bbox[0].min(bbox[0]),
            self.bbox[1].min(bbox[1]),
            self.bbox[2].max(bbox[2]),
            self.bbox[3].max(bbox[3]),
        ];
        self.records += 1;
        let mut record = Vec::with_capacity(8 + content_bytes);
        record.extend_from_slice(&(self.records as i32).to_be_bytes());
        record.extend_from_slice(&content_words.to_be_bytes());
        record.extend_from_slice(&POLYGON.to_le_bytes());
        for v in bbox {
            record.extend_from_slice(&v.to_le_bytes());
        }
        record.extend_from_slice(&(rings.len() as i32).to_le_bytes());
        record.extend_from_slice(&(points as i32).to_le_bytes());
        let mut start = 0i32;
        for ring in rings {
            record.extend_from_slice(&start.to_le_bytes());
            start += ring.len() as i32;
        }
        for &(x, y) in rings.iter().flatten() {
            record.extend_from_slice(&x.to_le_bytes());
            record.extend_from_slice(&y.to_le_bytes());
        }
        let mut index = [0u8; 8];
        index[..4].copy_from_slice(&(self.shp_words as i32).to_be_bytes());
        index[4..].copy_from_slice(&content_words.to_be_bytes());
        self.shx
            .write_all(&index)
            .map_err(|e| io_error(&self.shx_path, &e))?;
        self.shp
            .write_all(&record)
            .map_err(|e| io_error(&self.shp_path, &e))?;
        self.shp_words += 4 + u64::from(content_words as u32);

        let mut row = Vec::with_capacity(
            1 + self
                .fields
                .iter()
                .map(|f| usize::from(f.width))
                .sum::<usize>(),
        );
        row.push(b' ');
        for (field, value) in self.fields.iter().zip(values) {
            let width = usize::from(field.width);
            if value.len() > width {
                return Err(SynthError::Field {
                    file: self.dbf_path.display().to_string(),
                    field: field.name.to_owned(),
                    reason: format!(
                        "值长 {} 字节，超过字段宽度 {width} / value of {} bytes exceeds the field width {width}",
                        value.len(),
                        value.len()
                    ),
                });
            }
            row.extend_from_slice(value);
            row.resize(row.len() + width - value.len(), b' ');
        }
        self.dbf
            .write_all(&row)
            .map_err(|e| io_error(&self.dbf_path, &e))
    }

    /// Patches the headers, ends the .dbf and writes the .prj and .cpg. Returns the number of
    /// records.
    pub(crate) fn finish(mut self, prj: &str) -> Result<u32, SynthError> {
        let bbox = if self.records == 0 {
            [0.0; 4]
        } else {
            self.bbox
        };
        let shp_header = shp_header(self.shp_words, bbox);
        let shx_words = SHP_HEADER_BYTES / 2 + 4 * u64::from(self.records);
        let shx_header = shp_header_with_length(&shp_header, shx_words);
        patch(&mut self.shp, &self.shp_path, 0, &shp_header)?;
        patch(&mut self.shx, &self.shx_path, 0, &shx_header)?;
        self.dbf
            .write_all(&[0x1A])
            .map_err(|e| io_error(&self.dbf_path, &e))?;
        patch(
            &mut self.dbf,
            &self.dbf_path,
            4,
            &self.records.to_le_bytes(),
        )?;
        for (writer, path) in [
            (&mut self.shp, &self.shp_path),
            (&mut self.shx, &self.shx_path),
            (&mut self.dbf, &self.dbf_path),
        ] {
            writer.flush().map_err(|e| io_error(path, &e))?;
        }
        let prj_path = self.shp_path.with_extension("prj");
        std::fs::write(&prj_path, prj).map_err(|e| io_error(&prj_path, &e))?;
        let cpg_path = self.shp_path.with_extension("cpg");
        std::fs::write(&cpg_path, "GBK").map_err(|e| io_error(&cpg_path, &e))?;
        Ok(self.records)
    }
}

fn patch(
    writer: &mut BufWriter<File>,
    path: &Path,
    at: u64,
    bytes: &[u8],
) -> Result<(), SynthError> {
    writer
        .seek(SeekFrom::Start(at))
        .and_then(|_| writer.write_all(bytes))
        .and_then(|()| writer.seek(SeekFrom::End(0)).map(|_| ()))
        .map_err(|e| io_error(path, &e))
}

fn shp_header(words: u64, bbox: [f64; 4]) -> [u8; 100] {
    let mut h = [0u8; 100];
    h[0..4].copy_from_slice(&9994i32.to_be_bytes());
    h[24..28].copy_from_slice(&(words as i32).to_be_bytes());
    h[28..32].copy_from_slice(&1000i32.to_le_bytes());
    h[32..36].copy_from_slice(&POLYGON.to_le_bytes());
    for (n, v) in bbox.iter().enumerate() {
        h[36 + 8 * n..44 + 8 * n].copy_from_slice(&v.to_le_bytes());
    }
    h
}

fn shp_header_with_length(header: &[u8; 100], words: u64) -> [u8; 100] {
    let mut h = *header;
    h[24..28].copy_from_slice(&(words as i32).to_be_bytes());
    h
}

fn dbf_header(fields: &[Field], records: u32) -> Vec<u8> {
    let header_len = 32 + 32 * fields.len() + 1;
    let record_len = 1 + fields.iter().map(|f| usize::from(f.width)).sum::<usize>();
    let mut h = vec![0u8; 32];
    h[0] = 0x03;
    // Last update: 2019-12-31, the 三调 standard date (a fixed date keeps the bytes stable).
    h[1] = 119;
    h[2] = 12;
    h[3] = 31;
    h[4..8].copy_from_slice(&records.to_le_bytes());
    h[8..10].copy_from_slice(&(header_len as u16).to_le_bytes());
    h[10..12].copy_from_slice(&(record_len as u16).to_le_bytes());
    h[29] = LANGUAGE_GBK;
    for field in fields {
        let mut d = [0u8; 32];
        let name = field.name.as_bytes();
        d[..name.len().min(10)].copy_from_slice(&name[..name.len().min(10)]);
        d[11] = b'C';
        d[16] = field.width;
        h.extend_from_slice(&d);
    }
    h.push(0x0D);
    h
}

/// GBK bytes of a text (every character written here exists in GBK).
pub(crate) fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// Converts a polygon's rings from GeoJSON orientation (exterior counter-clockwise, holes
/// clockwise) to the shapefile's (the reverse), closing them.
pub(crate) fn shapefile_rings(polygons: &[OutPolygon]) -> Vec<Vec<(f64, f64)>> {
    polygons
        .iter()
        .flatten()
        .map(|ring| {
            let mut out: Vec<(f64, f64)> = ring.iter().rev().copied().collect();
            if let Some(&first) = out.first() {
                out.push(first);
            }
            out
        })
        .collect()
}

/// A GeoJSON FeatureCollection on EPSG:4545 (legacy `crs` member, as guagou-geo reads it).
/// `features`: (properties as key/value text, polygons with rings in GeoJSON orientation,
/// not closed). Coordinates in shortest round-trip form; one feature per line.
pub(crate) fn geojson(features: &[Feature]) -> String {
    geojson_in("urn:ogc:def:crs:EPSG::4545", features)
}

/// A GeoJSON FeatureCollection whose coordinates are in the CRS named `crs_urn`.
pub(crate) fn geojson_in(crs_urn: &str, features: &[Feature]) -> String {
    let mut out = format!(
        "{{\"type\":\"FeatureCollection\",\"crs\":{{\"type\":\"name\",\"properties\":{{\"name\":{}}}}},\"features\":[\n",
        json_string(crs_urn)
    );
    for (n, (properties, polygons)) in features.iter().enumerate() {
        out.push_str("{\"type\":\"Feature\",\"properties\":{");
        for (p, (key, value)) in properties.iter().enumerate() {
            if p > 0 {
                out.push(',');
            }
            out.push_str(&json_string(key));
            out.push(':');
            out.push_str(&json_string(value));
        }
        out.push_str("},\"geometry\":");
        if let [polygon] = polygons.as_slice() {
            out.push_str("{\"type\":\"Polygon\",\"coordinates\":");
            push_polygon(&mut out, polygon);
        } else {
            out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
            for (i, polygon) in polygons.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_polygon(&mut out, polygon);
            }
            out.push(']');
        }
        out.push_str("}}");
        if n + 1 < features.len() {
            out.push(',');
        }
        out.push('\n');
    }
    out.push_str("]}\n");
    out
}

fn push_polygon(out: &mut String, polygon: &OutPolygon) {
    out.push('[');
    for (r, ring) in polygon.iter().enumerate() {
        if r > 0 {
            out.push(',');
        }
        out.push('[');
        for (i, (x, y)) in ring.iter().chain(ring.first()).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&format!("[{x},{y}]"));
        }
        out.push(']');
    }
    out.push(']');
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}
