//! Streaming probes: how fast this machine moves a working set of a given
//! size, the floor a memory-bound operator is measured against. Patterns:
//! a copy between two buffers, an update in place `a ← a·s + t`, a
//! read-only sum, and (on the host) the pattern of the widest pointwise
//! operators, four arrays read and one of them written (`a ← (a + b +
//! s·c)·d`); each counted as the bytes it reads plus the bytes it writes,
//! on all threads and on one. The floor is the best of them. A kernel that
//! streams its arrays once cannot beat the best of these on a working set
//! of its size: a ratio above 100 % means its bytes are counted wrongly,
//! not that the floor is low.
//!
//! Working sets are probed at whole powers of two times one field, so that
//! an operator is compared with a working set no larger than its own (the
//! more of it fits in a cache, the faster): the floor errs high, never low.

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::time::Instant;

/// What one probe measured on one working set, GB/s (reads + writes).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Probe {
    /// Bytes the probe touches (both buffers of the copy).
    pub bytes: u64,
    pub copy: f64,
    pub update: f64,
    pub read: f64,
    /// Four arrays read, one written (host only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream: Option<f64>,
}

impl Probe {
    /// The floor: the fastest of them.
    pub fn best(&self) -> f64 {
        self.copy.max(self.update).max(self.read).max(self.stream.unwrap_or(0.0))
    }
}

/// `a ← (a + b + s·c)·d`, the four-array probe.
#[inline]
fn stream(a: &mut [f32], b: &[f32], c: &[f32], d: &[f32], s: f32) {
    for (((a, b), c), d) in a.iter_mut().zip(b).zip(c).zip(d) {
        *a = (*a + b + s * c) * d;
    }
}

/// `a ← a·s + t`, the update probe; twin of `probe_update` in
/// `shaders/bandwidth.wgsl`.
#[inline]
pub fn update(a: &mut [f32], s: f32, t: f32) {
    for x in a {
        *x = *x * s + t;
    }
}

/// The read probe's arithmetic: the wrapping sum of the values' bits
/// (integer sums vectorise on every target, and cost less than the loads);
/// twin of `probe_read` in `shaders/bandwidth.wgsl`, whose per-invocation
/// sums add up to the same.
pub fn read_sum(a: &[f32]) -> u32 {
    a.iter().fold(0u32, |s, x| s.wrapping_add(x.to_bits()))
}

/// Seconds per repetition of `f`, the best of `trials` timings of enough
/// repetitions to last at least 5 ms.
pub fn best_seconds(trials: u32, mut f: impl FnMut()) -> f64 {
    f();
    let mut reps = 1u32;
    loop {
        let t = Instant::now();
        for _ in 0..reps {
            f();
        }
        if t.elapsed().as_secs_f64() >= 5e-3 || reps >= 1 << 20 {
            break;
        }
        reps *= 2;
    }
    (0..trials.max(1))
        .map(|_| {
            let t = Instant::now();
            for _ in 0..reps {
                f();
            }
            t.elapsed().as_secs_f64() / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// Values per parallel chunk: a few chunks per thread, none tiny, and an
/// odd number of cache lines, so that the threads' streams are never a
/// power of two apart.
fn chunk(n: usize) -> usize {
    (((n / (4 * rayon::current_num_threads())).max(1 << 12) / 16) | 1) * 16
}

/// Gap between the streams of one probe, values: a page and a cache line,
/// so that no two streams are a power of two apart. Streams a power of two
/// apart contend for the same cache sets (on this kind of machine a copy
/// between the two halves of a 64 MiB buffer ran at a quarter of the speed
/// of one between 61 MiB halves), which would put the floor too low.
const SKEW: usize = 1024 + 16;

/// `k` disjoint streams of `len` values each in `buf`, [`SKEW`] apart.
fn streams(buf: &mut [f32], k: usize, len: usize) -> Vec<&mut [f32]> {
    let mut out = Vec::with_capacity(k);
    let mut rest = buf;
    for _ in 0..k {
        let (s, tail) = rest.split_at_mut(len);
        out.push(s);
        let gap = SKEW.min(tail.len());
        rest = &mut tail[gap..];
    }
    out
}

/// The least seconds per call of `f` over the ways of running it: on one
/// thread (`None`), and on all threads in chunks of a quarter of a thread's
/// share or of 4 096 values (the chunks of the pointwise operators).
fn fastest(len: usize, mut f: impl FnMut(Option<usize>)) -> f64 {
    [None, Some(chunk(len)), Some(4096)].into_iter().map(|c| best_seconds(7, || f(c))).fold(f64::INFINITY, f64::min)
}

/// The host's probes on a working set of `bytes`.
pub fn cpu_probe(bytes: u64) -> Probe {
    let n = ((bytes / 4) as usize).max(16);
    let gbs = |moved: f64, s: f64| moved / s / 1e9;
    let mut buf = vec![1.0f32; n + 4 * SKEW];
    let half = n / 2;
    let [src, dst] = <[&mut [f32]; 2]>::try_from(streams(&mut buf, 2, half)).unwrap_or_else(|_| unreachable!());
    let src = &*src;
    let copy = fastest(half, |c| match c {
        None => dst.copy_from_slice(src),
        Some(c) => dst.par_chunks_mut(c).zip(src.par_chunks(c)).for_each(|(d, s)| d.copy_from_slice(s)),
    });
    let copy = gbs(8.0 * half as f64, copy);
    let a = &mut buf[..n];
    // s and t keep the values bounded (a fixed point at 1) and the work real.
    let (s, t) = (std::hint::black_box(0.5f32), std::hint::black_box(0.5f32));
    let update_s = fastest(n, |c| match c {
        None => update(a, s, t),
        Some(c) => a.par_chunks_mut(c).for_each(|x| update(x, s, t)),
    });
    let read = fastest(n, |c| {
        std::hint::black_box(match c {
            None => read_sum(a),
            Some(c) => a.par_chunks(c).map(read_sum).reduce(|| 0, u32::wrapping_add),
        });
    });
    let (update, read) = (gbs(8.0 * n as f64, update_s), gbs(4.0 * n as f64, read));
    // Values with a fixed point at 0.5: (0.5 + 0.25 + 0.5·0.5)·0.5.
    let q = n / 4;
    let [x, b, c, d] = <[&mut [f32]; 4]>::try_from(streams(&mut buf, 4, q)).unwrap_or_else(|_| unreachable!());
    x.fill(0.5);
    b.fill(0.25);
    c.fill(0.5);
    d.fill(0.5);
    let (b, c, d) = (&*b, &*c, &*d);
    let four = fastest(q, |k| match k {
        None => stream(x, b, c, d, s),
        Some(k) => x.par_chunks_mut(k).enumerate().for_each(|(i, x)| {
            let r = i * k..i * k + x.len();
            stream(x, &b[r.clone()], &c[r.clone()], &d[r], s);
        }),
    });
    let stream = Some(gbs(20.0 * q as f64, four));
    Probe { bytes: 4 * n as u64, copy, update, read, stream }
}

/// The size of the host's last-level cache, bytes, where the system says
/// (Linux sysfs).
pub fn host_cache_bytes() -> Option<u64> {
    let dir = std::fs::read_dir("/sys/devices/system/cpu/cpu0/cache").ok()?;
    dir.filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("size")).ok())
        .filter_map(|s| parse_size(s.trim()))
        .max()
}

/// `"260M"`, `"4096K"`, `"512"` as bytes.
fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.chars().last()? {
        'K' => (&s[..s.len() - 1], 1u64 << 10),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok().map(|v| v * mult)
}

/// The working set probed for the DRAM figure: four times the last-level
/// cache, at least 1 GiB.
pub fn dram_bytes(cache: Option<u64>) -> u64 {
    (4 * cache.unwrap_or(0)).max(1 << 30)
}

/// A device's probe of a working set of the given bytes.
pub type ProbeFn<'a> = Box<dyn FnMut(u64) -> crate::Result<Probe> + 'a>;

/// Probes of one device, measured once per working-set size and kept.
pub struct Floors<'a> {
    /// One field of the grid, bytes: working sets are probed at powers of
    /// two times it.
    pub field: u64,
    /// Working sets at least this large take the DRAM probe.
    pub dram: u64,
    probe: ProbeFn<'a>,
    pub measured: BTreeMap<u64, Probe>,
}

impl<'a> Floors<'a> {
    pub fn new(field: u64, dram: u64, probe: ProbeFn<'a>) -> Self {
        Floors { field: field.max(64), dram, probe, measured: BTreeMap::new() }
    }

    /// The probe a working set of `bytes` is compared with: the largest
    /// power of two times a field not above it (4 KiB at least), or the
    /// DRAM probe from `dram` on.
    pub fn at(&mut self, bytes: u64) -> crate::Result<Probe> {
        let mut rung = self.field;
        while rung > bytes && rung / 2 >= 4096 {
            rung /= 2;
        }
        while rung.saturating_mul(2) <= bytes && rung.saturating_mul(2) < self.dram {
            rung *= 2;
        }
        if bytes >= self.dram {
            rung = self.dram;
        }
        if let Some(p) = self.measured.get(&rung) {
            return Ok(*p);
        }
        let p = (self.probe)(rung)?;
        self.measured.insert(rung, p);
        Ok(p)
    }

    /// Probe the working set of [`Floors::at`] again, keeping the faster
    /// figure of each pattern: for an operator that beat the floor, whose
    /// probe may have run while the memory system was busier.
    pub fn again(&mut self, bytes: u64) -> crate::Result<Probe> {
        let old = self.at(bytes)?;
        let new = (self.probe)(old.bytes)?;
        let best = Probe {
            bytes: old.bytes,
            copy: old.copy.max(new.copy),
            update: old.update.max(new.update),
            read: old.read.max(new.read),
            stream: match (old.stream, new.stream) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
        };
        self.measured.insert(old.bytes, best);
        Ok(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_as_sysfs_writes_them() {
        assert_eq!(parse_size("260M"), Some(260 << 20));
        assert_eq!(parse_size("48K"), Some(48 << 10));
        assert_eq!(parse_size("512"), Some(512));
        assert_eq!(parse_size("x"), None);
    }

    #[test]
    fn working_sets_are_compared_with_a_rung_no_larger() {
        let mut f = Floors::new(
            40_000,
            1_280_000,
            Box::new(|b| Ok(Probe { bytes: b, copy: 1.0, update: 2.0, read: 3.0, stream: None })),
        );
        assert_eq!(f.at(10).unwrap().bytes, 5000);
        assert_eq!(f.at(19_999).unwrap().bytes, 10_000);
        assert_eq!(f.at(40_000).unwrap().bytes, 40_000);
        assert_eq!(f.at(159_999).unwrap().bytes, 80_000);
        assert_eq!(f.at(1_279_999).unwrap().bytes, 640_000);
        assert_eq!(f.at(1_280_000).unwrap().bytes, 1_280_000);
        assert_eq!(f.at(1 << 40).unwrap().bytes, 1_280_000);
        assert_eq!(f.at(10).unwrap().best(), 3.0);
        assert_eq!(f.measured.len(), 6);
        assert_eq!(f.again(10).unwrap().bytes, 5000);
        assert_eq!(f.measured.len(), 6);
    }

    #[test]
    fn the_update_and_read_probes_compute_what_they_say() {
        let mut a = vec![3.0f32; 37];
        update(&mut a, 0.5, 0.5);
        assert!(a.iter().all(|&x| x == 2.0));
        assert_eq!(read_sum(&a), 37u32.wrapping_mul(2.0f32.to_bits()));
    }

    #[test]
    fn a_probe_of_a_small_working_set_is_finite_and_positive() {
        let p = cpu_probe(1 << 16);
        for x in [p.copy, p.update, p.read, p.stream.unwrap()] {
            assert!(x.is_finite() && x > 0.0, "{p:?}");
        }
    }
}
