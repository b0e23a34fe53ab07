//! Reading a workbook's bytes into plain sheets of values, whatever the
//! format (xlsx, xlsm, xls, ods): the one door the rest of ingest uses.

use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, DataType, Ods, Reader, SheetVisible, Xls, XlsError, Xlsx};
use chrono::NaiveDate;

use super::docx;
use super::guard::{LimitError, Limits};
use super::sniff::{sniff, Content, Format};
use crate::record::FormKind;
use crate::render::xlsx::{META_PROPERTY_PREFIX, META_SHEET};

/// One cell's value, reduced to what the forms need.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Nothing, or an error or formula without a cached result.
    Empty,
    /// Text as written.
    Text(String),
    /// A number typed into a numeric cell.
    Number(f64),
    /// A date cell (xlsx/xls date style, ods date).
    Date(NaiveDate),
}

impl Value {
    /// True for [`Value::Empty`] and for text that is only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The value as text: integers without a decimal point, dates as
    /// `YYYY-MM-DD`.
    pub fn text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Text(s) => s.clone(),
            Value::Number(f) => format_number(*f),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

/// Formats a number as a clerk typed it: `13811112222`, not `1.3811112222e10`.
pub fn format_number(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// A worksheet's used range.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// Sheet name.
    pub name: String,
    /// Hidden or very hidden.
    pub hidden: bool,
    /// Sheet position (row, column) of `rows[0][0]`.
    pub origin: (u32, u32),
    /// Values, row-major.
    pub rows: Vec<Vec<Value>>,
    /// The workbook counts dates from 1904 (its `date1904` flag): numbers
    /// read as dates must use that epoch.
    pub date1904: bool,
}

impl Sheet {
    /// The value at a position relative to the origin.
    pub fn get(&self, row: usize, col: usize) -> &Value {
        self.rows.get(row).and_then(|r| r.get(col)).unwrap_or(&Value::Empty)
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }
}

/// The sheets of a workbook and the form kind its hidden identity names.
#[derive(Debug, Clone)]
pub struct Workbook {
    /// Visible and hidden sheets in workbook order, without the identity sheet.
    pub sheets: Vec<Sheet>,
    /// The kind written by `generate` into the hidden `_meta` sheet or the
    /// custom document properties, when present.
    pub identity: Option<FormKind>,
}

/// Why a file could not be read as a form. Each message is the Chinese
/// sentence the clerk reads in `rejected.jsonl`; the reader library's own
/// (English) text, where there is one, is kept apart as [`ReadError::detail`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Zero bytes.
    #[error("文件为空")]
    Empty,
    /// Password-protected: an OLE container with an encrypted package
    /// (encrypted xlsx) or an .xls with a FILEPASS record.
    #[error("文件已加密（设有打开密码），无法读取，请去除密码后重新报送")]
    Encrypted,
    /// Neither a zip package nor an OLE compound file.
    #[error("不是电子表格文件（无法识别为 xlsx、xls 或 ods）")]
    NotSpreadsheet,
    /// A format that cannot be read here (.doc, .pdf, images, .rar …): the
    /// reason says what to ask the region for.
    #[error("{0}")]
    Unsupported(String),
    /// The container is recognised but broken (truncated zip, bad records).
    #[error("文件已损坏或不完整，无法读取")]
    Damaged {
        /// The reader library's message.
        detail: String,
    },
    /// Larger than the configured limit; not loaded.
    #[error("文件过大（{size} 字节，上限 {limit} 字节），未读取")]
    TooLarge {
        /// File size in bytes.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Over one of the fixed reading limits ([`Limits`]).
    #[error(transparent)]
    Limit(#[from] LimitError),
}

impl ReadError {
    /// A damaged file, with the library's message as detail.
    pub fn damaged(detail: impl Into<String>) -> Self {
        ReadError::Damaged { detail: detail.into() }
    }

    /// The reader library's own message, kept beside the Chinese reason.
    pub fn detail(&self) -> Option<String> {
        match self {
            ReadError::Damaged { detail } => Some(detail.clone()),
            _ => None,
        }
    }
}

/// Reads a workbook from its bytes (whatever the container), all sheets at
/// once, within the default [`Limits`].
///
/// # Errors
/// A [`ReadError`] saying why the bytes are not a readable workbook.
pub fn read_workbook(bytes: &[u8]) -> Result<Workbook, ReadError> {
    let limits = Limits::default();
    let (format, identity) = match sniff(bytes, "", &limits)? {
        Content::Form(f, id) => (f, id.and_then(|i| FormKind::from_id(&i))),
        _ => return Err(ReadError::NotSpreadsheet),
    };
    let mut sheets = Vec::new();
    let identity = read_sheets(bytes, format, identity, &limits, &mut |s, _| {
        sheets.push(s);
        Ok(())
    })?;
    Ok(Workbook { sheets, identity })
}

/// Reads the sheets of a form file of `format` one at a time, handing each
/// to `each` with the identity in workbook order (a sheet is dropped before the next is read,
/// so a workbook never holds all its sheets at once), and returns the form
/// kind named by the hidden identity (`_meta` sheet or custom properties;
/// `identity` is what the package's properties already said). A panic
/// while a file is read (calamine's and docx-rs's on some malformed files)
/// is caught and becomes [`ReadError::Damaged`], its message and place in
/// the detail.
///
/// # Errors
/// A [`ReadError`] for a damaged file or one over a limit; an error `each`
/// returns stops the reading.
pub fn read_sheets(
    bytes: &[u8],
    format: Format,
    identity: Option<FormKind>,
    limits: &Limits,
    each: &mut dyn FnMut(Sheet, Option<FormKind>) -> Result<(), ReadError>,
) -> Result<Option<FormKind>, ReadError> {
    // calamine 0.38 panics on some malformed OLE files (a sector slice past
    // the end in cfb.rs, found by the property test); a bad file must be a
    // rejection, never the end of the run.
    install_quiet_hook();
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parse(bytes, format, identity, limits, each)
    }));
    QUIET.with(|q| q.set(false));
    let caught = CAUGHT.with(|c| c.take());
    result.unwrap_or_else(|_| {
        // The panic's message and place go into the rejection's detail, for
        // whoever looks into why the file was refused.
        let what = caught.map_or_else(String::new, |c| format!(": {c}"));
        Err(ReadError::damaged(format!("reader panicked on a malformed structure{what}")))
    })
}

thread_local! {
    /// Set while a file is parsed on this thread: a panic there is caught
    /// and turned into a rejection, so its message is not printed.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// The message and place of the panic caught while [`QUIET`] was set.
    static CAUGHT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Wraps the panic hook once so that a panic while a file is parsed stays
/// silent (its message kept for the rejection); every other panic is
/// reported as before.
fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
                return;
            }
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("");
            let place = info.location().map(|l| format!(" ({}:{})", crate_relative(l.file()), l.line()));
            CAUGHT.with(|c| *c.borrow_mut() = Some(format!("{message}{}", place.unwrap_or_default())));
        }));
    });
}

/// A source path from its crate's folder on (`docx-rs-0.4.22/src/reader/…`),
/// so that no folder of the machine that built the tool is shown.
fn crate_relative(file: &str) -> &str {
    let parts: Vec<&str> = file.split('/').collect();
    match parts.iter().rposition(|p| *p == "src") {
        Some(i) if i > 0 => {
            let skip: usize = parts[..i - 1].iter().map(|p| p.len() + 1).sum();
            &file[skip..]
        }
        _ => file,
    }
}

type Each<'e> = &'e mut dyn FnMut(Sheet, Option<FormKind>) -> Result<(), ReadError>;

fn parse(
    bytes: &[u8],
    format: Format,
    identity: Option<FormKind>,
    limits: &Limits,
    each: Each,
) -> Result<Option<FormKind>, ReadError> {
    match format {
        Format::Xls => {
            let wb: Xls<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| match e {
                XlsError::Password => ReadError::Encrypted,
                // calamine reports an encrypted .xls this way (calamine #385).
                XlsError::Cfb(e) if e.to_string().starts_with("Codepage") => ReadError::Encrypted,
                other => ReadError::damaged(other.to_string()),
            })?;
            let date1904 = wb.has_1904_epoch();
            collect_with(
                wb,
                whole_grid,
                |w| w.workbook_properties().ok().map(|p| p.custom_properties),
                identity,
                date1904,
                limits,
                each,
            )
        }
        Format::Ods => {
            let wb: Ods<_> = open_workbook_from_rs(Cursor::new(bytes))
                .map_err(|e: calamine::OdsError| ReadError::damaged(e.to_string()))?;
            collect_with(
                wb,
                whole_grid,
                |w| w.workbook_properties().ok().map(|p| p.custom_properties),
                identity,
                ods_null_date_1904(bytes),
                limits,
                each,
            )
        }
        Format::Xlsx => {
            let package = super::xlsx::slim_package(bytes, limits)?;
            let wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(package.as_slice()))
                .map_err(|e: calamine::XlsxError| ReadError::damaged(e.to_string()))?;
            let date1904 = wb.has_1904_epoch();
            collect_with(
                wb,
                xlsx_grid,
                // The custom properties were read by the sniffer (the slim
                // package leaves them out).
                |_| None,
                identity,
                date1904,
                limits,
                each,
            )
        }
        Format::Docx => {
            for sheet in docx::read_docx(bytes, limits)? {
                each(sheet, identity)?;
            }
            Ok(identity)
        }
    }
}

/// Whether an .ods counts its date serials from 1904 (`table:null-date`
/// 1904-01-01, as LibreOffice writes a workbook that came from a 1904 xlsx);
/// calamine does not say. The setting sits at the start of `content.xml`, so
/// only its first 64 KiB are read (the part's size was checked by the guard).
fn ods_null_date_1904(bytes: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return false };
    let Ok(content) = zip.by_name("content.xml") else { return false };
    let mut head = Vec::new();
    if content.take(64 * 1024).read_to_end(&mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    head.find("<table:null-date").is_some_and(|at| {
        let tag = &head[at..];
        let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
        tag.contains("1904-01-01")
    })
}

fn convert(d: &Data) -> Value {
    match d {
        Data::Empty | Data::Error(_) => Value::Empty,
        Data::String(s) => Value::Text(s.clone()),
        Data::Float(f) => Value::Number(*f),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Bool(b) => Value::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(_) | Data::DateTimeIso(_) => match d.as_date() {
            Some(date) => Value::Date(date),
            None => Value::Text(d.to_string()),
        },
        Data::DurationIso(s) => Value::Text(s.clone()),
    }
}

/// Rows and columns a form can reach; xlsx cells beyond are dropped before
/// the grid is built, so one stray value typed at XFD1048576 cannot make the
/// reader allocate the whole sheet (17 billion cells).
const MAX_ROWS: u32 = 5_000;
/// See [`MAX_ROWS`].
const MAX_COLS: u32 = 200;

/// A sheet's values: the position of `rows[0][0]` and the rows.
struct Grid {
    origin: (u32, u32),
    rows: Vec<Vec<Value>>,
}

/// A sheet's values, or why it is not read.
type GridResult = Result<Option<Grid>, ReadError>;

/// A cell value as calamine streams it from an xlsx, reduced to [`Value`].
fn convert_ref(d: calamine::DataRef<'_>) -> Value {
    use calamine::DataRef;
    match d {
        DataRef::SharedString(s) => Value::Text(s.to_string()),
        DataRef::String(s) => Value::Text(s),
        DataRef::Float(f) => Value::Number(f),
        DataRef::Int(i) => Value::Number(i as f64),
        other => convert(&Data::from(other)),
    }
}

/// An xlsx sheet read cell by cell, keeping only non-empty cells inside
/// [`MAX_ROWS`] × [`MAX_COLS`]; the area they span must stay within
/// [`Limits::sheet_cells`] before the dense rows are built, and at most
/// four times that many cell elements are looked at.
fn xlsx_grid(wb: &mut Xlsx<Cursor<&[u8]>>, name: &str, limits: &Limits) -> GridResult {
    let Ok(mut reader) = wb.worksheet_cells_reader(name) else { return Ok(None) };
    let mut cells = Vec::new();
    let (mut lo, mut hi) = ((u32::MAX, u32::MAX), (0u32, 0u32));
    let mut seen = 0u64;
    let too_large = |cells: u64| -> ReadError {
        LimitError::SheetTooLarge { sheet: format!("「{name}」"), cells, limit: limits.sheet_cells }.into()
    };
    while let Ok(Some(cell)) = reader.next_cell() {
        seen += 1;
        if seen > limits.sheet_cells.saturating_mul(4) {
            return Err(too_large(seen));
        }
        let (r, c) = cell.get_position();
        if r >= MAX_ROWS || c >= MAX_COLS {
            continue;
        }
        let value = convert_ref(cell.get_value().clone());
        if value != Value::Empty {
            lo = (lo.0.min(r), lo.1.min(c));
            hi = (hi.0.max(r), hi.1.max(c));
            cells.push((r, c, value));
        }
    }
    if cells.is_empty() {
        return Ok(Some(Grid { origin: (0, 0), rows: Vec::new() }));
    }
    let (height, width) = ((hi.0 - lo.0 + 1) as usize, (hi.1 - lo.1 + 1) as usize);
    let area = height as u64 * width as u64;
    if area > limits.sheet_cells {
        return Err(too_large(area));
    }
    let mut rows = vec![vec![Value::Empty; width]; height];
    for (r, c, v) in cells {
        rows[(r - lo.0) as usize][(c - lo.1) as usize] = v;
    }
    Ok(Some(Grid { origin: lo, rows }))
}

/// A sheet of a reader that already holds it (xls, ods: checked against the
/// limits before the file was opened).
fn whole_grid<'a, R: Reader<Cursor<&'a [u8]>>>(wb: &mut R, name: &str, _: &Limits) -> GridResult {
    Ok(wb.worksheet_range(name).ok().map(|range| Grid {
        origin: range.start().unwrap_or((0, 0)),
        rows: range.rows().map(|r| r.iter().map(convert).collect()).collect(),
    }))
}

fn collect_with<'a, R, F, P>(
    mut wb: R,
    mut range_of: F,
    props: P,
    mut identity: Option<FormKind>,
    date1904: bool,
    limits: &Limits,
    each: Each,
) -> Result<Option<FormKind>, ReadError>
where
    R: Reader<Cursor<&'a [u8]>>,
    F: FnMut(&mut R, &str, &Limits) -> GridResult,
    P: FnOnce(&mut R) -> Option<std::collections::HashMap<String, String>>,
{
    let meta: Vec<(String, bool)> =
        wb.sheets_metadata().iter().map(|s| (s.name.clone(), s.visible != SheetVisible::Visible)).collect();
    if meta.len() > limits.sheets {
        return Err(LimitError::TooManySheets { count: meta.len(), limit: limits.sheets }.into());
    }
    // The identity first: the custom properties (read by sniffing the
    // package), else the `_meta` sheet, else the workbook's properties.
    if identity.is_none() && meta.iter().any(|(n, _)| n == META_SHEET) {
        if let Some(grid) = range_of(&mut wb, META_SHEET, limits)? {
            for row in grid.rows {
                if let [Value::Text(k), Value::Text(v), ..] = row.as_slice() {
                    if k == "form" {
                        identity = FormKind::from_id(v.trim()).or(identity);
                    }
                }
            }
        }
    }
    if identity.is_none() {
        if let Some(p) = props(&mut wb) {
            identity =
                p.get(&format!("{META_PROPERTY_PREFIX}form")).and_then(|v| FormKind::from_id(v.trim()));
        }
    }
    for (name, hidden) in meta {
        if name == META_SHEET {
            continue;
        }
        // A sheet calamine cannot read is skipped; the others may still hold forms.
        let Some(Grid { origin, rows }) = range_of(&mut wb, &name, limits)? else { continue };
        each(Sheet { name, hidden, origin, rows, date1904 }, identity)?;
    }
    Ok(identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_value_at_the_last_cell_does_not_blow_up_the_sheet() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(2, 1, "试点地区").unwrap();
        ws.write_string(1_048_575, 16_383, "x").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let book = read_workbook(&bytes).unwrap();
        let sheet = &book.sheets[0];
        assert!(sheet.rows.len() <= 3, "{} rows kept", sheet.rows.len());
        assert!(sheet.rows.iter().flatten().any(|v| v.text() == "试点地区"));
    }

    #[test]
    fn a_panic_while_reading_is_a_damaged_file_with_its_message_and_place() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        wb.add_worksheet().write_string(0, 0, "试点地区").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let err = read_sheets(&bytes, Format::Xlsx, None, &Limits::default(), &mut |_, _| panic!("格子越界"))
            .unwrap_err();
        let detail = err.detail().unwrap();
        assert!(
            detail.starts_with("reader panicked on a malformed structure: 格子越界 (src/ingest/read.rs:"),
            "{detail}"
        );
        // Nothing is left over for the next file.
        let ok = read_sheets(&bytes, Format::Xlsx, None, &Limits::default(), &mut |_, _| Ok(()));
        assert!(ok.is_ok());
        assert!(CAUGHT.with(|c| c.borrow().is_none()));
    }

    #[test]
    fn source_paths_are_shown_from_their_crate_on() {
        let registry = "/home/u/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/docx-rs-0.4.22/src/reader/attributes/width.rs";
        assert_eq!(crate_relative(registry), "docx-rs-0.4.22/src/reader/attributes/width.rs");
        assert_eq!(crate_relative("src/ingest/read.rs"), "src/ingest/read.rs");
        assert_eq!(crate_relative("/a/b/tool/src/main.rs"), "tool/src/main.rs");
        assert_eq!(crate_relative("lib.rs"), "lib.rs");
    }

    #[test]
    fn bad_bytes_are_named() {
        assert_eq!(read_workbook(b"").unwrap_err(), ReadError::Empty);
        assert!(read_workbook(b"hello world").unwrap_err().to_string().contains("不是电子表格文件"));
        assert!(matches!(read_workbook(b"PK\x03\x04garbage").unwrap_err(), ReadError::Damaged { .. }));
    }

    #[test]
    fn numbers_print_as_typed() {
        assert_eq!(format_number(1.3811112222e10), "13811112222");
        assert_eq!(format_number(2017.04), "2017.04");
    }
}
