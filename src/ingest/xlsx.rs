//! The xlsx package calamine is given: what ingest reads, without the
//! formatting.
//!
//! calamine 0.38 opens a workbook by building the full style of every cell
//! format (`xl/styles.xml`: fonts, fills, borders, alignment, with colours
//! resolved against `xl/theme/theme1.xml`), which costs more than reading
//! the cells of a form. Ingest needs only what tells a date from a number:
//! the number formats (`numFmts`) and each cell format's `numFmtId`
//! (`cellXfs`, ECMA-376 Part 1, §18.8.10 and §18.8.30). So calamine is given
//! the package with `styles.xml` reduced to those two lists, in their order,
//! and without the theme, pictures, drawings, printer settings and document
//! properties. Every other part is copied as it is, still compressed.
//!
//! A `styles.xml` that cannot be parsed is passed on unchanged, so calamine
//! says what is wrong with it as before.

use std::io::{Cursor, Read, Write};
use std::sync::Arc;

use quick_xml::events::{BytesStart, Event};

use super::guard::{self, LimitError, Limits};
use super::read::ReadError;
use crate::memo::Memo;

/// Parts calamine never opens for the cell values ingest reads, besides
/// the folders no reader opens ([`guard::is_unread`]). (The document
/// properties are read by the sniffer, before calamine.)
const LEFT_OUT: &[&str] = &["[Content_Types].xml", "docProps/", "customXml/"];

fn damaged(e: impl std::fmt::Display) -> ReadError {
    ReadError::damaged(e.to_string())
}

/// Slimmed `styles.xml` parts by their compressed bytes (after the
/// compression method): returns made from one template share one styles
/// part, so most files skip inflating and parsing it.
static SLIM_STYLES: Memo<Vec<u8>, Arc<[u8]>> = Memo::new(64);
/// Largest compressed styles part that is cached (bytes).
const CACHED_STYLES_BYTES: u64 = 16 * 1024;

/// The package of `bytes` (an xlsx, already checked by the guard) as
/// calamine should read it: `xl/styles.xml` slimmed to the number formats,
/// unread parts left out, the rest copied compressed.
///
/// # Errors
/// [`ReadError::Damaged`] when the zip cannot be read or written;
/// [`ReadError::Limit`] when `styles.xml` inflates beyond
/// [`Limits::part_bytes`].
pub fn slim_package(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(bytes.len() + 1024)));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zip.len() {
        let mut entry = zip.by_index_raw(i).map_err(damaged)?;
        let name = entry.name_raw();
        let left_out = LEFT_OUT.iter().any(|f| name.starts_with(f.as_bytes()))
            || guard::is_unread(&String::from_utf8_lossy(name));
        if left_out || entry.is_dir() {
            continue;
        }
        if name != b"xl/styles.xml" {
            out.raw_copy_file(entry).map_err(damaged)?;
            continue;
        }
        let key = if entry.compressed_size() <= CACHED_STYLES_BYTES {
            let mut key = Vec::with_capacity(entry.compressed_size() as usize + 2);
            key.extend_from_slice(format!("{:?}\0", entry.compression()).as_bytes());
            entry.read_to_end(&mut key).map_err(damaged)?;
            Some(key)
        } else {
            None
        };
        drop(entry);
        let slim = match key.as_ref().and_then(|k| SLIM_STYLES.get(k)) {
            Some(slim) => slim,
            None => {
                let slim = read_slim_styles(&mut zip, i, limits)?;
                if let Some(key) = key {
                    SLIM_STYLES.insert(key, Arc::clone(&slim));
                }
                slim
            }
        };
        out.start_file("xl/styles.xml", stored).map_err(damaged)?;
        out.write_all(&slim).map_err(damaged)?;
    }
    Ok(out.finish().map_err(damaged)?.into_inner())
}

/// Inflates entry `i` (`xl/styles.xml`) within the part limit and slims it
/// (or keeps it whole when it does not parse).
fn read_slim_styles(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    i: usize,
    limits: &Limits,
) -> Result<Arc<[u8]>, ReadError> {
    let entry = zip.by_index(i).map_err(damaged)?;
    let mut styles = Vec::with_capacity(entry.size().min(1 << 20) as usize + 1);
    entry.take(limits.part_bytes + 1).read_to_end(&mut styles).map_err(damaged)?;
    if styles.len() as u64 > limits.part_bytes {
        return Err(LimitError::part_too_large("xl/styles.xml", limits).into());
    }
    Ok(match slim_styles(&styles) {
        Some(slim) => slim.into(),
        None => styles.into(),
    })
}

/// `styles.xml` reduced to `<numFmts>` (each `<numFmt>` as written) and
/// `<cellXfs>` (each `<xf>` with its `numFmtId` only), or `None` when the
/// part does not parse.
fn slim_styles(xml: &[u8]) -> Option<Vec<u8>> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut formats = Vec::new();
    let mut cell_formats = Vec::new();
    // The list being read: number formats, cell formats, or neither.
    #[derive(PartialEq)]
    enum In {
        Neither,
        NumFmts,
        CellXfs,
    }
    let mut inside = In::Neither;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "numFmts" => inside = In::NumFmts,
            Event::Start(e) if e.local_name().as_ref() == "cellXfs" => inside = In::CellXfs,
            Event::End(e) if matches!(e.local_name().as_ref(), "numFmts" | "cellXfs") => inside = In::Neither,
            Event::Start(e) | Event::Empty(e) => match (&inside, e.local_name().as_ref()) {
                (In::NumFmts, "numFmt") => {
                    formats.extend_from_slice(b"<numFmt");
                    copy_attr(&e, "numFmtId", &mut formats)?;
                    copy_attr(&e, "formatCode", &mut formats)?;
                    formats.extend_from_slice(b"/>");
                }
                (In::CellXfs, "xf") => {
                    cell_formats.extend_from_slice(b"<xf");
                    copy_attr(&e, "numFmtId", &mut cell_formats)?;
                    cell_formats.extend_from_slice(b"/>");
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(formats.len() + cell_formats.len() + 200);
    out.extend_from_slice(
        br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts>"#,
    );
    out.extend_from_slice(&formats);
    out.extend_from_slice(b"</numFmts><cellXfs>");
    out.extend_from_slice(&cell_formats);
    out.extend_from_slice(b"</cellXfs></styleSheet>");
    Some(out)
}

/// Appends ` key="value"` with the value as written (still escaped), when
/// the element has the attribute; `None` on a malformed attribute.
fn copy_attr(e: &BytesStart, key: &str, out: &mut Vec<u8>) -> Option<()> {
    for a in e.attributes() {
        let a = a.ok()?;
        if a.key.local_name().as_ref() == key {
            out.push(b' ');
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"=\"");
            // Values written with single quotes may hold a double quote.
            for b in a.value.bytes() {
                if b == b'"' {
                    out.extend_from_slice(b"&quot;");
                } else {
                    out.push(b);
                }
            }
            out.push(b'"');
            return Some(());
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_keep_number_formats_and_their_order() {
        let xml = concat!(
            r#"<x:styleSheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
            r#"<x:numFmts count="2"><x:numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/>"#,
            r#"<x:numFmt formatCode='0.0"x"' numFmtId="165"></x:numFmt></x:numFmts>"#,
            r#"<x:fonts count="1"><x:font><x:sz val="11"/></x:font></x:fonts>"#,
            r#"<x:cellStyleXfs count="1"><x:xf numFmtId="99"/></x:cellStyleXfs>"#,
            r#"<x:cellXfs count="3"><x:xf numFmtId="0" fontId="0"/><x:xf fontId="1"><x:alignment wrapText="1"/></x:xf>"#,
            r#"<x:xf numFmtId="164" applyNumberFormat="1"/></x:cellXfs></x:styleSheet>"#
        );
        let slim = String::from_utf8(slim_styles(xml.as_bytes()).unwrap()).unwrap();
        assert!(slim.contains(concat!(
            r#"<numFmts><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/>"#,
            r#"<numFmt numFmtId="165" formatCode="0.0&quot;x&quot;"/></numFmts>"#,
            r#"<cellXfs><xf numFmtId="0"/><xf/><xf numFmtId="164"/></cellXfs>"#
        )));
        assert!(!slim.contains("font") && !slim.contains("99"), "{slim}");
        assert_eq!(slim_styles(b"<styleSheet><cellXfs><xf numFmtId=\"1></cellXfs>"), None);
        // An empty list holds nothing: the cell style formats after it are not cell formats.
        let empty = slim_styles(br#"<styleSheet><numFmts/><cellXfs/><cellStyleXfs><xf numFmtId="9"/></cellStyleXfs></styleSheet>"#);
        let empty = String::from_utf8(empty.unwrap()).unwrap();
        assert!(empty.contains("<numFmts></numFmts><cellXfs></cellXfs>"), "{empty}");
    }
}
