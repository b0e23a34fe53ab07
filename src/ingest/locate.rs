//! Finding a form's values in a sheet by the labels of the form model, never
//! by fixed addresses: tables may start anywhere, carry extra rows and
//! columns, be merged or not, and labels may be padded, full-width or end in
//! a colon. No merge data is needed (calamine has none for .ods).

use std::collections::BTreeMap;

use crate::form::{Anchor, Direction, Field, FormModel};
use crate::ingest::read::{Sheet, Value};
use crate::record::FormKind;
use crate::text::compact;

/// How far (in columns) a value may sit right of its label.
const RIGHT_REACH: usize = 4;

/// Comparison key of a label: compacted, a trailing parenthesised note
/// (（勾选）, （若有）, （盖章）) and trailing colons removed.
pub fn label_key(text: &str) -> String {
    let mut k = compact(text);
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
}

/// A label cell found on the sheet.
#[derive(Debug, Clone)]
struct Hit {
    key: usize,
    row: usize,
    col: usize,
    /// Text typed after the label in the same cell (`时间：2017年4月`).
    inline: Option<String>,
}

/// The labels of one model, prepared once.
#[derive(Debug, Clone)]
pub struct Labels {
    kind: FormKind,
    keys: Vec<String>,
    title: String,
    anchors: Vec<Anchor>,
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
        Labels {
            kind: model.kind,
            keys,
            title: compact(&model.title),
            anchors: model.anchors().unwrap_or_default(),
        }
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

    /// Matches a cell's text against the labels: the label index and any
    /// value typed after it in the same cell.
    fn classify(&self, text: &str) -> Option<(usize, Option<String>)> {
        let full = label_key(text);
        if full.is_empty() || full.chars().count() > 40 {
            return None;
        }
        if let Some(i) = self.keys.iter().position(|k| *k == full) {
            return Some((i, None));
        }
        let c = compact(text);
        for (i, k) in self.keys.iter().enumerate() {
            if let Some(rest) = c.strip_prefix(k.as_str()) {
                // Optional note in parentheses, then a colon, then the value.
                let rest = if rest.starts_with('(') {
                    rest.find(')').map_or(rest, |e| &rest[e + 1..])
                } else {
                    rest
                };
                if rest.starts_with(':') {
                    // Take the value from the original text, spaces kept.
                    let at = text
                        .find(['：', ':'])
                        .map_or(text.len(), |p| p + text[p..].chars().next().map_or(1, char::len_utf8));
                    let mut v = text[at..].trim();
                    // A note such as （盖章） after the colon is not the value.
                    if v.starts_with(['(', '（']) {
                        if let Some(end) = v.find([')', '）']) {
                            v = v[end + v[end..].chars().next().map_or(1, char::len_utf8)..].trim();
                        }
                    }
                    return Some((i, (!v.is_empty()).then(|| v.to_string())));
                }
            }
        }
        None
    }
}

fn hits(labels: &Labels, sheet: &Sheet) -> Vec<Hit> {
    let mut out = Vec::new();
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if let Value::Text(t) = v {
                if let Some((key, inline)) = labels.classify(t) {
                    out.push(Hit { key, row: r, col: c, inline });
                }
            }
        }
    }
    out
}

/// How much a sheet looks like the form: the labels found, and whether its
/// title is there.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Keys of the labels found.
    pub found: std::collections::BTreeSet<String>,
    /// The form's title (试点工作进展表 …) appears on the sheet.
    pub title: bool,
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
    let found = hits(labels, sheet).into_iter().map(|h| labels.keys[h.key].clone()).collect();
    let title =
        sheet.rows.iter().flatten().any(
            |v| matches!(v, Value::Text(t) if t.chars().count() < 60 && compact(t).contains(&labels.title)),
        );
    Score { found, title }
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

/// Finds the values of every anchor of `labels` on `sheet`.
pub fn locate(labels: &Labels, sheet: &Sheet) -> Located {
    let finder = Finder { sheet, hits: hits(labels, sheet) };
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
        } else {
            match a.direction {
                Direction::Right => {
                    Some(finder.right(hit.row, hit.col).unwrap_or_else(|| finder.empty(hit.row, hit.col + 1)))
                }
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
}
