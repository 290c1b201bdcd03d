//! Numbers as people read them in tables.

/// About four significant digits, scientific notation for very large or small values.
pub fn num(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.3e}");
    }
    let d = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.d$}");
    if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn four_significant_digits_or_scientific() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1234.5678), "1235");
        assert_eq!(num(0.012345), "0.01235");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(1.5e7), "1.500e7");
        assert_eq!(num(-2e-5), "-2.000e-5");
    }
}
