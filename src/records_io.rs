//! Reading `records.jsonl`, the ingester's output, for `consolidate` and
//! `report`.

use std::path::{Path, PathBuf};

use crate::record::Record;

/// File name of the records inside an ingest output folder.
pub const RECORDS_FILE: &str = "records.jsonl";

/// Why the records could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// `DIR/records.jsonl` does not exist.
    #[error("找不到 {}：请先运行 permit-forms ingest … --out {} 生成记录", .file.display(), .dir.display())]
    Missing {
        /// The folder given.
        dir: PathBuf,
        /// The file looked for.
        file: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("无法读取 {}：{source}", .file.display())]
    Io {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A line is not a valid record.
    #[error("{}:{line}：不是有效的记录（{message}）", .file.display())]
    BadLine {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The parser's message.
        message: String,
    },
}

/// Reads `dir/records.jsonl`: one record per non-blank line.
///
/// # Errors
/// [`LoadError::Missing`] when the file is absent (run ingest first),
/// [`LoadError::Io`] when it cannot be read (or is not UTF-8),
/// [`LoadError::BadLine`] for the first line that is not a record, with its
/// number.
///
/// # Examples
/// ```
/// let dir = tempfile::tempdir()?;
/// let err = permit_forms::records_io::load_records(dir.path()).unwrap_err();
/// assert!(err.to_string().contains("ingest"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn load_records(dir: &Path) -> Result<Vec<Record>, LoadError> {
    let file = dir.join(RECORDS_FILE);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(LoadError::Missing { dir: dir.to_path_buf(), file });
        }
        Err(source) => return Err(LoadError::Io { file, source }),
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            continue;
        }
        let rec: Record = serde_json::from_str(line).map_err(|e| LoadError::BadLine {
            file: file.clone(),
            line: i + 1,
            message: e.to_string(),
        })?;
        out.push(rec);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FormKind, Source};

    #[test]
    fn reads_lines_and_names_a_bad_one() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_records(dir.path()).unwrap_err();
        assert!(matches!(err, LoadError::Missing { .. }));
        assert!(err.to_string().contains("ingest"), "{err}");

        let r = Record::empty(
            FormKind::Plan,
            Source { file: "a.xlsx".into(), sheet: "S".into(), sha256: "0".into() },
        );
        let line = serde_json::to_string(&r).unwrap();
        std::fs::write(dir.path().join(RECORDS_FILE), format!("{line}\n\n{line}\n")).unwrap();
        assert_eq!(load_records(dir.path()).unwrap().len(), 2);

        std::fs::write(dir.path().join(RECORDS_FILE), format!("{line}\n{{\"kind\":\"x\"}}\n")).unwrap();
        let err = load_records(dir.path()).unwrap_err();
        assert!(matches!(err, LoadError::BadLine { line: 2, .. }), "{err}");
        assert!(err.to_string().contains("records.jsonl:2"), "{err}");
    }
}
