//! The review report (排污许可管理试点工作进展情况报告) as a [`Document`]:
//! a rendering of the [`Review`], deciding only the page layout.

use chrono::NaiveDate;

use crate::doc::{Block, Document, Orientation, Table, TableCell};
use crate::period::YearMonth;
use crate::record::Record;
use crate::review::{circled, date_zh, Category, Cell, Provenance, Review};
use crate::templates::Templates;

/// Title of the report.
pub const REPORT_TITLE: &str = "排污许可管理试点工作进展情况报告";

/// Who issues the report.
pub const ISSUER: &str = "部许可办";

/// Most findings the report lists; the rest are in the workbook's 校验问题.
const REPORT_FINDINGS_MAX: usize = 300;

/// Months per matrix table, so a table fits the landscape page.
const MONTHS_PER_TABLE: usize = 12;

/// Most months a matrix shows on a portrait page; wider ones get a
/// landscape page of their own.
const PORTRAIT_MONTHS: usize = 6;

fn h1(text: &str) -> Block {
    Block::Heading { level: 1, text: text.into() }
}

fn h2(text: &str) -> Block {
    Block::Heading { level: 2, text: text.into() }
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

/// Builds the review report of `records` as of `as_of` (see
/// [`report_document`]).
///
/// # Examples
/// ```
/// use permit_forms::{report::build_report, Templates};
/// let t = Templates::embedded()?;
/// let as_of = chrono::NaiveDate::from_ymd_opt(2017, 5, 11).unwrap();
/// let doc = build_report(&t, &[], as_of);
/// assert!(doc.subtitle[0].contains("2017年5月11日"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn build_report(templates: &Templates, records: &[Record], as_of: NaiveDate) -> Document {
    report_document(&Review::build(templates, records, as_of))
}

/// The report of a review, laid out as an official document: A4 portrait,
/// the title with 部许可办 and the date under it, numbered sections
/// 一、… 七、 (七 lists the findings, citing file and cell, 已更正 where a
/// resubmission fixed one), a stacked bar chart of each month's reports, and landscape
/// pages only for a matrix too wide for portrait.
pub fn report_document(r: &Review) -> Document {
    let date = date_zh(r.as_of);
    let mut blocks = Vec::new();

    // 一、总体情况
    blocks.push(h1("一、总体情况"));
    blocks.push(Block::Paragraph(r.summary_zh()));
    if !r.months.is_empty() {
        blocks.push(Block::Chart(r.chart()));
        let cats: Vec<Category> = Category::MONTH.to_vec();
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
            .map(|mc| {
                let mut row = vec![TableCell::center(mc.month.label_zh())];
                row.extend(cats.iter().map(|c| TableCell::center(mc.count(*c).to_string())));
                row.push(TableCell::center(mc.total().to_string()));
                row
            })
            .collect();
        let mut columns = vec![1.5];
        columns.extend(std::iter::repeat_n(1.0, cats.len() + 1));
        blocks.push(Block::Table(Table { columns, header: vec![head], rows, font_size: 8.0 }));
        blocks.push(Block::Note("表中数字为地区数；迟报按迟报计，不再计入其勾选的进度情况。".into()));
    }

    // 二、各地区报送情况
    // A wide matrix takes landscape pages, its heading with it.
    let wide = r.months.len() > PORTRAIT_MONTHS;
    if wide {
        blocks.push(Block::Orientation(Orientation::Landscape));
    }
    blocks.push(h1("二、各地区报送情况"));
    blocks.push(Block::Note(r.legend_note()));
    for chunk in r.months.chunks(MONTHS_PER_TABLE).enumerate() {
        blocks.push(Block::Table(matrix(r, chunk.0 * MONTHS_PER_TABLE, chunk.1)));
    }
    if wide {
        blocks.push(Block::Orientation(Orientation::Portrait));
    }

    // 三、各试点任务进展
    blocks.push(h1("三、各试点任务进展"));
    blocks.push(Block::Paragraph(
        "下表列出各试点任务每个地区最近一期应报进展表的情况，以及各时间节点的完成情况。\
         时间节点是否达成，系据该节点所在月份（年度节点为当年12月）进展表勾选的进度情况判断（标“据进展表”），\
         并非地区对该节点的专门报告。"
            .into(),
    ));
    blocks.push(Block::Table(task_table(r)));
    let notes: Vec<String> =
        r.milestone_notes.iter().map(|n| format!("{}：{}。", n.tasks.join("、"), n.text)).collect();
    blocks.push(Block::Note(format!("时间节点：{}", notes.join("\n"))));

    // 四、进度滞后情况及原因
    blocks.push(h1("四、进度滞后情况及原因"));
    if r.behind.is_empty() {
        blocks.push(Block::Paragraph(format!("截至{date}，没有地区报告进度滞后。")));
    } else {
        blocks.push(Block::Paragraph(format!("共 {} 份进展表勾选进度滞后，原因如下：", r.behind.len())));
        blocks.push(Block::Table(Table {
            columns: vec![1.3, 1.1, 4.0, 4.0],
            header: header_row(&["试点地区", "月份", "进度滞后的原因", "月度实际进展"]),
            rows: r
                .behind
                .iter()
                .map(|e| {
                    vec![
                        TableCell::center(e.region.clone()),
                        TableCell::center(e.month.label_zh()),
                        TableCell::text(format!("{}\n{}", e.text, cite(&e.source))),
                        TableCell::text(e.actual.clone()),
                    ]
                })
                .collect(),
            font_size: 9.0,
        }));
    }

    // 五、困难和支持
    blocks.push(h1("五、存在的困难和需要的支持"));
    if r.difficulties.is_empty() {
        blocks.push(Block::Paragraph("各地区未提出困难和支持需求。".into()));
    } else {
        blocks.push(Block::Table(Table {
            columns: vec![1.3, 1.1, 8.0],
            header: header_row(&["试点地区", "月份", "存在的困难和需要的支持"]),
            rows: r
                .difficulties
                .iter()
                .map(|e| {
                    vec![
                        TableCell::center(e.region.clone()),
                        TableCell::center(e.month.label_zh()),
                        TableCell::text(e.text.clone()),
                    ]
                })
                .collect(),
            font_size: 9.0,
        }));
    }

    // 六、催报与迟报
    blocks.push(h1("六、催报与迟报"));
    let (missing, late): (Vec<_>, Vec<_>) = r.chase.iter().partition(|c| c.missing());
    let person = |p: &crate::record::Person| crate::consolidate::person_line(p);
    let chase_table = |rows: &[&crate::review::ChaseRow]| Table {
        columns: vec![1.3, 1.6, 1.2, 2.1, 2.2, 2.2],
        header: header_row(&["试点地区", "报表", "截止日", "情况", "联系人", "经办人"]),
        rows: rows
            .iter()
            .map(|c| {
                vec![
                    TableCell::center(c.region.clone()),
                    TableCell::center(c.form.clone()),
                    TableCell::center(c.due.to_string()),
                    judged(&c.state),
                    TableCell::text(person(&c.contact)),
                    TableCell::text(person(&c.handler)),
                ]
            })
            .collect(),
        font_size: 9.0,
    };
    blocks.push(h2("（一）未报，须催报"));
    if missing.is_empty() {
        blocks.push(Block::Paragraph(format!("截至{date}，没有截止日已过仍未报送的报表。")));
    } else {
        blocks.push(Block::Paragraph(format!(
            "截至{date}，截止日已过仍未报送的报表共 {} 份，请联系下列人员催报：",
            missing.len()
        )));
        blocks.push(Block::Table(chase_table(&missing)));
    }
    blocks.push(h2("（二）迟报，已收到"));
    if late.is_empty() {
        blocks.push(Block::Paragraph("没有迟报的报表。".into()));
    } else {
        blocks.push(Block::Paragraph(format!(
            "下列 {} 份报表在截止日后收到，已纳入统计，记录在案：",
            late.len()
        )));
        blocks.push(Block::Table(chase_table(&late)));
    }

    // 七、报表校验问题
    blocks.push(h1("七、报表校验问题"));
    blocks.extend(findings_blocks(r));

    Document {
        title: REPORT_TITLE.into(),
        subtitle: vec![format!("{ISSUER}　{date}")],
        cover_page: false,
        running_header: format!("{REPORT_TITLE}（截至{date}）"),
        orientation: Orientation::Portrait,
        font_size: 11.0,
        blocks,
    }
}

/// `（来源：附3_…xlsx!附3 试点工作进展表!B9）`
fn cite(p: &Provenance) -> String {
    format!("（来源：{}）", p.label)
}

/// The findings of the returns current as of the review's date, each
/// citing its file and cell, and the findings of earlier versions that a
/// resubmission fixed, marked 已更正.
fn findings_blocks(r: &Review) -> Vec<Block> {
    let shown: Vec<_> =
        r.findings.iter().filter(|f| f.is_open() || (f.arrived && f.superseded && f.corrected)).collect();
    if shown.is_empty() {
        return vec![Block::Paragraph("各报表未发现问题。".into())];
    }
    let open = shown.iter().filter(|f| !f.superseded).count();
    let fixed = shown.len() - open;
    let mut intro = format!("有效报表中共发现问题 {open} 个（含交叉核对提示），详见下表；");
    if fixed > 0 {
        intro.push_str(&format!("另有 {fixed} 个问题已在重报的更正版本中更正（标“已更正”）。"));
    } else {
        intro.push_str("没有经重报更正的问题。");
    }
    let rows = shown
        .iter()
        .take(REPORT_FINDINGS_MAX)
        .map(|f| {
            let rule = if f.corrected { format!("已更正：{}", f.rule) } else { f.rule.clone() };
            let mut text = format!("{}\n{}", f.message, cite(&f.source));
            if let Some(c) = &f.compared {
                text.push_str(&format!("\n（对照：{c}）"));
            }
            vec![
                TableCell::center(f.region.clone()),
                TableCell::center(format!("{}\n{}", f.form, f.period)),
                TableCell::text(rule),
                TableCell::center(f.severity.label_zh()),
                TableCell::text(text),
            ]
        })
        .collect();
    let mut blocks = vec![
        Block::Paragraph(intro),
        Block::Table(Table {
            columns: vec![1.2, 1.1, 2.3, 0.8, 5.7],
            header: header_row(&["试点地区", "报表", "问题", "严重程度", "说明及来源"]),
            rows,
            font_size: 8.0,
        }),
    ];
    if shown.len() > REPORT_FINDINGS_MAX {
        blocks.push(Block::Note(format!(
            "表中列出前 {REPORT_FINDINGS_MAX} 条，其余 {} 条见汇总工作簿“校验问题”表。",
            shown.len() - REPORT_FINDINGS_MAX
        )));
    }
    blocks
}

/// One table for every task: a row per region, the latest month due and
/// each milestone, coloured by category.
fn task_table(r: &Review) -> Table {
    let nodes = r.tasks.iter().map(|t| t.milestones.len()).max().unwrap_or(0);
    let mut head: Vec<TableCell> =
        ["试点任务", "试点地区", "角色", "最近一期进展表"].into_iter().map(TableCell::header).collect();
    head.extend((0..nodes).map(|i| TableCell::header(format!("节点{}", circled(i)))));
    let mut last_task = "";
    let rows = r
        .tasks
        .iter()
        .map(|t| {
            // The task name once, on its first row.
            let name = if t.task == last_task { String::new() } else { t.task.clone() };
            last_task = &t.task;
            let mut row = vec![
                TableCell::text(name),
                TableCell::center(t.region.clone()),
                TableCell::center(t.role.clone()),
                judged(&t.current),
            ];
            row.extend(
                (0..nodes).map(|i| t.milestones.get(i).map_or_else(|| TableCell::center("—"), judged)),
            );
            row
        })
        .collect();
    let mut columns = vec![2.6, 1.3, 0.7, 1.9];
    columns.extend(std::iter::repeat_n(1.7, nodes));
    Table { columns, header: vec![head], rows, font_size: 8.5 }
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
    let mut columns = vec![1.6, 1.0];
    columns.extend(std::iter::repeat_n(1.0, months.len()));
    Table { columns, header: vec![head], rows, font_size: 8.0 }
}
