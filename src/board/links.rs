//! Relative links from the board's folder: built from path segments, each
//! percent-encoded, so a link is never anything but a relative path (no
//! scheme such as `javascript:`, no query, no fragment), whatever a file
//! name holds.

use std::path::{Component, Path};

use crate::review::Provenance;

/// `segments` joined with `/`, each percent-encoded (UTF-8); `None` when
/// there are none or one is empty.
pub fn relative_href<'a>(segments: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let parts: Vec<String> = segments.into_iter().map(encode_segment).collect();
    (!parts.is_empty() && parts.iter().all(|p| !p.is_empty())).then(|| parts.join("/"))
}

/// One path segment, percent-encoded: ASCII letters, digits and `-._~`
/// stay as they are (`..` stays, the parent folder), and so does text
/// beyond ASCII (Chinese names; a URL may hold it as it is, and the board
/// stays small); every other ASCII character — `:` `/` `?` `#` `%`,
/// quotes, spaces, controls — is encoded, so a segment can never start a
/// scheme, a query or a fragment. Invisible and bidirectional format
/// characters are encoded too.
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for ch in s.chars() {
        let keep = match ch {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '.' | '_' | '~' => true,
            c if c.is_ascii() => false,
            c => !c.is_whitespace() && !c.is_control() && !is_format(c),
        };
        if keep {
            out.push(ch);
        } else {
            for b in ch.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Unicode format characters a URL should not carry raw (zero-width,
/// bidirectional controls, the byte-order mark, soft hyphen).
fn is_format(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
        || ('\u{FFF0}'..='\u{FFFF}').contains(&c)
}

/// The href of a file under the board's folder (`rel` relative to it).
pub fn href_of_relative(rel: &Path) -> Option<String> {
    let segs: Option<Vec<String>> = rel
        .components()
        .map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    relative_href(segs?.iter().map(String::as_str))
}

/// The href of a return from the board's folder `dir`, when it can be
/// reached: `source.file` as recorded, relative files taken from
/// `sources_root` (the `review` verb's stripped prefix) when given.
pub fn href_of_return(source: &Provenance, dir: &Path, sources_root: Option<&Path>) -> Option<String> {
    let rel = match sources_root {
        Some(root) if Path::new(&source.file).is_relative() => {
            Provenance { file: root.join(&source.file).to_string_lossy().into_owned(), ..source.clone() }
                .link(dir)
        }
        _ => source.link(dir),
    }?;
    relative_href(rel.split('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded_so_no_scheme_or_markup_survives() {
        assert_eq!(encode_segment("a b\"c'.xlsx"), "a%20b%22c%27.xlsx");
        assert_eq!(relative_href(["javascript:alert(1)"]).unwrap(), "javascript%3Aalert%281%29");
        assert_eq!(relative_href(["..", "退 回"]).unwrap(), "../退%20回");
        assert_eq!(encode_segment("a\u{202E}b"), "a%E2%80%AEb");
        assert_eq!(relative_href(["a", ""]), None);
        assert_eq!(href_of_relative(Path::new("/etc/passwd")), None);
    }
}
