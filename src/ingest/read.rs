//! Reading a workbook's bytes into plain sheets of values, whatever the
//! format (xlsx, xlsm, xls, ods): the one door the rest of ingest uses.

use std::io::Cursor;

use calamine::{
    open_workbook_from_rs, Cell, Data, DataType, Ods, Range, Reader, SheetVisible, Xls, XlsError, Xlsx,
};
use chrono::NaiveDate;

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
    /// The workbook counts dates from 1904 (its `date1904` flag): numbers
    /// read as dates must use that epoch.
    pub date1904: bool,
}

/// Why a file could not be read as a workbook. Each message is what the
/// clerk reads in `rejected.jsonl`.
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
    /// The container is recognised but broken (truncated zip, bad records).
    #[error("文件已损坏或不完整，无法读取（{0}）")]
    Damaged(String),
    /// Larger than the configured limit; not loaded.
    #[error("文件过大（{size} 字节，上限 {limit} 字节），未读取")]
    TooLarge {
        /// File size in bytes.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn contains_utf16(bytes: &[u8], s: &str) -> bool {
    let needle: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    bytes.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Reads a workbook from its bytes.
///
/// # Errors
/// A [`ReadError`] saying why the bytes are not a readable workbook.
pub fn read_workbook(bytes: &[u8]) -> Result<Workbook, ReadError> {
    // calamine 0.38 panics on some malformed OLE files (a sector slice past
    // the end in cfb.rs, found by the property test); a bad file must be a
    // rejection, never the end of the run.
    install_quiet_hook();
    QUIET.with(|q| q.set(true));
    let result = std::panic::catch_unwind(|| parse(bytes));
    QUIET.with(|q| q.set(false));
    result.unwrap_or_else(|_| Err(ReadError::Damaged("文件结构异常".into())))
}

thread_local! {
    /// Set while calamine parses on this thread: its panics are caught and
    /// turned into a rejection, so the panic message is not printed.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Wraps the panic hook once so that panics inside calamine stay silent;
/// every other panic is reported as before.
fn install_quiet_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                previous(info);
            }
        }));
    });
}

fn parse(bytes: &[u8]) -> Result<Workbook, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(OLE_MAGIC) {
        // An encrypted xlsx is an OLE file holding EncryptionInfo + EncryptedPackage.
        if contains_utf16(bytes, "EncryptedPackage") || contains_utf16(bytes, "EncryptionInfo") {
            return Err(ReadError::Encrypted);
        }
        let wb: Xls<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| match e {
            XlsError::Password => ReadError::Encrypted,
            // calamine reports an encrypted .xls this way (calamine #385).
            XlsError::Cfb(e) if e.to_string().starts_with("Codepage") => ReadError::Encrypted,
            other => ReadError::Damaged(other.to_string()),
        })?;
        let date1904 = wb.has_1904_epoch();
        return collect(wb, |w| w.workbook_properties().ok().map(|p| p.custom_properties))
            .map(|w| Workbook { date1904, ..w });
    }
    if bytes.starts_with(b"PK") {
        let ods = bytes.len() > 80 && bytes[..bytes.len().min(200)].windows(11).any(|w| w == b"opendocumen");
        if ods {
            let wb: Ods<_> = open_workbook_from_rs(Cursor::new(bytes))
                .map_err(|e: calamine::OdsError| ReadError::Damaged(e.to_string()))?;
            let date1904 = ods_null_date_1904(bytes);
            return collect(wb, |w| w.workbook_properties().ok().map(|p| p.custom_properties))
                .map(|w| Workbook { date1904, ..w });
        }
        let wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|e: calamine::XlsxError| ReadError::Damaged(e.to_string()))?;
        let date1904 = wb.has_1904_epoch();
        return collect_with(wb, xlsx_range, |w| w.workbook_properties().ok().map(|p| p.custom_properties))
            .map(|w| Workbook { date1904, ..w });
    }
    Err(ReadError::NotSpreadsheet)
}

/// Whether an .ods counts its date serials from 1904 (`table:null-date`
/// 1904-01-01, as LibreOffice writes a workbook that came from a 1904 xlsx);
/// calamine does not say. The setting sits at the start of `content.xml`, so
/// only its first 64 KiB are read.
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

/// An xlsx sheet read cell by cell, keeping only non-empty cells inside
/// [`MAX_ROWS`] × [`MAX_COLS`].
fn xlsx_range(wb: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Option<Range<Data>> {
    let mut reader = wb.worksheet_cells_reader(name).ok()?;
    let mut cells = Vec::new();
    while let Ok(Some(cell)) = reader.next_cell() {
        let (r, c) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if r < MAX_ROWS && c < MAX_COLS && value != Data::Empty {
            cells.push(Cell::new((r, c), value));
        }
    }
    Some(Range::from_sparse(cells))
}

fn collect<'a, R, P>(wb: R, props: P) -> Result<Workbook, ReadError>
where
    R: Reader<Cursor<&'a [u8]>>,
    P: FnOnce(&mut R) -> Option<std::collections::HashMap<String, String>>,
{
    collect_with(wb, |w: &mut R, name: &str| w.worksheet_range(name).ok(), props)
}

fn collect_with<'a, R, F, P>(mut wb: R, mut range_of: F, props: P) -> Result<Workbook, ReadError>
where
    R: Reader<Cursor<&'a [u8]>>,
    F: FnMut(&mut R, &str) -> Option<Range<Data>>,
    P: FnOnce(&mut R) -> Option<std::collections::HashMap<String, String>>,
{
    let meta: Vec<(String, bool)> =
        wb.sheets_metadata().iter().map(|s| (s.name.clone(), s.visible != SheetVisible::Visible)).collect();
    let mut sheets = Vec::new();
    let mut identity = None;
    for (name, hidden) in meta {
        // A sheet calamine cannot read is skipped; the others may still hold forms.
        let Some(range) = range_of(&mut wb, &name) else { continue };
        let origin = range.start().unwrap_or((0, 0));
        let rows: Vec<Vec<Value>> = range.rows().map(|r| r.iter().map(convert).collect()).collect();
        let sheet = Sheet { name, hidden, origin, rows };
        if sheet.name == META_SHEET {
            for row in &sheet.rows {
                if let [Value::Text(k), Value::Text(v), ..] = row.as_slice() {
                    if k == "form" {
                        identity = FormKind::from_id(v.trim());
                    }
                }
            }
            continue;
        }
        sheets.push(sheet);
    }
    if identity.is_none() {
        if let Some(p) = props(&mut wb) {
            identity =
                p.get(&format!("{META_PROPERTY_PREFIX}form")).and_then(|v| FormKind::from_id(v.trim()));
        }
    }
    Ok(Workbook { sheets, identity, date1904: false })
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
    fn bad_bytes_are_named() {
        assert_eq!(read_workbook(b"").unwrap_err(), ReadError::Empty);
        assert_eq!(read_workbook(b"hello world").unwrap_err(), ReadError::NotSpreadsheet);
        assert!(matches!(read_workbook(b"PK\x03\x04garbage").unwrap_err(), ReadError::Damaged(_)));
        let mut ole = OLE_MAGIC.to_vec();
        ole.extend("EncryptionInfo".encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(read_workbook(&ole).unwrap_err(), ReadError::Encrypted);
    }

    #[test]
    fn numbers_print_as_typed() {
        assert_eq!(format_number(1.3811112222e10), "13811112222");
        assert_eq!(format_number(2017.04), "2017.04");
    }
}
