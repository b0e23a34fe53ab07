//! Cross-checks through ingest: the exact findings on the built-in samples,
//! filled returns written as xlsx and read back (findings in records.jsonl,
//! with the form compared), and a corrected return against the first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use permit_forms::crosscheck::corrections;
use permit_forms::fill::{fill_grid, sample_values};
use permit_forms::form::{layout, Field, FormInstance};
use permit_forms::ingest::{self, IngestOptions};
use permit_forms::render::xlsx;
use permit_forms::{records_io, samples, FormKind, Record, Severity, YearMonth};

use crate::util::{self, templates};

fn ingest_dir(dir: &Path) -> Vec<Record> {
    ingest::ingest_paths(templates(), &[dir.to_path_buf()], &IngestOptions::default()).records
}

/// `region[(旧)]` per (rule, field, month) for every cross finding; `(旧)`
/// marks a superseded record.
fn cross_table(records: &[Record]) -> BTreeMap<(String, String, String), Vec<String>> {
    let mut t: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
    for r in records {
        for i in r.issues.iter().filter(|i| i.rule.is_cross()) {
            assert_eq!(i.severity, Severity::Warning, "{i:?}");
            let month = r.period.map(|p| p.to_string()).unwrap_or_default();
            let who =
                format!("{}{}", r.region.as_deref().unwrap_or("?"), if r.current { "" } else { "(旧)" });
            t.entry((i.rule.id().to_string(), i.field.clone(), month)).or_default().push(who);
        }
    }
    for v in t.values_mut() {
        v.sort();
    }
    t
}

fn key(rule: &str, field: &str, month: &str) -> (String, String, String) {
    (rule.into(), field.into(), month.into())
}

fn sorted(names: &str) -> Vec<String> {
    let mut v: Vec<String> = names.split_whitespace().map(String::from).collect();
    v.sort();
    v
}

#[test]
fn sample_findings_as_of_2017_05_11() {
    let dir = util::tempdir();
    samples::write_to(dir.path()).unwrap();
    let records = ingest_dir(dir.path());
    let got = cross_table(&records);
    // Every industry region that ticked 如期/超前 for a March deadline (初稿) and
    // wrote nothing about a draft; 山东省 and 江苏省 again in April (their
    // 淀粉 and 农药 tasks are a month later). 广西 and 河南 (April deadline) ticked 滞后.
    let march_deadline = "上海市 保定市 北京市 北京市(旧) 唐山市 天津市 山东省 山西省 江苏省 河北省 济宁市 \
                          浙江省 海南省 淄博市 深圳市 湖南省 邢台市";
    // April's text is March's with the month changed.
    let copied = "上海市 保定市 北京市 唐山市 嘉兴市 天津市 山西省 济宁市 浙江省 淄博市 深圳市";
    // March: the template sentence everywhere (山东省 and 江苏省 share another one).
    let march_shared =
        "上海市 保定市 北京市 北京市(旧) 唐山市 嘉兴市 天津市 山东省 山西省 广西壮族自治区 无锡市 \
                        江苏省 河北省 河南省 济宁市 浙江省 海南省 淄博市 深圳市 湖南省 邢台市";
    // April: the same, and 广西, 河南 and 邢台 share their 滞后 sentence; 河北省 and 湖南省 wrote their own.
    let april_shared =
        "上海市 保定市 北京市 唐山市 嘉兴市 天津市 山东省 山西省 广西壮族自治区 江苏省 河南省 \
                        济宁市 浙江省 淄博市 深圳市 邢台市";
    let want: BTreeMap<(String, String, String), Vec<String>> = [
        (key("cross.milestone_words", "actual", "2017-03"), sorted(march_deadline)),
        (key("cross.milestone_words", "actual", "2017-04"), sorted("山东省 江苏省")),
        // Similarity 23%, under 25%: the two longest task lists dilute the shared words.
        (key("cross.plan_differs", "planned", "2017-04"), sorted("河北省 济宁市")),
        (key("cross.same_as_last_month", "actual", "2017-04"), sorted(copied)),
        (key("cross.same_text_other_region", "actual", "2017-03"), sorted(march_shared)),
        (key("cross.same_text_other_region", "actual", "2017-04"), sorted(april_shared)),
    ]
    .into_iter()
    .collect();
    for k in want.keys().chain(got.keys()).collect::<BTreeSet<_>>() {
        assert_eq!(got.get(k), want.get(k), "findings of {k:?}");
    }

    // What each compared with.
    let find = |region: &str, month: u32, rule: &str| {
        let r = records
            .iter()
            .find(|r| {
                r.current
                    && r.region.as_deref() == Some(region)
                    && r.period == permit_forms::Period::month(2017, month)
            })
            .unwrap();
        r.issues
            .iter()
            .find(|i| i.rule.id() == rule)
            .unwrap_or_else(|| panic!("{region} {month} {rule}"))
            .clone()
    };
    let i = find("北京市", 4, "cross.same_as_last_month");
    let c = i.compared.expect("compared");
    assert!(c.file.ends_with("附3_试点工作进展表_北京市_2017年03月（更正）.xlsx"), "{}", c.file);
    assert!(i.message.contains("2017年3月") && i.message.contains("几乎相同"), "{}", i.message);
    let i = find("河北省", 4, "cross.plan_differs");
    assert!(i.compared.unwrap().file.ends_with("附2_试点工作计划表_河北省.xlsx"));
    assert!(i.message.contains("组织企业填报试点申请材料"), "{}", i.message);
    let i = find("邢台市", 4, "cross.same_text_other_region");
    assert!(i.message.contains("广西壮族自治区、河南省"), "{}", i.message);
    let i = find("上海市", 3, "cross.milestone_words");
    assert_eq!(i.compared, None);
    assert!(i.message.contains("石化行业") && i.message.contains("“初稿”") && i.message.ends_with("请核实"));
}

#[test]
fn sample_resubmission_against_the_first() {
    let dir = util::tempdir();
    samples::write_to(dir.path()).unwrap();
    let records = ingest_dir(dir.path());
    let c = corrections(&records);
    assert_eq!(c.len(), 1, "{c:?}");
    let c = &c[0];
    assert_eq!(
        (c.region.as_str(), c.kind, c.period.map(|p| p.to_string())),
        ("北京市", FormKind::Progress, Some("2017-03".into()))
    );
    assert!(records[c.earlier].source.file.ends_with("北京市_2017年03月.xlsx"));
    assert!(
        records[c.later].source.file.ends_with("北京市_2017年03月（更正）.xlsx") && records[c.later].current
    );
    // The corrected return changed only its date; its findings are those of the first.
    let changes: Vec<(Field, Option<&str>, Option<&str>)> =
        c.changes.iter().map(|f| (f.field, f.old.as_deref(), f.new.as_deref())).collect();
    assert_eq!(changes, [(Field::SubmittedOn, Some("2017-04-05"), Some("2017-04-09"))]);
    assert!(c.fixed.is_empty() && c.new.is_empty(), "{c:?}");
    let kept: Vec<&str> = c.remaining.iter().map(|i| i.rule.id()).collect();
    assert_eq!(kept, ["cross.milestone_words", "cross.same_text_other_region"]);
}

/// Writes a filled 附3 (or 附2 when `month` is None) of `region` to `path`,
/// with `edits` replacing the filler's values.
fn write_return(
    path: &Path,
    region: &str,
    month: Option<(i32, u32)>,
    seed: u64,
    edits: &[(Field, Option<&str>)],
) {
    let t = templates();
    let id = t.registry.region_by_name(region).unwrap();
    let period = month.and_then(|(y, m)| YearMonth::new(y, m));
    let kind = if period.is_some() { FormKind::Progress } else { FormKind::Plan };
    let mut v = sample_values(&t.registry, kind, id, period, seed);
    for (f, value) in edits {
        match value {
            Some(s) => v.values.insert(*f, s.to_string()),
            None => v.values.remove(f),
        };
    }
    let mut g = layout(t.form(kind), &t.registry, FormInstance { region: Some(id), period });
    fill_grid(&mut g, &v);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, xlsx::render(&g).unwrap()).unwrap();
}

#[test]
fn findings_reach_records_jsonl_with_the_form_compared() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    let copied = "已完成企业名单梳理，组织召开钢铁行业排污许可证申请培训会两次";
    let other = "受理企业申请12家，完成现场核查5家";
    // 天津市 copies March into April; 唐山市 (other region, same month) writes the same sentence;
    // 保定市 writes it in May (another month: no finding).
    write_return(
        &returns.join("天津3.xlsx"),
        "天津市",
        Some((2017, 3)),
        1,
        &[(Field::Actual, Some(copied)), (Field::Status, Some("如期"))],
    );
    write_return(&returns.join("天津4.xlsx"), "天津市", Some((2017, 4)), 1, &[(Field::Actual, Some(copied))]);
    write_return(&returns.join("唐山4.xlsx"), "唐山市", Some((2017, 4)), 1, &[(Field::Actual, Some(copied))]);
    write_return(&returns.join("保定5.xlsx"), "保定市", Some((2017, 5)), 1, &[(Field::Actual, Some(copied))]);
    write_return(&returns.join("保定4.xlsx"), "保定市", Some((2017, 4)), 1, &[(Field::Actual, Some(other))]);
    let out = dir.path().join("out");
    let outcome =
        ingest::ingest_paths(templates(), std::slice::from_ref(&returns), &IngestOptions::default());
    ingest::write_outputs(&outcome, &out).unwrap();

    let text = std::fs::read_to_string(out.join("records.jsonl")).unwrap();
    let lines: BTreeMap<String, serde_json::Value> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let name = Path::new(v["source"]["file"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (name, v)
        })
        .collect();
    let cross = |name: &str| -> Vec<(String, String, Option<String>)> {
        lines[name]["issues"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["rule"].as_str().unwrap().starts_with("cross."))
            .map(|i| {
                let compared = i.get("compared").map(|c| {
                    Path::new(c["file"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned()
                });
                (i["rule"].as_str().unwrap().to_string(), i["field"].as_str().unwrap().to_string(), compared)
            })
            .collect()
    };
    let s = |x: &str| x.to_string();
    assert_eq!(
        cross("天津4.xlsx"),
        [
            (s("cross.same_as_last_month"), s("actual"), Some(s("天津3.xlsx"))),
            (s("cross.same_text_other_region"), s("actual"), Some(s("唐山4.xlsx"))),
        ]
    );
    assert_eq!(
        cross("唐山4.xlsx"),
        [(s("cross.same_text_other_region"), s("actual"), Some(s("天津4.xlsx")))]
    );
    for quiet in ["保定4.xlsx", "保定5.xlsx"] {
        assert_eq!(cross(quiet), [], "{quiet}");
    }
    // 天津3 is a March deadline month: the filler's text says nothing of 初稿, and no
    // 附2 was sent, so no plan findings.
    assert_eq!(cross("天津3.xlsx"), [(s("cross.milestone_words"), s("actual"), None)]);
    // Findings without a compared form carry no `compared` key; the file reads back.
    assert!(!text.contains("\"compared\":null"));
    let back = records_io::load_records(&out).unwrap();
    assert_eq!(back, outcome.records);
}

#[test]
fn a_corrected_return_fixes_findings() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    let planned = write_fixing_pair(&returns);
    let records = ingest_dir(&returns);
    assert_eq!(records.len(), 2);
    let first = &records[0];
    let rules = |r: &Record| r.issues.iter().map(|i| i.rule).collect::<Vec<_>>();
    assert!(rules(first).contains(&permit_forms::record::Rule::DelayReasonMissing), "{:?}", first.issues);
    assert!(rules(first).contains(&permit_forms::record::Rule::ActualEqualsPlanned), "{:?}", first.issues);
    let c = corrections(&records);
    assert_eq!(c.len(), 1);
    let c = &c[0];
    assert_eq!((c.earlier, c.later), (0, 1));
    let fixed: BTreeSet<&str> = c.fixed.iter().map(|i| i.rule.id()).collect();
    assert_eq!(fixed, BTreeSet::from(["delay_reason.missing", "cross.actual_equals_planned"]));
    assert!(c.new.is_empty(), "{:?}", c.new);
    assert_eq!(c.remaining.len(), records[1].issues.len());
    let changed: Vec<Field> = c.changes.iter().map(|f| f.field).collect();
    assert_eq!(changed, [Field::Actual, Field::DelayReason, Field::SubmittedOn]);
    let actual = &c.changes[0];
    assert_eq!(actual.old.as_deref(), Some(planned.as_str()));
    assert_eq!(actual.new.as_deref(), Some("受理企业申请18家，完成现场核查6家"));
    assert_eq!(c.changes[1].old, None);
}

/// A 河北省 2017年5月 return and its （更正）: the first is 滞后 without a
/// reason and copies 月度工作安排 into 月度实际进展; the correction gives a
/// reason, the real progress and a later 填报时间. Returns the copied
/// 月度工作安排. Shared with provenance.rs.
pub(crate) fn write_fixing_pair(returns: &Path) -> String {
    // First: 滞后 without a reason, and 月度实际进展 copied from 月度工作安排.
    let t = templates();
    let id = t.registry.region_by_name("河北省").unwrap();
    let planned = sample_values(&t.registry, FormKind::Progress, id, YearMonth::new(2017, 5), 4).values
        [&Field::Planned]
        .clone();
    write_return(
        &returns.join("河北省5月.xlsx"),
        "河北省",
        Some((2017, 5)),
        4,
        &[
            (Field::Status, Some("滞后")),
            (Field::DelayReason, None),
            (Field::Actual, Some(&planned)),
            (Field::SubmittedOn, Some("2017年6月5日")),
        ],
    );
    // Corrected: a reason, the real progress, a later date.
    write_return(
        &returns.join("河北省5月（更正）.xlsx"),
        "河北省",
        Some((2017, 5)),
        4,
        &[
            (Field::Status, Some("滞后")),
            (Field::DelayReason, Some("企业申报材料不全，已退回补充")),
            (Field::Actual, Some("受理企业申请18家，完成现场核查6家")),
            (Field::SubmittedOn, Some("2017年6月8日")),
        ],
    );
    planned
}
