//! The embedded face: parsed once (character map, advances), measured while
//! laying out, and cut down per document to the glyphs that document uses.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{subset, CmapTarget, SubsetProfile};
use printpdf::ParsedFont;

use crate::form::measure::Measure;
use crate::memo::Memo;
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
    cache: Memo<BTreeSet<char>, Arc<Subset>>,
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
    /// The font program as it is embedded, deflated: the subset's CFF
    /// compacted (see `cff`), the one `font` was parsed from. `None` when
    /// the CFF cannot be read that way; printpdf's program of the plain
    /// subset is kept then.
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
            None => Cow::Owned(Measure::from_font(file, &bytes, index)?),
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
            cache: Memo::new(SUBSET_CACHE_LIMIT),
        })
    }

    /// The face reduced to the glyphs of `chars` (which it must all have).
    /// The subset tag is derived from the characters, so equal input gives
    /// equal bytes.
    pub fn subset(&self, chars: &BTreeSet<char>) -> Result<Arc<Subset>, String> {
        if let Some(hit) = self.cache.get(chars) {
            return Ok(hit);
        }
        let made = Arc::new(self.make_subset(chars)?);
        self.cache.insert(chars.clone(), Arc::clone(&made));
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
        // With its CFF compacted the subset numbers its CIDs as its glyphs;
        // printpdf reads them from the font it is given, so the content
        // stream, /W and ToUnicode follow the program that is embedded.
        let (bytes, program) = match compact_program(&bytes) {
            Some((otf, program)) => (otf, Some(program)),
            None => (bytes, None),
        };
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
        let to_unicode =
            to_unicode_cmap(&bytes, &glyphs).and_then(|cmap| deflated(cmap.as_bytes(), Effort::Best));
        Ok(Subset { font, glyphs, program, to_unicode })
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

/// The sfnt `otf` with its CFF table compacted (see `cff`), and that CFF
/// deflated, ready to embed.
fn compact_program(otf: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    use allsorts::tables::FontTableProvider;
    let data = ReadScope::new(otf).read::<FontData<'_>>().ok()?;
    let provider = data.table_provider(0).ok()?;
    let cff = provider.read_table_data(allsorts::tag::CFF).ok()?;
    let compact = super::cff::compact(&cff)?;
    let font = with_table(otf, allsorts::tag::CFF, &compact)?;
    Some((font, deflated(&compact, Effort::Best)?))
}

/// Checksum of an sfnt table (OpenType, "Calculating checksums").
fn table_checksum(table: &[u8]) -> u32 {
    table.chunks(4).fold(0u32, |sum, c| {
        let mut word = [0u8; 4];
        word[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// The single-face sfnt `otf` with table `tag` replaced by `table`, its
/// tables laid out again in directory order, checksums recomputed.
fn with_table(otf: &[u8], tag: u32, table: &[u8]) -> Option<Vec<u8>> {
    let count = usize::from(u16::from_be_bytes([*otf.get(4)?, *otf.get(5)?]));
    let dir_end = 12 + 16 * count;
    let mut tables = Vec::with_capacity(count);
    for i in 0..count {
        let rec = otf.get(12 + 16 * i..12 + 16 * (i + 1))?;
        let word = |k: usize| u32::from_be_bytes([rec[k], rec[k + 1], rec[k + 2], rec[k + 3]]);
        let (t, offset, len) = (word(0), usize::try_from(word(8)).ok()?, usize::try_from(word(12)).ok()?);
        let data = if t == tag { table } else { otf.get(offset..offset.checked_add(len)?)? };
        tables.push((t, data.to_vec()));
    }
    if !tables.iter().any(|(t, _)| *t == tag) {
        return None;
    }
    let mut out = otf.get(..dir_end)?.to_vec();
    let mut head_at = None;
    for (i, (t, data)) in tables.iter_mut().enumerate() {
        if *t == allsorts::tag::HEAD {
            // checkSumAdjustment counts as 0 while summing.
            data.get_mut(8..12)?.fill(0);
            head_at = Some(out.len());
        }
        let rec = 12 + 16 * i;
        out[rec + 4..rec + 8].copy_from_slice(&table_checksum(data).to_be_bytes());
        let at = u32::try_from(out.len()).ok()?;
        out[rec + 8..rec + 12].copy_from_slice(&at.to_be_bytes());
        out[rec + 12..rec + 16].copy_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    if let Some(at) = head_at {
        let adjust = 0xB1B0_AFBAu32.wrapping_sub(table_checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjust.to_be_bytes());
    }
    Some(out)
}

/// How hard libdeflate tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effort {
    /// Level 12, for what is made once per font subset (font programs,
    /// ToUnicode maps): a font program comes out about 1% smaller than
    /// flate2 at its best, in about a millisecond.
    Best,
    /// Level 10, for what every file has of its own (page contents): within
    /// a few bytes of level 12 in a third of the time.
    PerFile,
}

/// `bytes` deflated as a PDF stream's FlateDecode wants them (zlib format)
/// with `effort`, or `None` when that would not make them shorter.
pub(crate) fn deflated(bytes: &[u8], effort: Effort) -> Option<Vec<u8>> {
    use libdeflater::{CompressionLvl, Compressor};
    thread_local! {
        static COMPRESSORS: std::cell::RefCell<[Option<Compressor>; 2]> =
            const { std::cell::RefCell::new([None, None]) };
    }
    COMPRESSORS.with(|cell| {
        let mut cell = cell.borrow_mut();
        let (slot, level) = match effort {
            Effort::Best => (0, CompressionLvl::best()),
            Effort::PerFile => (1, CompressionLvl::new(10).ok()?),
        };
        let compressor = cell[slot].get_or_insert_with(|| Compressor::new(level));
        let mut out = vec![0; compressor.zlib_compress_bound(bytes.len())];
        let n = compressor.zlib_compress(bytes, &mut out).ok()?;
        // "/Filter/FlateDecode" costs 19 bytes of the stream's dictionary.
        (n + 19 < bytes.len()).then(|| {
            out.truncate(n);
            out
        })
    })
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
