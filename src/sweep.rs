//! `oncovox sweep`: a grid of parameters as arms of one comparison. Each
//! `--vary KEY=a,b,c` (or `KEY=start:stop:count`, `…:log` for a geometric
//! range) is one axis; the arms are every combination, run and compared as
//! `oncovox compare` does. Every arm is built and validated before any
//! runs, so a bad value in one refuses the whole sweep. `--jobs FILE`
//! writes one `oncovox run` command per arm instead, for a batch scheduler.

use crate::compare::{Arm, RESERVED, run_planned};
use crate::run::{BackendChoice, read_scene_text};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Most arms one sweep may have.
pub const MAX_ARMS: usize = 1000;

/// One axis of the sweep: a key and its values, as `--set` takes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<String>,
}

const VARY_FIX: &str = "write --vary KEY=a,b,c (values as --set takes them) or --vary KEY=start:stop:count \
                        (evenly spaced; add :log for evenly spaced logarithms), e.g. --vary cells.interval=15,30,60";

fn bad(arg: &str, what: impl Into<String>) -> Error {
    Error::scene("--vary", format!("`{arg}`: {}", what.into()), VARY_FIX)
}

/// Read one `--vary` argument.
pub fn parse_axis(arg: &str) -> Result<Axis> {
    let Some((key, spec)) = arg.split_once('=') else { return Err(bad(arg, "has no `=`")) };
    let key = key.trim();
    if key.is_empty() {
        return Err(bad(arg, "names no key"));
    }
    let values = match range(spec) {
        Some(r) => r.map_err(|w| bad(arg, w))?,
        None => split_values(spec),
    };
    if values.is_empty() || values.iter().any(|v| v.trim().is_empty()) {
        return Err(bad(arg, "has an empty value"));
    }
    Ok(Axis { key: key.to_string(), values })
}

/// `start:stop:count[:log]` as values, `None` when `spec` is not a range.
fn range(spec: &str) -> Option<std::result::Result<Vec<String>, String>> {
    let parts: Vec<&str> = spec.split(':').map(str::trim).collect();
    if !(3..=4).contains(&parts.len()) || spec.contains(['[', '{', '"']) {
        return None;
    }
    let (Ok(a), Ok(b)) = (parts[0].parse::<f64>(), parts[1].parse::<f64>()) else { return None };
    let log = match parts.get(3) {
        None => false,
        Some(&"log") => true,
        Some(w) => return Some(Err(format!("ends in `{w}`; a range ends in its count, or in `:log`"))),
    };
    let n = match parts[2].parse::<usize>() {
        Ok(n) if (2..=MAX_ARMS).contains(&n) => n,
        _ => return Some(Err(format!("count `{}` must be a whole number from 2 to {MAX_ARMS}", parts[2]))),
    };
    if !(a.is_finite() && b.is_finite()) || log && (a <= 0.0 || b <= 0.0) {
        return Some(Err("a range needs finite ends (positive ones for :log)".into()));
    }
    let at = |i: usize| {
        let t = i as f64 / (n - 1) as f64;
        if log { (a.ln() + t * (b.ln() - a.ln())).exp() } else { a + t * (b - a) }
    };
    // Ends exactly as given; between them the shortest form of each value.
    Some(Ok((0..n)
        .map(|i| {
            if i == 0 {
                a
            } else if i == n - 1 {
                b
            } else {
                at(i)
            }
        })
        .map(|v| format!("{v}"))
        .collect()))
}

/// Values separated by commas outside brackets, braces and quotes (so that
/// an array or an inline table is one value).
fn split_values(spec: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in spec.chars() {
        match c {
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// Every combination of the axes' values (the first axis slowest), each as
/// `--set` overrides.
pub fn combinations(axes: &[Axis]) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new()];
    for a in axes {
        out = out
            .into_iter()
            .flat_map(|prefix: Vec<String>| {
                a.values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(format!("{}={v}", a.key));
                    p
                })
            })
            .collect();
    }
    out
}

/// The folder name of one arm: `leaf-value` per axis (the key's last part;
/// characters a folder name should not hold become `-`), joined by `_`.
fn arm_name(axes: &[Axis], sets: &[String]) -> String {
    let clean = |s: &str| -> String {
        s.chars().map(|c| if c.is_ascii_alphanumeric() || "-.+".contains(c) { c } else { '-' }).take(40).collect()
    };
    axes.iter()
        .zip(sets)
        .map(|(a, s)| {
            // The name starts with the key's leaf, from its first letter; a
            // value keeps its sign.
            let leaf = a.key.rsplit('.').next().unwrap_or(&a.key);
            let leaf = Some(leaf.trim_start_matches(|c: char| !c.is_ascii_alphabetic())).filter(|l| !l.is_empty());
            let leaf = leaf.unwrap_or("value");
            let value = s.split_once('=').map_or("", |(_, v)| v);
            format!("{}-{}", clean(leaf), clean(value))
        })
        .collect::<Vec<_>>()
        .join("_")
}

/// The arms of a sweep of `scene` over `axes`, `sets` applied first; each
/// validated. Names are unique (a clash gains `_2`, `_3`, …).
fn plan(scene: &Path, axes: &[Axis], sets: &[String]) -> Result<Vec<Arm>> {
    if axes.is_empty() {
        return Err(Error::scene("--vary", "no axis given", VARY_FIX));
    }
    if let Some(k) =
        axes.iter().enumerate().find_map(|(i, a)| axes[..i].iter().any(|b| b.key == a.key).then_some(&a.key))
    {
        return Err(Error::scene(
            "--vary",
            format!("`{k}` is varied twice"),
            "vary each key once, with all its values",
        ));
    }
    let count: usize =
        axes.iter().map(|a| a.values.len()).try_fold(1usize, |n, k| n.checked_mul(k)).unwrap_or(usize::MAX);
    if count > MAX_ARMS {
        return Err(Error::scene(
            "--vary",
            format!("gives {count} arms, more than {MAX_ARMS}"),
            "vary fewer keys or values; split a larger study into several sweeps",
        ));
    }
    let text = read_scene_text(scene)?;
    let table: toml::Table = toml::from_str(&text)
        .map_err(|e| Error::Parse(format!("{}: {}", scene.display(), e.to_string().trim_end())))?;
    if table.contains_key("arms") {
        return Err(Error::scene(
            "arms",
            format!("{} has [[arms]]; a sweep makes its own arms from --vary", scene.display()),
            "sweep a scene without [[arms]], or run this one with oncovox compare",
        ));
    }
    let mut names: Vec<String> = Vec::new();
    let mut arms = Vec::new();
    for own in combinations(axes) {
        let base = arm_name(axes, &own);
        let free = |n: &str| !RESERVED.contains(&n) && !names.iter().any(|m| m == n) && !n.is_empty();
        let name = if free(&base) {
            base.clone()
        } else {
            (2..).map(|k| format!("{base}_{k}")).find(|n| free(n)).unwrap_or(base)
        };
        names.push(name.clone());
        let all: Vec<String> = sets.iter().chain(&own).cloned().collect();
        arms.push(Arm::new(name, scene.to_path_buf(), &text, all)?);
    }
    Ok(arms)
}

/// The scene of every arm, validated (for estimates before anything runs).
pub fn validated_arms(scene: &Path, axes: &[Axis], sets: &[String]) -> Result<Vec<crate::scene::Validated>> {
    Ok(plan(scene, axes, sets)?.iter().map(|a| a.validated().clone()).collect())
}

/// Run the sweep into `out` (see the module docs), its arms spread over
/// `ranks`; returns the files written (on rank 0).
#[allow(clippy::too_many_arguments, reason = "the sweep, where it goes, and how it runs")]
pub fn run(
    scene: &Path,
    axes: &[Axis],
    sets: &[String],
    out: &Path,
    backend: BackendChoice,
    progress: bool,
    log: &mut dyn FnMut(&str),
    ranks: &dyn crate::ranks::Ranks,
) -> Result<Vec<String>> {
    let arms = plan(scene, axes, sets)?;
    if ranks.rank() == 0 {
        let over = if ranks.size() > 1 { format!(" over {} ranks", ranks.size()) } else { String::new() };
        log(&format!(
            "sweep: {} arms ({}){over}",
            arms.len(),
            axes.iter().map(|a| format!("{} × {}", a.values.len(), a.key)).collect::<Vec<_>>().join(", ")
        ));
    }
    let extra = serde_json::json!({
        "scene": scene.display().to_string(),
        "vary": axes.iter().map(|a| serde_json::json!({ "key": a.key, "values": a.values })).collect::<Vec<_>>(),
        "set": sets,
    });
    run_planned(&arms, &[scene], out, backend, progress, log, extra, ranks)
}

/// Quote `s` for a POSIX shell when it needs it.
fn shell(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=+:,@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Write the sweep as a job list into `file` instead of running it: one
/// line per arm, `oncovox run SCENE --set … -o OUT/<arm>`, each arm
/// validated first. Refuses to overwrite an existing file.
pub fn write_jobs(scene: &Path, axes: &[Axis], sets: &[String], out: &Path, file: &Path) -> Result<usize> {
    let arms = plan(scene, axes, sets)?;
    if file.exists() {
        return Err(Error::scene(
            "--jobs",
            format!("{} exists", file.display()),
            "give a new file for the job list (it is never overwritten)",
        ));
    }
    let mut text = String::from("# oncovox sweep: one run per line, each into its own folder\n");
    for a in &arms {
        let mut args = vec!["oncovox".to_string(), "run".into(), shell(&scene.display().to_string())];
        for s in &a.sets_given() {
            args.push("--set".into());
            args.push(shell(s));
        }
        args.push("-o".into());
        args.push(shell(&PathBuf::from(out).join(a.name()).display().to_string()));
        text.push_str(&args.join(" "));
        text.push('\n');
    }
    std::fs::write(file, text).map_err(|e| Error::io(file, e))?;
    Ok(arms.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_ranges_and_their_combinations() {
        let a = parse_axis("species.oxygen.diffusion=1e5, 2e5,[1, 2],{ a = 1, b = \"x,y\" }").unwrap();
        assert_eq!(a.values, ["1e5", "2e5", "[1, 2]", "{ a = 1, b = \"x,y\" }"]);
        assert_eq!(parse_axis("k=0:1:5").unwrap().values, ["0", "0.25", "0.5", "0.75", "1"]);
        assert_eq!(parse_axis("k=1:100:3:log").unwrap().values, ["1", "10.000000000000002", "100"]);
        for bad in ["k", "=1,2", "k=1,,2", "k=0:1:1", "k=0:1:3:lin", "k=0:1:x", "k=-1:1:3:log"] {
            assert!(parse_axis(bad).is_err(), "{bad}");
        }
        let axes = [parse_axis("a.x=1,2,3").unwrap(), parse_axis("b=p,q").unwrap()];
        let c = combinations(&axes);
        assert_eq!(c.len(), 6);
        assert_eq!(c[0], ["a.x=1", "b=p"]);
        assert_eq!(c[1], ["a.x=1", "b=q"]);
        assert_eq!(c[5], ["a.x=3", "b=q"]);
        assert_eq!(arm_name(&axes, &c[5]), "x-3_b-q");
        assert_eq!(shell("a b"), "'a b'");
        assert_eq!(shell("it's"), "'it'\\''s'");
    }
}
