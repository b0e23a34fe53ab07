//! Resubmissions: which of several records for the same form counts.

use std::collections::BTreeMap;

use crate::record::Record;

/// Marks the record that counts among resubmissions.
///
/// Records with the same region, kind and period (a region that sent its
/// 附3 for April twice) are all kept. Exactly one of them has
/// `current: true`: the one with the latest 填报时间 (a record without
/// 填报时间 counts as the earliest); when those are equal, the one from the
/// file that comes later in path order (then the later sheet). The others
/// get `current: false`. Records whose region is unknown are never grouped
/// and stay current.
///
/// `records` must be in output order (by file, then sheet).
pub fn mark_current(records: &mut [Record]) {
    let mut best: BTreeMap<(String, crate::record::FormKind, Option<crate::Period>), usize> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let Some(region) = r.region.clone() else { continue };
        let key = (region, r.kind, r.period);
        match best.get(&key) {
            // Later in output order wins ties: `>=`.
            Some(&b) if records[b].submitted_on > r.submitted_on => {}
            _ => {
                best.insert(key, i);
            }
        }
    }
    let winners: std::collections::BTreeSet<usize> = best.into_values().collect();
    for (i, r) in records.iter_mut().enumerate() {
        r.current = r.region.is_none() || winners.contains(&i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{FormKind, Source};
    use chrono::NaiveDate;

    fn rec(file: &str, day: Option<u32>) -> Record {
        let mut r = Record::empty(
            FormKind::Progress,
            Source { file: file.into(), sheet: "s".into(), sha256: String::new() },
        );
        r.region = Some("河北省".into());
        r.period = crate::Period::month(2017, 4);
        r.submitted_on = day.and_then(|d| NaiveDate::from_ymd_opt(2017, 5, d));
        r
    }

    #[test]
    fn latest_date_then_later_file_wins() {
        let mut v = vec![rec("a.xlsx", Some(9)), rec("b.xlsx", Some(8)), rec("c.xlsx", None)];
        mark_current(&mut v);
        assert_eq!(v.iter().map(|r| r.current).collect::<Vec<_>>(), [true, false, false]);
        let mut v = vec![rec("a.xlsx", Some(8)), rec("b.xlsx", Some(8))];
        mark_current(&mut v);
        assert_eq!(v.iter().map(|r| r.current).collect::<Vec<_>>(), [false, true]);
    }
}
