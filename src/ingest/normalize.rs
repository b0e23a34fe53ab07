//! Turning what clerks write into typed record values: periods, dates,
//! statuses, phones, names and free text. Each reading rule lives here once:
//! the status reader ([`StatusWords`]), the lenient date and month reader
//! that knows the workbook's date system ([`parse_date`], [`parse_month`]),
//! and the person-cell splitter. Each parser returns a typed value or says
//! it cannot; the caller turns that into an issue naming the cell.

use chrono::{Datelike, NaiveDate};

use crate::ingest::read::{format_number, Value};
use crate::period::{Period, YearMonth};
use crate::record::Status;
use crate::text::{clean, clean_short, compact, fold_width, is_invisible};

/// The date system of a workbook: which day serial 0 is. Excel for the Mac
/// (and any workbook saved with "1904 date system" ticked) counts from
/// 1904-01-01; a number read as a date must use the workbook's own system or
/// it comes out four years early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateSystem {
    /// Serial 1 is 1900-01-01 (Windows Excel, WPS, LibreOffice's default).
    #[default]
    From1900,
    /// Serial 0 is 1904-01-01.
    From1904,
}

impl DateSystem {
    /// The system of a workbook whose `date1904` flag is `flag`.
    pub fn from_flag(flag: bool) -> Self {
        if flag {
            DateSystem::From1904
        } else {
            DateSystem::From1900
        }
    }

    /// The day a whole serial number stands for, when it falls in the years
    /// a return can carry (2000 to 2030); `None` otherwise.
    pub fn date(self, serial: f64) -> Option<NaiveDate> {
        if !serial.is_finite() || serial.fract() != 0.0 || !(0.0..=200_000.0).contains(&serial) {
            return None;
        }
        let epoch = match self {
            DateSystem::From1900 => NaiveDate::from_ymd_opt(1899, 12, 30),
            DateSystem::From1904 => NaiveDate::from_ymd_opt(1904, 1, 1),
        }?;
        let d = epoch.checked_add_days(chrono::Days::new(serial as u64))?;
        (2000..=2030).contains(&chrono::Datelike::year(&d)).then_some(d)
    }
}

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

/// The value of a Chinese numeral digit; 〇, the look-alike ○ (U+25CB),
/// ◯ and a letter O typed for zero all count as zero.
fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '○' | '◯' | '零' | 'O' | 'o' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// One run of Chinese numerals as a number: digit by digit for a year
/// (二〇一七 → 2017), with 十 for months and days (十 → 10, 十二 → 12,
/// 二十一 → 21, 廿 → 20). `None` for a run that is not a number.
fn cn_number(run: &[char]) -> Option<u32> {
    let tens = run.iter().position(|&c| matches!(c, '十' | '拾' | '廿'));
    match tens {
        Some(t) => {
            let unit = |cs: &[char]| match cs {
                [] => Some(None),
                [c] => cn_digit(*c).map(Some),
                _ => None,
            };
            let base = if run[t] == '廿' { 20 } else { 10 };
            let high = unit(&run[..t])?;
            if base == 20 && high.is_some() {
                return None;
            }
            let low = unit(&run[t + 1..])?.unwrap_or(0);
            Some(high.unwrap_or(1) * base + low)
        }
        None => run.iter().try_fold(0u32, |acc, &c| acc.checked_mul(10)?.checked_add(cn_digit(c)?)),
    }
}

/// Replaces runs of Chinese numerals with ASCII digits (`二〇一七年四月` →
/// `2017年4月`, `十二月` → `12月`, `元月` → `1月`). A letter O only counts
/// inside a run of other numerals.
fn cn_numerals(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let is_num = |c: char| cn_digit(c).is_some() || matches!(c, '十' | '拾' | '廿');
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '元' && chars.get(i + 1) == Some(&'月') {
            out.push('1');
            i += 1;
            continue;
        }
        if !is_num(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && is_num(chars[j]) {
            j += 1;
        }
        let run = &chars[i..j];
        let letters_only = run.iter().all(|c| matches!(c, 'O' | 'o'));
        match cn_number(run) {
            Some(n) if !letters_only => out.push_str(&n.to_string()),
            _ => out.extend(run),
        }
        i = j;
    }
    out
}

/// The comparison form of a date or month text: full-width folded, dashes
/// unified, Chinese numerals as digits, spaces and invisible marks removed.
fn date_key(s: &str) -> String {
    compact(&cn_numerals(&dashes(s)))
}

/// Folds the dashes clerks use (－ — – ‐) to `-`.
fn dashes(s: &str) -> String {
    fold_width(s)
        .chars()
        .map(|c| if matches!(c, '—' | '–' | '‐' | '‑' | '－' | '―') { '-' } else { c })
        .collect()
}

/// An 8-digit `YYYYMMDD` as a date.
fn ymd8(n: u64) -> Option<NaiveDate> {
    if !(19_000_101..=21_001_231).contains(&n) {
        return None;
    }
    NaiveDate::from_ymd_opt((n / 10_000) as i32, (n / 100 % 100) as u32, (n % 100) as u32)
}

/// The months a cell can mean: none when it is unreadable, one, or two when
/// the cell is ambiguous (the number 2017.1 is what Excel keeps of a typed
/// `2017.10`, but also of `2017.1`). The caller picks by the region's window.
///
/// Accepted: `2017年4月`, `2017年 4 月`, `2017.04`, `2017-4`, `17年4月`,
/// `2017/04`, `201704`, Chinese numerals (`二〇一七年四月`, `二○一七年十月`), a
/// date (cell, serial number in the workbook's date system, `20170510`, or
/// any text [`parse_date`] reads) for its month; with `first_year`, a bare
/// `3月` / `三月` belongs to it.
pub fn parse_month(v: &Value, first_year: Option<i32>, ds: DateSystem) -> Vec<YearMonth> {
    match v {
        Value::Date(d) => return vec![YearMonth::of(*d)],
        Value::Empty => return Vec::new(),
        Value::Number(f) => {
            if let Some(d) = ds.date(*f) {
                return vec![YearMonth::of(d)];
            }
            if f.fract() == 0.0 && *f > 0.0 {
                let n = *f as u64;
                if let Some(d) = ymd8(n) {
                    return vec![YearMonth::of(d)];
                }
                if (190_001..=210_012).contains(&n) {
                    return YearMonth::new((n / 100) as i32, (n % 100) as u32).into_iter().collect();
                }
            }
            let text = format_number(*f);
            if let Some((y, m)) = text.split_once('.') {
                if m == "1" {
                    let y = y.parse().unwrap_or(0);
                    return [1, 10].into_iter().filter_map(|m| YearMonth::new(y, m)).collect();
                }
            }
        }
        Value::Text(_) => {}
    }
    let key = date_key(&v.text());
    let (nums, seps) = tokens(&key);
    let ok = |s: &str, allowed: &[&str]| allowed.contains(&s);
    let one = |m: Option<YearMonth>| m.into_iter().collect();
    match nums.as_slice() {
        [y, m] => {
            let sep_ok = ok(&seps[0], &[""])
                && ok(&seps[1], &["年", ".", "-", "/"])
                && ok(&seps[2], &["", "月", "月份"]);
            if !sep_ok || (seps[1] != "年" && *y < 1000) {
                return Vec::new();
            }
            one(year(*y).and_then(|y| YearMonth::new(y, *m)))
        }
        [m] if seps[0].is_empty() && (seps[1] == "月" || seps[1] == "月份") => {
            one(first_year.and_then(|y| YearMonth::new(y, *m)))
        }
        [n] if seps[0].is_empty() && seps[1].is_empty() && key.len() == 6 => {
            one(YearMonth::new((n / 100) as i32, n % 100))
        }
        _ => parse_date(v, ds).map(YearMonth::of).into_iter().collect(),
    }
}

/// Of the months a cell can mean, the one inside `window`: the only
/// candidate, or the only one of two that the window holds. `Err` carries
/// the candidates when they do not single out one.
pub fn pick_month(
    cands: &[YearMonth],
    window: impl Fn(YearMonth) -> bool,
) -> Result<YearMonth, Vec<YearMonth>> {
    match cands {
        [m] => Ok(*m),
        _ => {
            let inside: Vec<YearMonth> = cands.iter().copied().filter(|m| window(*m)).collect();
            match inside.as_slice() {
                [m] => Ok(*m),
                _ => Err(cands.to_vec()),
            }
        }
    }
}

/// A plan schedule period: the months [`parse_month`] reads (a bare `3月`
/// in `first_year`), or a year row: `2018年`, `2018年全年`, `2019年度`,
/// `2018`, `二〇一八年`.
pub fn parse_schedule_period(v: &Value, first_year: i32, ds: DateSystem) -> Vec<Period> {
    if let Value::Number(f) = v {
        if f.fract() == 0.0 && (1900.0..=2100.0).contains(f) {
            return vec![Period::Year(*f as i32)];
        }
    }
    let months = parse_month(v, Some(first_year), ds);
    if !months.is_empty() {
        return months.into_iter().map(Period::Month).collect();
    }
    let (nums, seps) = tokens(&date_key(&v.text()));
    match nums.as_slice() {
        [y] if seps[0].is_empty()
            && ["", "年", "年全年", "全年", "年度", "年全年度"].contains(&seps[1].as_str()) =>
        {
            (1900..=2100).contains(y).then_some(Period::Year(*y as i32)).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

/// A date text without what Word and Excel write after the day: the
/// weekday (`星期五`, `（星期四）`, `周五`), the time (`14:30`, `14:30:00`,
/// `15时`, `15时30分`, `9点`) and the part of the day (`上午`, `下午`).
fn without_time(text: &str) -> String {
    let mut t = dashes(text);
    for w in ["星期", "礼拜", "周"] {
        if let Some(i) = t.find(w) {
            t.truncate(i);
        }
    }
    loop {
        let before = t.len();
        t = t
            .trim_end_matches(|c: char| {
                c.is_whitespace() || matches!(c, '(' | '（' | ')' | '）' | ',' | '，')
            })
            .to_string();
        for w in ["上午", "下午", "中午", "晚上", "凌晨", "早上", "AM", "PM", "am", "pm"] {
            if let Some(rest) = t.strip_suffix(w) {
                t = rest.to_string();
            }
        }
        // A time: digits with `:` or a unit (时 点 分 秒) at the end, after
        // the day (a space, 日 or 号 before it).
        let chars: Vec<char> = t.chars().collect();
        let mut i = chars.len();
        while i > 0
            && (chars[i - 1].is_ascii_digit() || matches!(chars[i - 1], ':' | '时' | '点' | '分' | '秒'))
        {
            i -= 1;
        }
        let tail: String = chars[i..].iter().collect();
        let timed = tail.contains([':', '时', '点', '分', '秒'])
            && tail.starts_with(|c: char| c.is_ascii_digit())
            && i > 0
            && (chars[i - 1].is_whitespace() || matches!(chars[i - 1], '日' | '号' | '午' | '上' | '晨'));
        if timed {
            t = chars[..i].iter().collect();
        }
        if t.len() == before {
            return t;
        }
    }
}

/// A day: `2017年5月8日`, `2017/5/8`, `2017.5.8`, `2017-05-08`, `20170508`
/// (typed as text or as a number), Chinese numerals (`二○一七年五月八日`),
/// with a weekday or a time after it as Word and Excel write them
/// (`2017年7月7日星期五`, `2017-06-08 14:30`, `2017/6/8 上午`), a date
/// cell, or a serial number in the workbook's date system (a date-time's
/// fraction of a day ignored).
pub fn parse_date(v: &Value, ds: DateSystem) -> Option<NaiveDate> {
    match v {
        Value::Date(d) => return Some(*d),
        Value::Number(f) => {
            if let Some(d) = ds.date(*f).or_else(|| ds.date(f.floor()).filter(|_| f.fract() != 0.0)) {
                return Some(d);
            }
            return (f.fract() == 0.0 && *f > 0.0).then(|| ymd8(*f as u64)).flatten();
        }
        Value::Empty => return None,
        Value::Text(_) => {}
    }
    let key = date_key(&without_time(&v.text()));
    let (nums, seps) = tokens(&key);
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
        [n] if seps[0].is_empty() && seps[1].is_empty() && key.len() == 8 => ymd8(u64::from(*n)),
        _ => None,
    }
}

/// A day written without its year (`1月8日`, `一月八日`): its month and day.
pub fn month_day(v: &Value) -> Option<(u32, u32)> {
    let Value::Text(t) = v else { return None };
    let key = date_key(&without_time(t));
    let (nums, seps) = tokens(&key);
    match nums.as_slice() {
        [m, d] if seps[0].is_empty() && seps[1] == "月" && ["日", "号"].contains(&seps[2].as_str()) => {
            NaiveDate::from_ymd_opt(2016, *m, *d).map(|_| (*m, *d))
        }
        _ => None,
    }
}

/// The day a year-less `month_day` of a return for `period` stands for: the
/// first such day on or after the period's first day (`1月8日` on a December
/// 2017 return is 2018-01-08), when it falls within 100 days of it; `None`
/// otherwise (the year cannot be told).
pub fn day_in_period(month_day: (u32, u32), period: YearMonth) -> Option<NaiveDate> {
    let start = period.first_day();
    let (m, d) = month_day;
    [start.year(), start.year() + 1]
        .into_iter()
        .filter_map(|y| NaiveDate::from_ymd_opt(y, m, d))
        .find(|day| *day >= start)
        .filter(|day| (*day - start).num_days() <= 100)
}

/// What the status cell selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPick {
    /// Nothing selected (empty, the untouched template text, or every box empty).
    None,
    /// Exactly one.
    One(Status),
    /// Two or three ticked.
    Several,
    /// Something is written or marked, but it does not single out one choice.
    Ambiguous,
}

/// A mark a clerk puts beside a status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Chosen: √ ✓ ✔ ■ ☑ ● …
    Tick,
    /// "Not this one" beside a word when another word is ticked; without a
    /// tick it could mean either, so it selects nothing by itself.
    Cross,
    /// An empty box: not chosen.
    Box,
}

fn mark_of(c: char) -> Option<Mark> {
    Some(match c {
        // ☒ and ⊠ are a checked box (Word's checkbox shows ☒ when ticked).
        '√' | '✓' | '✔' | '■' | '☑' | '☒' | '⊠' | '●' | '▇' | '█' | '◼' | '▪' | '◆' | '★' | '▲' | '⬛'
        | '✅' | '◉' | '▣' | '◾' | '◎' | '⊙' | 'v' | 'V' => Mark::Tick,
        '×' | '✗' | '✘' | '╳' | '✕' | '✖' | '❌' | 'x' | 'X' => Mark::Cross,
        '□' | '☐' | '○' | '〇' | '◯' | '◻' | '▢' | '◇' | '☆' | '△' | '◽' | '⬜' => {
            Mark::Box
        }
        _ => return None,
    })
}

/// One piece of a status cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece {
    Word(Status),
    Mark(Mark),
    Space,
    /// A negation right before a word (未滞后, 不如期).
    Not,
    Other,
}

/// Phrases that say a status in a sentence, beside the form's own words
/// (which win where a phrase clashes with one of them).
pub const STATUS_PHRASES: &[(Status, &str)] = &[
    (Status::OnSchedule, "进度正常"),
    (Status::OnSchedule, "按计划"),
    (Status::OnSchedule, "按期"),
    (Status::OnSchedule, "按时"),
    (Status::OnSchedule, "按进度"),
    (Status::Ahead, "提前"),
    (Status::Behind, "落后"),
    (Status::Behind, "延误"),
    (Status::Behind, "延期"),
];

/// Characters that negate a status word a few characters after them in a
/// sentence (`无明显滞后`, `不存在滞后`, `未按计划`).
const NEGATIONS: &[char] = &['不', '未', '无', '没', '非', '否', '毫'];

/// Words before a status word that make the sentence a hedge, not a pick.
const HEDGES: &[&str] = &["基本", "大致", "大体", "可能", "或", "部分", "接近"];

/// `needle` occurs in `hay`.
fn contains(hay: &[char], needle: &[char]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The status words of the form, from the template's `choices` (each
/// keyed by the status it stands for), and the reader of a 进度情况 cell.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusWords {
    /// (status, word), longest word first.
    words: Vec<(Status, Vec<char>)>,
}

impl StatusWords {
    /// The words of a form's status choices, by the status each stands for
    /// ([`FormModel::status_choices`](crate::form::FormModel::status_choices)).
    /// A status without a word (a form without a status cell) has the
    /// record's built-in word.
    pub fn new(choices: &[(Status, String)]) -> Self {
        let mut words: Vec<(Status, Vec<char>)> = Status::ALL
            .iter()
            .map(|s| {
                let w = choices.iter().find(|c| c.0 == *s).map(|c| compact(&c.1)).filter(|c| !c.is_empty());
                (*s, w.unwrap_or_else(|| s.label_zh().to_string()).chars().collect())
            })
            .collect();
        words.sort_by_key(|w| std::cmp::Reverse(w.1.len()));
        StatusWords { words }
    }

    /// The form's word for `status`.
    pub fn word(&self, status: Status) -> String {
        self.words.iter().find(|w| w.0 == status).map(|w| w.1.iter().collect()).unwrap_or_default()
    }

    fn pieces(&self, text: &str) -> Vec<Piece> {
        let text: String = fold_width(&clean(text)).chars().filter(|&c| !is_invisible(c)).collect();
        let chars: Vec<char> = text.chars().collect();
        // A word at `i`, its letters perhaps spaced out (`如 期`, `超　前`):
        // the position after it.
        let word_end = |i: usize, w: &[char]| -> Option<usize> {
            let mut j = i;
            for (k, &c) in w.iter().enumerate() {
                if k > 0 {
                    while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                        j += 1;
                    }
                }
                if chars.get(j) != Some(&c) {
                    return None;
                }
                j += 1;
            }
            Some(j)
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if let Some((s, end)) = self.words.iter().find_map(|(s, w)| word_end(i, w).map(|e| (*s, e))) {
                out.push(Piece::Word(s));
                i = end;
                continue;
            }
            let c = chars[i];
            // A mark in brackets (`如期（√）`, `超前（ ）`) is one mark.
            if matches!(c, '(' | '[' | '【' | '〔') {
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                let inner = chars.get(j).and_then(|&c| mark_of(c));
                let k = if inner.is_some() { j + 1 } else { j };
                let mut e = k;
                while e < chars.len() && chars[e].is_whitespace() {
                    e += 1;
                }
                if matches!(chars.get(e), Some(')' | ']' | '】' | '〕')) {
                    out.push(Piece::Mark(inner.unwrap_or(Mark::Box)));
                    i = e + 1;
                    continue;
                }
            }
            let next_is_word = self.words.iter().any(|(_, w)| word_end(i + 1, w).is_some());
            out.push(match c {
                '不' | '未' | '无' | '没' | '非' if next_is_word => Piece::Not,
                c if c.is_whitespace() => Piece::Space,
                c => mark_of(c).map_or(Piece::Other, Piece::Mark),
            });
            i += 1;
        }
        out
    }

    /// Reads a 进度情况 cell: a dropdown value or a single bare word, or the
    /// word a tick touches. A mark belongs to the word it touches before any
    /// space (`超前　　如期√　　滞后` is 如期); a mark touching two words goes
    /// to the side the other marks of the cell use (`□超前□如期■滞后`), and is
    /// ambiguous without them. Crosses (× ✗ ╳) beside words mean "not this
    /// one" when another word is ticked, and select nothing without a tick
    /// (☒, a checked box, is a tick). Variation selectors (`☑️`) and
    /// other invisible characters are ignored. Never picks a word the marks
    /// do not single out: that is [`StatusPick::Ambiguous`].
    pub fn read(&self, v: &Value) -> StatusPick {
        let text = v.text();
        let pick = self.read_marks(&text);
        // A sentence instead of a tick: read by its clauses, where a status
        // word under a negation is never that status.
        match pick {
            StatusPick::One(_) | StatusPick::Ambiguous if !text.chars().any(|c| mark_of(c).is_some()) => {
                self.read_sentence(&text).unwrap_or(pick)
            }
            _ => pick,
        }
    }

    /// Reads a cell holding a sentence (`进度正常，无明显滞后`, `是否滞后：否`,
    /// `按计划推进`): each clause's status words and [`STATUS_PHRASES`],
    /// each either said or negated (a negation word up to four characters
    /// before it in its clause, `无明显滞后`, `不存在滞后`; or an answer after
    /// it, `滞后（否）`, `是否滞后：否`). One status said and not negated is
    /// the pick; a negated word alone, two said, a hedge (`基本如期`) or an
    /// unanswered question are [`StatusPick::Ambiguous`]. `None` when the
    /// text names no status.
    fn read_sentence(&self, text: &str) -> Option<StatusPick> {
        let text: String = compact(&clean(text)).chars().filter(|&c| !is_invisible(c)).collect();
        let mut said = std::collections::BTreeSet::new();
        let mut negated = std::collections::BTreeSet::new();
        let mut uncertain = false;
        let mut any = false;
        // The form's own words first, then the phrases that do not clash
        // with them.
        let mut terms: Vec<(Status, Vec<char>)> = self.words.clone();
        for (status, phrase) in STATUS_PHRASES {
            let p: Vec<char> = phrase.chars().collect();
            if !terms.iter().any(|(s, w)| *s != *status && (contains(w, &p) || contains(&p, w))) {
                terms.push((*status, p));
            }
        }
        terms.sort_by_key(|t| std::cmp::Reverse(t.1.len()));
        for clause in text.split(['，', ',', '。', '.', '；', ';', '！', '!', '、', '\n']) {
            let chars: Vec<char> = clause.chars().collect();
            let mut taken = vec![false; chars.len()];
            for (status, w) in &terms {
                let mut i = 0;
                while i + w.len() <= chars.len() {
                    if chars[i..i + w.len()] != w[..] || taken[i..i + w.len()].iter().any(|&t| t) {
                        i += 1;
                        continue;
                    }
                    taken[i..i + w.len()].iter_mut().for_each(|t| *t = true);
                    any = true;
                    let before: String = chars[i.saturating_sub(4)..i].iter().collect();
                    let after: String = chars[i + w.len()..]
                        .iter()
                        .filter(|c| !matches!(c, ':' | '(' | ')' | '[' | ']' | '【' | '】' | '?'))
                        .collect();
                    let question =
                        before.contains("是否") || before.contains("有无") || before.contains("是不是");
                    let answer_no =
                        ["否", "无", "没有", "不是", "不存在"].iter().any(|a| after.starts_with(a));
                    let answer_yes = ["是", "有", "存在"].iter().any(|a| after.starts_with(a));
                    let before_neg = !question && before.chars().any(|c| NEGATIONS.contains(&c));
                    if HEDGES.iter().any(|h| before.contains(h)) {
                        uncertain = true;
                    }
                    if before_neg || answer_no {
                        negated.insert(*status);
                    } else if question && !answer_yes {
                        uncertain = true;
                    } else {
                        said.insert(*status);
                    }
                    i += w.len();
                }
            }
        }
        if !any {
            return None;
        }
        let said: Vec<Status> = said.into_iter().filter(|s| !negated.contains(s)).collect();
        Some(match said.as_slice() {
            [one] if !uncertain => StatusPick::One(*one),
            _ => StatusPick::Ambiguous,
        })
    }

    /// [`StatusWords::read`] by the marks beside the words.
    fn read_marks(&self, text: &str) -> StatusPick {
        let pieces = self.pieces(text);
        if pieces.iter().all(|p| *p == Piece::Space) {
            return StatusPick::None;
        }
        if pieces.contains(&Piece::Not) {
            return StatusPick::Ambiguous;
        }
        let word_at = |i: Option<usize>| match i.and_then(|i| pieces.get(i)) {
            Some(Piece::Word(s)) => Some(*s),
            _ => None,
        };
        // (mark, word before it, word after it)
        let marks: Vec<(Mark, Option<Status>, Option<Status>)> = pieces
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Piece::Mark(m) => Some((*m, word_at(i.checked_sub(1)), word_at(Some(i + 1)))),
                _ => None,
            })
            .collect();
        let before = marks.iter().filter(|m| m.1.is_none() && m.2.is_some()).count();
        let after = marks.iter().filter(|m| m.1.is_some() && m.2.is_none()).count();
        let mut ticked = std::collections::BTreeSet::new();
        let mut crossed = std::collections::BTreeSet::new();
        let mut unplaced = false;
        for (m, left, right) in &marks {
            let word = match (left, right) {
                (Some(l), Some(r)) if before != after => Some(if before > after { *r } else { *l }),
                (Some(_), Some(_)) => None,
                (l, r) => l.or(*r),
            };
            match (m, word) {
                (Mark::Box, _) => {}
                (_, None) => unplaced = true,
                (Mark::Tick, Some(w)) => {
                    ticked.insert(w);
                }
                (Mark::Cross, Some(w)) => {
                    crossed.insert(w);
                }
            }
        }
        if unplaced {
            return StatusPick::Ambiguous;
        }
        match ticked.len() {
            0 => {}
            1 => {
                let t = ticked.into_iter().next().unwrap_or(Status::OnSchedule);
                return if crossed.contains(&t) { StatusPick::Ambiguous } else { StatusPick::One(t) };
            }
            _ => return StatusPick::Several,
        }
        // Crosses without a tick: chosen, or ruled out? Not for us to guess.
        if !crossed.is_empty() {
            return StatusPick::Ambiguous;
        }
        let words: std::collections::BTreeSet<Status> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Word(s) => Some(*s),
                _ => None,
            })
            .collect();
        let boxes = marks.iter().any(|m| m.0 == Mark::Box);
        match words.len() {
            // Text, but no status word in it.
            0 if pieces.contains(&Piece::Other) => StatusPick::Ambiguous,
            0 => StatusPick::None,
            1 if !boxes => words.into_iter().next().map_or(StatusPick::None, StatusPick::One),
            // Every choice printed and none marked: the untouched form.
            n if n == Status::ALL.len() || boxes => StatusPick::None,
            _ => StatusPick::Ambiguous,
        }
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

/// A person's name: invisible characters removed, folded, every inner
/// space removed (王　芳 → 王芳).
pub fn name(v: &Value) -> Option<String> {
    let n = compact(&clean(&v.text()));
    (!n.is_empty()).then_some(n)
}

/// A short text value (title, division, submitter, region): invisible
/// characters and controls removed, odd and full-width spaces made plain,
/// trimmed.
pub fn short_text(v: &Value) -> Option<String> {
    let t = clean_short(&v.text());
    (!t.is_empty()).then_some(t)
}

/// 填报单位: a short text without the stamp note clerks copy from the
/// label (`河北省环境保护厅（盖章）`): a parenthesised note at either end whose
/// text ends in 章 (盖章, 签章, 公章) is not part of the name.
pub fn submitter(v: &Value) -> Option<String> {
    let mut t = clean_short(&v.text());
    loop {
        let before = t.len();
        for (open, close) in [('（', '）'), ('(', ')')] {
            if t.ends_with(close) {
                if let Some(o) = t.rfind(open) {
                    if t[o..].trim_end_matches(close).ends_with('章') {
                        t.truncate(o);
                    }
                }
            }
            if t.starts_with(open) {
                if let Some(c) = t.find(close) {
                    if t[..c].ends_with('章') {
                        t.replace_range(..c + close.len_utf8(), "");
                    }
                }
            }
            t = t.trim().to_string();
        }
        if t.len() == before {
            break;
        }
    }
    (!t.is_empty()).then_some(t)
}

/// Free text: controls cleaned (line endings `\n`), trimmed at both ends
/// (invisible characters there too); otherwise kept as written.
pub fn free_text(v: &Value) -> Option<String> {
    let raw = v.text();
    let t = clean(&raw);
    let t = t.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    (!t.is_empty()).then(|| t.to_string())
}

/// Words clerks type before a phone in a person cell (`宋立军，电话：…`),
/// longest first where one holds another.
pub const PHONE_LABELS: &[&str] = &[
    "联系电话",
    "办公电话",
    "电话号码",
    "手机号码",
    "联系方式",
    "移动电话",
    "固定电话",
    "手机号",
    "电话",
    "手机",
    "座机",
    "固话",
    "Tel",
    "TEL",
    "tel",
    "Mobile",
    "mobile",
    "Phone",
    "phone",
];

/// Titles of a provincial department's leader in charge (分管领导).
pub const PROVINCIAL_LEAD_TITLES: &[&str] =
    &["副厅长", "副局长", "副主任", "巡视员", "总工程师", "总工", "副书记", "副院长", "分管"];
/// Titles of a municipal department's head (主要领导).
pub const MUNICIPAL_LEAD_TITLES: &[&str] = &["局长", "主任", "书记", "厅长"];
/// Titles of a division's leaders (处室领导).
pub const DIVISION_LEAD_TITLES: &[&str] = &["处长", "科长", "主任", "调研员", "所长", "站长"];
/// Further titles a person cell may carry (staff of the division).
const STAFF_TITLES: &[&str] = &["科员", "工程师", "专员", "干部", "组长", "经理"];

/// A word that is a title by itself (`科长`, `副处长`, `主任科员`): it ends
/// in one of the known titles and is at most three characters longer.
pub fn is_title(word: &str) -> bool {
    let n = word.chars().count();
    [PROVINCIAL_LEAD_TITLES, MUNICIPAL_LEAD_TITLES, DIVISION_LEAD_TITLES, STAFF_TITLES]
        .iter()
        .flat_map(|t| t.iter())
        .any(|t| {
            word == *t
                || (word.ends_with(t)
                    && word.starts_with(['副', '正', '总', '主'])
                    && n <= t.chars().count() + 2)
        })
}

/// A person cell as clerks fill it: a name, possibly a title (in brackets
/// or as a word of its own), possibly a phone with or without a label word
/// (`王强 13811112222`, `赵立新（副厅长）`, `李四(处长) 13800000000`,
/// `宋立军，电话：0533-2186102`, `颜廷玉 科长 0537-2345106`,
/// `黄志坚 +86 139 2345 6781`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonCell {
    /// The name, spaces removed.
    pub name: Option<String>,
    /// The title written in brackets after the name, or as a word of its own.
    pub title: Option<String>,
    /// The phone, read by [`parse_phone`].
    pub phone: Option<Result<String, String>>,
    /// Why the cell does not single out one person with one phone (two
    /// names, two phones), in Chinese; name and phone are then left out.
    pub unclear: Option<String>,
}

/// Separators between the parts of a person cell.
fn person_separator(c: char) -> bool {
    matches!(c, ',' | '，' | '、' | ';' | '；' | '/' | '／' | ':' | '：' | '|')
}

/// Splits a person cell into name, title and phone; see [`PersonCell`].
pub fn person_cell(v: &Value) -> PersonCell {
    let mut text = dashes(&clean_short(&v.text()));
    // A country code is not part of the number.
    for cc in ["(+86)", "（+86）", "+86", "＋86"] {
        text = text.replace(cc, " ");
    }
    for w in PHONE_LABELS {
        text = text.replace(w, " ");
    }
    let chars: Vec<char> = text.chars().collect();
    // Phone spans: digits with - ( ) and spaces between them, at least 7 digits.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut start = i;
        if start > 0 && matches!(chars[start - 1], '(' | '（') {
            start -= 1;
        }
        let mut end = i;
        let mut j = i;
        while j < chars.len() {
            if chars[j].is_ascii_digit() {
                end = j + 1;
            } else if !matches!(chars[j], '-' | '(' | ')' | '（' | '）' | ' ') {
                break;
            }
            j += 1;
        }
        let digits = chars[i..end].iter().filter(|c| c.is_ascii_digit()).count();
        if digits > 12 {
            // Longer than any one number: numbers side by side (`138… 139…`).
            let mut k = start;
            for part in chars[start..end].split(|c| *c == ' ') {
                if part.iter().filter(|c| c.is_ascii_digit()).count() >= 7 {
                    spans.push((k, k + part.len()));
                }
                k += part.len() + 1;
            }
        } else if digits >= 7 {
            spans.push((start, end));
        }
        i = end.max(i + 1);
    }
    let mut unclear = None;
    let phone = match spans.as_slice() {
        [] => None,
        [(s, e)] => parse_phone(&Value::Text(chars[*s..*e].iter().collect())),
        _ => {
            unclear = Some("单元格中有两个电话号码".to_string());
            None
        }
    };
    let mut rest = String::new();
    let mut at = 0;
    for (s, e) in &spans {
        rest.extend(&chars[at..*s]);
        rest.push(' ');
        at = *e;
    }
    rest.extend(&chars[at.min(chars.len())..]);
    // A bracketed title (`赵立新（副厅长）`).
    let mut title = None;
    let folded = rest.replace('（', "(").replace('）', ")");
    let mut rest = String::new();
    let mut tail = folded.as_str();
    while let Some(o) = tail.find('(') {
        let Some(c) = tail[o..].find(')') else { break };
        let inner = tail[o + 1..o + c].trim();
        if !inner.is_empty() && title.is_none() {
            title = Some(inner.to_string());
        }
        rest.push_str(&tail[..o]);
        rest.push(' ');
        tail = &tail[o + c + 1..];
    }
    rest.push_str(tail);
    // Groups between separators; in each, words that are titles are the
    // title, the others (spaces removed) a name.
    let mut names: Vec<String> = Vec::new();
    for group in rest.split(person_separator) {
        let mut name_part = String::new();
        for word in group.split_whitespace() {
            if is_title(word) {
                if title.is_none() {
                    title = Some(word.to_string());
                }
            } else {
                name_part.push_str(word);
            }
        }
        if let Some(n) = name(&Value::Text(name_part)) {
            names.push(n);
        }
    }
    // `张三和李四` is two people too.
    if let [one] = names.as_slice() {
        if let Some((a, b)) =
            one.split_once('和').filter(|(a, b)| a.chars().count() >= 2 && b.chars().count() >= 2)
        {
            names = vec![a.to_string(), b.to_string()];
        }
    }
    let name = match names.len() {
        0 | 1 => names.pop(),
        _ => {
            unclear = Some(format!("单元格中有{}个姓名（{}）", names.len(), names.join("、")));
            None
        }
    };
    if unclear.is_some() {
        return PersonCell { name: None, title, phone: None, unclear };
    }
    PersonCell { name, title, phone, unclear }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    const DS: DateSystem = DateSystem::From1900;

    fn month(s: &str) -> Option<YearMonth> {
        match parse_month(&t(s), None, DS).as_slice() {
            [m] => Some(*m),
            _ => None,
        }
    }

    #[test]
    fn months() {
        for s in [
            "2017年4月",
            "2017年 4 月",
            "2017.04",
            "2017-4",
            "17年4月",
            "2017/04",
            "２０１７年４月",
            "二〇一七年四月",
            "二○一七年四月",
            "二零一七年四月份",
            "二O一七年四月",
            "201704",
            "20170410",
            "2017年4月10日",
        ] {
            assert_eq!(month(s), YearMonth::new(2017, 4), "{s}");
        }
        assert_eq!(month("二〇一七年十月"), YearMonth::new(2017, 10));
        assert_eq!(month("2017年十二月"), YearMonth::new(2017, 12));
        assert_eq!(month("2017.10"), YearMonth::new(2017, 10));
        assert_eq!(month("2017.1"), YearMonth::new(2017, 1));
        assert_eq!(month("3月"), None);
        assert_eq!(month("2017年13月"), None);
        assert_eq!(month("　　　　年　　　月"), None);
        assert_eq!(month("2017年四月份吧"), None);
        let n = |f: f64, ds| parse_month(&Value::Number(f), None, ds);
        // 2017.10 typed into a number cell is kept as 2017.1: either month.
        assert_eq!(n(2017.1, DS), [YearMonth::new(2017, 1).unwrap(), YearMonth::new(2017, 10).unwrap()]);
        assert_eq!(n(2017.04, DS), [YearMonth::new(2017, 4).unwrap()]);
        assert_eq!(n(2017.12, DS), [YearMonth::new(2017, 12).unwrap()]);
        assert_eq!(n(20170510.0, DS), [YearMonth::new(2017, 5).unwrap()]);
        assert_eq!(n(42856.0, DS), [YearMonth::new(2017, 5).unwrap()]);
        assert_eq!(n(42856.0 - 1462.0, DateSystem::From1904), [YearMonth::new(2017, 5).unwrap()]);
        let window = |m: YearMonth| m >= YearMonth::new(2017, 3).unwrap();
        assert_eq!(pick_month(&n(2017.1, DS), window), Ok(YearMonth::new(2017, 10).unwrap()));
        assert!(pick_month(&n(2018.1, DS), window).is_err());
    }

    #[test]
    fn schedule_periods() {
        let p = |s: &str| parse_schedule_period(&t(s), 2017, DS);
        let m = |y, m| Period::month(y, m).into_iter().collect::<Vec<_>>();
        assert_eq!(p("3月"), m(2017, 3));
        assert_eq!(p("三月"), m(2017, 3));
        assert_eq!(p("十月"), m(2017, 10));
        assert_eq!(p("十二月"), m(2017, 12));
        assert_eq!(p("2017.3"), m(2017, 3));
        for s in ["2018年", "2018年全年", "2018年度", "二〇一八年"] {
            assert_eq!(p(s), [Period::Year(2018)], "{s}");
        }
        assert_eq!(parse_schedule_period(&Value::Number(2019.0), 2017, DS), [Period::Year(2019)]);
        assert!(p("某月").is_empty());
    }

    #[test]
    fn dates() {
        let d = NaiveDate::from_ymd_opt(2017, 5, 8);
        for s in [
            "2017年5月8日",
            "2017/5/8",
            "2017.5.8",
            "2017-05-08",
            "2017 年 5 月 8 日",
            "２０１７年５月８日",
            "二〇一七年五月八日",
            "二○一七年五月八日",
            "二零一七年五月八号",
            "20170508",
            "2017年05月08日",
        ] {
            assert_eq!(parse_date(&t(s), DS), d, "{s}");
        }
        assert_eq!(parse_date(&t("二〇一七年十二月三十一日"), DS), NaiveDate::from_ymd_opt(2017, 12, 31));
        assert_eq!(parse_date(&t("二〇一七年五月二十日"), DS), NaiveDate::from_ymd_opt(2017, 5, 20));
        assert_eq!(parse_date(&t("2017/5-8"), DS), None);
        assert_eq!(parse_date(&t("五月八日"), DS), None);
        assert_eq!(parse_date(&Value::Number(42863.0), DS), d);
        assert_eq!(parse_date(&Value::Number(20170508.0), DS), d);
        // The same serial in a 1904 workbook is four years and a day later.
        assert_eq!(
            parse_date(&Value::Number(41431.0), DateSystem::From1904),
            NaiveDate::from_ymd_opt(2017, 6, 7)
        );
        assert_eq!(parse_date(&Value::Number(41431.0), DS), NaiveDate::from_ymd_opt(2013, 6, 6));
        assert_eq!(parse_date(&t("2017年2月30日"), DS), None);
        assert_eq!(parse_date(&Value::Number(12.0), DS), None);
    }

    #[test]
    fn statuses() {
        use Status::*;
        let words = StatusWords::new(&[]);
        let one = |s: &str| words.read(&t(s));
        for (s, want) in [
            ("如期", OnSchedule),
            ("√如期", OnSchedule),
            ("如期√", OnSchedule),
            ("超前/如期/■滞后", Behind),
            ("☑超前", Ahead),
            ("超前□ 如期■ 滞后□", OnSchedule),
            ("□超前 ■如期 □滞后", OnSchedule),
            ("超前 如期 滞后√", Behind),
            ("超前　　如期√　　滞后", OnSchedule),
            ("超前√　　如期　　滞后", Ahead),
            ("超前　☑\u{FE0F}如期　滞后", OnSchedule),
            ("超前×　如期√　滞后×", OnSchedule),
            ("×超前 ✔如期 ╳滞后", OnSchedule),
            ("□超前□如期■滞后", Behind),
            ("超前■如期□滞后□", Ahead),
            ("超前（ ）如期（√）滞后（ ）", OnSchedule),
            ("☒滞后", Behind),
            ("\u{200B}如期\u{200B}", OnSchedule),
            ("○超前 ●如期 ○滞后", OnSchedule),
            // Letters spaced out, as a clerk pads a word.
            ("如 期", OnSchedule),
            ("超 前　　如 期√　　滞 后", OnSchedule),
            ("√超　前 如期 滞后", Ahead),
            ("超前 如期 滞　后√", Behind),
        ] {
            assert_eq!(one(s), StatusPick::One(want), "{s}");
        }
        for s in ["", "  ", "超前/如期/滞后", "□超前 □如期 □滞后", "超前（ ）如期（ ）滞后（ ）"]
        {
            assert_eq!(one(s), StatusPick::None, "{s:?}");
        }
        assert_eq!(one("√超前 √滞后"), StatusPick::Several);
        for s in [
            "超前如期√滞后",
            "超前 √ 如期 滞后",
            "超前× 如期 滞后×",
            "超前 如期 ✗滞后",
            "×超前",
            "如期 滞后",
            "未滞后",
            "正常",
            "如期√×",
        ] {
            assert_eq!(one(s), StatusPick::Ambiguous, "{s}");
        }
    }

    #[test]
    fn edited_status_words_are_read() {
        let words = StatusWords::new(&[
            (Status::Behind, "延误".into()),
            (Status::Ahead, "提前".into()),
            (Status::OnSchedule, "按期".into()),
        ]);
        assert_eq!(words.read(&t("□提前 ■按期 □延误")), StatusPick::One(Status::OnSchedule));
        assert_eq!(words.read(&t("延误")), StatusPick::One(Status::Behind));
        assert_eq!(words.read(&t("提前/按期/延误")), StatusPick::None);
        // The built-in words are not the form's words any more.
        assert_eq!(words.read(&t("如期")), StatusPick::Ambiguous);
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
        let c = person_cell(&t("王强 13811112222"));
        assert_eq!((c.name.as_deref(), c.title), (Some("王强"), None));
        assert_eq!(c.phone.unwrap().unwrap(), "13811112222");
        assert_eq!(person_cell(&t("王　芳")), PersonCell { name: Some("王芳".into()), ..Default::default() });
        let c = person_cell(&t("赵立新（副厅长）"));
        assert_eq!((c.name.as_deref(), c.title.as_deref(), c.phone), (Some("赵立新"), Some("副厅长"), None));
        let c = person_cell(&t("李四(处长) 13800000000"));
        assert_eq!((c.name.as_deref(), c.title.as_deref()), (Some("李四"), Some("处长")));
        assert_eq!(c.phone.unwrap().unwrap(), "13800000000");
        let c = person_cell(&t("陈静 (0311) 87654321"));
        assert_eq!((c.name.as_deref(), c.title), (Some("陈静"), None));
        assert_eq!(c.phone.unwrap().unwrap(), "0311-87654321");
        let c = person_cell(&t("\u{200B}钱明远\u{FEFF} 13731100001"));
        assert_eq!(c.name.as_deref(), Some("钱明远"));
        assert_eq!(free_text(&t("  一\r\n二 ")).as_deref(), Some("一\n二"));
        assert_eq!(free_text(&t("一\u{0B}二\u{0}")).as_deref(), Some("一\n二"));
        assert_eq!(submitter(&t("河北省环境保护厅（盖章）")).as_deref(), Some("河北省环境保护厅"));
        assert_eq!(submitter(&t("（盖章）河北省环境保护厅")).as_deref(), Some("河北省环境保护厅"));
        assert_eq!(submitter(&t("（盖章）")), None);
    }

    #[test]
    fn person_cells_with_label_words_titles_and_country_codes() {
        let read = |s: &str| {
            let c = person_cell(&t(s));
            (c.name, c.title, c.phone.map(|p| p.unwrap_or_else(|e| format!("ERR {e}"))), c.unclear.is_some())
        };
        let p = |n: &str, title: Option<&str>, ph: Option<&str>| {
            (Some(n.to_string()), title.map(str::to_string), ph.map(str::to_string), false)
        };
        assert_eq!(read("宋立军，电话：0533-2186102"), p("宋立军", None, Some("0533-2186102")));
        assert_eq!(read("孟凡华 手机：15165332890"), p("孟凡华", None, Some("15165332890")));
        assert_eq!(read("颜廷玉 科长 0537-2345106"), p("颜廷玉", Some("科长"), Some("0537-2345106")));
        assert_eq!(read("钱明远 13731100001 处长"), p("钱明远", Some("处长"), Some("13731100001")));
        assert_eq!(read("黄志坚 +86 139 2345 6781"), p("黄志坚", None, Some("13923456781")));
        assert_eq!(read("张伟 联系电话:010-89572231"), p("张伟", None, Some("010-89572231")));
        assert_eq!(read("刘洋 Tel: 0311-87654321"), p("刘洋", None, Some("0311-87654321")));
        assert_eq!(read("王芳 副处长"), p("王芳", Some("副处长"), None));
        // Near misses: a name alone, a name with spaces, a bracketed title.
        assert_eq!(read("王强"), p("王强", None, None));
        assert_eq!(read("王　芳"), p("王芳", None, None));
        assert_eq!(read("赵立新（副厅长）"), p("赵立新", Some("副厅长"), None));
        // Two people or two phones: no name or phone is picked.
        for s in ["张三、李四", "张三，李四 13800000000", "王强 13811112222 13922223333", "张三和李四"]
        {
            let c = person_cell(&t(s));
            assert!(c.unclear.is_some() && c.name.is_none() && c.phone.is_none(), "{s}: {c:?}");
        }
    }

    #[test]
    fn status_sentences_under_negation_are_never_that_status() {
        use Status::*;
        let words = StatusWords::new(&[]);
        for (s, want) in [
            ("进度正常，无明显滞后", StatusPick::One(OnSchedule)),
            ("无明显滞后，进度正常", StatusPick::One(OnSchedule)),
            ("如期完成", StatusPick::One(OnSchedule)),
            ("按计划推进", StatusPick::One(OnSchedule)),
            ("进度滞后", StatusPick::One(Behind)),
            ("是否滞后：是", StatusPick::One(Behind)),
            ("提前完成全部任务", StatusPick::One(Ahead)),
            ("不存在滞后", StatusPick::Ambiguous),
            ("是否滞后：否", StatusPick::Ambiguous),
            ("滞后（否）", StatusPick::Ambiguous),
            ("是否滞后", StatusPick::Ambiguous),
            ("基本如期", StatusPick::Ambiguous),
            ("未按计划推进", StatusPick::Ambiguous),
            ("没有出现滞后", StatusPick::Ambiguous),
            // Near misses: no status word at all, the untouched choices.
            ("工作正在开展", StatusPick::Ambiguous),
            ("超前/如期/滞后", StatusPick::None),
        ] {
            assert_eq!(words.read(&t(s)), want, "{s}");
        }
    }

    #[test]
    fn dates_as_word_and_excel_write_them() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        for (s, want) in [
            ("2017年7月7日星期五", d(2017, 7, 7)),
            ("2017年6月8日（星期四）", d(2017, 6, 8)),
            ("2017年6月8日 周四", d(2017, 6, 8)),
            ("2017-06-08 14:30", d(2017, 6, 8)),
            ("2017-06-08 14:30:00", d(2017, 6, 8)),
            ("2017/6/8 上午", d(2017, 6, 8)),
            ("2017/6/8 下午3:00", d(2017, 6, 8)),
            ("2017年06月08日15时", d(2017, 6, 8)),
            ("2017年6月8日15时30分", d(2017, 6, 8)),
            ("二〇一七年六月八日星期四", d(2017, 6, 8)),
            // Near misses: no day, a time alone.
            ("2017年6月", None),
            ("14:30", None),
            ("2017-06-0814:30", None),
        ] {
            assert_eq!(parse_date(&t(s), DS), want, "{s}");
        }
        // A date-time serial: the day.
        assert_eq!(parse_date(&Value::Number(42894.604), DS), d(2017, 6, 8));
        // Year-less days, by the return's period.
        let dec = YearMonth::new(2017, 12).unwrap();
        let apr = YearMonth::new(2017, 4).unwrap();
        assert_eq!(month_day(&t("1月8日")), Some((1, 8)));
        assert_eq!(month_day(&t("一月八日星期一")), Some((1, 8)));
        assert_eq!(month_day(&t("2018年1月8日")), None);
        assert_eq!(day_in_period((1, 8), dec), d(2018, 1, 8));
        assert_eq!(day_in_period((12, 29), dec), d(2017, 12, 29));
        assert_eq!(day_in_period((5, 8), apr), d(2017, 5, 8));
        // Months before the period: no year within reach says which.
        assert_eq!(day_in_period((2, 8), apr), None);
    }
}
