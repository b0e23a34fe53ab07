//! Layout: a form model plus the pre-fill values of one region and month
//! becomes a [`Grid`], the one description every renderer translates to bytes.
//! Renderers hold no layout of their own.

use crate::form::model::{Align, Content, Field, Fill, FormModel, RowSpec};
use crate::period::{Period, YearMonth};
use crate::record::FormKind;
use crate::registry::{RegionId, Registry};

/// Which copy of a form to lay out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormInstance {
    /// The region, or `None` for the blank form of the seed.
    pub region: Option<RegionId>,
    /// The reporting month (附3 only).
    pub period: Option<YearMonth>,
}

/// The identity a generated workbook carries invisibly, so a returned file is
/// recognised even when renamed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Plan or progress.
    pub kind: FormKind,
    /// Template version.
    pub version: u32,
    /// Canonical region name.
    pub region: Option<String>,
    /// Reporting month.
    pub period: Option<Period>,
}

impl Identity {
    /// Key/value pairs as stored (`form`, `version`, `region`, `period`).
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("form", self.kind.id().to_string()),
            ("version", self.version.to_string()),
            ("region", self.region.clone().unwrap_or_default()),
            ("period", self.period.map(|p| p.to_string()).unwrap_or_default()),
        ]
    }
}

/// Whether a cell is fixed text or something a clerk fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Fixed label.
    Label,
    /// Pre-filled from the registry; locked.
    Prefilled,
    /// For the clerk; unlocked.
    Input,
}

/// One placed cell of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridCell {
    /// First row (0-based, over table and footer rows).
    pub row: usize,
    /// First column.
    pub col: usize,
    /// Rows covered.
    pub rows: usize,
    /// Columns covered.
    pub cols: usize,
    /// Text shown.
    pub text: String,
    /// Label, pre-filled or input.
    pub kind: CellKind,
    /// The record field, for inputs and pre-filled cells.
    pub field: Option<Field>,
    /// Alignment.
    pub align: Align,
    /// Pick-one choices.
    pub choices: Vec<String>,
}

impl GridCell {
    /// Text for print formats: a choice cell left empty shows a box before
    /// each choice (`□超前　□如期　□滞后`) to tick by hand.
    pub fn print_text(&self) -> String {
        if self.text.is_empty() && !self.choices.is_empty() {
            self.choices.iter().map(|c| format!("□{c}")).collect::<Vec<_>>().join("　　")
        } else {
            self.text.clone()
        }
    }

    /// True when the cell covers more than one grid position.
    pub fn is_merged(&self) -> bool {
        self.rows > 1 || self.cols > 1
    }
}

/// One row of a grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridRow {
    /// Height in points.
    pub height: f32,
    /// Repeated at the top of each printed page.
    pub header: bool,
    /// Drawn with borders (table) or without (footer).
    pub border: bool,
}

/// A laid-out form (or report table): cells with positions and sizes, merges,
/// locks, choices and identity. Renderers translate it to xlsx, docx or pdf.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Plan or progress.
    pub kind: FormKind,
    /// Worksheet name.
    pub sheet: String,
    /// 附2 / 附3
    pub mark: String,
    /// Form title.
    pub title: String,
    /// Body text size in points.
    pub font_size: f32,
    /// Title size in points.
    pub title_size: f32,
    /// Mark size in points.
    pub mark_size: f32,
    /// East Asian family name for body text.
    pub text_font: String,
    /// East Asian family name for the title.
    pub title_font: String,
    /// Column widths in points.
    pub columns: Vec<f32>,
    /// Rows: the table rows, then the footer rows.
    pub rows: Vec<GridRow>,
    /// Cells in row-major order.
    pub cells: Vec<GridCell>,
    /// Invisible identity (generated forms).
    pub identity: Option<Identity>,
}

impl Grid {
    /// Table width in points.
    pub fn width(&self) -> f32 {
        self.columns.iter().sum()
    }

    /// Number of table rows (with borders), before the footer.
    pub fn table_rows(&self) -> usize {
        self.rows.iter().take_while(|r| r.border).count()
    }

    /// Top edge of each row, in points from the table's top.
    pub fn row_tops(&self) -> Vec<f32> {
        let mut y = 0.0;
        self.rows
            .iter()
            .map(|r| {
                let top = y;
                y += r.height;
                top
            })
            .collect()
    }

    /// Left edge of each column, in points from the table's left.
    pub fn col_lefts(&self) -> Vec<f32> {
        let mut x = 0.0;
        self.columns
            .iter()
            .map(|w| {
                let left = x;
                x += w;
                left
            })
            .collect()
    }

    /// Width of a cell in points.
    pub fn cell_width(&self, cell: &GridCell) -> f32 {
        self.columns[cell.col..cell.col + cell.cols].iter().sum()
    }

    /// Height of a cell in points.
    pub fn cell_height(&self, cell: &GridCell) -> f32 {
        self.rows[cell.row..cell.row + cell.rows].iter().map(|r| r.height).sum()
    }

    /// The cell feeding `field` (the first one, for schedule fields).
    pub fn cell_of(&self, field: Field) -> Option<&GridCell> {
        self.cells.iter().find(|c| c.field == Some(field))
    }
}

/// Estimated width of `text` in ems: ideographs and full-width forms are one
/// em, ASCII half. Good enough to size rows; the PDF renderer wraps by the
/// font's real advances.
pub fn text_ems(text: &str) -> f32 {
    text.chars().map(|c| if (c as u32) < 0x2E80 { 0.55 } else { 1.0 }).sum()
}

/// Lines `text` needs in a cell `width` points wide at `size` points.
pub fn lines_needed(text: &str, width: f32, size: f32) -> usize {
    let per_line = ((width - 2.0 * CELL_PAD) / size).max(1.0);
    text.split('\n').map(|l| ((text_ems(l) / per_line).ceil() as usize).max(1)).sum()
}

/// Inner horizontal padding of a cell in points.
pub const CELL_PAD: f32 = 4.0;
/// Line height as a multiple of the font size.
pub const LINE_HEIGHT: f32 = 1.35;

/// Lays out `model` for `instance`, pre-filling from `registry`.
pub fn layout(model: &FormModel, registry: &Registry, instance: FormInstance) -> Grid {
    let schedule: Vec<Option<Period>> = match instance.region {
        Some(r) => registry.plan_periods(r).into_iter().map(Some).collect(),
        None => vec![None; model.blank_rows],
    };
    let fill_text = |fill: Fill, blank: &Option<String>, sched: Option<Period>| -> Option<String> {
        let value = match fill {
            Fill::Region => instance.region.map(|r| registry.region(r).name.clone()),
            Fill::Tasks => instance.region.map(|r| registry.tasks_text(r)),
            Fill::Period => instance.period.map(|m| m.label_zh()),
            Fill::SchedulePeriod => sched.map(|p| p.label_zh()),
        };
        value.or_else(|| blank.clone())
    };

    let mut rows = Vec::new();
    let mut cells = Vec::new();
    let mut emit = |spec: &RowSpec, border: bool, sched: Option<Period>, rows: &mut Vec<GridRow>| {
        let r = rows.len();
        let mut height = spec.height;
        for c in &spec.cells {
            let (text, kind, field, choices) = match &c.content {
                Content::Label(t) => (t.clone(), CellKind::Label, None, Vec::new()),
                Content::Input { field, fill, choices, blank } => {
                    let filled = fill.and_then(|f| fill_text(f, blank, sched));
                    let kind = match (fill, &filled) {
                        (Some(_), Some(_)) if instance.region.is_some() || sched.is_some() => {
                            CellKind::Prefilled
                        }
                        _ => CellKind::Input,
                    };
                    (filled.unwrap_or_default(), kind, Some(*field), choices.clone())
                }
            };
            if spec.grow && !text.is_empty() {
                let w: f32 = model.columns[c.col..c.col + c.span].iter().sum();
                let need =
                    lines_needed(&text, w, model.font_size) as f32 * model.font_size * LINE_HEIGHT + 10.0;
                height = height.max(need.ceil());
            }
            cells.push(GridCell {
                row: r,
                col: c.col,
                rows: c.rows,
                cols: c.span,
                text,
                kind,
                field,
                align: c.align,
                choices,
            });
        }
        rows.push(GridRow { height, header: spec.header, border });
    };
    for spec in &model.rows {
        if spec.repeat {
            for p in &schedule {
                emit(spec, true, *p, &mut rows);
            }
        } else {
            emit(spec, true, None, &mut rows);
        }
    }
    for spec in &model.footer {
        emit(spec, false, None, &mut rows);
    }

    let identity = Some(Identity {
        kind: model.kind,
        version: model.version,
        region: instance.region.map(|r| registry.region(r).name.clone()),
        period: instance.period.map(Period::Month),
    });
    Grid {
        kind: model.kind,
        sheet: model.sheet.clone(),
        mark: model.mark.clone(),
        title: model.title.clone(),
        font_size: model.font_size,
        title_size: model.title_size,
        mark_size: model.mark_size,
        text_font: model.text_font.clone(),
        title_font: model.title_font.clone(),
        columns: model.columns.clone(),
        rows,
        cells,
        identity,
    }
}
