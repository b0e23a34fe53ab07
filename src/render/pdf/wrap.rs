//! Line breaking by measured advances (the algorithm lives with layout, in
//! [`crate::form::measure`], so rows are sized by the lines drawn here).
//! Chinese may break between any two ideographs, but not before closing
//! punctuation nor after opening punctuation; runs of Latin letters and
//! digits stay whole unless a run alone is wider than the line, and a number
//! stays with its 年/月/日.

pub(crate) use crate::form::measure::wrap;

#[cfg(test)]
mod tests {
    use super::super::font::Face;
    use super::*;
    use crate::form::measure::{is_closing, is_opening};
    use std::borrow::Cow;

    fn face() -> Face {
        let (name, bytes) = crate::templates::EMBEDDED_FONTS
            .iter()
            .find(|(n, _)| *n == super::super::BODY_FONT)
            .expect("body font embedded");
        Face::parse(name, Cow::Borrowed(bytes), 0).expect("embedded font parses")
    }

    #[test]
    fn wraps_by_advances_and_keeps_punctuation_rules() {
        let f = face();
        let text = "钢铁行业（牵头）：2017年3月底前完成行业规范初稿；2017年6月底前完成行业规范的部内审批程序并印发执行，“一证式”管理。";
        for width in [60.0, 97.0, 130.0, 200.0, 331.0] {
            let lines = wrap(&f, text, 12.0, width);
            assert_eq!(lines.concat(), text, "width {width}: text lost or changed");
            for (i, l) in lines.iter().enumerate() {
                assert!(f.width(l, 12.0) <= width + 0.01, "width {width}: line too wide: {l}");
                let first = l.chars().next().unwrap_or(' ');
                let last = l.chars().last().unwrap_or(' ');
                assert!(i == 0 || !is_closing(first), "width {width}: line starts with {first}: {l}");
                assert!(
                    i + 1 == lines.len() || !is_opening(last),
                    "width {width}: line ends with {last}: {l}"
                );
                assert!(
                    !(last.is_ascii_digit() && lines.get(i + 1).is_some_and(|n| n.starts_with(['年', '月']))),
                    "width {width}: number split from its unit: {l}"
                );
            }
        }
    }

    #[test]
    fn honours_newlines_and_keeps_words() {
        let f = face();
        assert_eq!(wrap(&f, "姓名\n职务", 12.0, 300.0), vec!["姓名", "职务"]);
        let lines = wrap(&f, "电话 0311-87654321 转 8001", 12.0, 100.0);
        assert!(lines.iter().any(|l| l.contains("0311-87654321")), "{lines:?}");
        assert!(wrap(&f, "", 12.0, 80.0).is_empty());
        assert_eq!(wrap(&f, "进度滞后的原因（若有）", 12.0, 110.0), vec!["进度滞后的原因", "（若有）"]);
    }
}
