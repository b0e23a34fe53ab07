//! Completeness checks of an edited templates folder, beyond what each
//! file's parser checks: a broken template is refused, not believed.
//!
//! - A form keeps every field the default form of its kind has (validation,
//!   tracking and the documents rely on each), every label is non-empty and
//!   the labels are distinct (the reader finds inputs by them), and a
//!   pick-one input keeps distinct, non-empty choices, as many as the
//!   default has (the words may be renamed: each stands for one status).
//! - Each problem names `file:line`: the line of the offending cell when it
//!   can be found in the text, else of the row, else 1.
//! - A template file is read as UTF-8 (a UTF-8 or UTF-16 byte-order mark is
//!   honoured); another encoding (GBK from Notepad) is refused naming the
//!   line of the first byte that is not UTF-8.

use std::collections::BTreeSet;

use crate::form::{Content, FormModel};
use crate::template_file::TemplateError;
use crate::text::line_of;

/// The text of a template file `file` from its bytes.
///
/// # Errors
/// [`TemplateError::Invalid`] naming the line of the first byte that is not
/// UTF-8.
pub fn decode(bytes: &[u8], file: &str) -> Result<String, TemplateError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode(rest, file);
    }
    let utf16 = |rest: &[u8], le: bool| -> Option<String> {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| match (c, le) {
                ([a, b], true) => Some(u16::from_le_bytes([*a, *b])),
                ([a, b], false) => Some(u16::from_be_bytes([*a, *b])),
                _ => None,
            })
            .collect::<Option<_>>()?;
        String::from_utf16(&units).ok()
    };
    let bom16 = match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => None,
    };
    if let Some(text) = bom16 {
        return Ok(text);
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t.to_string()),
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            Err(TemplateError::Invalid {
                file: file.to_string(),
                line,
                problem: "文件不是 UTF-8 编码（可能是 GBK 或 ANSI），请用记事本“另存为”并选择编码 UTF-8"
                    .into(),
            })
        }
    }
}

/// `err` with a line found in `text` when the parser gave none: the row a
/// message like `第3个[[row]]：…` names.
pub fn locate(err: TemplateError, text: &str) -> TemplateError {
    match err {
        TemplateError::Invalid { file, line: 0, problem } => {
            let line = row_line(text, &problem).unwrap_or(1);
            TemplateError::Invalid { file, line, problem }
        }
        other => other,
    }
}

/// The line of the n-th `[[row]]` / `[[footer]]` header a message names.
fn row_line(text: &str, problem: &str) -> Option<usize> {
    let rest = problem.strip_prefix('第')?;
    let (n, rest) = rest.split_once('个')?;
    let n: usize = n.parse().ok()?;
    let header = rest.split_once('：').map_or(rest, |(h, _)| h);
    let mut seen = 0;
    for (i, l) in text.lines().enumerate() {
        if l.trim() == header {
            seen += 1;
            if seen == n {
                return Some(i + 1);
            }
        }
    }
    None
}

/// First line of `text` containing `needle` (1 when none does).
fn line_with(text: &str, needle: &str) -> usize {
    text.find(needle).map_or(1, |at| line_of(text, at))
}

/// The line of a cell `field = "<path>"` in `text`.
fn field_line(text: &str, path: &str) -> usize {
    for pat in [format!("field = \"{path}\""), format!("field=\"{path}\""), format!("\"{path}\"")] {
        if text.contains(&pat) {
            return line_with(text, &pat);
        }
    }
    1
}

/// A label's text as the reader compares it (white space ignored).
fn norm(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The choices of an input cell (one place, should their form change).
fn choices_of(content: &Content) -> Option<&[String]> {
    match content {
        Content::Input { choices, .. } if !choices.is_empty() => Some(choices),
        _ => None,
    }
}

/// Checks the form `model` (the text `text` of `file`) against `reference`,
/// the default form of its kind.
///
/// # Errors
/// The first problem, with its line.
pub fn check_form(
    model: &FormModel,
    reference: &FormModel,
    text: &str,
    file: &str,
) -> Result<(), TemplateError> {
    let at = |line: usize, problem: String| TemplateError::Invalid { file: file.to_string(), line, problem };
    let cells = || model.rows.iter().chain(&model.footer).flat_map(|r| &r.cells);
    // Labels: non-empty, distinct (a person part's label, 姓名 under
    // 总负责人 and 联系人, is told apart by its block: distinct per block).
    let anchors = model.anchors().map_err(|p| at(1, p))?;
    let grouped: BTreeSet<String> =
        anchors.iter().filter(|a| a.group.is_some()).map(|a| norm(&a.label)).collect();
    let mut pairs = BTreeSet::new();
    for a in anchors.iter().filter(|a| a.group.is_some()) {
        if !pairs.insert((a.group.as_deref().map(norm), norm(&a.label))) {
            let line = field_line(text, &a.field.path());
            return Err(at(
                line,
                format!("标签“{}”在“{}”下出现了两次", a.label, a.group.as_deref().unwrap_or("")),
            ));
        }
    }
    let mut labels = BTreeSet::new();
    for c in cells() {
        if let Content::Label(l) = &c.content {
            let n = norm(l);
            if n.is_empty() {
                let line = ["label = \"\"", "label=\"\"", "label = \" "]
                    .iter()
                    .map(|p| line_with(text, p))
                    .find(|&l| l > 1)
                    .unwrap_or(1);
                return Err(at(line, "有一个 label 为空：标签须写明文字，读取时靠它找到所填的内容".into()));
            }
            if !labels.insert(n.clone()) && !grouped.contains(&n) {
                let first = text.find(&format!("\"{}\"", l.replace('\n', "\\n"))).map(|i| line_of(text, i));
                let line = text
                    .match_indices(&format!("\"{}\"", l.replace('\n', "\\n")))
                    .nth(1)
                    .map(|(i, _)| line_of(text, i))
                    .or(first)
                    .unwrap_or(1);
                return Err(at(line, format!("标签“{}”出现了两次：读取时无法区分", l.replace('\n', ""))));
            }
        }
    }
    // Fields: every field of the default form.
    let have: BTreeSet<_> = cells()
        .filter_map(|c| match &c.content {
            Content::Input { field, .. } => Some(*field),
            Content::Label(_) => None,
        })
        .collect();
    for c in reference.rows.iter().chain(&reference.footer).flat_map(|r| &r.cells) {
        let Content::Input { field, .. } = &c.content else { continue };
        if !have.contains(field) {
            return Err(at(
                line_with(text, "[[row]]"),
                format!("缺少字段“{}”：校验、汇总和报告都要用到它，请恢复这一格（参照 templates export 导出的默认模板）", field.path()),
            ));
        }
        // Choices: distinct, none empty, every default one kept.
        let Some(want) = choices_of(&c.content) else { continue };
        let line = field_line(text, &field.path());
        let got = cells().find(|m| matches!(&m.content, Content::Input { field: f, .. } if f == field));
        let got = got.and_then(|m| choices_of(&m.content)).unwrap_or(&[]);
        let mut seen = BTreeSet::new();
        for g in got {
            if norm(g).is_empty() {
                return Err(at(line, format!("字段“{}”的 choices 中有空项", field.path())));
            }
            if !seen.insert(norm(g)) {
                return Err(at(line, format!("字段“{}”的 choices 中“{g}”出现了两次", field.path())));
            }
        }
        // The words may be renamed (each stands for one status, in order),
        // but every status needs one.
        if got.len() != want.len() {
            return Err(at(
                line,
                format!(
                    "字段“{}”的 choices 应有 {} 项（依次对应 {}），现有 {} 项",
                    field.path(),
                    want.len(),
                    want.join("、"),
                    got.len()
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_utf8_files_name_the_line_and_boms_are_honoured() {
        let gbk = b"[settings]\nname = \"\xBA\xD3\xB1\xB1\"\n";
        let err = decode(gbk, "registry.toml").unwrap_err().to_string();
        assert!(err.starts_with("registry.toml:2：") && err.contains("UTF-8"), "{err}");
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend("a = \"河北\"".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16, "x").unwrap(), "a = \"河北\"");
        assert_eq!(decode(b"\xEF\xBB\xBFa = 1", "x").unwrap(), "a = 1");
    }

    #[test]
    fn the_default_forms_pass() {
        let t = crate::templates::Templates::embedded().unwrap();
        for m in [&t.plan, &t.progress] {
            check_form(m, m, "", "x").unwrap();
        }
    }
}
