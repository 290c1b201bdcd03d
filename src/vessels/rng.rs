//! A small seeded random generator, so a vessel network generated from a
//! seed is the same on every platform, thread count and crate version.
//!
//! The generator is SplitMix64 (Steele, Lea & Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014): a 64-bit counter advanced
//! by the golden-ratio increment, passed through a 64-bit finaliser. It is
//! not cryptographic; it passes BigCrush and is more than enough for
//! placing vessels. Its constants are part of the reproducibility promise:
//! changing them changes every generated network.

/// SplitMix64 state.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

/// The golden-ratio increment, ⌊2⁶⁴/φ⌋ (odd).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a bijective 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// An independent stream for one purpose (`stream` = 0, 1, …) of the
    /// same seed, so that, e.g., the capillary bed does not change when the
    /// tumour's vessels use more or fewer numbers.
    pub fn stream(seed: u64, stream: u64) -> Self {
        SplitMix64 { state: mix(seed ^ mix(stream.wrapping_add(1).wrapping_mul(GOLDEN))) }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// Uniform in [0, 1), 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }

    /// A Poisson-distributed count with mean `lambda` (Knuth's product
    /// method; meant for small means, as used here: below ≈ 30).
    pub fn poisson(&mut self, lambda: f64) -> usize {
        if lambda <= 0.0 {
            return 0;
        }
        let limit = (-lambda).exp();
        let mut k = 0;
        let mut p = self.next_f64();
        while p > limit && k < 1000 {
            k += 1;
            p *= self.next_f64();
        }
        k
    }

    /// A uniformly random unit vector (by rejection from the unit ball).
    pub fn unit_vector(&mut self) -> [f64; 3] {
        loop {
            let v = [self.range(-1.0, 1.0), self.range(-1.0, 1.0), self.range(-1.0, 1.0)];
            let n2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
            if n2 > 1e-6 && n2 <= 1.0 {
                let n = n2.sqrt();
                return [v[0] / n, v[1] / n, v[2] / n];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference_values() {
        // First outputs for seed 1234567, as published with the reference
        // C implementation (Vigna, prng.di.unimi.it/splitmix64.c).
        let mut r = SplitMix64::new(1234567);
        let got: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        assert_eq!(got, [6457827717110365317, 3203168211198807973, 9817491932198370423]);
    }

    #[test]
    fn uniform_mean_and_range() {
        let mut r = SplitMix64::new(7);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let x = r.next_f64();
            assert!((0.0..1.0).contains(&x));
            sum += x;
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.01);
    }

    #[test]
    fn poisson_mean() {
        let mut r = SplitMix64::new(3);
        let n = 50_000;
        let total: usize = (0..n).map(|_| r.poisson(0.7)).sum();
        assert!((total as f64 / n as f64 - 0.7).abs() < 0.02);
    }

    #[test]
    fn streams_differ() {
        let a = SplitMix64::stream(1, 0).next_u64();
        let b = SplitMix64::stream(1, 1).next_u64();
        let c = SplitMix64::stream(2, 0).next_u64();
        assert!(a != b && a != c && b != c);
    }
}
