//! The board's markup: one maud template, every value escaped by maud.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::links::{href_of_relative, href_of_return};
use super::{ledger_state, Index};
use crate::doc::{BarChart, Rgb};
use crate::period::{Period, YearMonth};
use crate::record::{FormKind, Record};
use crate::review::{date_zh, Category, Cell, ChaseRow, FindingRow, Provenance};

const STYLE: &str = include_str!("board.css");
const SCRIPT: &str = include_str!("board.js");

/// The CSS class of a category (`k-Ahead`).
fn class(c: Option<Category>) -> String {
    c.map_or_else(|| "k-none".into(), |c| format!("k-{c:?}"))
}

fn css_colour(Rgb(r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// One rule per category: its fill, as the workbook and the report colour it.
fn category_style() -> String {
    Category::ALL
        .iter()
        .map(|c| match c.fill() {
            Some(f) => format!(".k-{c:?}{{background:{}}}\n", css_colour(f)),
            None => format!(".k-{c:?}{{background:#fff;color:#666}}\n"),
        })
        .collect()
}

/// The id of the section of a region's month (`r-3-2017-04`) or plan (`r-3-plan`).
pub(super) fn slot_id(region: usize, month: Option<YearMonth>) -> String {
    match month {
        Some(m) => format!("r-{region}-{}-{:02}", m.year, m.month),
        None => format!("r-{region}-plan"),
    }
}

/// What a matrix cell says: its text, or its category's word when blank
/// (never colour alone).
fn word(c: &Cell) -> String {
    match (&c.text, c.category) {
        (t, Some(cat)) if t.is_empty() => cat.label_zh().to_string(),
        (t, _) => t.clone(),
    }
}

/// Whether a cell opens a record section: due, and reported on by the region.
fn opens(c: &Cell) -> bool {
    !matches!(c.category, None | Some(Category::NotDue))
}

pub(super) fn page(ix: &Index) -> Markup {
    let r = ix.b.review;
    let title = format!("排污许可管理试点 报送状态看板（截至{}）", date_zh(r.as_of));
    let print_year = r.months.last().map(|m| m.year);
    // A month column is not yet due when every region's cell in it is.
    let not_due: Vec<bool> =
        r.counts.iter().map(|mc| mc.total() > 0 && mc.count(Category::NotDue) == mc.total()).collect();
    let prior = |m: &YearMonth| print_year.is_some_and(|y| m.year != y);
    let rules: std::collections::BTreeSet<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) (PreEscaped(category_style())) }
            }
            body {
                header #top {
                    h1 { (title) }
                    p.summary { (r.summary_zh()) }
                    nav {
                        a href="#matrix" { "总览" } " · "
                        a href="#chart" { "各月统计" } " · "
                        a href="#chase" { "催报" } " · "
                        a href="#findings" { "校验问题" }
                    }
                }
                form #filters hidden {
                    label { "地区 " select #f-region {
                        option value="" { "全部" }
                        @for row in &r.matrix { option value=(row.region) { (row.region) } }
                    } }
                    label { "状态 " select #f-state {
                        option value="" { "全部" }
                        @for c in Category::MONTH { option value=(class(Some(c))) { (c.label_zh()) } }
                        option value=(class(Some(Category::Received))) { (Category::Received.label_zh()) }
                    } }
                    label { "问题 " select #f-rule {
                        option value="" { "全部" }
                        @for rule in &rules { option value=(rule) { (rule) } }
                    } }
                    button type="reset" { "清除筛选" }
                }
                section #matrix {
                    h2 { "试点工作进展总览" }
                    p.hint { "点击单元格查看该地区该月的报表、问题和更正记录。" }
                    table.matrix {
                        thead { tr {
                            th.region scope="col" { "试点地区" }
                            th scope="col" { "工作计划" }
                            @for (j, m) in r.months.iter().enumerate() {
                                th scope="col" class=[prior(m).then_some("prior")] {
                                    (m.label_zh())
                                    @if not_due[j] { br; span.nd { "（未到期）" } }
                                }
                            }
                        } }
                        tbody {
                            @for (i, row) in r.matrix.iter().enumerate() {
                                tr data-region=(row.region) {
                                    th.region scope="row" { (row.region) }
                                    (matrix_cell(&row.plan, slot_id(i, None), false, &open_states(ix, &row.region, None)))
                                    @for (j, c) in row.months.iter().enumerate() {
                                        (matrix_cell(
                                            c,
                                            slot_id(i, Some(r.months[j])),
                                            prior(&r.months[j]),
                                            &open_states(ix, &row.region, Some(r.months[j])),
                                        ))
                                    }
                                }
                            }
                        }
                        tfoot {
                            tr { th colspan="2" { "各月统计（地区数）" }
                                @for m in &r.months { th class=[prior(m).then_some("prior")] { (m.label_zh()) } } }
                            @for c in Category::MONTH {
                                tr.count data-k=(class(Some(c))) {
                                    th colspan="2" class=(class(Some(c))) { (c.label_zh()) }
                                    @for mc in &r.counts {
                                        td class=[prior(&mc.month).then_some("prior")] { (mc.count(c)) }
                                    }
                                }
                            }
                        }
                    }
                    p.note { (r.legend_note()) }
                }
                section #chart { (chart(&r.chart())) }
                section #chase { (chase(&r.chase)) }
                section #findings { (findings(ix)) }
                section #records {
                    h2 { "各地区报表" }
                    @for (i, row) in r.matrix.iter().enumerate() {
                        @if opens(&row.plan) { (record_section(ix, i, &row.region, None, &row.plan)) }
                        @for (j, c) in row.months.iter().enumerate() {
                            @if opens(c) { (record_section(ix, i, &row.region, Some(r.months[j]), c)) }
                        }
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

fn matrix_cell(c: &Cell, id: String, prior: bool, states: &str) -> Markup {
    let classes = if prior { format!("{} prior", class(c.category)) } else { class(c.category) };
    html! {
        td class=(classes) data-k=(class(c.category)) {
            @if opens(c) { a href=(format!("#{id}")) { (word(c)) } } @else { (word(c)) }
            @if !states.is_empty() { span.ls { (states) } }
        }
    }
}

/// The findings ledger's 状态 of the open findings of the form a cell shows
/// (every version received), counted by word: `待处理 2，退回中 1`; empty
/// when none is open.
fn open_states(ix: &Index, region: &str, month: Option<YearMonth>) -> String {
    let (kind, period) = match month {
        Some(m) => (FormKind::Progress, Some(Period::Month(m))),
        None => (FormKind::Plan, None),
    };
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for r in ix.versions.get(&(region.to_string(), kind, period)).into_iter().flatten() {
        let findings = ix.findings.get(&(r.source.file.as_str(), r.source.sheet.as_str()));
        for f in findings.into_iter().flatten().filter(|f| f.is_open()) {
            let Some((state, _)) = ledger_state(f) else { continue };
            match counted.iter_mut().find(|(s, _)| *s == state) {
                Some((_, n)) => *n += 1,
                None => counted.push((state, 1)),
            }
        }
    }
    counted.iter().map(|(s, n)| format!("{s} {n}")).collect::<Vec<_>>().join("，")
}

/// The stacked bars of the months, drawn inline (no chart library).
fn chart(ch: &BarChart) -> Markup {
    let n = ch.categories.len().max(1);
    // Bars as wide as 640 px allow, between 10 and 36 px.
    let bar = (640.0 / n as f64 - 6.0).clamp(10.0, 36.0);
    let (gap, height, left, bottom) = (6.0_f64, 150.0_f64, 34.0_f64, 64.0_f64);
    let width = left + n as f64 * (bar + gap) + 10.0;
    let max = ch.max_total().max(1) as f64;
    let y = |v: f64| 10.0 + height - v / max * height;
    let ticks: Vec<u32> = (0..=4).map(|k| (ch.max_total().max(1) * k).div_ceil(4)).collect();
    html! {
        h2 { (ch.title) }
        svg.chart role="img" aria-label=(ch.title)
            viewBox=(format!("0 0 {width:.0} {:.0}", height + bottom)) width=(format!("{width:.0}")) height=(format!("{:.0}", height + bottom)) {
            @for t in &ticks {
                line x1=(left) x2=(format!("{:.0}", width - 6.0)) y1=(format!("{:.1}", y(*t as f64))) y2=(format!("{:.1}", y(*t as f64))) stroke="#ddd" {}
                text x=(left - 4.0) y=(format!("{:.1}", y(*t as f64) + 4.0)) text-anchor="end" font-size="10" { (t) }
            }
            @for (j, label) in ch.categories.iter().enumerate() {
                @let x = left + j as f64 * (bar + gap) + gap / 2.0;
                @let mut base = 0.0_f64;
                g {
                    title { (label) ": " (ch.series.iter().map(|s| format!("{} {}", s.name, s.values.get(j).copied().unwrap_or(0))).collect::<Vec<_>>().join("，")) }
                    @for s in &ch.series {
                        @let v = s.values.get(j).copied().unwrap_or(0) as f64;
                        @if v > 0.0 {
                            rect x=(format!("{x:.1}")) y=(format!("{:.1}", y(base + v))) width=(bar) height=(format!("{:.1}", v / max * height)) fill=(css_colour(s.color)) {}
                        }
                        ({ base += v; PreEscaped(String::new()) })
                    }
                    text font-size="9" text-anchor="end" transform=(format!("translate({:.1},{:.0}) rotate(-60)", x + bar / 2.0 + 3.0, height + 16.0)) { (label) }
                }
            }
        }
        ul.legend {
            @for s in &ch.series {
                li { span.swatch style=(format!("background:{}", css_colour(s.color))) {} (s.name) }
            }
        }
    }
}

fn person(name: &Option<String>, phone: &Option<String>) -> Markup {
    html! { (name.as_deref().unwrap_or("")) @if let Some(p) = phone { " " span.phone { (p) } } }
}

fn chase(rows: &[ChaseRow]) -> Markup {
    html! {
        h2 { "催报" }
        @if rows.is_empty() { p { "没有未报或迟报的报表。" } } @else {
            table.list {
                thead { tr { th { "地区" } th { "表格" } th { "截止日" } th { "状态" } th { "联系人" } th { "经办人" } } }
                tbody {
                    @for c in rows {
                        tr data-region=(c.region) data-k=(class(c.state.category)) {
                            td { (c.region) } td { (c.form) } td { (c.due) }
                            td class=(class(c.state.category)) { (c.state.text) }
                            td { (person(&c.contact.name, &c.contact.phone)) }
                            td { (person(&c.handler.name, &c.handler.phone)) }
                        }
                    }
                }
            }
        }
    }
}

/// The open findings (of the current returns that had arrived by the date,
/// not closed in the ledger).
fn findings(ix: &Index) -> Markup {
    let r = ix.b.review;
    let open: Vec<&FindingRow> = r.findings.iter().filter(|f| f.is_open()).collect();
    html! {
        h2 { "待处理的校验问题（" (open.len()) " 条）" }
        table.list {
            thead { tr { th { "地区" } th { "表格" } th { "期间" } th { "程度" } th { "问题" } th { "位置" } th { "说明" }
                @if ix.ledger { th { "状态" } th { "处理意见" } } } }
            tbody {
                @for f in &open {
                    tr data-region=(f.region) data-rule=(f.rule) {
                        td { (f.region) } td { (f.form) } td { (f.period) }
                        td class=(format!("sev-{:?}", f.severity)) { (f.severity.label_zh()) }
                        td { (f.rule) }
                        td { @if let Some(id) = ix.slot_of(f) { a href=(format!("#{id}")) { (f.source.label) } } @else { (f.source.label) } }
                        td { (f.message) }
                        @if ix.ledger { (ledger_cells(f)) }
                    }
                }
            }
        }
    }
}

fn ledger_cells(f: &FindingRow) -> Markup {
    let (state, decision) = ledger_state(f).unwrap_or(("", ""));
    html! { td { (state) } td { (decision) } }
}

fn link(href: Option<String>, text: &str) -> Markup {
    html! { @if let Some(h) = href { a href=(h) { (text) } } @else { span.nolink { (text) "（未找到文件）" } } }
}

fn record_section(
    ix: &Index,
    region_idx: usize,
    region: &str,
    month: Option<YearMonth>,
    cell: &Cell,
) -> Markup {
    let t = ix.b.templates;
    let (kind, period) = match month {
        Some(m) => (FormKind::Progress, Some(Period::Month(m))),
        None => (FormKind::Plan, None),
    };
    let versions = ix.versions(region, kind, period);
    let current = versions.iter().rev().find(|r| r.current).or(versions.last()).copied();
    let what = t.form_label(kind, period);
    let chase = ix.b.review.chase.iter().find(|c| c.region == region && c.month == month);
    html! {
        section.record id=(slot_id(region_idx, month)) data-region=(region) data-k=(class(cell.category)) {
            a.close href="#matrix" title="关闭" { "×" }
            h3 { (region) " · " (what) " · " span class=(class(cell.category)) { (word(cell)) } }
            @if let Some(c) = chase { p { "截止日 " (c.due) "：" (c.state.text) "。联系人 " (person(&c.contact.name, &c.contact.phone)) "，经办人 " (person(&c.handler.name, &c.handler.phone)) "。" } }
            @if let Some(rec) = current { (record_body(ix, rec, versions)) }
            p { a href="#matrix" { "返回总览" } }
        }
    }
}

/// The record's fields as read, with their cells: those the form has
/// (a value or a cell it was read from).
fn fields(rec: &Record) -> Vec<(&'static str, String, &str)> {
    crate::crosscheck::fields_shown(rec)
        .into_iter()
        .filter_map(|(field, value)| {
            let cell = rec.cells.get(&field.path()).map_or("", String::as_str);
            (value.is_some() || !cell.is_empty()).then(|| (field.label_zh(), value.unwrap_or_default(), cell))
        })
        .collect()
}

/// A letter's formats (`docx`, `pdf`), each with its link.
type Formats = Vec<(String, Option<String>)>;

/// The letters by name (`退回意见_河北省`), each with its formats.
fn letter_groups(letters: &[&std::path::Path]) -> Vec<(String, Formats)> {
    let mut out: Vec<(String, Formats)> = Vec::new();
    for l in letters {
        let stem = l.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let ext = l.extension().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        match out.iter_mut().find(|(s, _)| *s == stem) {
            Some((_, v)) => v.push((ext, href_of_relative(l))),
            None => out.push((stem, vec![(ext, href_of_relative(l))])),
        }
    }
    out
}

fn record_body(ix: &Index, rec: &Record, versions: &[&Record]) -> Markup {
    let b = ix.b;
    let src = Provenance::of_form(rec);
    let (letters, marked) = ix.feedback_of(rec);
    let finds = ix.findings_of(rec);
    let corrections = ix.corrections_of(rec);
    html! {
        p.links {
            "退回的文件：" (link(href_of_return(&src, b.dir, b.sources_root), &src.label))
            @for m in &marked { " · 标注表：" (link(href_of_relative(m), &m.file_name().map(|n| n.to_string_lossy()).unwrap_or_default())) }
            @for (stem, files) in letter_groups(&letters) {
                " · 信函：" (stem)
                @for (ext, href) in files { " " (link(href, &ext)) }
            }
        }
        h4 { "填报内容（如读取）" }
        table.fields {
            thead { tr { th { "栏目" } th { "内容" } th { "单元格" } } }
            tbody {
                @for (field, value, cell) in fields(rec) {
                    tr { th { (field) } td.text { @if value.is_empty() { span.nd { "（空，或未能读出）" } } @else { (value) } } td { (cell) } }
                }
                @for (k, e) in rec.schedule.iter().enumerate() {
                    tr { th { "计划 " (e.period.label_zh()) } td.text { (e.arrangement.as_deref().unwrap_or("")) }
                        td { (rec.cells.get(&format!("schedule[{k}].arrangement")).map(String::as_str).unwrap_or("")) } }
                }
            }
        }
        h4.findings { "问题（" (finds.len()) " 条）" }
        @if !finds.is_empty() {
            table.list.rec-findings {
                thead { tr { th { "程度" } th { "问题" } th { "单元格" } th { "说明" } th { "更正" }
                    @if ix.ledger { th { "状态" } th { "处理意见" } } } }
                tbody {
                    @for f in finds {
                        tr data-rule=(f.rule) {
                            td class=(format!("sev-{:?}", f.severity)) { (f.severity.label_zh()) }
                            td { (f.rule) } td { (f.cell) } td { (f.message) }
                            td { @if f.corrected { "已更正" } }
                            @if ix.ledger { (ledger_cells(f)) }
                        }
                    }
                }
            }
        }
        h4 { "收到的版本（" (versions.len()) " 份）" }
        ol.versions {
            @for v in versions {
                li { (crate::markup::file_name_of(&v.source.file)) "，填报时间 " (v.submitted_on.map(|d| d.to_string()).unwrap_or_else(|| "未填".into()))
                    @if v.current { " （当前版本）" } }
            }
        }
        @if !corrections.is_empty() {
            table.list {
                thead { tr { th { "更正" } th { "项目" } th { "原值" } th { "新值" } th { "单元格" } th { "版本" } } }
                tbody {
                    @for c in corrections {
                        tr { td class=(class(c.kind.category())) { (c.kind.label_zh()) } td { (c.item) } td.text { (c.old) } td.text { (c.new) }
                            td { (c.old_cell) " → " (c.new_cell) } td { (crate::markup::file_name_of(c.earlier)) " → " (crate::markup::file_name_of(c.later)) } }
                    }
                }
            }
        }
    }
}
