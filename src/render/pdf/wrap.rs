//! Line breaking by measured advances. Chinese may break between any two
//! ideographs, but not before closing punctuation nor after opening
//! punctuation; runs of Latin letters and digits stay whole unless a run alone
//! is wider than the line.

use super::font::Face;

/// Longest parenthesised group (characters inside, with the closing one)
/// kept on one line.
const SHORT_GROUP: usize = 5;

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
        // A short parenthesis such as （若有） stays whole.
        let mut inside = vec![false; chars.len()];
        for (i, &c) in chars.iter().enumerate() {
            let close = match c {
                '（' => '）',
                '(' => ')',
                _ => continue,
            };
            if let Some(j) = chars[i + 1..].iter().take(SHORT_GROUP).position(|&d| d == close) {
                inside[i + 1..=i + 1 + j].iter_mut().for_each(|g| *g = true);
            }
        }
        // Units that must stay on one line.
        let mut units: Vec<String> = Vec::new();
        for (i, &c) in chars.iter().enumerate() {
            match units.last_mut() {
                Some(u) if i > 0 && (inside[i] || !may_break(chars[i - 1], c)) => u.push(c),
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn face() -> Face {
        let (name, bytes) = crate::templates::EMBEDDED_FONTS
            .iter()
            .find(|(n, _)| *n == super::super::BODY_FONT)
            .expect("body font embedded");
        Face::parse(name, Cow::Borrowed(bytes), 0).expect("embedded font parses")
    }

    #[test]
    fn wraps_by_advances_and_keeps_punctuation_rules() {
        let f = face();
        let text = "钢铁行业（牵头）：2017年3月底前完成行业规范初稿；2017年6月底前完成行业规范的部内审批程序并印发执行，“一证式”管理。";
        for width in [60.0, 97.0, 130.0, 200.0, 331.0] {
            let lines = wrap(&f, text, 12.0, width);
            assert_eq!(lines.concat(), text, "width {width}: text lost or changed");
            for (i, l) in lines.iter().enumerate() {
                assert!(f.width(l, 12.0) <= width + 0.01, "width {width}: line too wide: {l}");
                let first = l.chars().next().unwrap_or(' ');
                let last = l.chars().last().unwrap_or(' ');
                assert!(i == 0 || !is_closing(first), "width {width}: line starts with {first}: {l}");
                assert!(
                    i + 1 == lines.len() || !is_opening(last),
                    "width {width}: line ends with {last}: {l}"
                );
                assert!(
                    !(last.is_ascii_digit() && lines.get(i + 1).is_some_and(|n| n.starts_with(['年', '月']))),
                    "width {width}: number split from its unit: {l}"
                );
            }
        }
    }

    #[test]
    fn honours_newlines_and_keeps_words() {
        let f = face();
        assert_eq!(wrap(&f, "姓名\n职务", 12.0, 300.0), vec!["姓名", "职务"]);
        let lines = wrap(&f, "电话 0311-87654321 转 8001", 12.0, 100.0);
        assert!(lines.iter().any(|l| l.contains("0311-87654321")), "{lines:?}");
        assert!(wrap(&f, "", 12.0, 80.0).is_empty());
        assert_eq!(wrap(&f, "进度滞后的原因（若有）", 12.0, 110.0), vec!["进度滞后的原因", "（若有）"]);
    }
}
