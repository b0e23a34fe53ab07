//! A document set swapped in whole: a folder of outputs (a month's dated
//! folder, a letters folder) is written beside the old one and replaces it
//! at the end, so an interrupted run leaves the complete previous set or the
//! complete new one, never a gap.
//!
//! - [`DocumentSet::begin`] makes a staging folder beside the target
//!   (`.permit-forms-set-<pid>-<n>`); the run writes every file there
//!   ([`DocumentSet::staging`], [`DocumentSet::write`]).
//! - [`DocumentSet::commit`] writes the manifest
//!   (`.permit-forms-manifest.json`: each file the tool wrote, with its
//!   SHA-256) and swaps the staging folder in. What the tool did not write —
//!   a file of the old set that is not in the old manifest, or whose bytes
//!   no longer match it (a clerk's edited or renamed letter, a note) — is
//!   carried over untouched into the new set and listed in [`SetCommit`];
//!   when its name is taken by a new file it is kept as `名称（已修改）.docx`.
//!   Files of the old set nobody changed are simply replaced or gone.
//! - Interrupted (SIGINT, SIGTERM, a full disk), the staging folder is
//!   removed; killed outright, the next set begun in the same folder removes
//!   it (the caller holds the review folder's lock, so no live run owns it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::lock::ReviewLock;

/// Name of the manifest in a set folder.
pub const MANIFEST_NAME: &str = ".permit-forms-manifest.json";
/// Prefix of staging folders.
const STAGING_PREFIX: &str = ".permit-forms-set-";
/// Prefix of an old set moved aside during the swap.
const OLD_PREFIX: &str = ".permit-forms-old-";

/// The manifest: which files of a set folder the tool wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Path inside the set (`/`-separated) → SHA-256 of the bytes, hex.
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    /// Reads the manifest of the set folder `dir`; `None` when it has none
    /// or it cannot be read.
    pub fn read(dir: &Path) -> Option<Manifest> {
        let bytes = std::fs::read(dir.join(MANIFEST_NAME)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Whether `rel` (inside the set) holds exactly what the tool wrote.
    pub fn is_unchanged(&self, dir: &Path, rel: &str) -> bool {
        self.files.get(rel).is_some_and(|h| std::fs::read(dir.join(rel)).is_ok_and(|b| &sha256_hex(&b) == h))
    }
}

/// The SHA-256 of every file the manifests of the set folders directly
/// under `dir` (a review folder's dated folders) list.
pub fn written_under(dir: &Path) -> std::collections::BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Default::default() };
    entries.flatten().filter_map(|e| Manifest::read(&e.path())).flat_map(|m| m.files.into_values()).collect()
}

/// SHA-256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A set of documents being written ([`DocumentSet::begin`]); dropped
/// without [`DocumentSet::commit`], the staging folder is removed and the
/// old set stays as it was.
#[derive(Debug)]
pub struct DocumentSet<'a> {
    target: PathBuf,
    staging: PathBuf,
    _lock: &'a ReviewLock,
}

/// What [`DocumentSet::commit`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetCommit {
    /// Files the tool wrote (paths inside the set), sorted.
    pub written: Vec<String>,
    /// Files of the old set the tool did not write or that were changed
    /// since, carried over: (old path, path in the new set), inside the set.
    pub carried: Vec<(String, String)>,
}

impl SetCommit {
    /// One line per carried file, for the terminal (empty when none).
    pub fn summary_zh(&self) -> Vec<String> {
        self.carried
            .iter()
            .map(|(from, to)| {
                if from == to {
                    format!("保留了非本工具生成或已被改动的文件：{to}")
                } else {
                    format!("保留了已被改动的文件 {from}，改名为 {to}（原名已由新生成的文件使用）")
                }
            })
            .collect()
    }
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn unique_beside(parent: &Path, prefix: &str) -> PathBuf {
    let pid = std::process::id();
    let mut n = 0u32;
    loop {
        let p = parent.join(format!("{prefix}{pid}-{n}"));
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

impl<'a> DocumentSet<'a> {
    /// Begins a new set for the folder `target` (which may not exist yet),
    /// under `lock` (the review folder holding it): makes an empty staging
    /// folder beside it, after removing staging folders that killed runs
    /// left there and putting back an old set a killed swap moved aside.
    ///
    /// # Errors
    /// The staging folder cannot be made.
    pub fn begin(lock: &'a ReviewLock, target: &Path) -> std::io::Result<DocumentSet<'a>> {
        let parent = parent_of(target);
        std::fs::create_dir_all(&parent)?;
        recover(&parent, target);
        let _gate = super::GATE.read();
        let staging = unique_beside(&parent, STAGING_PREFIX);
        super::register(&staging);
        if let Err(e) = std::fs::create_dir(&staging) {
            super::unregister(&staging);
            return Err(e);
        }
        Ok(DocumentSet { target: target.to_path_buf(), staging, _lock: lock })
    }

    /// The staging folder: write the set's files under it.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The folder the set becomes on commit.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes `bytes` to `rel` inside the set (folders created); returns the
    /// path written (in the staging folder).
    ///
    /// # Errors
    /// Any I/O error.
    pub fn write(&self, rel: impl AsRef<Path>, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let path = self.staging.join(rel);
        super::write_atomic(&path, bytes)?;
        Ok(super::fit_file_name(&path))
    }

    /// Writes the manifest, carries over what the tool did not write, and
    /// swaps the new set in for the old.
    ///
    /// # Errors
    /// Any I/O error; the old set is then left as it was.
    pub fn commit(self) -> std::io::Result<SetCommit> {
        self.commit_with(&|_, _| false)
    }

    /// As [`DocumentSet::commit`]; an old set without a manifest (written
    /// by an earlier version of the tool) counts a file as the tool's when
    /// `legacy_own(path inside the set, file)` says so.
    ///
    /// # Errors
    /// As [`DocumentSet::commit`].
    pub fn commit_with(self, legacy_own: &dyn Fn(&str, &Path) -> bool) -> std::io::Result<SetCommit> {
        let mut manifest = Manifest::default();
        for rel in files_under(&self.staging)? {
            let bytes = std::fs::read(self.staging.join(&rel))?;
            manifest.files.insert(rel, sha256_hex(&bytes));
        }
        let mut result = SetCommit { written: manifest.files.keys().cloned().collect(), carried: Vec::new() };
        if self.target.is_dir() {
            let old = Manifest::read(&self.target);
            for rel in files_under(&self.target)? {
                let tools = match &old {
                    Some(m) => m.is_unchanged(&self.target, &rel),
                    None => legacy_own(&rel, &self.target.join(&rel)),
                };
                if rel == MANIFEST_NAME || tools {
                    continue;
                }
                let mut to = rel.clone();
                if manifest.files.contains_key(&to) {
                    to = free_name(&self.staging, &rel);
                }
                let dest = self.staging.join(&to);
                std::fs::create_dir_all(parent_of(&dest))?;
                std::fs::copy(self.target.join(&rel), &dest)?;
                result.carried.push((rel, to));
            }
        }
        let json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
        super::write_atomic(&self.staging.join(MANIFEST_NAME), &json)?;
        self.swap()?;
        Ok(result)
    }

    /// Puts the staging folder where the target was, the target's old
    /// content moved aside and removed after. An interrupt waits for the two
    /// renames ([`super::GATE`]).
    fn swap(&self) -> std::io::Result<()> {
        let parent = parent_of(&self.target);
        let aside = unique_beside(&parent, OLD_PREFIX);
        {
            let _gate = super::GATE.read();
            let had_old = self.target.exists();
            if had_old {
                std::fs::rename(&self.target, &aside)?;
            }
            if let Err(e) = std::fs::rename(&self.staging, &self.target) {
                if had_old {
                    let _ = std::fs::rename(&aside, &self.target);
                }
                return Err(e);
            }
            super::unregister(&self.staging);
            if had_old {
                super::register(&aside);
            }
        }
        let _ = std::fs::remove_dir_all(&aside);
        super::unregister(&aside);
        Ok(())
    }
}

impl Drop for DocumentSet<'_> {
    fn drop(&mut self) {
        // After a commit the staging folder is the target and no longer
        // registered; otherwise it is this run's unfinished set.
        if self.staging.exists() {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
        super::unregister(&self.staging);
    }
}

/// Removes in `parent` the staging folders of runs that were killed, and
/// puts back an old set a killed swap moved aside when `target` is missing
/// (otherwise removes it). Only called under the review folder's lock.
fn recover(parent: &Path, target: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let mut aside: Vec<PathBuf> = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = |rest: &str| rest.split('-').next().and_then(|p| p.parse::<i32>().ok());
        if let Some(rest) = name.strip_prefix(STAGING_PREFIX) {
            if pid(rest).is_some_and(|p| p as u32 != std::process::id()) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        } else if let Some(rest) = name.strip_prefix(OLD_PREFIX) {
            if pid(rest).is_some_and(|p| p as u32 != std::process::id()) {
                aside.push(e.path());
            }
        }
    }
    aside.sort();
    for a in aside {
        if !target.exists() && a.join(MANIFEST_NAME).exists() {
            let _ = std::fs::rename(&a, target);
        } else {
            let _ = std::fs::remove_dir_all(&a);
        }
    }
}

/// Every file under `dir`, as `/`-separated paths relative to it, sorted;
/// this tool's temporary files left out.
fn files_under(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in std::fs::read_dir(dir.join(&rel))? {
            let e = e?;
            let name = e.file_name();
            let name_s = name.to_string_lossy();
            if name_s.starts_with(".permit-forms-") && name_s.ends_with(".tmp") {
                continue;
            }
            let child = rel.join(&name);
            let kind = e.file_type()?;
            if kind.is_dir() {
                stack.push(child);
            } else if kind.is_file() {
                let parts: Vec<String> =
                    child.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                out.push(parts.join("/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `rel` with `（已修改）` (and a number when needed) before its extension,
/// a name not yet used in `dir`.
fn free_name(dir: &Path, rel: &str) -> String {
    let (folder, name) = match rel.rsplit_once('/') {
        Some((f, n)) => (format!("{f}/"), n),
        None => (String::new(), rel),
    };
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    (1..)
        .map(|n| {
            let mark = if n == 1 { "（已修改）".to_string() } else { format!("（已修改{n}）") };
            format!("{folder}{stem}{mark}{ext}")
        })
        .find(|c| !dir.join(c).exists())
        .unwrap_or_else(|| rel.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::lock_review_dir;

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap()
    }

    #[test]
    fn a_set_replaces_the_tools_files_and_carries_over_the_clerks() {
        let root = tempfile::tempdir().unwrap();
        let lock = lock_review_dir(root.path()).unwrap();
        let target = root.path().join("2017-05-11");
        let set = DocumentSet::begin(&lock, &target).unwrap();
        set.write("退回意见/退回意见_山西省.docx", b"v1 shanxi").unwrap();
        set.write("退回意见/退回意见_河北省.docx", b"v1 hebei").unwrap();
        set.write("退回意见/退回意见_北京市.docx", b"v1 beijing").unwrap();
        assert!(!target.exists(), "nothing visible before the commit");
        let first = set.commit().unwrap();
        assert_eq!(first.written.len(), 3);
        assert!(first.carried.is_empty());
        // The clerk edits one letter, renames another, adds a note.
        std::fs::write(target.join("退回意见/退回意见_山西省.docx"), b"edited by the section chief").unwrap();
        std::fs::rename(
            target.join("退回意见/退回意见_河北省.docx"),
            target.join("退回意见/退回意见_河北省（科长已改）.docx"),
        )
        .unwrap();
        std::fs::write(target.join("备注.txt"), "电话已催").unwrap();
        let set = DocumentSet::begin(&lock, &target).unwrap();
        set.write("退回意见/退回意见_山西省.docx", b"v2 shanxi").unwrap();
        set.write("退回意见/退回意见_河北省.docx", b"v2 hebei").unwrap();
        let second = set.commit().unwrap();
        let fb = target.join("退回意见");
        assert_eq!(read(&fb.join("退回意见_山西省.docx")), "v2 shanxi");
        assert_eq!(read(&fb.join("退回意见_山西省（已修改）.docx")), "edited by the section chief");
        assert_eq!(read(&fb.join("退回意见_河北省（科长已改）.docx")), "v1 hebei");
        assert_eq!(read(&fb.join("退回意见_河北省.docx")), "v2 hebei");
        assert!(!fb.join("退回意见_北京市.docx").exists(), "an unchanged file of the old set is gone");
        assert_eq!(read(&target.join("备注.txt")), "电话已催");
        assert_eq!(
            second.carried,
            [
                ("备注.txt".to_string(), "备注.txt".to_string()),
                ("退回意见/退回意见_山西省.docx".into(), "退回意见/退回意见_山西省（已修改）.docx".into()),
                (
                    "退回意见/退回意见_河北省（科长已改）.docx".into(),
                    "退回意见/退回意见_河北省（科长已改）.docx".into()
                ),
            ]
        );
        // The carried files are not the tool's: the next run keeps them again, once.
        let set = DocumentSet::begin(&lock, &target).unwrap();
        set.write("退回意见/退回意见_山西省.docx", b"v2 shanxi").unwrap();
        let third = set.commit().unwrap();
        assert_eq!(third.carried.len(), 3, "{third:?}");
        assert!(!fb.join("退回意见_山西省（已修改2）.docx").exists());
        let mut left: Vec<String> = std::fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into())
            .collect();
        left.sort();
        assert_eq!(left, [".permit-forms-holder.json", ".permit-forms.lock", "2017-05-11"]);
    }

    #[test]
    fn a_dropped_set_leaves_the_old_one_and_no_staging_folder() {
        let root = tempfile::tempdir().unwrap();
        let lock = lock_review_dir(root.path()).unwrap();
        let target = root.path().join("set");
        let set = DocumentSet::begin(&lock, &target).unwrap();
        set.write("a.txt", b"old").unwrap();
        set.commit().unwrap();
        let set = DocumentSet::begin(&lock, &target).unwrap();
        set.write("a.txt", b"new").unwrap();
        drop(set);
        assert_eq!(read(&target.join("a.txt")), "old");
        // A killed run's staging folder and a swap killed half-way.
        std::fs::create_dir(root.path().join(format!("{STAGING_PREFIX}999999999-0"))).unwrap();
        std::fs::rename(&target, root.path().join(format!("{OLD_PREFIX}999999999-0"))).unwrap();
        let set = DocumentSet::begin(&lock, &target).unwrap();
        assert_eq!(read(&target.join("a.txt")), "old", "the set moved aside is put back");
        drop(set);
        let n = std::fs::read_dir(root.path()).unwrap().count();
        assert_eq!(n, 3, "set, lock and holder only");
    }
}
