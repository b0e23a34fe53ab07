//! The embedded face: parsed once (character map, advances), measured while
//! laying out, and cut down per document to the glyphs that document uses.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{subset, CmapTarget, SubsetProfile};
use printpdf::ParsedFont;

use crate::form::measure::Measure;
use sha2::{Digest, Sha256};

/// One font face, parsed once and shared read-only.
#[derive(Debug)]
pub(crate) struct Face {
    /// The sfnt bytes (a single face).
    bytes: Cow<'static, [u8]>,
    /// Face index inside `bytes` (0 unless a collection).
    index: usize,
    /// Character map, advances, ascent and descent (what layout measures
    /// with; borrowed from layout's own copy for the embedded body face).
    metrics: Cow<'static, Measure>,
    /// PostScript-style name written to the PDF (after the subset tag).
    name: String,
    /// Subsets already made in this run, by character set: the forms of one
    /// region share theirs, and cutting a 20,000-glyph face is the costliest
    /// step of a PDF.
    cache: Mutex<HashMap<BTreeSet<char>, Arc<Subset>>>,
}

impl std::ops::Deref for Face {
    type Target = Measure;
    fn deref(&self) -> &Measure {
        &self.metrics
    }
}

/// Subsets kept per face; past this the cache is cleared (a report run
/// makes few, a generate run about two per region).
const SUBSET_CACHE_LIMIT: usize = 512;

/// A face cut down to the glyphs of one document.
#[derive(Debug)]
pub(crate) struct Subset {
    /// Parsed subset, ready for printpdf (its name carries the subset tag).
    pub font: ParsedFont,
    /// Character → glyph id in the subset.
    pub glyphs: BTreeMap<char, u16>,
    /// The font program as it is embedded, deflated: the subset's CFF with
    /// its subroutines inlined (see `cff`). `None` when the CFF cannot be
    /// read that way; printpdf's program is kept then.
    pub program: Option<Vec<u8>>,
    /// The ToUnicode CMap of the whole subset (every character it holds, by
    /// the codes printpdf writes: the CFF charset's CIDs), deflated. Every
    /// document using the subset gets it, in place of printpdf's map of the
    /// characters that document draws.
    pub to_unicode: Option<Vec<u8>>,
}

impl Face {
    /// Parses `bytes` (face `index` of a collection, else 0).
    pub fn parse(file: &str, bytes: Cow<'static, [u8]>, index: usize) -> Result<Face, String> {
        let metrics = match Measure::embedded_for(&bytes).filter(|_| index == 0) {
            Some(m) => Cow::Borrowed(m),
            None => {
                let mut warnings = Vec::new();
                let parsed = ParsedFont::from_bytes(&bytes, index, &mut warnings)
                    .ok_or_else(|| format!("字体 {file} 无法解析"))?;
                Cow::Owned(Measure::from_parsed(file, &parsed)?)
            }
        };
        let stem: String = file
            .rsplit_once('.')
            .map_or(file, |(s, _)| s)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        Ok(Face {
            metrics,
            name: if stem.is_empty() { "Font".into() } else { stem },
            bytes,
            index,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The face reduced to the glyphs of `chars` (which it must all have).
    /// The subset tag is derived from the characters, so equal input gives
    /// equal bytes.
    pub fn subset(&self, chars: &BTreeSet<char>) -> Result<Arc<Subset>, String> {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(chars).cloned()) {
            return Ok(hit);
        }
        let made = Arc::new(self.make_subset(chars)?);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= SUBSET_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(chars.clone(), Arc::clone(&made));
        }
        Ok(made)
    }

    fn make_subset(&self, chars: &BTreeSet<char>) -> Result<Subset, String> {
        let scope = ReadScope::new(&self.bytes);
        let data = scope.read::<FontData<'_>>().map_err(|e| e.to_string())?;
        let provider = data.table_provider(self.index).map_err(|e| e.to_string())?;
        // allsorts wants .notdef first and no duplicates; the subset numbers
        // glyphs by their position in this list.
        let mut old: Vec<u16> = chars.iter().filter_map(|c| self.metrics.glyph(*c)).collect();
        old.sort_unstable();
        old.dedup();
        old.retain(|g| *g != 0);
        let ids: Vec<u16> = std::iter::once(0).chain(old.iter().copied()).collect();
        let bytes =
            subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode).map_err(|e| e.to_string())?;
        let new_of: BTreeMap<u16, u16> =
            ids.iter().enumerate().map(|(i, g)| (*g, u16::try_from(i).unwrap_or(0))).collect();
        let glyphs = chars
            .iter()
            .filter_map(|c| {
                let g = self.metrics.glyph(*c)?;
                Some((*c, *new_of.get(&g)?))
            })
            .collect();
        let mut warnings = Vec::new();
        let mut font =
            ParsedFont::from_bytes(&bytes, 0, &mut warnings).ok_or_else(|| "字体子集无法解析".to_string())?;
        font.font_name = Some(format!("{}+{}", tag(chars), self.name));
        let to_unicode = to_unicode_cmap(&bytes, &glyphs).and_then(|cmap| deflated(cmap.into_bytes()));
        Ok(Subset { font, glyphs, program: flat_program(&bytes), to_unicode })
    }
}

/// The ToUnicode CMap of subset `otf` for `glyphs` (character → glyph id),
/// keyed as printpdf keys the content stream: by the CID the CFF charset
/// gives each glyph, or by glyph id when the font has no such charset. A
/// glyph drawn for several characters maps to the first of them.
fn to_unicode_cmap(otf: &[u8], glyphs: &BTreeMap<char, u16>) -> Option<String> {
    let cids = printpdf::font::cff_charset_gid_to_cid_map(otf, 0);
    let mut codes: BTreeMap<u16, char> = BTreeMap::new();
    for (&ch, &gid) in glyphs {
        let code = match &cids {
            Some(map) => *map.get(&gid)?,
            None => gid,
        };
        codes.entry(code).or_insert(ch);
    }
    let pairs: Vec<(String, String)> = codes
        .into_iter()
        .map(|(code, ch)| {
            let mut utf16 = [0u16; 2];
            let unicode: String = ch.encode_utf16(&mut utf16).iter().map(|u| format!("{u:04X}")).collect();
            (format!("{code:04X}"), unicode)
        })
        .collect();
    Some(super::canvas::cmap_text(&pairs))
}

/// The CFF table of the sfnt `otf` with its subroutines inlined, deflated.
fn flat_program(otf: &[u8]) -> Option<Vec<u8>> {
    use allsorts::tables::FontTableProvider;
    let data = ReadScope::new(otf).read::<FontData<'_>>().ok()?;
    let provider = data.table_provider(0).ok()?;
    let cff = provider.read_table_data(allsorts::tag::CFF).ok()?;
    let plain = super::cff::desubroutinize(&cff)?;
    deflated(plain)
}

/// `bytes` deflated as a PDF stream's FlateDecode wants them, or `None`
/// when compression did not apply.
pub(crate) fn deflated(bytes: Vec<u8>) -> Option<Vec<u8>> {
    let mut s = lopdf::Stream::new(lopdf::Dictionary::new(), bytes);
    s.compress().ok()?;
    // Only a stream that really was deflated is used as one.
    s.dict.get(b"Filter").ok()?;
    Some(s.content)
}

/// Six capital letters naming a subset (ISO 32000-1, 9.6.4), from its characters.
fn tag(chars: &BTreeSet<char>) -> String {
    let s: String = chars.iter().collect();
    let digest = Sha256::digest(s.as_bytes());
    digest.iter().take(6).map(|b| char::from(b'A' + b % 26)).collect()
}

/// How a run of text is to be drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// Body text in the serif face.
    Regular,
    /// Titles, headings and bold cells: the sans face (黑体) when it has every
    /// character of the text, else the serif face; thickened either way.
    Strong,
}

/// The faces of a run: the serif body face and the optional sans title face.
#[derive(Debug)]
pub(crate) struct Fonts {
    /// Body face; every text must be drawable in it.
    pub serif: Face,
    /// Title face (smaller character set).
    pub sans: Option<Face>,
}

/// A face chosen for one text: which font slot of the PDF, and whether to
/// thicken the strokes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pen<'a> {
    /// The face.
    pub face: &'a Face,
    /// 0 = serif, 1 = sans.
    pub slot: usize,
    /// Drawn with fill and stroke, standing in for a bold face.
    pub bold: bool,
}

impl Fonts {
    /// The faces by slot.
    pub fn slots(&self) -> Vec<&Face> {
        std::iter::once(&self.serif).chain(self.sans.as_ref()).collect()
    }

    /// The pen for `text` in `style`.
    pub fn pen(&self, style: Style, text: &str) -> Pen<'_> {
        let regular = Pen { face: &self.serif, slot: 0, bold: false };
        match (style, &self.sans) {
            (Style::Regular, _) => regular,
            (Style::Strong, Some(s)) if text.chars().all(|c| c.is_whitespace() || s.has(c)) => {
                // Thickened a little: 黑体 is heavier than the Regular face.
                Pen { face: s, slot: 1, bold: true }
            }
            (Style::Strong, _) => Pen { bold: true, ..regular },
        }
    }
}
