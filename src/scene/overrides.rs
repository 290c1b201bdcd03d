//! `--set key=value` overrides on the raw TOML table, before validation.
//!
//! Keys are dotted paths. An array of tables (`species`, `regions`,
//! `output.slices`) is entered by element name or by index:
//! `species.oxygen.diffusion=2e5`, `regions.0.sphere.radius=150`.
//! Values are TOML (`3`, `1e5`, `"lod"`, `[10, 10, 10]`); a bare word that
//! is not TOML is taken as a string (`species.oxygen.solver=lod`).

use crate::{Error, Result};

/// Apply each `key=value` in order.
pub fn apply_overrides(table: &mut toml::Table, sets: &[String]) -> Result<()> {
    for set in sets {
        refuse_control_characters(set)?;
        let (key, raw) = set.split_once('=').ok_or_else(|| {
            Error::scene(set.clone(), "an override needs the form key=value", "write e.g. --set time.duration=5")
        })?;
        let key = key.trim();
        let value = parse_value(raw.trim());
        let parts: Vec<&str> = key.split('.').collect();
        if parts.iter().any(|p| p.is_empty()) {
            return Err(Error::scene(key, "empty segment in dotted key", "write e.g. --set grid.dx=10"));
        }
        set_path(table, &parts, value, key)?;
    }
    Ok(())
}

/// A line break, tab or other control character in an override would let
/// the value end early or carry more keys: refused, naming the key.
fn refuse_control_characters(set: &str) -> Result<()> {
    let Some((at, c)) = set.char_indices().find(|(_, c)| c.is_control()) else { return Ok(()) };
    let key = set.split_once('=').map_or(set, |(k, _)| k).trim();
    let what = match c {
        '\n' | '\r' => "a line break".to_string(),
        '\t' => "a tab".to_string(),
        _ => format!("the control character U+{:04X}", c as u32),
    };
    Err(Error::scene(
        key.escape_debug().to_string(),
        format!("the override holds {what} at byte {at}"),
        "give one key=value per --set, on one line without control characters (e.g. --set time.duration=5)",
    ))
}

fn parse_value(raw: &str) -> toml::Value {
    let doc = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&doc) {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

fn set_path(table: &mut toml::Table, parts: &[&str], value: toml::Value, key: &str) -> Result<()> {
    let (first, rest) = parts.split_first().expect("non-empty key");
    if rest.is_empty() {
        table.insert(first.to_string(), value);
        return Ok(());
    }
    let entry = table.entry(first.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
    set_in_value(entry, rest, value, key)
}

fn set_in_value(node: &mut toml::Value, parts: &[&str], value: toml::Value, key: &str) -> Result<()> {
    match node {
        toml::Value::Table(t) => set_path(t, parts, value, key),
        toml::Value::Array(items) => {
            let (sel, rest) = parts.split_first().expect("non-empty key");
            let pos = match sel.parse::<usize>() {
                Ok(i) if i < items.len() => Some(i),
                Ok(_) => None,
                Err(_) => items.iter().position(|it| {
                    it.get("name").and_then(|n| n.as_str()) == Some(*sel)
                        || it.get("species").and_then(|n| n.as_str()) == Some(*sel)
                }),
            };
            let i = pos.ok_or_else(|| {
                Error::scene(
                    key,
                    format!("no element `{sel}` in this list"),
                    "name an existing element by its name or index",
                )
            })?;
            if rest.is_empty() {
                items[i] = value;
                return Ok(());
            }
            set_in_value(&mut items[i], rest, value, key)
        }
        _ => {
            Err(Error::scene(key, "this key is a value, not a table", "override the value itself, not a key below it"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_reach_tables_and_named_array_elements() {
        let mut t: toml::Table =
            toml::from_str("[time]\ndt = 1.0\n[[species]]\nname = \"o2\"\ndiffusion = 1.0\n").unwrap();
        apply_overrides(
            &mut t,
            &["time.dt=0.5".into(), "species.o2.diffusion=2e5".into(), "species.0.solver=lod".into()],
        )
        .unwrap();
        assert_eq!(t["time"]["dt"].as_float(), Some(0.5));
        assert_eq!(t["species"][0]["diffusion"].as_float(), Some(2e5));
        assert_eq!(t["species"][0]["solver"].as_str(), Some("lod"));
    }

    #[test]
    fn control_characters_are_refused() {
        let mut t: toml::Table = toml::from_str("[time]\ndt = 1.0\n").unwrap();
        let err = apply_overrides(&mut t, &["time.dt=1\nduration = 5".into()]).unwrap_err();
        assert!(err.to_string().contains("`time.dt`") && err.to_string().contains("line break"), "{err}");
        assert_eq!(t["time"]["dt"].as_float(), Some(1.0));
    }

    #[test]
    fn missing_element_names_the_key() {
        let mut t: toml::Table = toml::from_str("[[species]]\nname = \"o2\"\n").unwrap();
        let err = apply_overrides(&mut t, &["species.drug.decay=1".into()]).unwrap_err();
        assert!(err.to_string().contains("species.drug.decay"), "{err}");
    }
}
