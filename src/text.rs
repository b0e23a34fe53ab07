//! Small text helpers shared by the registry, the form model and the ingester.

/// Folds full-width ASCII (`ＡＢ１２：`) to ASCII and the ideographic space to
/// a plain space; everything else is kept.
pub fn fold_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A key for comparing labels and names: full-width folded, every kind of
/// white space removed (clerks pad names and labels with spaces).
pub fn compact(s: &str) -> String {
    fold_width(s).chars().filter(|c| !c.is_whitespace()).collect()
}

/// Line number (1-based) of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Most characters an xlsx cell holds (Excel's limit, enforced by the writer).
pub const XLSX_CELL_MAX_CHARS: usize = 32_767;

/// Whether XML 1.0 allows `c` in a document (tab, line feed and carriage
/// return are the only control characters it allows; U+FFFE and U+FFFF are
/// never allowed).
pub fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text every writer (xlsx, docx, pdf) puts out: characters XML does not
/// allow are dropped, except that a vertical tab or form feed (Word's
/// manual line and page breaks, pasted into a cell) becomes a line break;
/// text longer than `max_chars` is cut with a visible note saying how much
/// was left out. Borrowed when nothing changes.
///
/// # Examples
/// ```
/// use permit_forms::text::writable;
/// assert_eq!(writable("第一行\u{0b}第二行\u{1}", 100), "第一行\n第二行");
/// let long = "字".repeat(200);
/// let cut = writable(&long, 100);
/// assert_eq!(cut.chars().count(), 100);
/// assert!(cut.starts_with("字字字") && cut.contains("已截去"));
/// ```
pub fn writable(s: &str, max_chars: usize) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let clean: Cow<'_, str> = if s.chars().all(xml_allowed) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .filter_map(|c| match c {
                    '\u{0b}' | '\u{0c}' => Some('\n'),
                    c if xml_allowed(c) => Some(c),
                    _ => None,
                })
                .collect(),
        )
    };
    // Fast path: a byte count within the limit is a char count within it.
    if clean.len() <= max_chars {
        return clean;
    }
    let total = clean.chars().count();
    if total <= max_chars {
        return clean;
    }
    let note_for = |n: usize| format!("……（以下已截去 {n} 字，全文见原报表）");
    // The note itself counts against the limit.
    let mut keep = max_chars.saturating_sub(note_for(total).chars().count());
    // The count left out may have fewer digits than the total.
    keep = max_chars.saturating_sub(note_for(total - keep).chars().count()).max(keep);
    if keep == 0 {
        keep = max_chars.min(total);
        return Cow::Owned(clean.chars().take(keep).collect());
    }
    let mut out: String = clean.chars().take(keep).collect();
    out.push_str(&note_for(total - keep));
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_spaces() {
        assert_eq!(fold_width("０３１１－８７６５"), "0311-8765");
        assert_eq!(compact("王　芳 "), "王芳");
        assert_eq!(compact("试点地区："), "试点地区:");
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }

    #[test]
    fn writable_drops_xml_illegal_characters_and_cuts_long_text() {
        let all_controls: String = (0u32..0x20).filter_map(char::from_u32).collect();
        let input = format!("a{all_controls}b\u{fffe}\u{ffff}c");
        let w = writable(&input, 1000);
        assert!(w.chars().all(xml_allowed), "{w:?}");
        assert!(w.starts_with('a') && w.ends_with("bc"));
        assert!(matches!(writable("正常文本", 10), std::borrow::Cow::Borrowed(_)));
        let long = "长".repeat(40_000);
        let cut = writable(&long, XLSX_CELL_MAX_CHARS);
        assert_eq!(cut.chars().count(), XLSX_CELL_MAX_CHARS);
        assert!(cut.ends_with("全文见原报表）"));
        assert_eq!(writable(&long, 5).chars().count(), 5);
    }
}
