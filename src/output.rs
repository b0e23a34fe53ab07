//! Writing outputs: every file is written to a temporary file in its target
//! folder and renamed into place, so an existing file is replaced only by a
//! complete one and an interrupted run leaves no half-written output.
//! (No fsync per file: a batch writes hundreds of files and a crash simply
//! means running it again; readers never see a partial file either way.)
//!
//! - Files are created with the user's normal permissions: mode 0666 less
//!   the umask, as any other program's files (a temporary file alone would
//!   be 0600, unreadable by colleagues).
//! - Temporary files are named `.permit-forms-<pid>-<random>.tmp`. They are
//!   removed when a write fails, by [`install_interrupt_cleanup`] when the
//!   run is interrupted (Ctrl-C, `kill`), and, for a process that was killed
//!   outright, by the next write into the same folder (the pid is dead).
//! - [`write_set`] replaces several files together (`records.jsonl` with
//!   `rejected.jsonl`): every temporary file is complete before the first
//!   rename, so a full disk leaves all the old files in place.
//! - [`OutputLock`] keeps two runs from writing one folder at once.
//! - A file name longer than the file system allows (255 bytes) is shortened
//!   ([`fit_file_name`]) instead of failing.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::io::Write;
#[cfg(unix)]
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Why an output (a letter, a report, a marked-up return) could not be
/// written: its renderer refused it, or the file system did.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The document could not be rendered.
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
    /// A file could not be written.
    #[error("{path}：无法写入（{source}）")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Prefix of every temporary file this tool creates.
const TEMP_PREFIX: &str = ".permit-forms-";
/// Suffix of every temporary file this tool creates.
const TEMP_SUFFIX: &str = ".tmp";
/// Name of the lock file of an output folder.
pub const LOCK_NAME: &str = ".permit-forms.lock";
/// Longest file name (bytes) most Linux file systems accept.
const MAX_NAME_BYTES: usize = 255;

/// Paths to remove if the process is interrupted: live temporary files and
/// held locks.
static LIVE: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

fn register(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.insert(path.to_path_buf());
    }
}

fn unregister(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.remove(path);
    }
}

/// Removes this process's temporary files and locks when it receives
/// SIGINT, SIGTERM or SIGHUP, then exits with status 130. Call once at the
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
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        let set_copy = set;
        std::thread::spawn(move || {
            let mut sig: libc::c_int = 0;
            if libc::sigwait(&set_copy, &mut sig) == 0 {
                if let Ok(live) = LIVE.lock() {
                    for p in live.iter() {
                        let _ = std::fs::remove_file(p);
                    }
                }
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
fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks the process exists.
    pid > 0
        && (unsafe { libc::kill(pid, 0) } == 0
            || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM))
}

/// Whether a process with this id is running: without a portable check
/// (Windows), only this process counts as running, so a lock or temporary
/// file left by a run that was closed is taken as stale.
#[cfg(not(unix))]
fn alive(pid: i32) -> bool {
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

/// A complete temporary file beside its target, not yet renamed.
struct Staged {
    tmp: PathBuf,
    target: PathBuf,
}

impl Drop for Staged {
    fn drop(&mut self) {
        // After a successful rename the temporary path no longer exists.
        let _ = std::fs::remove_file(&self.tmp);
        unregister(&self.tmp);
    }
}

fn stage(path: &Path, bytes: &[u8]) -> std::io::Result<Staged> {
    let target = fit_file_name(path);
    let parent = parent_of(&target);
    std::fs::create_dir_all(parent)?;
    let pid = std::process::id();
    for attempt in 0u32..100 {
        let nonce: u32 = rand_u32() ^ attempt;
        let tmp = parent.join(format!("{TEMP_PREFIX}{pid}-{nonce:08x}{TEMP_SUFFIX}"));
        register(&tmp);
        // 0666: the kernel takes the umask off, as for any new file.
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o666);
        let file = options.open(&tmp);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                unregister(&tmp);
                continue;
            }
            Err(e) => {
                unregister(&tmp);
                return Err(e);
            }
        };
        let staged = Staged { tmp, target };
        file.write_all(bytes)?;
        // Keep the permissions of a file being replaced (a folder shared on
        // purpose stays shared).
        #[cfg(unix)]
        if let Ok(meta) = std::fs::metadata(&staged.target) {
            let mode = meta.permissions().mode() & 0o777;
            let _ = file.set_permissions(std::fs::Permissions::from_mode(mode));
        }
        return Ok(staged);
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "无法创建临时文件"))
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
    );
    h.finish() as u32
}

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
    pub fn commit(self) -> std::io::Result<()> {
        for s in &self.staged {
            std::fs::rename(&s.tmp, &s.target)?;
        }
        Ok(())
    }
}

/// An exclusive claim on an output folder, held while a run writes it and
/// released when dropped. The lock file (`.permit-forms.lock`) holds the
/// process id; a lock left by a process that no longer runs is taken over.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
}

/// Why an output folder could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds the folder.
    #[error("另一个 permit-forms 进程（进程号 {pid}）正在写入文件夹 {dir}，请等它结束后再运行")]
    Busy {
        /// The folder.
        dir: String,
        /// The process holding it.
        pid: i32,
    },
    /// The lock file could not be created.
    #[error("无法在文件夹 {dir} 中创建锁文件：{source}")]
    Io {
        /// The folder.
        dir: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl OutputLock {
    /// Claims `dir` (created when missing).
    ///
    /// # Errors
    /// [`LockError::Busy`] when another running process holds it;
    /// [`LockError::Io`] when the folder or lock file cannot be created.
    pub fn acquire(dir: &Path) -> Result<OutputLock, LockError> {
        let io = |source| LockError::Io { dir: dir.display().to_string(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        let path = dir.join(LOCK_NAME);
        for _ in 0..3 {
            register(&path);
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            options.mode(0o666);
            match options.open(&path) {
                Ok(mut f) => {
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(OutputLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    unregister(&path);
                    let holder =
                        std::fs::read_to_string(&path).ok().and_then(|s| s.trim().parse::<i32>().ok());
                    match holder {
                        Some(pid) if alive(pid) => {
                            return Err(LockError::Busy { dir: dir.display().to_string(), pid })
                        }
                        // Stale (the holder died) or being written right now:
                        // a lock without a pid yet is given a moment.
                        None => std::thread::sleep(std::time::Duration::from_millis(50)),
                        Some(_) => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => {
                    unregister(&path);
                    return Err(io(e));
                }
            }
        }
        let pid = std::fs::read_to_string(&path).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0);
        Err(LockError::Busy { dir: dir.display().to_string(), pid })
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        unregister(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

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

    #[test]
    fn a_second_lock_is_refused_while_the_first_is_held() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputLock::acquire(dir.path()).unwrap();
        let err = OutputLock::acquire(dir.path()).unwrap_err();
        assert!(err.to_string().contains("正在写入"), "{err}");
        drop(first);
        let again = OutputLock::acquire(dir.path()).unwrap();
        drop(again);
        assert!(names(dir.path()).is_empty());
        // A lock left by a dead process is taken over.
        std::fs::write(dir.path().join(LOCK_NAME), "999999999").unwrap();
        assert!(OutputLock::acquire(dir.path()).is_ok());
    }
}
