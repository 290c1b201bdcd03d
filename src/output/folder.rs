//! The output folder: written in a staging folder beside the target, swapped
//! into place only when the run succeeds (never half-written, and at every
//! instant the target holds the whole earlier run or the whole new one),
//! locked against a second run into the same folder, and left untouched by
//! a run stopped by a signal. A run that stops after writing checkpoints
//! keeps what it wrote as the visible `NAME.resumable-PID` beside the
//! target, for `oncovox run --resume`; so does the next run on the target
//! with the staging folder of a killed run that holds checkpoints.

use crate::{Error, Result};
use std::fs::File;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The file that marks a folder as an oncovox output: it lists every file
/// and folder the run wrote, one relative path a line (folders end in `/`).
pub const MARKER: &str = ".oncovox-output";

/// The number of the signal that asked the run to stop (0: none). The
/// binary's handlers set it; runs check it between steps and outputs.
static STOP: AtomicUsize = AtomicUsize::new(0);

/// The flag a signal handler sets to the signal's number to stop the run
/// (`signal_hook::flag::register_usize`).
pub fn stop_flag() -> &'static AtomicUsize {
    &STOP
}

/// A staging folder beside the final one; removed unless committed.
pub struct OutputDir {
    target: PathBuf,
    staging: PathBuf,
    /// Where an earlier run waits while the new one moves into place, when
    /// the two cannot be swapped in one step.
    trash: PathBuf,
    committed: bool,
    /// Held until the folder is dropped (after the staging folder is gone).
    _lock: FolderLock,
}

/// The lock of one target folder: `.NAME.lock` beside it, holding the
/// process id of the run writing it. The operating system releases it when
/// the process ends, however it ends; a lock file left unlocked is reused.
struct FolderLock {
    path: PathBuf,
    file: File,
}

impl FolderLock {
    /// Take the lock at `path`, or say which run holds it.
    fn take(path: &Path, target: &Path) -> Result<FolderLock> {
        loop {
            let mut file = File::options()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map_err(|e| Error::io(path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => return Err(held(&mut file, target)),
                Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(path, e)),
            }
            // A run that finished removes its lock file, with the lock held:
            // one locked after that removal holds a file no other run sees.
            if !same_file(&file, path) {
                continue;
            }
            file.set_len(0).and_then(|()| writeln!(file, "{}", std::process::id())).map_err(|e| Error::io(path, e))?;
            return Ok(FolderLock { path: path.to_path_buf(), file });
        }
    }
}

/// The refusal naming the run that holds `file` (its process id, which it
/// writes just after locking).
fn held(file: &mut File, target: &Path) -> Error {
    let mut holder = String::new();
    for _ in 0..50 {
        holder.clear();
        let _ = file.rewind().and_then(|_| file.read_to_string(&mut holder));
        if holder.ends_with('\n') {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let who = match holder.trim().parse::<u32>() {
        Ok(pid) => format!("process {pid}"),
        Err(_) => "process unknown".into(),
    };
    let t = target.display();
    Error::scene(
        "-o",
        format!("another oncovox run ({who}) is writing {t}"),
        "wait for it to finish, or choose another output directory",
    )
}

/// Whether `file` is still the file at `path`.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Removed while still locked (see `take`). Elsewhere an open file
        // may not be removable: it stays, and is reused.
        if cfg!(unix) {
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Every entry under `dir` as a relative path with `/` separators, folders
/// ending in `/`; links are entries, not followed.
fn entries_under(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        for e in std::fs::read_dir(&path)? {
            let e = e?;
            let name = format!("{rel}{}", e.file_name().to_string_lossy());
            if e.file_type()?.is_dir() {
                out.push(format!("{name}/"));
                stack.push((e.path(), format!("{name}/")));
            } else {
                out.push(name);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Why `dir` may not be replaced, or `None` when it may: it is empty, or
/// it holds oncovox's marker and nothing the marker does not list.
fn not_replaceable(dir: &Path) -> Option<String> {
    let entries = match entries_under(dir) {
        Ok(e) => e,
        Err(e) => return Some(format!("it cannot be read ({e})")),
    };
    if entries.is_empty() {
        return None;
    }
    let Ok(listed) = std::fs::read_to_string(dir.join(MARKER)) else {
        return Some(format!("it is not an oncovox output (no {MARKER} marker)"));
    };
    let listed: std::collections::HashSet<&str> = listed.lines().collect();
    entries
        .iter()
        .find(|e| e.as_str() != MARKER && !listed.contains(e.as_str()))
        .map(|e| format!("it holds {e}, which the earlier run did not write"))
}

fn refused(target: &Path, why: &str, fix: &str) -> Error {
    Error::scene("-o", format!("{} cannot be replaced: {why}", target.display()), fix)
}

/// A folder beside the target that cannot be created: an input error (the
/// `-o` given).
fn unwritable(dir: &Path, e: std::io::Error) -> Error {
    Error::scene(
        "-o",
        format!("cannot write in {} ({e})", dir.display()),
        "give an output folder in a place you can write",
    )
}

/// Whether process `pid` is alive (where that can be known; elsewhere it
/// counts as alive, so its folders are left alone).
fn alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") { Path::new("/proc").join(pid.to_string()).exists() } else { true }
}

/// Swap the folders `a` and `b` in one step. `Ok(false)` where the system
/// or the file system cannot.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) };
    if r == 0 {
        return Ok(true);
    }
    // Not supported here (EINVAL, ENOSYS, EOPNOTSUPP, EPERM under some
    // sandboxes, ...): the two renames take over, and report their errors.
    Ok(false)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<bool> {
    Ok(false)
}

impl OutputDir {
    /// Check that `target` may be written, take its lock, tidy what earlier
    /// runs on it left behind, and create the staging folder. `inputs` (the
    /// scene files) must not lie inside `target`, nor the current folder.
    pub fn prepare(target: &Path, inputs: &[&Path]) -> Result<OutputDir> {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
        let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if let Ok(t) = target.canonicalize() {
            let fix = "write the outputs to a new folder, e.g. -o out";
            if std::env::current_dir().and_then(|c| c.canonicalize()).is_ok_and(|c| c.starts_with(&t)) {
                return Err(refused(target, "it is the current folder or one above it", fix));
            }
            if let Some(i) = inputs.iter().find(|i| i.canonicalize().is_ok_and(|i| i.starts_with(&t))) {
                return Err(refused(target, &format!("it holds the scene {}", i.display()), fix));
            }
        }
        if std::fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(refused(target, "it is a symbolic link", "give the folder it points to, or a new folder"));
        }
        std::fs::create_dir_all(parent).map_err(|e| unwritable(parent, e))?;
        let lock = FolderLock::take(&parent.join(format!(".{name}.lock")), target)?;
        tidy(parent, &name, target);
        if target.exists() {
            if !target.is_dir() {
                return Err(refused(target, "it is a file", "choose another output directory"));
            }
            if let Some(why) = not_replaceable(target) {
                return Err(refused(target, &why, "choose another output directory, or move those files away"));
            }
        }
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        let trash = parent.join(format!(".{name}.trash-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(staging.join("slices")).map_err(|e| unwritable(parent, e))?;
        Ok(OutputDir { target: target.to_path_buf(), staging, trash, committed: false, _lock: lock })
    }

    /// Where files are written until `commit`.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Write a file into the staging folder.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let path = self.staging.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(|e| Error::io(p, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))
    }

    /// Fail with [`Error::Interrupted`] if a signal asked the run to stop;
    /// `at` says where the run stands. Dropping the folder then removes
    /// the staging folder and leaves the target as it was.
    pub fn check_stop(&self, at: impl FnOnce() -> String) -> Result<()> {
        match STOP.load(Ordering::SeqCst) {
            0 => Ok(()),
            s => Err(Error::Interrupted { signal: s as i32, at: at(), target: self.target.clone() }),
        }
    }

    /// Mark the finished outputs and move them into place. An earlier run
    /// is swapped with the new one in one step where the system can (Linux),
    /// then deleted: at every instant the target holds one of the two whole.
    /// Elsewhere it is moved aside first and deleted only once the new one
    /// stands in its place: between the two renames it is whole under its
    /// trash name, which the next run on the folder puts back.
    ///
    /// A commit that fails keeps the finished run: it is renamed to the
    /// visible `NAME.unsaved-PID` beside the target, which the error names.
    pub fn commit(mut self) -> Result<PathBuf> {
        match self.move_into_place() {
            Ok(()) => {
                self.committed = true;
                Ok(self.target.clone())
            }
            Err(e) if self.staging.is_dir() => {
                let name = self.target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let kept = self.staging.with_file_name(format!("{name}.unsaved-{}", std::process::id()));
                if std::fs::rename(&self.staging, &kept).is_err() {
                    return Err(e);
                }
                self.committed = true;
                Err(Error::Unsaved { kept, cause: Box::new(e) })
            }
            Err(e) => Err(e),
        }
    }

    fn move_into_place(&mut self) -> Result<()> {
        let list = entries_under(&self.staging).map_err(|e| Error::io(&self.staging, e))?;
        self.write(MARKER, (list.join("\n") + "\n").as_bytes())?;
        if self.target.exists() {
            if let Some(why) = not_replaceable(&self.target) {
                return Err(refused(&self.target, &why, "choose another output directory, or move those files away"));
            }
            if exchange(&self.staging, &self.target).map_err(|e| Error::io(&self.target, e))? {
                // The staging name now holds the earlier run.
                self.committed = true;
                let _ = std::fs::remove_dir_all(&self.staging);
                return Ok(());
            }
            let trash = &self.trash;
            std::fs::rename(&self.target, trash).map_err(|e| Error::io(&self.target, e))?;
            if let Err(e) = std::fs::rename(&self.staging, &self.target) {
                let _ = std::fs::rename(trash, &self.target);
                return Err(Error::io(&self.target, e));
            }
            let _ = std::fs::remove_dir_all(trash);
        } else {
            std::fs::rename(&self.staging, &self.target).map_err(|e| Error::io(&self.target, e))?;
        }
        Ok(())
    }
}

/// Remove the staging and trash folders of `.name` that processes no longer
/// running left in `parent`; a trash folder whose target is missing is the
/// earlier run itself (its process died between the two renames of a
/// commit) and is put back. Called with the folder's lock held; the lock
/// file `.name.lock` is never touched.
fn tidy(parent: &Path, name: &str, target: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = file.strip_prefix(&format!(".{name}.")) else { continue };
        let Some((kind, pid)) = rest.split_once('-') else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid == std::process::id() || alive(pid) || !matches!(kind, "partial" | "trash") {
            continue;
        }
        if kind == "trash" && !target.exists() && std::fs::rename(e.path(), target).is_ok() {
            continue;
        }
        if kind == "partial" && rescue(&e.path(), target, pid).is_some() {
            continue;
        }
        let _ = std::fs::remove_dir_all(e.path());
    }
}

/// Keep the staging folder `staging` of process `pid` as
/// `NAME.resumable-PID` beside `target` when it holds a checkpoint; the
/// folder it now is. Not inside another run's staging folder (an arm of a
/// comparison): that one goes, and what was kept with it.
fn rescue(staging: &Path, target: &Path, pid: u32) -> Option<PathBuf> {
    let staged = |p: &Path| {
        p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.') && n.to_string_lossy().contains(".partial-"))
    };
    if target.parent().is_some_and(|p| p.ancestors().any(staged)) {
        return None;
    }
    let checkpoints = staging.join(super::checkpoint::DIR);
    let holds =
        std::fs::read_dir(&checkpoints).ok()?.flatten().any(|e| e.path().join(super::checkpoint::FILE).is_file());
    if !holds {
        return None;
    }
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "out".into());
    let kept = staging.with_file_name(format!("{name}.resumable-{pid}"));
    std::fs::rename(staging, &kept).ok()?;
    Some(kept)
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        match rescue(&self.staging, &self.target, std::process::id()) {
            Some(kept) => eprintln!(
                "the run stopped after writing checkpoints; they are kept in {k}: go on with\n  oncovox run --resume {k} -o {}",
                self.target.display(),
                k = kept.display()
            ),
            None => {
                let _ = std::fs::remove_dir_all(&self.staging);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FolderLock, OutputDir, tidy};
    use crate::Error;

    #[test]
    fn a_finished_run_that_cannot_replace_the_folder_is_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let first = OutputDir::prepare(&target, &[]).unwrap();
        first.write("summary.json", b"old").unwrap();
        first.commit().unwrap();
        let second = OutputDir::prepare(&target, &[]).unwrap();
        second.write("summary.json", b"new").unwrap();
        // A note added to the earlier run while the new one ran.
        std::fs::write(target.join("note.txt"), "mine").unwrap();
        let e = second.commit().expect_err("the folder holds a file the earlier run did not write");
        let Error::Unsaved { kept, .. } = &e else { panic!("{e}") };
        assert!(e.is_input_error() && e.to_string().contains("note.txt"), "{e}");
        assert_eq!(kept, &tmp.path().join(format!("out.unsaved-{}", std::process::id())));
        assert_eq!(std::fs::read_to_string(kept.join("summary.json")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(target.join("summary.json")).unwrap(), "old");
        assert_eq!(std::fs::read_to_string(target.join("note.txt")).unwrap(), "mine");
    }

    #[cfg(unix)]
    #[test]
    fn a_symbolic_link_as_the_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("real")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("real"), tmp.path().join("out")).unwrap();
        let e = OutputDir::prepare(&tmp.path().join("out"), &[]).err().expect("a link is refused");
        assert!(e.is_input_error() && e.to_string().contains("symbolic link"), "{e}");
        assert!(tmp.path().join("real").read_dir().unwrap().next().is_none(), "nothing written where it points");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_dead_runs_trash_is_put_back_when_the_target_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let (p, dead) = (tmp.path(), 4_194_305u32);
        let trash = p.join(format!(".out.trash-{dead}"));
        std::fs::create_dir(&trash).unwrap();
        std::fs::write(trash.join("summary.json"), "old").unwrap();
        let live = p.join(format!(".out.partial-{}", std::process::id()));
        std::fs::create_dir(&live).unwrap();
        tidy(p, "out", &p.join("out"));
        assert_eq!(std::fs::read_to_string(p.join("out/summary.json")).unwrap(), "old");
        assert!(!trash.exists() && live.exists(), "a live process's folder stays");
        // With the target present, a dead run's trash is deleted.
        std::fs::create_dir(&trash).unwrap();
        tidy(p, "out", &p.join("out"));
        assert!(!trash.exists() && p.join("out/summary.json").exists());
    }

    #[test]
    fn a_stopped_run_keeps_its_checkpoints_beside_the_target() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        let kept = tmp.path().join(format!("out.resumable-{}", std::process::id()));
        // Without a checkpoint the staging folder goes.
        let dir = OutputDir::prepare(&target, &[]).unwrap();
        dir.write("checkpoints/t1/arrays.bin", b"half").unwrap();
        drop(dir);
        assert!(!kept.exists() && !target.exists());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "nothing left");
        let dir = OutputDir::prepare(&target, &[]).unwrap();
        dir.write("checkpoints/t1/checkpoint.json", b"{}").unwrap();
        dir.write("timeseries.csv", b"t").unwrap();
        drop(dir);
        assert!(kept.join("checkpoints/t1/checkpoint.json").is_file() && kept.join("timeseries.csv").is_file());
        assert!(!target.exists(), "the target is not written");
        // A killed run's staging folder with a checkpoint is kept by the next run.
        // Not inside another run's staging folder (an arm of a comparison).
        let arm = tmp.path().join(".cmp.partial-1/arm");
        let dir = OutputDir::prepare(&arm, &[]).unwrap();
        dir.write("checkpoints/t1/checkpoint.json", b"{}").unwrap();
        drop(dir);
        assert_eq!(std::fs::read_dir(tmp.path().join(".cmp.partial-1")).unwrap().count(), 0, "an arm's is not kept");
        std::fs::remove_dir(tmp.path().join(".cmp.partial-1")).unwrap();
        let dead = 4_194_306u32;
        let partial = tmp.path().join(format!(".out.partial-{dead}"));
        std::fs::create_dir_all(partial.join("checkpoints/t2")).unwrap();
        std::fs::write(partial.join("checkpoints/t2/checkpoint.json"), "{}").unwrap();
        tidy(tmp.path(), "out", &target);
        assert!(tmp.path().join(format!("out.resumable-{dead}/checkpoints/t2/checkpoint.json")).is_file());
        assert!(!partial.exists());
    }

    #[test]
    fn a_held_lock_is_refused_and_a_left_one_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let (path, target) = (tmp.path().join(".out.lock"), tmp.path().join("out"));
        let held = FolderLock::take(&path, &target).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{}\n", std::process::id()));
        // A lock is per open file: a second take in this process is refused too.
        let e = FolderLock::take(&path, &target).err().expect("a held lock is refused").to_string();
        assert!(e.contains(&format!("process {}", std::process::id())), "{e}");
        tidy(tmp.path(), "out", &target);
        assert!(path.exists(), "tidy leaves a lock file alone");
        drop(held);
        assert!(!path.exists(), "a finished run removes its lock file");
        // A lock file left by a killed run (unlocked) is taken over.
        std::fs::write(&path, "4194305\n").unwrap();
        let again = FolderLock::take(&path, &target).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{}\n", std::process::id()));
        drop(again);
    }
}
