//! The WordprocessingML content models the package post-pass enforces, as
//! data: for each container element, the order in which the Office schemas
//! (ECMA-376 transitional, as Word 2019 validates it) want its children.
//!
//! One table serves every context an element name occurs in: where the
//! schema has several types for one name (`w:rPr` of a run, of a paragraph
//! mark, of a style, of a numbering level), their sequences agree, and the
//! row lists the union in that common order. Alternatives the schema leaves
//! in any order (`xsd:choice`) share a position, written `a|b`.
//!
//! Names are qualified with the prefixes docx-rs writes (`w:` for the main
//! namespace, `w14:`/`w15:` for the Office extensions), since the pass only
//! ever reads docx-rs' own output.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// Container element → its children in schema order.
pub(super) const SEQUENCES: &[(&str, &[&str])] = &[
    // CT_RPr, CT_ParaRPr, CT_RPrList, CT_RPrStyle, CT_RPrBaseStyleable
    // (EG_RPrBase with the paragraph-mark revisions in front).
    (
        "w:rPr",
        &[
            "w:ins",
            "w:del",
            "w:moveFrom",
            "w:moveTo",
            "w14:conflictIns|w14:conflictDel",
            "w:rStyle",
            "w:rFonts",
            "w:b",
            "w:bCs",
            "w:i",
            "w:iCs",
            "w:caps",
            "w:smallCaps",
            "w:strike",
            "w:dstrike",
            "w:outline",
            "w:shadow",
            "w:emboss",
            "w:imprint",
            "w:noProof",
            "w:snapToGrid",
            "w:vanish",
            "w:webHidden",
            "w:color",
            "w:spacing",
            "w:w",
            "w:kern",
            "w:position",
            "w:sz",
            "w:szCs",
            "w:highlight",
            "w:u",
            "w:effect",
            "w:bdr",
            "w:shd",
            "w:fitText",
            "w:vertAlign",
            "w:rtl",
            "w:cs",
            "w:em",
            "w:lang",
            "w:eastAsianLayout",
            "w:specVanish",
            "w14:glow",
            "w14:shadow",
            "w14:reflection",
            "w14:textOutline",
            "w14:textFill",
            "w14:scene3d",
            "w14:props3d",
            "w14:ligatures",
            "w14:numForm",
            "w14:numSpacing",
            "w14:stylisticSets",
            "w14:cntxtAlts",
            "w:oMath",
            "w:rPrChange",
        ],
    ),
    // CT_PPr (CT_PPrBase, then the paragraph mark, section and revision);
    // CT_PPrBase, CT_PPrGeneral and CT_PPrStyle are its prefixes.
    (
        "w:pPr",
        &[
            "w:pStyle",
            "w:keepNext",
            "w:keepLines",
            "w:pageBreakBefore",
            "w:framePr",
            "w:widowControl",
            "w:numPr",
            "w:suppressLineNumbers",
            "w:pBdr",
            "w:shd",
            "w:tabs",
            "w:suppressAutoHyphens",
            "w:kinsoku",
            "w:wordWrap",
            "w:overflowPunct",
            "w:topLinePunct",
            "w:autoSpaceDE",
            "w:autoSpaceDN",
            "w:bidi",
            "w:adjustRightInd",
            "w:snapToGrid",
            "w:spacing",
            "w:ind",
            "w:contextualSpacing",
            "w:mirrorIndents",
            "w:suppressOverlap",
            "w:jc",
            "w:textDirection",
            "w:textAlignment",
            "w:textboxTightWrap",
            "w:outlineLvl",
            "w:divId",
            "w:cnfStyle",
            "w:rPr",
            "w:sectPr",
            "w:pPrChange",
        ],
    ),
    // CT_TblPr (CT_TblPrBase, then the revision).
    (
        "w:tblPr",
        &[
            "w:tblStyle",
            "w:tblpPr",
            "w:tblOverlap",
            "w:bidiVisual",
            "w:tblStyleRowBandSize",
            "w:tblStyleColBandSize",
            "w:tblW",
            "w:jc",
            "w:tblCellSpacing",
            "w:tblInd",
            "w:tblBorders",
            "w:shd",
            "w:tblLayout",
            "w:tblCellMar",
            "w:tblLook",
            "w:tblCaption",
            "w:tblDescription",
            "w:tblPrChange",
        ],
    ),
    // CT_TrPr: the row properties in any order, then the revisions.
    (
        "w:trPr",
        &[
            "w:cnfStyle|w:divId|w:gridBefore|w:gridAfter|w:wBefore|w:wAfter|w:trHeight\
             |w:hidden|w:cantSplit|w:tblHeader|w:tblCellSpacing|w:jc",
            "w:ins",
            "w:del",
            "w:trPrChange",
            "w14:conflictIns|w14:conflictDel",
        ],
    ),
    // CT_TcPr.
    (
        "w:tcPr",
        &[
            "w:cnfStyle",
            "w:tcW",
            "w:gridSpan",
            "w:hMerge",
            "w:vMerge",
            "w:tcBorders",
            "w:shd",
            "w:noWrap",
            "w:tcMar",
            "w:textDirection",
            "w:tcFitText",
            "w:vAlign",
            "w:hideMark",
            "w:headers",
            "w:cellIns|w:cellDel|w:cellMerge",
            "w:tcPrChange",
        ],
    ),
    // CT_Tbl: range markup may precede the properties; rows and other
    // content follow the grid.
    ("w:tbl", &["w:tblPr", "w:tblGrid", "w:tr"]),
    // CT_TblGrid.
    ("w:tblGrid", &["w:gridCol", "w:tblGridChange"]),
    // CT_TblBorders, CT_TcBorders, CT_PBdr, CT_TblCellMar, CT_TcMar.
    (
        "w:tblBorders",
        &["w:top", "w:left", "w:start", "w:bottom", "w:right", "w:end", "w:insideH", "w:insideV"],
    ),
    (
        "w:tcBorders",
        &[
            "w:top",
            "w:left",
            "w:start",
            "w:bottom",
            "w:right",
            "w:end",
            "w:insideH",
            "w:insideV",
            "w:tl2br",
            "w:tr2bl",
        ],
    ),
    ("w:pBdr", &["w:top", "w:left", "w:bottom", "w:right", "w:between", "w:bar"]),
    ("w:tblCellMar", &["w:top", "w:left", "w:start", "w:bottom", "w:right", "w:end"]),
    ("w:tcMar", &["w:top", "w:left", "w:start", "w:bottom", "w:right", "w:end"]),
    // CT_NumPr.
    ("w:numPr", &["w:ilvl", "w:numId", "w:numberingChange", "w:ins"]),
    // CT_SectPr: header and footer references in any order, then the
    // section properties.
    (
        "w:sectPr",
        &[
            "w:headerReference|w:footerReference",
            "w:footnotePr",
            "w:endnotePr",
            "w:type",
            "w:pgSz",
            "w:pgMar",
            "w:paperSrc",
            "w:pgBorders",
            "w:lnNumType",
            "w:pgNumType",
            "w:cols",
            "w:formProt",
            "w:vAlign",
            "w:noEndnote",
            "w:titlePg",
            "w:textDirection",
            "w:bidi",
            "w:rtlGutter",
            "w:docGrid",
            "w:printerSettings",
            "w15:footnoteColumns",
            "w:sectPrChange",
        ],
    ),
    // CT_Styles, CT_DocDefaults, CT_Style, CT_TblStylePr.
    ("w:styles", &["w:docDefaults", "w:latentStyles", "w:style"]),
    ("w:docDefaults", &["w:rPrDefault", "w:pPrDefault"]),
    (
        "w:style",
        &[
            "w:name",
            "w:aliases",
            "w:basedOn",
            "w:next",
            "w:link",
            "w:autoRedefine",
            "w:hidden",
            "w:uiPriority",
            "w:semiHidden",
            "w:unhideWhenUsed",
            "w:qFormat",
            "w:locked",
            "w:personal",
            "w:personalCompose",
            "w:personalReply",
            "w:rsid",
            "w:pPr",
            "w:rPr",
            "w:tblPr",
            "w:trPr",
            "w:tcPr",
            "w:tblStylePr",
        ],
    ),
    ("w:tblStylePr", &["w:pPr", "w:rPr", "w:tblPr", "w:trPr", "w:tcPr"]),
    // CT_Numbering, CT_AbstractNum, CT_Lvl, CT_Num.
    ("w:numbering", &["w:numPicBullet", "w:abstractNum", "w:num", "w:numIdMacAtCleanup"]),
    (
        "w:abstractNum",
        &["w:nsid", "w:multiLevelType", "w:tmpl", "w:name", "w:styleLink", "w:numStyleLink", "w:lvl"],
    ),
    (
        "w:lvl",
        &[
            "w:start",
            "w:numFmt",
            "w:lvlRestart",
            "w:pStyle",
            "w:isLgl",
            "w:suff",
            "w:lvlText",
            "w:lvlPicBulletId",
            "w:legacy",
            "w:lvlJc",
            "w:pPr",
            "w:rPr",
        ],
    ),
    ("w:num", &["w:abstractNumId", "w:lvlOverride"]),
    // CT_Font (font table).
    (
        "w:font",
        &[
            "w:altName",
            "w:panose1",
            "w:charset",
            "w:family",
            "w:notTrueType",
            "w:pitch",
            "w:sig",
            "w:embedRegular",
            "w:embedBold",
            "w:embedItalic",
            "w:embedBoldItalic",
        ],
    ),
    // CT_Settings.
    (
        "w:settings",
        &[
            "w:writeProtection",
            "w:view",
            "w:zoom",
            "w:removePersonalInformation",
            "w:removeDateAndTime",
            "w:doNotDisplayPageBoundaries",
            "w:displayBackgroundShape",
            "w:printPostScriptOverText",
            "w:printFractionalCharacterWidth",
            "w:printFormsData",
            "w:embedTrueTypeFonts",
            "w:embedSystemFonts",
            "w:saveSubsetFonts",
            "w:saveFormsData",
            "w:mirrorMargins",
            "w:alignBordersAndEdges",
            "w:bordersDoNotSurroundHeader",
            "w:bordersDoNotSurroundFooter",
            "w:gutterAtTop",
            "w:hideSpellingErrors",
            "w:hideGrammaticalErrors",
            "w:activeWritingStyle",
            "w:proofState",
            "w:formsDesign",
            "w:attachedTemplate",
            "w:linkStyles",
            "w:stylePaneFormatFilter",
            "w:stylePaneSortMethod",
            "w:documentType",
            "w:mailMerge",
            "w:revisionView",
            "w:trackRevisions",
            "w:doNotTrackMoves",
            "w:doNotTrackFormatting",
            "w:documentProtection",
            "w:autoFormatOverride",
            "w:styleLockTheme",
            "w:styleLockQFSet",
            "w:defaultTabStop",
            "w:autoHyphenation",
            "w:consecutiveHyphenLimit",
            "w:hyphenationZone",
            "w:doNotHyphenateCaps",
            "w:showEnvelope",
            "w:summaryLength",
            "w:clickAndTypeStyle",
            "w:defaultTableStyle",
            "w:evenAndOddHeaders",
            "w:bookFoldRevPrinting",
            "w:bookFoldPrinting",
            "w:bookFoldPrintingSheets",
            "w:drawingGridHorizontalSpacing",
            "w:drawingGridVerticalSpacing",
            "w:displayHorizontalDrawingGridEvery",
            "w:displayVerticalDrawingGridEvery",
            "w:doNotUseMarginsForDrawingGridOrigin",
            "w:drawingGridHorizontalOrigin",
            "w:drawingGridVerticalOrigin",
            "w:doNotShadeFormData",
            "w:noPunctuationKerning",
            "w:characterSpacingControl",
            "w:printTwoOnOne",
            "w:strictFirstAndLastChars",
            "w:noLineBreaksAfter",
            "w:noLineBreaksBefore",
            "w:savePreviewPicture",
            "w:doNotValidateAgainstSchema",
            "w:saveInvalidXml",
            "w:ignoreMixedContent",
            "w:alwaysShowPlaceholderText",
            "w:doNotDemarcateInvalidXml",
            "w:saveXmlDataOnly",
            "w:useXSLTWhenSaving",
            "w:saveThroughXslt",
            "w:showXMLTags",
            "w:alwaysMergeEmptyNamespace",
            "w:updateFields",
            "w:hdrShapeDefaults",
            "w:footnotePr",
            "w:endnotePr",
            "w:compat",
            "w:docVars",
            "w:rsids",
            "m:mathPr",
            "w:uiCompat97To2003",
            "w:attachedSchema",
            "w:themeFontLang",
            "w:clrSchemeMapping",
            "w:doNotIncludeSubdocsInStats",
            "w:doNotAutoCompressPictures",
            "w:forceUpgrade",
            "w:captions",
            "w:readModeInkLockDown",
            "w:smartTagType",
            "sl:schemaLibrary",
            "w:shapeDefaults",
            "w:doNotEmbedSmartTags",
            "w:decimalSymbol",
            "w:listSeparator",
            "w14:docId",
            "w14:discardImageEditingData",
            "w14:defaultImageDpi",
            "w14:conflictMode",
            "w15:chartTrackingRefBased",
            "w15:docId",
        ],
    ),
];

/// Attributes docx-rs writes that the schema does not declare on that
/// element: (element, attribute). They carry nothing a reader may use
/// (`w:gridCol` widths are always twips), so the pass removes them.
pub(super) const UNDECLARED_ATTRIBUTES: &[(&str, &str)] = &[("w:gridCol", "w:type")];

/// Children the schema does not allow in one context of a shared name:
/// (grandparent, parent, child). docx-rs writes an empty `w:rPr` into the
/// paragraph properties of styles, document defaults and numbering levels,
/// whose types (CT_PPrGeneral, CT_PPrBase) have no paragraph mark. The pass
/// removes such a child only when it is empty, so nothing is lost; one with
/// content stays (and the validator test would report it).
pub(super) const NOT_ALLOWED_WHEN_EMPTY: &[(&str, &str, &str)] =
    &[("w:style", "w:pPr", "w:rPr"), ("w:pPrDefault", "w:pPr", "w:rPr"), ("w:lvl", "w:pPr", "w:rPr")];

/// Child name → position in its container's sequence.
pub(super) type Ranks = HashMap<&'static str, usize, BuildHasherDefault<Fnv>>;

/// FNV-1a: the names are a few bytes long, and the pass looks one up for
/// every element, where the default hasher's set-up costs more than the hash.
#[derive(Default)]
pub(super) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Position of each child name in each container's sequence, built once.
fn positions() -> &'static HashMap<&'static str, Ranks, BuildHasherDefault<Fnv>> {
    static MAP: OnceLock<HashMap<&'static str, Ranks, BuildHasherDefault<Fnv>>> = OnceLock::new();
    MAP.get_or_init(|| {
        SEQUENCES
            .iter()
            .map(|(parent, children)| {
                let ranks = children
                    .iter()
                    .enumerate()
                    .flat_map(|(i, alts)| alts.split('|').map(move |name| (name, i)))
                    .collect();
                (*parent, ranks)
            })
            .collect()
    })
}

/// The child order of `parent`, when the table knows it: each known child
/// name with its position.
pub(super) fn sequence(parent: &str) -> Option<&'static Ranks> {
    positions().get(parent)
}

/// Whether `attribute` is undeclared on `element`.
pub(super) fn undeclared(element: &str, attribute: &str) -> bool {
    UNDECLARED_ATTRIBUTES.iter().any(|(e, a)| *e == element && *a == attribute)
}

/// Whether `child` of `parent` inside `grandparent` is not allowed there
/// (and goes when empty).
pub(super) fn not_allowed(grandparent: &str, parent: &str, child: &str) -> bool {
    NOT_ALLOWED_WHEN_EMPTY.iter().any(|(g, p, c)| *g == grandparent && *p == parent && *c == child)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_lists_each_child_once() {
        for (parent, children) in SEQUENCES {
            let mut seen = std::collections::BTreeSet::new();
            for name in children.iter().flat_map(|a| a.split('|')) {
                assert!(seen.insert(name), "{parent}: {name} twice");
                assert!(name.contains(':') && !name.contains(' '), "{parent}: {name:?}");
            }
        }
        let parents: std::collections::BTreeSet<_> = SEQUENCES.iter().map(|(p, _)| p).collect();
        assert_eq!(parents.len(), SEQUENCES.len(), "a container listed twice");
    }

    #[test]
    fn east_asian_fonts_come_first_in_run_properties() {
        let rpr = sequence("w:rPr").unwrap();
        assert!(rpr["w:rFonts"] < rpr["w:b"] && rpr["w:rFonts"] < rpr["w:sz"]);
        assert!(rpr["w:sz"] < rpr["w:szCs"] && rpr["w:szCs"] < rpr["w:lang"]);
        let ppr = sequence("w:pPr").unwrap();
        assert!(ppr["w:spacing"] < ppr["w:jc"] && ppr["w:jc"] < ppr["w:rPr"]);
        let tr = sequence("w:trPr").unwrap();
        assert_eq!(tr["w:trHeight"], tr["w:tblHeader"], "a choice shares one position");
    }
}
