//! Reading a settings file and writing the imported scene: the text is
//! built whole first, written to a hidden temporary file beside the target
//! and moved into place in one step, so the target is never half written;
//! an existing target is replaced only when asked.

use crate::{Error, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Largest settings file read, bytes (a PhysiCell settings file with every
/// cell definition and rule is well under a megabyte).
pub const MAX_SETTINGS_BYTES: u64 = 16 << 20;

/// The UTF-8 text of a settings file; a missing file, a directory, a pipe,
/// a file over [`MAX_SETTINGS_BYTES`] or one that is not UTF-8 is an input
/// error naming the file.
pub fn read_settings_text(path: &Path) -> Result<String> {
    let at = path.display().to_string();
    let fix = "give the path of a PhysiCell settings file (PhysiCell_settings.xml, UTF-8 XML)";
    let refuse = |what: String| Error::import(&at, what, fix);
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => refuse("no such file".into()),
        _ => refuse(format!("cannot be read ({e})")),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        // Opening a named pipe would wait for a writer.
        if meta.file_type().is_fifo() || meta.file_type().is_socket() {
            return Err(refuse("is a named pipe or socket, not a settings file".into()));
        }
    }
    if meta.is_dir() {
        return Err(refuse("is a directory, not a settings file".into()));
    }
    let file = std::fs::File::open(path).map_err(|e| refuse(format!("cannot be opened ({e})")))?;
    let mut bytes = Vec::new();
    file.take(MAX_SETTINGS_BYTES + 1).read_to_end(&mut bytes).map_err(|e| refuse(format!("cannot be read ({e})")))?;
    if bytes.len() as u64 > MAX_SETTINGS_BYTES {
        return Err(refuse(format!("is larger than {} MiB, more than any settings file", MAX_SETTINGS_BYTES >> 20)));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        refuse(format!("is not UTF-8 text (byte {at} is not); save it as UTF-8"))
    })
}

/// Write `text` to `path`. An existing `path` is refused (exit code 2,
/// nothing touched) unless `force`, which replaces it in one step.
pub fn write_new(path: &Path, text: &str, force: bool) -> Result<()> {
    let at = format!("-o {}", path.display());
    let exists = std::fs::symlink_metadata(path).is_ok();
    if exists && !force {
        return Err(Error::import(
            &at,
            "the file exists and is left as it is",
            "give another -o, or --force to replace it",
        ));
    }
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        return Err(Error::import(&at, "is a directory", "give the path of the scene file to write"));
    }
    let tmp = temporary_beside(path);
    let written = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::import(&at, format!("cannot be written ({e})"), "give a path in a writable folder"));
    }
    let placed = if force {
        std::fs::rename(&tmp, path)
    } else {
        // A hard link never replaces an existing file: one written since the
        // check above is left as it is. Where the file system has no hard
        // links, a rename after a second look.
        match std::fs::hard_link(&tmp, path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists && std::fs::symlink_metadata(path).is_err() => {
                std::fs::rename(&tmp, path)
            }
            linked => linked,
        }
    };
    let _ = std::fs::remove_file(&tmp);
    placed.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            Error::import(&at, "the file appeared while importing; it is left as it is", "give another -o")
        }
        _ => Error::io(path, e),
    })
}

/// `.<name>.import-<pid>` in the folder of `path`.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "scene.toml".into());
    path.with_file_name(format!(".{name}.import-{}", std::process::id()))
}
