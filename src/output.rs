//! Writing outputs: every file is written to a temporary file in its target
//! folder and renamed into place, so an existing file is replaced only by a
//! complete one and an interrupted run leaves no half-written output.
//! (No fsync per file: a batch writes hundreds of files and a crash simply
//! means running it again; readers never see a partial file either way.)
//!
//! - Files are created with the user's normal permissions: mode 0666 less
//!   the umask, as any other program's files (a temporary file alone would
//!   be 0600, unreadable by colleagues).
//! - Temporary files (`tempfile`) are named `.permit-forms-<pid>-<random>.tmp`. They are
//!   removed when a write fails, by [`install_interrupt_cleanup`] when the
//!   run is interrupted (Ctrl-C, `kill`), and, for a process that was killed
//!   outright, by the next write into the same folder (the pid is dead).
//! - [`write_set`] replaces several files together (`records.jsonl` with
//!   `rejected.jsonl`): every temporary file is complete before the first
//!   rename, so a full disk leaves all the old files in place.
//! - [`crate::lock`] keeps two runs from writing one review folder at once;
//!   [`DocumentSet`] writes a whole set of documents beside the old one and
//!   swaps it in at the end ([`set`]).
//! - A file name longer than the file system allows (255 bytes) is shortened
//!   ([`fit_file_name`]) instead of failing.

use std::collections::BTreeSet;
use std::io::Write;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub mod set;

pub use set::{DocumentSet, SetCommit};

/// Why an output (a letter, a report, a marked-up return) could not be
/// written: its renderer refused it, or the file system did.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The document could not be rendered.
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    /// The review folder is held by another run, or cannot be locked.
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    /// A file could not be written.
    #[error("{path}：无法写入（{source}）")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The office's 收文登记 cannot be understood: the run stops before
    /// writing anything, and the log is left as it is.
    #[error(transparent)]
    Receipts(#[from] crate::receipt::ReceiptError),
}

/// Prefix of every temporary file this tool creates.
const TEMP_PREFIX: &str = ".permit-forms-";
/// Suffix of every temporary file this tool creates.
const TEMP_SUFFIX: &str = ".tmp";
/// Longest file name (bytes) most Linux file systems accept.
const MAX_NAME_BYTES: usize = 255;

/// Paths to remove if the process is interrupted: live temporary files,
/// staging folders and held locks.
static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Marks `path` for removal if the process is interrupted.
pub(crate) fn register(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.insert(path.to_path_buf());
    }
}

/// Undoes [`register`].
pub(crate) fn unregister(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.remove(path);
    }
}

/// Shared by every write (a file staged or renamed, a document set begun or
/// swapped in), taken whole by the interrupt cleanup: it waits for the
/// writes under way (a swap is never left half done) and no write starts
/// after it (none can recreate a folder it removed).
pub(crate) static GATE: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Removes every registered path (a folder with its content), after any
/// swap under way has finished. Called by the interrupt cleanup (Unix
/// signals; on Windows, Ctrl-C ends the process without it).
#[cfg(unix)]
fn remove_live() {
    let _gate = GATE.write();
    if let Ok(live) = LIVE.lock() {
        for p in live.iter() {
            if p.is_dir() {
                let _ = std::fs::remove_dir_all(p);
            } else {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// Removes this process's temporary files, staging folders and locks when
/// it receives SIGINT, SIGTERM, SIGHUP or SIGXFSZ, then exits with status 130. Call once at the
/// start of `main`, before any other thread is started (the signals are
/// blocked in every thread and taken by one waiting thread, so the cleanup
/// runs as ordinary code, not inside a signal handler). Unix only: elsewhere
/// (Windows) an interrupted run's temporary files are removed by the next
/// write into the same folder.
pub fn install_interrupt_cleanup() {
    // SAFETY: plain libc calls on a local, initialised signal set.
    #[cfg(unix)]
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::sigaddset(&mut set, libc::SIGHUP);
        // Blocked, a file size limit makes the write fail (EFBIG) and the
        // run clean up like after a full disk, instead of dying on the spot.
        libc::sigaddset(&mut set, libc::SIGXFSZ);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        let set_copy = set;
        std::thread::spawn(move || {
            let mut sig: libc::c_int = 0;
            if libc::sigwait(&set_copy, &mut sig) == 0 {
                remove_live();
                libc::_exit(128 + sig);
            }
        });
    }
}

/// The file name of `path` shortened to at most 255 bytes, keeping the
/// extension and adding a short hash of the full name so two long names stay
/// distinct. Names that fit are returned unchanged.
pub fn fit_file_name(path: &Path) -> PathBuf {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return path.to_path_buf() };
    if name.len() <= MAX_NAME_BYTES {
        return path.to_path_buf();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 && name.len() - i <= 16 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(name.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();
    let tail = format!("…{hash}{ext}");
    let mut cut = MAX_NAME_BYTES - tail.len();
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    path.with_file_name(format!("{}{tail}", &stem[..cut]))
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether a process with this id is running.
#[cfg(unix)]
pub(crate) fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks the process exists.
    pid > 0
        && (unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
}

/// Whether a process with this id is running: without a portable check
/// (Windows), only this process counts as running, so a lock or temporary
/// file left by a run that was closed is taken as stale.
#[cfg(not(unix))]
pub(crate) fn alive(pid: i32) -> bool {
    u32::try_from(pid).is_ok_and(|p| p == std::process::id())
}

/// Removes temporary files in `dir` left by a process of this tool that no
/// longer runs (killed before it could clean up).
pub fn clean_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix(TEMP_PREFIX).and_then(|r| r.strip_suffix(TEMP_SUFFIX)) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<i32>().ok());
        if pid.is_some_and(|p| !alive(p)) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A complete temporary file beside its target, not yet renamed; dropped,
/// it is removed (by `tempfile`).
struct Staged {
    /// `None` once renamed into place.
    file: Option<tempfile::NamedTempFile>,
    target: PathBuf,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            unregister(f.path());
        }
    }
}

fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<Staged> {
    let _gate = GATE.read();
    let target = fit_file_name(path);
    let parent = parent_of(&target);
    std::fs::create_dir_all(parent)?;
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    temp_permissions(&mut builder);
    let mut file = builder.tempfile_in(parent)?;
    register(file.path());
    file.write_all(bytes)?;
    keep_permissions(file.as_file(), &target);
    Ok(Staged { file: Some(file), target })
}

/// 0666 for a new temporary file: the kernel takes the umask off, as for
/// any program's new file (a temporary file alone would be 0600).
#[cfg(unix)]
fn temp_permissions(builder: &mut tempfile::Builder) {
    builder.permissions(std::fs::Permissions::from_mode(0o666));
}

#[cfg(not(unix))]
fn temp_permissions(_builder: &mut tempfile::Builder) {}

/// Keeps the permissions of a file being replaced (a folder shared on
/// purpose stays shared).
#[cfg(unix)]
fn keep_permissions(file: &std::fs::File, target: &Path) {
    if let Ok(meta) = std::fs::metadata(target) {
        let mode = meta.permissions().mode() & 0o777;
        let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
    }
}

#[cfg(not(unix))]
fn keep_permissions(_file: &std::fs::File, _target: &Path) {}

/// Writes `bytes` to `path` atomically, creating parent folders. A name too
/// long for the file system is shortened ([`fit_file_name`]).
///
/// # Errors
/// Any I/O error creating the folder, writing or renaming.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_set(&[(path.to_path_buf(), bytes)])
}

/// Writes several files so that they are replaced together: every file is
/// written completely to a temporary file first; only then are they renamed
/// into place, in the given order. When any write fails (full disk), no
/// target is touched and no temporary file is left.
///
/// # Errors
/// Any I/O error creating a folder, writing or renaming.
pub fn write_set(files: &[(PathBuf, &[u8])]) -> std::io::Result<()> {
    stage_set(files)?.commit()
}

/// Files written completely beside their targets and not yet renamed into
/// place ([`stage_set`]); dropped without [`StagedSet::commit`], the
/// temporary files are removed.
pub struct StagedSet {
    staged: Vec<Staged>,
}

/// The first half of [`write_set`]: writes every file to its temporary file
/// (after removing temporary files that dead runs left in the folders).
///
/// # Errors
/// Any I/O error creating a folder or writing.
pub fn stage_set(files: &[(PathBuf, &[u8])]) -> std::io::Result<StagedSet> {
    let mut dirs: BTreeSet<&Path> = BTreeSet::new();
    for (p, _) in files {
        dirs.insert(parent_of(p));
    }
    for d in dirs {
        clean_stale_temps(d);
    }
    let staged = files.iter().map(|(p, b)| stage(p, b)).collect::<std::io::Result<_>>()?;
    Ok(StagedSet { staged })
}

impl StagedSet {
    /// Renames every file into place, in order.
    ///
    /// # Errors
    /// An I/O error renaming.
    pub fn commit(mut self) -> std::io::Result<()> {
        let _gate = GATE.read();
        for s in &mut self.staged {
            let Some(file) = s.file.take() else { continue };
            let tmp = file.path().to_path_buf();
            let res = file.persist(&s.target);
            unregister(&tmp);
            res.map_err(|e| e.error)?;
        }
        Ok(())
    }
}

/// The names in `dir`, sorted (the unit tests' view of a folder).
#[cfg(test)]
pub(crate) fn sorted_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::sorted_names as names;
    use super::*;

    #[test]
    fn replaces_existing_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("子目录/文件.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(names(p.parent().unwrap()), ["文件.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn files_get_the_umask_permissions_not_0600() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"x").unwrap();
        // SAFETY: reading the umask means setting it; it is put back at once.
        let umask = unsafe {
            let m = libc::umask(0o022);
            libc::umask(m);
            m
        };
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o666 & !(umask as u32), "mode {mode:o}, umask {umask:o}");
    }

    #[test]
    fn a_failed_set_touches_no_target_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.txt");
        write_atomic(&a, b"old").unwrap();
        // The second target's folder cannot be created: a file is in the way.
        std::fs::write(dir.path().join("blocker"), b"").unwrap();
        let b = dir.path().join("blocker/b.txt");
        assert!(write_set(&[(a.clone(), b"new"), (b, b"new")]).is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["a.txt", "blocker"]);
    }

    #[test]
    fn stale_temps_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // pid 0 is never a user process; pid of this process is alive.
        let dead = dir.path().join(format!("{TEMP_PREFIX}999999999-0000{TEMP_SUFFIX}"));
        let live = dir.path().join(format!("{TEMP_PREFIX}{}-0000{TEMP_SUFFIX}", std::process::id()));
        std::fs::write(&dead, b"").unwrap();
        std::fs::write(&live, b"").unwrap();
        write_atomic(&dir.path().join("x"), b"x").unwrap();
        assert!(!dead.exists());
        assert!(live.exists());
    }

    #[test]
    fn over_long_names_are_shortened_and_stay_distinct() {
        let dir = tempfile::tempdir().unwrap();
        let long_a = format!("{}甲.docx", "河北省".repeat(40));
        let long_b = format!("{}乙.docx", "河北省".repeat(40));
        write_atomic(&dir.path().join(&long_a), b"a").unwrap();
        write_atomic(&dir.path().join(&long_b), b"b").unwrap();
        let got = names(dir.path());
        assert_eq!(got.len(), 2, "{got:?}");
        for n in &got {
            assert!(n.len() <= 255 && n.ends_with(".docx") && n.starts_with("河北省"), "{n}");
        }
        assert_eq!(std::fs::read(fit_file_name(&dir.path().join(&long_b))).unwrap(), b"b");
    }
}
