//! Bulk loading of a GeoPackage's SQLite R*Tree: the tree is packed in memory (sort-tile-
//! recursive) and its nodes written straight into the virtual table's shadow tables, as GDAL
//! does for GeoPackages. Inserting 10⁶ boxes one by one through the virtual table costs most of
//! an import (each insert walks and splits nodes); the packed tree is also fuller and shallower.
//!
//! The shadow tables of `rtree_x (id, minx, maxx, miny, maxy)` (SQLite's `ext/rtree/rtree.c`):
//! - `rtree_x_node(nodeno, data)`: node 1 is the root; a node is a blob of the size SQLite chose
//!   when the table was created (the root's length); bytes 0–1 hold the tree depth (root only),
//!   bytes 2–3 the cell count, then 24-byte cells: the 8-byte id (a row id in a leaf, a child
//!   node number above) and minx, maxx, miny, maxy as 4-byte floats, all big-endian.
//! - `rtree_x_rowid(rowid, nodeno)`: the leaf holding each id.
//! - `rtree_x_parent(nodeno, parentnode)`: the parent of every node but the root.
//!
//! Boxes are rounded outward to `f32`, as SQLite rounds them, so a query never misses a feature.
//! [`verify`] runs SQLite's own `rtreecheck()` on the result.

use sqlx::{Row, SqliteConnection};

/// A box rounded outward to `f32`: minx, maxx, miny, maxy.
pub type Box32 = [f32; 4];

/// The largest `f32` not above `v`, and the smallest not below.
fn down(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) > v { f.next_down() } else { f }
}

fn up(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) < v { f.next_up() } else { f }
}

/// `[minx, maxx, miny, maxy]` in `f64`, rounded outward.
pub fn box32(minx: f64, maxx: f64, miny: f64, maxy: f64) -> Box32 {
    [down(minx), up(maxx), down(miny), up(maxy)]
}

fn union(a: Box32, b: Box32) -> Box32 {
    [
        a[0].min(b[0]),
        a[1].max(b[1]),
        a[2].min(b[2]),
        a[3].max(b[3]),
    ]
}

/// One level of the tree being built: (id, box) per entry, grouped into nodes.
fn pack(mut entries: Vec<(i64, Box32)>, capacity: usize) -> Vec<Vec<(i64, Box32)>> {
    let nodes = entries.len().div_ceil(capacity).max(1);
    let slices = (nodes as f64).sqrt().ceil() as usize;
    let per_slice = slices * capacity;
    let centre = |b: &Box32, axis: usize| f64::from(b[axis * 2]) + f64::from(b[axis * 2 + 1]);
    entries.sort_by(|a, b| centre(&a.1, 0).total_cmp(&centre(&b.1, 0)));
    let mut out = Vec::with_capacity(nodes);
    for slice in entries.chunks_mut(per_slice) {
        slice.sort_by(|a, b| centre(&a.1, 1).total_cmp(&centre(&b.1, 1)));
        for node in slice.chunks(capacity) {
            out.push(node.to_vec());
        }
    }
    out
}

fn node_blob(size: usize, depth: u16, cells: &[(i64, Box32)]) -> Vec<u8> {
    let mut blob = vec![0u8; size];
    blob[0..2].copy_from_slice(&depth.to_be_bytes());
    blob[2..4].copy_from_slice(&(cells.len() as u16).to_be_bytes());
    for (i, (id, b)) in cells.iter().enumerate() {
        let at = 4 + i * 24;
        blob[at..at + 8].copy_from_slice(&id.to_be_bytes());
        for (k, v) in b.iter().enumerate() {
            blob[at + 8 + k * 4..at + 12 + k * 4].copy_from_slice(&v.to_be_bytes());
        }
    }
    blob
}

/// A packed tree: node blobs by node number, each id's leaf, each node's parent.
struct Packed {
    nodes: Vec<(i64, Vec<u8>)>,
    leaf_of: Vec<(i64, i64)>,
    parent_of: Vec<(i64, i64)>,
}

fn build(entries: Vec<(i64, Box32)>, node_size: usize) -> Packed {
    let capacity = ((node_size - 4) / 24).clamp(2, 51);
    // Levels from the leaves up; each node as its cells.
    let mut levels: Vec<Vec<Vec<(i64, Box32)>>> = vec![pack(entries, capacity)];
    while levels.last().is_some_and(|l| l.len() > 1) {
        let below = levels.last().map(Vec::len).unwrap_or(0);
        // Placeholder child ids (their position below); real node numbers come next.
        let parents: Vec<(i64, Box32)> = levels
            .last()
            .into_iter()
            .flatten()
            .enumerate()
            .map(|(i, cells)| {
                let b = cells.iter().map(|c| c.1).reduce(union).unwrap_or([0.0; 4]);
                (i as i64, b)
            })
            .collect();
        debug_assert_eq!(parents.len(), below);
        levels.push(pack(parents, capacity));
    }
    // Number the nodes: the root is 1, then level by level from the top.
    let mut numbers: Vec<Vec<i64>> = Vec::with_capacity(levels.len());
    let mut next = 1i64;
    for level in levels.iter().rev() {
        numbers.push((0..level.len()).map(|i| next + i as i64).collect());
        next += level.len() as i64;
    }
    numbers.reverse();
    let depth = (levels.len() - 1) as u16;
    let mut packed = Packed {
        nodes: Vec::new(),
        leaf_of: Vec::new(),
        parent_of: Vec::new(),
    };
    for (height, level) in levels.iter().enumerate() {
        for (i, cells) in level.iter().enumerate() {
            let number = numbers[height][i];
            let cells: Vec<(i64, Box32)> = if height == 0 {
                for (id, _) in cells {
                    packed.leaf_of.push((*id, number));
                }
                cells.clone()
            } else {
                cells
                    .iter()
                    .map(|(child, b)| {
                        let child_number = numbers[height - 1][*child as usize];
                        packed.parent_of.push((child_number, number));
                        (child_number, *b)
                    })
                    .collect()
            };
            let root_depth = if number == 1 { depth } else { 0 };
            packed
                .nodes
                .push((number, node_blob(node_size, root_depth, &cells)));
        }
    }
    packed
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Replaces the (empty) R*Tree `table` with a packed tree of `entries`, inside the caller's
/// transaction.
pub async fn bulk_load(
    conn: &mut SqliteConnection,
    table: &str,
    entries: Vec<(i64, Box32)>,
) -> Result<(), sqlx::Error> {
    let node_table = quote(&format!("{table}_node"));
    let size: i64 = sqlx::query(&format!(
        "SELECT length(data) FROM {node_table} WHERE nodeno = 1"
    ))
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    if entries.is_empty() {
        return Ok(());
    }
    let packed = build(entries, usize::try_from(size).unwrap_or(1228));
    sqlx::query(&format!("DELETE FROM {node_table}"))
        .execute(&mut *conn)
        .await?;
    for chunk in packed.nodes.chunks(200) {
        let sql = format!(
            "INSERT INTO {node_table} (nodeno, data) VALUES {}",
            vec!["(?,?)"; chunk.len()].join(",")
        );
        let mut query = sqlx::query(&sql);
        for (number, blob) in chunk {
            query = query.bind(*number).bind(blob.as_slice());
        }
        query.execute(&mut *conn).await?;
    }
    for (suffix, columns, pairs) in [
        ("rowid", "rowid, nodeno", &packed.leaf_of),
        ("parent", "nodeno, parentnode", &packed.parent_of),
    ] {
        let target = quote(&format!("{table}_{suffix}"));
        for chunk in pairs.chunks(2000) {
            let sql = format!(
                "INSERT INTO {target} ({columns}) VALUES {}",
                vec!["(?,?)"; chunk.len()].join(",")
            );
            let mut query = sqlx::query(&sql);
            for (a, b) in chunk {
                query = query.bind(*a).bind(*b);
            }
            query.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// SQLite's own consistency check of an R*Tree: `Ok(())` or what it found.
pub async fn verify(conn: &mut SqliteConnection, table: &str) -> Result<(), String> {
    let report: String = sqlx::query("SELECT rtreecheck(?)")
        .bind(table)
        .fetch_one(&mut *conn)
        .await
        .and_then(|row| row.try_get(0))
        .map_err(|e| e.to_string())?;
    if report == "ok" { Ok(()) } else { Err(report) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_round_outward() {
        let b = box32(3_500_000.1, 3_500_000.2, 0.1, 0.3);
        assert!(f64::from(b[0]) <= 3_500_000.1 && f64::from(b[1]) >= 3_500_000.2);
        assert!(f64::from(b[2]) <= 0.1 && f64::from(b[3]) >= 0.3);
    }

    #[test]
    fn every_entry_is_in_exactly_one_leaf_and_every_node_but_the_root_has_a_parent() {
        let entries: Vec<(i64, Box32)> = (1..=10_000)
            .map(|i| {
                let x = (i % 100) as f64 * 10.0;
                let y = (i / 100) as f64 * 10.0;
                (i, box32(x, x + 9.0, y, y + 9.0))
            })
            .collect();
        let packed = build(entries, 1228);
        assert_eq!(packed.leaf_of.len(), 10_000);
        let nodes = packed.nodes.len() as i64;
        assert_eq!(packed.parent_of.len() as i64, nodes - 1);
        assert!(
            packed
                .nodes
                .iter()
                .any(|(n, blob)| *n == 1 && blob[0..2] == [0, 2])
        );
    }
}
