//! Fixed limits, checked against a file's bytes before any reader trusts its
//! claims.
//!
//! The readers allocate from what a file *says*: calamine reserves the
//! shared-string count an xlsx declares, the cell area an .xls DIMENSIONS
//! record declares, and expands every `number-columns-repeated` of an .ods;
//! a zip part may inflate a thousandfold. An allocation failure aborts the
//! whole process (no panic guard catches it) and takes every other region's
//! return with it. So each claim is checked here first, against the bytes
//! that are really there, and a file over a limit is rejected with a
//! sentence naming the limit ([`ReadError::Limit`]).

use std::io::{Cursor, Read};

use quick_xml::events::Event;

use super::read::ReadError;

/// The limits every file is read within. The defaults leave a wide margin
/// above a real form (a form sheet is about 20 rows by 10 columns; a form
/// package has a dozen parts of a few KB) and keep one file well under
/// 300 MB of memory and 2 s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Inflated size of one zip part (bytes).
    pub part_bytes: u64,
    /// Inflated size of all parts of one package together (bytes).
    pub package_bytes: u64,
    /// Parts in one package, members in one archive of returns.
    pub entries: usize,
    /// Sheets in one workbook, tables in one Word document.
    pub sheets: usize,
    /// Cells in the used area (rows × columns) of one sheet.
    pub sheet_cells: u64,
    /// Cells of all sheets of one .xls or .ods together (these readers hold
    /// every sheet at once).
    pub book_cells: u64,
    /// XML elements of a Word document's main part that docx-rs reads
    /// (it builds a tree of about 1–3 KB per element; a form has about 500).
    pub word_elements: u64,
    /// How deeply the elements docx-rs reads may nest in a Word document's
    /// main part. Its reader and the tree it builds go down one call per
    /// level (a table in a table cell is three levels, `w:tbl`, `w:tr`,
    /// `w:tc`), so a few hundred tables nested in each other overflow a
    /// thread's stack and end the whole run. A form nests about eight
    /// levels, a table pasted into a text box about thirty.
    pub word_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            part_bytes: 32 * 1024 * 1024,
            package_bytes: 128 * 1024 * 1024,
            entries: 1_000,
            sheets: 50,
            sheet_cells: 250_000,
            book_cells: 1_000_000,
            word_elements: 40_000,
            word_depth: 64,
        }
    }
}

/// Which limit a file exceeds, with the figures; its `Display` is the
/// Chinese sentence a clerk reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// A zip part inflates beyond [`Limits::part_bytes`].
    #[error("压缩包内的部件 {part} 解压后超过 {limit} MB 的上限（疑似压缩炸弹），未读取")]
    PartTooLarge {
        /// Part name.
        part: String,
        /// The limit in MB.
        limit: u64,
    },
    /// All parts together inflate beyond [`Limits::package_bytes`].
    #[error("文件解压后总大小超过 {limit} MB 的上限（疑似压缩炸弹），未读取")]
    PackageTooLarge {
        /// The limit in MB.
        limit: u64,
    },
    /// More parts or members than [`Limits::entries`].
    #[error("压缩包内有 {count} 个部件，超过 {limit} 个的上限，未读取")]
    TooManyEntries {
        /// Entries found.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// More sheets than [`Limits::sheets`].
    #[error("工作簿有 {count} 个工作表，超过 {limit} 个的上限，未读取")]
    TooManySheets {
        /// Sheets declared.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A sheet's used area exceeds [`Limits::sheet_cells`].
    #[error("工作表{sheet}的使用区域（{cells} 个单元格）超过每表 {limit} 个单元格的上限，未读取")]
    SheetTooLarge {
        /// Sheet name or position, with the brackets.
        sheet: String,
        /// Cells claimed or used.
        cells: u64,
        /// The limit.
        limit: u64,
    },
    /// The sheets together exceed [`Limits::book_cells`].
    #[error("工作簿各表的使用区域合计 {cells} 个单元格，超过 {limit} 个单元格的上限，未读取")]
    BookTooLarge {
        /// Cells claimed or used.
        cells: u64,
        /// The limit.
        limit: u64,
    },
    /// A Word document with more XML elements than [`Limits::word_elements`].
    #[error("Word 文档的结构元素过多（{count} 个，上限 {limit} 个），未读取")]
    WordTooComplex {
        /// Elements counted.
        count: u64,
        /// The limit.
        limit: u64,
    },
    /// A Word document whose elements nest deeper than [`Limits::word_depth`].
    #[error("Word 文档的表格或其他元素层层嵌套，超过 {limit} 层的上限，未读取")]
    WordTooDeep {
        /// The limit.
        limit: usize,
    },
    /// The shared-string table claims more strings than it holds.
    #[error("共享字符串表声明有 {claimed} 条字符串，实际最多只有 {most} 条，文件内容与声明不符，未读取")]
    SharedStringsClaim {
        /// uniqueCount as declared.
        claimed: u64,
        /// The most strings the part's size allows.
        most: u64,
    },
    /// The shared-string table does not start with its `<sst>` element.
    #[error("共享字符串表的开头不是规范的格式，无法核对其声明的字符串条数，未读取")]
    SharedStringsHead,
    /// An .xls DIMENSIONS record that is impossible.
    #[error("工作表声明的行列范围无效（起始 {first}，结束 {last}），文件内容与声明不符，未读取")]
    BadDimensions {
        /// First row or column claimed.
        first: u64,
        /// Last row or column claimed.
        last: u64,
    },
}

impl LimitError {
    /// [`LimitError::PartTooLarge`] for part `part` under `limits`.
    pub fn part_too_large(part: &str, limits: &Limits) -> LimitError {
        LimitError::PartTooLarge { part: part.to_string(), limit: mb(limits.part_bytes) }
    }

    /// [`LimitError::PackageTooLarge`] under `limits`.
    pub fn package_too_large(limits: &Limits) -> LimitError {
        LimitError::PackageTooLarge { limit: mb(limits.package_bytes) }
    }
}

/// How much of a zip part [`zip_package`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Not kept (only measured, when its size must be known).
    No,
    /// The whole inflated part.
    Whole,
    /// At most this many inflated bytes from the start (a header such as
    /// `<sst uniqueCount=…>`); the whole part when it is shorter.
    Head(usize),
}

/// A kept part of a zip package.
#[derive(Debug)]
pub struct Part {
    /// Entry name.
    pub name: String,
    /// Inflated bytes (all of them, or the head asked for).
    pub bytes: Vec<u8>,
    /// `bytes` is the whole part.
    pub whole: bool,
    /// Most the part can inflate to (bytes), from its compressed size and
    /// [`Limits::part_bytes`].
    pub bound: u64,
}

/// The parts of a zip package, checked against the limits, with the text of
/// the parts the caller asked to keep.
#[derive(Debug, Default)]
pub struct Package {
    /// Every entry name, in archive order.
    pub names: Vec<String>,
    /// The kept parts.
    pub kept: Vec<Part>,
}

impl Package {
    /// A kept part's bytes.
    pub fn part(&self, name: &str) -> Option<&[u8]> {
        self.kept.iter().find(|p| p.name == name).map(|p| p.bytes.as_slice())
    }

    /// Whether the package has an entry of this name.
    pub fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }
}

fn mb(bytes: u64) -> u64 {
    bytes / (1024 * 1024)
}

/// Most a deflate stream can inflate to per byte (the format's limit is
/// about 1,032:1), with a margin.
const DEFLATE_MAX_RATIO: u64 = 1_100;

/// Folders of a package that no reader opens (themes, pictures, printer
/// settings, thumbnails, LibreOffice's settings): their size does not
/// matter, and skipping them keeps the check cheap.
const UNREAD_FOLDERS: &[&str] = &[
    "xl/theme/",
    "xl/media/",
    "xl/printerSettings/",
    "xl/drawings/",
    "xl/embeddings/",
    "Thumbnails/",
    "Pictures/",
    "Configurations2/",
];

/// Whether a reader may read a zip entry (XML parts outside
/// [`UNREAD_FOLDERS`]): those are inflated here to check their real size.
/// (The zip crate calamine uses trusts the declared size, so the real one
/// must be measured.) Of a Word package only the main document is read,
/// through [`crate::ingest::docx`], which caps it again as it inflates it.
fn is_read_part(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let xml =
        lower.ends_with(".xml") || lower.ends_with(".rels") || lower == "mimetype" || lower.ends_with(".bin");
    xml && !is_unread(name)
}

/// Whether a zip entry lies in a folder no reader opens (themes, pictures,
/// printer settings, drawings, embedded objects, thumbnails, …).
pub fn is_unread(name: &str) -> bool {
    UNREAD_FOLDERS.iter().any(|f| name.starts_with(f))
}

/// Opens a zip package and inflates each XML part within the limits
/// (counting bytes, not keeping them, unless `keep` — given the part's name
/// and every entry name — asks for the part).
///
/// # Errors
/// [`ReadError::Limit`] over a limit; [`ReadError::Damaged`] when the zip
/// structure is broken; [`ReadError::Encrypted`] for an encrypted entry.
pub fn zip_package(
    bytes: &[u8],
    limits: &Limits,
    keep: impl Fn(&str, &[String]) -> Keep,
) -> Result<Package, ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ReadError::damaged(e.to_string()))?;
    if zip.len() > limits.entries {
        return Err(LimitError::TooManyEntries { count: zip.len(), limit: limits.entries }.into());
    }
    // What each entry can inflate to at most, from its compressed size (the
    // reader never takes more input than that): a stored entry is its size,
    // a deflated one at most about 1,032 times it. When every bound is within
    // the limits, nothing needs inflating to know the file keeps to them (a
    // form of 8 KB is bounded by a few MB), and only the kept parts are read.
    let mut bounded = true;
    let mut bound_total = 0u64;
    let mut pkg = Package::default();
    let mut entries = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        // The entry's metadata (no inflating set up).
        let (name, size, is_dir, bound) = match zip.by_index_raw(i) {
            Ok(e) => {
                let bound = match e.compression() {
                    zip::CompressionMethod::Stored => e.compressed_size(),
                    zip::CompressionMethod::Deflated => e.compressed_size().saturating_mul(DEFLATE_MAX_RATIO),
                    _ => u64::MAX,
                };
                let name = e
                    .name()
                    .map(|n| n.into_owned())
                    .unwrap_or_else(|_| String::from_utf8_lossy(e.name_raw()).into_owned());
                (name, e.size(), e.is_dir(), bound)
            }
            Err(e) => return Err(ReadError::damaged(e.to_string())),
        };
        bound_total = bound_total.saturating_add(bound);
        if bound > limits.part_bytes || bound_total > limits.package_bytes {
            bounded = false;
        }
        pkg.names.push(name);
        entries.push((size, is_dir, bound));
    }
    let mut total = 0u64;
    for (i, &(size, is_dir, bound)) in entries.iter().enumerate() {
        if is_dir {
            continue;
        }
        let name = &pkg.names[i];
        let too_big = || -> ReadError { LimitError::part_too_large(name, limits).into() };
        // Readers reserve the declared size before inflating (docx-rs does),
        // so it is checked for every entry, read or not.
        if size > limits.part_bytes {
            return Err(too_big());
        }
        let mut keep_it = keep(name, &pkg.names);
        if keep_it == Keep::No && (bounded || !is_read_part(name)) {
            continue;
        }
        // Unbounded, a part's real size must be measured: all of it is read.
        if !bounded && matches!(keep_it, Keep::Head(_)) {
            keep_it = Keep::Whole;
        }
        let mut entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m.contains("assword") => {
                return Err(ReadError::Encrypted)
            }
            Err(e) => return Err(ReadError::damaged(e.to_string())),
        };
        let n = match keep_it {
            Keep::No => std::io::copy(&mut (&mut entry).take(limits.part_bytes + 1), &mut std::io::sink())
                .map_err(|e| ReadError::damaged(e.to_string()))?,
            Keep::Whole | Keep::Head(_) => {
                let cap = match keep_it {
                    Keep::Head(n) => n as u64,
                    _ => limits.part_bytes + 1,
                };
                // Room for the declared size up front (within a small cap, as
                // the declaration may lie): reading then fills it in large
                // steps instead of probing with tiny reads.
                let mut buf = Vec::with_capacity(size.min(cap).min(READ_AHEAD) as usize + 1);
                (&mut entry)
                    .take(cap)
                    .read_to_end(&mut buf)
                    .map_err(|e| ReadError::damaged(e.to_string()))?;
                let n = buf.len() as u64;
                let whole = keep_it == Keep::Whole || n < cap;
                let bound = bound.min(limits.part_bytes);
                pkg.kept.push(Part { name: name.clone(), bytes: buf, whole, bound });
                n
            }
        };
        if n > limits.part_bytes {
            return Err(too_big());
        }
        total += n;
        if total > limits.package_bytes {
            return Err(LimitError::package_too_large(limits).into());
        }
    }
    Ok(pkg)
}

/// Local name of an XML element (`x:sheet` → `sheet`).
fn local(name: &str) -> &str {
    match name.rfind(':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

fn attr_u64(e: &quick_xml::events::BytesStart, key: &str) -> Option<u64> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.as_ref()) == key)
        .and_then(|a| a.value.trim().parse::<u64>().ok())
}

fn attr_present(e: &quick_xml::events::BytesStart, key: &str) -> bool {
    e.attributes().flatten().any(|a| a.key.as_ref() == key)
}

/// Most room reserved ahead for a kept part's declared size (bytes).
const READ_AHEAD: u64 = 256 * 1024;

/// The smallest a shared string can be written (`<si><t/></si>`), bytes.
const MIN_SI_BYTES: u64 = 12;

/// Checks an xlsx package: the string count `xl/sharedStrings.xml`
/// declares (calamine reserves room for that many strings before reading
/// one), against the most strings the part's size allows (its inflated
/// size when the whole part was kept, else the most its compressed size
/// can inflate to), without reading past `<sst>`. (The number of sheets is
/// checked when the workbook is opened: calamine reads only their names
/// then.)
///
/// # Errors
/// [`ReadError::Limit`] when a claim exceeds the bytes.
pub fn check_xlsx(pkg: &Package) -> Result<(), ReadError> {
    let Some(sst) = pkg.kept.iter().find(|p| p.name.ends_with("sharedStrings.xml")) else { return Ok(()) };
    let mut reader = quick_xml::Reader::from_reader(sst.bytes.as_slice());
    let mut buf = Vec::new();
    let mut claimed = None;
    let mut seen_sst = false;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if local(e.name().as_ref()) == "sst" {
                    seen_sst = true;
                    claimed = attr_u64(&e, "uniqueCount");
                }
                break;
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    let Some(claimed) = claimed else {
        // Every writer puts `<sst …>` at the start; a part whose head does
        // not show it cannot be checked, and calamine would trust it.
        if !sst.whole && !seen_sst {
            return Err(LimitError::SharedStringsHead.into());
        }
        return Ok(());
    };
    // The most strings the part can hold: its size (known when the whole
    // part was read, else the most its compressed size inflates to) over
    // the smallest string. Some writers miscount a little; what matters is
    // that the reservation stays near the real size.
    let size = if sst.whole { sst.bytes.len() as u64 } else { sst.bound };
    let most = size / MIN_SI_BYTES;
    if claimed > most.saturating_mul(2).saturating_add(10_000) {
        return Err(LimitError::SharedStringsClaim { claimed, most }.into());
    }
    Ok(())
}

/// Checks an .ods `content.xml`: tables per workbook and, for each table,
/// the area calamine would expand (rows up to the last non-empty one, times
/// the widest non-empty row, repeats counted).
///
/// # Errors
/// [`ReadError::Limit`] over a limit.
pub fn check_ods(content: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buf = Vec::new();
    let mut tables = 0usize;
    let mut book = 0u64;
    let (mut rows_seen, mut rows_used, mut width) = (0u64, 0u64, 0u64);
    let (mut row_rep, mut col_pos, mut row_width) = (1u64, 0u64, 0u64);
    let mut name = String::new();
    let finish = |name: &str, rows_used: u64, width: u64, book: &mut u64| -> Result<(), ReadError> {
        let cells = rows_used.saturating_mul(width);
        if cells > limits.sheet_cells {
            let sheet = format!("「{name}」");
            return Err(LimitError::SheetTooLarge { sheet, cells, limit: limits.sheet_cells }.into());
        }
        *book = book.saturating_add(cells);
        if *book > limits.book_cells {
            return Err(LimitError::BookTooLarge { cells: *book, limit: limits.book_cells }.into());
        }
        Ok(())
    };
    loop {
        let ev = reader.read_event_into(&mut buf);
        let (e, empty) = match &ev {
            Ok(Event::Start(e)) => (Some(e.clone()), false),
            Ok(Event::Empty(e)) => (Some(e.clone()), true),
            Ok(Event::End(e)) => {
                match e.name().as_ref() {
                    "table:table-row" => {
                        if row_width > 0 {
                            rows_used = rows_seen.saturating_add(row_rep);
                            width = width.max(row_width);
                        }
                        rows_seen = rows_seen.saturating_add(row_rep);
                    }
                    "table:table" => finish(&name, rows_used, width, &mut book)?,
                    _ => {}
                }
                (None, false)
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => (None, false),
        };
        if let Some(e) = e {
            match e.name().as_ref() {
                "table:table" => {
                    // Counted to the end, so the reason gives the real number.
                    tables += 1;
                    name = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == "table:name")
                        .map(|a| a.value.into_owned())
                        .unwrap_or_default();
                    (rows_seen, rows_used, width) = (0, 0, 0);
                    if empty {
                        finish(&name, 0, 0, &mut book)?;
                    }
                }
                "table:table-row" => {
                    row_rep = attr_u64(&e, "number-rows-repeated").unwrap_or(1).max(1);
                    (col_pos, row_width) = (0, 0);
                    if empty {
                        rows_seen = rows_seen.saturating_add(row_rep);
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let rep = attr_u64(&e, "number-columns-repeated").unwrap_or(1).max(1);
                    let filled =
                        !empty || attr_present(&e, "office:value-type") || attr_present(&e, "table:formula");
                    col_pos = col_pos.saturating_add(rep);
                    if filled {
                        row_width = col_pos;
                    }
                    if !empty {
                        // Skip the cell's content (paragraphs, annotations).
                        let _ = reader.read_to_end_into(e.name(), &mut Vec::new());
                    }
                }
                _ => {}
            }
        }
        buf.clear();
    }
    if tables > limits.sheets {
        return Err(LimitError::TooManySheets { count: tables, limit: limits.sheets }.into());
    }
    Ok(())
}

/// Checks an .xls (or WPS .et) file: the workbook stream is taken out of
/// the compound file and its BIFF records scanned for the number of sheets,
/// each sheet's DIMENSIONS claim and the area its cells really span.
///
/// # Errors
/// [`ReadError::Limit`] over a limit; [`ReadError::Damaged`] when the
/// compound file is broken (calamine would fail on it too).
pub fn check_xls(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let mut cfb =
        cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| ReadError::damaged(e.to_string()))?;
    let stream = ["/Workbook", "/Book", "/WORKBOOK", "/BOOK"].into_iter().find(|s| cfb.is_stream(s));
    let Some(stream) = stream else { return Ok(()) };
    let len = cfb.entry(stream).map(|e| e.len()).unwrap_or(0);
    if len > limits.part_bytes {
        return Err(LimitError::part_too_large(stream.trim_start_matches('/'), limits).into());
    }
    let mut data = Vec::with_capacity(len as usize);
    cfb.open_stream(stream)
        .and_then(|s| s.take(limits.part_bytes).read_to_end(&mut data))
        .map_err(|e| ReadError::damaged(e.to_string()))?;
    scan_biff(&data, limits)
}

/// Area (rows × columns) of a bounding box of cells.
#[derive(Default, Clone, Copy)]
struct Bounds {
    min: Option<(u32, u32)>,
    max: (u32, u32),
}

impl Bounds {
    fn add(&mut self, r: u32, c: u32) {
        self.min = Some(match self.min {
            Some((mr, mc)) => (mr.min(r), mc.min(c)),
            None => (r, c),
        });
        self.max = (self.max.0.max(r), self.max.1.max(c));
    }

    fn cells(&self) -> u64 {
        match self.min {
            Some((r0, c0)) => (u64::from(self.max.0 - r0) + 1) * (u64::from(self.max.1 - c0) + 1),
            None => 0,
        }
    }
}

fn u16_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 2).map(|b| u32::from(u16::from_le_bytes([b[0], b[1]])))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn scan_biff(data: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let mut pos = 0usize;
    let mut sheets = 0usize;
    let mut book = 0u64;
    // Substream stack (globals, then each sheet at the top level; charts
    // nest inside a sheet): true for a worksheet.
    let mut stack: Vec<bool> = Vec::new();
    let mut bounds = Bounds::default();
    let mut claim = 0u64;
    let mut index = 0usize;
    while pos + 4 <= data.len() {
        let typ = u16::from_le_bytes([data[pos], data[pos + 1]]);
        let len = usize::from(u16::from_le_bytes([data[pos + 2], data[pos + 3]]));
        let Some(d) = data.get(pos + 4..pos + 4 + len) else { break };
        pos += 4 + len;
        let in_sheet = stack.len() == 1 && stack[0];
        match typ {
            // BOUNDSHEET, one per sheet, all in the globals substream.
            0x0085 => sheets += 1,
            0x0809 => {
                let dt = u16_at(d, 2).unwrap_or(0);
                stack.push(dt == 0x0010);
                if stack.len() == 1 {
                    bounds = Bounds::default();
                    claim = 0;
                }
            }
            0x000A => {
                if stack.len() == 1 && !stack[0] && sheets > limits.sheets {
                    return Err(LimitError::TooManySheets { count: sheets, limit: limits.sheets }.into());
                }
                if in_sheet {
                    index += 1;
                    let cells = bounds.cells().max(claim);
                    if cells > limits.sheet_cells {
                        let sheet = format!("（第 {index} 个）");
                        return Err(
                            LimitError::SheetTooLarge { sheet, cells, limit: limits.sheet_cells }.into()
                        );
                    }
                    book = book.saturating_add(cells);
                    if book > limits.book_cells {
                        return Err(LimitError::BookTooLarge { cells: book, limit: limits.book_cells }.into());
                    }
                }
                stack.pop();
            }
            0x0200 if in_sheet => {
                // Mirrors calamine's parse_dimensions, which reserves
                // (last - first + 1) rows times columns.
                let (rf, rl, cf, cl) = match d.len() {
                    10 => (u16_at(d, 0), u16_at(d, 2), u16_at(d, 4), u16_at(d, 6)),
                    14 | 16 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8), u16_at(d, 10)),
                    _ => continue,
                };
                let (Some(rf), Some(rl), Some(mut cf), Some(cl)) = (rf, rl, cf, cl) else { continue };
                if cf > 0xFF || cl < cf {
                    cf = 0;
                }
                if rl >= 1 && cl >= 1 {
                    if rl - 1 < rf {
                        return Err(
                            LimitError::BadDimensions { first: rf.into(), last: (rl - 1).into() }.into()
                        );
                    }
                    claim = u64::from(rl - rf) * u64::from(cl - cf);
                }
            }
            // NUMBER, LABEL, LABELSST, RK, BOOLERR, FORMULA, RSTRING: row, column first.
            0x0203 | 0x0204 | 0x00FD | 0x027E | 0x0205 | 0x0006 | 0x00D6 if in_sheet => {
                if let (Some(r), Some(c)) = (u16_at(d, 0), u16_at(d, 2)) {
                    bounds.add(r, c);
                }
            }
            // MULRK: row, first column, …, last column.
            0x00BD if in_sheet => {
                if let (Some(r), Some(c0), Some(c1)) =
                    (u16_at(d, 0), u16_at(d, 2), u16_at(d, d.len().saturating_sub(2)))
                {
                    bounds.add(r, c0);
                    bounds.add(r, c1.max(c0));
                }
            }
            _ => {}
        }
    }
    if sheets > limits.sheets {
        return Err(LimitError::TooManySheets { count: sheets, limit: limits.sheets }.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ods_content(body: &str) -> Vec<u8> {
        format!(
            "<office:document-content xmlns:office=\"o\" xmlns:table=\"t\" xmlns:text=\"x\"><office:body>\
             <office:spreadsheet>{body}</office:spreadsheet></office:body></office:document-content>"
        )
        .into_bytes()
    }

    fn sst_package(xml: &str, whole: bool, bound: u64) -> Package {
        let part = Part { name: "xl/sharedStrings.xml".into(), bytes: xml.as_bytes().to_vec(), whole, bound };
        Package { names: vec![part.name.clone()], kept: vec![part] }
    }

    #[test]
    fn a_shared_strings_claim_is_checked_against_the_part_s_size() {
        let sst = |count: u64| {
            format!(
                r#"<?xml version="1.0"?><sst xmlns="m" count="{count}" uniqueCount="{count}"><si><t>试点</t></si></sst>"#
            )
        };
        // A true count, and a writer's small miscount, pass.
        assert_eq!(check_xlsx(&sst_package(&sst(1), true, 1_000)), Ok(()));
        assert_eq!(check_xlsx(&sst_package(&sst(9_000), true, 1_000)), Ok(()));
        // A whole part of about 100 bytes cannot hold a million strings.
        let err = check_xlsx(&sst_package(&sst(1_000_000), true, 1_000_000_000)).unwrap_err();
        assert!(
            matches!(err, ReadError::Limit(LimitError::SharedStringsClaim { claimed: 1_000_000, .. })),
            "{err}"
        );
        // Only the head read: the compressed size bounds the claim.
        assert_eq!(check_xlsx(&sst_package(&sst(1_000_000), false, 32 << 20)), Ok(()));
        let err = check_xlsx(&sst_package(&sst(10_000_000_000), false, 32 << 20)).unwrap_err();
        assert!(err.to_string().contains("共享字符串表声明"), "{err}");
        // A head that does not start with <sst> cannot be checked.
        let err = check_xlsx(&sst_package("<!-- x --><other/>", false, 1 << 20)).unwrap_err();
        assert!(matches!(err, ReadError::Limit(LimitError::SharedStringsHead)), "{err}");
    }

    #[test]
    fn ods_trailing_empty_repeats_are_free_but_filled_repeats_count() {
        let limits = Limits::default();
        let normal = ods_content(
            "<table:table table:name=\"表\"><table:table-row><table:table-cell office:value-type=\"string\">\
             <text:p>试点地区</text:p></table:table-cell><table:table-cell table:number-columns-repeated=\"1023\"/>\
             </table:table-row><table:table-row table:number-rows-repeated=\"1048575\">\
             <table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row></table:table>",
        );
        assert_eq!(check_ods(&normal, &limits), Ok(()));
        let hostile = ods_content(
            "<table:table table:name=\"表\"><table:table-row table:number-rows-repeated=\"6000\">\
             <table:table-cell table:number-columns-repeated=\"16000\" office:value-type=\"float\" office:value=\"1\"/>\
             </table:table-row></table:table>",
        );
        let err = check_ods(&hostile, &limits).unwrap_err();
        assert!(err.to_string().contains("上限"), "{err}");
    }

    #[test]
    fn biff_dimensions_claim_is_checked() {
        let rec = |typ: u16, data: &[u8]| {
            let mut v = typ.to_le_bytes().to_vec();
            v.extend((data.len() as u16).to_le_bytes());
            v.extend(data);
            v
        };
        let mut s = rec(0x0809, &[0, 6, 5, 0]);
        s.extend(rec(0x000A, &[]));
        s.extend(rec(0x0809, &[0, 6, 0x10, 0]));
        let mut dims = Vec::new();
        dims.extend(0u32.to_le_bytes());
        dims.extend(4_000_000_000u32.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        dims.extend(200u16.to_le_bytes());
        dims.extend(0u16.to_le_bytes());
        s.extend(rec(0x0200, &dims));
        s.extend(rec(0x000A, &[]));
        let err = scan_biff(&s, &Limits::default()).unwrap_err();
        assert!(matches!(err, ReadError::Limit(LimitError::SheetTooLarge { .. })), "{err:?}");
    }
}
