//! Fixed-length arrays read the same from a file and from `--set`: exactly
//! N elements, never silently cut to the first N.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// Exactly `N` elements.
pub(super) fn exactly<'de, D, T, const N: usize>(d: D) -> Result<[T; N], D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = Vec::<T>::deserialize(d)?;
    let n = items.len();
    items.try_into().map_err(|_| D::Error::invalid_length(n, &format!("an array of exactly {N} values").as_str()))
}

/// An optional key of exactly `N` elements.
pub(super) fn exactly_opt<'de, D, T, const N: usize>(d: D) -> Result<Option<[T; N]>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    exactly(d).map(Some)
}
