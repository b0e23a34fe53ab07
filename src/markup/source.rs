//! Provenance: where a record's values were read. Each record keeps the A1
//! cell of every field (`Record::cells`); these helpers turn that into what
//! the consolidated workbook and the report show (`文件名!工作表!B7`, a
//! relative hyperlink to the return) and read the original texts back for
//! the marked-up returns.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use sha2::{Digest, Sha256};

use crate::ingest::read::{read_workbook, Value};
use crate::record::{Issue, Record};
use crate::render::xlsx::a1;

/// Parses an A1 address (`B7`, `AA12`, `$C$3`) into a 0-based (row, column).
pub fn parse_a1(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().replace('$', "");
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || !letters.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut col: u32 = 0;
    for c in letters.chars() {
        col = col.checked_mul(26)?.checked_add(c.to_ascii_uppercase() as u32 - 'A' as u32 + 1)?;
    }
    let row: u32 = digits.parse().ok()?;
    (row >= 1).then(|| (row - 1, col - 1))
}

/// The last component of a path as given (`returns/河北省/x.xlsx` → `x.xlsx`).
pub(crate) fn file_name_of(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Where a record's field was read, as text: `文件名!工作表!B7` (the file by
/// its name, as the region knows it). Without a cell for `field` (a record
/// written before provenance existed, a field not read) it is
/// `文件名!工作表`. `field` is a record path: `contact.name`,
/// `schedule[3].arrangement`.
pub fn source_label(record: &Record, field: &str) -> String {
    let base = format!("{}!{}", file_name_of(&record.source.file), record.source.sheet);
    match record.cells.get(field) {
        Some(cell) => format!("{base}!{cell}"),
        None => base,
    }
}

/// Where a finding points, as text: `文件名!工作表!B7` from the issue's own
/// cell, or `文件名!工作表` when it names none (for the 校验问题 sheet and the
/// report's findings).
pub fn issue_label(record: &Record, issue: &Issue) -> String {
    let base = format!("{}!{}", file_name_of(&record.source.file), record.source.sheet);
    match &issue.cell {
        Some(cell) => format!("{base}!{cell}"),
        None => base,
    }
}

/// A relative path (with `/`) from `workbook_dir` to the record's return,
/// for a hyperlink in a workbook saved in that folder; `None` when the return
/// is not reachable (moved, or `source.file` is relative to a folder that is
/// not the current one). Both are resolved against the current directory.
pub fn source_link(record: &Record, workbook_dir: &Path) -> Option<String> {
    file_link(&record.source.file, workbook_dir)
}

/// Like [`source_link`], for a file path as recorded in `source.file`.
pub fn file_link(file: &str, workbook_dir: &Path) -> Option<String> {
    let target = std::fs::canonicalize(file).ok()?;
    let dir = if workbook_dir.as_os_str().is_empty() { Path::new(".") } else { workbook_dir };
    let base = std::fs::canonicalize(dir).ok()?;
    relative_path(&base, &target)
}

/// `target` relative to the folder `base` (both absolute), `/`-separated.
fn relative_path(base: &Path, target: &Path) -> Option<String> {
    let b: Vec<Component> = base.components().collect();
    let t: Vec<Component> = target.components().collect();
    // Different roots (another drive) cannot be reached relatively.
    if b.first() != t.first() {
        return None;
    }
    let common = b.iter().zip(&t).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(t[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Rules whose finding means the record could not keep the value as written.
const LOST_VALUE_RULES: &[&str] = &[
    "period.invalid",
    "submitted_on.invalid",
    "status.multiple",
    "schedule.period_invalid",
    "task.not_region",
];

/// The texts of the record's cells in its original file, by field path (and
/// by `@A1` for the cells of findings; `@A1>arrangement` for the 试点任务安排
/// of a plan row whose 时间 at A1 was unreadable), when the file is reachable at
/// the path it was read from ([`Record::read_path`]) and its bytes still
/// have the recorded SHA-256. Read only
/// when a finding says a value was lost; empty otherwise.
pub fn original_texts(record: &Record) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if !record.issues.iter().any(|i| LOST_VALUE_RULES.contains(&i.rule.id())) {
        return out;
    }
    let Ok(bytes) = std::fs::read(record.read_path()) else { return out };
    let sha: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    if sha != record.source.sha256 {
        return out;
    }
    let Ok(wb) = read_workbook(&bytes) else { return out };
    let Some(sheet) = wb.sheets.iter().find(|s| s.name == record.source.sheet) else { return out };
    let text_at = |a1: &str| -> Option<String> {
        let (r, c) = parse_a1(a1)?;
        let (r, c) = (r.checked_sub(sheet.origin.0)?, c.checked_sub(sheet.origin.1)?);
        match sheet.get(r as usize, c as usize) {
            Value::Empty => None,
            v => Some(v.text()),
        }
    };
    for (path, cell) in &record.cells {
        if let Some(t) = text_at(cell) {
            out.insert(path.clone(), t);
        }
    }
    // The column of the plan's 试点任务安排, for the rows whose 时间 was unreadable.
    let arrangement_col = record
        .cells
        .iter()
        .find(|(k, _)| k.ends_with("].arrangement"))
        .and_then(|(_, c)| parse_a1(c))
        .map(|(_, c)| c);
    for i in &record.issues {
        if let Some(cell) = i.cell.as_ref().map(ToString::to_string) {
            let cell = cell.as_str();
            if let Some(t) = text_at(cell) {
                out.insert(format!("@{cell}"), t);
            }
            if i.rule == crate::record::Rule::SchedulePeriodInvalid {
                let row = parse_a1(cell).map(|(r, _)| r);
                if let Some(t) = row.zip(arrangement_col).and_then(|(r, c)| text_at(&a1(r, c as u16))) {
                    out.insert(format!("@{cell}>arrangement"), t);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FormKind, Severity, Source};

    #[test]
    fn a1_addresses_parse() {
        assert_eq!(parse_a1("A1"), Some((0, 0)));
        assert_eq!(parse_a1("B7"), Some((6, 1)));
        assert_eq!(parse_a1("$AA$12"), Some((11, 26)));
        assert_eq!(parse_a1("7B"), None);
        assert_eq!(parse_a1("A0"), None);
        assert_eq!(parse_a1(""), None);
        assert_eq!(crate::render::xlsx::a1(11, 26), "AA12");
    }

    #[test]
    fn source_labels_name_file_sheet_and_cell() {
        let src = Source {
            file: "returns/河北省/x.xlsx".into(),
            sheet: "附3 试点工作进展表".into(),
            sha256: "0".into(),
        };
        let mut r = Record::empty(FormKind::Progress, src);
        r.cells.insert("contact.name".into(), "B11".into());
        assert_eq!(source_label(&r, "contact.name"), "x.xlsx!附3 试点工作进展表!B11");
        assert_eq!(source_label(&r, "status"), "x.xlsx!附3 试点工作进展表");
        let i = Issue {
            severity: Severity::Warning,
            rule: crate::record::Rule::SubmittedOnLate,
            field: "submitted_on".into(),
            cell: Some(crate::record::CellRef::at(12, 3)),
            message: String::new(),
            compared: None,
        };
        assert_eq!(issue_label(&r, &i), "x.xlsx!附3 试点工作进展表!D13");
        assert_eq!(issue_label(&r, &Issue { cell: None, ..i }), "x.xlsx!附3 试点工作进展表");
    }

    #[test]
    fn relative_paths_climb_and_descend() {
        let rel = relative_path(Path::new("/a/out"), Path::new("/a/returns/河北省/x.xlsx"));
        assert_eq!(rel.as_deref(), Some("../returns/河北省/x.xlsx"));
        let rel = relative_path(Path::new("/a"), Path::new("/a/x.xlsx"));
        assert_eq!(rel.as_deref(), Some("x.xlsx"));
    }

    #[test]
    fn source_link_reaches_an_existing_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let returns = dir.path().join("returns");
        std::fs::create_dir_all(&returns).unwrap();
        let file = returns.join("x.xlsx");
        std::fs::write(&file, b"x").unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(&out).unwrap();
        let src = Source { file: file.to_string_lossy().into_owned(), sheet: "s".into(), sha256: "0".into() };
        let r = Record::empty(FormKind::Progress, src);
        assert_eq!(source_link(&r, &out).as_deref(), Some("../returns/x.xlsx"));
        let gone = Record::empty(
            FormKind::Progress,
            Source {
                file: returns.join("y.xlsx").to_string_lossy().into_owned(),
                sheet: "s".into(),
                sha256: "0".into(),
            },
        );
        assert_eq!(source_link(&gone, &out), None);
    }
}
