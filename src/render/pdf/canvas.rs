//! A page as a display list in top-down points (lines, boxes, text), and
//! the one place that turns display lists into PDF bytes with printpdf.

use std::collections::{BTreeSet, HashMap};

use printpdf::{
    Codepoint, Color, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, TextItem, TextRenderingMode,
};
use sha2::{Digest, Sha256};

use std::sync::Arc;

use super::font::{deflated, Effort, Face, Pen, Subset};
use crate::doc::Rgb;

/// A4 width in points.
pub(crate) const A4_W: f32 = 595.28;
/// A4 height in points.
pub(crate) const A4_H: f32 = 841.89;

/// Black.
pub(crate) const BLACK: Rgb = Rgb(0, 0, 0);

/// One thing drawn on a page. `y` grows downwards from the top edge.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// A straight line.
    Line {
        /// Start.
        x1: f32,
        /// Start.
        y1: f32,
        /// End.
        x2: f32,
        /// End.
        y2: f32,
        /// Stroke width.
        width: f32,
    },
    /// A rectangle, stroked and/or filled.
    Rect {
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
        /// Stroke width, when outlined.
        stroke: Option<f32>,
        /// Fill, when filled.
        fill: Option<Rgb>,
    },
    /// One line of text.
    Text {
        /// Left end of the baseline.
        x: f32,
        /// Baseline.
        y: f32,
        /// Size in points.
        size: f32,
        /// Text (every character in the face).
        text: String,
        /// Font slot (see `Fonts::slots`).
        slot: usize,
        /// Drawn thicker (fill and stroke), standing in for a bold face.
        bold: bool,
        /// Colour.
        color: Rgb,
        /// Extra space after each character in points (justified lines).
        spacing: f32,
    },
}

/// One page: its size in points and what is on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Page {
    /// Width in points.
    pub width: f32,
    /// Height in points.
    pub height: f32,
    /// Display list, drawn in order.
    pub items: Vec<Item>,
}

impl Page {
    /// An empty page.
    pub fn new(width: f32, height: f32) -> Self {
        Page { width, height, items: Vec::new() }
    }

    /// Adds a line of text drawn with `pen` (skipped when empty).
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str, pen: Pen<'_>, color: Rgb) {
        if !text.trim().is_empty() {
            let (slot, bold) = (pen.slot, pen.bold);
            self.items.push(Item::Text {
                x,
                y,
                size,
                text: text.to_string(),
                slot,
                bold,
                color,
                spacing: 0.0,
            });
        }
    }

    /// Adds a line of text with `spacing` points after each character
    /// (a justified line).
    #[allow(clippy::too_many_arguments)]
    pub fn text_spaced(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        text: &str,
        pen: Pen<'_>,
        color: Rgb,
        spacing: f32,
    ) {
        if !text.trim().is_empty() {
            let (slot, bold) = (pen.slot, pen.bold);
            self.items.push(Item::Text { x, y, size, text: text.to_string(), slot, bold, color, spacing });
        }
    }

    /// Adds a line.
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.items.push(Item::Line { x1, y1, x2, y2, width });
    }

    /// Adds a rectangle.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, stroke: Option<f32>, fill: Option<Rgb>) {
        self.items.push(Item::Rect { x, y, w, h, stroke, fill });
    }
}

fn color(c: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb::new(
        f32::from(c.0) / 255.0,
        f32::from(c.1) / 255.0,
        f32::from(c.2) / 255.0,
        None,
    ))
}

/// Rounds to 1/100 pt so the content stream stays short and stable.
fn r(v: f32) -> Pt {
    Pt((v * 100.0).round() / 100.0)
}

/// Creation date of every PDF when `SOURCE_DATE_EPOCH` is not set: the
/// day the pilot's forms were first due to be sent out (as the xlsx and
/// docx packages are dated), so reruns give the same bytes.
pub const FIXED_PDF_DATE: &str = "D:20170301000000Z";

/// The creation date written into the PDF: `SOURCE_DATE_EPOCH` (seconds
/// since 1970, the reproducible-builds convention) when set and valid, else
/// [`FIXED_PDF_DATE`].
pub fn pdf_date() -> String {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map(|d| d.format("D:%Y%m%d%H%M%SZ").to_string())
        .unwrap_or_else(|| FIXED_PDF_DATE.to_string())
}

/// Rewrites the document information printpdf wrote: real dates instead of
/// 1970-01-01, and no PDF/X version, trapping flag or empty entries (the
/// file makes no PDF/X claim).
fn fix_info(lo: &mut lopdf::Document) {
    let Ok(id) = lo.trailer.get(b"Info").and_then(lopdf::Object::as_reference) else { return };
    let Ok(info) = lo.get_object_mut(id).and_then(lopdf::Object::as_dict_mut) else { return };
    for key in [&b"GTS_PDFXVersion"[..], b"Trapped", b"Subject", b"Identifier", b"Keywords", b"Author"] {
        info.remove(key);
    }
    let date = lopdf::Object::String(pdf_date().into_bytes(), lopdf::StringFormat::Literal);
    info.set("CreationDate", date.clone());
    info.set("ModDate", date);
    // ASCII names as plain literals (printpdf writes UTF-16 hex).
    for key in ["Producer", "Creator"] {
        info.set(key, lopdf::Object::String(b"permit-forms".to_vec(), lopdf::StringFormat::Literal));
    }
    // The dictionary stays readable in the file's plain bytes, outside the
    // compressed object stream: ingest and feedback recognise this tool's own
    // PDFs by its /Producer entry there. An object of generation 1 is never
    // put in an object stream (ISO 32000-1, 7.5.7: compressed objects have
    // generation 0).
    if let Some(dict) = lo.objects.remove(&id) {
        let moved = (id.0, 1);
        lo.objects.insert(moved, dict);
        lo.trailer.set("Info", lopdf::Object::Reference(moved));
    }
}

/// Writes `lo` with its small objects packed into one compressed object
/// stream and a cross-reference stream (PDF 1.5), which saves about 1 KB of
/// a form's 30.
fn save(lo: &mut lopdf::Document, out: &mut Vec<u8>) -> Result<(), String> {
    lo.version = "1.5".into();
    // Without a level lopdf leaves the object stream uncompressed (it holds
    // the font dictionaries and their width arrays: about 2 KB more).
    let options = lopdf::SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .compression_level(6)
        .build();
    lo.save_with_options(out, options).map_err(|e| e.to_string())
}

/// Puts each subset's own font program (subroutines inlined, made once per
/// subset: see `Subset::program`) in place of the one printpdf wrote, found
/// by the font name the descriptor carries.
fn embed_programs(lo: &mut lopdf::Document, subsets: &[Arc<Subset>]) {
    use lopdf::Object;
    let mut swaps = Vec::new();
    for obj in lo.objects.values() {
        let Object::Dictionary(d) = obj else { continue };
        let (Ok(name), Ok(file)) = (
            d.get(b"FontName").and_then(Object::as_name),
            d.get(b"FontFile3").and_then(Object::as_reference),
        ) else {
            continue;
        };
        let program = subsets
            .iter()
            .find(|s| s.font.font_name.as_deref().is_some_and(|n| n.as_bytes() == name))
            .and_then(|s| s.program.as_ref());
        if let Some(program) = program {
            swaps.push((file, program));
        }
    }
    for (file, program) in swaps {
        if let Ok(Object::Stream(stream)) = lo.get_object_mut(file) {
            stream.set_content(program.clone());
            stream.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            stream.dict.remove(b"DecodeParms");
        }
    }
}

/// Removes what printpdf writes but nothing uses: empty resource
/// dictionaries, page boxes equal to the media box, default page layout
/// and mode.
fn drop_empty_entries(lo: &mut lopdf::Document) {
    let mut empty = Vec::new();
    for (id, obj) in &lo.objects {
        if let lopdf::Object::Dictionary(d) = obj {
            if d.is_empty() {
                empty.push(*id);
            }
        }
    }
    for obj in lo.objects.values_mut() {
        let lopdf::Object::Dictionary(d) = obj else { continue };
        let is_page = d.get(b"Type").and_then(lopdf::Object::as_name).is_ok_and(|n| n == b"Page");
        if is_page {
            d.remove(b"TrimBox");
            d.remove(b"CropBox");
            if d.get(b"Annots").and_then(lopdf::Object::as_array).is_ok_and(|a| a.is_empty()) {
                d.remove(b"Annots");
            }
        }
        let is_catalog = d.get(b"Type").and_then(lopdf::Object::as_name).is_ok_and(|n| n == b"Catalog");
        if is_catalog {
            d.remove(b"PageLayout");
            d.remove(b"PageMode");
        }
        let keys: Vec<Vec<u8>> = d
            .iter()
            .filter(|(_, v)| v.as_reference().is_ok_and(|r| empty.contains(&r)))
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            d.remove(&k);
        }
    }
    for id in empty {
        lo.objects.remove(&id);
    }
}

/// Characters put in every body-face subset, so that forms differing only
/// in a date (a region's monthly 附3) share one subset.
const SHARED_CHARS: &str = "0123456789";

/// Writes `pages` as a PDF with each face of `faces` (by slot) subset to
/// the characters drawn with it. Metadata is fixed (no dates, an /ID derived
/// from the content), so equal input gives equal bytes.
pub(crate) fn write_pdf(faces: &[&Face], title: &str, pages: &[Page]) -> Result<Vec<u8>, String> {
    let mut doc = PdfDocument::new(title);
    doc.metadata.info.producer = "permit-forms".into();
    doc.metadata.info.creator = "permit-forms".into();
    let mut fonts = Vec::with_capacity(faces.len());
    for (slot, face) in faces.iter().enumerate() {
        let chars: BTreeSet<char> = pages
            .iter()
            .flat_map(|p| &p.items)
            .filter_map(|i| match i {
                Item::Text { text, slot: s, .. } if *s == slot => Some(text.chars()),
                _ => None,
            })
            .flatten()
            .filter(|c| face.has(*c))
            .collect();
        let chars: BTreeSet<char> = if chars.is_empty() || slot != 0 {
            chars
        } else {
            chars.into_iter().chain(SHARED_CHARS.chars().filter(|c| face.has(*c))).collect()
        };
        let font_id = FontId(format!("F{}", slot + 1));
        let sub = if chars.is_empty() {
            None
        } else {
            let sub = face.subset(&chars)?;
            doc.resources.fonts.map.insert(font_id.clone(), printpdf::PdfFont::new(sub.font.clone()));
            Some(sub)
        };
        fonts.push((font_id, sub));
    }

    let mut out_pages = Vec::with_capacity(pages.len());
    for page in pages {
        let h = page.height;
        let mut ops = Vec::new();
        // What the graphics state holds, so that each setting is written
        // only when it changes: line width, stroke and fill colours, text
        // rendering mode, character spacing, font and size. The text state
        // outlives BT/ET, and the content stream never saves or restores
        // the graphics state.
        let mut state = GraphicsState::default();
        for item in &page.items {
            match item {
                Item::Line { x1, y1, x2, y2, width } => {
                    state.stroke(&mut ops, *width, BLACK);
                    let p = |x: f32, y: f32| LinePoint { p: Point { x: r(x), y: r(h - y) }, bezier: false };
                    ops.push(Op::DrawLine {
                        line: Line { points: vec![p(*x1, *y1), p(*x2, *y2)], is_closed: false },
                    });
                }
                Item::Rect { x, y, w, h: rh, stroke, fill } => {
                    let rect = |mode| Rect {
                        x: r(*x),
                        y: r(h - y - rh),
                        width: r(*w),
                        height: r(*rh),
                        mode: Some(mode),
                        winding_order: None,
                    };
                    if let Some(f) = fill {
                        state.fill(&mut ops, *f);
                        ops.push(Op::DrawRectangle { rectangle: rect(PaintMode::Fill) });
                    }
                    if let Some(sw) = stroke {
                        state.stroke(&mut ops, *sw, BLACK);
                        ops.push(Op::DrawRectangle { rectangle: rect(PaintMode::Stroke) });
                    }
                }
                Item::Text { x, y, size, text, slot, bold, color: c, spacing } => {
                    let Some((font_id, Some(sub))) = fonts.get(*slot) else { continue };
                    let items: Vec<Codepoint> = text
                        .chars()
                        .filter_map(|ch| {
                            sub.glyphs.get(&ch).map(|g| Codepoint::with_cid(*g, 0.0, ch.to_string()))
                        })
                        .collect();
                    if items.is_empty() {
                        continue;
                    }
                    ops.push(Op::StartTextSection);
                    let font = (*slot, r(*size));
                    if state.font != Some(font) {
                        ops.push(Op::SetFont {
                            font: PdfFontHandle::External(font_id.clone()),
                            size: font.1,
                        });
                        state.font = Some(font);
                    }
                    state.fill(&mut ops, *c);
                    if *bold != state.bold {
                        let mode =
                            if *bold { TextRenderingMode::FillStroke } else { TextRenderingMode::Fill };
                        ops.push(Op::SetTextRenderingMode { mode });
                        state.bold = *bold;
                    }
                    if *bold {
                        state.stroke(&mut ops, size * 0.03, *c);
                    }
                    if (*spacing - state.spacing).abs() > 1e-3 {
                        ops.push(Op::SetCharacterSpacing { multiplier: (spacing * 100.0).round() / 100.0 });
                        state.spacing = *spacing;
                    }
                    ops.push(Op::SetTextCursor { pos: Point { x: r(*x), y: r(h - y) } });
                    ops.push(Op::ShowText { items: vec![TextItem::GlyphIds(items)] });
                    ops.push(Op::EndTextSection);
                }
            }
        }
        out_pages.push(PdfPage::new(Mm::from(Pt(page.width)), Mm::from(Pt(page.height)), ops));
    }
    doc.with_pages(out_pages);

    let opts = PdfSaveOptions { optimize: true, subset_fonts: false, secure: true, image_optimization: None };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&opts, &mut warnings);
    fix_info(&mut lo);
    drop_empty_entries(&mut lo);
    let subsets: Vec<Arc<Subset>> = fonts.iter().filter_map(|(_, s)| s.clone()).collect();
    embed_programs(&mut lo, &subsets);
    compact_font_dicts(&mut lo, &subsets);
    join_glyph_strings(&mut lo);
    inline_resources(&mut lo);
    compress_streams(&mut lo);
    // printpdf puts a random /ID in the trailer; derive it from the content:
    // the file is written once with a placeholder of the same length, which
    // is then replaced by the hash of those bytes.
    let placeholder = lopdf::Object::String(ID_PLACEHOLDER.to_vec(), lopdf::StringFormat::Literal);
    lo.trailer.set("ID", lopdf::Object::Array(vec![placeholder.clone(), placeholder]));
    let mut bytes = Vec::new();
    save(&mut lo, &mut bytes)?;
    // Sixteen bytes of the hash, as an MD5-based identifier would be; the
    // few a literal string would have to escape (parentheses, backslash,
    // carriage return) are flipped, so the length stays that of the
    // placeholder.
    let id: Vec<u8> = Sha256::digest(&bytes)
        .iter()
        .take(ID_PLACEHOLDER.len())
        .map(|b| if matches!(b, b'(' | b')' | b'\\' | b'\r') { b ^ 0x80 } else { *b })
        .collect();
    set_file_id(&mut bytes, &id)?;
    Ok(bytes)
}

/// The parts of a page's graphics state that `write_pdf` sets, as last
/// written (`None`: not yet written, the PDF's initial state).
#[derive(Default)]
struct GraphicsState {
    /// Line width.
    line_width: Option<f32>,
    /// Stroke colour.
    stroke: Option<Rgb>,
    /// Fill colour.
    fill: Option<Rgb>,
    /// Text rendering mode is fill and stroke.
    bold: bool,
    /// Character spacing (Tc).
    spacing: f32,
    /// Font slot and size (Tf).
    font: Option<(usize, Pt)>,
}

impl GraphicsState {
    /// Sets line width `w` and stroke colour `c` where they differ.
    fn stroke(&mut self, ops: &mut Vec<Op>, w: f32, c: Rgb) {
        if self.line_width.is_none_or(|now| (w - now).abs() > f32::EPSILON) {
            ops.push(Op::SetOutlineThickness { pt: r(w) });
            self.line_width = Some(w);
        }
        if self.stroke != Some(c) {
            ops.push(Op::SetOutlineColor { col: color(c) });
            self.stroke = Some(c);
        }
    }

    /// Sets fill colour `c` where it differs.
    fn fill(&mut self, ops: &mut Vec<Op>, c: Rgb) {
        if self.fill != Some(c) {
            ops.push(Op::SetFillColor { col: color(c) });
            self.fill = Some(c);
        }
    }
}

/// Puts a page's resource dictionary, and the font dictionary inside it,
/// into the dictionary that refers to it when nothing else does (printpdf
/// makes each a separate object).
fn inline_resources(lo: &mut lopdf::Document) {
    use lopdf::Object;
    fn count(o: &Object, refs: &mut HashMap<lopdf::ObjectId, usize>) {
        match o {
            Object::Reference(r) => *refs.entry(*r).or_default() += 1,
            Object::Array(items) => items.iter().for_each(|i| count(i, refs)),
            Object::Dictionary(d) => d.iter().for_each(|(_, v)| count(v, refs)),
            Object::Stream(s) => s.dict.iter().for_each(|(_, v)| count(v, refs)),
            _ => {}
        }
    }
    let mut refs = HashMap::new();
    lo.objects.values().for_each(|o| count(o, &mut refs));
    lo.trailer.iter().for_each(|(_, v)| count(v, &mut refs));
    // The dictionary `key` of `holder` refers to, when it is its only use.
    let take = |lo: &mut lopdf::Document, holder: &lopdf::Dictionary, key: &[u8]| {
        let r = holder.get(key).and_then(Object::as_reference).ok()?;
        if refs.get(&r) != Some(&1) || !matches!(lo.objects.get(&r), Some(Object::Dictionary(_))) {
            return None;
        }
        lo.objects.remove(&r)
    };
    let pages: Vec<lopdf::ObjectId> = lo
        .objects
        .iter()
        .filter(|(_, o)| {
            o.as_dict().and_then(|d| d.get(b"Type")).and_then(Object::as_name).is_ok_and(|n| n == b"Page")
        })
        .map(|(id, _)| *id)
        .collect();
    for page in pages {
        let Some(Object::Dictionary(mut d)) = lo.objects.remove(&page) else { continue };
        if let Some(Object::Dictionary(mut resources)) = take(lo, &d, b"Resources") {
            if let Some(fonts) = take(lo, &resources, b"Font") {
                resources.set("Font", fonts);
            }
            d.set("Resources", Object::Dictionary(resources));
        }
        lo.objects.insert(page, Object::Dictionary(d));
    }
}

/// Rewrites each `TJ` of the page contents whose array holds only strings
/// (printpdf writes one string per glyph, no adjustments between them) as a
/// `Tj` of those strings joined: the same glyphs at the same positions.
fn join_glyph_strings(lo: &mut lopdf::Document) {
    use lopdf::content::{Content, Operation};
    use lopdf::Object;
    let mut contents = Vec::new();
    for obj in lo.objects.values() {
        let Object::Dictionary(d) = obj else { continue };
        if !d.get(b"Type").and_then(Object::as_name).is_ok_and(|n| n == b"Page") {
            continue;
        }
        match d.get(b"Contents") {
            Ok(Object::Reference(r)) => contents.push(*r),
            Ok(Object::Array(list)) => contents.extend(list.iter().filter_map(|o| o.as_reference().ok())),
            _ => {}
        }
    }
    for id in contents {
        let Ok(Object::Stream(stream)) = lo.get_object_mut(id) else { continue };
        if stream.dict.has(b"Filter") {
            continue;
        }
        let Ok(mut content) = Content::decode(&stream.content) else { continue };
        let mut changed = false;
        for op in &mut content.operations {
            let joined = match (op.operator.as_str(), op.operands.as_slice()) {
                ("TJ", [Object::Array(parts)]) => parts.iter().try_fold(Vec::new(), |mut all, part| {
                    let Object::String(bytes, _) = part else { return None };
                    all.extend_from_slice(bytes);
                    Some(all)
                }),
                _ => None,
            };
            if let Some(bytes) = joined {
                *op = Operation::new("Tj", vec![Object::String(bytes, lopdf::StringFormat::Hexadecimal)]);
                changed = true;
            }
        }
        if changed {
            if let Ok(bytes) = content.encode() {
                stream.set_content(bytes);
            }
        }
    }
}

/// Deflates every stream not yet compressed (the page contents) with
/// libdeflate (see `font::Effort`), a little tighter than lopdf's own
/// `compress`.
fn compress_streams(lo: &mut lopdf::Document) {
    for obj in lo.objects.values_mut() {
        let lopdf::Object::Stream(stream) = obj else { continue };
        if stream.dict.has(b"Filter") {
            continue;
        }
        if let Some(short) = deflated(&stream.content, Effort::PerFile) {
            stream.set_content(short);
            stream.dict.set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
        }
    }
}

/// Stands for the file /ID until the file's hash is known (16 bytes, as
/// the identifier that replaces it).
const ID_PLACEHOLDER: &[u8; 16] = b"permit-forms-id!";

/// Replaces the two placeholder /ID strings of the trailer (the last two
/// occurrences: the cross-reference stream's dictionary ends the file) by `id`.
fn set_file_id(bytes: &mut [u8], id: &[u8]) -> Result<(), String> {
    let mut end = bytes.len();
    for _ in 0..2 {
        let at = bytes[..end]
            .windows(ID_PLACEHOLDER.len())
            .rposition(|w| w == ID_PLACEHOLDER)
            .ok_or_else(|| "文件标识写入失败".to_string())?;
        bytes[at..at + id.len()].copy_from_slice(id);
        end = at;
    }
    Ok(())
}

/// Shortens what printpdf writes for each composite font: the width array
/// keeps only widths that differ from the default width (most CJK glyphs
/// are the default 1000), in runs of consecutive CIDs, and the ToUnicode
/// CMap is rewritten as one list (printpdf writes a block per 256 codes and
/// comment lines). Both are the same mapping in fewer bytes.
fn compact_font_dicts(lo: &mut lopdf::Document, subsets: &[Arc<Subset>]) {
    use lopdf::Object;
    let mut to_unicode = Vec::new();
    let mut descendants = Vec::new();
    for obj in lo.objects.values_mut() {
        let Object::Dictionary(d) = obj else { continue };
        if !d.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Type0") {
            continue;
        }
        if let Ok(r) = d.get(b"ToUnicode").and_then(Object::as_reference) {
            let name = d.get(b"BaseFont").and_then(Object::as_name).unwrap_or_default();
            let subset =
                subsets.iter().find(|s| s.font.font_name.as_deref().is_some_and(|n| n.as_bytes() == name));
            to_unicode.push((r, subset));
        }
        if let Ok(Object::Array(list)) = d.get_mut(b"DescendantFonts") {
            for f in list.iter_mut() {
                match f {
                    Object::Dictionary(cid) => trim_widths(cid),
                    Object::Reference(r) => descendants.push(*r),
                    _ => {}
                }
            }
        }
    }
    for r in descendants {
        if let Ok(cid) = lo.get_object_mut(r).and_then(Object::as_dict_mut) {
            trim_widths(cid);
        }
    }
    for (r, subset) in to_unicode {
        let Ok(Object::Stream(stream)) = lo.get_object_mut(r) else { continue };
        let compact = |stream: &lopdf::Stream| {
            let text = match stream.dict.get(b"Filter") {
                Ok(_) => stream.decompressed_content().ok(),
                Err(_) => Some(stream.content.clone()),
            };
            text.and_then(|t| compact_cmap(&t)).and_then(|short| deflated(short.as_bytes(), Effort::Best))
        };
        let short = match subset.and_then(|s| s.to_unicode.as_ref()) {
            Some(whole) => Some(whole.clone()),
            None => compact(stream),
        };
        let Some(short) = short else { continue };
        stream.set_content(short);
        stream.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        stream.dict.remove(b"DecodeParms");
    }
}

/// The `/W` array of a CIDFont without the widths equal to `/DW`.
fn trim_widths(cid: &mut lopdf::Dictionary) {
    use lopdf::Object;
    let default = match cid.get(b"DW") {
        Ok(Object::Integer(w)) => *w as f32,
        Ok(Object::Real(w)) => *w,
        _ => return,
    };
    let Ok(Object::Array(w)) = cid.get(b"W") else { return };
    let number = |o: &Object| match o {
        Object::Integer(v) => Some(*v as f32),
        Object::Real(v) => Some(*v),
        _ => None,
    };
    // (CID, width) for every glyph; only the `c [w1 w2 …]` form is expected.
    let mut widths: Vec<(i64, Object)> = Vec::new();
    let mut i = 0;
    while i < w.len() {
        let (Some(Object::Integer(first)), Some(Object::Array(ws))) = (w.get(i), w.get(i + 1)) else {
            return;
        };
        for (k, v) in ws.iter().enumerate() {
            if number(v).is_none() {
                return;
            }
            widths.push((first + k as i64, v.clone()));
        }
        i += 2;
    }
    let mut out: Vec<Object> = Vec::new();
    let mut run: Vec<Object> = Vec::new();
    let mut next = i64::MIN;
    for (c, v) in widths {
        if number(&v).is_some_and(|x| (x - default).abs() < 0.5) {
            continue;
        }
        if c != next && !run.is_empty() {
            out.push(Object::Array(std::mem::take(&mut run)));
        }
        if run.is_empty() {
            out.push(Object::Integer(c));
        }
        run.push(v);
        next = c + 1;
    }
    if !run.is_empty() {
        out.push(Object::Array(run));
    }
    if out.is_empty() {
        cid.remove(b"W");
    } else {
        cid.set("W", Object::Array(out));
    }
}

/// A ToUnicode CMap holding the same single-code mappings as `cmap` in one
/// `bfchar` list, or `None` when `cmap` has anything else (ranges), which
/// is then kept.
fn compact_cmap(cmap: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(cmap).ok()?;
    if text.contains("beginbfrange") || text.contains("begincidrange") {
        return None;
    }
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("beginbfchar") {
        let block = &rest[at + "beginbfchar".len()..];
        let end = block.find("endbfchar")?;
        let mut hex = block[..end].split(['<', '>']).map(str::trim).filter(|t| !t.is_empty());
        while let Some(code) = hex.next() {
            pairs.push((code, hex.next()?));
        }
        rest = &block[end..];
    }
    if pairs.is_empty() {
        return None;
    }
    let pairs: Vec<(String, String)> =
        pairs.into_iter().map(|(c, u)| (c.to_string(), u.to_string())).collect();
    Some(cmap_text(&pairs))
}

/// Characters following each other (by code and by text) that a ToUnicode
/// CMap writes as one `bfrange` entry of their own inside a longer run.
const MIN_FOLLOWING: usize = 4;

/// A ToUnicode CMap mapping each code to its UTF-16 text (both as hex
/// digits). Runs of consecutive two-byte codes that share their first byte
/// are written as `bfrange` entries (one destination for a stretch whose
/// text runs on too, e.g. the digits, an array of them for the rest), the
/// other codes as `bfchar`; at most 100 entries a block, as the format
/// allows (Adobe Technical Note #5411).
pub(crate) fn cmap_text(pairs: &[(String, String)]) -> String {
    let mut out = String::from(
        "/CIDInit/ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo<</Registry(Adobe)/Ordering(UCS)/Supplement 0>>def\n\
         /CMapName/Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000><FFFF>\nendcodespacerange\n",
    );
    // A code, or a text of one UTF-16 unit, as a number (four hex digits).
    let code = |c: &str| if c.len() == 4 { u16::from_str_radix(c, 16).ok() } else { None };
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    if sorted.iter().all(|(c, _)| code(c).is_some()) {
        sorted.sort_by_key(|(c, _)| code(c));
        sorted.dedup_by_key(|(c, _)| code(c));
    }
    // Runs of consecutive codes with one first byte.
    let mut runs: Vec<Vec<&(String, String)>> = Vec::new();
    for pair in sorted {
        let joins = runs.last().and_then(|run| run.last()).is_some_and(|last| {
            matches!((code(&last.0), code(&pair.0)), (Some(a), Some(b)) if b == a.wrapping_add(1) && a >> 8 == b >> 8)
        });
        match runs.last_mut() {
            Some(run) if joins => run.push(pair),
            _ => runs.push(vec![pair]),
        }
    }
    // Each run in pieces: stretches whose characters follow each other in
    // single UTF-16 units whose last byte does not carry (one destination
    // covers them), and the codes between them (an array of destinations).
    let mut pieces: Vec<(&[&(String, String)], bool)> = Vec::new();
    for run in &runs {
        let (mut i, mut loose) = (0, 0);
        while i < run.len() {
            let mut n = 1;
            if let Some(s) = code(&run[i].1) {
                while i + n < run.len()
                    && usize::from(s & 0xFF) + n <= 0xFF
                    && code(&run[i + n].1) == s.checked_add(n as u16)
                {
                    n += 1;
                }
            }
            if n >= MIN_FOLLOWING || (n >= 2 && n == run.len()) {
                if loose < i {
                    pieces.push((&run[loose..i], false));
                }
                pieces.push((&run[i..i + n], true));
                i += n;
                loose = i;
            } else {
                i += 1;
            }
        }
        if loose < run.len() {
            pieces.push((&run[loose..], false));
        }
    }
    let (singles, ranges): (Vec<_>, Vec<_>) = pieces.into_iter().partition(|(p, _)| p.len() == 1);
    let singles: Vec<&(String, String)> = singles.into_iter().flat_map(|(p, _)| p.iter().copied()).collect();
    for chunk in singles.chunks(100) {
        out.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (code, unicode) in chunk {
            out.push_str(&format!("<{code}><{unicode}>\n"));
        }
        out.push_str("endbfchar\n");
    }
    for chunk in ranges.chunks(100) {
        out.push_str(&format!("{} beginbfrange\n", chunk.len()));
        for (run, follows) in chunk {
            let (first, last) = (&run[0].0, &run[run.len() - 1].0);
            if *follows {
                out.push_str(&format!("<{first}><{last}><{}>\n", run[0].1));
            } else {
                let all: String = run.iter().map(|(_, u)| format!("<{u}>")).collect();
                out.push_str(&format!("<{first}><{last}>[{all}]\n"));
            }
        }
        out.push_str("endbfrange\n");
    }
    out.push_str("endcmap\nCMapName currentdict/CMap defineresource pop\nend\nend\n");
    out
}
