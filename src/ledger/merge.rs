//! Last run's ledger and this run's findings → the new ledger: every
//! entry's [`State`] by the contract's table, the office's rows matched by
//! 编号 and their cells kept, rows the tool cannot match kept at the end.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::key::{Key, Slot};
use super::said::{Answer, Said};
use super::{
    Decision, Entry, Gone, Ledger, Row, Sheet, Shown, State, ToolColumn, Value, DECISION_HEADER,
    OFFICE_HEADERS,
};

/// One finding of this run, as the ledger needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    /// Its key.
    pub key: Key,
    /// What the ledger shows of it.
    pub shown: Shown,
    /// Whether the version of the form that counts as of the review's date
    /// raises it (not only an earlier, superseded version).
    pub standing: bool,
}

/// What [`merge`] made.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Merged {
    /// The ledger to write.
    pub ledger: Ledger,
    /// Each 编号's state and the office's decision.
    pub states: BTreeMap<String, (State, Option<Decision>)>,
    /// What the office should know about its rows (a 编号 changed by hand,
    /// repeated, or missing), one line each.
    pub notes: Vec<String>,
}

/// The columns of a new ledger: the contract's, the office's four after
/// 状态, then the tool's others.
fn new_headers() -> Vec<String> {
    let mut h: Vec<String> = Vec::new();
    for c in ToolColumn::ALL {
        h.push(c.header().into());
        if c == ToolColumn::State {
            h.extend(OFFICE_HEADERS.iter().map(|s| s.to_string()));
        }
    }
    h
}

/// Merges `prev` (the ledger as the office saved it, if any) with this
/// run's `raised` findings as of `as_of`. `slots` are the forms among the
/// returns (region, form, period) as of the date, to tell a corrected
/// finding (its form still there) from one whose file is gone; `rank`
/// orders findings by region (the registry's order).
pub fn merge(
    prev: Option<&Ledger>,
    raised: &[Raised],
    slots: &BTreeSet<Slot>,
    as_of: NaiveDate,
    rank: &dyn Fn(&Key) -> usize,
) -> Merged {
    merge_with(prev, raised, &BTreeMap::new(), slots, as_of, rank)
}

/// The name of the ledger workbook's sheet of 情况说明 whose 编号 matches
/// no finding (altered, or of a form since gone), rewritten every run.
pub const UNPLACED_SHEET: &str = "未能对应的说明";

/// [`merge`], with the regions' 情况说明 by 编号 (`said`): a finding
/// still raised with an explanation that counts ([`Answer::said`]) is
/// 地区已说明 until the office decides; the text shows in 地区说明, a
/// bare or empty one is marked in 提示, and those whose 编号 matches no
/// finding are listed on sheet `UNPLACED_SHEET` (未能对应的说明) and in the notes.
pub fn merge_with(
    prev: Option<&Ledger>,
    raised: &[Raised],
    said: &BTreeMap<String, Answer>,
    slots: &BTreeSet<Slot>,
    as_of: NaiveDate,
    rank: &dyn Fn(&Key) -> usize,
) -> Merged {
    let mut headers = prev.map_or_else(new_headers, |p| p.headers.clone());
    for h in new_headers() {
        if !headers.iter().any(|x| x.trim() == h) {
            headers.push(h);
        }
    }
    let width = headers.len();
    let col = |h: &str| headers.iter().position(|x| x.trim() == h);
    let id_col = col(ToolColumn::Id.header());
    let decision_col = col(DECISION_HEADER);

    let mut entries: BTreeMap<String, Entry> = prev.map(|p| p.entries.clone()).unwrap_or_default();
    // This run's findings by 编号 (the standing version's texts first).
    let mut now: BTreeMap<String, (&Raised, bool)> = BTreeMap::new();
    for r in raised {
        let slot = now.entry(r.key.id()).or_insert((r, false));
        if r.standing && !slot.1 {
            *slot = (r, true);
        }
    }
    for (id, (r, standing)) in &now {
        let e = entries.entry(id.clone()).or_insert_with(|| Entry {
            key: r.key.clone(),
            shown: Shown::default(),
            state: State::Pending,
            links: Vec::new(),
            first_seen: as_of,
            last_seen: as_of,
            reopened: None,
        });
        e.shown = r.shown.clone();
        if *standing {
            e.last_seen = as_of;
            // Closed by a return, raised again by a later one.
            if matches!(e.state, State::Corrected | State::Void) {
                e.reopened = Some(as_of);
            }
        }
    }

    // The office's rows, matched by 编号.
    let mut notes = Vec::new();
    let mut matched: BTreeMap<String, Row> = BTreeMap::new();
    let mut kept: Vec<(Row, String)> = Vec::new();
    for row in prev.map(|p| p.rows.as_slice()).unwrap_or_default() {
        let mut row = row.clone();
        row.cells.resize(width, None);
        let at = row.at.unwrap_or(0);
        let id = id_col
            .and_then(|c| row.cells[c].as_ref())
            .map(|v| v.text().trim().to_string())
            .unwrap_or_default();
        if id.is_empty() {
            notes.push(format!("审核台账第 {at} 行没有编号，已原样保留在表末"));
            kept.push((row, "没有编号，未对应任何问题".into()));
        } else if !entries.contains_key(&id) {
            notes.push(format!(
                "审核台账第 {at} 行的编号“{id}”不是本工具所编（可能被改动过），该行已原样保留在表末，未对应任何问题"
            ));
            kept.push((row, "编号无法识别（可能被改动过），未对应任何问题".into()));
        } else {
            match matched.entry(id) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(row);
                }
                std::collections::btree_map::Entry::Occupied(o) => {
                    notes.push(format!(
                        "审核台账第 {at} 行的编号“{}”与另一行重复，该行已原样保留在表末，未对应任何问题",
                        o.key()
                    ));
                    kept.push((row, "编号重复，未对应任何问题".into()));
                }
            }
        }
    }

    // States: what is raised follows the office's decision; what is not
    // was corrected, or replaced (linked), or its form is gone.
    let standing: BTreeSet<&String> = now.iter().filter(|(_, (_, s))| *s).map(|(id, _)| id).collect();
    let mut by_place: BTreeMap<(&str, &str, &str, &str, &str), Vec<String>> = BTreeMap::new();
    for id in &standing {
        by_place.entry(now[*id].0.key.place()).or_default().push((*id).clone());
    }
    let decision = |id: &str| -> Option<Decision> {
        let v = decision_col.and_then(|c| matched.get(id).and_then(|r| r.cells[c].as_ref()))?;
        Decision::parse(&v.text()).ok().flatten()
    };
    let mut states = BTreeMap::new();
    let mut said_notes: BTreeMap<String, String> = BTreeMap::new();
    let mut reverse: Vec<(String, String)> = Vec::new();
    for (id, e) in entries.iter_mut() {
        let gone = if standing.contains(id) {
            None
        } else if let Some(new) = by_place.get(&e.key.place()) {
            for n in new {
                if !e.links.contains(n) {
                    e.links.push(n.clone());
                }
                reverse.push((n.clone(), id.clone()));
            }
            Some(Gone::Void)
        } else if e.state == State::Void && !e.links.is_empty() {
            // Replaced by a finding since gone too: it stays replaced.
            Some(Gone::Void)
        } else if slots.contains(&e.key.slot()) {
            Some(Gone::Corrected)
        } else {
            Some(Gone::Void)
        };
        let d = decision(id);
        let warning = e.shown.severity == "警告";
        let counts = match said.get(id).map(Answer::said) {
            Some(Said::Full) => true,
            Some(Said::Bare) => warning,
            _ => false,
        };
        if let Some(a) = said.get(id) {
            let last = a.versions.last().map(|(t, _)| t.as_str()).unwrap_or_default();
            let note = match a.said() {
                Said::Full => None,
                Said::Bare if warning => Some(format!("说明过简（只写了“{last}”），请核实后处理")),
                Said::Bare => Some(format!("说明过简（只写了“{last}”），错误须更正或说明理由，未计为说明")),
                Said::Nothing => Some(format!("情况说明“{last}”不计为说明")),
            };
            if let Some(n) = note {
                said_notes.insert(id.clone(), n);
            }
        }
        e.state = State::of(gone, d, counts);
        states.insert(id.clone(), (e.state, d));
    }
    for (new, old) in reverse {
        if let Some(e) = entries.get_mut(&new) {
            if !e.links.contains(&old) {
                e.links.push(old);
            }
        }
    }
    for e in entries.values_mut() {
        e.links.sort();
    }

    let mut order: Vec<&String> = entries.keys().collect();
    order.sort_by_cached_key(|id| {
        let e = &entries[*id];
        (rank(&e.key), e.key.form.clone(), e.key.period.clone(), e.first_seen, e.key.text())
    });
    let mut rows = Vec::with_capacity(order.len() + kept.len());
    for id in order {
        let e = &entries[id];
        let mut row = matched.remove(id).unwrap_or_else(|| Row { cells: vec![None; width], at: None });
        let text = |s: &str| (!s.is_empty()).then(|| Value::Text(s.to_string()));
        for c in ToolColumn::ALL {
            let Some(i) = col(c.header()) else { continue };
            row.cells[i] = match c {
                ToolColumn::Id => text(id),
                ToolColumn::Region => text(&e.shown.region),
                ToolColumn::Form => text(&e.shown.form),
                ToolColumn::Period => text(&e.shown.period),
                ToolColumn::Problem => text(&e.shown.problem),
                ToolColumn::Cell => text(&e.shown.cell),
                ToolColumn::Severity => text(&e.shown.severity),
                ToolColumn::State => text(e.state.label_zh()),
                ToolColumn::Link => text(&e.links.join("、")),
                ToolColumn::FirstSeen => text(&e.first_seen.to_string()),
                ToolColumn::Source => text(&e.shown.source),
                ToolColumn::Explanation => said.get(id).and_then(|a| text(&a.shown())),
                ToolColumn::Note => said_notes.get(id).and_then(|n| text(n)),
            };
        }
        rows.push(row);
    }
    let note_col = col(ToolColumn::Note.header());
    for (mut row, note) in kept {
        if let Some(i) = note_col {
            row.cells[i] = Some(Value::Text(note));
        }
        rows.push(row);
    }
    let mut other_sheets: Vec<Sheet> = prev.map(|p| p.other_sheets.clone()).unwrap_or_default();
    other_sheets.retain(|s| s.name != UNPLACED_SHEET);
    let unplaced: Vec<(&String, &Answer)> =
        said.iter().filter(|(id, _)| !entries.contains_key(*id)).collect();
    if !unplaced.is_empty() {
        let cell = |s: &str| Some(Value::Text(s.to_string()));
        let mut rows = vec![vec![cell("编号"), cell("情况说明"), cell("位置"), cell("提示")]];
        for (id, a) in unplaced {
            for (t, at) in &a.versions {
                let shown_id = if id.is_empty() { "（未填编号）" } else { id.as_str() };
                notes.push(format!(
                    "{at}：情况说明的编号“{shown_id}”对应不到任何问题，已列入“{UNPLACED_SHEET}”工作表"
                ));
                rows.push(vec![
                    cell(shown_id),
                    cell(t),
                    cell(at),
                    cell("编号无法对应（可能被改动或删除），请人工核对"),
                ]);
            }
        }
        other_sheets.push(Sheet { name: UNPLACED_SHEET.into(), rows, hidden: false });
    }
    Merged { ledger: Ledger { headers, rows, entries, other_sheets }, states, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(region: &str, value: &str) -> Key {
        Key {
            region: region.into(),
            form: "plan".into(),
            period: String::new(),
            rule: "lead.title".into(),
            field: "lead.title".into(),
            value: value.into(),
        }
    }

    fn raised(k: &Key) -> Raised {
        Raised {
            key: k.clone(),
            shown: Shown { region: k.region.clone(), ..Default::default() },
            standing: true,
        }
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2017, 5, d).unwrap()
    }

    #[test]
    fn corrected_then_raised_again_is_reopened_and_replaced_values_link_both_ways() {
        let (a, b) = (key("河北省", "1"), key("河北省", "2"));
        let slots: BTreeSet<Slot> = [a.slot()].into();
        let rank = |_: &Key| 0;
        let m1 = merge(None, &[raised(&a)], &slots, day(1), &rank);
        assert_eq!(m1.states[&a.id()].0, State::Pending);
        // The value changed and still fails: a void, linked, b new.
        let m2 = merge(Some(&m1.ledger), &[raised(&b)], &slots, day(2), &rank);
        assert_eq!(m2.states[&a.id()].0, State::Void);
        assert_eq!(m2.ledger.entries[&a.id()].links, [b.id()]);
        assert_eq!(m2.ledger.entries[&b.id()].links, [a.id()]);
        // Nothing raised, the form still there: b corrected.
        let m3 = merge(Some(&m2.ledger), &[], &slots, day(3), &rank);
        assert_eq!(m3.states[&b.id()].0, State::Corrected);
        assert_eq!(m3.states[&a.id()].0, State::Void, "a stays replaced");
        assert_eq!(m3.ledger.entries[&b.id()].reopened, None);
        // b comes back on a later return: open again, marked reopened.
        let m4 = merge(Some(&m3.ledger), &[raised(&b)], &slots, day(4), &rank);
        assert_eq!(m4.states[&b.id()].0, State::Pending);
        assert_eq!(m4.ledger.entries[&b.id()].reopened, Some(day(4)));
        assert_eq!(m4.ledger.entries[&b.id()].first_seen, day(2));
        // The form gone from the returns: void.
        let m5 = merge(Some(&m4.ledger), &[], &BTreeSet::new(), day(5), &rank);
        assert_eq!(m5.states[&b.id()].0, State::Void);
        assert_eq!(m5.ledger.rows.len(), 2, "every finding keeps its row");
    }

    #[test]
    fn explanations_by_number_two_versions_kept_and_unknown_numbers_listed() {
        let a = key("河北省", "1");
        let slots: BTreeSet<Slot> = [a.slot()].into();
        let rank = |_: &Key| 0;
        let mut r = raised(&a);
        r.shown.severity = "警告".into();
        let mut said = BTreeMap::new();
        let v = |t: &str, at: &str| (t.to_string(), at.to_string());
        said.insert(a.id(), Answer { versions: vec![v("同上", "x!D2"), v("职务为临时设置", "y!D2")] });
        said.insert("0000-0000-0000".into(), Answer { versions: vec![v("编号被改了", "y!D3")] });
        let m = merge_with(None, &[r], &said, &slots, day(1), &rank);
        assert_eq!(m.states[&a.id()].0, State::Explained);
        let shown = m.ledger.text(&m.ledger.rows[0], "地区说明");
        assert!(
            shown.contains("（第1份，x!D2）同上") && shown.contains("（第2份，y!D2）职务为临时设置"),
            "{shown}"
        );
        assert_eq!(m.ledger.rows.len(), 1, "an unknown 编号 adds no finding");
        let sheet = m.ledger.other_sheets.iter().find(|s| s.name == UNPLACED_SHEET).expect("listed");
        assert_eq!(sheet.rows[1][1], Some(Value::Text("编号被改了".into())));
        assert!(m.notes.iter().any(|n| n.contains("0000-0000-0000")), "{:?}", m.notes);
        // Run again on its own output: the sheet is rewritten, not doubled.
        let again = merge_with(Some(&m.ledger), &[raised(&a)], &said, &slots, day(2), &rank);
        assert_eq!(again.ledger.other_sheets.iter().filter(|s| s.name == UNPLACED_SHEET).count(), 1);
    }

    #[test]
    fn rows_without_a_known_number_are_kept_at_the_end_and_noted() {
        let a = key("河北省", "1");
        let slots: BTreeSet<Slot> = [a.slot()].into();
        let rank = |_: &Key| 0;
        let mut prev = merge(None, &[raised(&a)], &slots, day(1), &rank).ledger;
        let width = prev.headers.len();
        let note = prev.column("备注").unwrap();
        let mut typed = vec![None; width];
        typed[note] = Some(Value::Text("办公室插入的一行".into()));
        prev.rows.insert(0, Row { cells: typed, at: Some(2) });
        let m = merge(Some(&prev), &[raised(&a)], &slots, day(2), &rank);
        assert_eq!(m.ledger.rows.len(), 2);
        assert_eq!(m.ledger.text(&m.ledger.rows[1], "备注"), "办公室插入的一行");
        assert_eq!(m.ledger.text(&m.ledger.rows[0], "编号"), a.id());
        assert_eq!(m.notes.len(), 1, "{:?}", m.notes);
    }
}
