//! The walk over the inputs: which files to read, in a stable order, and an
//! account of every other entry.
//!
//! - Folders are walked in sorted byte order of names (never the file
//!   system's order).
//! - Symbolic links are followed, but a folder already walked (the same
//!   device and inode) is not walked again, so a link loop ends and a folder
//!   reached twice gives its files once.
//! - Only regular files are read: a named pipe, socket or device is
//!   rejected without being opened (opening a pipe would wait for ever).
//! - The same file reached twice (`a.xlsx`, `./a.xlsx`, an absolute path, a
//!   link or a hard link) is read once; the other names are skipped.
//! - Names that are not UTF-8 are shown decoded as GBK when they read as
//!   GBK (as zip members are), else with the odd bytes as `\xNN`, so two
//!   such files stay distinguishable in `source.file`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::record::Rejected;

/// One file to read: the name shown to the user and where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// The path as given, joined with the path inside a given folder.
    pub shown: String,
    /// Where to read it.
    pub path: PathBuf,
}

/// An entry that is neither read nor rejected, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Skipped {
    /// The path as shown.
    pub file: String,
    /// Why, in Chinese.
    pub reason: String,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walk {
    /// Regular files to read, in walk order.
    pub files: Vec<Input>,
    /// Entries rejected without reading (missing, not a regular file).
    pub rejected: Vec<Rejected>,
    /// Entries passed over on purpose (lock files, duplicates).
    pub skipped: Vec<Skipped>,
}

/// Reason given for an Excel/WPS/LibreOffice lock file.
pub const LOCK_FILE_REASON: &str = "Excel/WPS 打开文件时留下的锁定文件";
/// Reason given for a file reached a second time.
pub const DUPLICATE_REASON: &str = "与已读取的文件是同一个文件";

/// Reason given for a link to a folder already walked.
pub const LOOP_REASON: &str = "指向已读取文件夹的链接（不重复读取）";

/// A path as text, one name at a time: UTF-8 as is; a name that is not
/// UTF-8 but reads as GBK (a Chinese Windows zip or share) decoded; any
/// other bytes as `\xNN`.
pub fn shown(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let parts: Vec<String> = bytes.split(|&b| b == b'/').map(shown_name).collect();
    parts.join("/")
}

fn shown_name(bytes: &[u8]) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    if let Some(s) = encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes) {
        return s.into_owned();
    }
    shown_bytes(bytes)
}

/// A name given as bytes (a zip member's, or a path's as the system encodes
/// it) as text: UTF-8 as is, other bytes as `\xNN`.
pub fn shown_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

fn is_lock_file(name: &str) -> bool {
    name.starts_with("~$") || name.starts_with(".~lock.")
}

/// Reason given for the review folder met inside the returns.
pub const REVIEW_DIR_REASON: &str = "审核输出文件夹（review 的 --out），其中的文件不作为退回表格读取";

/// Walks the inputs in the order given.
pub fn walk(inputs: &[PathBuf]) -> Walk {
    walk_excluding(inputs, None)
}

/// As [`walk`], passing over the review folder `review_dir` wherever the
/// walk meets it (one line in `skipped`), and a given input that lies in
/// one of its parts the tool writes (a dated folder, `.permit-forms-…`, the
/// ledger). Returns kept in a folder under `review_dir` (as the demo does)
/// are read.
pub fn walk_excluding(inputs: &[PathBuf], review_dir: Option<&Path>) -> Walk {
    let mut w = Walker::default();
    let canon = review_dir.and_then(|d| std::fs::canonicalize(d).ok());
    if let Some((d, m)) = canon.as_deref().and_then(|d| std::fs::metadata(d).ok().map(|m| (d, m))) {
        w.review_dir = Some(file_key(d, &m));
    }
    for input in inputs {
        let show = shown(input);
        if canon.as_deref().is_some_and(|d| in_tool_part(d, input)) {
            w.out.skipped.push(Skipped { file: show, reason: REVIEW_DIR_REASON.into() });
            continue;
        }
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => w.dir(input, &show, &m),
            Ok(m) => w.file(input, show, &m),
            Err(_) if std::fs::symlink_metadata(input).is_ok() => {
                w.out.rejected.push(rejected(show, "符号链接指向的文件不存在"));
            }
            Err(_) => w.out.rejected.push(rejected(show, "找不到该文件或文件夹")),
        }
    }
    w.out
}

/// Whether `input` is the review folder `dir` (canonical) or lies in a part
/// of it the tool writes.
fn in_tool_part(dir: &Path, input: &Path) -> bool {
    let Ok(canon) = std::fs::canonicalize(input) else { return false };
    let Ok(rest) = canon.strip_prefix(dir) else { return false };
    let Some(first) = rest.components().next() else { return true };
    let first = first.as_os_str().to_string_lossy();
    chrono::NaiveDate::parse_from_str(&first, "%Y-%m-%d").is_ok()
        || first.starts_with(".permit-forms-")
        || first == "审核台账.xlsx"
}

fn rejected(file: String, reason: &str) -> Rejected {
    Rejected { file, reason: reason.into(), detail: None, sha256: None }
}

/// What makes two paths the same file: the device and inode on Unix.
#[cfg(unix)]
type FileKey = (u64, u64);
/// What makes two paths the same file: elsewhere (Windows), the canonical
/// path (a hard link reached under two names is then read twice).
#[cfg(not(unix))]
type FileKey = PathBuf;

#[cfg(unix)]
fn file_key(_path: &Path, m: &std::fs::Metadata) -> FileKey {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn file_key(path: &Path, _m: &std::fs::Metadata) -> FileKey {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[derive(Default)]
struct Walker {
    out: Walk,
    dirs: BTreeSet<FileKey>,
    files: BTreeSet<FileKey>,
    /// The review folder's key.
    review_dir: Option<FileKey>,
}

impl Walker {
    fn file(&mut self, path: &Path, show: String, m: &std::fs::Metadata) {
        if !m.is_file() {
            self.out.rejected.push(rejected(show, "不是普通文件（命名管道、设备或套接字），未读取"));
        } else if !self.files.insert(file_key(path, m)) {
            self.out.skipped.push(Skipped { file: show, reason: DUPLICATE_REASON.into() });
        } else {
            self.out.files.push(Input { shown: show, path: path.to_path_buf() });
        }
    }

    fn dir(&mut self, dir: &Path, show: &str, m: &std::fs::Metadata) {
        if !self.dirs.insert(file_key(dir, m)) {
            // A link back to a folder being walked or already walked.
            self.out.skipped.push(Skipped { file: show.to_string(), reason: LOOP_REASON.into() });
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                self.out.rejected.push(Rejected {
                    file: show.to_string(),
                    reason: "无法读取文件夹".into(),
                    detail: Some(e.to_string()),
                    sha256: None,
                });
                return;
            }
        };
        let mut entries: Vec<(Vec<u8>, std::ffi::OsString)> = entries
            .filter_map(Result::ok)
            .map(|e| (e.file_name().as_encoded_bytes().to_vec(), e.file_name()))
            .collect();
        entries.sort();
        for (_, name) in entries {
            let path = dir.join(&name);
            let show = format!("{}/{}", show.trim_end_matches('/'), shown(Path::new(&name)));
            if is_lock_file(&name.to_string_lossy()) {
                self.out.skipped.push(Skipped { file: show, reason: LOCK_FILE_REASON.into() });
                continue;
            }
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() && self.review_dir.as_ref() == Some(&file_key(&path, &m)) => {
                    self.out.skipped.push(Skipped { file: show, reason: REVIEW_DIR_REASON.into() });
                }
                Ok(m) if m.is_dir() => self.dir(&path, &show, &m),
                Ok(m) => self.file(&path, show, &m),
                Err(_) => self.out.rejected.push(rejected(show, "符号链接指向的文件不存在")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::ffi::OsStr;

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_are_decoded_as_gbk_or_stay_distinct() {
        use std::os::unix::ffi::OsStrExt;
        // 报表 in GBK, beside a UTF-8 folder name.
        let gbk = shown(Path::new(OsStr::from_bytes(b"\xe9\x80\x80\xe5\x9b\x9e/\xB1\xA8\xB1\xED.xlsx")));
        assert_eq!(gbk, "退回/报表.xlsx");
        let a = shown(Path::new(OsStr::from_bytes(b"r/\xB1\xFF.xlsx")));
        let b = shown(Path::new(OsStr::from_bytes(b"r/\xB1\xFE.xlsx")));
        assert_eq!(a, "r/\\xB1\\xFF.xlsx");
        assert_ne!(a, b);
    }
}
