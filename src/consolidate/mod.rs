//! The consolidated ministry workbook (汇总): the status matrix, the per-task
//! view, plan coverage, every progress record, behind-schedule reasons and
//! difficulties, the chase list, the contact directory and every finding.
//!
//! The status sheets (总览, 按任务, 催报, 联系人) render the
//! [`Review`] — its words, categories and colours —
//! and 计划 judges the plan by the rules of [`crate::tracking`]; the list
//! sheets (进展明细, 滞后与困难) show every current record, 校验问题 every
//! record's findings (a superseded one marked so), whatever its date.
//!
//! Every text that came from a returned file is written with
//! `write_string`, so a value starting with `=`, `+`, `-` or `@` stays text
//! and never becomes a formula; it passes through
//! [`crate::text::writable`] first (XML-illegal characters dropped, text
//! over the 32,767-character cell limit cut with a note). Output is
//! deterministic: fixed document date, registry order for regions, then
//! month, then file.
//!
//! Speed: 更正记录, which lists every resubmission's changes and can hold
//! most of the workbook's cells, is filled on its own thread in the writer's
//! low-memory mode while the other sheets are filled on another. It needs
//! only the corrections, so [`consolidate`] starts it as soon as they are
//! made and builds the rest of the [`Review`] beside it; the text of each
//! chunk of its rows is prepared while the chunk before is written.
//! 进展明细 is streamed too (constant-memory mode), so that saving has only
//! small sheets left to put together; the formats of both are numbered
//! before they are filled, so the output is the same on every run. Table
//! rows set their formats once per run of cells sharing one, and
//! 更正记录's rows are top-left throughout, so most need one.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use rayon::prelude::*;
use rust_xlsxwriter::{
    Chart, ChartFormat, ChartSolidFill, ChartType, DocProperties, ExcelDateTime, Format, FormatAlign, Note,
    Url, Workbook, Worksheet, XlsxError,
};

use crate::crosscheck::{self, Correction};
use crate::doc::Rgb;
use crate::period::Period;
use crate::record::{FormKind, Person, Record, Status};
use crate::registry::Registry;
use crate::render::RenderError;
use crate::review::{circled, correction_rows, Category, Cell, CorrectionRow, Provenance, Review};
use crate::templates::Templates;
use crate::tracking::Tick;

mod sheet;
use sheet::{as_of_zh, base, date, opt, print_setup, put, rgb, RowText, Styles, TableSheet};

/// Sheet names, in workbook order.
pub const SHEETS: [&str; 9] =
    ["总览", "按任务", "计划", "进展明细", "滞后与困难", "催报", "联系人", "校验问题", "更正记录"];

/// Row (0-based) of the matrix header on 总览; regions start on the next row.
pub const MATRIX_HEADER_ROW: u32 = 2;

/// `王强 13811112222` style one-line description of a person.
pub fn person_line(p: &Person) -> String {
    [&p.name, &p.title, &p.phone].iter().filter_map(|s| s.as_deref()).collect::<Vec<_>>().join(" ")
}

/// Regions first in registry order, then records of unknown regions by the
/// text written; then month, then file.
pub(crate) fn record_order<'r>(
    reg: &Registry,
) -> impl Fn(&&'r Record) -> (usize, &'r str, Option<Period>, &'r str, &'r str) + '_ {
    move |r: &&'r Record| {
        let idx = r.region.as_deref().and_then(|n| reg.region_by_name(n)).map_or(usize::MAX, |id| id.0);
        (idx, &r.region_raw, r.period, &r.source.file, &r.source.sheet)
    }
}

/// The region name to show: canonical, else what was written, marked.
pub fn region_shown(r: &Record) -> String {
    match &r.region {
        Some(n) => n.clone(),
        None if r.region_raw.is_empty() => "（未识别地区）".into(),
        None => format!("{}（未识别）", r.region_raw),
    }
}

/// Builds the consolidated workbook as of `as_of`: the sheets in
/// [`SHEETS`], statuses by the rules of [`crate::tracking`] as the
/// [`Review`] words them.
///
/// # Examples
/// ```
/// use permit_forms::{consolidate::consolidate, Templates};
/// let t = Templates::embedded()?;
/// let as_of = chrono::NaiveDate::from_ymd_opt(2017, 5, 11).unwrap();
/// let xlsx: Vec<u8> = consolidate(&t, &[], as_of)?;
/// assert!(xlsx.starts_with(b"PK"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`RenderError::Xlsx`] when the writer refuses the workbook.
pub fn consolidate(
    templates: &Templates,
    records: &[Record],
    as_of: NaiveDate,
) -> Result<Vec<u8>, RenderError> {
    build_and_render(templates, records, as_of, None)
}

/// Like [`consolidate`], for a workbook to be saved in `workbook_dir`: the
/// 来源 cells (and the matrix cells) link to the returns reachable from it.
///
/// # Errors
/// [`RenderError::Xlsx`] when the writer refuses the workbook.
pub fn consolidate_in(
    templates: &Templates,
    records: &[Record],
    as_of: NaiveDate,
    workbook_dir: &Path,
) -> Result<Vec<u8>, RenderError> {
    build_and_render(templates, records, as_of, Some(LinkFrom { workbook_dir, sources_root: None }))
}

/// The workbook of the review of `records`: the corrections are made first,
/// then 更正记录 is filled from them while the rest of the review is built
/// and the other sheets are filled from it.
fn build_and_render(
    templates: &Templates,
    records: &[Record],
    as_of: NaiveDate,
    at: Option<LinkFrom>,
) -> Result<Vec<u8>, RenderError> {
    let corrections: Arc<[Correction]> = crosscheck::corrections(records).into();
    let shared = corrections.clone();
    let review = move || Review::with_corrections(templates, records, as_of, shared);
    workbook(templates, records, as_of, corrections, review, at)
}

/// Renders the workbook of a review built from `records`, without links.
///
/// # Errors
/// [`RenderError::Xlsx`] when the writer refuses the workbook.
pub fn render(templates: &Templates, review: &Review, records: &[Record]) -> Result<Vec<u8>, RenderError> {
    render_in(templates, review, records, None)
}

/// Where a workbook is saved, for its relative links to the returns.
#[derive(Debug, Clone, Copy)]
pub struct LinkFrom<'a> {
    /// The folder the workbook is saved in.
    pub workbook_dir: &'a Path,
    /// The folder a relative `source.file` is relative to (the `review`
    /// verb's stripped prefix); `None`: the current directory.
    pub sources_root: Option<&'a Path>,
}

/// Where the workbook goes, for the relative links to the returns (none
/// when unknown), with each file's link worked out once.
struct Links<'a> {
    at: Option<LinkFrom<'a>>,
    cache: std::cell::RefCell<BTreeMap<String, Option<String>>>,
}

impl<'a> Links<'a> {
    fn new(at: Option<LinkFrom<'a>>) -> Self {
        Links { at, cache: Default::default() }
    }

    /// A `file:///` link to the return, relative to the workbook's folder.
    fn url(&self, source: &Provenance, text: &str) -> Option<Url> {
        let at = self.at?;
        let cached = self.cache.borrow().get(&source.file).cloned();
        let rel = match cached {
            Some(rel) => rel,
            None => {
                let rel = Self::link(at, source);
                self.cache.borrow_mut().insert(source.file.clone(), rel.clone());
                rel
            }
        }?;
        // A name no link can carry is shown without one (crate::names).
        let rel = crate::names::link_target(&rel)?;
        Some(Url::new(format!("file:///{rel}")).set_text(text).set_tip(crate::names::tip(&source.label)))
    }

    fn link(at: LinkFrom, source: &Provenance) -> Option<String> {
        match at.sources_root {
            Some(root) if Path::new(&source.file).is_relative() => {
                let file = Provenance {
                    file: root.join(&source.file).to_string_lossy().into_owned(),
                    ..source.clone()
                };
                file.link(at.workbook_dir)
            }
            _ => source.link(at.workbook_dir),
        }
    }

    /// Writes `text` at (r, c), linked to its source when reachable.
    fn put(
        &self,
        ws: &mut Worksheet,
        r: u32,
        c: u16,
        text: &str,
        source: Option<&Provenance>,
        f: &Format,
    ) -> Result<(), XlsxError> {
        let text = crate::text::xlsx_writable(text);
        match source.and_then(|s| self.url(s, &text)) {
            Some(url) if !text.is_empty() => {
                ws.write_url_with_format(r, c, url, f)?;
                Ok(())
            }
            _ => put(ws, r, c, &text, f),
        }
    }

    /// Links the 来源 cell of the last row written to its source.
    fn source_cell(
        &self,
        t: &mut TableSheet,
        col: u16,
        source: &Provenance,
        f: &Format,
    ) -> Result<(), XlsxError> {
        let row = t.row - 1;
        self.put(t.ws, row, col, &source.label, Some(source), f)
    }
}

/// Renders the workbook of a review built from `records`, to be saved in
/// a folder when `at` gives one (the returns reachable from it are linked).
///
/// # Errors
/// [`RenderError::Xlsx`] when the writer refuses the workbook.
pub fn render_in(
    templates: &Templates,
    review: &Review,
    records: &[Record],
    at: Option<LinkFrom>,
) -> Result<Vec<u8>, RenderError> {
    workbook(templates, records, review.as_of, review.corrections.clone(), || review, at)
}

/// The workbook as of `as_of`: 更正记录 made of `corrections` on one thread
/// while `review()` is made (or handed over, when it is built already) and
/// the other sheets are filled from it on another.
fn workbook<R: Borrow<Review>>(
    templates: &Templates,
    records: &[Record],
    as_of: NaiveDate,
    corrections: Arc<[Correction]>,
    review: impl FnOnce() -> R + Send,
    at: Option<LinkFrom>,
) -> Result<Vec<u8>, RenderError> {
    let reg = &templates.registry;
    let st = Styles::new();
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_title(format!("排污许可管理试点工作汇总（截至{}）", as_of_zh(as_of)))
            .set_author("排污许可管理试点")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2017, 3, 1)?)
            // Marks the workbook as this tool's output, so ingest skips it.
            .set_custom_property(crate::ingest::sniff::OUTPUT_PROPERTY, "汇总工作簿"),
    );
    // Level 1: saving deflates the sheets' XML on one thread after they
    // are filled. For 10,000 records (17.7 MB of 更正记录 XML) level 1 saves
    // in about 90 ms and level 2 in 115 ms (level 6 takes three times as
    // long as 2); the file is 3.4 MB, 2.4 MB and 1.9 MB. The samples'
    // workbook is 69 KB instead of 57 KB at level 2.
    wb.set_zip_compression_level(1);
    // 更正记录 lists what every resubmission changed and can hold many times
    // the cells of all other sheets together. It is filled on one thread
    // while the others are on another, in the writer's low-memory mode:
    // rows go out as XML as they are filled, so saving only deflates them.
    // 进展明细, the longest of the others, goes out the same way in the
    // constant-memory mode, its strings inline: a low-memory sheet numbers
    // its strings as it is written, and only one sheet may do that for the
    // numbering to be the same on every run.
    let mut last = wb.new_worksheet_with_low_memory()?;
    let listed = wb.new_worksheet_with_constant_memory()?;
    // Streamed sheets number their formats in the workbook as they first
    // use them; two of them filled at once would do so in whatever order the
    // threads reach them. Every format they use is numbered here first, in
    // one order (the writer's `register_format` is there for this).
    for f in st.all() {
        wb.register_format(f);
    }
    let (others, written) = rayon::join(
        // The sheets are on the heap: a Worksheet is about 5 KB, and an
        // array of eight passed by value through the join's layers is copied
        // at each, which in a debug build overflowed a worker's stack.
        || -> Result<Vec<Worksheet>, XlsxError> {
            let review = review();
            let review = review.borrow();
            let links = Links::new(at);
            // Each function names its sheet (in the order of SHEETS).
            let mut sheets: Vec<Worksheet> = std::iter::repeat_with(Worksheet::new).take(8).collect();
            sheets[3] = listed;
            let [s0, s1, s2, s3, s4, s5, s6, s7] = &mut sheets[..] else {
                unreachable!("eight sheets were made just above")
            };
            overview(s0, &st, review, &links)?;
            by_task(s1, &st, review)?;
            plans(s2, &st, review)?;
            let mut current: Vec<&Record> = records.iter().filter(|r| r.current).collect();
            current.sort_by_cached_key(record_order(reg));
            details(s3, &st, reg, &current, &links)?;
            behind(s4, &st, templates, &current, &links)?;
            chase(s5, &st, review)?;
            contacts(s6, &st, review)?;
            issues(s7, &st, review, &links)?;
            Ok(sheets)
        },
        || corrections_sheet(&mut last, &st, &correction_rows(templates, records, &corrections)),
    );
    written?;
    for ws in others?.into_iter().chain([last]) {
        wb.push_worksheet(ws);
    }
    // The corrections are let go on another thread while the workbook is
    // saved (10,000 records: about 10 ms).
    let (saved, ()) = rayon::join(|| wb.save_to_buffer(), move || drop(corrections));
    Ok(saved?)
}

fn overview(ws: &mut Worksheet, st: &Styles, r: &Review, links: &Links) -> Result<(), XlsxError> {
    ws.set_name(SHEETS[0])?;
    ws.write_string_with_format(0, 0, format!("试点工作进展总览（截至{}）", as_of_zh(r.as_of)), &st.title)?;
    let h = MATRIX_HEADER_ROW;
    ws.set_column_width(0, OVERVIEW_WIDTHS[0])?;
    ws.set_column_width(1, OVERVIEW_WIDTHS[1])?;
    ws.set_row_height(0, OVERVIEW_TITLE_PT)?;
    ws.write_string_with_format(h, 0, "试点地区", &st.header)?;
    ws.write_string_with_format(h, 1, "工作计划", &st.header)?;
    for (i, m) in r.months.iter().enumerate() {
        ws.set_column_width(2 + i as u16, OVERVIEW_WIDTHS[2])?;
        ws.write_string_with_format(h, 2 + i as u16, m.label_zh(), &st.header)?;
    }
    let last_col = 1 + r.months.len() as u16;
    for (i, row) in r.matrix.iter().enumerate() {
        let at = h + 1 + i as u32;
        ws.set_row_height(at, OVERVIEW_ROW_PT)?;
        ws.write_string_with_format(at, 0, &row.region, &st.center)?;
        // A reported cell links to its return and names the cell it was read from in a note.
        let cell = |ws: &mut Worksheet, col: u16, c: &Cell| -> Result<(), XlsxError> {
            links.put(ws, at, col, &c.text, c.source.as_ref(), st.center_fill(c.category))?;
            if let Some(s) = &c.source {
                let note = Note::new(format!("来源：{}", s.label))
                    .set_author("来源")
                    .add_author_prefix(false)
                    .set_width(300)
                    .set_height(60);
                ws.insert_note(at, col, &note)?;
            }
            Ok(())
        };
        cell(ws, 1, &row.plan)?;
        for (j, c) in row.months.iter().enumerate() {
            cell(ws, 2 + j as u16, c)?;
        }
    }
    // Per-month counts; the coloured label cells are the legend. They
    // start a printed page, so the block stays with its header; the chart
    // starts another.
    let counts_head = h + 2 + r.matrix.len() as u32;
    ws.write_string_with_format(counts_head, 0, "各月统计（地区数）", &st.header)?;
    ws.write_string_with_format(counts_head, 1, "", &st.header)?;
    for (j, m) in r.months.iter().enumerate() {
        ws.write_string_with_format(counts_head, 2 + j as u16, m.label_zh(), &st.header)?;
    }
    let mut chart = Chart::new(ChartType::ColumnStacked);
    for (k, cat) in Category::MONTH.into_iter().enumerate() {
        let row = counts_head + 1 + k as u32;
        ws.merge_range(row, 0, row, 1, cat.label_zh(), st.center_fill(Some(cat)))?;
        for (j, mc) in r.counts.iter().enumerate() {
            ws.write_number_with_format(row, 2 + j as u16, mc.count(cat) as f64, &st.center)?;
        }
        if cat != Category::NotDue && !r.months.is_empty() {
            let Rgb(cr, cg, cb) = cat.bar();
            chart
                .add_series()
                .set_name((SHEETS[0], row, 0))
                .set_categories((SHEETS[0], counts_head, 2, counts_head, last_col))
                .set_values((SHEETS[0], row, 2, row, last_col))
                .set_format(
                    ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(rgb((cr, cg, cb)))),
                );
        }
    }
    let legend_row = counts_head + 1 + Category::MONTH.len() as u32;
    // The note and the chart span at least ten columns, so they print whole.
    let wide = last_col.max(9);
    for c in last_col + 1..=wide {
        ws.set_column_width(c, OVERVIEW_WIDTHS[2])?;
    }
    ws.merge_range(
        legend_row,
        0,
        legend_row,
        wide,
        &r.legend_note(),
        &base().set_text_wrap().set_align(FormatAlign::Top),
    )?;
    ws.set_row_height(legend_row, 45)?;
    let mut last_row = legend_row;
    // The matrix fills the page (the sheet's print scale is chosen for it),
    // and the chart is drawn to fill a page of its own at that scale.
    let widths: Vec<f64> = (0..=last_col).map(|c| OVERVIEW_WIDTHS[(c as usize).min(2)]).collect();
    let height = OVERVIEW_TITLE_PT + 2.0 * 15.0 + OVERVIEW_ROW_PT * r.matrix.len() as f64;
    let scale = sheet::page_scale(&widths, height);
    // The print area's width, which the chart may not pass.
    let area: f64 = (0..=wide).map(|c| sheet::column_px(OVERVIEW_WIDTHS[(c as usize).min(2)])).sum();
    let mut breaks = vec![counts_head];
    if !r.months.is_empty() {
        chart.title().set_name(&r.chart().title);
        chart.y_axis().set_name("地区数");
        let (w, h) = sheet::page_px(scale);
        let (w, h) = ((w.min(area) * 0.95) as u32, (h * 0.85) as u32);
        chart.set_width(w).set_height(h);
        let chart_row = legend_row + 1;
        breaks.push(chart_row);
        ws.insert_chart(chart_row, 0, &chart)?;
        // Rows of the default 15 pt (20 px) under the chart, and one more.
        last_row = chart_row + h.div_ceil(20) + 1;
    }
    ws.set_page_breaks(&breaks)?;
    ws.set_freeze_panes(h + 1, 1)?;
    // No header rows repeated: the matrix is on one page, the statistics
    // and the chart each on their own.
    print_setup(ws, true, None, last_row, wide)?;
    // Wider than a page at 80 %: further pages repeat the region column.
    ws.set_print_scale(scale);
    ws.set_repeat_columns(0, 0)?;
    Ok(())
}

/// Widths of 总览's columns in characters: region, plan, each month.
const OVERVIEW_WIDTHS: [f64; 3] = [16.0, 10.0, 11.0];
/// Height of 总览's title row and of each matrix row, in points.
const OVERVIEW_TITLE_PT: f64 = 20.0;
const OVERVIEW_ROW_PT: f64 = 18.0;

fn by_task(ws: &mut Worksheet, st: &Styles, r: &Review) -> Result<(), XlsxError> {
    let nodes = r.tasks.iter().map(|t| t.milestones.len()).max().unwrap_or(0);
    let mut cols: Vec<(String, f64)> = vec![
        ("试点任务".into(), 18.0),
        ("角色".into(), 6.0),
        ("试点地区".into(), 12.0),
        ("最近一期进展表".into(), 16.0),
        ("最新月度实际进展（摘录）".into(), 50.0),
    ];
    for i in 0..nodes {
        cols.push((format!("时间节点{}", circled(i)), 22.0));
    }
    let colrefs: Vec<(&str, f64)> = cols.iter().map(|(s, w)| (s.as_str(), *w)).collect();
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[1],
        &format!(
            "按试点任务（截至{}）　时间节点是否达成据该节点所在月份（年度节点为当年12月）进展表的勾选判断：超前或如期为已达成，滞后为未达成",
            as_of_zh(r.as_of)
        ),
        &colrefs,
    )?;
    for row in &r.tasks {
        // The whole text is on 进展明细; a row here stays a few lines high.
        let excerpt = excerpt(&row.latest_actual, EXCERPT_CHARS);
        let mut cells: Vec<(&str, &Format)> = vec![
            (&row.task, &st.cell),
            (&row.role, &st.center),
            (&row.region, &st.center),
            (&row.current.text, st.center_fill(row.current.category)),
            (&excerpt, &st.cell),
        ];
        cells.extend(row.milestones.iter().map(|c| (c.text.as_str(), st.center_fill(c.category))));
        t.row(&cells)?;
    }
    let notes: Vec<String> =
        r.milestone_notes.iter().map(|n| format!("{}：{}", n.tasks.join("、"), n.text)).collect();
    t.note(st, &format!("时间节点：{}", notes.join("\n")))?;
    t.finish(true, true)
}

/// Characters of a progress text 按任务 shows.
const EXCERPT_CHARS: usize = 100;

/// The first `n` characters of `text` (lines joined), marked when cut.
fn excerpt(text: &str, n: usize) -> String {
    let flat: String =
        text.split('\n').map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= n {
        flat
    } else {
        let head: String = flat.chars().take(n).collect();
        format!("{head}……（全文见进展明细）")
    }
}

fn plans(ws: &mut Worksheet, st: &Styles, r: &Review) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[2],
        &format!("工作计划（附2）与时间节点（截至{}，计划截止日 {}）", as_of_zh(r.as_of), r.plan_due),
        &[
            ("试点地区", 12.0),
            ("计划报送情况", 14.0),
            ("时间", 10.0),
            ("时间节点", 36.0),
            ("试点任务安排", 50.0),
            ("问题", 22.0),
        ],
    )?;
    for row in &r.plans {
        t.row(&[
            (&row.region, &st.center),
            (&row.state, &st.center),
            (&row.period.label_zh(), &st.center),
            (&row.deadlines, &st.cell),
            (&row.arrangement, &st.cell),
            (&row.problem.text, st.center_fill(row.problem.category)),
        ])?;
    }
    t.finish(true, true)
}

/// Columns of 进展明细. The first [`DETAIL_PRINTED`] are printed, one
/// landscape page wide: their widths add up to what A4 landscape holds at
/// 80 % (10 pt text never prints below 8 pt); the rest (other people, the
/// file and sheet) stay on screen. Of the four long texts 月度实际进展 is the
/// widest; a text over 28 lines continues in the next row (marked 续).
pub const DETAIL_COLUMNS: [(&str, f64); 17] = [
    ("试点地区", 10.0),
    ("月份", 8.0),
    ("进度情况", 8.0),
    ("填报时间", 11.0),
    ("截止日", 11.0),
    ("是否迟报", 5.0),
    ("月度工作安排", 24.0),
    ("月度实际进展", 34.0),
    ("进度滞后的原因", 20.0),
    ("存在的困难和需要的支持", 20.0),
    ("联系人", 12.0),
    ("填报单位", 10.0),
    ("总负责人", 14.0),
    ("经办人", 16.0),
    ("文件", 40.0),
    ("工作表", 8.0),
    ("来源", 40.0),
];

/// How many of [`DETAIL_COLUMNS`] are printed.
pub const DETAIL_PRINTED: usize = 12;

fn details(
    ws: &mut Worksheet,
    st: &Styles,
    reg: &Registry,
    recs: &[&Record],
    links: &Links,
) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(ws, st, SHEETS[3], "进展明细（每个地区每月的有效进展表）", &DETAIL_COLUMNS)?;
    for r in recs.iter().filter(|r| r.kind == FormKind::Progress) {
        let month = r.period.map(|p| p.label_zh()).unwrap_or_default();
        let due = crate::tracking::due_of(reg, r.kind, r.period);
        // On what the judgement rests: 收文登记, 邮件 or 填报时间.
        let late = match (r.receipt(), due) {
            ((Some(s), basis), Some(d)) if crate::tracking::is_late(s, d) => {
                format!("迟报（{}）", basis.label_zh())
            }
            ((Some(_), basis), Some(_)) => format!("按时（{}）", basis.label_zh()),
            _ => String::new(),
        };
        t.row(&[
            (&region_shown(r), &st.center),
            (&month, &st.center),
            (Category::of_tick(Tick::of(r)).label_zh(), &st.center),
            (&date(r.submitted_on), &st.center),
            (&date(due), &st.center),
            (&late, &st.center),
            (opt(&r.planned), &st.cell),
            (opt(&r.actual), &st.cell),
            (opt(&r.delay_reason), &st.cell),
            (opt(&r.difficulties), &st.cell),
            (&person_line(&r.contact), &st.cell),
            (opt(&r.submitter), &st.cell),
            (&person_line(&r.lead), &st.cell),
            (&person_line(&r.handler), &st.cell),
            (&r.source.file, &st.cell),
            (&r.source.sheet, &st.cell),
        ])?;
        // The row's own words (月度实际进展) are where it is found.
        links.source_cell(&mut t, 16, &Provenance::of(r, "actual"), &st.cell)?;
    }
    // The sheet is streamed (see `workbook`).
    t.end_streamed()?;
    // Printed: the first DETAIL_PRINTED columns, one page wide.
    t.finish_printing(true, true, DETAIL_PRINTED as u16)
}

fn behind(
    ws: &mut Worksheet,
    st: &Styles,
    templates: &Templates,
    recs: &[&Record],
    links: &Links,
) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[4],
        "进度滞后的原因；存在的困难和需要的支持",
        &[
            ("类别", 10.0),
            ("试点地区", 10.0),
            ("报表", 6.0),
            ("月份", 8.0),
            ("进度情况", 8.0),
            ("内容", 50.0),
            ("月度实际进展", 66.0),
            ("来源", 40.0),
        ],
    )?;
    for (kind, field, pick) in [
        (
            "进度滞后",
            "delay_reason",
            (|r: &Record| (r.status == Some(Status::Behind)).then(|| opt(&r.delay_reason)))
                as fn(&Record) -> Option<&str>,
        ),
        ("困难和支持", "difficulties", |r: &Record| {
            r.difficulties.as_deref().filter(|s| !s.trim().is_empty())
        }),
    ] {
        for r in recs {
            let Some(text) = pick(r) else { continue };
            let text = if text.is_empty() { "（未填写原因）" } else { text };
            let fill =
                if kind == "进度滞后" { st.center_fill(Some(Category::Behind)) } else { &st.center };
            t.row(&[
                (kind, fill),
                (&region_shown(r), &st.center),
                (&templates.form(r.kind).mark, &st.center),
                (&r.period.map(|p| p.label_zh()).unwrap_or_default(), &st.center),
                (r.status.map_or("", Status::label_zh), &st.center),
                (text, &st.cell),
                (opt(&r.actual), &st.cell),
            ])?;
            links.source_cell(&mut t, 7, &Provenance::of(r, field), &st.cell)?;
        }
    }
    // Printed: A:G (the 来源 links are for the screen).
    t.finish_printing(true, true, 7)
}

fn chase(ws: &mut Worksheet, st: &Styles, r: &Review) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[5],
        &format!("催报名单（截至{}）：未报的须催报；迟报的已收到，记录在案", as_of_zh(r.as_of)),
        &[
            ("类别", 12.0),
            ("试点地区", 12.0),
            ("报表", 16.0),
            ("截止日", 11.0),
            ("情况", 20.0),
            ("联系人", 10.0),
            ("联系人电话", 14.0),
            ("经办人", 10.0),
            ("经办人电话", 14.0),
        ],
    )?;
    for c in &r.chase {
        let kind = if c.missing() { "未报（须催报）" } else { "迟报（已收到）" };
        t.row(&[
            (kind, st.center_fill(c.state.category)),
            (&c.region, &st.center),
            (&c.form, &st.center),
            (&c.due.to_string(), &st.center),
            (&c.state.text, st.center_fill(c.state.category)),
            (opt(&c.contact.name), &st.center),
            (opt(&c.contact.phone), &st.center),
            (opt(&c.handler.name), &st.center),
            (opt(&c.handler.phone), &st.center),
        ])?;
    }
    // Landscape: portrait would print its nine columns at 79 %.
    t.finish(true, true)
}

fn contacts(ws: &mut Worksheet, st: &Styles, r: &Review) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[6],
        "联系人名录（取自各地区最新报表；附3只写姓名时，职务和电话取自报同一姓名的附2）",
        &[
            ("试点地区", 12.0),
            ("角色", 10.0),
            ("姓名", 10.0),
            ("职务", 20.0),
            ("联系方式", 14.0),
            ("来源报表", 30.0),
            ("填报时间", 11.0),
        ],
    )?;
    for c in &r.contacts {
        t.row(&[
            (&c.region, &st.center),
            (c.role, &st.center),
            (opt(&c.person.name), &st.center),
            (opt(&c.person.title), &st.cell),
            (opt(&c.person.phone), &st.center),
            (&c.source, &st.cell),
            (&date(c.submitted_on), &st.center),
        ])?;
    }
    t.finish(false, true)
}

fn issues(ws: &mut Worksheet, st: &Styles, r: &Review, links: &Links) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[7],
        "校验问题（全部报表的全部问题；来源链接到所报文件，对照报表为交叉核对所比较的另一份报表）",
        &[
            ("试点地区", 14.0),
            ("报表", 8.0),
            ("期间", 10.0),
            ("文件", 30.0),
            ("工作表", 10.0),
            ("单元格", 7.0),
            ("问题", 16.0),
            ("严重程度", 8.0),
            ("说明", 50.0),
            ("有效版本", 8.0),
            ("规则代码", 18.0),
            ("来源", 40.0),
            ("对照报表", 40.0),
            ("更正情况", 10.0),
            ("编号", 16.0),
            ("台账状态", 10.0),
        ],
    )?;
    for f in &r.findings {
        let sev = if f.severity == crate::record::Severity::Error {
            st.center_fill(Some(Category::Missing))
        } else {
            st.center_fill(Some(Category::Behind))
        };
        let fixed = if f.corrected { "已更正" } else { "" };
        t.row(&[
            (&f.region, &st.center),
            (&f.form, &st.center),
            (&f.period, &st.center),
            (&f.source.file, &st.cell),
            (&f.sheet, &st.cell),
            (&f.cell, &st.center),
            (&f.rule, &st.cell),
            (f.severity.label_zh(), sev),
            (&f.message, &st.cell),
            (if f.current { "是" } else { "否（已被重报替代）" }, &st.center),
            (f.rule_id, &st.cell),
            (&f.source.label, &st.cell),
            (f.compared.as_deref().unwrap_or(""), &st.cell),
            (fixed, if f.corrected { st.center_fill(Some(Category::Met)) } else { &st.center }),
            (&f.id, &st.center),
            // Open only where the version counts as of the date; closed
            // findings are shown as such, in the ledger's words.
            (
                f.state.label_zh(),
                if f.state.is_open() { &st.center } else { st.center_fill(Some(Category::Met)) },
            ),
        ])?;
        links.source_cell(&mut t, 11, &f.source, &st.cell)?;
    }
    // Printed: A:I, the finding and where it is (the codes and links are
    // for the screen), one page wide at 91 %.
    t.finish_printing(true, true, 9)
}

/// The columns of 更正记录 and their widths in characters.
const CORRECTION_COLUMNS: [(&str, f64); 11] = [
    ("试点地区", 10.0),
    ("报表", 6.0),
    ("期间", 8.0),
    ("类别", 8.0),
    ("字段或问题", 14.0),
    ("原内容", 66.0),
    ("新内容", 66.0),
    ("原单元格", 8.0),
    ("新单元格", 8.0),
    ("原文件", 30.0),
    ("更正文件", 30.0),
];

/// The text of 更正记录 `rows`, prepared in parallel.
fn correction_texts<'a>(rows: &'a [CorrectionRow]) -> Vec<RowText<'a>> {
    let widths: Vec<f64> = CORRECTION_COLUMNS.iter().map(|c| c.1).collect();
    rows.par_iter()
        .map(|c| {
            RowText::new(
                &widths,
                &[
                    c.region,
                    c.form,
                    &c.period,
                    c.kind.label_zh(),
                    &c.item,
                    c.old,
                    c.new,
                    &c.old_cell,
                    &c.new_cell,
                    c.earlier,
                    c.later,
                ],
            )
        })
        .collect()
}

/// 更正记录 rows whose text (made writable, lines counted) is prepared at a
/// time, while the rows before them are written.
const TEXT_CHUNK: usize = 2048;

/// 更正记录 of `rows`.
fn corrections_sheet(ws: &mut Worksheet, st: &Styles, rows: &[CorrectionRow]) -> Result<(), XlsxError> {
    let mut t = TableSheet::new(
        ws,
        st,
        SHEETS[8],
        "更正记录（同一地区同一报表重报时，与前一版本相比：更改的内容，已更正、仍在和新出现的问题）",
        &CORRECTION_COLUMNS,
    )?;
    // Every cell top-left, as a log reads: with one format for most of a
    // row, the writer looks a format up once or three times per row instead
    // of five (a lookup hashes the whole format, and this sheet can hold
    // tens of thousands of rows).
    let cell = &st.cell;
    let mut chunks = rows.chunks(TEXT_CHUNK);
    let mut next = chunks.next().map(|c| (c, correction_texts(c)));
    while let Some((chunk, texts)) = next.take() {
        // This chunk is written here while the next one is prepared on
        // another thread when one is free.
        let (filled, prepared) = rayon::join(
            || -> Result<(), XlsxError> {
                for (c, text) in chunk.iter().zip(&texts) {
                    let kind = st.cell_fill(c.kind.category());
                    t.row_text(text, &[cell, cell, cell, kind, cell, cell, cell, cell, cell, cell, cell])?;
                }
                Ok(())
            },
            || chunks.next().map(|c| (c, correction_texts(c))),
        );
        filled?;
        next = prepared;
    }
    if rows.is_empty() {
        t.note(st, "没有重报的报表。")?;
    }
    // The sheet is written in low-memory mode (see `workbook`).
    t.end_streamed()?;
    // Printed: A:G, one page wide at 80 % (the cells and files are for
    // the screen).
    t.finish_printing(true, true, 7)
}
