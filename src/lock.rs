//! One run at a time per review folder: a kernel file lock on
//! `DIR/.permit-forms.lock`, held for the whole run.
//!
//! - The lock is the operating system's (`flock` on Unix, `LockFileEx` on
//!   Windows, through [`std::fs::File::lock`]): when the holder dies,
//!   however it dies, the kernel lets go. A stale lock cannot exist.
//! - The holder writes who it is (process id, host, start time, verb) to
//!   `DIR/.permit-forms-holder.json` beside the lock, so a second run can say
//!   which run it is waiting for or refusing because of.
//! - One lock covers the whole folder: the ledger `DIR/审核台账.xlsx` and
//!   every dated folder. Within one process the lock is re-entrant: a second
//!   [`lock_review_dir`] of a folder this process already holds shares the
//!   first claim (the `review` verb takes it, and the ledger code under it may
//!   ask again).
//! - The lock file is removed when the last claim is dropped; a run that
//!   opened the old file while it was being removed notices (the path no
//!   longer names the file it locked) and tries again.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Name of the lock file in a review folder.
pub const LOCK_NAME: &str = ".permit-forms.lock";
/// Name of the file beside the lock that says who holds it.
pub const HOLDER_NAME: &str = ".permit-forms-holder.json";

/// Who holds a review folder (the content of [`HOLDER_NAME`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Process id.
    pub pid: u32,
    /// Host name (a folder on a network share may be held from another
    /// computer).
    pub host: String,
    /// When the run started, UTC, `YYYY-MM-DD HH:MM:SS`.
    pub started: String,
    /// The verb the run was started with (`review`, `ingest`, …).
    pub verb: String,
}

impl Holder {
    /// This process.
    fn me() -> Holder {
        Holder {
            pid: std::process::id(),
            host: host_name(),
            started: chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string(),
            verb: std::env::args().nth(1).unwrap_or_default(),
        }
    }

    fn describe_zh(&self) -> String {
        let verb = if self.verb.is_empty() { String::new() } else { format!("{}，", self.verb) };
        format!("{verb}进程号 {}，主机 {}，开始于 {} UTC", self.pid, self.host, self.started)
    }
}

/// Why a review folder could not be claimed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another run holds the folder (and waiting, if asked, did not help).
    #[error("审核文件夹 {dir} 正被另一次运行占用（{}），请等它结束后再运行，或加 --wait 等待", holder_zh(.holder))]
    Busy {
        /// The folder.
        dir: String,
        /// Who holds it, when it said so.
        holder: Option<Holder>,
    },
    /// The folder or its lock file could not be created or locked.
    #[error("无法锁定审核文件夹 {dir}：{source}")]
    Io {
        /// The folder.
        dir: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn holder_zh(h: &Option<Holder>) -> String {
    match h {
        Some(h) => h.describe_zh(),
        None => "运行信息未知".into(),
    }
}

/// A claim on a review folder, held until dropped (the kernel lock is
/// released with the file handle). Clones share one claim.
#[derive(Debug, Clone)]
pub struct ReviewLock {
    inner: Arc<Held>,
}

impl ReviewLock {
    /// The folder this lock holds.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }
}

#[derive(Debug)]
struct Held {
    /// The folder as canonicalised (the key of [`HELD`]).
    dir: PathBuf,
    /// The open, locked lock file.
    _file: File,
}

impl Drop for Held {
    fn drop(&mut self) {
        let lock = self.dir.join(LOCK_NAME);
        let holder = self.dir.join(HOLDER_NAME);
        // Removed while still locked (the handle closes after this), so a
        // waiting run never reads the details of a finished one as current.
        let _ = std::fs::remove_file(&holder);
        let _ = std::fs::remove_file(&lock);
        crate::output::unregister(&holder);
        crate::output::unregister(&lock);
        if let Ok(mut held) = HELD.lock() {
            if held.get(&self.dir).is_some_and(|w| w.strong_count() == 0) {
                held.remove(&self.dir);
            }
        }
    }
}

/// Folders this process holds.
static HELD: Mutex<BTreeMap<PathBuf, Weak<Held>>> = Mutex::new(BTreeMap::new());

/// Claims the review folder `dir` (created when missing) for this run, or
/// refuses at once when another run holds it.
///
/// # Errors
/// [`LockError::Busy`] naming the other run; [`LockError::Io`] when the
/// folder or the lock file cannot be created.
pub fn lock_review_dir(dir: &Path) -> Result<ReviewLock, LockError> {
    lock_review_dir_waiting(dir, Some(Duration::ZERO))
}

/// As [`lock_review_dir`], waiting for another run to finish: up to `wait`,
/// or as long as it takes when `None`.
///
/// # Errors
/// As [`lock_review_dir`]; `Busy` once the wait is over.
pub fn lock_review_dir_waiting(dir: &Path, wait: Option<Duration>) -> Result<ReviewLock, LockError> {
    let io = |source| LockError::Io { dir: dir.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(io)?;
    let canon = std::fs::canonicalize(dir).map_err(io)?;
    let start = Instant::now();
    loop {
        // The map is not held while waiting: a claim being dropped on
        // another thread needs it to finish letting go.
        {
            let mut held = HELD.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(inner) = held.get(&canon).and_then(Weak::upgrade) {
                return Ok(ReviewLock { inner });
            }
            if let Some(file) = try_once(&canon).map_err(io)? {
                let holder_path = canon.join(HOLDER_NAME);
                crate::output::register(&holder_path);
                let details = serde_json::to_vec_pretty(&Holder::me()).unwrap_or_default();
                // Best effort: the details only improve another run's message.
                let _ = crate::output::write_atomic(&holder_path, &details);
                let inner = Arc::new(Held { dir: canon.clone(), _file: file });
                held.insert(canon, Arc::downgrade(&inner));
                return Ok(ReviewLock { inner });
            }
        }
        if wait.is_some_and(|w| start.elapsed() >= w) {
            // The holder writes its details just after it takes the lock:
            // give it a moment, so that the message can name it.
            let mut holder = read_holder(&canon);
            for _ in 0..20 {
                if holder.is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
                holder = read_holder(&canon);
            }
            return Err(LockError::Busy { dir: dir.display().to_string(), holder });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Opens and tries to lock `dir`'s lock file once: `None` when another run
/// holds it.
fn try_once(dir: &Path) -> std::io::Result<Option<File>> {
    let path = dir.join(LOCK_NAME);
    crate::output::register(&path);
    let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(None),
        Err(TryLockError::Error(e)) => return Err(e),
    }
    // The previous holder may have removed the file between our open and
    // our lock: then we locked a file nobody else will ever look at.
    if same_file(&file, &path) {
        Ok(Some(file))
    } else {
        Ok(None)
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    // Windows does not remove a file that is open without delete sharing,
    // so the path still names the file we hold.
    path.exists()
}

fn read_holder(dir: &Path) -> Option<Holder> {
    let bytes = std::fs::read(dir.join(HOLDER_NAME)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(unix)]
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most
    // that many bytes.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    if ok {
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    }
}

#[cfg(not(unix))]
fn host_name() -> String {
    std::env::var("COMPUTERNAME").unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::output::sorted_names as names;

    #[test]
    fn a_lock_is_reentrant_in_one_process_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_review_dir(dir.path()).unwrap();
        assert_eq!(names(dir.path()), [HOLDER_NAME, LOCK_NAME]);
        let holder = read_holder(dir.path()).unwrap();
        assert_eq!(holder.pid, std::process::id());
        let second = lock_review_dir(dir.path()).unwrap();
        drop(first);
        assert_eq!(names(dir.path()), [HOLDER_NAME, LOCK_NAME], "still held by the second claim");
        drop(second);
        assert!(names(dir.path()).is_empty());
        drop(lock_review_dir(dir.path()).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_held_by_another_process_is_refused_naming_it_and_freed_when_it_dies() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(HOLDER_NAME),
            r#"{"pid":4242,"host":"办公室","started":"2017-05-11 09:00:00","verb":"review"}"#,
        )
        .unwrap();
        // flock(1) takes the same kernel lock as File::lock.
        let mut child = std::process::Command::new("flock")
            .arg("-o")
            .arg(dir.path().join(LOCK_NAME))
            .args(["sleep", "30"])
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !dir.path().join(LOCK_NAME).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(100));
        let err = lock_review_dir(dir.path()).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("正被另一次运行占用") && msg.contains("4242") && msg.contains("review"),
            "{msg}"
        );
        let t = Instant::now();
        assert!(lock_review_dir_waiting(dir.path(), Some(Duration::from_millis(300))).is_err());
        assert!(t.elapsed() >= Duration::from_millis(300));
        // Killed outright: the kernel lets go, no stale lock.
        child.kill().unwrap();
        child.wait().unwrap();
        let lock = lock_review_dir_waiting(dir.path(), Some(Duration::from_secs(5))).unwrap();
        assert_eq!(read_holder(dir.path()).unwrap().pid, std::process::id());
        drop(lock);
    }
}
