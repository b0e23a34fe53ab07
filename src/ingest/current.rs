//! Resubmissions: which of several records for the same form counts, and
//! the findings that rest on when a file was received.
//!
//! [`order`] is the one order of the versions of a form, and [`settle`] the
//! one place that applies it: `ingest` calls it with what it knows (the
//! dates of saved mails), `review` again after reading the office's
//! 收文登记, whose 收文日期 may change which version is current.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::period::Period;
use crate::record::{CellRef, FormKind, Issue, ReceivedBasis, Record, Rule};
use crate::registry::Registry;

/// Days 填报时间 may lie before the receipt date without a finding.
pub const SELF_REPORTED_SLACK_DAYS: i64 = 20;

/// The order of the versions of one form, latest last: by receipt date
/// ([`Record::receipt`]: 收文日期, else the mail's date, else 填报时间), then
/// 填报时间, then file name, then SHA-256 of the file (then the sheet, for
/// two forms of one workbook). A record without a date comes first. The key
/// depends on the record alone, so the order never depends on the order of
/// the command-line arguments or the folder layout.
pub fn order(r: &Record) -> (Option<NaiveDate>, Option<NaiveDate>, &str, &str, &str) {
    (r.receipt().0, r.submitted_on, &r.source.file, &r.source.sha256, &r.source.sheet)
}

/// Marks the record that counts among resubmissions.
///
/// Records with the same region, kind and period (a region that sent its
/// 附3 for April twice) are all kept. Exactly one of them has
/// `current: true`: the latest by [`order`]. The others get
/// `current: false`. Records whose region is unknown are never grouped and
/// stay current.
pub fn mark_current(records: &mut [Record]) {
    let mut best: BTreeMap<(String, FormKind, Option<Period>), usize> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        let Some(region) = r.region.clone() else { continue };
        let key = (region, r.kind, r.period);
        match best.get(&key) {
            Some(&b) if order(&records[b]) >= order(r) => {}
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

/// Applies what the receipt dates decide, after they are known (or have
/// changed): which version is current ([`mark_current`]), the cross-checks
/// between forms (which look at current versions), and the findings on
/// the receipt ([`receipt_findings`]).
pub fn settle(records: &mut [Record], registry: &Registry) {
    mark_current(records);
    crate::crosscheck::apply(records, registry);
    receipt_findings(records, registry);
}

fn day_zh(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// Replaces each record's findings that rest on its receipt date:
///
/// - `submitted_on.late` (迟报), when it was received after its due day
///   ([`crate::tracking::lateness`]); the message says on what the date
///   rests (on 填报时间 when it names only that date), and names no cell: the region is never asked to change its
///   填报时间 because the return came late;
/// - `cross.submitted_vs_received`, for the office only (a cross-check, not
///   sent back to the region), when 填报时间 is after the day the office
///   received the file, or more than [`SELF_REPORTED_SLACK_DAYS`] days
///   before it; it names the 填报时间 cell.
pub fn receipt_findings(records: &mut [Record], registry: &Registry) {
    for r in records.iter_mut() {
        r.issues.retain(|i| !matches!(i.rule, Rule::SubmittedOnLate | Rule::SubmittedVsReceived));
        if let Some(late) = crate::tracking::lateness(registry, r) {
            let (field, message) = match late.basis {
                ReceivedBasis::SelfReported => (
                    "submitted_on",
                    format!("填报时间{}晚于报送截止日{}", day_zh(late.received), day_zh(late.due)),
                ),
                basis => (
                    "received_on",
                    format!(
                        "{}收到（依据：{}），晚于报送截止日{}",
                        day_zh(late.received),
                        basis.label_zh(),
                        day_zh(late.due)
                    ),
                ),
            };
            r.issues.push(Issue::new(Rule::SubmittedOnLate, field, None, message));
        }
        let (Some(received), ReceivedBasis::Log | ReceivedBasis::Mail, Some(written)) =
            (r.received_on, r.received_basis, r.submitted_on)
        else {
            continue;
        };
        let basis = r.received_basis.label_zh();
        let message = if written > received {
            format!("填报时间{}晚于收文日期{}（依据：{basis}），请核实", day_zh(written), day_zh(received))
        } else if (received - written).num_days() > SELF_REPORTED_SLACK_DAYS {
            format!(
                "填报时间{}比收文日期{}（依据：{basis}）早{}天，请核实",
                day_zh(written),
                day_zh(received),
                (received - written).num_days()
            )
        } else {
            continue;
        };
        let cell = r.cells.get("submitted_on").and_then(|c| c.parse::<CellRef>().ok());
        r.issues.push(Issue::new(Rule::SubmittedVsReceived, "submitted_on", cell, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Source;

    fn rec(file: &str, day: Option<u32>) -> Record {
        let mut r = Record::empty(
            FormKind::Progress,
            Source { file: file.into(), sheet: "s".into(), sha256: format!("{file}-sha") },
        );
        r.region = Some("河北省".into());
        r.period = crate::Period::month(2017, 4);
        r.submitted_on = day.and_then(|d| NaiveDate::from_ymd_opt(2017, 5, d));
        r
    }

    fn mail(mut r: Record, day: u32) -> Record {
        r.received_on = NaiveDate::from_ymd_opt(2017, 5, day);
        r.received_basis = ReceivedBasis::Mail;
        r
    }

    fn currents(v: &[Record]) -> Vec<bool> {
        v.iter().map(|r| r.current).collect()
    }

    #[test]
    fn latest_date_then_later_file_wins() {
        let mut v = vec![rec("a.xlsx", Some(9)), rec("b.xlsx", Some(8)), rec("c.xlsx", None)];
        mark_current(&mut v);
        assert_eq!(currents(&v), [true, false, false]);
        let mut v = vec![rec("a.xlsx", Some(8)), rec("b.xlsx", Some(8))];
        mark_current(&mut v);
        assert_eq!(currents(&v), [false, true]);
    }

    #[test]
    fn the_receipt_date_comes_before_the_written_date() {
        // a.xlsx says 9 May but came by mail on the 7th; b.xlsx says the 8th
        // and has no receipt evidence: b is the later one.
        let mut v = vec![mail(rec("a.xlsx", Some(9)), 7), rec("b.xlsx", Some(8))];
        mark_current(&mut v);
        assert_eq!(currents(&v), [false, true]);
        // Same receipt day: 填报时间 decides, then the file name, then the hash.
        let mut v = vec![mail(rec("b.xlsx", Some(3)), 7), mail(rec("a.xlsx", Some(4)), 7)];
        mark_current(&mut v);
        assert_eq!(currents(&v), [false, true]);
        let mut same_name = vec![mail(rec("a.xlsx", Some(3)), 7), mail(rec("a.xlsx", Some(3)), 7)];
        same_name[0].source.sha256 = "ff".into();
        same_name[1].source.sha256 = "00".into();
        mark_current(&mut same_name);
        assert_eq!(currents(&same_name), [true, false]);
    }

    #[test]
    fn the_winner_does_not_depend_on_the_order_given() {
        let base = vec![
            mail(rec("x/b.xlsx", Some(2)), 12),
            rec("a.xlsx", Some(1)),
            mail(rec("c.xlsx", Some(20)), 11),
            rec("d.xlsx", None),
            mail(rec("a.xlsx", Some(2)), 12),
        ];
        let winner = |v: &[Record]| {
            let w: Vec<&Record> = v.iter().filter(|r| r.current).collect();
            assert_eq!(w.len(), 1);
            (w[0].source.file.clone(), w[0].received_on)
        };
        let mut first = base.clone();
        mark_current(&mut first);
        let expected = winner(&first);
        assert_eq!(expected, ("x/b.xlsx".to_string(), NaiveDate::from_ymd_opt(2017, 5, 12)));
        // Every rotation and the reversal of the input pick the same record.
        for k in 0..base.len() {
            for rev in [false, true] {
                let mut v = base.clone();
                v.rotate_left(k);
                if rev {
                    v.reverse();
                }
                mark_current(&mut v);
                assert_eq!(winner(&v), expected, "rotation {k}, reversed {rev}");
            }
        }
    }

    #[test]
    fn receipt_findings_say_what_they_rest_on() {
        let t = crate::Templates::embedded().unwrap();
        let mut r = mail(rec("a.xlsx", Some(8)), 15);
        r.cells.insert("submitted_on".into(), "D13".into());
        let mut v = vec![r, rec("b.xlsx", Some(8))];
        receipt_findings(&mut v, &t.registry);
        let late = v[0].issues.iter().find(|i| i.rule == Rule::SubmittedOnLate).unwrap();
        assert_eq!(late.message, "2017年5月15日收到（依据：邮件），晚于报送截止日2017年5月10日");
        assert_eq!((late.field.as_str(), late.cell), ("received_on", None));
        assert!(v[1].issues.is_empty(), "{:?}", v[1].issues);
        // Written 30 days before the mail: a question for the office, naming the cell.
        v[0].submitted_on = NaiveDate::from_ymd_opt(2017, 4, 15);
        v[0].received_on = NaiveDate::from_ymd_opt(2017, 5, 15);
        receipt_findings(&mut v, &t.registry);
        let odd: Vec<&Issue> = v[0].issues.iter().filter(|i| i.rule == Rule::SubmittedVsReceived).collect();
        assert_eq!(odd.len(), 1);
        assert_eq!(odd[0].cell.map(|c| c.to_string()).as_deref(), Some("D13"));
        assert!(odd[0].rule.is_cross(), "office only, never in the region's copy");
        // After the receipt date: also a question.
        v[0].submitted_on = NaiveDate::from_ymd_opt(2017, 5, 16);
        receipt_findings(&mut v, &t.registry);
        assert_eq!(v[0].issues.iter().filter(|i| i.rule == Rule::SubmittedVsReceived).count(), 1);
        // Within 20 days before: nothing.
        v[0].submitted_on = NaiveDate::from_ymd_opt(2017, 4, 25);
        receipt_findings(&mut v, &t.registry);
        assert_eq!(v[0].issues.iter().filter(|i| i.rule == Rule::SubmittedVsReceived).count(), 0);
    }
}
