//! Text measurement for layout: the advance widths of the body face the PDF
//! embeds, and line breaking by those widths. Layout sizes rows with it and
//! the PDF renderer draws the same lines, so what the layout reserved is what
//! is drawn.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The character map and advances of one face, in ems.
#[derive(Debug, Clone)]
pub struct Measure {
    /// Character → glyph id.
    cmap: BTreeMap<u32, u16>,
    /// Advance width per glyph id, in font units.
    advances: Vec<u16>,
    /// Advance in ems of every character of the Basic Multilingual Plane
    /// the face has (NaN where it has none), so layout and the renderers
    /// look advances up by index instead of searching the map.
    bmp: Vec<f32>,
    /// Font units per em.
    upem: f32,
    /// Ascender, in ems (positive).
    pub ascent: f32,
    /// Descender, in ems (positive, below the baseline).
    pub descent: f32,
}

impl Measure {
    /// Reads the metrics of face `index` of `bytes` (an sfnt or collection):
    /// its Unicode map (`cmap`), advances (`hmtx`), units per em (`head`) and
    /// ascender and descender (`hhea`), the tables printpdf reads for the
    /// PDF's widths (a test checks the two readings agree), without copying
    /// the face.
    ///
    /// # Errors
    /// A message when the face cannot be parsed or has no Unicode map.
    pub fn from_font(file: &str, bytes: &[u8], index: usize) -> Result<Measure, String> {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::tables::cmap::Cmap;
        use allsorts::tables::{FontTableProvider, HeadTable, HheaTable, HmtxTable, MaxpTable};
        use allsorts::tag;
        let bad = || format!("字体 {file} 无法解析");
        let font = ReadScope::new(bytes).read::<FontData<'_>>().map_err(|_| bad())?;
        let provider = font.table_provider(index).map_err(|_| bad())?;
        let table = |t| provider.read_table_data(t).map_err(|_| bad());
        let head = table(tag::HEAD)?;
        let head = ReadScope::new(&head).read::<HeadTable>().map_err(|_| bad())?;
        let maxp = table(tag::MAXP)?;
        let maxp = ReadScope::new(&maxp).read::<MaxpTable>().map_err(|_| bad())?;
        let hhea = table(tag::HHEA)?;
        let hhea = ReadScope::new(&hhea).read::<HheaTable>().map_err(|_| bad())?;
        let mut cmap = BTreeMap::new();
        if let Ok(data) = provider.read_table_data(tag::CMAP) {
            let sub = ReadScope::new(&data)
                .read::<Cmap<'_>>()
                .ok()
                .and_then(|c| allsorts::font::read_cmap_subtable(&c).ok().flatten());
            if let Some((_, sub)) = sub {
                let _ = sub.mappings_fn(|cp, gid| {
                    cmap.insert(cp, gid);
                });
            }
        }
        if cmap.is_empty() {
            return Err(format!("字体 {file} 没有 Unicode 字符映射"));
        }
        let mut advances = Vec::new();
        if let Ok(data) = provider.read_table_data(tag::HMTX) {
            let hmtx = ReadScope::new(&data)
                .read_dep::<HmtxTable<'_>>((usize::from(maxp.num_glyphs), usize::from(hhea.num_h_metrics)))
                .map_err(|_| bad())?;
            advances = (0..maxp.num_glyphs).map(|g| hmtx.horizontal_advance(g).unwrap_or(0)).collect();
        }
        let upem = f32::from(head.units_per_em.max(1));
        Ok(Self::with_bmp(Measure {
            cmap,
            advances,
            bmp: Vec::new(),
            upem,
            ascent: f32::from(hhea.ascender) / upem,
            descent: (f32::from(hhea.descender) / upem).abs(),
        }))
    }

    /// `m` with its Basic Multilingual Plane table filled from its map.
    fn with_bmp(mut m: Measure) -> Measure {
        let mut bmp = vec![f32::NAN; 0x1_0000];
        for (&c, _) in m.cmap.range(..0x1_0000) {
            bmp[c as usize] = m.mapped_advance(c).unwrap_or(f32::NAN);
        }
        m.bmp = bmp;
        m
    }

    /// The metrics of the embedded body face, read once per process.
    pub fn embedded() -> &'static Measure {
        static M: OnceLock<Measure> = OnceLock::new();
        M.get_or_init(|| {
            use crate::template_file::{BODY_FONT_FILE, EMBEDDED_FONTS};
            let (name, bytes) = EMBEDDED_FONTS
                .iter()
                .find(|(n, _)| *n == BODY_FONT_FILE)
                .copied()
                .unwrap_or(EMBEDDED_FONTS[0]);
            // The embedded face is checked by the tests; a broken build of it
            // falls back to estimates rather than failing layout.
            Measure::from_font(name, bytes, 0).unwrap_or_else(|_| Measure::estimate())
        })
    }

    /// The metrics of the embedded body face when `bytes` are that face
    /// (the default templates, or a template folder holding a copy of it)
    /// and it was read, so the PDF renderer does not parse the same 7 MB
    /// face a second time. Comparing the bytes takes about a millisecond.
    pub(crate) fn embedded_for(bytes: &[u8]) -> Option<&'static Measure> {
        use crate::template_file::{BODY_FONT_FILE, EMBEDDED_FONTS};
        let (_, body) = EMBEDDED_FONTS.iter().find(|(n, _)| *n == BODY_FONT_FILE)?;
        let same = *body == bytes;
        let m = Measure::embedded();
        (same && !m.cmap.is_empty()).then_some(m)
    }

    /// Estimated metrics (ideographs one em, ASCII half), for when no face
    /// can be read.
    fn estimate() -> Measure {
        Measure {
            cmap: BTreeMap::new(),
            advances: Vec::new(),
            bmp: Vec::new(),
            upem: 1000.0,
            ascent: 0.88,
            descent: 0.12,
        }
    }

    /// Character → glyph id of the face.
    pub(crate) fn glyph(&self, c: char) -> Option<u16> {
        self.cmap.get(&(c as u32)).copied()
    }

    /// Whether the face has a glyph for `c`.
    pub fn has(&self, c: char) -> bool {
        self.cmap.contains_key(&(c as u32))
    }

    /// Advance of `c` in ems (an estimate for characters the face lacks).
    pub fn advance(&self, c: char) -> f32 {
        let known = match self.bmp.get(c as usize) {
            Some(a) => (!a.is_nan()).then_some(*a),
            None => self.mapped_advance(c as u32),
        };
        match known {
            Some(a) => a,
            None if c.is_whitespace() && (c as u32) < 0x2E80 => 0.25,
            None => {
                if (c as u32) < 0x2E80 {
                    0.55
                } else {
                    1.0
                }
            }
        }
    }

    /// Advance in ems of code point `c` by the face's map, if it has it.
    fn mapped_advance(&self, c: u32) -> Option<f32> {
        self.cmap.get(&c).and_then(|g| self.advances.get(usize::from(*g))).map(|w| f32::from(*w) / self.upem)
    }

    /// Width of `text` in points at `size`.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}

/// Longest parenthesised group (characters inside, with the closing one)
/// kept on one line.
const SHORT_GROUP: usize = 5;

/// Characters that must not start a line.
pub(crate) fn is_closing(c: char) -> bool {
    "，。、）；：”’！？》」』】〕〉…—·%)]}>,.;:!?".contains(c)
}

/// Characters that must not end a line.
pub(crate) fn is_opening(c: char) -> bool {
    "（“‘《「『【〔〈([{<".contains(c)
}

/// ASCII characters that glue to their neighbours (words, numbers, phone numbers).
fn is_word(c: char) -> bool {
    c.is_ascii_graphic()
}

/// Characters that glue to a number before them: 2017年, 6月, 30日, 50%.
fn is_unit(c: char) -> bool {
    "年月日号时分秒个家批次项".contains(c)
}

/// Whether a line may break between `a` and `b`.
fn may_break(a: char, b: char) -> bool {
    if b == ' ' || is_closing(b) || is_opening(a) {
        return false;
    }
    if a == ' ' {
        return true;
    }
    // Keep a number with its unit, and a unit with the number after it when
    // they form one date (2017年3月: 年 and 3 stay together).
    if a.is_ascii_digit() && is_unit(b) {
        return false;
    }
    if "年月".contains(a) && b.is_ascii_digit() {
        return false;
    }
    !(is_word(a) && is_word(b))
}

/// Splits `text` into lines no wider than `width` points at `size`; `\n`
/// always breaks. An empty text gives no lines.
pub fn wrap(m: &Measure, text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    if text.is_empty() {
        return lines;
    }
    for para in text.split('\n') {
        let para = para.trim_end();
        let chars: Vec<char> = para.chars().collect();
        // A short parenthesis such as （若有） stays whole.
        let mut inside = vec![false; chars.len()];
        for (i, &c) in chars.iter().enumerate() {
            let close = match c {
                '（' => '）',
                '(' => ')',
                _ => continue,
            };
            if let Some(j) = chars[i + 1..].iter().take(SHORT_GROUP).position(|&d| d == close) {
                inside[i + 1..=i + 1 + j].iter_mut().for_each(|g| *g = true);
            }
        }
        // Units that must stay on one line, as ranges of `chars`.
        let mut units: Vec<std::ops::Range<usize>> = Vec::new();
        for (i, &c) in chars.iter().enumerate() {
            match units.last_mut() {
                Some(u) if i > 0 && (inside[i] || !may_break(chars[i - 1], c)) => u.end = i + 1,
                _ => units.push(i..i + 1),
            }
        }
        // Width as `Measure::width` sums it: advances in ems, then the size.
        let width_of = |r: &[char]| r.iter().map(|&c| m.advance(c)).sum::<f32>() * size;
        let mut line = String::new();
        let mut line_w = 0.0;
        for unit in units {
            let unit = &chars[unit];
            let w = width_of(unit);
            if line_w + w <= width + 0.01 || line.is_empty() && w <= width + 0.01 {
                line.extend(unit);
                line_w += w;
                continue;
            }
            if !line.trim().is_empty() {
                lines.push(line.trim_end().to_string());
            }
            line = String::new();
            line_w = 0.0;
            let lead = unit.iter().take_while(|c| c.is_whitespace()).count();
            let unit = &unit[lead..];
            let w = width_of(unit);
            if w <= width + 0.01 {
                line.extend(unit);
                line_w = w;
            } else {
                // A unit wider than the line: break it anywhere.
                for &c in unit {
                    let cw = m.advance(c) * size;
                    if line_w + cw > width + 0.01 && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                    }
                    line.push(c);
                    line_w += cw;
                }
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use printpdf::ParsedFont;

    impl Measure {
        /// The metrics as printpdf reads them from its parsed face (whose
        /// widths the PDF's `/W` gives): the reference [`Measure::from_font`]
        /// must agree with.
        fn from_parsed(file: &str, parsed: &ParsedFont) -> Result<Measure, String> {
            if parsed.codepoint_to_glyph.is_empty() {
                return Err(format!("字体 {file} 没有 Unicode 字符映射"));
            }
            let upem = f32::from(parsed.units_per_em.max(1));
            let count = parsed.glyph_widths.keys().next_back().map_or(0, |g| usize::from(*g) + 1);
            let mut advances = vec![0u16; count];
            for (gid, w) in &parsed.glyph_widths {
                advances[usize::from(*gid)] = *w;
            }
            Ok(Self::with_bmp(Measure {
                cmap: parsed.codepoint_to_glyph.clone(),
                advances,
                bmp: Vec::new(),
                upem,
                ascent: f32::from(parsed.font_metrics.ascent) / upem,
                descent: (f32::from(parsed.font_metrics.descent) / upem).abs(),
            }))
        }
    }

    /// Reading the tables directly gives what reading them through the PDF
    /// library's parsed face gives, for every embedded face.
    #[test]
    fn direct_read_equals_the_parsed_face() {
        for (name, bytes) in crate::template_file::EMBEDDED_FONTS {
            let direct = Measure::from_font(name, bytes, 0).unwrap();
            let parsed = ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).unwrap();
            let via = Measure::from_parsed(name, &parsed).unwrap();
            assert_eq!(direct.cmap, via.cmap, "{name}");
            assert_eq!(direct.advances, via.advances, "{name}");
            assert_eq!(
                (direct.upem, direct.ascent, direct.descent),
                (via.upem, via.ascent, via.descent),
                "{name}"
            );
            let bits = |m: &Measure| m.bmp.iter().map(|a| a.to_bits()).collect::<Vec<_>>();
            assert!(bits(&direct) == bits(&via), "{name}: BMP advances");
        }
    }

    /// The embedded body face's metrics serve a copy of its bytes (a
    /// template folder shipping the same face); any other face is read.
    #[test]
    fn embedded_metrics_serve_the_same_bytes_only() {
        use crate::template_file::{BODY_FONT_FILE, EMBEDDED_FONTS};
        for (name, bytes) in EMBEDDED_FONTS {
            let copy = bytes.to_vec();
            let got = Measure::embedded_for(&copy);
            if *name == BODY_FONT_FILE {
                assert!(got.is_some_and(|m| std::ptr::eq(m, Measure::embedded())), "{name}");
            } else {
                assert!(got.is_none(), "{name}");
            }
        }
        let mut changed = EMBEDDED_FONTS.iter().find(|(n, _)| *n == BODY_FONT_FILE).unwrap().1.to_vec();
        *changed.last_mut().unwrap() ^= 1;
        assert!(Measure::embedded_for(&changed).is_none());
    }
}
