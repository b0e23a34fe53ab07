//! Finding a form's values in a sheet by the labels of the form model, never
//! by fixed addresses: tables may start anywhere, carry extra rows and
//! columns, be merged or not, and labels may be padded, full-width or end in
//! a colon. No merge data is needed (calamine has none for .ods).
//!
//! One cell may hold several labels with their values, as the seed prints
//! the footer (`填报单位：河北省环境保护厅（盖章）    填报时间：2017年5月8日`):
//! each label gets its own value, and all name that cell.

use std::collections::BTreeMap;

use crate::form::{Anchor, Direction, Field, FormModel};
use crate::ingest::normalize::StatusWords;
use crate::ingest::read::{Sheet, Value};
use crate::record::FormKind;
use crate::text::{compact, compact_head, fold_char, fold_width, is_invisible};

/// Longest text (characters, compacted) that can be a label by itself.
const LABEL_HEAD: usize = 40;

/// How far (in columns) a value may sit right of its label.
const RIGHT_REACH: usize = 4;

/// Comparison key of a label: compacted, a trailing parenthesised note
/// (（勾选）, （若有）, （盖章）) and trailing colons removed.
pub fn label_key(text: &str) -> String {
    trim_label(compact(text))
}

/// [`label_key`] of a text already compacted.
fn trim_label(mut k: String) -> String {
    loop {
        let before = k.len();
        while k.ends_with(':') {
            k.pop();
        }
        if k.ends_with(')') {
            if let Some(open) = k.rfind('(') {
                if open > 0 {
                    k.truncate(open);
                }
            }
        }
        if k.len() == before {
            return k;
        }
    }
}

/// A value found for a field, with the cell it came from (sheet position).
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// The value; [`Value::Empty`] when the cell is blank.
    pub value: Value,
    /// Sheet position (row, column) of the value, or of where it was expected.
    pub cell: (u32, u32),
}

/// One schedule row: its period and arrangement cells.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRow {
    /// 时间 of the row.
    pub period: Slot,
    /// 试点任务安排 of the row.
    pub arrangement: Slot,
}

/// Everything found on one sheet for one form model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Located {
    /// Single-valued fields, by field. A field whose label is missing is absent.
    pub values: BTreeMap<Field, Slot>,
    /// Plan schedule rows, top to bottom.
    pub schedule: Vec<ScheduleRow>,
    /// Sheet position of the schedule's 时间 header, when found.
    pub schedule_header: Option<(u32, u32)>,
}

/// A label cell found on the sheet.
#[derive(Debug, Clone)]
struct Hit {
    key: usize,
    row: usize,
    col: usize,
    /// Text typed after the label in the same cell (`时间：2017年4月`).
    inline: Option<String>,
    /// The last label of its cell: only it may take its value from a
    /// neighbouring cell.
    last: bool,
    /// The cell holds several labels: a value missing belongs in it.
    shared: bool,
}

/// The labels of one model, prepared once.
#[derive(Debug, Clone)]
pub struct Labels {
    kind: FormKind,
    keys: Vec<String>,
    title: String,
    anchors: Vec<Anchor>,
    /// Per key, the notes its label carries in brackets (勾选, 盖章 …).
    notes: Vec<Vec<String>>,
    status: StatusWords,
    /// The first character of every key.
    first_chars: Vec<char>,
}

/// The bracketed notes of a label text (`填报单位：（盖章）` → 盖章).
fn notes_of(text: &str) -> Vec<String> {
    let folded = compact(text);
    let mut out = Vec::new();
    let mut rest = folded.as_str();
    while let Some(o) = rest.find('(') {
        let Some(c) = rest[o..].find(')') else { break };
        let inner = &rest[o + 1..o + c];
        if !inner.is_empty() {
            out.push(inner.to_string());
        }
        rest = &rest[o + c + 1..];
    }
    out
}

impl Labels {
    /// Prepares the label keys and anchors of `model`.
    pub fn new(model: &FormModel) -> Self {
        let mut keys: Vec<String> = Vec::new();
        for l in model.labels() {
            let k = label_key(l);
            if !k.is_empty() && !keys.contains(&k) {
                keys.push(k);
            }
        }
        // Longest first, so 填报时间 is tried before 时间.
        keys.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        let mut notes = vec![Vec::new(); keys.len()];
        for l in model.labels() {
            if let Some(i) = keys.iter().position(|k| *k == label_key(l)) {
                notes[i].extend(notes_of(l));
            }
        }
        let mut first_chars: Vec<char> = keys.iter().filter_map(|k| k.chars().next()).collect();
        first_chars.sort_unstable();
        first_chars.dedup();
        Labels {
            kind: model.kind,
            first_chars,
            keys,
            title: compact(&model.title),
            anchors: model.anchors().unwrap_or_default(),
            notes,
            status: StatusWords::new(model.status_choices()),
        }
    }

    /// The form's status words, from the template's `choices`.
    pub fn status_words(&self) -> &StatusWords {
        &self.status
    }

    /// Comparison keys of the form's labels.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The form kind.
    pub fn kind(&self) -> FormKind {
        self.kind
    }

    fn key_index(&self, label: &str) -> Option<usize> {
        let k = label_key(label);
        self.keys.iter().position(|x| *x == k)
    }

    /// Matches a cell's text against the labels: each label in the cell
    /// with any value typed after it. A cell that is only a label gives one
    /// label without value; a cell starting `label：` may go on with further
    /// `label：value` pairs of the form (`总负责人：张三  责任处室：综合处`).
    fn classify(&self, text: &str) -> Vec<(usize, Option<String>)> {
        // Most cells are values: their first character starts no label.
        let first = text.chars().map(fold_char).find(|&c| !c.is_whitespace() && !is_invisible(c));
        if !first.is_some_and(|c| self.first_chars.contains(&c)) {
            return Vec::new();
        }
        // Only a text's start can be a label: a long paragraph is compacted
        // no further than [`LABEL_HEAD`] characters.
        let (head, whole) = compact_head(text, LABEL_HEAD + 1);
        let full = if whole { trim_label(head) } else { head };
        if full.is_empty() {
            return Vec::new();
        }
        if whole {
            if let Some(i) = self.keys.iter().position(|k| *k == full) {
                return vec![(i, None)];
            }
        }
        if !self.keys.iter().any(|k| full.starts_with(k.as_str())) {
            return Vec::new();
        }
        // The cell without spaces and invisible marks, width folded, each
        // char with its byte offset in `text`.
        let chars: Vec<(usize, char)> = text
            .char_indices()
            .filter(|(_, c)| !c.is_whitespace() && !is_invisible(*c))
            .map(|(at, c)| (at, fold_width(c.encode_utf8(&mut [0; 4])).chars().next().unwrap_or(c)))
            .collect();
        // A label starting at `p` and followed by an optional note and a
        // colon: (key, position after the colon).
        let label_at = |p: usize| -> Option<(usize, usize)> {
            self.keys.iter().enumerate().find_map(|(i, k)| {
                let n = k.chars().count();
                let matches = chars.len() >= p + n && chars[p..p + n].iter().map(|c| c.1).eq(k.chars());
                if !matches {
                    return None;
                }
                let mut q = p + n;
                if chars.get(q).map(|c| c.1) == Some('(') {
                    q = (q..chars.len()).find(|&j| chars[j].1 == ')')? + 1;
                }
                (chars.get(q).map(|c| c.1) == Some(':')).then_some((i, q + 1))
            })
        };
        let Some(first) = label_at(0) else { return Vec::new() };
        let mut found = vec![(0usize, first)];
        let mut p = first.1;
        while p < chars.len() {
            match label_at(p) {
                Some(l) => {
                    found.push((p, l));
                    p = l.1;
                }
                None => p += 1,
            }
        }
        let offset = |p: usize| chars.get(p).map_or(text.len(), |c| c.0);
        let mut out = Vec::new();
        for (j, &(_, (key, after))) in found.iter().enumerate() {
            let end = found.get(j + 1).map_or(text.len(), |next| offset(next.0));
            let start = offset(after).min(end);
            let value = self.strip_note(key, text[start..end].trim());
            out.push((key, (!value.is_empty()).then(|| value.to_string())));
        }
        out
    }

    /// A value without a leading bracketed note of its label
    /// (`填报单位：（盖章）济宁市环境保护局`).
    fn strip_note<'t>(&self, key: usize, v: &'t str) -> &'t str {
        for (open, close) in [('（', '）'), ('(', ')')] {
            if let Some(rest) = v.strip_prefix(open) {
                if let Some(end) = rest.find(close) {
                    let note = compact(&rest[..end]);
                    if self.notes[key].contains(&note) || note.ends_with('章') {
                        return rest[end + close.len_utf8()..].trim();
                    }
                }
            }
        }
        v
    }
}

fn hits(labels: &Labels, sheet: &Sheet) -> Vec<Hit> {
    let mut out = Vec::new();
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if let Value::Text(t) = v {
                let found = labels.classify(t);
                let n = found.len();
                for (i, (key, inline)) in found.into_iter().enumerate() {
                    out.push(Hit { key, row: r, col: c, inline, last: i + 1 == n, shared: n > 1 });
                }
            }
        }
    }
    out
}

/// How much a sheet looks like the form: the labels found, and whether its
/// title is there. It keeps the label cells it found, so [`locate`] reads
/// the sheet without matching the labels again.
#[derive(Debug, Clone)]
pub struct Score {
    /// Keys of the labels found.
    pub found: std::collections::BTreeSet<String>,
    /// The form's title (试点工作进展表 …) appears on the sheet.
    pub title: bool,
    hits: Vec<Hit>,
}

impl Score {
    /// Share of `keys` found, 0 to 1 (0 for no keys).
    pub fn share<'k>(&self, keys: impl IntoIterator<Item = &'k String>) -> f32 {
        let (mut n, mut hit) = (0usize, 0usize);
        for k in keys {
            n += 1;
            hit += usize::from(self.found.contains(k));
        }
        if n == 0 {
            0.0
        } else {
            hit as f32 / n as f32
        }
    }
}

/// Scores `sheet` against `labels`.
pub fn score(labels: &Labels, sheet: &Sheet) -> Score {
    let hits = hits(labels, sheet);
    let found = hits.iter().map(|h| labels.keys[h.key].clone()).collect();
    // A title holds the title's last character (a cheap test before compacting).
    let last = labels.title.chars().last().unwrap_or(' ');
    let title = sheet.rows.iter().flatten().any(|v| {
        matches!(v, Value::Text(t) if t.len() < 60 * 4
            && t.contains(last)
            && t.chars().count() < 60
            && compact(t).contains(&labels.title))
    });
    Score { found, title, hits }
}

/// The parts of a sheet holding the form more than once (a second filled
/// form pasted below or beside the first): one sheet per copy of the form's
/// title, each with its origin, so its cells keep their addresses. A sheet
/// with the title once (or not at all) is one part, itself.
pub fn form_parts(labels: &Labels, sheet: &Sheet) -> Vec<Sheet> {
    let last = labels.title.chars().last().unwrap_or(' ');
    let mut titles: Vec<(usize, usize)> = Vec::new();
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if matches!(v, Value::Text(t) if t.contains(last) && t.chars().count() < 60
                && compact(t).contains(&labels.title))
            {
                titles.push((r, c));
            }
        }
    }
    if titles.len() < 2 {
        return vec![sheet.clone()];
    }
    let part = |rows: Vec<Vec<Value>>, origin: (u32, u32)| Sheet {
        name: sheet.name.clone(),
        hidden: sheet.hidden,
        origin,
        rows,
        date1904: sheet.date1904,
    };
    let below = titles.windows(2).all(|w| w[1].0 > w[0].0);
    let beside = titles.windows(2).all(|w| w[1].0 == w[0].0 && w[1].1 > w[0].1);
    let blank_row = |r: usize| sheet.rows.get(r).is_none_or(|row| row.iter().all(Value::is_blank));
    let marks = |r: usize| sheet.rows.get(r).map_or(0, |row| row.iter().filter(|v| !v.is_blank()).count());
    if below {
        // A part starts at its title, or at the form mark (附3) right above it.
        let mut starts: Vec<usize> = vec![0];
        for &(r, _) in &titles[1..] {
            let mut s = r;
            while s > starts.last().copied().unwrap_or(0) + 1
                && s + 2 > r
                && !blank_row(s - 1)
                && marks(s - 1) == 1
            {
                s -= 1;
            }
            starts.push(s);
        }
        return starts
            .iter()
            .enumerate()
            .map(|(k, &s)| {
                let e = starts.get(k + 1).copied().unwrap_or(sheet.rows.len());
                part(sheet.rows[s..e].to_vec(), (sheet.origin.0 + s as u32, sheet.origin.1))
            })
            .collect();
    }
    if beside {
        let starts: Vec<usize> = std::iter::once(0).chain(titles[1..].iter().map(|t| t.1)).collect();
        return starts
            .iter()
            .enumerate()
            .map(|(k, &s)| {
                let e = starts.get(k + 1).copied().unwrap_or(usize::MAX);
                let rows = sheet
                    .rows
                    .iter()
                    .map(|row| row.get(s.min(row.len())..e.min(row.len())).unwrap_or_default().to_vec())
                    .collect();
                part(rows, (sheet.origin.0, sheet.origin.1 + s as u32))
            })
            .collect();
    }
    vec![sheet.clone()]
}

struct Finder<'a> {
    sheet: &'a Sheet,
    hits: Vec<Hit>,
}

impl Finder<'_> {
    fn is_label(&self, r: usize, c: usize) -> bool {
        self.hits.iter().any(|h| h.row == r && h.col == c)
    }

    fn pos(&self, r: usize, c: usize) -> (u32, u32) {
        (self.sheet.origin.0 + r as u32, self.sheet.origin.1 + c as u32)
    }

    fn slot(&self, r: usize, c: usize) -> Slot {
        Slot { value: self.sheet.get(r, c).clone(), cell: self.pos(r, c) }
    }

    fn empty(&self, r: usize, c: usize) -> Slot {
        Slot { value: Value::Empty, cell: self.pos(r, c) }
    }

    /// The next non-empty cell right of (r, c), unless it is a label.
    fn right(&self, r: usize, c: usize) -> Option<Slot> {
        for cc in c + 1..=c + RIGHT_REACH {
            if cc >= self.sheet.width() {
                break;
            }
            if self.is_label(r, cc) {
                return None;
            }
            if !self.sheet.get(r, cc).is_blank() {
                return Some(self.slot(r, cc));
            }
        }
        None
    }

    /// Columns a label heads: up to the next non-empty cell in its row.
    fn span(&self, r: usize, c: usize) -> usize {
        let mut n = 1;
        while n < RIGHT_REACH && c + n < self.sheet.width() && self.sheet.get(r, c + n).is_blank() {
            n += 1;
        }
        n
    }

    fn row_blank(&self, r: usize) -> bool {
        self.sheet.rows.get(r).is_none_or(|row| row.iter().all(Value::is_blank))
    }

    /// The first non-empty cell in the next non-blank row, within the label's
    /// columns; `None` when that cell is a label or the columns are empty.
    fn below(&self, r: usize, c: usize) -> (Option<Slot>, usize) {
        let mut rr = r + 1;
        while rr < self.sheet.rows.len() && self.row_blank(rr) {
            rr += 1;
        }
        for cc in c..c + self.span(r, c) {
            if self.is_label(rr, cc) {
                return (None, rr);
            }
            if !self.sheet.get(rr, cc).is_blank() {
                return (Some(self.slot(rr, cc)), rr);
            }
        }
        (None, rr)
    }
}

/// Finds the values of every anchor of `labels` on `sheet`, from the label
/// cells `score` (of the same labels and sheet) found.
pub fn locate(labels: &Labels, sheet: &Sheet, score: Score) -> Located {
    let finder = Finder { sheet, hits: score.hits };
    let first = |key: Option<usize>| key.and_then(|k| finder.hits.iter().find(|h| h.key == k));
    let mut out = Located::default();
    let mut schedule_cols: Vec<(Field, usize, usize)> = Vec::new();
    for a in &labels.anchors {
        let key = labels.key_index(&a.label);
        let hit = match &a.group {
            Some(g) => first(labels.key_index(g)).and_then(|g| {
                finder
                    .hits
                    .iter()
                    .filter(|h| Some(h.key) == key && h.row >= g.row && h.row <= g.row + 1 && h.col > g.col)
                    .min_by_key(|h| (h.row - g.row, h.col - g.col))
            }),
            None => first(key),
        };
        let Some(hit) = hit else { continue };
        if a.repeat {
            schedule_cols.push((a.field, hit.row, hit.col));
            continue;
        }
        let slot = if let Some(v) = &hit.inline {
            Some(Slot { value: Value::Text(v.clone()), cell: finder.pos(hit.row, hit.col) })
        } else if !hit.last {
            // An earlier label of a cell holding several left blank: its
            // value belongs in this cell, not in the next one.
            Some(finder.empty(hit.row, hit.col))
        } else {
            match a.direction {
                Direction::Right => Some(match finder.right(hit.row, hit.col) {
                    Some(found) => found,
                    // A form retyped as a horizontal table: the label's
                    // neighbour is the next label, its value is below it
                    // (and a missing one is missing there, not at the label).
                    // The last label of such a row has another on its left.
                    None if !hit.shared
                        && (finder.is_label(hit.row, hit.col + 1)
                            || (hit.col > 0 && finder.is_label(hit.row, hit.col - 1))) =>
                    {
                        let (found, rr) = finder.below(hit.row, hit.col);
                        found.unwrap_or_else(|| finder.empty(rr, hit.col))
                    }
                    None => finder.empty(hit.row, if hit.shared { hit.col } else { hit.col + 1 }),
                }),
                Direction::Below => {
                    let (found, rr) = finder.below(hit.row, hit.col);
                    // A value typed beside the label instead of below it.
                    found
                        .or_else(|| finder.right(hit.row, hit.col))
                        .or_else(|| Some(finder.empty(rr, hit.col)))
                }
            }
        };
        if let Some(s) = slot {
            out.values.insert(a.field, s);
        }
    }
    if let (Some(p), Some(arr)) = (
        schedule_cols.iter().find(|s| s.0 == Field::SchedulePeriod),
        schedule_cols.iter().find(|s| s.0 == Field::ScheduleArrangement),
    ) {
        let header = p.1.max(arr.1);
        let (pc, ac) = (p.2, arr.2);
        out.schedule_header = Some(finder.pos(p.1, pc));
        for r in header + 1..sheet.rows.len() {
            if finder.hits.iter().any(|h| h.row == r) {
                break;
            }
            if finder.row_blank(r) {
                continue;
            }
            let period = if sheet.get(r, pc).is_blank() { finder.empty(r, pc) } else { finder.slot(r, pc) };
            let arrangement = (ac..ac + RIGHT_REACH)
                .find(|&c| !sheet.get(r, c).is_blank())
                .map_or_else(|| finder.empty(r, ac), |c| finder.slot(r, c));
            if period.value.is_blank() && arrangement.value.is_blank() {
                continue;
            }
            out.schedule.push(ScheduleRow { period, arrangement });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_ignore_notes_colons_and_width() {
        assert_eq!(label_key("进度情况（勾选）"), "进度情况");
        assert_eq!(label_key("填报单位：（盖章）"), "填报单位");
        assert_eq!(label_key(" 试点 地区： "), "试点地区");
        assert_eq!(label_key("填报时间:"), "填报时间");
    }

    fn footer(text: &str) -> Vec<(String, Option<String>)> {
        let t = crate::Templates::embedded().unwrap();
        let labels = Labels::new(&t.plan);
        labels.classify(text).into_iter().map(|(k, v)| (labels.keys[k].clone(), v)).collect()
    }

    #[test]
    fn one_cell_with_several_labels_gives_each_its_value() {
        let both = |a: &str, b: &str| {
            vec![("填报单位".to_string(), Some(a.to_string())), ("填报时间".to_string(), Some(b.to_string()))]
        };
        assert_eq!(
            footer("填报单位：河北省环境保护厅（盖章）        填报时间：2017年5月8日"),
            both("河北省环境保护厅（盖章）", "2017年5月8日")
        );
        assert_eq!(
            footer("填报单位（盖章）：河北省环境保护厅　填报时间：２０１７年５月８日"),
            both("河北省环境保护厅", "２０１７年５月８日")
        );
        assert_eq!(
            footer("填报单位：（盖章）河北省环境保护厅 填报时间:2017-05-08"),
            both("河北省环境保护厅", "2017-05-08")
        );
        assert_eq!(
            footer("填报单位：（盖章）        填报时间："),
            vec![("填报单位".to_string(), None), ("填报时间".to_string(), None)]
        );
        assert_eq!(footer("试点地区"), vec![("试点地区".to_string(), None)]);
        assert_eq!(
            footer("联系方式：(0311)87654321"),
            vec![("联系方式".to_string(), Some("(0311)87654321".into()))]
        );
        assert_eq!(
            footer("联系人：李四 13800000000"),
            vec![("联系人".to_string(), Some("李四 13800000000".into()))]
        );
        // A label in the middle of free text is not a label.
        assert!(footer("本月召开培训会，联系人：李四").is_empty());
    }
}
