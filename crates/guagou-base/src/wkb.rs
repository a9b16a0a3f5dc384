//! Well-known binary for polygons, and the GeoPackage geometry blob around it.
//!
//! Only what land-use layers hold: Polygon and MultiPolygon, 2D, with Z/M (ISO 1000/2000/3000
//! offsets and the EWKB flag bits) read and dropped. Written in little-endian ISO WKB with an
//! envelope, as GDAL writes GeoPackages. Hand-written rather than through the `wkb` crate: the
//! overlay decodes thousands of blobs per check straight into `geo` types, and the `wkb` crate
//! would add `geo-traits` and a conversion pass for two geometry types.
//!
//! Every count is checked against the bytes actually present before anything is allocated:
//! a corrupt blob is an error, never a huge allocation or a panic.

use geo::{Coord, LineString, MultiPolygon, Polygon, Rect};

/// Why a blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WkbError {
    #[error("几何数据在第 {offset} 字节处截断 / geometry blob truncated at byte {offset}")]
    Truncated { offset: usize },
    #[error("不是 GeoPackage 几何（缺少 GP 标记）/ not a GeoPackage geometry (no 'GP' magic)")]
    NotGpkg,
    #[error(
        "不支持的几何类型 {code}（仅面、多面）/ unsupported geometry type {code} (Polygon and MultiPolygon only)"
    )]
    Unsupported { code: u32 },
    #[error("无效的字节序标记 {byte} / invalid byte-order mark {byte}")]
    ByteOrder { byte: u8 },
    #[error("无效的信封标记 {code} / invalid envelope indicator {code}")]
    Envelope { code: u8 },
    #[error(
        "第 {offset} 字节处的坐标不是有限数（NaN 或无穷）/ the coordinate at byte {offset} is not a finite number (NaN or infinite)"
    )]
    NotFinite { offset: usize },
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WkbError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(WkbError::Truncated { offset: self.at })?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, WkbError> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self, little: bool) -> Result<u32, WkbError> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| self.truncated())?;
        Ok(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Result<f64, WkbError> {
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| self.truncated())?;
        Ok(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    fn truncated(&self) -> WkbError {
        WkbError::Truncated { offset: self.at }
    }

    /// A count of items of at least `item_bytes` each, refused when the rest cannot hold them.
    fn count(&mut self, little: bool, item_bytes: usize) -> Result<usize, WkbError> {
        let n = self.u32(little)? as usize;
        let remaining = self.bytes.len() - self.at;
        if n.saturating_mul(item_bytes) > remaining {
            return Err(self.truncated());
        }
        Ok(n)
    }
}

/// Dimensions of a WKB type code: (base type, number of ordinates per point).
fn split_type(code: u32) -> Result<(u32, usize), WkbError> {
    // EWKB (PostGIS) flags: Z 0x80000000, M 0x40000000, SRID 0x20000000 (not expected here).
    let ewkb_z = code & 0x8000_0000 != 0;
    let ewkb_m = code & 0x4000_0000 != 0;
    let iso = code & 0x0FFF_FFFF;
    let (base, iso_dims) = (iso % 1000, iso / 1000);
    let ordinates = match iso_dims {
        0 => 2 + usize::from(ewkb_z) + usize::from(ewkb_m),
        1 | 2 => 3,
        3 => 4,
        _ => return Err(WkbError::Unsupported { code }),
    };
    Ok((base, ordinates))
}

fn read_ring(r: &mut Reader, little: bool, ordinates: usize) -> Result<LineString<f64>, WkbError> {
    let n = r.count(little, 8 * ordinates)?;
    let mut coords = Vec::with_capacity(n);
    for _ in 0..n {
        let at = r.at;
        let x = r.f64(little)?;
        let y = r.f64(little)?;
        // A NaN or infinite x/y would poison every area and overlay downstream.
        if !x.is_finite() || !y.is_finite() {
            return Err(WkbError::NotFinite { offset: at });
        }
        for _ in 2..ordinates {
            r.f64(little)?;
        }
        coords.push(Coord { x, y });
    }
    Ok(LineString::new(coords))
}

fn read_polygon_body(
    r: &mut Reader,
    little: bool,
    ordinates: usize,
) -> Result<Polygon<f64>, WkbError> {
    let rings = r.count(little, 4)?;
    let mut exterior = LineString::new(Vec::new());
    let mut holes = Vec::with_capacity(rings.saturating_sub(1));
    for i in 0..rings {
        let ring = read_ring(r, little, ordinates)?;
        if i == 0 {
            exterior = ring;
        } else {
            holes.push(ring);
        }
    }
    Ok(Polygon::new(exterior, holes))
}

fn byte_order(r: &mut Reader) -> Result<bool, WkbError> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        byte => Err(WkbError::ByteOrder { byte }),
    }
}

/// Reads a WKB Polygon or MultiPolygon (a Polygon becomes a one-part MultiPolygon).
pub fn decode_wkb(bytes: &[u8]) -> Result<MultiPolygon<f64>, WkbError> {
    let mut r = Reader { bytes, at: 0 };
    let little = byte_order(&mut r)?;
    let code = r.u32(little)?;
    let (base, ordinates) = split_type(code)?;
    match base {
        3 => Ok(MultiPolygon::new(vec![read_polygon_body(
            &mut r, little, ordinates,
        )?])),
        6 => {
            let parts = r.count(little, 9)?;
            let mut polygons = Vec::with_capacity(parts);
            for _ in 0..parts {
                let little = byte_order(&mut r)?;
                let code = r.u32(little)?;
                let (base, ordinates) = split_type(code)?;
                if base != 3 {
                    return Err(WkbError::Unsupported { code });
                }
                polygons.push(read_polygon_body(&mut r, little, ordinates)?);
            }
            Ok(MultiPolygon::new(polygons))
        }
        _ => Err(WkbError::Unsupported { code }),
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_ring(out: &mut Vec<u8>, ring: &LineString<f64>) {
    put_u32(out, ring.0.len() as u32);
    for c in &ring.0 {
        put_f64(out, c.x);
        put_f64(out, c.y);
    }
}

/// Little-endian 2D WKB MultiPolygon.
pub fn encode_wkb(geometry: &MultiPolygon<f64>, out: &mut Vec<u8>) {
    out.push(1);
    put_u32(out, 6);
    put_u32(out, geometry.0.len() as u32);
    for polygon in &geometry.0 {
        out.push(1);
        put_u32(out, 3);
        put_u32(out, 1 + polygon.interiors().len() as u32);
        put_ring(out, polygon.exterior());
        for hole in polygon.interiors() {
            put_ring(out, hole);
        }
    }
}

/// GeoPackage binary: header ('GP', version 0, flags: little-endian, xy envelope), srs id,
/// envelope [minx, maxx, miny, maxy], then the WKB. An empty geometry sets the empty flag.
pub fn encode_gpkg(
    geometry: &MultiPolygon<f64>,
    srs_id: i32,
    envelope: Option<Rect<f64>>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(48 + 9 + geometry.0.len() * 64);
    out.extend_from_slice(b"GP");
    out.push(0);
    match envelope {
        Some(rect) => {
            out.push(0b0000_0011);
            out.extend_from_slice(&srs_id.to_le_bytes());
            put_f64(&mut out, rect.min().x);
            put_f64(&mut out, rect.max().x);
            put_f64(&mut out, rect.min().y);
            put_f64(&mut out, rect.max().y);
        }
        None => {
            out.push(0b0001_0001);
            out.extend_from_slice(&srs_id.to_le_bytes());
        }
    }
    encode_wkb(geometry, &mut out);
    out
}

/// Reads a GeoPackage geometry blob (any envelope, either byte order).
pub fn decode_gpkg(blob: &[u8]) -> Result<MultiPolygon<f64>, WkbError> {
    let mut r = Reader { bytes: blob, at: 0 };
    if r.take(2)? != b"GP" {
        return Err(WkbError::NotGpkg);
    }
    let _version = r.u8()?;
    let flags = r.u8()?;
    let envelope_bytes = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        code => return Err(WkbError::Envelope { code }),
    };
    r.take(4 + envelope_bytes)?;
    decode_wkb(&blob[r.at..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{BoundingRect, polygon};

    fn sample() -> MultiPolygon<f64> {
        let outer = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 2.0, y: 2.0), (x: 2.0, y: 4.0), (x: 4.0, y: 4.0), (x: 2.0, y: 2.0)]],
        );
        let second =
            polygon![(x: 20.0, y: 0.0), (x: 21.5, y: 0.0), (x: 21.0, y: 1.0), (x: 20.0, y: 0.0)];
        MultiPolygon::new(vec![outer, second])
    }

    #[test]
    fn gpkg_round_trip_keeps_every_coordinate() -> Result<(), WkbError> {
        let g = sample();
        let blob = encode_gpkg(&g, 4545, g.bounding_rect());
        assert_eq!(decode_gpkg(&blob)?, g);
        let empty = encode_gpkg(&MultiPolygon::new(vec![]), 4545, None);
        assert_eq!(decode_gpkg(&empty)?, MultiPolygon::new(vec![]));
        Ok(())
    }

    #[test]
    fn big_endian_polygon_with_z_reads_as_one_part() -> Result<(), WkbError> {
        // Polygon Z (ISO 1003), big-endian, one ring of 4 points (x, y, z).
        let mut b = vec![0u8];
        b.extend_from_slice(&1003u32.to_be_bytes());
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&4u32.to_be_bytes());
        for (x, y) in [(0.0f64, 0.0f64), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)] {
            for v in [x, y, 99.0] {
                b.extend_from_slice(&v.to_be_bytes());
            }
        }
        let g = decode_wkb(&b)?;
        assert_eq!(g.0.len(), 1);
        assert_eq!(g.0[0].exterior().0[1], Coord { x: 1.0, y: 0.0 });
        Ok(())
    }

    #[test]
    fn a_nan_or_infinite_coordinate_is_refused() {
        // Found by the `wkb` fuzz target: a NaN in a hole decoded and then failed every
        // comparison downstream.
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut blob = vec![1u8];
            blob.extend(3u32.to_le_bytes());
            blob.extend(1u32.to_le_bytes());
            blob.extend(4u32.to_le_bytes());
            for (x, y) in [(0.0, 0.0), (1.0, bad), (1.0, 1.0), (0.0, 0.0)] {
                blob.extend(f64::to_le_bytes(x));
                blob.extend(f64::to_le_bytes(y));
            }
            assert!(
                matches!(decode_wkb(&blob), Err(WkbError::NotFinite { offset: 29 })),
                "{bad}: {:?}",
                decode_wkb(&blob)
            );
        }
    }

    #[test]
    fn corrupt_blobs_are_errors_not_panics_or_huge_allocations() {
        let g = sample();
        let blob = encode_gpkg(&g, 4545, g.bounding_rect());
        for cut in 0..blob.len() {
            assert!(decode_gpkg(&blob[..cut]).is_err(), "cut at {cut}");
        }
        // A point count of 2^32-1 with no bytes behind it.
        let mut huge = vec![1u8];
        huge.extend_from_slice(&3u32.to_le_bytes());
        huge.extend_from_slice(&1u32.to_le_bytes());
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decode_wkb(&huge), Err(WkbError::Truncated { .. })));
        let mut point = vec![1u8];
        point.extend_from_slice(&1u32.to_le_bytes());
        assert!(matches!(
            decode_wkb(&point),
            Err(WkbError::Unsupported { code: 1 })
        ));
        assert_eq!(decode_gpkg(b"XX\0\x01"), Err(WkbError::NotGpkg));
    }
}
