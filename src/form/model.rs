//! The form model: one description of a form's layout (grid, merges, labels,
//! inputs and the record field each input feeds), read from
//! `templates/forms/*.toml`. Renderers draw it and the ingester reads by it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::record::{FormKind, Status};
use crate::template_file::{parse_toml, TemplateError};

/// A part of a person block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonPart {
    /// 姓名
    Name,
    /// 职务
    Title,
    /// 联系方式
    Phone,
}

/// Which person block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonRole {
    /// 总负责人
    Lead,
    /// 联系人
    Contact,
    /// 经办人
    Handler,
}

/// A record field an input cell feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// 试点地区
    Region,
    /// 试点任务及要求完成时间
    Tasks,
    /// 时间 (附3)
    Period,
    /// 月度工作安排
    Planned,
    /// 月度实际进展
    Actual,
    /// 进度情况
    Status,
    /// 进度滞后的原因
    DelayReason,
    /// 存在的困难和需要的支持
    Difficulties,
    /// 总负责人 / 联系人 / 经办人, one part.
    Person(PersonRole, PersonPart),
    /// 责任处室
    Division,
    /// 时间 of a schedule row (附2)
    SchedulePeriod,
    /// 试点任务安排 of a schedule row (附2)
    ScheduleArrangement,
    /// 填报单位
    Submitter,
    /// 填报时间
    SubmittedOn,
}

impl Field {
    /// Every field, in record order.
    pub fn all() -> Vec<Field> {
        use PersonPart::*;
        use PersonRole::*;
        let mut v = vec![
            Field::Region,
            Field::Tasks,
            Field::Period,
            Field::Planned,
            Field::Actual,
            Field::Status,
            Field::DelayReason,
            Field::Difficulties,
        ];
        for role in [Lead, Contact, Handler] {
            for part in [Name, Title, Phone] {
                v.push(Field::Person(role, part));
            }
        }
        v.extend([
            Field::Division,
            Field::SchedulePeriod,
            Field::ScheduleArrangement,
            Field::Submitter,
            Field::SubmittedOn,
        ]);
        v
    }

    /// The dotted record path (`contact.name`, `schedule.period`).
    pub fn path(self) -> String {
        match self {
            Field::Region => "region".into(),
            Field::Tasks => "tasks".into(),
            Field::Period => "period".into(),
            Field::Planned => "planned".into(),
            Field::Actual => "actual".into(),
            Field::Status => "status".into(),
            Field::DelayReason => "delay_reason".into(),
            Field::Difficulties => "difficulties".into(),
            Field::Person(role, part) => {
                let r = match role {
                    PersonRole::Lead => "lead",
                    PersonRole::Contact => "contact",
                    PersonRole::Handler => "handler",
                };
                let p = match part {
                    PersonPart::Name => "name",
                    PersonPart::Title => "title",
                    PersonPart::Phone => "phone",
                };
                format!("{r}.{p}")
            }
            Field::Division => "division".into(),
            Field::SchedulePeriod => "schedule.period".into(),
            Field::ScheduleArrangement => "schedule.arrangement".into(),
            Field::Submitter => "submitter".into(),
            Field::SubmittedOn => "submitted_on".into(),
        }
    }

    /// Parses [`Field::path`] (looked up in a table of every path, made
    /// once).
    pub fn from_path(s: &str) -> Option<Field> {
        static BY_PATH: OnceLock<HashMap<String, Field>> = OnceLock::new();
        BY_PATH.get_or_init(|| Field::all().into_iter().map(|f| (f.path(), f)).collect()).get(s).copied()
    }

    /// The field in the forms' words, as messages, 更正记录 and the
    /// marked-up returns name it (`月度实际进展`, `联系人联系方式`,
    /// `责任处室`).
    pub fn label_zh(self) -> &'static str {
        use PersonPart::*;
        use PersonRole::*;
        match self {
            Field::Region => "试点地区",
            Field::Tasks => "试点任务",
            Field::Period => "月份",
            Field::Planned => "月度工作安排",
            Field::Actual => "月度实际进展",
            Field::Status => "进度情况",
            Field::DelayReason => "进度滞后的原因",
            Field::Difficulties => "存在的困难和需要的支持",
            Field::Person(Lead, Name) => "总负责人姓名",
            Field::Person(Lead, Title) => "总负责人职务",
            Field::Person(Lead, Phone) => "总负责人联系方式",
            Field::Person(Contact, Name) => "联系人姓名",
            Field::Person(Contact, Title) => "联系人职务",
            Field::Person(Contact, Phone) => "联系人联系方式",
            Field::Person(Handler, Name) => "经办人姓名",
            Field::Person(Handler, Title) => "经办人职务",
            Field::Person(Handler, Phone) => "经办人联系方式",
            Field::Division => "责任处室",
            Field::SchedulePeriod => "时间",
            Field::ScheduleArrangement => "试点任务安排",
            Field::Submitter => "填报单位",
            Field::SubmittedOn => "填报时间",
        }
    }
}

/// What a pre-filled input is filled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Fill {
    /// The region's canonical name.
    #[serde(rename = "region")]
    Region,
    /// The region's tasks, roles and deadlines in words.
    #[serde(rename = "tasks")]
    Tasks,
    /// The reporting month (`2017年4月`).
    #[serde(rename = "period")]
    Period,
    /// The schedule row's month or year.
    #[serde(rename = "schedule.period")]
    SchedulePeriod,
}

/// Horizontal alignment of a cell's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Left, for long free text.
    Left,
    /// Centred (labels, short values).
    #[default]
    Center,
    /// Right, for the footer labels.
    Right,
}

/// What a cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// Fixed label text.
    Label(String),
    /// An input cell.
    Input {
        /// The record field it feeds.
        field: Field,
        /// Pre-filled from the registry, when set.
        fill: Option<Fill>,
        /// Pick-one choices (进度情况).
        choices: Vec<String>,
        /// Text shown on the blank form (no region) for a filled cell.
        blank: Option<String>,
    },
}

/// One cell of a row, placed.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSpec {
    /// First column (0-based), computed from the free columns of the row.
    pub col: usize,
    /// Columns covered.
    pub span: usize,
    /// Rows covered.
    pub rows: usize,
    /// Content.
    pub content: Content,
    /// Alignment.
    pub align: Align,
    /// Characters a clerk must be able to write in it (0: no promise).
    pub capacity: usize,
}

/// One row of the model.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSpec {
    /// Height in points: the least the row is drawn with; it grows to fit
    /// its text and, on a one-page form, the capacity of its inputs.
    pub height: f32,
    /// Written once per plan schedule period.
    pub repeat: bool,
    /// Cells starting in this row.
    pub cells: Vec<CellSpec>,
}

/// The direction from a label to its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The value is in the cell to the right of the label.
    Right,
    /// The value is in the cell below the label.
    Below,
}

/// How the reader finds an input: the label it hangs off, the direction, and
/// for person blocks the row label of the block (总负责人 over 姓名/职务/联系方式).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The record field.
    pub field: Field,
    /// The label text the value hangs off.
    pub label: String,
    /// From label to value.
    pub direction: Direction,
    /// The block label for person parts (总负责人 …).
    pub group: Option<String>,
    /// True for schedule fields: values continue downwards, one per row.
    pub repeat: bool,
    /// True when the input is under the table (填报单位, 填报时间).
    pub footer: bool,
}

/// The printed page of a form, from the template's `[page]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct PageSpec {
    /// Paper width in points (A4: 595.28).
    pub width: f32,
    /// Paper height in points (A4: 841.89).
    pub height: f32,
    /// Top margin in points.
    pub top: f32,
    /// Bottom margin in points.
    pub bottom: f32,
    /// Left and right margins in points.
    pub side: f32,
    /// True when the form must print on one page (附3): the rows hold the
    /// inputs' capacities and the page shrinks to fit. Otherwise a form
    /// that does not fit continues on further pages.
    pub one_page: bool,
    /// Smallest print size of body text when a page shrinks to fit.
    pub min_print_size: f32,
    /// Added to the title on a continuation page: `（续）`.
    pub continued: String,
}

impl PageSpec {
    /// Printable width in points.
    pub fn inner_width(&self) -> f32 {
        self.width - 2.0 * self.side
    }

    /// Printable height in points.
    pub fn inner_height(&self) -> f32 {
        self.height - self.top - self.bottom
    }
}

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPage {
    paper: String,
    margins_mm: [f32; 3],
    #[serde(default)]
    pages: Option<u32>,
    min_print_size: f32,
    #[serde(default = "default_continued")]
    continued: String,
}

fn default_continued() -> String {
    "（续）".into()
}

/// A form's layout as described in `templates/forms/<kind>.toml`.
#[derive(Debug, Clone, PartialEq)]
pub struct FormModel {
    /// 进度情况's choices with the status each stands for, in print order.
    status_choices: Vec<(Status, String)>,
    /// Plan or progress.
    pub kind: FormKind,
    /// Template version, stored in each generated file's identity.
    pub version: u32,
    /// 附2 / 附3
    pub mark: String,
    /// 试点工作计划表 / 试点工作进展表
    pub title: String,
    /// Worksheet name.
    pub sheet: String,
    /// Column widths in points.
    pub columns: Vec<f32>,
    /// Body text size in points.
    pub font_size: f32,
    /// Title size in points.
    pub title_size: f32,
    /// Mark (附2) size in points.
    pub mark_size: f32,
    /// East Asian family name for body text.
    pub text_font: String,
    /// East Asian family name for the title and mark.
    pub title_font: String,
    /// Schedule rows on the blank form.
    pub blank_rows: usize,
    /// The printed page.
    pub page: PageSpec,
    /// Table rows.
    pub rows: Vec<RowSpec>,
    /// Rows under the table, without borders.
    pub footer: Vec<RowSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    kind: String,
    version: u32,
    mark: String,
    title: String,
    sheet: String,
    columns: Vec<f32>,
    font_size: f32,
    title_size: f32,
    mark_size: f32,
    text_font: String,
    title_font: String,
    #[serde(default)]
    blank_rows: usize,
    page: RawPage,
    row: Vec<RawRow>,
    #[serde(default)]
    footer: Vec<RawRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    height: f32,
    #[serde(default)]
    repeat: Option<String>,
    cells: Vec<RawCell>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCell {
    label: Option<String>,
    field: Option<String>,
    fill: Option<Fill>,
    #[serde(default)]
    choices: Vec<RawChoice>,
    blank: Option<String>,
    span: Option<usize>,
    rows: Option<usize>,
    align: Option<Align>,
    #[serde(default)]
    capacity: usize,
}

/// One choice of a pick-one cell as the template writes it: keyed by the
/// status it stands for (`{ status = "behind", word = "滞后" }`), or, in
/// templates written before the key, a bare word (accepted only when it is
/// one of the built-in words 超前, 如期, 滞后, whose meaning it names).
#[derive(Deserialize)]
#[serde(untagged)]
enum RawChoice {
    Keyed { status: String, word: String },
    Word(String),
}

/// The choices of a 进度情况 cell in print order, each with the status it
/// stands for; every status must have exactly one word, and no word two
/// statuses. `Err` is the Chinese problem for the template check.
fn status_choices(raw: &[RawChoice]) -> Result<Vec<(Status, String)>, String> {
    let mut out: Vec<(Status, String)> = Vec::new();
    for c in raw {
        let (status, word) = match c {
            RawChoice::Keyed { status, word } => {
                let Some(s) = Status::ALL.into_iter().find(|s| status_id(*s) == status.trim()) else {
                    return Err(format!(
                        "进度情况选项的 status“{status}”无法识别，应为 ahead（超前）、on_schedule（如期）或 behind（滞后）"
                    ));
                };
                (s, word.trim().to_string())
            }
            RawChoice::Word(w) => match Status::from_label(w.trim()) {
                Some(s) => (s, w.trim().to_string()),
                None => {
                    return Err(format!(
                        "进度情况的选项“{w}”没有写明代表哪种进度；请写成 {{ status = \"ahead\", word = \"{w}\" }}（status 为 ahead 超前、on_schedule 如期、behind 滞后之一）"
                    ))
                }
            },
        };
        if word.is_empty() {
            return Err(format!("进度情况中 {} 的选项词为空", status_id(status)));
        }
        if out.iter().any(|(s, _)| *s == status) {
            return Err(format!("进度情况中 {} 有两个选项词", status_id(status)));
        }
        if out.iter().any(|(_, w)| *w == word) {
            return Err(format!("进度情况的选项词“{word}”出现了两次"));
        }
        out.push((status, word));
    }
    if let Some(missing) = Status::ALL.iter().find(|s| !out.iter().any(|(o, _)| o == *s)) {
        return Err(format!(
            "进度情况缺少 {}（{}）的选项词；三种进度各须有一个词",
            status_id(*missing),
            missing.label_zh()
        ));
    }
    Ok(out)
}

/// The template's key of a status.
fn status_id(s: Status) -> &'static str {
    match s {
        Status::Ahead => "ahead",
        Status::OnSchedule => "on_schedule",
        Status::Behind => "behind",
    }
}

impl FormModel {
    /// The words of the 进度情况 choices with the status each stands for,
    /// in print order (checked at load: each status has one word); empty
    /// for a form without a status cell.
    pub fn status_choices(&self) -> &[(Status, String)] {
        &self.status_choices
    }

    /// Parses and checks a form description.
    ///
    /// # Errors
    /// [`TemplateError::Syntax`] for malformed TOML; [`TemplateError::Invalid`]
    /// when cells overflow the columns, overlap, name an unknown field, or an
    /// input has no label to hang off.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, TemplateError> {
        let raw: RawForm = parse_toml(text, file)?;
        let invalid = |problem: String| TemplateError::Invalid { file: file.to_string(), line: 0, problem };
        let kind = FormKind::from_id(&raw.kind)
            .ok_or_else(|| invalid(format!("kind 应为 plan 或 progress，而不是“{}”", raw.kind)))?;
        let ncols = raw.columns.len();
        if ncols == 0 || raw.columns.iter().any(|w| !(w.is_finite() && *w > 0.0)) {
            return Err(invalid("columns 应为正数列表".into()));
        }
        let statuses: std::cell::RefCell<Vec<(Status, String)>> = std::cell::RefCell::new(Vec::new());
        let place = |rows: &[RawRow], what: &str| -> Result<Vec<RowSpec>, TemplateError> {
            // occupied[r][c]: covered by a cell starting in an earlier row.
            let mut carried: Vec<Vec<bool>> = vec![vec![false; ncols]; rows.len() + 8];
            let mut out = Vec::new();
            for (r, row) in rows.iter().enumerate() {
                let at = |p: String| invalid(format!("第{}个[[{what}]]：{p}", r + 1));
                if !(row.height.is_finite() && row.height > 0.0) {
                    return Err(at("height 应为正数".into()));
                }
                let mut col = 0;
                let mut cells = Vec::new();
                for cell in &row.cells {
                    while col < ncols && carried[r][col] {
                        col += 1;
                    }
                    let span = cell.span.unwrap_or(1).max(1);
                    let nrows = cell.rows.unwrap_or(1).max(1);
                    if col + span > ncols {
                        return Err(at(format!("单元格超出 {ncols} 列")));
                    }
                    if r + nrows > rows.len() {
                        return Err(at("rows 超出表格".into()));
                    }
                    for below in carried.iter_mut().take(r + nrows).skip(r + 1) {
                        below[col..col + span].fill(true);
                    }
                    let content = match (&cell.label, &cell.field) {
                        (Some(l), None) => Content::Label(l.clone()),
                        (None, Some(f)) => {
                            let field = Field::from_path(f).ok_or_else(|| at(format!("未知字段“{f}”")))?;
                            let words: Vec<String> = if field == Field::Status && !cell.choices.is_empty() {
                                let keyed = status_choices(&cell.choices).map_err(at)?;
                                let words = keyed.iter().map(|(_, w)| w.clone()).collect();
                                *statuses.borrow_mut() = keyed;
                                words
                            } else {
                                cell.choices
                                    .iter()
                                    .map(|c| match c {
                                        RawChoice::Keyed { word, .. } | RawChoice::Word(word) => word.clone(),
                                    })
                                    .collect()
                            };
                            Content::Input {
                                field,
                                fill: cell.fill,
                                choices: words,
                                blank: cell.blank.clone(),
                            }
                        }
                        _ => return Err(at("每个单元格须有 label 或 field 之一".into())),
                    };
                    let default_align = Align::Center;
                    cells.push(CellSpec {
                        col,
                        span,
                        rows: nrows,
                        content,
                        align: cell.align.unwrap_or(default_align),
                        capacity: cell.capacity,
                    });
                    col += span;
                }
                let used = (0..ncols).filter(|&c| carried[r][c]).count()
                    + cells.iter().map(|c: &CellSpec| c.span).sum::<usize>();
                if used != ncols {
                    return Err(at(format!("本行占用 {used} 列，应占满 {ncols} 列")));
                }
                let repeat = match row.repeat.as_deref() {
                    None => false,
                    Some("schedule") => true,
                    Some(other) => return Err(at(format!("repeat 只能是 schedule，而不是“{other}”"))),
                };
                if repeat && cells.iter().any(|c| c.rows > 1) {
                    return Err(at("重复行中的单元格不能跨行".into()));
                }
                out.push(RowSpec { height: row.height, repeat, cells });
            }
            Ok(out)
        };
        let page = {
            let p = &raw.page;
            let (width, height) = match p.paper.as_str() {
                "A4" => (595.28, 841.89),
                other => return Err(invalid(format!("[page] paper 只支持 A4，而不是“{other}”"))),
            };
            let [top, side, bottom] = p.margins_mm.map(|mm| mm * PT_PER_MM);
            if [top, side, bottom].iter().any(|m| !(m.is_finite() && *m >= 0.0 && *m < 100.0)) {
                return Err(invalid("[page] margins_mm 应为 0 到 35 之间的数".into()));
            }
            if !(p.min_print_size.is_finite() && p.min_print_size > 0.0 && p.min_print_size <= raw.font_size)
            {
                return Err(invalid("[page] min_print_size 应为正数，且不大于 font_size".into()));
            }
            let one_page = match p.pages {
                None => false,
                Some(1) => true,
                Some(n) => {
                    return Err(invalid(format!("[page] pages 只能是 1（或不写，表示可续页），而不是 {n}")))
                }
            };
            PageSpec {
                width,
                height,
                top,
                bottom,
                side,
                one_page,
                min_print_size: p.min_print_size,
                continued: p.continued.clone(),
            }
        };
        if raw.columns.iter().sum::<f32>() > page.inner_width() / (page.min_print_size / raw.font_size) + 0.5
        {
            return Err(invalid("columns 总宽超出纸张可打印宽度".into()));
        }
        let model = FormModel {
            kind,
            version: raw.version,
            mark: raw.mark,
            title: raw.title,
            sheet: raw.sheet,
            columns: raw.columns,
            font_size: raw.font_size,
            title_size: raw.title_size,
            mark_size: raw.mark_size,
            text_font: raw.text_font,
            title_font: raw.title_font,
            blank_rows: raw.blank_rows,
            page,
            rows: place(&raw.row, "row")?,
            footer: place(&raw.footer, "footer")?,
            status_choices: Vec::new(),
        };
        let mut model = model;
        model.status_choices = statuses.into_inner();
        if model.rows.iter().filter(|r| r.repeat).count() > 1 {
            return Err(invalid("只能有一行 repeat = \"schedule\"".into()));
        }
        // Every input must hang off a label, or the reader could not find it.
        let anchors = model.anchors().map_err(invalid)?;
        let mut seen = std::collections::BTreeSet::new();
        for a in &anchors {
            if !seen.insert(a.field) {
                return Err(invalid(format!("字段“{}”出现了两次", a.field.path())));
            }
        }
        Ok(model)
    }

    /// The cell spec covering (`row`, `col`) of `rows`, with its starting row.
    fn covering(rows: &[RowSpec], row: usize, col: usize) -> Option<(usize, &CellSpec)> {
        (0..=row).rev().find_map(|r| {
            rows[r]
                .cells
                .iter()
                .find(|c| c.col <= col && col < c.col + c.span && r + c.rows > row)
                .map(|c| (r, c))
        })
    }

    /// Where the reader finds each input, derived from the grid: the value is
    /// right of a label that starts in the same row, otherwise below the label
    /// above it (with the block label to its left as the group).
    ///
    /// # Errors
    /// A message naming the input that has no label to hang off.
    pub fn anchors(&self) -> Result<Vec<Anchor>, String> {
        let mut out = Vec::new();
        for (footer, rows) in [(false, &self.rows), (true, &self.footer)] {
            for (r, row) in rows.iter().enumerate() {
                for cell in &row.cells {
                    let Content::Input { field, .. } = &cell.content else { continue };
                    let left = (cell.col > 0).then(|| Self::covering(rows, r, cell.col - 1)).flatten();
                    let above = (r > 0).then(|| Self::covering(rows, r - 1, cell.col)).flatten();
                    let anchor = match (left, above) {
                        (Some((lr, l)), _) if lr == r => match &l.content {
                            Content::Label(t) => Some((t.clone(), Direction::Right, None)),
                            _ => None,
                        },
                        _ => None,
                    }
                    .or_else(|| match above {
                        Some((_, a)) => match &a.content {
                            Content::Label(t) => {
                                // The block label: a label covering column 0 of
                                // this row that started in a row above (总负责人).
                                let group = Self::covering(rows, r, 0).and_then(|(gr, g)| match &g.content {
                                    Content::Label(g) if gr < r => Some(g.clone()),
                                    _ => None,
                                });
                                Some((t.clone(), Direction::Below, group))
                            }
                            _ => None,
                        },
                        None => None,
                    });
                    let Some((label, direction, group)) = anchor else {
                        return Err(format!("输入格“{}”左侧或上方没有标签", field.path()));
                    };
                    out.push(Anchor { field: *field, label, direction, group, repeat: row.repeat, footer });
                }
            }
        }
        Ok(out)
    }

    /// All label texts of the form, table and footer, in order.
    pub fn labels(&self) -> Vec<&str> {
        self.rows
            .iter()
            .chain(&self.footer)
            .flat_map(|r| &r.cells)
            .filter_map(|c| match &c.content {
                Content::Label(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Table width in points.
    pub fn width(&self) -> f32 {
        self.columns.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::Templates;

    #[test]
    fn every_field_has_a_path_and_the_forms_words() {
        for f in Field::all() {
            assert_eq!(Field::from_path(&f.path()), Some(f), "{f:?}");
            let words = f.label_zh();
            assert!(!words.is_empty() && !words.chars().any(|c| c.is_ascii()), "{f:?} reads {words}");
        }
        let words = |p: &str| Field::from_path(p).map(Field::label_zh);
        assert_eq!(words("contact.phone"), Some("联系人联系方式"));
        assert_eq!(words("submitted_on"), Some("填报时间"));
        assert_eq!(words("schedule.arrangement"), Some("试点任务安排"));
        // The forms' own labels: 责任处室 for the division, 填报单位 for the
        // one who fills the form in.
        assert_eq!(words("division"), Some("责任处室"));
        assert_eq!(words("submitter"), Some("填报单位"));
        assert_eq!(words("unknown.path"), None);
    }

    fn anchor(model: &FormModel, field: Field) -> Anchor {
        model.anchors().unwrap().into_iter().find(|a| a.field == field).unwrap()
    }

    #[test]
    fn anchors_follow_the_seed_layout() {
        let t = Templates::embedded().unwrap();
        let p = &t.progress;
        let a = anchor(p, Field::Region);
        assert_eq!((a.label.as_str(), a.direction), ("试点地区", Direction::Below));
        let a = anchor(p, Field::Tasks);
        assert_eq!((a.label.as_str(), a.direction), ("试点任务及要求完成时间", Direction::Below));
        let a = anchor(p, Field::Actual);
        assert_eq!((a.label.as_str(), a.direction), ("月度实际进展", Direction::Right));
        let a = anchor(p, Field::Person(PersonRole::Handler, PersonPart::Name));
        assert_eq!((a.label.as_str(), a.direction), ("经办人", Direction::Right));
        let a = anchor(p, Field::SubmittedOn);
        assert!(a.footer && a.label == "填报时间：");

        let plan = &t.plan;
        let a = anchor(plan, Field::Person(PersonRole::Contact, PersonPart::Phone));
        assert_eq!(
            (a.label.as_str(), a.direction, a.group.as_deref()),
            ("联系方式", Direction::Below, Some("联系人"))
        );
        let a = anchor(plan, Field::ScheduleArrangement);
        assert_eq!((a.label.as_str(), a.direction, a.repeat), ("试点任务安排", Direction::Below, true));
        let a = anchor(plan, Field::Division);
        assert_eq!((a.label.as_str(), a.direction), ("责任处室", Direction::Right));
        assert_eq!(plan.anchors().unwrap().len(), 16);
        assert_eq!(p.anchors().unwrap().len(), 14);
    }

    #[test]
    fn broken_models_are_refused() {
        let text = include_str!("../../templates/forms/progress.toml");
        let cases = [
            (
                "{ field = \"actual\", span = 3, align = \"left\", capacity = 600 }",
                "{ field = \"actuall\", span = 3 }",
                "未知字段",
            ),
            (
                "{ field = \"actual\", span = 3, align = \"left\", capacity = 600 }",
                "{ field = \"actual\", span = 4 }",
                "超出",
            ),
            ("{ label = \"月度实际进展\" },", "", "应占满 4 列"),
            ("{ label = \"月度实际进展\" },", "{ field = \"planned\" },", "没有标签"),
            (
                "{ field = \"planned\", span = 3, align = \"left\", capacity = 400 }",
                "{ field = \"actual\", span = 3 }",
                "出现了两次",
            ),
        ];
        for (from, to, want) in cases {
            assert!(text.contains(from), "{from}");
            let e = FormModel::from_toml(&text.replacen(from, to, 1), "forms/progress.toml").unwrap_err();
            assert!(e.to_string().contains(want), "{from} -> {to}: {e}");
        }
    }
}
