//! How alike two free texts are, measured on characters.
//!
//! The measure is the Dice coefficient of character bigrams: both texts are
//! reduced to their letters, digits and ideographs (width folded, white space
//! and punctuation dropped, so `1．召开推进会；` and `1. 召开推进会;` are
//! equal), cut into overlapping pairs of characters, and
//! `2 × shared pairs / (pairs of a + pairs of b)` is the similarity, from 0
//! (nothing in common) to 1 (the same text). Bigrams keep word order locally
//! (Chinese words are mostly two characters) without the quadratic cost of an
//! edit distance, and changing one character of a 30-character text costs
//! about two pairs out of 29 (a similarity near 0.93).

use crate::text::fold_char;

/// Whether a (width-folded) character counts when comparing. The common CJK
/// ideographs are tested first: they are most of the text and the general
/// Unicode lookup is slow for them.
fn counts(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || c.is_alphanumeric()
}

/// The characters that count when comparing: letters, digits and
/// ideographs, width folded; white space and punctuation are dropped.
pub fn essential(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars().map(fold_char).filter(|&c| counts(c))
}

/// Bigrams of `chars`, each packed into one integer, sorted. A text of one
/// character gives that character as its only "pair".
fn bigrams(chars: impl Iterator<Item = char>) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    let mut prev: Option<char> = None;
    for c in chars {
        if let Some(p) = prev {
            out.push((u64::from(u32::from(p)) << 32) | u64::from(u32::from(c)));
        }
        prev = Some(c);
    }
    if let (true, Some(one)) = (out.is_empty(), prev) {
        out.push(u64::from(u32::from(one)));
    }
    out.sort_unstable();
    out
}

/// Similarity of two texts, 0.0 to 1.0 (see the module doc). Two texts with
/// nothing essential in them (blank, only punctuation) are not similar: 0.0.
///
/// # Examples
/// ```
/// use permit_forms::crosscheck::similarity::similarity;
/// assert_eq!(similarity("召开试点工作推进会。", "召开试点工作推进会"), 1.0);
/// assert!(similarity("完成3月计划的企业培训和申请材料审核", "完成4月计划的企业培训和申请材料审核") > 0.8);
/// assert!(similarity("完成行业规范初稿", "组织企业申请许可证") < 0.1);
/// ```
pub fn similarity(a: &str, b: &str) -> f64 {
    dice(&bigrams_of(a), &bigrams_of(b))
}

/// The sorted bigrams of a text's essential characters, to compare many
/// times with [`dice`] (what [`similarity`] does once).
pub fn bigrams_of(text: &str) -> Vec<u64> {
    bigrams(essential(text))
}

/// The Dice coefficient of two sorted bigram lists from [`bigrams_of`];
/// 0.0 when either is empty.
pub fn dice(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

/// A similarity as a whole percentage for messages (`93%`), rounded down so
/// that a text just under a threshold never shows as reaching it.
pub fn percent(sim: f64) -> u32 {
    (sim * 100.0).floor().clamp(0.0, 100.0) as u32
}

/// A text shortened for quoting in a message: line breaks become spaces and
/// anything past `max` characters becomes `…`.
pub fn shorten(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let mut s: String = flat.chars().take(max).collect();
        s.push('…');
        s
    }
}

/// The text blocks of a free text: its lines and sentences (split at line
/// breaks and at 。；;!?！？), each with its essential characters (see
/// [`essential`]) after dropping a leading item number (`1.`, `（2）`, `一、`).
/// Blocks with fewer than `min_chars` essential characters are left out:
/// short phrases (召开推进会) are common to many honest reports.
///
/// Returns `(shown, key)` pairs: the block as written (trimmed) and the key
/// two blocks are compared by.
pub fn blocks(text: &str, min_chars: usize) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    // A set, not a scan of `out`: a pasted cell may hold thousands of sentences.
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for piece in text.split(['\n', '。', '；', ';', '！', '？', '!', '?']) {
        let shown = strip_item_number(piece.trim());
        let key: String = essential(shown).collect();
        if key.chars().count() >= min_chars && seen.insert(key.clone()) {
            out.push((shown.to_string(), key));
        }
    }
    out
}

/// `1. 召开…`, `（2）完成…`, `一、…`, `(3)…` → the text after the number.
/// A number that begins the sentence (`3月计划…`) is kept.
fn strip_item_number(s: &str) -> &str {
    let is_num =
        |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c) || "一二三四五六七八九十".contains(c);
    let rest = s.trim_start_matches(['(', '（']);
    let had_paren = rest.len() != s.len();
    let after_num = rest.trim_start_matches(is_num);
    if after_num.len() == rest.len() {
        return s;
    }
    let after = after_num.trim_start_matches([')', '）', '.', '．', '、']);
    if after.len() == after_num.len() && !had_paren {
        return s;
    }
    after.trim_start()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_texts_ignoring_spacing_and_punctuation() {
        assert_eq!(similarity("1. 召开试点工作推进会；", "1．召开试点工作推进会;"), 1.0);
        assert_eq!(similarity("", "x"), 0.0);
        assert_eq!(similarity("。", "。"), 0.0);
        assert_eq!(similarity("甲", "甲"), 1.0);
    }

    #[test]
    fn one_changed_character_is_near_identical() {
        let a = "1. 召开试点工作推进会；\n2. 完成3月计划的企业培训和申请材料审核。";
        let b = "1. 召开试点工作推进会；\n2. 完成4月计划的企业培训和申请材料审核。";
        let s = similarity(a, b);
        assert!(s > 0.9 && s < 1.0, "{s}");
    }

    #[test]
    fn unrelated_texts_are_far_apart() {
        let s = similarity("完成行业规范初稿并报部", "组织企业在全国平台申请排污许可证");
        assert!(s < 0.1, "{s}");
    }

    #[test]
    fn shortens_on_characters() {
        assert_eq!(shorten("一二三\n四五", 10), "一二三 四五");
        assert_eq!(shorten("一二三四五", 3), "一二三…");
        assert_eq!(percent(0.899_9), 89);
    }

    #[test]
    fn many_sentences_in_one_cell_stay_linear() {
        let text: String = (0..20_000).map(|i| format!("第{i}项工作已经全部按计划完成。")).collect();
        assert_eq!(blocks(&text, 8).len(), 20_000);
    }

    #[test]
    fn blocks_drop_item_numbers_and_short_phrases() {
        let b = blocks("1. 召开推进会；\n2. 完成3月计划的企业培训和申请材料审核。\n（3）完成3月计划的企业培训和申请材料审核", 8);
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].0, "完成3月计划的企业培训和申请材料审核");
        assert_eq!(strip_item_number("3月计划工作已全部完成"), "3月计划工作已全部完成");
        assert_eq!(strip_item_number("一、梳理名单"), "梳理名单");
        assert_eq!(strip_item_number("(2)梳理名单"), "梳理名单");
    }
}
