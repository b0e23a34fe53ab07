//! Writes a finished lopdf document as the bytes of a PDF 1.5 file, more
//! compactly than lopdf's own writer: the streams and the document
//! information dictionary as plain objects, every other object packed into
//! one object stream (deflated as the streams are), and a cross-reference
//! stream whose fields are as wide as the file needs, so that objects are
//! numbered from 1 without gaps.

use std::collections::HashMap;

use lopdf::{Dictionary, Object, ObjectId};

/// The PDF file of `lo`: objects renumbered 1, 2, … (the plain ones first,
/// then those in the object stream), the trailer's /Root, /Info and /ID
/// kept. A reference to an object the document lacks is written as `null`,
/// as a reader would take it.
pub(crate) fn write(lo: &lopdf::Document) -> Result<Vec<u8>, String> {
    if lo.trailer.has(b"Encrypt") {
        return Err("加密的 PDF 无法写出".into());
    }
    let info = lo.trailer.get(b"Info").and_then(Object::as_reference).ok();
    // The information dictionary stays readable in the file's plain bytes:
    // ingest recognises this tool's own PDFs by its /Producer entry there.
    let (plain, packed): (Vec<ObjectId>, Vec<ObjectId>) = lo
        .objects
        .keys()
        .partition(|id| Some(**id) == info || matches!(lo.objects.get(id), Some(Object::Stream(_))));
    let number: HashMap<ObjectId, u32> =
        plain.iter().chain(&packed).zip(1u32..).map(|(id, n)| (*id, n)).collect();
    let mut out = format!("%PDF-{}\n%", lo.version).into_bytes();
    out.extend_from_slice(&lo.binary_mark);
    out.push(b'\n');
    // Where each object is: (type, field 2, field 3) of its cross-reference
    // entry, by its new number.
    let mut entries: Vec<(u8, usize, usize)> = vec![(0, 0, usize::MAX)];
    for id in &plain {
        entries.push((1, out.len(), 0));
        out.extend_from_slice(format!("{} 0 obj\n", entries.len() - 1).as_bytes());
        match &lo.objects[id] {
            Object::Stream(stream) => write_stream(&mut out, &stream.dict, &stream.content, &number)?,
            other => write_object(&mut out, other, &number)?,
        }
        out.extend_from_slice(b"\nendobj\n");
    }
    if !packed.is_empty() {
        let container = plain.len() + packed.len() + 1;
        let (mut table, mut bodies) = (String::new(), Vec::new());
        for (index, id) in packed.iter().enumerate() {
            entries.push((2, container, index));
            if index > 0 {
                bodies.push(b' ');
            }
            table.push_str(&format!("{} {} ", entries.len() - 1, bodies.len()));
            write_object(&mut bodies, &lo.objects[id], &number)?;
        }
        let first = table.len();
        let mut content = table.into_bytes();
        content.append(&mut bodies);
        let mut dict = Dictionary::new();
        dict.set("Type", Object::Name(b"ObjStm".to_vec()));
        dict.set("N", Object::Integer(packed.len() as i64));
        dict.set("First", Object::Integer(first as i64));
        entries.push((1, out.len(), 0));
        out.extend_from_slice(format!("{container} 0 obj\n").as_bytes());
        write_deflated(&mut out, dict, content, &number)?;
        out.extend_from_slice(b"\nendobj\n");
    }
    // The cross-reference stream: its own entry is the last one.
    let xref_at = out.len();
    entries.push((1, xref_at, 0));
    let largest = |field: fn(&(u8, usize, usize)) -> usize| {
        entries.iter().filter(|e| e.0 != 0).map(field).max().unwrap_or(0)
    };
    let w2 = bytes_for(largest(|e| e.1));
    let w3 = bytes_for(largest(|e| e.2));
    let mut table = Vec::with_capacity(entries.len() * (1 + w2 + w3));
    for &(kind, f2, f3) in &entries {
        table.push(kind);
        table.extend_from_slice(&f2.to_be_bytes()[usize::BITS as usize / 8 - w2..]);
        // The free entry of object 0 carries the highest generation (65535
        // in a cross-reference table).
        let f3 = if kind == 0 { usize::MAX } else { f3 };
        table.extend_from_slice(&f3.to_be_bytes()[usize::BITS as usize / 8 - w3..]);
    }
    let mut dict = Dictionary::new();
    dict.set("Type", Object::Name(b"XRef".to_vec()));
    dict.set("Size", Object::Integer(entries.len() as i64));
    dict.set(
        "W",
        Object::Array(vec![Object::Integer(1), Object::Integer(w2 as i64), Object::Integer(w3 as i64)]),
    );
    for key in [&b"Root"[..], b"Info", b"ID"] {
        if let Ok(v) = lo.trailer.get(key) {
            dict.set(key, v.clone());
        }
    }
    out.extend_from_slice(format!("{} 0 obj\n", entries.len() - 1).as_bytes());
    write_deflated(&mut out, dict, table, &number)?;
    out.extend_from_slice(format!("\nendobj\nstartxref\n{xref_at}\n%%EOF").as_bytes());
    Ok(out)
}

/// Bytes needed to hold `v` (at least one).
fn bytes_for(v: usize) -> usize {
    let bits = usize::BITS - v.leading_zeros();
    (bits as usize).div_ceil(8).max(1)
}

/// A stream of `content`, deflated when that makes it shorter.
fn write_deflated(
    out: &mut Vec<u8>,
    mut dict: Dictionary,
    content: Vec<u8>,
    number: &HashMap<ObjectId, u32>,
) -> Result<(), String> {
    let content = match super::font::deflated_at(content.clone(), super::font::Effort::PerFile) {
        Some(short) => {
            dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            short
        }
        None => content,
    };
    write_stream(out, &dict, &content, number)
}

/// A stream object's dictionary (its /Length set to `content`'s) and data.
fn write_stream(
    out: &mut Vec<u8>,
    dict: &Dictionary,
    content: &[u8],
    number: &HashMap<ObjectId, u32>,
) -> Result<(), String> {
    let mut dict = dict.clone();
    dict.set("Length", Object::Integer(content.len() as i64));
    write_object(out, &Object::Dictionary(dict), number)?;
    out.extend_from_slice(b"stream\n");
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream");
    Ok(())
}

/// Whether `o` needs white space before it when it follows another object.
fn needs_space(o: &Object) -> bool {
    matches!(
        o,
        Object::Null | Object::Boolean(_) | Object::Integer(_) | Object::Real(_) | Object::Reference(_)
    )
}

/// One direct object, references renumbered by `number`.
fn write_object(out: &mut Vec<u8>, o: &Object, number: &HashMap<ObjectId, u32>) -> Result<(), String> {
    match o {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Object::Real(r) => out.extend_from_slice(r.to_string().as_bytes()),
        Object::Name(n) => write_name(out, n),
        Object::String(s, _) => write_string(out, s),
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 && needs_space(item) {
                    out.push(b' ');
                }
                write_object(out, item, number)?;
            }
            out.push(b']');
        }
        Object::Dictionary(d) => {
            out.extend_from_slice(b"<<");
            for (key, value) in d {
                write_name(out, key);
                if needs_space(value) {
                    out.push(b' ');
                }
                write_object(out, value, number)?;
            }
            out.extend_from_slice(b">>");
        }
        Object::Reference(id) => match number.get(id) {
            Some(n) => out.extend_from_slice(format!("{n} 0 R").as_bytes()),
            None => out.extend_from_slice(b"null"),
        },
        Object::Stream(_) => return Err("PDF 流对象不能嵌在其他对象中".into()),
    }
    Ok(())
}

/// A name: delimiters, white space, `#` and bytes outside `!`..`~` as `#xx`.
fn write_name(out: &mut Vec<u8>, name: &[u8]) {
    out.push(b'/');
    for &b in name {
        if b" \t\n\r\x0C()<>[]{}/%#".contains(&b) || !(33..=126).contains(&b) {
            out.extend_from_slice(format!("#{b:02X}").as_bytes());
        } else {
            out.push(b);
        }
    }
}

/// A string in literal form (shorter than hexadecimal for any bytes):
/// parentheses, backslashes and carriage returns escaped (a bare carriage
/// return would be read as a line feed).
fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'(');
    for &b in s {
        match b {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    out.push(b')');
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream, StringFormat};

    #[test]
    fn written_file_reads_back_with_every_object_and_string() {
        let mut lo = lopdf::Document::with_version("1.5");
        let content = b"BT /F1 9 Tf 10 10 Td <0001> Tj ET\n".repeat(20);
        let contents = lo.add_object(Stream::new(dictionary! {}, content.clone()));
        let pages = lo.new_object_id();
        let page = lo.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages, "Contents" => contents,
            "MediaBox" => vec![0.into(), 0.into(), 595.28.into(), 841.89.into()],
            // A reference to nothing is read as null.
            "Missing" => Object::Reference((999, 0)),
        });
        lo.objects.insert(
            pages,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Count" => 1, "Kids" => vec![page.into()] }),
        );
        let catalog = lo.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
        let title = b"\xFE\xFF(\\)\r\n".to_vec();
        let info = lo.add_object(dictionary! {
            "Producer" => Object::string_literal("permit-forms"),
            "Title" => Object::String(title.clone(), StringFormat::Hexadecimal),
        });
        lo.trailer.set("Root", catalog);
        lo.trailer.set("Info", info);
        let bytes = write(&lo).unwrap();
        // The information dictionary is plain; the page is packed.
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Producer(permit-forms)"));
        assert!(!text.contains("/Type/Page/"));
        let back = lopdf::Document::load_mem(&bytes).unwrap();
        assert_eq!(back.get_pages().len(), 1);
        let page = back.get_pages()[&1];
        assert_eq!(back.get_page_content(page).trim_ascii_end(), content.trim_ascii_end());
        let d = back.get_dictionary(page).unwrap();
        assert!(matches!(d.get(b"Missing"), Ok(Object::Null)));
        let info = back.trailer.get(b"Info").and_then(Object::as_reference).unwrap();
        let got = back.get_dictionary(info).unwrap().get(b"Title").and_then(Object::as_str).unwrap();
        assert_eq!(got, &title[..]);
        // Objects numbered 1… without gaps: the five, the object stream,
        // the cross-reference stream.
        assert_eq!(back.trailer.get(b"Size").and_then(Object::as_i64).unwrap(), 8);
    }
}
