//! Turning what clerks write into typed record values: periods, dates,
//! statuses, phones, names and free text. Each parser returns a typed value
//! or `None`; the caller turns `None` into an issue.

use chrono::NaiveDate;

use crate::ingest::read::Value;
use crate::period::{Period, YearMonth};
use crate::record::Status;
use crate::text::{compact, fold_width};

/// Splits folded text into digit runs and the text between them.
fn tokens(s: &str) -> (Vec<u32>, Vec<String>) {
    let mut nums = Vec::new();
    let mut seps = vec![String::new()];
    let mut cur = String::new();
    for ch in s.chars() {
        if ch.is_ascii_digit() {
            cur.push(ch);
        } else {
            if !cur.is_empty() {
                nums.push(cur.parse().unwrap_or(u32::MAX));
                cur.clear();
                seps.push(String::new());
            }
            if let Some(last) = seps.last_mut() {
                last.push(ch);
            }
        }
    }
    if !cur.is_empty() {
        nums.push(cur.parse().unwrap_or(u32::MAX));
        seps.push(String::new());
    }
    (nums, seps)
}

fn year(n: u32) -> Option<i32> {
    match n {
        0..=99 => Some(2000 + n as i32),
        1900..=2100 => Some(n as i32),
        _ => None,
    }
}

fn date_key(s: &str) -> String {
    compact(&dashes(s))
}

/// Folds the dashes clerks use (－ — – ‐) to `-`.
fn dashes(s: &str) -> String {
    fold_width(s)
        .chars()
        .map(|c| if matches!(c, '—' | '–' | '‐' | '‑' | '－' | '―') { '-' } else { c })
        .collect()
}

/// A month: `2017年4月`, `2017年 4 月`, `2017.04`, `2017-4`, `17年4月`,
/// `2017/04`, or a date cell. With `first_year`, a bare `3月` belongs to it.
pub fn parse_month(v: &Value, first_year: Option<i32>) -> Option<YearMonth> {
    match v {
        Value::Date(d) => return Some(YearMonth::of(*d)),
        Value::Empty => return None,
        _ => {}
    }
    let (nums, seps) = tokens(&date_key(&v.text()));
    let ok = |s: &str, allowed: &[&str]| allowed.contains(&s);
    match nums.as_slice() {
        [y, m] => {
            let sep_ok = ok(&seps[0], &[""])
                && ok(&seps[1], &["年", ".", "-", "/"])
                && ok(&seps[2], &["", "月", "月份"]);
            if !sep_ok || (seps[1] != "年" && *y < 1000) {
                return None;
            }
            YearMonth::new(year(*y)?, *m)
        }
        [m] if seps[0].is_empty() && (seps[1] == "月" || seps[1] == "月份") => {
            YearMonth::new(first_year?, *m)
        }
        _ => None,
    }
}

/// A plan schedule period: a month as [`parse_month`] (a bare `3月` in
/// `first_year`), or a year row: `2018年`, `2018年全年`, `2019年度`, `2018`.
pub fn parse_schedule_period(v: &Value, first_year: i32) -> Option<Period> {
    if let Some(m) = parse_month(v, Some(first_year)) {
        return Some(Period::Month(m));
    }
    let (nums, seps) = tokens(&date_key(&v.text()));
    match nums.as_slice() {
        [y] if seps[0].is_empty()
            && ["", "年", "年全年", "全年", "年度", "年全年度"].contains(&seps[1].as_str()) =>
        {
            (1900..=2100).contains(y).then_some(Period::Year(*y as i32))
        }
        _ => None,
    }
}

/// A day: `2017年5月8日`, `2017/5/8`, `2017.5.8`, `2017-05-08`, or a date cell.
pub fn parse_date(v: &Value) -> Option<NaiveDate> {
    match v {
        Value::Date(d) => return Some(*d),
        // A date serial in a cell without a date format (2000-01-01 to 2030-12-31).
        Value::Number(f) if f.fract() == 0.0 && (36526.0..=47848.0).contains(f) => {
            return NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|d| d.checked_add_days(chrono::Days::new(*f as u64)));
        }
        Value::Empty => return None,
        _ => {}
    }
    let (nums, seps) = tokens(&date_key(&v.text()));
    match nums.as_slice() {
        [y, m, d] => {
            let chinese = seps[1] == "年"
                && seps[2] == "月"
                && (seps[3] == "日" || seps[3] == "号" || seps[3].is_empty());
            let plain =
                seps[1] == seps[2] && [".", "-", "/"].contains(&seps[1].as_str()) && seps[3].is_empty();
            if !seps[0].is_empty() || !(chinese || plain) {
                return None;
            }
            NaiveDate::from_ymd_opt(year(*y)?, *m, *d)
        }
        _ => None,
    }
}

/// What the status cell selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPick {
    /// Nothing selected (empty, or the untouched template text).
    None,
    /// Exactly one.
    One(Status),
    /// Two or three ticked.
    Several,
}

fn is_tick(c: char) -> bool {
    matches!(
        c,
        '√' | '✓'
            | '✔'
            | '■'
            | '☑'
            | '●'
            | '▇'
            | '☒'
            | '✗'
            | '✘'
            | 'x'
            | 'X'
            | '×'
            | '█'
            | '◼'
            | '▪'
            | '◆'
            | '★'
            | '▲'
            | '⬛'
            | '✅'
            | '☀'
            | '◉'
            | '▣'
    )
}

fn is_box(c: char) -> bool {
    matches!(c, '□' | '☐' | '○' | '〇' | '◯' | '◻' | '▢')
}

/// Reads 进度情况: a dropdown value or a plain word, or a tick mark directly
/// before or after one of 超前/如期/滞后 (`√如期`, `超前□ 如期■ 滞后□`).
pub fn parse_status(v: &Value) -> StatusPick {
    let key = compact(&v.text());
    if key.is_empty() {
        return StatusPick::None;
    }
    if let Some(s) = Status::from_label(&key) {
        return StatusPick::One(s);
    }
    let chars: Vec<char> = key.chars().collect();
    // Where each word is: (status, start, end) in chars.
    let mut words = Vec::new();
    for s in Status::ALL {
        let w: Vec<char> = s.label_zh().chars().collect();
        let mut i = 0;
        while i + w.len() <= chars.len() {
            if chars[i..i + w.len()] == w[..] {
                words.push((s, i, i + w.len()));
                i += w.len();
            } else {
                i += 1;
            }
        }
    }
    let mark = |c: Option<&char>| c.is_some_and(|&c| is_tick(c) || is_box(c));
    let before = words.iter().filter(|(_, a, _)| *a > 0 && mark(chars.get(a - 1))).count();
    let after = words.iter().filter(|(_, _, b)| mark(chars.get(*b))).count();
    if before == 0 && after == 0 {
        // No marks at all: a single bare word selects it.
        let distinct: std::collections::BTreeSet<Status> = words.iter().map(|w| w.0).collect();
        return match distinct.len() {
            1 => StatusPick::One(*distinct.iter().next().unwrap_or(&Status::OnSchedule)),
            0 => StatusPick::None,
            _ => StatusPick::None,
        };
    }
    let use_before = before >= after;
    let ticked: std::collections::BTreeSet<Status> = words
        .iter()
        .filter(|(_, a, b)| {
            let c = if use_before {
                if *a > 0 {
                    chars.get(a - 1)
                } else {
                    None
                }
            } else {
                chars.get(*b)
            };
            c.is_some_and(|&c| is_tick(c))
        })
        .map(|w| w.0)
        .collect();
    match ticked.len() {
        0 => StatusPick::None,
        1 => ticked.into_iter().next().map_or(StatusPick::None, StatusPick::One),
        _ => StatusPick::Several,
    }
}

/// Area codes of three digits (Beijing 010, 02x); the others have four.
fn area_len(digits: &str) -> usize {
    if digits.starts_with("010") || digits.starts_with("02") {
        3
    } else {
        4
    }
}

/// A phone number: an 11-digit mobile as its digits, a landline as
/// `area-number` whatever separator was written. `Err` keeps the folded
/// text when it is neither.
pub fn parse_phone(v: &Value) -> Option<Result<String, String>> {
    let text = match v {
        Value::Empty => return None,
        other => dashes(&other.text()),
    };
    let text = text.trim().to_string();
    if text.is_empty() {
        return None;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 11 && digits.starts_with('1') {
        return Some(Ok(digits));
    }
    if digits.starts_with('0') && (10..=12).contains(&digits.len()) {
        let groups: Vec<String> =
            text.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).map(str::to_string).collect();
        let area = match groups.as_slice() {
            [a, ..] if groups.len() > 1 && (3..=4).contains(&a.len()) => a.len(),
            _ => area_len(&digits),
        };
        return Some(Ok(format!("{}-{}", &digits[..area], &digits[area..])));
    }
    Some(Err(text))
}

/// A person's name: folded, every inner space removed (王　芳 → 王芳).
pub fn name(v: &Value) -> Option<String> {
    let n = compact(&v.text());
    (!n.is_empty()).then_some(n)
}

/// A short text value (title, division, submitter): trimmed, full-width
/// spaces folded.
pub fn short_text(v: &Value) -> Option<String> {
    let t = v.text();
    let t = t.trim();
    (!t.is_empty()).then(|| t.replace('\u{3000}', " "))
}

/// Free text: line endings normalised to `\n`, trimmed at both ends.
pub fn free_text(v: &Value) -> Option<String> {
    let t = v.text().replace("\r\n", "\n").replace('\r', "\n");
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A single 附3 person cell: a name, possibly followed by a phone
/// (`王强 13811112222`).
pub fn name_and_phone(v: &Value) -> (Option<String>, Option<Result<String, String>>) {
    let text = dashes(&v.text());
    let chars: Vec<char> = text.chars().collect();
    // The phone starts at the first digit (or an opening parenthesis before one).
    let start = chars.iter().position(|c| c.is_ascii_digit());
    match start {
        Some(mut i) if chars[i..].iter().filter(|c| c.is_ascii_digit()).count() >= 7 => {
            if i > 0 && matches!(chars[i - 1], '(' | '（') {
                i -= 1;
            }
            let head: String = chars[..i].iter().collect();
            let tail: String = chars[i..].iter().collect();
            let head = head.trim_end_matches([':', '：', ',', '，', '、', '/', '-', ' ']);
            (name(&Value::Text(head.to_string())), parse_phone(&Value::Text(tail)))
        }
        _ => (name(v), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn months() {
        for s in ["2017年4月", "2017年 4 月", "2017.04", "2017-4", "17年4月", "2017/04", "２０１７年４月"]
        {
            assert_eq!(parse_month(&t(s), None), YearMonth::new(2017, 4), "{s}");
        }
        assert_eq!(parse_month(&t("3月"), None), None);
        assert_eq!(parse_month(&t("2017年13月"), None), None);
        assert_eq!(parse_month(&t("　　　　年　　　月"), None), None);
    }

    #[test]
    fn schedule_periods() {
        let m = |y, m| Period::month(y, m);
        assert_eq!(parse_schedule_period(&t("3月"), 2017), m(2017, 3));
        assert_eq!(parse_schedule_period(&t("2017.3"), 2017), m(2017, 3));
        for s in ["2018年", "2018年全年", "2018年度"] {
            assert_eq!(parse_schedule_period(&t(s), 2017), Some(Period::Year(2018)), "{s}");
        }
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2017, 5, 8);
        for s in ["2017年5月8日", "2017/5/8", "2017.5.8", "2017-05-08", "2017 年 5 月 8 日"] {
            assert_eq!(parse_date(&t(s)), d, "{s}");
        }
        assert_eq!(parse_date(&t("2017/5-8")), None);
        assert_eq!(parse_date(&Value::Number(42863.0)), d);
        assert_eq!(parse_date(&t("2017年2月30日")), None);
    }

    #[test]
    fn statuses() {
        use Status::*;
        let one = |s: &str| parse_status(&t(s));
        for (s, want) in [
            ("如期", OnSchedule),
            ("√如期", OnSchedule),
            ("如期√", OnSchedule),
            ("超前/如期/■滞后", Behind),
            ("☑超前", Ahead),
            ("超前□ 如期■ 滞后□", OnSchedule),
            ("□超前 ■如期 □滞后", OnSchedule),
            ("超前 如期 滞后√", Behind),
        ] {
            assert_eq!(one(s), StatusPick::One(want), "{s}");
        }
        assert_eq!(one("超前/如期/滞后"), StatusPick::None);
        assert_eq!(one("□超前 □如期 □滞后"), StatusPick::None);
        assert_eq!(one("√超前 √滞后"), StatusPick::Several);
    }

    #[test]
    fn phones() {
        let p = |s: &str| parse_phone(&t(s)).unwrap().unwrap();
        assert_eq!(p("138 1111 2222"), "13811112222");
        for s in [
            "0311-87654321",
            "0311 87654321",
            "０３１１－８７６５４３２１",
            "0311—87654321",
            "(0311)87654321",
            "（0311）87654321",
            "031187654321",
        ] {
            assert_eq!(p(s), "0311-87654321", "{s}");
        }
        assert_eq!(p("010-12345678"), "010-12345678");
        assert_eq!(parse_phone(&Value::Number(1.3811112222e10)).unwrap().unwrap(), "13811112222");
        assert!(parse_phone(&t("无")).unwrap().is_err());
    }

    #[test]
    fn person_cells() {
        let (n, p) = name_and_phone(&t("王强 13811112222"));
        assert_eq!(n.as_deref(), Some("王强"));
        assert_eq!(p.unwrap().unwrap(), "13811112222");
        let (n, p) = name_and_phone(&t("王　芳"));
        assert_eq!((n.as_deref(), p), (Some("王芳"), None));
        assert_eq!(free_text(&t("  一\r\n二 ")).as_deref(), Some("一\n二"));
    }
}
