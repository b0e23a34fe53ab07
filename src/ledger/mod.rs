//! The findings ledger (审核台账): one row per finding ever raised, kept
//! across the months in `DIR/审核台账.xlsx`, in which the office decides
//! (处理意见) and the tool says where each finding stands (状态).
//!
//! - [`key`](Key): a finding's stable identity and its 编号;
//! - [`read`]: the office's saved ledger back (xlsx or ods, as Excel,
//!   LibreOffice or WPS saved it), every cell it typed kept as typed, or a
//!   one-line [`LedgerError`] naming file and cell;
//! - [`merge`]: last run's ledger and this run's findings → the new ledger
//!   and each finding's [`State`];
//! - [`to_bytes`]: the ledger as xlsx (a dropdown on 处理意见, the header row
//!   frozen, an autofilter; a hidden sheet 台账数据 keeps what the tool needs).
//!
//! The columns of sheet 审核台账 are found by their header words, never by
//! position, and rows are matched by 编号, never by their place: the office
//! may sort, filter, hide, recolour and insert rows and columns.

mod key;
mod merge;
mod read;
mod said;
mod state;
mod write;

pub use key::{keys_of, Key, Slot, UNREQUESTED_RULE};
pub use merge::{merge, merge_with, Merged, Raised};
pub use read::{read, read_bytes};
pub use said::{judge, Answer, Said};
pub use state::{Decision, Gone, State};
pub use write::{to_bytes, to_bytes_with};

use std::collections::BTreeMap;

use chrono::NaiveDate;

/// The ledger's file name inside the review folder.
pub const FILE_NAME: &str = "审核台账.xlsx";
/// The previous ledger, kept before each rewrite.
pub const PREVIOUS_FILE_NAME: &str = "审核台账.上次.xlsx";
/// The office's sheet.
pub const SHEET: &str = "审核台账";
/// The hidden sheet of the tool's own data.
pub const DATA_SHEET: &str = "台账数据";

/// A column of sheet 审核台账 that the tool fills (the office's are
/// 处理意见, 处理人, 处理日期, 备注 and any it adds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ToolColumn {
    /// 编号
    Id,
    /// 地区
    Region,
    /// 表格
    Form,
    /// 期间
    Period,
    /// 问题
    Problem,
    /// 单元格
    Cell,
    /// 类别 (错误 / 警告)
    Severity,
    /// 地区说明: the region's 情况说明 from its returned marked-up copies.
    Explanation,
    /// 状态
    State,
    /// 关联编号: the finding that replaced this one, or that it replaced.
    Link,
    /// 首次发现: the review date that first raised it.
    FirstSeen,
    /// 来源: `文件名!工作表!单元格` of the return that raised it last.
    Source,
    /// 提示: what the tool has to say about the row (a 编号 it does not know).
    Note,
}

impl ToolColumn {
    /// The tool's columns in the order a new ledger shows them, the
    /// office's four put after 状态.
    pub const ALL: [ToolColumn; 13] = [
        ToolColumn::Id,
        ToolColumn::Region,
        ToolColumn::Form,
        ToolColumn::Period,
        ToolColumn::Problem,
        ToolColumn::Cell,
        ToolColumn::Severity,
        ToolColumn::Explanation,
        ToolColumn::State,
        ToolColumn::Link,
        ToolColumn::FirstSeen,
        ToolColumn::Source,
        ToolColumn::Note,
    ];

    /// The header word.
    pub fn header(self) -> &'static str {
        match self {
            ToolColumn::Id => "编号",
            ToolColumn::Region => "地区",
            ToolColumn::Form => "表格",
            ToolColumn::Period => "期间",
            ToolColumn::Problem => "问题",
            ToolColumn::Cell => "单元格",
            ToolColumn::Severity => "类别",
            ToolColumn::Explanation => "地区说明",
            ToolColumn::State => "状态",
            ToolColumn::Link => "关联编号",
            ToolColumn::FirstSeen => "首次发现",
            ToolColumn::Source => "来源",
            ToolColumn::Note => "提示",
        }
    }

    /// The column a header word names.
    pub fn from_header(s: &str) -> Option<ToolColumn> {
        ToolColumn::ALL.into_iter().find(|c| c.header() == s.trim())
    }

    /// Whether the contract requires it in every ledger.
    pub fn required(self) -> bool {
        matches!(
            self,
            ToolColumn::Id
                | ToolColumn::Region
                | ToolColumn::Form
                | ToolColumn::Period
                | ToolColumn::Problem
                | ToolColumn::Cell
                | ToolColumn::State
        )
    }
}

/// The office's column of decisions.
pub const DECISION_HEADER: &str = "处理意见";
/// The office's columns the contract requires, in a new ledger's order.
pub const OFFICE_HEADERS: [&str; 4] = [DECISION_HEADER, "处理人", "处理日期", "备注"];

/// A cell as the office typed it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// TRUE / FALSE.
    Bool(bool),
    /// A date (or date and time) as an Excel serial day number.
    Date(f64),
}

impl Value {
    /// The value as text (a date as `YYYY-MM-DD`).
    pub fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            Value::Date(d) => date_of_serial(*d).map(|d| d.to_string()).unwrap_or_else(|| d.to_string()),
        }
    }
}

/// The date of an Excel serial day number (1900 system).
pub(crate) fn date_of_serial(d: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_days(chrono::Days::new(d.floor().max(0.0) as u64))
}

/// A sheet carried as its cells' values (the other sheets of the ledger
/// workbook, which the office may keep in it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// Its name.
    pub name: String,
    /// Cells by row and column from A1; `None`: empty.
    pub rows: Vec<Vec<Option<Value>>>,
    /// Whether it is hidden.
    pub hidden: bool,
}

/// What the ledger shows of a finding (the tool's columns).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shown {
    /// 地区
    pub region: String,
    /// 表格 (`附3`)
    pub form: String,
    /// 期间 (`2017年4月`)
    pub period: String,
    /// 问题: the rule in words and the message.
    pub problem: String,
    /// 单元格
    pub cell: String,
    /// 类别: 错误 / 警告.
    pub severity: String,
    /// 来源
    pub source: String,
}

/// The tool's state of one finding (a row of the hidden sheet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The finding's key; its 编号 is [`Key::id`].
    pub key: Key,
    /// What the ledger shows of it.
    pub shown: Shown,
    /// 状态 as last worked out.
    pub state: State,
    /// 关联编号: findings that replaced it or that it replaced.
    pub links: Vec<String>,
    /// The review date that first raised it.
    pub first_seen: NaiveDate,
    /// The last review date that raised it.
    pub last_seen: NaiveDate,
    /// The last review date that raised it again after it had been closed
    /// as corrected or void (a later return brought it back), if any.
    pub reopened: Option<NaiveDate>,
}

/// One row of sheet 审核台账, as read or to be written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Row {
    /// Its cells, one per [`Ledger::headers`] column.
    pub cells: Vec<Option<Value>>,
    /// The row number it had in the sheet read (1-based), if read.
    pub at: Option<u32>,
}

/// A ledger: sheet 审核台账 (headers and rows, as the office left them),
/// the tool's entries by 编号, and any other sheets of the workbook.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ledger {
    /// Header words of sheet 审核台账, in the order of its columns.
    pub headers: Vec<String>,
    /// Its rows below the header.
    pub rows: Vec<Row>,
    /// The tool's entries by 编号, in the order the rows show them.
    pub entries: BTreeMap<String, Entry>,
    /// Other sheets of the workbook, carried as values.
    pub other_sheets: Vec<Sheet>,
}

impl Ledger {
    /// The column of header `h`, if any.
    pub fn column(&self, h: &str) -> Option<usize> {
        self.headers.iter().position(|x| x.trim() == h)
    }

    /// The trimmed text of `row`'s cell in column `h` (empty when absent).
    pub fn text(&self, row: &Row, h: &str) -> String {
        self.column(h)
            .and_then(|c| row.cells.get(c).cloned().flatten())
            .map(|v| v.text().trim().to_string())
            .unwrap_or_default()
    }
}

/// Why a ledger could not be used: the run stops, the file untouched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The file is not a workbook calamine can open (damaged, encrypted,
    /// another format).
    #[error("{file}：无法读取审核台账（{detail}）；台账未作改动。请用 Excel 或 WPS 打开检查，或用 {previous} 恢复后重新运行")]
    Unreadable {
        /// The file.
        file: String,
        /// The reader's words.
        detail: String,
        /// The previous ledger's name.
        previous: &'static str,
    },
    /// The workbook has no sheet 审核台账.
    #[error("{file}：没有工作表“{sheet}”，不是本试点的审核台账（工作表名不可改动）；台账未作改动")]
    NoSheet {
        /// The file.
        file: String,
        /// The sheet expected.
        sheet: &'static str,
    },
    /// A header word the contract requires is missing (renamed or deleted).
    #[error("{file}!{sheet}!{cell}：表头缺少列“{missing}”（列名不可改动，可以调整列的顺序或增加列）；台账未作改动")]
    MissingColumn {
        /// The file.
        file: String,
        /// The sheet.
        sheet: &'static str,
        /// The header row's first cell.
        cell: String,
        /// The header word not found.
        missing: String,
    },
    /// A 处理意见 outside the four words.
    #[error("{file}!{sheet}!{cell}：处理意见“{word}”不是可选的四项之一（接受（无需修改）、退回修改、说明已采纳、说明不采纳，或留空）；台账未作改动")]
    BadDecision {
        /// The file.
        file: String,
        /// The sheet.
        sheet: &'static str,
        /// The cell.
        cell: String,
        /// What it says.
        word: String,
    },
    /// The hidden sheet's data cannot be understood.
    #[error(
        "{file}!{sheet}!{cell}：台账数据无法识别（{detail}）；台账未作改动。请用 {previous} 恢复后重新运行"
    )]
    BadData {
        /// The file.
        file: String,
        /// The sheet.
        sheet: &'static str,
        /// The cell.
        cell: String,
        /// What is wrong.
        detail: String,
        /// The previous ledger's name.
        previous: &'static str,
    },
    /// The ledger's findings are all of regions this registry does not know.
    #[error("{file}：这是另一个试点的审核台账（其中的地区如“{region}”不在本试点的地区中）；台账未作改动")]
    OtherPilot {
        /// The file.
        file: String,
        /// One region it names.
        region: String,
    },
}
