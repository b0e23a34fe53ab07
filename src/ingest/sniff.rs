//! What a file is, told from its bytes (the name only words the reason).
//!
//! Every file under the inputs gets one answer: a workbook or Word form to
//! read, a zip of returns to open, one of this tool's own outputs to skip, or
//! a format that cannot be read here, with the reason the office passes on
//! to the region (`Word 97-2003 文档（.doc）无法读取，请地区另存为 .docx 或 .xlsx
//! 后重新报送`).

use std::io::Cursor;

use quick_xml::events::Event;

use super::guard::{self, Keep, Limits};
use super::read::ReadError;
use crate::render::xlsx::META_PROPERTY_PREFIX;

/// Title prefix of the 汇总 workbook `consolidate` writes (its core
/// properties), which is never a return.
pub const CONSOLIDATE_TITLE: &str = "排污许可管理试点工作汇总";
/// Custom document property that marks a document (review report, feedback
/// letter) written by this tool.
pub const OUTPUT_PROPERTY: &str = "permit-forms.output";
/// The PDF producer this tool writes into every PDF.
const PDF_PRODUCER: &[u8] = b"permit-forms";

/// A spreadsheet container calamine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML workbook (.xlsx, .xlsm).
    Xlsx,
    /// BIFF8 in a compound file (.xls, WPS .et).
    Xls,
    /// OpenDocument spreadsheet (.ods).
    Ods,
    /// Word document (.docx).
    Docx,
}

/// What a file is.
#[derive(Debug)]
pub enum Content {
    /// A workbook or Word document to read, checked against the limits; the
    /// identity (`plan`/`progress`) from its custom properties when present.
    Form(Format, Option<String>),
    /// A zip of returns: read member by member.
    Archive,
    /// One of this tool's outputs: skipped, with the reason.
    Own(String),
    /// A saved e-mail (`.eml`): read attachment by attachment.
    Mail,
}

fn ext_of(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, e)) if !stem.is_empty() && !e.contains('/') => e.to_lowercase(),
        _ => String::new(),
    }
}

fn resend(what: &str) -> ReadError {
    ReadError::Unsupported(format!("{what}无法读取，请地区另存为 .docx 或 .xlsx 后重新报送"))
}

const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Tells what `bytes` are; `name` is the file name as shown (for the
/// extension in reasons).
///
/// # Errors
/// The reason the file cannot be read: unsupported format, encrypted,
/// damaged, or over a limit.
pub fn sniff(bytes: &[u8], name: &str, limits: &Limits) -> Result<Content, ReadError> {
    let ext = ext_of(name);
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if ext == "msg" && bytes.starts_with(OLE_MAGIC) {
        return Err(ReadError::Unsupported(
            "Outlook 邮件（.msg）无法读取，请在 Outlook 中将邮件另存为 .eml（或将附件另存）后放入报表文件夹"
                .into(),
        ));
    }
    if ext == "eml" {
        return Ok(Content::Mail);
    }
    if bytes.starts_with(OLE_MAGIC) {
        return ole(bytes, &ext, limits);
    }
    if bytes.starts_with(b"PK") {
        return zip(bytes, &ext, limits);
    }
    if bytes.starts_with(b"%PDF") {
        if producer_is_ours(bytes) {
            return Ok(Content::Own(
                "本工具生成的 PDF 文件（表格、审核报告或退回意见），不是报送的表格".into(),
            ));
        }
        return Err(ReadError::Unsupported(
            "PDF 文件（扫描件或打印件）无法读取，请地区报送填好的 .xlsx 或 .docx 表格文件".into(),
        ));
    }
    let image = bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"GIF8")
        || bytes.starts_with(b"BM")
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*");
    if image {
        return Err(ReadError::Unsupported(
            "图片（扫描件或照片）无法读取，请地区报送填好的 .xlsx 或 .docx 表格文件".into(),
        ));
    }
    if bytes.starts_with(b"Rar!") || bytes.starts_with(&[0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) {
        let kind = if bytes.starts_with(b"Rar!") { "RAR" } else { "7z" };
        return Err(ReadError::Unsupported(format!(
            "{kind} 压缩包无法读取，请地区改用 .zip 压缩，或直接发送表格文件"
        )));
    }
    if let Some(own) = own_jsonl(bytes) {
        return Ok(Content::Own(own));
    }
    if bytes.starts_with(b"{\\rtf") {
        return Err(resend("RTF 文档（.rtf）"));
    }
    let shown = if ext.is_empty() { "无扩展名".to_string() } else { format!(".{ext}") };
    Err(ReadError::Unsupported(format!(
        "不是电子表格文件，也不是 Word 文档（{shown}），无法读取，请地区报送 .xlsx、.xls、.et、.ods 或 .docx 表格文件"
    )))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether the PDF's info dictionary names this tool as producer, as a
/// literal string `(permit-forms)` or as the UTF-16 hex string printpdf
/// writes (`<FEFF0070…>`).
fn producer_is_ours(bytes: &[u8]) -> bool {
    let hex: String = std::iter::once("FEFF".to_string())
        .chain(PDF_PRODUCER.iter().map(|b| format!("{:04X}", u16::from(*b))))
        .collect();
    let mut from = 0;
    while let Some(i) = find(&bytes[from..], b"/Producer") {
        let at = from + i + 9;
        let tail = &bytes[at..bytes.len().min(at + 80)];
        let tail = String::from_utf8_lossy(tail);
        let tail = tail.trim_start();
        if tail.starts_with(&format!("<{hex}>")) || tail.starts_with("(permit-forms)") {
            return true;
        }
        from = at;
    }
    false
}

/// `records.jsonl` and `rejected.jsonl` (or `skipped.jsonl`) written by
/// `ingest`: JSON lines whose first object has the record's or the
/// rejection's fields (file, reason, and at most detail and sha256).
fn own_jsonl(bytes: &[u8]) -> Option<String> {
    let first = bytes.split(|&b| b == b'\n').next()?;
    let v: serde_json::Value = serde_json::from_slice(first).ok()?;
    let has = |k: &str| v.get(k).is_some();
    if has("kind") && has("source") && has("issues") {
        Some("本工具输出的记录文件（records.jsonl），不是报送的表格".into())
    } else if has("file") && has("reason") && v.as_object().is_some_and(|o| o.len() <= 4) {
        Some("本工具输出的退回或跳过清单（rejected.jsonl），不是报送的表格".into())
    } else {
        None
    }
}

fn ole(bytes: &[u8], ext: &str, limits: &Limits) -> Result<Content, ReadError> {
    let cfb = match cfb::CompoundFile::open(Cursor::new(bytes)) {
        Ok(c) => c,
        // Unchecked bytes never reach calamine (its own, more lenient reader
        // would trust a DIMENSIONS record nobody has looked at).
        Err(e) => return Err(ReadError::damaged(e.to_string())),
    };
    let has = |name: &str| cfb.walk().any(|e| e.name().eq_ignore_ascii_case(name));
    if has("EncryptedPackage") || has("EncryptionInfo") {
        return Err(ReadError::Encrypted);
    }
    if has("Workbook") || has("Book") {
        drop(cfb);
        guard::check_xls(bytes, limits)?;
        return Ok(Content::Form(Format::Xls, None));
    }
    if has("WordDocument") {
        return Err(if ext == "wps" {
            resend("WPS 文字文档（.wps）")
        } else {
            resend("Word 97-2003 文档（.doc）")
        });
    }
    if has("PowerPoint Document") {
        return Err(resend("PowerPoint 演示文稿"));
    }
    Err(ReadError::NotSpreadsheet)
}

/// Bytes of `xl/sharedStrings.xml` inflated to read its `<sst uniqueCount>`.
const SST_HEAD: usize = 4096;

fn zip(bytes: &[u8], ext: &str, limits: &Limits) -> Result<Content, ReadError> {
    // Only what tells the package apart is inflated here: the document
    // properties (identity, the tool's own outputs), the head of an xlsx's
    // shared strings (the count calamine trusts), an .ods's mimetype and
    // content. (A Word document's main part is checked as it is read.)
    let keep = |n: &str, names: &[String]| -> Keep {
        let has = |x: &str| names.iter().any(|m| m == x);
        if n == "docProps/custom.xml" {
            Keep::Whole
        } else if n == "docProps/core.xml" {
            // The title marks a 汇总 workbook of a version that wrote no
            // custom properties; with them, the custom properties tell.
            if has("docProps/custom.xml") {
                Keep::No
            } else {
                Keep::Whole
            }
        } else if has("xl/workbook.xml") {
            if n == "xl/sharedStrings.xml" {
                Keep::Head(SST_HEAD)
            } else {
                Keep::No
            }
        } else if matches!(n, "content.xml" | "mimetype") {
            Keep::Whole
        } else {
            Keep::No
        }
    };
    let pkg = guard::zip_package(bytes, limits, keep)?;
    let core = pkg.part("docProps/core.xml").map(String::from_utf8_lossy).unwrap_or_default();
    let custom = pkg.part("docProps/custom.xml").map(custom_properties).unwrap_or_default();
    let identity =
        custom.iter().find(|(k, _)| k == &format!("{META_PROPERTY_PREFIX}form")).map(|(_, v)| v.clone());
    if let Some((_, what)) = custom.iter().find(|(k, _)| k == OUTPUT_PROPERTY) {
        return Ok(Content::Own(format!("本工具生成的文档（{what}），不是报送的表格")));
    }
    if pkg.has("[Content_Types].xml") {
        if pkg.has("xl/workbook.xml") {
            if core.contains(&format!("<dc:title>{CONSOLIDATE_TITLE}")) {
                return Ok(Content::Own("本工具生成的汇总工作簿，不是报送的表格".into()));
            }
            guard::check_xlsx(&pkg)?;
            return Ok(Content::Form(Format::Xlsx, identity));
        }
        if pkg.has("xl/workbook.bin") {
            return Err(ReadError::Unsupported(
                "Excel 二进制工作簿（.xlsb）无法读取，请地区另存为 .xlsx 后重新报送".into(),
            ));
        }
        if pkg.has("word/document.xml") {
            return Ok(Content::Form(Format::Docx, identity));
        }
        if pkg.names.iter().any(|n| n.starts_with("ppt/")) {
            return Err(resend("PowerPoint 演示文稿"));
        }
    }
    if let Some(mime) = pkg.part("mimetype") {
        let mime = String::from_utf8_lossy(mime);
        if mime.trim() == "application/vnd.oasis.opendocument.spreadsheet" {
            let content = pkg.part("content.xml").unwrap_or_default();
            guard::check_ods(content, limits)?;
            return Ok(Content::Form(Format::Ods, None));
        }
        if mime.contains("opendocument.text") {
            return Err(resend("OpenDocument 文本文档（.odt）"));
        }
    }
    if ext == "docx" || ext == "xlsx" || ext == "xlsm" || ext == "ods" {
        return Err(ReadError::damaged(format!("a .{ext} without its main part")));
    }
    Ok(Content::Archive)
}

/// The custom document properties (`docProps/custom.xml`): name and text
/// value, in file order.
pub fn custom_properties(xml: &[u8]) -> Vec<(String, String)> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "property" => {
                current =
                    e.attributes().flatten().find(|a| a.key.as_ref() == "name").map(|a| a.value.into_owned());
            }
            Ok(Event::Text(t)) => {
                if let Some(name) = current.take() {
                    let v = t.trim().to_string();
                    out.push((name, v));
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "property" => current = None,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_formats_name_what_to_ask_for() {
        let limits = Limits::default();
        let reason = |b: &[u8], n: &str| sniff(b, n, &limits).unwrap_err().to_string();
        assert!(reason(b"%PDF-1.7\n", "扫描.pdf").contains("PDF"));
        assert!(reason(b"\x89PNG\r\n\x1a\n", "a.png").contains("图片"));
        assert!(reason(b"Rar!\x1a\x07\x00", "a.rar").contains("RAR"));
        assert!(reason("请于每月10日前报送".as_bytes(), "说明.txt").contains("（.txt）"));
    }

    #[test]
    fn a_consolidated_workbook_is_recognised_with_or_without_custom_properties() {
        use rust_xlsxwriter::{DocProperties, Workbook};
        let book = |props: DocProperties| {
            let mut wb = Workbook::new();
            wb.set_properties(&props);
            wb.add_worksheet().write_string(0, 0, "试点地区").unwrap();
            wb.save_to_buffer().unwrap()
        };
        let title = format!("{CONSOLIDATE_TITLE}（截至2017年5月11日）");
        let limits = Limits::default();
        // An earlier version's workbook: the title alone.
        let old = book(DocProperties::new().set_title(&title));
        assert!(matches!(sniff(&old, "汇总.xlsx", &limits), Ok(Content::Own(_))));
        // Today's: the tool's custom property.
        let new =
            book(DocProperties::new().set_title(&title).set_custom_property(OUTPUT_PROPERTY, "汇总工作簿"));
        assert!(matches!(sniff(&new, "汇总.xlsx", &limits), Ok(Content::Own(_))));
        // A return with other custom properties and a title of its own is a form.
        let form =
            book(DocProperties::new().set_title("附3 试点工作进展表").set_custom_property("部门", "综合处"));
        assert!(matches!(sniff(&form, "附3.xlsx", &limits), Ok(Content::Form(Format::Xlsx, None))));
    }

    #[test]
    fn the_tool_s_own_jsonl_is_recognised() {
        let rec = br#"{"kind":"plan","region":null,"source":{"file":"a"},"issues":[]}"#;
        assert!(matches!(sniff(rec, "x.jsonl", &Limits::default()), Ok(Content::Own(_))));
        let rej = br#"{"file":"a.doc","reason":"x"}"#;
        assert!(matches!(sniff(rej, "y.jsonl", &Limits::default()), Ok(Content::Own(_))));
    }
}
