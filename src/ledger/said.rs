//! Whether a region's 情况说明 counts: the one place that judges it.
//! Boilerplate (empty, 同上, 无, 见上, 略) does not; a bare 已核实 counts
//! for a warning only, and the ledger marks it 说明过简 for the office.

/// What a 情况说明 is worth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Said {
    /// Empty or boilerplate: not an explanation.
    Nothing,
    /// Only 已核实 (or 核实无误 …): an explanation of a warning, too brief.
    Bare,
    /// An explanation.
    Full,
}

/// Words that say nothing.
const NOTHING: [&str; 8] = ["同上", "无", "见上", "略", "如上", "没有", "/", "-"];
/// Words that only say it was checked.
const BARE: [&str; 6] = ["已核实", "核实无误", "经核实无误", "已核实无误", "无误", "属实"];

/// Judges a 情况说明 (punctuation and white space around the words ignored).
///
/// # Examples
/// ```
/// use permit_forms::ledger::{judge, Said};
/// assert_eq!(judge(" 同上。"), Said::Nothing);
/// assert_eq!(judge("已核实"), Said::Bare);
/// assert_eq!(judge("该职务为试点期间临时设置，已报省厅备案"), Said::Full);
/// ```
pub fn judge(text: &str) -> Said {
    let core: String =
        text.chars().filter(|c| !c.is_whitespace() && !"。.，,！!；;：:、“”\"'（）()".contains(*c)).collect();
    if core.is_empty() || NOTHING.contains(&core.as_str()) {
        Said::Nothing
    } else if BARE.contains(&core.as_str()) {
        Said::Bare
    } else {
        Said::Full
    }
}

/// Every 情况说明 given for one finding, oldest first (a copy returned
/// twice keeps both versions).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Answer {
    /// The texts, each with where it was written (`文件名!情况说明!D2`).
    pub versions: Vec<(String, String)>,
}

impl Answer {
    /// What the answer is worth: its best version's.
    pub fn said(&self) -> Said {
        self.versions.iter().map(|(t, _)| judge(t)).max().unwrap_or(Said::Nothing)
    }

    /// The ledger's 地区说明 cell: the text, or each version numbered.
    pub fn shown(&self) -> String {
        match self.versions.as_slice() {
            [] => String::new(),
            [(t, _)] => t.clone(),
            vs => vs
                .iter()
                .enumerate()
                .map(|(i, (t, at))| format!("（第{}份，{at}）{t}", i + 1))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}
