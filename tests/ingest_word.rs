//! ingest reads a Word return as Word shows it: a generated form filled,
//! then edited with the markup Word itself writes (tracked insertions,
//! deletions and moves with their range markers; block-level rich-text
//! content controls holding several paragraphs, and controls still showing
//! their placeholder; legacy FORMCHECKBOX and FORMTEXT fields; a table
//! split in two), and read back.

use permit_forms::fill::FillValues;
use permit_forms::form::Field;
use permit_forms::record::Rule;
use permit_forms::render::docx;
use permit_forms::{FormKind, Record, Status};
use serde_json::Value as Json;

use crate::ingest::{base, filled_grid};
use crate::util::{self, templates};

/// A filled 附3 of 河北省 for April 2017, its values, and what it reads as.
fn form() -> (Vec<u8>, FillValues, Record) {
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    let bytes = docx::render(&filled_grid(&job, &v)).unwrap();
    let rec = read(&bytes);
    assert!(rec.actual.is_some() && rec.difficulties.is_some(), "{rec:?}");
    (bytes, v, rec)
}

fn read(bytes: &[u8]) -> Record {
    let recs = permit_forms::ingest::ingest_bytes(templates(), "a.docx", bytes).unwrap();
    assert_eq!(recs.len(), 1, "{recs:?}");
    recs.into_iter().next().unwrap()
}

/// A record as JSON without its source (the bytes differ).
fn content(r: &Record) -> Json {
    let mut j = serde_json::to_value(r).unwrap();
    j.as_object_mut().unwrap().remove("source");
    j
}

fn edited(bytes: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    let xml = util::zip_entry(bytes, "word/document.xml");
    let new = edit(&xml);
    assert_ne!(new, xml, "the edit changed the document");
    util::with_zip_entry(bytes, "word/document.xml", new.as_bytes())
}

/// The first line of a field's value as the form was filled.
fn first_line(v: &FillValues, f: Field) -> String {
    v.values[&f].lines().next().unwrap().to_string()
}

/// Byte range of the element `tag` (`w:r`, `w:tc`, `w:tr`) enclosing `at`.
fn enclosing(xml: &str, at: usize, tag: &str) -> (usize, usize) {
    let open = [format!("<{tag}>"), format!("<{tag} ")];
    let start = open.iter().filter_map(|o| xml[..at].rfind(o.as_str())).max().unwrap();
    let close = format!("</{tag}>");
    let end = at + xml[at..].find(&close).unwrap() + close.len();
    (start, end)
}

/// Position of a text run's text `text`.
fn text_at(xml: &str, text: &str) -> usize {
    xml.find(&format!(">{text}</w:t>")).unwrap_or_else(|| panic!("{text} not in the document"))
}

/// The cell holding `text` with its paragraphs replaced by `inner`.
fn cell_content_replaced(xml: &str, text: &str, inner: &str) -> String {
    let (start, end) = enclosing(xml, text_at(xml, text), "w:tc");
    let cell = &xml[start..end];
    let paras = cell.find("</w:tcPr>").map_or(cell.find('>').unwrap() + 1, |i| i + "</w:tcPr>".len());
    format!("{}{}{inner}</w:tc>{}", &xml[..start], &cell[..paras], &xml[end..])
}

const REV: &str = r#"w:author="张秀英" w:date="2017-05-08T09:12:00Z""#;

fn para(text: &str) -> String {
    format!(r#"<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
}

#[test]
fn tracked_changes_read_as_their_final_view() {
    let (bytes, v, want) = form();
    let line = first_line(&v, Field::Actual);
    // Deleted text left out, inserted text read.
    let changed = edited(&bytes, |xml| {
        let (s, e) = enclosing(xml, text_at(xml, &line), "w:r");
        format!(
            r#"{}<w:del w:id="11" {REV}><w:r><w:delText>删去的旧进展</w:delText></w:r></w:del><w:ins w:id="12" {REV}>{}</w:ins>{}"#,
            &xml[..s],
            &xml[s..e],
            &xml[e..]
        )
    });
    assert_eq!(content(&read(&changed)), content(&want));
    // A moved line: gone where it came from, there where it went.
    let moved = edited(&bytes, |xml| {
        let (s, e) = enclosing(xml, text_at(xml, &line), "w:r");
        format!(
            concat!(
                r#"{}<w:moveFromRangeStart w:id="21" {rev} w:name="move1"/><w:moveFrom w:id="22" {rev}>"#,
                r#"<w:r><w:t>挪走的一句</w:t></w:r></w:moveFrom><w:moveFromRangeEnd w:id="21"/>"#,
                r#"<w:moveToRangeStart w:id="23" {rev} w:name="move1"/><w:moveTo w:id="24" {rev}>{}</w:moveTo>"#,
                r#"<w:moveToRangeEnd w:id="23"/>{}"#
            ),
            &xml[..s],
            &xml[s..e],
            &xml[e..],
            rev = REV
        )
    });
    let got = read(&moved);
    assert_eq!(got.actual, want.actual, "the moved line is read where it went, once");
    assert_eq!(content(&got), content(&want));
}

#[test]
fn content_controls_are_read_and_a_placeholder_is_empty() {
    let (bytes, v, want) = form();
    let actual = v.values[&Field::Actual].clone();
    let lines: String = actual.lines().map(para).collect();
    // A rich-text control in the 月度实际进展 cell holding a paragraph per line.
    let block = edited(&bytes, |xml| {
        let control = format!(
            r#"<w:sdt><w:sdtPr><w:alias w:val="月度实际进展"/><w:tag w:val="actual"/><w:id w:val="-1187042357"/></w:sdtPr><w:sdtEndPr/><w:sdtContent>{lines}</w:sdtContent></w:sdt>"#
        );
        cell_content_replaced(xml, &first_line(&v, Field::Actual), &control)
    });
    let got = read(&block);
    assert_eq!(got.actual.as_deref(), Some(actual.as_str()));
    assert_eq!(content(&got), content(&want));
    // The 存在的困难 control left untouched shows Word's placeholder: empty.
    let placeholder = |showing: bool| {
        edited(&bytes, |xml| {
            let flag = if showing { "<w:showingPlcHdr/>" } else { "" };
            let control = format!(
                concat!(
                    r#"<w:sdt><w:sdtPr><w:id w:val="404"/><w:placeholder><w:docPart w:val="DefaultPlaceholder_-1854013440"/>"#,
                    r#"</w:placeholder>{}<w:text w:multiLine="1"/></w:sdtPr><w:sdtContent><w:p><w:r><w:rPr>"#,
                    r#"<w:rStyle w:val="PlaceholderText"/></w:rPr><w:t>单击或点击此处输入文字。</w:t></w:r></w:p></w:sdtContent></w:sdt>"#
                ),
                flag
            );
            cell_content_replaced(xml, &first_line(&v, Field::Difficulties), &control)
        })
    };
    let got = read(&placeholder(true));
    assert_eq!(got.difficulties, None);
    assert_eq!(got.actual, want.actual);
    // Near miss: the same text typed by the clerk (no placeholder flag) is a value.
    assert_eq!(read(&placeholder(false)).difficulties.as_deref(), Some("单击或点击此处输入文字。"));
}

/// A legacy FORMCHECKBOX as Word writes it (checked: `w:checked`, or its
/// default when there is none).
fn checkbox(checked: Option<bool>, default: bool) -> String {
    let state = match checked {
        Some(true) => "<w:checked/>".to_string(),
        Some(false) => r#"<w:checked w:val="0"/>"#.to_string(),
        None => String::new(),
    };
    format!(
        concat!(
            r#"<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check1"/><w:enabled/>"#,
            r#"<w:calcOnExit w:val="0"/><w:checkBox><w:sizeAuto/><w:default w:val="{}"/>{}</w:checkBox>"#,
            r#"</w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>"#,
            r#"<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>"#
        ),
        u8::from(default),
        state
    )
}

fn word(w: &str) -> String {
    format!(r#"<w:r><w:t xml:space="preserve">{w}　</w:t></w:r>"#)
}

#[test]
fn legacy_form_fields_are_read_as_word_shows_them() {
    let (bytes, v, want) = form();
    let status_cell = |boxes: [String; 3]| {
        edited(&bytes, |xml| {
            let at = xml.find("超前").unwrap();
            let (s, e) = enclosing(xml, at, "w:tc");
            let inner = format!(
                "<w:p>{}{}{}{}{}{}</w:p>",
                boxes[0],
                word("超前"),
                boxes[1],
                word("如期"),
                boxes[2],
                word("滞后")
            );
            let cell = &xml[s..e];
            let paras = cell.find("</w:tcPr>").map_or(cell.find('>').unwrap() + 1, |i| i + "</w:tcPr>".len());
            format!("{}{}{inner}</w:tc>{}", &xml[..s], &cell[..paras], &xml[e..])
        })
    };
    let ahead =
        status_cell([checkbox(Some(true), false), checkbox(None, false), checkbox(Some(false), true)]);
    let got = read(&ahead);
    assert_eq!(got.status, Some(Status::Ahead), "{:?}", got.issues);
    // A box checked by its default, the others unchecked.
    let by_default = status_cell([checkbox(None, false), checkbox(None, true), checkbox(Some(false), false)]);
    assert_eq!(read(&by_default).status, Some(Status::OnSchedule));
    // Near miss: no box checked is no status, never the first word.
    let none = status_cell([checkbox(None, false), checkbox(Some(false), false), checkbox(None, false)]);
    let got = read(&none);
    assert_eq!(got.status, None);
    assert!(
        got.issues.iter().any(|i| i.rule == Rule::StatusMissing || i.field == "status"),
        "{:?}",
        got.issues
    );
    // FORMTEXT: the field's result is the value; its instruction is not.
    let actual = v.values[&Field::Actual].clone();
    let formtext = edited(&bytes, |xml| {
        let result: String = actual
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    format!("<w:r><w:t>{l}</w:t></w:r>")
                } else {
                    format!("<w:r><w:br/><w:t>{l}</w:t></w:r>")
                }
            })
            .collect();
        let field = format!(
            concat!(
                r#"<w:p><w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Text1"/><w:enabled/>"#,
                r#"<w:calcOnExit w:val="0"/><w:textInput><w:maxLength w:val="2000"/></w:textInput></w:ffData></w:fldChar></w:r>"#,
                r#"<w:r><w:instrText xml:space="preserve"> FORMTEXT </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>"#,
                r#"{}<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>"#
            ),
            result
        );
        cell_content_replaced(xml, &first_line(&v, Field::Actual), &field)
    });
    let got = read(&formtext);
    assert_eq!(got.actual.as_deref(), Some(actual.as_str()));
    assert_eq!(content(&got), content(&want));
}

#[test]
fn a_table_split_in_two_is_one_form() {
    let (bytes, _, want) = form();
    for repeat_header in [false, true] {
        let split = edited(&bytes, |xml| {
            let label = xml.find("进度情况").unwrap();
            let (row, _) = enclosing(xml, label, "w:tr");
            let tbl = xml[..row].rfind("<w:tbl>").unwrap();
            let first_row = tbl + xml[tbl..].find("<w:tr").unwrap();
            let (_, first_end) = enclosing(xml, first_row + "<w:tr".len() + 1, "w:tr");
            let head = &xml[tbl..first_row];
            let header = if repeat_header { &xml[first_row..first_end] } else { "" };
            format!(
                "{}</w:tbl><w:p/><w:p><w:r><w:t> </w:t></w:r></w:p>{head}{header}{}",
                &xml[..row],
                &xml[row..]
            )
        });
        let got = read(&split);
        assert_eq!(content(&got), content(&want), "header repeated: {repeat_header}");
    }
}

/// One Word document holding two filled forms (May's pasted after April's):
/// a record each.
#[test]
fn a_document_with_two_forms_gives_two_records() {
    let (april, _, want_april) = form();
    let (job, v) = base(FormKind::Progress, "河北省", Some((2017, 5)));
    let may = docx::render(&filled_grid(&job, &v)).unwrap();
    let want_may = read(&may);
    let body = |xml: &str| {
        let start = xml.find("<w:body>").unwrap() + "<w:body>".len();
        let end = xml.rfind("<w:sectPr").unwrap_or_else(|| xml.rfind("</w:body>").unwrap());
        xml[start..end].to_string()
    };
    let second = body(&util::zip_entry(&may, "word/document.xml"));
    let both = edited(&april, |xml| {
        let at = xml.rfind("<w:sectPr").unwrap_or_else(|| xml.rfind("</w:body>").unwrap());
        format!("{}{second}{}", &xml[..at], &xml[at..])
    });
    let recs = permit_forms::ingest::ingest_bytes(templates(), "a.docx", &both).unwrap();
    let periods: Vec<_> = recs.iter().map(|r| r.period).collect();
    assert!(periods.contains(&want_april.period) && periods.contains(&want_may.period), "{periods:?}");
    let may_rec = recs.iter().find(|r| r.period == want_may.period).unwrap();
    assert_eq!(may_rec.actual, want_may.actual);
}
