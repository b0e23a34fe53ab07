use super::*;
use crate::templates::Templates;

fn reg() -> Registry {
    Templates::embedded().expect("embedded templates load").registry
}

fn id(r: &Registry, name: &str) -> RegionId {
    r.region_by_name(name).unwrap_or_else(|| panic!("{name} not in registry"))
}

#[test]
fn twenty_one_regions_twelve_provincial() {
    let r = reg();
    assert_eq!(r.region_count(), 21);
    let prov = r.regions().filter(|(_, x)| x.kind == RegionKind::Provincial).count();
    assert_eq!(prov, 12);
    assert_eq!(r.tasks().count(), 16);
}

#[test]
fn jining_gets_the_union_of_windows() {
    let r = reg();
    let j = id(&r, "济宁市");
    let plan = r.plan_periods(j);
    assert_eq!(plan.len(), 12, "{plan:?}");
    assert_eq!(plan.first().unwrap().to_string(), "2017-03");
    assert_eq!(plan[9].to_string(), "2017-12");
    assert_eq!(plan[10], Period::Year(2018));
    assert_eq!(plan[11], Period::Year(2019));
    assert_eq!(r.progress_months(j).len(), 34);
    let hebei = id(&r, "河北省");
    assert_eq!(r.plan_periods(hebei).len(), 8);
    assert_eq!(r.progress_months(hebei).len(), 8);
    let total: usize = r.regions().map(|(i, _)| r.progress_months(i).len()).sum();
    assert_eq!(total, 272);
}

#[test]
fn pesticide_deadlines_are_one_month_later() {
    let r = reg();
    let dates = |task: &str| -> Vec<String> {
        r.task(r.task_by_name(task).unwrap()).milestones.iter().map(|m| m.date.to_string()).collect()
    };
    assert_eq!(dates("钢铁行业"), ["2017-03-31", "2017-06-30", "2017-09-30"]);
    assert_eq!(dates("农药行业"), ["2017-04-30", "2017-07-31", "2017-10-31"]);
    for t in [
        "农副食品加工行业（制糖业）",
        "农副食品加工行业（淀粉及淀粉制品制造）",
        "农副食品加工行业（屠宰及肉类加工）",
    ] {
        assert_eq!(dates(t), ["2017-04-30", "2017-07-31", "2017-10-31"], "{t}");
    }
    assert_eq!(dates("流域排污许可管理"), ["2017-12-31", "2018-12-31", "2019-12-31"]);
}

#[test]
fn aliases_resolve_and_the_city_wins() {
    let r = reg();
    let cases = [
        ("河北", "河北省"),
        ("河北省环境保护厅", "河北省"),
        ("广西", "广西壮族自治区"),
        ("广西区", "广西壮族自治区"),
        ("济宁市环保局", "济宁市"),
        ("山东省济宁市环境保护局", "济宁市"),
        ("河　北　省", "河北省"),
        ("  天津市 ", "天津市"),
        ("浙江省嘉兴市", "嘉兴市"),
        ("江苏省无锡市环保局", "无锡市"),
    ];
    for (written, want) in cases {
        assert_eq!(r.resolve(written), Resolution::Found(id(&r, want)), "{written}");
    }
    for (_, region) in r.regions() {
        for a in &region.aliases {
            assert_eq!(r.resolve(a), Resolution::Found(id(&r, &region.name)), "alias {a}");
        }
    }
    assert_eq!(r.resolve("广东省"), Resolution::Unknown);
    assert_eq!(r.resolve(""), Resolution::Unknown);
    assert!(matches!(r.resolve("济宁市、临沂市"), Resolution::Ambiguous(_)));
}

#[test]
fn tasks_text_states_roles_and_deadlines() {
    let r = reg();
    let t = r.tasks_text(id(&r, "河北省"));
    assert!(t.starts_with("钢铁行业（牵头）：2017年3月底前完成初稿；"), "{t}");
    assert!(t.contains("\n原料药制造行业：2017年3月底前"), "{t}");
    let j = r.tasks_text(id(&r, "济宁市"));
    assert!(j.contains("水泥行业（参与）"), "{j}");
    assert!(j.contains("流域排污许可管理：2017年底前"), "{j}");
    assert!(r.tasks_text(id(&r, "湖南省")).starts_with("有色金属行业（株洲市、衡阳市）："));
    assert_eq!(r.find_tasks(&t).len(), 2);
}

#[test]
fn progress_due_is_the_tenth_of_next_month() {
    let r = reg();
    assert_eq!(r.progress_due(YearMonth::new(2017, 4).unwrap()).to_string(), "2017-05-10");
    assert_eq!(r.progress_due(YearMonth::new(2017, 12).unwrap()).to_string(), "2018-01-10");
}

fn broken(find: &str, replace: &str) -> String {
    let text = include_str!("../../templates/registry.toml");
    assert!(text.contains(find), "fixture text {find} not found");
    let bad = text.replacen(find, replace, 1);
    match Registry::from_toml(&bad, "registry.toml") {
        Ok(_) => panic!("broken registry accepted: {find} -> {replace}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_registries_are_refused_with_file_line_and_problem() {
    let e = broken("lead = [\"河北省\"]\npart", "lead = [\"河北\"]\npart");
    assert!(e.starts_with("registry.toml:"), "{e}");
    assert!(e.contains("地区“河北”不在地区列表中"), "{e}");
    let line: usize = e.split(':').nth(1).unwrap().split('：').next().unwrap().parse().unwrap();
    let text = include_str!("../../templates/registry.toml");
    assert!(text.lines().nth(line - 1).unwrap().contains("河北"), "line {line} wrong: {e}");

    let e = broken("date = \"2017-06-30\"", "date = \"2017-06-31\"");
    assert!(e.contains("日期“2017-06-31”无效"), "{e}");

    let e = broken("aliases = [\"天津\"]", "aliases = [\"天津\", \"河北\"]");
    assert!(e.contains("别名“河北”同时属于“天津市”和“河北省”"), "{e}");

    let e = broken("progress = [\"2017-03..2017-10\"]", "progress = [\"2017-10..2017-03\"]");
    assert!(e.contains("结束早于开始"), "{e}");

    let e = broken("[settings]", "[settings");
    assert!(e.contains("格式错误"), "{e}");
}

#[test]
fn letter_settings_default_and_departments_by_region() {
    let r = reg();
    let letters = &r.settings.letters;
    assert_eq!(letters.resubmit_working_days, 5);
    assert!(letters.contact_name.is_empty());
    // The seed's name of the office; the 2017 department of every region.
    assert_eq!(letters.office, "环境保护部排污许可专项小组办公室");
    assert!(letters.doc_number.contains("〔2017〕"));
    assert_eq!(letters.departments.len(), r.region_count());
    for (rid, region) in r.regions() {
        let dept = &letters.departments[&rid];
        assert!(dept.starts_with(&region.name), "{dept}");
    }
    assert_eq!(letters.departments[&id(&r, "河北省")], "河北省环境保护厅");
    assert_eq!(letters.departments[&id(&r, "北京市")], "北京市环境保护局");
    assert_eq!(letters.departments[&id(&r, "唐山市")], "唐山市环境保护局");
    assert_eq!(letters.departments[&id(&r, "深圳市")], "深圳市人居环境委员会");
    assert_eq!(letters.departments[&id(&r, "海南省")], "海南省生态环境保护厅");
    assert_eq!(letters.departments[&id(&r, "广西壮族自治区")], "广西壮族自治区环境保护厅");
    let text = include_str!("../../templates/registry.toml")
        .replace("\"河北省\" = \"河北省环境保护厅\"", "\"河北省\" = \"河北省环境保护厅办公室\"");
    let r = Registry::from_toml(&text, "registry.toml").unwrap();
    assert_eq!(r.settings.letters.departments[&id(&r, "河北省")], "河北省环境保护厅办公室");
    let bad = include_str!("../../templates/registry.toml")
        .replace("[settings.departments]\n", "[settings.departments]\n\"某某省\" = \"x\"\n");
    let err = Registry::from_toml(&bad, "registry.toml").unwrap_err().to_string();
    assert!(err.contains("某某省"), "{err}");
}
