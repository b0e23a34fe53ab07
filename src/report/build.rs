//! The review report as a 通报 of the reporting month ([`Document`]): a
//! rendering of the [`Review`], deciding only the words and the page layout.
//!
//! The body (at most four pages at any month of the pilot) says who
//! reported, on time, late or not at all (named), 超前/如期/滞后 by region,
//! the 滞后 reasons and the difficulties one line each, the open problems,
//! 回头看 and 下一步工作, and ends with the issuing body and the date; the
//! details follow in three 附件 (the region × month table and the
//! difficulties in full; the series since the start; the open findings).

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::doc::{Block, Document, Orientation, Table, TableCell};
use crate::period::YearMonth;
use crate::record::{Record, Severity};
use crate::review::{date_zh, Category, Cell, FindingRow, Review};
use crate::templates::Templates;

use super::feedback::{goes_back, is_open, kind_of, LetterKind};

/// Title of the report, after `关于<月份>`.
pub const REPORT_TITLE: &str = "排污许可管理试点工作进展情况的通报";

/// Who issues the report: 部许可办's full name, as the seed gives it.
pub const ISSUER: &str = "环境保护部排污许可专项小组办公室";

/// Size of the 附件' tables (小四).
const ANNEX_SIZE: f32 = 12.0;

/// Body text size (三号).
const BODY_SIZE: f32 = 16.0;

/// Characters of a body line (三号 on the 156 mm text width), less the
/// two-character indent.
const LINE_CHARS: usize = 25;

/// Characters of a region's difficulties 附件1 shows (the whole text is in
/// the workbook's 滞后与困难): 200 characters are seven lines of 小四, so
/// every region's fits the 通报's page budget.
const ANNEX_TEXT_MAX: usize = 200;

/// Most months 附件1's table shows (the latest ones; the workbook holds all).
const ANNEX_MONTHS: usize = 6;

/// Most open findings 附件3 lists one by one; more are counted by region
/// and rule.
const ANNEX_FINDINGS_LISTED: usize = 40;

fn h1(text: &str) -> Block {
    Block::Heading { level: 1, text: text.into() }
}

fn h2(text: &str) -> Block {
    Block::Heading { level: 2, text: text.into() }
}

fn para(text: impl Into<String>) -> Block {
    Block::Paragraph(text.into())
}

fn header_row(cells: &[&str]) -> Vec<Vec<TableCell>> {
    vec![cells.iter().map(|s| TableCell::header(*s)).collect()]
}

/// A centred table cell coloured by the review cell's category.
fn judged(c: &Cell) -> TableCell {
    let cell = TableCell::center(c.text.clone());
    match c.category.and_then(Category::fill) {
        Some(f) => cell.with_fill(f),
        None => cell,
    }
}

/// Names joined with 、.
fn names<S: AsRef<str>>(v: &[S]) -> String {
    v.iter().map(AsRef::as_ref).collect::<Vec<_>>().join("、")
}

/// `N个：A、B`, or `0个`.
fn counted<S: AsRef<str>>(v: &[S]) -> String {
    if v.is_empty() {
        "0个".into()
    } else {
        format!("{}个：{}", v.len(), names(v))
    }
}

/// A text cut to its first `max` characters (white space and line breaks
/// dropped, a leading item number too), `…` where it was cut.
pub(crate) fn brief(text: &str, max: usize) -> String {
    // Line breaks go; a run of other white space becomes one space.
    let mut flat = String::new();
    for c in text.trim().chars() {
        match c {
            '\n' | '\r' => {}
            c if c.is_whitespace() => {
                if !flat.ends_with(' ') {
                    flat.push(' ')
                }
            }
            c => flat.push(c),
        }
    }
    // A leading item number (`1.`, `1、`, `（1）`) goes.
    let flat = flat.as_str();
    let flat = match flat.find(|c: char| !(c.is_ascii_digit() || "（(".contains(c))) {
        Some(at) if at > 0 && flat[at..].starts_with(['.', '．', '、', ')', '）']) => {
            let rest = &flat[at..];
            &rest[rest.chars().next().map_or(0, char::len_utf8)..]
        }
        _ => flat,
    };
    let n = flat.chars().count();
    if n <= max {
        return flat.to_string();
    }
    let mut out: String = flat.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end_matches(['，', '、', '；', '：', '。', ',', ';']).to_string();
    out.push('…');
    out
}

/// Builds the review report of `records` as of `as_of` (see
/// [`report_document`]).
///
/// # Examples
/// ```
/// use permit_forms::{report::build_report, Templates};
/// let t = Templates::embedded()?;
/// let as_of = chrono::NaiveDate::from_ymd_opt(2017, 5, 11).unwrap();
/// let doc = build_report(&t, &[], as_of);
/// assert!(doc.title.contains("2017年4月"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build_report(templates: &Templates, records: &[Record], as_of: NaiveDate) -> Document {
    report_document(&Review::build(templates, records, as_of))
}

/// The region's open findings that go back to it, as letters count them.
fn letters_of(r: &Review) -> (Vec<String>, Vec<String>) {
    let mut by_region: BTreeMap<&str, Vec<&FindingRow>> = BTreeMap::new();
    for f in r.findings.iter().filter(|f| is_open(f) && goes_back(f)) {
        by_region.entry(f.region.as_str()).or_default().push(f);
    }
    let (mut back, mut check) = (Vec::new(), Vec::new());
    // In the review's region order.
    for row in &r.matrix {
        match by_region.get(row.region.as_str()).and_then(|v| kind_of(v.iter().copied())) {
            Some(LetterKind::SendBack) => back.push(row.region.clone()),
            Some(LetterKind::Check) => check.push(row.region.clone()),
            None => {}
        }
    }
    (back, check)
}

/// The report of a review as a 通报 of its reporting month (the latest
/// month whose 附3 was due by the review's date), laid out as an official
/// document: the title, 主送, the body in six parts (一、报送情况 …
/// 六、下一步工作), the 附件 list, the issuing body and date; then 附件1–3
/// on pages of their own.
pub fn report_document(r: &Review) -> Document {
    let date = date_zh(r.as_of);
    let month = r.focus.and_then(|m| r.month(m).map(|mc| (m, mc)));
    let title = match month {
        Some((m, _)) => format!("关于{}{REPORT_TITLE}", m.label_zh()),
        None => format!("关于{REPORT_TITLE}"),
    };
    let mut blocks = vec![Block::Line("各试点地区环境保护厅（局）：".into())];
    let due_text = |d: NaiveDate| date_zh(d);
    match month {
        Some((m, _)) => blocks.push(para(format!(
            "按照《重点行业和流域排污许可管理试点工作方案》要求，各试点地区每月{}日前报送上月试点工作进展表。\
             现将{}试点工作进展情况（截至{date}）通报如下。",
            r.due_day,
            m.label_zh()
        ))),
        None => blocks.push(para(format!(
            "按照《重点行业和流域排污许可管理试点工作方案》要求，各试点地区报送试点工作计划和每月进展表。\
             现将截至{date}的试点工作进展情况通报如下。"
        ))),
    }

    // 一、报送情况
    blocks.push(h1("一、报送情况"));
    let plans_missing: Vec<&str> =
        r.chase.iter().filter(|c| c.missing() && c.month.is_none()).map(|c| c.region.as_str()).collect();
    let regions =
        |mc: &crate::review::MonthCount, c: Category| mc.regions.get(&c).cloned().unwrap_or_default();
    if let Some((m, mc)) = month {
        let late = regions(mc, Category::Late);
        let missing = regions(mc, Category::Missing);
        let due = mc.total() - regions(mc, Category::NotDue).len();
        let on_time = due - late.len() - missing.len();
        blocks.push(para(format!(
            "{}进展表应于{}前报送，应报{due}个地区。按时报送{on_time}个；迟报{}；未报{}。",
            m.label_zh(),
            due_text(mc.due),
            counted(&late),
            counted(&missing),
        )));
    }
    if plans_missing.is_empty() {
        blocks.push(para(format!("试点工作计划（附2）{}个地区均已报送。", r.plans_received)));
    } else {
        blocks.push(para(format!(
            "试点工作计划（附2）已收到{}个地区，尚未报送{}。",
            r.plans_received,
            counted(&plans_missing)
        )));
    }

    // 二、试点工作进展
    blocks.push(h1("二、试点工作进展"));
    if let Some((m, _)) = month {
        let at = r.months.iter().position(|x| *x == m);
        // Each region by the status its return ticked, late ones too.
        let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for row in &r.matrix {
            let Some(c) = at.and_then(|i| row.months.get(i)) else { continue };
            let word = ["超前", "如期", "滞后"].into_iter().find(|w| c.text.contains(w));
            match (word, c.category) {
                (Some(w), _) => by.entry(w).or_default().push(&row.region),
                (None, Some(Category::Unticked | Category::Misticked | Category::Unreadable)) => {
                    by.entry("其他").or_default().push(&row.region)
                }
                _ => {}
            }
        }
        let get = |w: &str| by.get(w).cloned().unwrap_or_default();
        let mut s = format!(
            "按已报送进展表勾选的进度（含迟报），超前{}；如期{}；滞后{}",
            counted(&get("超前")),
            counted(&get("如期")),
            counted(&get("滞后"))
        );
        let other = get("其他");
        if !other.is_empty() {
            s.push_str(&format!("；未勾选、勾选有误或无法识别{}", counted(&other)));
        }
        s.push('。');
        blocks.push(para(s));
        let behind: Vec<_> = r.behind.iter().filter(|e| e.month == m).collect();
        if !behind.is_empty() {
            blocks.push(para("进度滞后的原因："));
            for e in behind {
                let room = LINE_CHARS.saturating_sub(e.region.chars().count() + 1).max(8);
                let why = if e.text.trim().is_empty() {
                    "未填写原因".to_string()
                } else {
                    brief(&e.text, room)
                };
                blocks.push(para(format!("{}：{why}", e.region)));
            }
        }
    } else {
        blocks.push(para(format!("截至{date}，尚无到期的月度进展表。")));
    }

    // 三、存在的困难和需要的支持
    blocks.push(h1("三、存在的困难和需要的支持"));
    let hard: Vec<_> = month
        .map(|(m, _)| r.difficulties.iter().filter(|e| e.month == m && !e.text.trim().is_empty()).collect())
        .unwrap_or_default();
    if hard.is_empty() {
        blocks.push(para("本月各地区未提出需要部里协调解决的困难。"));
    } else {
        blocks
            .push(para(format!("{}个地区提出了困难和需要部里提供的支持（详见附件1），主要是：", hard.len())));
        for e in &hard {
            let room = LINE_CHARS.saturating_sub(e.region.chars().count() + 1).max(8);
            blocks.push(para(format!("{}：{}", e.region, brief(&e.text, room))));
        }
    }

    // 四、存在的主要问题
    blocks.push(h1("四、存在的主要问题"));
    let open: Vec<&FindingRow> = r.findings.iter().filter(|f| is_open(f)).collect();
    let regions_of = |pick: &dyn Fn(&FindingRow) -> bool| -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for row in &r.matrix {
            if open.iter().any(|f| f.region == row.region && pick(f)) {
                v.push(row.region.clone());
            }
        }
        v
    };
    let errors = open.iter().filter(|f| f.severity == Severity::Error && goes_back(f)).count();
    let warnings = open.iter().filter(|f| f.severity == Severity::Warning && goes_back(f)).count();
    let hints = open.iter().filter(|f| f.rule_id.starts_with("cross.")).count();
    if errors + warnings + hints == 0 {
        blocks.push(para("报表校验未发现尚未解决的问题。"));
    } else {
        let err_regions = regions_of(&|f| f.severity == Severity::Error && goes_back(f));
        let mut s = format!("报表校验发现尚未解决的错误{errors}处");
        if !err_regions.is_empty() {
            s.push_str(&format!("，涉及{}{}个地区", names(&err_regions), err_regions.len()));
        }
        s.push_str(&format!("；需要地区核实的警告{warnings}处"));
        if hints > 0 {
            s.push_str(&format!("；地区之间、报表之间交叉核对的提示{hints}处，由部许可办研判"));
        }
        s.push_str("。明细见附件3。");
        blocks.push(para(s));
    }
    if let Some((_, mc)) = month {
        let late = regions(mc, Category::Late).len();
        let missing = regions(mc, Category::Missing).len();
        if late + missing > 0 {
            blocks.push(para(format!("本月迟报{late}个、未报{missing}个地区，报送的及时性有待提高。")));
        }
    }

    // 五、回头看
    blocks.push(h1("五、回头看"));
    let mut earlier: BTreeMap<&str, usize> = BTreeMap::new();
    for c in r.chase.iter().filter(|c| c.missing()) {
        if let (Some(cm), Some(m)) = (c.month, r.focus) {
            if cm < m {
                *earlier.entry(c.region.as_str()).or_default() += 1;
            }
        }
    }
    let corrected = r.findings.iter().filter(|f| f.corrected).count();
    let mut s = String::from("对此前各月回头看：");
    if earlier.is_empty() {
        s.push_str("此前各月的进展表均已报送");
    } else {
        let total: usize = earlier.values().sum();
        let ordered: Vec<String> = r
            .matrix
            .iter()
            .filter_map(|row| earlier.get(row.region.as_str()).map(|n| format!("{}{n}份", row.region)))
            .collect();
        s.push_str(&format!("尚有{total}份进展表未补报（{}）", names(&ordered)));
    }
    s.push_str(&format!("；经地区重报，已更正问题{corrected}处。"));
    blocks.push(para(s));
    // The regions the findings ledger names (Review::look_back), one line each.
    if !r.look_back.is_empty() {
        blocks.push(para("对照审核台账，以下地区需要回头看：".to_string()));
        for l in &r.look_back {
            blocks.push(para(format!("{}。", l.line_zh())));
        }
    }

    // 六、下一步工作
    blocks.push(h1("六、下一步工作"));
    let mut chase: Vec<String> = Vec::new();
    for row in &r.matrix {
        if r.chase.iter().any(|c| c.missing() && c.region == row.region) {
            chase.push(row.region.clone());
        }
    }
    if chase.is_empty() {
        blocks.push(para("（一）催报。目前没有须催报的报表。"));
    } else {
        blocks.push(para(format!(
            "（一）催报。请{}尽快补报未报的报表，部许可办将逐一电话催报（联系人见汇总工作簿“催报”表）。",
            names(&chase)
        )));
    }
    let (back, check) = letters_of(r);
    let mut s = String::from("（二）退回与核实。");
    if back.is_empty() && check.is_empty() {
        s.push_str("本期不发退回意见和核实提醒。");
    } else {
        if !back.is_empty() {
            s.push_str(&format!("向{}{}个地区发出退回意见，请按期修改后重新报送", names(&back), back.len()));
        }
        if !check.is_empty() {
            if !back.is_empty() {
                s.push('；');
            }
            s.push_str(&format!(
                "向{}{}个地区发出核实提醒，情况属实的无需重新报送",
                names(&check),
                check.len()
            ));
        }
        s.push('。');
    }
    blocks.push(para(s));
    if let Some((m, _)) = month {
        let next = m.next();
        let due = next.next();
        let due = NaiveDate::from_ymd_opt(due.year, due.month, r.due_day).map(date_zh).unwrap_or_default();
        blocks.push(para(format!("（三）请各试点地区于{due}前报送{}进展表。", next.label_zh())));
    }

    // 附件说明, the issuing body and date.
    blocks.push(Block::Line("\u{3000}".into()));
    let annexes = ["各试点地区报送情况", "试点以来各月报送情况", "尚未解决的报表校验问题"];
    for (i, a) in annexes.iter().enumerate() {
        let lead =
            if i == 0 { "\u{3000}\u{3000}附件：" } else { "\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}" };
        blocks.push(Block::Line(format!("{lead}{}．{a}", i + 1)));
    }
    blocks.push(Block::Signature { by: ISSUER.into(), date: date.clone() });

    // 附件1
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading { level: 0, text: "附件1".into() });
    blocks.push(Block::Title(annexes[0].into()));
    blocks.push(h2("（一）各地区各月报送情况"));
    blocks.push(Block::Note(r.legend_note()));
    let last = match r.focus.and_then(|m| r.months.iter().position(|x| *x == m)) {
        Some(i) => i + 1,
        None => r.months.len(),
    };
    let from = last.saturating_sub(ANNEX_MONTHS);
    if last > from {
        blocks.push(Block::Table(matrix(r, from, &r.months[from..last])));
        if from > 0 {
            blocks.push(Block::Note(format!(
                "表中为最近{}个月；{}以来各月见汇总工作簿“总览”表。",
                last - from,
                r.months[0].label_zh()
            )));
        }
    }
    blocks.push(h2("（二）本月存在的困难和需要的支持"));
    if hard.is_empty() {
        blocks.push(para("本月各地区未提出困难和支持需求。"));
    } else {
        blocks.push(Block::Table(Table {
            columns: vec![1.4, 8.0],
            header: header_row(&["试点地区", "存在的困难和需要的支持"]),
            rows: hard
                .iter()
                .map(|e| {
                    vec![TableCell::center(e.region.clone()), TableCell::text(brief(&e.text, ANNEX_TEXT_MAX))]
                })
                .collect(),
            font_size: ANNEX_SIZE,
        }));
        if hard.iter().any(|e| e.text.chars().count() > ANNEX_TEXT_MAX) {
            blocks.push(Block::Note(format!(
                "超过{ANNEX_TEXT_MAX}字的只列出前{ANNEX_TEXT_MAX}字（标“…”），全文见汇总工作簿“滞后与困难”表。"
            )));
        }
    }

    // 附件2
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading { level: 0, text: "附件2".into() });
    blocks.push(Block::Title(annexes[1].into()));
    if r.months.is_empty() {
        blocks.push(para("尚无到期的月度进展表。"));
    } else {
        blocks.push(Block::Chart(r.chart()));
        blocks.push(Block::Table(series(r)));
        blocks.push(Block::Note("表中数字为地区数；迟报按迟报计，不再计入其勾选的进度情况。".into()));
    }

    // 附件3
    blocks.push(Block::PageBreak);
    blocks.push(Block::Heading { level: 0, text: "附件3".into() });
    blocks.push(Block::Title(annexes[2].into()));
    // Lateness is in 一、; the 附件 lists what is to be corrected or checked.
    let listed: Vec<&FindingRow> =
        open.iter().copied().filter(|f| f.rule_id != crate::record::Rule::SubmittedOnLate.id()).collect();
    blocks.extend(findings_blocks(&listed));

    Document {
        title,
        subtitle: Vec::new(),
        cover_page: false,
        running_header: String::new(),
        orientation: Orientation::Portrait,
        font_size: BODY_SIZE,
        blocks,
    }
}

/// 附件2's table: each month's count of regions by category.
fn series(r: &Review) -> Table {
    let cats: Vec<Category> = Category::MONTH.into_iter().filter(|c| *c != Category::NotDue).collect();
    let mut head = vec![TableCell::header("月份")];
    head.extend(cats.iter().map(|c| {
        let cell = TableCell::header(c.label_zh());
        match c.fill() {
            Some(f) => cell.with_fill(f),
            None => cell,
        }
    }));
    head.push(TableCell::header("合计"));
    let rows = r
        .counts
        .iter()
        .filter(|mc| r.focus.is_none_or(|f| mc.month <= f))
        .map(|mc| {
            let mut row = vec![TableCell::center(format!("{}.{:02}", mc.month.year, mc.month.month))];
            row.extend(cats.iter().map(|c| TableCell::center(mc.count(*c).to_string())));
            row.push(TableCell::center((mc.total() - mc.count(Category::NotDue)).to_string()));
            row
        })
        .collect();
    // The month (`2017.05`) on one line.
    let mut columns = vec![2.0];
    columns.extend(std::iter::repeat_n(1.0, cats.len() + 1));
    Table { columns, header: vec![head], rows, font_size: ANNEX_SIZE }
}

/// 附件3: the open findings, one by one when few, else counted by region
/// and rule.
fn findings_blocks(open: &[&FindingRow]) -> Vec<Block> {
    if open.is_empty() {
        return vec![para("各报表没有尚未解决的校验问题。")];
    }
    let errors = open.iter().filter(|f| f.severity == Severity::Error).count();
    let intro =
        format!("尚未解决的问题共{}处（错误{errors}处，警告和提示{}处）。", open.len(), open.len() - errors);
    if open.len() <= ANNEX_FINDINGS_LISTED {
        let rows = open
            .iter()
            .map(|f| {
                vec![
                    TableCell::center(f.region.clone()),
                    TableCell::center(format!("{}\n{}", f.form, f.period)),
                    TableCell::center(f.cell.clone()),
                    TableCell::center(f.severity.label_zh()),
                    TableCell::text(format!("{}：{}", f.rule, brief(&f.message, 60))),
                ]
            })
            .collect();
        return vec![
            para(intro),
            Block::Table(Table {
                columns: vec![1.3, 1.7, 0.9, 0.8, 4.6],
                header: header_row(&["试点地区", "报表", "单元格", "类别", "问题"]),
                rows,
                font_size: ANNEX_SIZE,
            }),
        ];
    }
    // region → (rule, severity) → count, regions in the review's order.
    let mut order: Vec<&str> = Vec::new();
    let mut counts: BTreeMap<(usize, &str, Severity), usize> = BTreeMap::new();
    for f in open {
        let i = match order.iter().position(|r| *r == f.region) {
            Some(i) => i,
            None => {
                order.push(&f.region);
                order.len() - 1
            }
        };
        *counts.entry((i, f.rule.as_str(), f.severity)).or_default() += 1;
    }
    let rows = counts
        .into_iter()
        .map(|((i, rule, sev), n)| {
            vec![
                TableCell::center(order[i]),
                TableCell::text(rule),
                TableCell::center(sev.label_zh()),
                TableCell::center(n.to_string()),
            ]
        })
        .collect();
    vec![
        para(format!("{intro}按地区和问题类别计数如下，逐条明细见汇总工作簿“校验问题”表。")),
        Block::Table(Table {
            columns: vec![1.5, 4.5, 1.0, 1.0],
            header: header_row(&["试点地区", "问题", "类别", "处数"]),
            rows,
            font_size: ANNEX_SIZE,
        }),
    ]
}

/// The status matrix for `months` (starting at index `from` of the review's
/// months): a row per region that reports on any of them.
fn matrix(r: &Review, from: usize, months: &[YearMonth]) -> Table {
    let mut head = vec![TableCell::header("试点地区"), TableCell::header("工作计划")];
    head.extend(months.iter().map(|m| TableCell::header(format!("{}年\n{}月", m.year, m.month))));
    let rows = r
        .matrix
        .iter()
        .filter(|row| row.months[from..from + months.len()].iter().any(|c| c.category.is_some()))
        .map(|row| {
            let mut cells = vec![TableCell::center(row.region.clone()), judged(&row.plan)];
            cells.extend(row.months[from..from + months.len()].iter().map(judged));
            cells
        })
        .collect();
    let mut columns = vec![1.7, 1.1];
    columns.extend(std::iter::repeat_n(1.0, months.len()));
    Table { columns, header: vec![head], rows, font_size: ANNEX_SIZE }
}
