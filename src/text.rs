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
/// white space removed (clerks pad names and labels with spaces).
pub fn compact(s: &str) -> String {
    fold_width(s).chars().filter(|c| !c.is_whitespace()).collect()
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
}
