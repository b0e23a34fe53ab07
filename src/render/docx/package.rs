//! Packaging: the XML parts docx-rs builds, fixed up where the crate has no
//! setter, then zipped deflated with fixed timestamps in a stable order.
//!
//! Fix-ups (all plain text edits of docx-rs' own output):
//! - `word/styles.xml`: the default run language `zh-CN` for East Asian text
//!   (without it LibreOffice draws Chinese with the Japanese glyph forms of
//!   Noto CJK);
//! - `word/document.xml`: `w:tblHeader` on the leading header rows of each
//!   table, and the `w14:paraId` attributes removed (docx-rs numbers them
//!   from a per-thread counter, so they would differ between runs);
//! - `word/fontTable.xml`: the Chinese faces with their GB2312 charset and
//!   Latin alternative names, so Word and WPS substitute sensibly;
//! - a theme part (`word/theme/theme1.xml`, with its relationship and content
//!   type), which the schemas require and docx-rs does not write.
//!
//! Then every WordprocessingML part goes through the schema-order pass
//! ([`reorder`], driven by the table in [`schema`]): docx-rs writes many
//! children out of the schemas' sequence (`w:rFonts` after `w:sz`, the
//! paragraph mark's `w:rPr` first in `w:pPr`, …), which LibreOffice forgives
//! but Word may drop (the East Asian font among them) or offer to "repair".
//! Fixing the order here, where the bytes are made, keeps every document the
//! renderers build valid whatever they add. Rows a renderer finished itself
//! ([`Body::Rows`]) went through the same pass as [`fragment`]s.

use std::io::{Cursor, Write};
use std::sync::Arc;

use docx_rs::{Docx, XMLDocx};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::memo::Memo;
use crate::render::RenderError;

mod reorder;
mod schema;
mod theme;

/// Relationship type and content type of the theme part.
const THEME_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme";
const THEME_TYPE: &str = "application/vnd.openxmlformats-officedocument.theme+xml";

/// Creation and modification date written into every document and zip
/// entry, so the same input gives the same bytes.
pub const FIXED_DATE: &str = "2017-03-01T00:00:00Z";

/// Chinese font names with the Latin names Word, WPS and fontconfig know.
const FONT_ALIASES: [(&str, &str); 4] =
    [("宋体", "SimSun"), ("黑体", "SimHei"), ("仿宋", "FangSong"), ("楷体", "KaiTi")];

/// How the rows of a document's tables are given to [`package`].
pub(crate) enum Body<'a> {
    /// docx-rs built them in the tables; `[i]` is how many leading rows of
    /// the i-th table (in document order) repeat on each page.
    HeaderRows(&'a [usize]),
    /// docx-rs built the tables empty; `[i]` holds the finished rows
    /// ([`fragment`]s) of the i-th table, which go in before its end tag.
    Rows(&'a [Vec<Arc<str>>]),
}

/// Builds `docx` and returns the bytes of the finished package, the tables'
/// rows as `body` gives them.
/// `fonts` are the faces the document uses, body face first and heading face
/// second: the font table declares them and the theme names them.
/// `custom` becomes `docProps/custom.xml` (in this order; docx-rs keeps its
/// custom properties in a hash map, whose order changes between runs).
pub(crate) fn package(
    docx: Docx,
    body: &Body<'_>,
    fonts: &[&str],
    custom: &[(String, String)],
) -> Result<Vec<u8>, RenderError> {
    let xml = docx.created_at(FIXED_DATE).updated_at(FIXED_DATE).build();
    let XMLDocx {
        content_type,
        rels,
        doc_props,
        styles,
        document,
        comments,
        document_rels,
        settings,
        font_table,
        numberings,
        headers,
        header_rels,
        footers,
        footer_rels,
        comments_extended,
        footnotes,
        ..
    } = xml;
    let styles = add_language(&utf8(styles)?);
    let document = strip_para_ids(&utf8(document)?);
    let document = match body {
        Body::HeaderRows(header_rows) => ordered_string(&mark_header_rows(&document, header_rows))?,
        Body::Rows(rows) => splice_rows(&ordered_string(&document)?, rows)?,
    };
    let font_table = add_fonts(&utf8(font_table)?, fonts);
    let theme = theme::theme_xml(
        fonts.first().copied().unwrap_or_default(),
        fonts.get(1).or(fonts.first()).copied().unwrap_or_default(),
    );
    let content_type = insert_before(
        &utf8(content_type)?,
        "</Types>",
        &format!("<Override PartName=\"/word/theme/theme1.xml\" ContentType=\"{THEME_TYPE}\" />"),
    );
    let document_rels = insert_before(
        &utf8(document_rels)?,
        "</Relationships>",
        &format!("<Relationship Id=\"rIdTheme1\" Type=\"{THEME_REL}\" Target=\"theme/theme1.xml\" />"),
    );

    // Every part but the document body and its identity is the same for
    // most documents of a run (all forms share styles, settings, numbering,
    // theme, …): those are ordered and deflated once (`Part::Shared`).
    let mut parts: Vec<Part> = vec![
        Part::shared("[Content_Types].xml", content_type.into_bytes(), false),
        Part::shared("_rels/.rels", rels, false),
        Part::shared("docProps/app.xml", doc_props.app, false),
        Part::shared("docProps/core.xml", doc_props.core, false),
        Part::Fresh("docProps/custom.xml".into(), custom_xml(custom).into_bytes()),
        Part::shared("word/_rels/document.xml.rels", document_rels.into_bytes(), false),
        Part::Fresh("word/document.xml".into(), document.into_bytes()),
        Part::shared("word/styles.xml", styles.into_bytes(), true),
        Part::shared("word/settings.xml", settings, true),
        Part::shared("word/fontTable.xml", font_table.into_bytes(), true),
        Part::shared("word/theme/theme1.xml", theme.into_bytes(), false),
        Part::shared("word/comments.xml", comments, true),
        Part::shared("word/numbering.xml", numberings, true),
        Part::shared("word/commentsExtended.xml", comments_extended, false),
        Part::shared("word/footnotes.xml", footnotes, true),
    ];
    // Same names and pairing as docx-rs' own packer, which the relationships
    // it wrote refer to.
    for (i, h) in headers.into_iter().enumerate() {
        parts.push(Part::Fresh(format!("word/header{}.xml", i + 1), fragment(&utf8(h)?)?.into_bytes()));
        if let Some(r) = header_rels.get(i) {
            parts.push(Part::Fresh(format!("word/_rels/header{}.xml.rels", i + 1), r.clone()));
        }
    }
    for (i, f) in footers.into_iter().enumerate() {
        parts.push(Part::Fresh(format!("word/footer{}.xml", i + 1), fragment(&utf8(f)?)?.into_bytes()));
        if let Some(r) = footer_rels.get(i) {
            parts.push(Part::Fresh(format!("word/_rels/footer{}.xml.rels", i + 1), r.clone()));
        }
    }
    zip_parts(parts)
}

/// One part of the package, to be zipped.
enum Part {
    /// Made for this document: final bytes, deflated here.
    Fresh(String, Vec<u8>),
    /// Likely made alike for other documents: the bytes as docx-rs (and the
    /// fix-ups above) made them, and whether they go through the
    /// schema-order pass. Ordered and deflated once per distinct content.
    Shared {
        /// Entry name.
        name: &'static str,
        /// Bytes before the schema-order pass.
        source: Vec<u8>,
        /// Whether the pass applies (WordprocessingML parts).
        order: bool,
    },
}

impl Part {
    fn shared(name: &'static str, source: Vec<u8>, order: bool) -> Part {
        Part::Shared { name, source, order }
    }
}

/// Distinct shared parts kept; past this the memo starts again (a run
/// makes a handful: the forms share all of theirs, reports and letters a
/// few more).
const SHARED_PART_LIMIT: usize = 256;

/// Shared parts already finished in this run, by name and source bytes:
/// each as a one-entry zip whose deflated entry is copied raw into every
/// package that has the same part.
static FINISHED: Memo<(&'static str, Vec<u8>), Arc<Vec<u8>>> = Memo::new(SHARED_PART_LIMIT);

/// The one-entry zip holding shared part `name` made from `source`,
/// finished (ordered when `order`, deflated) on first use and then reused.
fn finished(name: &'static str, source: Vec<u8>, order: bool) -> Result<Arc<Vec<u8>>, RenderError> {
    let key = (name, source);
    if let Some(hit) = FINISHED.get(&key) {
        return Ok(hit);
    }
    let bytes = if order { ordered(&utf8(key.1.clone())?)? } else { key.1.clone() };
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    write_entry(&mut zip, name.to_string(), &bytes)?;
    let made = Arc::new(zip.finish().map_err(zip_error)?.into_inner());
    FINISHED.insert(key, Arc::clone(&made));
    Ok(made)
}

/// The custom document properties part, properties in the given order.
fn custom_xml(props: &[(String, String)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties\" \
         xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">",
    );
    for (i, (name, value)) in props.iter().enumerate() {
        xml.push_str(&format!(
            "<property fmtid=\"{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}\" pid=\"{}\" name=\"{}\">\
             <vt:lpwstr>{}</vt:lpwstr></property>",
            i + 2,
            xml_escape(name),
            xml_escape(value)
        ));
    }
    xml.push_str("</Properties>");
    xml
}

/// A WordprocessingML part in schema order (see [`reorder`]).
fn ordered(xml: &str) -> Result<Vec<u8>, RenderError> {
    ordered_string(xml).map(String::into_bytes)
}

fn ordered_string(xml: &str) -> Result<String, RenderError> {
    reorder::reorder(xml).map_err(|e| RenderError::Docx(format!("XML 结构错误：{e}")))
}

/// A piece of WordprocessingML as docx-rs built it (a table row, say),
/// finished as [`package`] finishes whole parts: paragraph ids removed and
/// children in schema order.
///
/// # Errors
/// [`RenderError::Docx`] when the piece is not well-formed XML.
pub(crate) fn fragment(xml: &str) -> Result<String, RenderError> {
    ordered_string(&strip_para_ids(xml))
}

/// `doc` with `rows[i]` put before the end tag of its i-th table (tables
/// are not nested in the documents that give rows).
///
/// # Errors
/// [`RenderError::Docx`] when `doc` has not one table per entry of `rows`.
fn splice_rows(doc: &str, rows: &[Vec<Arc<str>>]) -> Result<String, RenderError> {
    const END: &str = "</w:tbl>";
    let extra: usize = rows.iter().flatten().map(|r| r.len()).sum();
    let mut out = String::with_capacity(doc.len() + extra);
    let mut rest = doc;
    for table in rows {
        let at = rest.find(END).ok_or_else(|| RenderError::Docx("表格数与表格行不符".into()))?;
        out.push_str(&rest[..at]);
        table.iter().for_each(|r| out.push_str(r));
        out.push_str(END);
        rest = &rest[at + END.len()..];
    }
    if rest.contains(END) {
        return Err(RenderError::Docx("表格数与表格行不符".into()));
    }
    out.push_str(rest);
    Ok(out)
}

/// `xml` with `insert` in front of the last `marker` (unchanged without one).
fn insert_before(xml: &str, marker: &str, insert: &str) -> String {
    match xml.rfind(marker) {
        Some(at) => format!("{}{insert}{}", &xml[..at], &xml[at..]),
        None => xml.to_string(),
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String, RenderError> {
    String::from_utf8(bytes).map_err(|e| RenderError::Docx(format!("XML 编码错误：{e}")))
}

fn zip_error(e: zip::result::ZipError) -> RenderError {
    RenderError::Docx(format!("打包失败：{e}"))
}

/// Starts entry `name` (deflated, dated [`FIXED_DATE`]) and writes `bytes`.
fn write_entry(zip: &mut ZipWriter<Cursor<Vec<u8>>>, name: String, bytes: &[u8]) -> Result<(), RenderError> {
    let date = DateTime::from_date_and_time(2017, 3, 1, 0, 0, 0)
        .map_err(|e| RenderError::Docx(format!("日期无效：{e}")))?;
    // The fastest level: a form's parts are small, repetitive XML, and a
    // form's docx is about 10 KB at level 1 (8 KB at the default level 6,
    // which takes a third longer to write).
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(1))
        .last_modified_time(date)
        .unix_permissions(0o644);
    zip.start_file(name, options).map_err(zip_error)?;
    zip.write_all(bytes).map_err(|e| RenderError::Docx(format!("打包失败：{e}")))
}

/// Writes the parts, deflated, in the given order, all dated [`FIXED_DATE`];
/// shared parts are copied from their finished entries.
fn zip_parts(parts: Vec<Part>) -> Result<Vec<u8>, RenderError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for part in parts {
        match part {
            Part::Fresh(name, bytes) => write_entry(&mut zip, name, &bytes)?,
            Part::Shared { name, source, order } => {
                let done = finished(name, source, order)?;
                let mut one = zip::ZipArchive::new(Cursor::new(done.as_slice())).map_err(zip_error)?;
                let entry = one.by_index_raw(0).map_err(zip_error)?;
                zip.raw_copy_file(entry).map_err(zip_error)?;
            }
        }
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

/// Adds `w:lang` (Latin en-US, East Asian zh-CN) to the document defaults.
fn add_language(styles: &str) -> String {
    const LANG: &str = r#"<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA" />"#;
    if let Some(start) = styles.find("<w:rPrDefault>") {
        let rest = &styles[start..];
        if let Some(end) = rest.find("</w:rPr>") {
            let at = start + end;
            return format!("{}{LANG}{}", &styles[..at], &styles[at..]);
        }
        if let Some(empty) = rest.find("<w:rPr />") {
            let at = start + empty;
            return format!("{}<w:rPr>{LANG}</w:rPr>{}", &styles[..at], &styles[at + "<w:rPr />".len()..]);
        }
    }
    // No defaults at all: add them in front of the first style.
    match styles.find("<w:style ") {
        Some(at) => format!(
            "{}<w:docDefaults><w:rPrDefault><w:rPr>{LANG}</w:rPr></w:rPrDefault></w:docDefaults>{}",
            &styles[..at],
            &styles[at..]
        ),
        None => styles.to_string(),
    }
}

/// Marks the first `header_rows[t]` rows of the t-th table as header rows
/// (`w:tblHeader`, after `w:trHeight` as the schema orders `w:trPr`).
/// Tables are not nested in our documents.
fn mark_header_rows(doc: &str, header_rows: &[usize]) -> String {
    let mut out = String::with_capacity(doc.len() + 64);
    let mut table = 0usize;
    let mut row_in_table = 0usize;
    // Copies only where it inserts: the rest goes over in whole spans.
    let mut copied = 0;
    let mut from = 0;
    while let Some(off) = doc[from..].find('<') {
        let at = from + off;
        let rest = &doc[at..];
        from = at + 1;
        if rest.starts_with("<w:tbl>") {
            row_in_table = 0;
        } else if rest.starts_with("</w:tbl>") {
            table += 1;
        } else if rest.starts_with("<w:trPr>") || rest.starts_with("<w:trPr />") {
            let header = row_in_table < header_rows.get(table).copied().unwrap_or(0);
            row_in_table += 1;
            if !header {
                continue;
            }
            if rest.starts_with("<w:trPr />") {
                out.push_str(&doc[copied..at]);
                out.push_str("<w:trPr><w:tblHeader /></w:trPr>");
                copied = at + "<w:trPr />".len();
            } else if let Some(end) = rest.find("</w:trPr>") {
                out.push_str(&doc[copied..at + end]);
                out.push_str("<w:tblHeader />");
                copied = at + end;
            }
        }
    }
    out.push_str(&doc[copied..]);
    out
}

/// Removes the `w14:paraId` attributes (optional in OOXML).
fn strip_para_ids(xml: &str) -> String {
    const ATTR: &str = " w14:paraId=\"";
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(at) = rest.find(ATTR) {
        out.push_str(&rest[..at]);
        let after = &rest[at + ATTR.len()..];
        rest = match after.find('"') {
            Some(q) => &after[q + 1..],
            None => after,
        };
    }
    out.push_str(rest);
    out
}

/// Declares the Chinese faces the document uses in the font table.
fn add_fonts(table: &str, fonts: &[&str]) -> String {
    let mut decl = String::new();
    for name in fonts {
        if table.contains(&format!("w:name=\"{name}\"")) || decl.contains(&format!("w:name=\"{name}\"")) {
            continue;
        }
        let alt = FONT_ALIASES.iter().find(|(n, _)| n == name).map(|(_, a)| *a);
        decl.push_str(&format!("<w:font w:name=\"{}\">", xml_escape(name)));
        if let Some(alt) = alt {
            decl.push_str(&format!("<w:altName w:val=\"{alt}\" />"));
        }
        decl.push_str(
            "<w:charset w:val=\"86\" /><w:family w:val=\"auto\" /><w:pitch w:val=\"variable\" /></w:font>",
        );
    }
    match table.rfind("</w:fonts>") {
        Some(at) if !decl.is_empty() => format!("{}{decl}{}", &table[..at], &table[at..]),
        _ => table.to_string(),
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rows_marked_per_table() {
        let doc = "<w:tbl><w:tr><w:trPr><w:trHeight w:val=\"1\" /></w:trPr></w:tr>\
                   <w:tr><w:trPr /></w:tr></w:tbl><w:tbl><w:tr><w:trPr /></w:tr></w:tbl>";
        let out = mark_header_rows(doc, &[1, 0]);
        assert_eq!(out.matches("<w:tblHeader />").count(), 1);
        assert!(out.contains("<w:trHeight w:val=\"1\" /><w:tblHeader /></w:trPr>"));
        let out = mark_header_rows(doc, &[2, 1]);
        assert_eq!(out.matches("<w:tblHeader />").count(), 3);
    }

    #[test]
    fn rows_go_into_their_tables() {
        let rows: Vec<Vec<Arc<str>>> = vec![vec!["<w:tr>a</w:tr>".into(), "<w:tr>b</w:tr>".into()], vec![]];
        let doc = "<w:body><w:tbl><w:tblPr /></w:tbl><w:p /><w:tbl><w:tblPr /></w:tbl></w:body>";
        assert_eq!(
            splice_rows(doc, &rows).unwrap(),
            "<w:body><w:tbl><w:tblPr /><w:tr>a</w:tr><w:tr>b</w:tr></w:tbl><w:p /><w:tbl><w:tblPr /></w:tbl></w:body>"
        );
        assert!(splice_rows(doc, &rows[..1]).is_err(), "a table without rows given");
        assert!(splice_rows(doc, &[vec![], vec![], vec![]]).is_err(), "rows without a table");
    }

    #[test]
    fn para_ids_removed() {
        assert_eq!(strip_para_ids("<w:p w14:paraId=\"0000000a\"><w:r /></w:p>"), "<w:p><w:r /></w:p>");
    }

    #[test]
    fn language_added_to_defaults() {
        let s = "<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val=\"21\" /></w:rPr></w:rPrDefault></w:docDefaults>";
        assert!(add_language(s).contains("<w:sz w:val=\"21\" /><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\""));
    }
}
