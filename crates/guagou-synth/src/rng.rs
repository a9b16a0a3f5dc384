//! The generator's own randomness: splitmix64, written out here so that the output never
//! changes with a crate upgrade (a `rand` release may change its algorithms or streams; the
//! promise is "same arguments → byte-identical files").
//!
//! Two uses: positional hashes (`hash`), so that any cell, edge or corner draws its numbers
//! from its own coordinates and the layer can be generated in any order, and a sequential
//! stream (`Rng`) where order is natural (names, households, sampling).
//!
//! Everything downstream of these numbers uses integer arithmetic or IEEE-exact float
//! operations (+ − × ÷ and `sqrt`, never `sin`/`exp`, whose results depend on the platform's
//! libm), so the files are the same on every machine.

/// The splitmix64 finaliser: a bijective mix of 64 bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A hash of a seed, a tag naming what is drawn, and two coordinates.
pub(crate) fn hash(seed: u64, tag: u64, a: u64, b: u64) -> u64 {
    mix(mix(mix(seed ^ tag.wrapping_mul(0xD6E8_FEB8_6659_FD93)) ^ a) ^ b.rotate_left(17))
}

/// Another independent hash drawn from `h` (for a second number from one hash: shifting
/// `h` would leave its top bits zero).
pub(crate) fn derive(h: u64, salt: u64) -> u64 {
    mix(h ^ mix(salt))
}

/// A uniform number in [0, 1) from a hash (its top 53 bits).
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform integer in `-range..=range` from a hash.
pub(crate) fn centred(h: u64, range: i64) -> i64 {
    let span = (2 * range + 1) as u64;
    (h % span) as i64 - range
}

/// A sequential splitmix64 stream.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    pub(crate) fn new(seed: u64, tag: u64) -> Rng {
        Rng {
            state: hash(seed, tag, 0, 0),
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is below 2⁻³² for the small n used here).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Fisher–Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // First outputs of splitmix64 seeded with 0 (Vigna's reference implementation).
        let mut rng = Rng { state: 0 };
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(mix(0), 0xE220_A839_7B1D_CDAF);
    }
}
