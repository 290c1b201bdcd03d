//! Running the binary: exit codes, messages, and what a rejected scene leaves behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn oncovox(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oncovox"));
    c.args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("the oncovox binary runs")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn write_scene(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Run a broken scene: exit code 2, the key in the message, no output folder.
pub fn assert_rejected(text: &str, key: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let scene = write_scene(tmp.path(), "bad.toml", text);
    let out = tmp.path().join("out");
    let o = oncovox(&["run", scene.to_str().unwrap(), "-o", out.to_str().unwrap(), "--backend", "cpu"], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "expected exit code 2 for `{key}`, stderr:\n{err}");
    assert!(err.contains(key), "the message should name `{key}`:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "no output folder may be written for a bad scene");
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers.len(), 1, "only the scene file may remain: {leftovers:?}");
}
