//! Line breaking by measured advances. Chinese may break between any two
//! ideographs, but not before closing punctuation nor after opening
//! punctuation; runs of Latin letters and digits stay whole unless a run alone
//! is wider than the line.

use super::font::Face;

/// Characters that must not start a line.
fn is_closing(c: char) -> bool {
    "，。、）；：”’！？》」』】〕〉…—·%)]}>,.;:!?".contains(c)
}

/// Characters that must not end a line.
fn is_opening(c: char) -> bool {
    "（“‘《「『【〔〈([{<".contains(c)
}

/// ASCII characters that glue to their neighbours (words, numbers, phone numbers).
fn is_word(c: char) -> bool {
    c.is_ascii_graphic()
}

/// Whether a line may break between `a` and `b`.
fn may_break(a: char, b: char) -> bool {
    if b == ' ' || is_closing(b) || is_opening(a) {
        return false;
    }
    if a == ' ' {
        return true;
    }
    // Keep a number with its unit: 2017年, 6月, 30日, 50%.
    if a.is_ascii_digit() && "年月日号时分秒".contains(b) {
        return false;
    }
    !(is_word(a) && is_word(b))
}

/// Splits `text` into lines no wider than `width` points at `size`; `\n`
/// always breaks. An empty text gives no lines.
pub(crate) fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    if text.is_empty() {
        return lines;
    }
    for para in text.split('\n') {
        let para = para.trim_end();
        let chars: Vec<char> = para.chars().collect();
        // Units that must stay on one line.
        let mut units: Vec<String> = Vec::new();
        for (i, &c) in chars.iter().enumerate() {
            match units.last_mut() {
                Some(u) if i > 0 && !may_break(chars[i - 1], c) => u.push(c),
                _ => units.push(c.to_string()),
            }
        }
        let mut line = String::new();
        let mut line_w = 0.0;
        for unit in units {
            let w = face.width(&unit, size);
            if line_w + w <= width + 0.01 || line.is_empty() && w <= width + 0.01 {
                line.push_str(&unit);
                line_w += w;
                continue;
            }
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line = String::new();
            line_w = 0.0;
            let unit = unit.trim_start();
            if face.width(unit, size) <= width + 0.01 {
                line.push_str(unit);
                line_w = face.width(unit, size);
            } else {
                // A unit wider than the line: break it anywhere.
                for c in unit.chars() {
                    let cw = face.advance(c) * size;
                    if line_w + cw > width + 0.01 && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}
