//! Exact sums of f32 products in integer arithmetic: the reference twin of
//! the GPU's finest-level residual and update in `shaders/multigrid.wgsl`
//! (the CPU engine evaluates the same sums in f64). For the finest-level
//! residual `f − A p` and the solution update `p ← p + e`, with `p` carried
//! as two f32 words `hi + lo`. Twin of the functions of the same names in
//! `shaders/multigrid.wgsl`; both give bitwise the same results.
//!
//! Why integers: the classic error-free float transforms (TwoSum, Dekker's
//! product) rely on each intermediate rounding, which WGSL lets compilers
//! reassociate or fuse away (WGSL spec, "Reassociation and Fusion"), and
//! some do. Integer arithmetic is exact on every device.
//!
//! Each term `a·b` is `±m_a·m_b·2^(e_a+e_b)` with 24-bit significands, a
//! 48-bit integer product. The terms are placed on one fixed-point scale
//! that puts the largest below 2^58 and added in an i64 (27 terms stay below
//! 2^63); bits of smaller terms under that scale's unit (2^-58 of the
//! largest term) are truncated toward zero. Zero and subnormal inputs count
//! as zero. The sum is returned truncated toward zero to f32.

/// Terms of the finest-level residual: `f·1`, the sink on `hi` and `lo`,
/// and four per face (both voxels, both words).
pub const TERMS: usize = 27;

/// `x = ±m·2^e` with `m < 2^24`; zero and subnormals give `m = 0`.
#[inline]
fn parts(x: f32) -> (bool, u64, i32) {
    let b = x.to_bits();
    let ef = ((b >> 23) & 0xff) as i32;
    if ef == 0 {
        return (false, 0, 0);
    }
    (b >> 31 == 1, ((b & 0x7f_ffff) | 0x80_0000) as u64, ef - 150)
}

/// `Σ a_k·b_k` as a fixed-point integer `acc·2^-g`.
pub fn fixed_dot(a: &[f32], b: &[f32]) -> (i64, i32) {
    let mut emax = i32::MIN;
    for (&x, &y) in a.iter().zip(b) {
        let (_, mx, ex) = parts(x);
        let (_, my, ey) = parts(y);
        if mx != 0 && my != 0 {
            emax = emax.max(ex + ey);
        }
    }
    if emax == i32::MIN {
        return (0, 0);
    }
    // The largest product is below 2^(48 + emax); scale it below 2^58.
    let g = 10 - emax;
    let mut acc = 0i64;
    for (&x, &y) in a.iter().zip(b) {
        let (nx, mx, ex) = parts(x);
        let (ny, my, ey) = parts(y);
        let shift = ex + ey + g;
        let prod = mx * my;
        let v = if shift >= 0 {
            prod << shift
        } else if shift > -64 {
            prod >> -shift
        } else {
            0
        } as i64;
        acc += if nx != ny { -v } else { v };
    }
    (acc, g)
}

/// `acc·2^-g` truncated toward zero to f32 (flushed to ±0 below the normal
/// range), and the remainder `acc` minus that value, on the same scale.
pub fn to_f32(acc: i64, g: i32) -> (f32, i64) {
    if acc == 0 {
        return (0.0, 0);
    }
    let neg = acc < 0;
    let mag = acc.unsigned_abs();
    let t = 63 - mag.leading_zeros() as i32;
    let (m, e, kept) = if t > 23 {
        let s = (t - 23) as u32;
        (mag >> s, t - 23 - g, (mag >> s) << s)
    } else {
        (mag << (23 - t), t - 23 - g, mag)
    };
    let sign = if neg { 0x8000_0000u32 } else { 0 };
    let ef = e + 150;
    if ef <= 0 {
        return (f32::from_bits(sign), acc);
    }
    if ef >= 255 {
        return (f32::from_bits(sign | 0x7f80_0000), 0);
    }
    let x = f32::from_bits(sign | ((ef as u32) << 23) | (m as u32 & 0x7f_ffff));
    let rest = (mag - kept) as i64;
    (x, if neg { -rest } else { rest })
}

/// `Σ a_k·b_k` (exact, then truncated to f32).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (acc, g) = fixed_dot(a, b);
    to_f32(acc, g).0
}

/// `hi + lo + e` as a new `(hi, lo)`: `hi` the sum truncated to f32, `lo`
/// the rest truncated to f32 (about 48 significant bits together).
pub fn add(hi: f32, lo: f32, e: f32) -> (f32, f32) {
    let (acc, g) = fixed_dot(&[hi, lo, e], &[1.0, 1.0, 1.0]);
    let (h, rest) = to_f32(acc, g);
    (h, to_f32(rest, g).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rand(seed: &mut u64) -> f64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        (*seed >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn products_are_exact_and_the_sum_is_truncated() {
        let mut s = 0x1234_5678_9abc_def1u64;
        for _ in 0..20_000 {
            let a: Vec<f32> =
                (0..5).map(|_| ((rand(&mut s) - 0.5) * 10f64.powf(rand(&mut s) * 8.0 - 4.0)) as f32).collect();
            let b: Vec<f32> =
                (0..5).map(|_| ((rand(&mut s) - 0.5) * 10f64.powf(rand(&mut s) * 8.0 - 4.0)) as f32).collect();
            // Each product is exact in f64 (48 bits); five of them add with
            // an error far below f32 resolution.
            let want: f64 = a.iter().zip(&b).map(|(&x, &y)| x as f64 * y as f64).sum();
            let got = dot(&a, &b) as f64;
            let scale = a.iter().zip(&b).map(|(&x, &y)| (x as f64 * y as f64).abs()).fold(0.0, f64::max);
            assert!((got - want).abs() <= want.abs() * 1.2e-7 + scale * 1e-15, "{got} vs {want}");
            assert!(got.abs() <= want.abs() + scale * 1e-15, "truncation goes toward zero");
        }
    }

    #[test]
    fn cancellation_keeps_the_small_remainder() {
        // 1e4·1.0001 − 1e4·1.0 + 1e4·(−0.0001): exactly zero in reals, but
        // with f32 inputs the exact value is the inputs' rounding error.
        let (a, b) = ([1e4f32, -1e4, 1e4], [1.0001f32, 1.0, -0.0001]);
        let want = 1e4f64 * 1.0001f32 as f64 - 1e4 + 1e4 * -0.0001f32 as f64;
        assert!((dot(&a, &b) as f64 - want).abs() <= want.abs() * 1.2e-7);
    }

    #[test]
    fn add_carries_about_48_bits() {
        let mut s = 77u64;
        for _ in 0..20_000 {
            let x = (rand(&mut s) - 0.5) * 100.0;
            let (mut hi, mut lo) = (x as f32, 0.0f32);
            let mut total = hi as f64;
            for _ in 0..20 {
                let e = ((rand(&mut s) - 0.5) * 1e-3) as f32;
                (hi, lo) = add(hi, lo, e);
                total += e as f64;
            }
            let got = hi as f64 + lo as f64;
            assert!((got - total).abs() <= total.abs() * 1e-13 + 1e-30, "{got} vs {total}");
            assert!(lo.abs() <= hi.abs() * 1.2e-7);
        }
    }

    #[test]
    fn zero_and_extremes() {
        assert_eq!(dot(&[0.0, 3.0], &[5.0, 0.0]), 0.0);
        assert_eq!(dot(&[2.0], &[-3.0]), -6.0);
        assert_eq!(add(1.0, 0.0, -1.0), (0.0, 0.0));
        assert_eq!(add(16.0, 0.0, 0.0), (16.0, 0.0));
    }
}
