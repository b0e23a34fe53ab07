//! A return's file name as each output can carry it: the one place that
//! makes a name safe for a workbook's hyperlink and its tool tip, and for a
//! file or folder name of our own. File names arrive with control
//! characters (from zip archives and mail clients) and with 200 and more
//! characters (Windows zips); neither may break an output, and no single
//! return's name may stop another region's document.
//!
//! (Text in cells and documents goes through [`crate::text::writable`],
//! which drops what XML forbids and bounds the length.)

use std::borrow::Cow;

use sha2::{Digest, Sha256};

/// Longest hyperlink tool tip Excel accepts (UTF-16 units).
pub const TIP_MAX: usize = 255;
/// Longest hyperlink target Excel accepts (UTF-16 units).
pub const LINK_MAX: usize = 2_080;
/// Longest name we give a file or folder of our own (bytes): room under
/// the file systems' 255 for a prefix such as `退回意见_` and an extension.
pub const FILE_COMPONENT_MAX: usize = 150;

/// The tool tip of a link to a return: characters XML forbids (and line
/// breaks) become spaces; longer than [`TIP_MAX`], the middle gives way to
/// `…`, so the folder's start and the file name's end stay readable.
///
/// # Examples
/// ```
/// use permit_forms::names::{tip, TIP_MAX};
/// assert_eq!(tip("a\u{1}b.xlsx"), "a b.xlsx");
/// let long = format!("returns/{}.xlsx", "x".repeat(300));
/// let t = tip(&long);
/// assert!(t.encode_utf16().count() <= TIP_MAX && t.ends_with("x.xlsx") && t.contains('…'));
/// ```
pub fn tip(label: &str) -> Cow<'_, str> {
    let clean: Cow<'_, str> = if label.chars().all(|c| !c.is_control() && crate::text::xml_allowed(c)) {
        Cow::Borrowed(label)
    } else {
        Cow::Owned(
            label
                .chars()
                .map(|c| if c.is_control() || !crate::text::xml_allowed(c) { ' ' } else { c })
                .collect(),
        )
    };
    if clean.encode_utf16().count() <= TIP_MAX {
        return clean;
    }
    let chars: Vec<char> = clean.chars().collect();
    // Characters outside the BMP take two units: keep to half when any.
    let budget = if chars.iter().any(|c| c.len_utf16() > 1) { TIP_MAX / 2 } else { TIP_MAX } - 1;
    let head = budget / 3;
    let tail = budget - head;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    Cow::Owned(out)
}

/// The relative path `rel` as a workbook's hyperlink target, or `None` when
/// no link can carry it (a character XML forbids, or longer than
/// [`LINK_MAX`]): the cell then shows the name without a link.
pub fn link_target(rel: &str) -> Option<&str> {
    let legal = rel.chars().all(|c| !c.is_control() && crate::text::xml_allowed(c));
    // `file:///` and the writer's escapes (a space is three characters).
    let len: usize = rel.encode_utf16().map(|u| if u == u16::from(b' ') { 3 } else { 1 }).sum();
    (legal && len + 8 <= LINK_MAX).then_some(rel)
}

/// `s` as a file or folder name of our own: path separators, characters
/// Windows forbids, dots, control characters and white space become `_`;
/// longer than [`FILE_COMPONENT_MAX`] bytes, cut and ended with a short
/// hash of the whole, so two long names stay apart. Never empty.
///
/// # Examples
/// ```
/// use permit_forms::names::{file_component, FILE_COMPONENT_MAX};
/// assert_eq!(file_component("未识别地区_a/b:c\u{1}"), "未识别地区_a_b_c");
/// let a = file_component(&format!("{}甲", "长".repeat(100)));
/// let b = file_component(&format!("{}乙", "长".repeat(100)));
/// assert!(a.len() <= FILE_COMPONENT_MAX && a != b);
/// ```
pub fn file_component(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| if c.is_control() || c.is_whitespace() || r#"/\:*?"<>|."#.contains(c) { '_' } else { c })
        .collect();
    let out = out.trim_matches(|c| c == '.' || c == '_');
    if out.is_empty() {
        return "_".into();
    }
    if out.len() <= FILE_COMPONENT_MAX {
        return out.to_string();
    }
    let hash: String = Sha256::digest(out.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();
    let tail = format!("…{hash}");
    let mut cut = FILE_COMPONENT_MAX - tail.len();
    while !out.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{tail}", &out[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_refuse_what_xml_or_excel_cannot_carry() {
        assert_eq!(link_target("../returns/a.xlsx"), Some("../returns/a.xlsx"));
        assert_eq!(link_target("../returns/a\u{1b}.xlsx"), None);
        assert_eq!(link_target(&"a".repeat(2_100)), None);
        assert_eq!(tip("a\u{b}\u{7}"), "a  ");
        let cjk = "河".repeat(400);
        assert!(tip(&cjk).encode_utf16().count() <= TIP_MAX);
        let astral = "𠀀".repeat(400);
        assert!(tip(&astral).encode_utf16().count() <= TIP_MAX);
    }
}
