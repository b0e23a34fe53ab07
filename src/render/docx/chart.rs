//! Bar charts in a Word document: a DrawingML chart part per chart (data
//! cached in the part, no embedded workbook: Word and LibreOffice draw from
//! the cache), and the inline drawing that shows it where the flow left a
//! marker paragraph.

use super::flow::{BODY_FONT, HEADING_FONT};
use crate::doc::BarChart;

/// The text of the paragraph a chart's drawing replaces.
pub(super) fn chart_marker(n: usize) -> String {
    format!("PERMITFORMS-CHART-{n}")
}

/// Replaces the run holding chart `n`'s marker with its inline drawing.
pub(super) fn place_chart(xml: &str, n: usize, width_emu: u64) -> String {
    let marker = chart_marker(n);
    let Some(at) = xml.find(&marker) else { return xml.to_string() };
    let Some(start) = xml[..at].rfind("<w:r>").or_else(|| xml[..at].rfind("<w:r ")) else {
        return xml.to_string();
    };
    let Some(end) = xml[at..].find("</w:r>").map(|e| at + e + "</w:r>".len()) else { return xml.to_string() };
    let height = width_emu * 55 / 100;
    let drawing = format!(
        "<w:r><w:drawing><wp:inline xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
         distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent cx=\"{width_emu}\" cy=\"{height}\" />\
         <wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\" /><wp:docPr id=\"{id}\" name=\"图表 {n}\" />\
         <wp:cNvGraphicFramePr />\
         <a:graphic xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\">\
         <a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/chart\">\
         <c:chart xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" r:id=\"rIdPfChart{n}\" />\
         </a:graphicData></a:graphic></wp:inline></w:drawing></w:r>",
        id = 1000 + n
    );
    format!("{}{drawing}{}", &xml[..start], &xml[end..])
}

fn esc(s: &str) -> String {
    crate::text::writable(s, usize::MAX)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Spreadsheet column letters (0 → A) for the chart's cell references.
fn col(i: usize) -> String {
    let mut n = i + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A stacked column chart part with its data cached (no embedded workbook:
/// Word and LibreOffice draw from the cache).
pub(super) fn chart_xml(c: &BarChart) -> String {
    let n = c.categories.len();
    let font = |sz: u32, bold: bool| {
        format!(
            "<a:defRPr sz=\"{sz}\" b=\"{}\"><a:latin typeface=\"{BODY_FONT}\" /><a:ea typeface=\"{BODY_FONT}\" /></a:defRPr>",
            u8::from(bold)
        )
    };
    let rich = |text: &str, sz: u32| {
        format!(
            "<c:tx><c:rich><a:bodyPr /><a:p><a:pPr>{}</a:pPr><a:r><a:rPr lang=\"zh-CN\" sz=\"{sz}\" b=\"1\">\
             <a:latin typeface=\"{HEADING_FONT}\" /><a:ea typeface=\"{HEADING_FONT}\" /></a:rPr><a:t>{}</a:t></a:r></a:p></c:rich></c:tx>",
            font(sz, true),
            esc(text)
        )
    };
    let cats: String = c
        .categories
        .iter()
        .enumerate()
        .map(|(i, s)| format!("<c:pt idx=\"{i}\"><c:v>{}</c:v></c:pt>", esc(s)))
        .collect();
    let mut series = String::new();
    for (k, s) in c.series.iter().enumerate() {
        let letter = col(k + 1);
        let vals: String = (0..n)
            .map(|i| format!("<c:pt idx=\"{i}\"><c:v>{}</c:v></c:pt>", s.values.get(i).copied().unwrap_or(0)))
            .collect();
        series.push_str(&format!(
            "<c:ser><c:idx val=\"{k}\" /><c:order val=\"{k}\" />\
             <c:tx><c:strRef><c:f>Sheet1!${letter}$1</c:f><c:strCache><c:ptCount val=\"1\" /><c:pt idx=\"0\"><c:v>{name}</c:v></c:pt></c:strCache></c:strRef></c:tx>\
             <c:spPr><a:solidFill><a:srgbClr val=\"{color}\" /></a:solidFill><a:ln w=\"3175\"><a:solidFill><a:srgbClr val=\"000000\" /></a:solidFill></a:ln></c:spPr>\
             <c:invertIfNegative val=\"0\" />\
             <c:cat><c:strRef><c:f>Sheet1!$A$2:$A${last}</c:f><c:strCache><c:ptCount val=\"{n}\" />{cats}</c:strCache></c:strRef></c:cat>\
             <c:val><c:numRef><c:f>Sheet1!${letter}$2:${letter}${last}</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val=\"{n}\" />{vals}</c:numCache></c:numRef></c:val>\
             </c:ser>",
            name = esc(&s.name),
            color = s.color.hex(),
            last = n + 1,
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
         <c:chartSpace xmlns:c=\"http://schemas.openxmlformats.org/drawingml/2006/chart\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">\
         <c:roundedCorners val=\"0\" /><c:chart><c:title>{title}<c:overlay val=\"0\" /></c:title>\
         <c:autoTitleDeleted val=\"0\" /><c:plotArea><c:layout />\
         <c:barChart><c:barDir val=\"col\" /><c:grouping val=\"stacked\" /><c:varyColors val=\"0\" />{series}\
         <c:gapWidth val=\"80\" /><c:overlap val=\"100\" /><c:axId val=\"50010\" /><c:axId val=\"50020\" /></c:barChart>\
         <c:catAx><c:axId val=\"50010\" /><c:scaling><c:orientation val=\"minMax\" /></c:scaling><c:delete val=\"0\" />\
         <c:axPos val=\"b\" /><c:numFmt formatCode=\"General\" sourceLinked=\"0\" /><c:tickLblPos val=\"nextTo\" />\
         <c:crossAx val=\"50020\" /><c:crosses val=\"autoZero\" /><c:auto val=\"1\" /><c:lblAlgn val=\"ctr\" /><c:lblOffset val=\"100\" /></c:catAx>\
         <c:valAx><c:axId val=\"50020\" /><c:scaling><c:orientation val=\"minMax\" /></c:scaling><c:delete val=\"0\" />\
         <c:axPos val=\"l\" /><c:majorGridlines /><c:title>{axis}<c:overlay val=\"0\" /></c:title>\
         <c:numFmt formatCode=\"0\" sourceLinked=\"0\" /><c:tickLblPos val=\"nextTo\" /><c:crossAx val=\"50010\" />\
         <c:crosses val=\"autoZero\" /><c:crossBetween val=\"between\" /><c:majorUnit val=\"{unit}\" /></c:valAx></c:plotArea>\
         <c:legend><c:legendPos val=\"b\" /><c:overlay val=\"0\" /></c:legend><c:plotVisOnly val=\"1\" /><c:dispBlanksAs val=\"gap\" /></c:chart>\
         <c:txPr><a:bodyPr /><a:lstStyle /><a:p><a:pPr>{deffont}</a:pPr><a:endParaRPr lang=\"zh-CN\" /></a:p></c:txPr>\
         </c:chartSpace>",
        title = rich(&c.title, 1200),
        axis = rich(&c.value_axis, 900),
        deffont = font(900, false),
        unit = [1u32, 2, 5, 10, 20, 50, 100, 200, 500, 1000].into_iter().find(|s| c.max_total() / s <= 6).unwrap_or(1000),
    )
}
