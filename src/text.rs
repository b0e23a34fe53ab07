//! Small text helpers shared by the registry, the form model and the ingester.

/// Folds full-width ASCII (`ＡＢ１２：`) to ASCII and the ideographic space to
/// a plain space; everything else is kept.
pub fn fold_width(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// [`fold_width`] for one character.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// A key for comparing labels and names: full-width folded, every kind of
/// white space and every invisible character removed (clerks pad names and
/// labels with spaces; text pasted from web pages carries zero-width marks).
pub fn compact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    out.extend(s.chars().map(fold_char).filter(|&c| !c.is_whitespace() && !is_invisible(c)));
    out
}

/// [`compact`] of the start of `s`: at most `max` characters, and whether
/// that is all of `s` (`true`) or `s` goes on. For tests on a text's start
/// (is it a label?) without compacting a 20,000-character paragraph.
pub fn compact_head(s: &str, max: usize) -> (String, bool) {
    let mut out = String::new();
    for (n, c) in s.chars().map(fold_char).filter(|&c| !c.is_whitespace() && !is_invisible(c)).enumerate() {
        if n == max {
            return (out, false);
        }
        out.push(c);
    }
    (out, true)
}

/// Characters that print as nothing: zero-width spaces and joiners, the word
/// joiner and other invisible operators, the byte-order mark, the soft
/// hyphen, bidirectional marks and the variation selectors (`☑️` is ☑ +
/// U+FE0F). They come with text pasted from web pages, WeChat or phones.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// Space characters other than the plain and the ideographic space
/// (no-break, thin, figure, narrow no-break …), which clerks cannot tell apart.
fn is_odd_space(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}')
}

/// The cleaner every text read from a returned file goes through: line
/// endings become `\n`; the control characters XML cannot carry (U+0000 to
/// U+001F except tab and line feed, U+FFFE, U+FFFF) are turned into a line
/// break (vertical tab, which a Word line break becomes when pasted into
/// Excel, form feed, the separators U+001C to U+001F) or removed (the rest),
/// so no writer downstream ever sees them. Borrowed when nothing changes.
pub fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    let needs = |c: char| (c < ' ' && c != '\t' && c != '\n') || c == '\u{FFFE}' || c == '\u{FFFF}';
    if !s.chars().any(needs) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{0B}' | '\u{0C}' | '\u{1C}'..='\u{1F}' => out.push('\n'),
            c if needs(c) => {}
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A short value (a name, a division, 填报单位, a region): invisible
/// characters removed, odd spaces and line breaks made plain spaces, runs of
/// spaces collapsed, trimmed. Full-width spaces are kept as a plain space.
pub fn clean_short(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in clean(s).chars() {
        if is_invisible(c) {
            continue;
        }
        if c.is_whitespace() || is_odd_space(c) {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

/// Line number (1-based) of byte offset `at` in `text`.
pub fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Most characters an xlsx cell holds (Excel's limit, enforced by the writer).
pub const XLSX_CELL_MAX_CHARS: usize = 32_767;

/// Text as an xlsx cell can hold it: [`writable`] at Excel's limit of
/// 32,767 UTF-16 units (half as many characters when some lie outside the
/// BMP, each taking two units).
pub fn xlsx_writable(text: &str) -> std::borrow::Cow<'_, str> {
    // A text of at most the limit in UTF-8 bytes is within it in UTF-16 units too.
    let max = if text.len() > XLSX_CELL_MAX_CHARS && text.chars().any(|c| c.len_utf16() > 1) {
        XLSX_CELL_MAX_CHARS / 2
    } else {
        XLSX_CELL_MAX_CHARS
    };
    writable(text, max)
}

/// Whether XML 1.0 allows `c` in a document (tab, line feed and carriage
/// return are the only control characters it allows; U+FFFE and U+FFFF are
/// never allowed).
pub fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `s.chars().all(xml_allowed)`, by bytes: in UTF-8 the control characters
/// XML forbids are single bytes below 0x20, and U+FFFE and U+FFFF are
/// `EF BF BE` and `EF BF BF` (a `str` holds no surrogates).
fn all_xml_allowed(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, &x)| match x {
        b'\t' | b'\n' | b'\r' => true,
        0..=0x1F => false,
        0xEF => !matches!(b.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])),
        _ => true,
    })
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
    let clean: Cow<'_, str> = if all_xml_allowed(s) {
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
    fn invisible_characters_and_controls_are_cleaned() {
        for s in ["\u{200B}王芳", "王\u{FEFF}芳", "王芳\u{2060}", "\u{00A0}王芳\u{200D}", "王\u{00AD}芳"]
        {
            assert_eq!(clean_short(s), "王芳", "{s:?}");
            assert_eq!(compact(s), "王芳", "{s:?}");
        }
        assert_eq!(clean_short("济宁市\u{00A0}\u{3000}环境保护局 \u{200B}"), "济宁市 环境保护局");
        assert_eq!(clean("一\u{0B}二\r\n三\r四\u{0}\u{FFFF}"), "一\n二\n三\n四");
        assert!(matches!(clean("普通\t文本\n"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(compact("☑\u{FE0F}如期"), "☑如期");
    }

    #[test]
    fn byte_check_agrees_with_the_character_rule() {
        let samples = [
            "普通文本\t\n\r",
            "a\u{1}b",
            "\u{0b}",
            "\u{7f}\u{85}",
            "\u{FFFD}\u{FFFE}",
            "x\u{FFFF}",
            "\u{EFBF}",
            "𠀀",
            "",
            "\u{D7FF}\u{E000}",
        ];
        for s in samples {
            assert_eq!(all_xml_allowed(s), s.chars().all(xml_allowed), "{s:?}");
        }
        for c in (0..0x11_0000).filter_map(char::from_u32) {
            let s = c.to_string();
            assert_eq!(all_xml_allowed(&s), xml_allowed(c), "U+{:04X}", c as u32);
        }
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
