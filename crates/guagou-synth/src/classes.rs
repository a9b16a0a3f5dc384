//! Land classes of the cells: a realistic mix for a hilly Sichuan county, in patches.
//!
//! Each class takes, in a fixed priority order, the `share × N` cells that score highest
//! among the cells still free. Scores are smooth fields (value noise, distances to rivers,
//! roads, town seats and hamlets), so a class comes in patches, bands and clusters rather than
//! salt and pepper, and the shares are met to the cell. Linear features (rivers, roads,
//! ditches) go first, then towns and hamlets (农村宅基地 clusters around hamlet centres in the
//! lower land), then orchards and ponds, and last the terrain ladder: the lowest remaining land
//! becomes 水田, then 旱地, then forest, shrub, grass and bare rock on the hills.
//!
//! Cost: one pass over the free cells per class (29 classes), O(N) each with a selection (not
//! a sort); memory 1 byte per cell for the result, 4 for the cached terrain and 16 per free
//! cell during a pass.

use crate::layout::Layout;
use crate::rng::{derive, hash, unit};

/// One class of the mix: code (GB/T 21010 三调), target share of the polygons (per mille),
/// and how its cells are chosen.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClassPlan {
    pub code: &'static str,
    pub per_mille: u32,
    score: Score,
}

#[derive(Debug, Clone, Copy)]
enum Score {
    River { noise: f64, scale: f64 },
    Road,
    Rail,
    Town { noise: f64 },
    Blob { scale: f64, terrain: f64, road: f64 },
    Hamlet { terrain: f64 },
    Network { spacing: f64, terrain: f64 },
    Orchard { scale: f64, preferred: f64 },
    Ladder,
}

const fn plan(code: &'static str, per_mille: u32, score: Score) -> ClassPlan {
    ClassPlan {
        code,
        per_mille,
        score,
    }
}

/// The mix, in the order classes choose their cells. Shares in ‰ add up to 1000; the last
/// class takes whatever is left (rounding).
pub(crate) const PLAN: &[ClassPlan] = &[
    plan(
        "1101",
        15,
        Score::River {
            noise: 0.4,
            scale: 3.0,
        },
    ), // 河流水面
    plan(
        "1106",
        4,
        Score::River {
            noise: 1.2,
            scale: 2.0,
        },
    ), // 内陆滩涂
    plan("1003", 15, Score::Road),                // 公路用地
    plan("1001", 3, Score::Rail),                 // 铁路用地
    plan("0701", 10, Score::Town { noise: 0.3 }), // 城镇住宅用地
    plan("05H1", 5, Score::Town { noise: 0.6 }),  // 商业服务业设施用地
    plan("08H1", 3, Score::Town { noise: 0.6 }),  // 机关团体新闻出版用地
    plan("0809", 2, Score::Town { noise: 0.8 }),  // 公用设施用地
    plan(
        "0601",
        5,
        Score::Blob {
            scale: 5.0,
            terrain: 0.0,
            road: 0.01,
        },
    ), // 工业用地
    plan(
        "0602",
        4,
        Score::Blob {
            scale: 4.0,
            terrain: 0.5,
            road: 0.0,
        },
    ), // 采矿用地
    plan("0702", 60, Score::Hamlet { terrain: 1.0 }), // 农村宅基地
    plan("1202", 10, Score::Hamlet { terrain: 0.5 }), // 设施农用地
    // A network of lines every `spacing` cells both ways covers about 2/spacing of the cells:
    // 1.5 % is a line every 133 cells, so the roads come out whole, not in dashes.
    plan(
        "1006",
        15,
        Score::Network {
            spacing: 130.0,
            terrain: 0.0,
        },
    ), // 农村道路
    // Ditches: twice the lines the budget covers, kept where the land is lowest.
    plan(
        "1107",
        10,
        Score::Network {
            spacing: 100.0,
            terrain: 3.0,
        },
    ), // 沟渠
    plan(
        "1104",
        15,
        Score::Blob {
            scale: 2.5,
            terrain: -1.5,
            road: 0.0,
        },
    ), // 坑塘水面
    plan(
        "1109",
        1,
        Score::River {
            noise: 2.0,
            scale: 1.0,
        },
    ), // 水工建筑用地
    plan(
        "0201",
        40,
        Score::Orchard {
            scale: 6.0,
            preferred: 0.45,
        },
    ), // 果园
    plan(
        "0202",
        10,
        Score::Orchard {
            scale: 5.0,
            preferred: 0.7,
        },
    ), // 茶园
    plan(
        "0204",
        10,
        Score::Orchard {
            scale: 4.0,
            preferred: 0.5,
        },
    ), // 其他园地
    plan(
        "1203",
        10,
        Score::Blob {
            scale: 1.5,
            terrain: -2.0,
            road: 0.0,
        },
    ), // 田坎
    plan("0101", 150, Score::Ladder), // 水田
    plan("0103", 150, Score::Ladder), // 旱地
    plan("0307", 80, Score::Ladder),  // 其他林地
    plan("0302", 30, Score::Ladder),  // 竹林地
    plan("0301", 253, Score::Ladder), // 乔木林地
    plan("0305", 50, Score::Ladder),  // 灌木林地
    plan("0404", 30, Score::Ladder),  // 其他草地
    plan("1206", 5, Score::Ladder),   // 裸土地
    plan("1207", 5, Score::Ladder),   // 裸岩石砾地
];

/// Hash tags of the fields (distinct from the layout's).
mod tag {
    pub const TERRAIN: u64 = 101;
    pub const RIVER: u64 = 102;
    pub const ROAD: u64 = 103;
    pub const RAIL: u64 = 104;
    pub const SEAT: u64 = 105;
    pub const HAMLET: u64 = 106;
    pub const NETWORK: u64 = 107;
    pub const CLASS_NOISE: u64 = 108;
}

/// Value noise in [0, 1): a hashed lattice with smoothstep interpolation.
fn value_noise(seed: u64, tag: u64, x: f64, y: f64) -> f64 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let (ix, iy) = (x0 as i64, y0 as i64);
    let at = |dx: i64, dy: i64| unit(hash(seed, tag, (ix + dx) as u64, (iy + dy) as u64));
    let bottom = at(0, 0) + (at(1, 0) - at(0, 0)) * sx;
    let top = at(0, 1) + (at(1, 1) - at(0, 1)) * sx;
    bottom + (top - bottom) * sy
}

/// Fractal value noise (octaves halving in scale and amplitude), in [0, 1).
fn fbm(seed: u64, tag: u64, x: f64, y: f64, scale: f64, octaves: u32) -> f64 {
    let (mut sum, mut weight, mut amplitude, mut frequency) = (0.0, 0.0, 1.0, 1.0 / scale);
    for octave in 0..octaves {
        sum += amplitude
            * value_noise(
                seed,
                tag + 1000 * u64::from(octave),
                x * frequency,
                y * frequency,
            );
        weight += amplitude;
        amplitude *= 0.5;
        frequency *= 2.0;
    }
    sum / weight
}

/// A wandering line: its offset (in cells) at position `s` along it.
fn meander(seed: u64, tag: u64, line: u64, s: f64, amplitude: f64) -> f64 {
    let line_tag = hash(0, tag, line, 0);
    let slow = value_noise(seed, line_tag, s / 60.0, 0.0) - 0.5;
    let fast = value_noise(seed, line_tag ^ 1, s / 12.0, 0.0) - 0.5;
    2.0 * amplitude * slow + 0.3 * amplitude * fast
}

/// The fields the scores read, for one layout.
struct Fields<'a> {
    layout: &'a Layout,
    seed: u64,
    rivers: Vec<f64>,
    river_amplitude: f64,
    roads_h: Vec<f64>,
    roads_v: Vec<f64>,
    rail: f64,
    /// Seat of each township (row, col in cells) and its radius in cells.
    seats: Vec<(f64, f64, f64)>,
    terrain: Vec<f32>,
}

impl<'a> Fields<'a> {
    fn new(layout: &'a Layout) -> Fields<'a> {
        let seed = layout.seed;
        let (rows, cols) = (f64::from(layout.rows), f64::from(layout.cols));
        let rivers_n = 1 + layout.rows / 400;
        let rivers: Vec<f64> = (0..rivers_n)
            .map(|r| {
                (f64::from(r) + 0.3 + 0.4 * unit(hash(seed, tag::RIVER, r.into(), 9))) * rows
                    / f64::from(rivers_n)
            })
            .collect();
        let river_amplitude = (rows / f64::from(rivers_n) / 4.0).min(40.0);
        // Highways: enough lines (each one cell wide, both ways) for their 1.5 % share.
        let roads_n = (layout.cols * 3 / 400).max(1);
        let roads_h = (0..roads_n)
            .map(|r| {
                (f64::from(r) + 0.2 + 0.6 * unit(hash(seed, tag::ROAD, r.into(), 1))) * rows
                    / f64::from(roads_n)
            })
            .collect();
        let roads_v = (0..roads_n)
            .map(|r| {
                (f64::from(r) + 0.2 + 0.6 * unit(hash(seed, tag::ROAD, r.into(), 2))) * cols
                    / f64::from(roads_n)
            })
            .collect();
        let rail = (0.1 + 0.8 * unit(hash(seed, tag::RAIL, 0, 0))) * rows;
        let county_seat = hash(seed, tag::SEAT, 99, 99) % u64::from(layout.township_count());
        let seats = (0..layout.township_count())
            .map(|t| {
                let (r0, r1) = layout.township_rows(t);
                let mid_row = (r0 + r1) / 2;
                let (c0, c1) = layout.township_span(t, mid_row);
                let h = hash(seed, tag::SEAT, t.into(), 0);
                let row = f64::from(r0) + f64::from(r1 - r0) * (0.3 + 0.4 * unit(h));
                let col = f64::from(c0) + f64::from(c1 - c0) * (0.3 + 0.4 * unit(derive(h, 1)));
                let radius = if u64::from(t) == county_seat {
                    3.0
                } else {
                    1.0
                };
                (row, col, radius)
            })
            .collect();
        let mut fields = Fields {
            layout,
            seed,
            rivers,
            river_amplitude,
            roads_h,
            roads_v,
            rail,
            seats,
            terrain: Vec::new(),
        };
        let mut terrain = Vec::with_capacity(layout.rows as usize * layout.cols as usize);
        for row in 0..layout.rows {
            for col in 0..layout.cols {
                terrain.push(fields.compute_terrain(row, col) as f32);
            }
        }
        fields.terrain = terrain;
        fields
    }

    fn centre(row: u32, col: u32) -> (f64, f64) {
        (f64::from(row) + 0.5, f64::from(col) + 0.5)
    }

    fn river_distance(&self, y: f64, x: f64) -> f64 {
        self.rivers
            .iter()
            .enumerate()
            .map(|(r, base)| {
                (y - base - meander(self.seed, tag::RIVER, r as u64, x, self.river_amplitude)).abs()
            })
            .fold(f64::INFINITY, f64::min)
    }

    fn road_distance(&self, y: f64, x: f64) -> f64 {
        let h =
            self.roads_h.iter().enumerate().map(|(r, base)| {
                (y - base - meander(self.seed, tag::ROAD, r as u64, x, 6.0)).abs()
            });
        let v = self.roads_v.iter().enumerate().map(|(r, base)| {
            (x - base - meander(self.seed, tag::ROAD, 100 + r as u64, y, 6.0)).abs()
        });
        h.chain(v).fold(f64::INFINITY, f64::min)
    }

    fn compute_terrain(&self, row: u32, col: u32) -> f64 {
        let (y, x) = Self::centre(row, col);
        let hills = fbm(self.seed, tag::TERRAIN, x, y, 60.0, 4);
        let valley = (self.river_distance(y, x) / 30.0).min(1.0);
        0.75 * hills + 0.25 * valley
    }

    fn terrain(&self, row: u32, col: u32) -> f64 {
        f64::from(self.terrain[row as usize * self.layout.cols as usize + col as usize])
    }

    fn noise(&self, class: usize, y: f64, x: f64, scale: f64) -> f64 {
        value_noise(
            self.seed,
            tag::CLASS_NOISE + 10 * class as u64,
            x / scale,
            y / scale,
        )
    }

    fn seat_distance(&self, row: u32, col: u32) -> f64 {
        let t = self.layout.township_of(row, col) as usize;
        let (y, x) = Self::centre(row, col);
        let (sy, sx, radius) = self.seats[t];
        ((y - sy) * (y - sy) + (x - sx) * (x - sx)).sqrt() / radius
    }

    /// Hamlets (院落): centres on a jittered 8-cell lattice (six in ten lattice points hold
    /// one), each with a radius of 0.5–3 cells, mostly small; the score is how far inside the
    /// nearest hamlet a cell lies.
    fn hamlet(&self, y: f64, x: f64, variant: u64) -> f64 {
        const SPACING: f64 = 8.0;
        let (py, px) = ((y / SPACING).floor() as i64, (x / SPACING).floor() as i64);
        let mut best = f64::NEG_INFINITY;
        for dy in -1..=1 {
            for dx in -1..=1 {
                let (ly, lx) = (py + dy, px + dx);
                let h = hash(self.seed, tag::HAMLET + variant, ly as u64, lx as u64);
                if unit(h) > 0.6 {
                    continue;
                }
                let cy = (ly as f64 + unit(derive(h, 1))) * SPACING;
                let cx = (lx as f64 + unit(derive(h, 2))) * SPACING;
                let size = unit(derive(h, 3));
                let radius = 0.5 + 2.5 * size * size;
                let d = ((y - cy) * (y - cy) + (x - cx) * (x - cx)).sqrt();
                best = best.max(radius - d);
            }
        }
        best
    }

    /// Distance to a network of wandering lines every `spacing` cells, both ways.
    fn network_distance(&self, y: f64, x: f64, spacing: f64, variant: u64) -> f64 {
        let along = |v: f64, s: f64, axis: u64| {
            let k = (v / spacing).floor() as i64;
            (k - 1..=k + 1)
                .map(|line| {
                    let id = (line as u64).wrapping_mul(2).wrapping_add(axis);
                    let base = line as f64 * spacing + spacing / 2.0;
                    let wander = (spacing / 5.0).min(8.0);
                    (v - base - meander(self.seed, tag::NETWORK + variant, id, s, wander)).abs()
                })
                .fold(f64::INFINITY, f64::min)
        };
        along(y, x, 0).min(along(x, y, 1))
    }

    fn score(&self, class: usize, score: Score, row: u32, col: u32) -> f64 {
        let (y, x) = Self::centre(row, col);
        match score {
            Score::River { noise, scale } => {
                -self.river_distance(y, x) + noise * self.noise(class, y, x, scale)
            }
            Score::Road => -self.road_distance(y, x) + 0.1 * self.noise(class, y, x, 2.0),
            Score::Rail => {
                -(y - self.rail - meander(self.seed, tag::RAIL, 0, x, 10.0)).abs()
                    + 0.1 * self.noise(class, y, x, 2.0)
            }
            Score::Town { noise } => {
                -self.seat_distance(row, col) + 4.0 * noise * self.noise(class, y, x, 2.0)
            }
            Score::Blob {
                scale,
                terrain,
                road,
            } => {
                fbm(
                    self.seed,
                    tag::CLASS_NOISE + 10 * class as u64,
                    x,
                    y,
                    scale,
                    2,
                ) + terrain * self.terrain(row, col)
                    - road * self.road_distance(y, x).min(100.0)
            }
            Score::Hamlet { terrain } => {
                self.hamlet(y, x, class as u64) - 2.0 * terrain * self.terrain(row, col)
                    + 0.3 * self.noise(class, y, x, 1.5)
            }
            Score::Network { spacing, terrain } => {
                -self.network_distance(y, x, spacing, class as u64)
                    - terrain * self.terrain(row, col)
                    + 0.2 * self.noise(class, y, x, 2.0)
            }
            Score::Orchard { scale, preferred } => {
                fbm(
                    self.seed,
                    tag::CLASS_NOISE + 10 * class as u64,
                    x,
                    y,
                    scale,
                    2,
                ) - 2.0 * (self.terrain(row, col) - preferred).abs()
            }
            Score::Ladder => -(self.terrain(row, col) + 0.08 * self.noise(99, y, x, 3.0)),
        }
    }
}

/// The class (index into [`PLAN`]) of every grid cell, row-major (`row * cols + col`).
/// The right half of a merged polygon gets the class of its left half.
pub(crate) fn assign(layout: &Layout) -> Vec<u8> {
    let fields = Fields::new(layout);
    let cols = layout.cols as usize;
    let cell = |index: u32| (index / layout.cols, index % layout.cols);
    let mut free: Vec<u32> = (0..layout.rows * layout.cols)
        .filter(|&i| {
            let (row, col) = cell(i);
            !layout.is_merged_tail(row, col)
        })
        .collect();
    let total = free.len() as u64;
    let mut classes = vec![0u8; layout.rows as usize * cols];
    for (class, plan) in PLAN.iter().enumerate() {
        let last = class + 1 == PLAN.len();
        let wanted = if last {
            free.len()
        } else {
            ((total * u64::from(plan.per_mille) + 500) / 1000).min(free.len() as u64) as usize
        };
        let mut scored: Vec<(f64, u32)> = free
            .iter()
            .map(|&i| {
                let (row, col) = cell(i);
                (fields.score(class, plan.score, row, col), i)
            })
            .collect();
        // Highest score first; ties by cell index, so the chosen set is unique.
        let order = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if wanted < scored.len() && wanted > 0 {
            scored.select_nth_unstable_by(wanted, order);
        }
        for &(_, i) in &scored[..wanted] {
            classes[i as usize] = class as u8;
        }
        free = scored[wanted..].iter().map(|&(_, i)| i).collect();
    }
    for row in 0..layout.merged_rows {
        let base = row as usize * cols;
        classes[base + cols - 1] = classes[base + cols - 2];
    }
    classes
}
