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
    fold_width(s).chars().filter(|&c| !c.is_whitespace() && !is_invisible(c)).collect()
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
}
