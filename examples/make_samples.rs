//! Regenerates `samples/returned/`: a realistic set of returned forms for the
//! demo, made the way clerks make them. Run from the repository root:
//!
//! ```sh
//! cargo run --example make_samples
//! ```
//!
//! Filled forms are written from the form model with values (as the
//! generated forms would be filled); some are then opened and saved by
//! LibreOffice headless as .xls, .ods or re-saved .xlsx; one is retyped in a
//! layout of the clerk's own; a few files are faulty. The xlsx files are
//! deterministic; LibreOffice's conversions are not byte-stable, so they are
//! committed as made. See samples/README.md.

use std::path::{Path, PathBuf};
use std::process::Command;

use permit_forms::fill::{fill_grid, FillValues};
use permit_forms::form::{layout, Field, FormInstance, Grid, PersonPart, PersonRole};
use permit_forms::period::{Period, YearMonth};
use permit_forms::registry::{RegionId, RegionKind, Registry};
use permit_forms::render::xlsx;
use permit_forms::{FormKind, Templates};

const SURNAMES: [&str; 21] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何",
    "郭", "马", "罗", "梁",
];
const GIVEN: [&str; 21] = [
    "建国", "海燕", "志强", "丽华", "永刚", "晓明", "红梅", "国庆", "文静", "宏伟", "春燕", "立新", "秀英",
    "振华", "玉兰", "德明", "桂芳", "长江", "淑珍", "卫东", "雪梅",
];
/// Area codes, in registry order of the regions.
const AREA: [&str; 21] = [
    "010", "022", "0311", "0371", "0351", "0531", "021", "025", "0571", "0731", "0771", "0898", "0319",
    "0755", "0312", "0315", "0533", "0537", "0573", "0510", "0539",
];

struct Staff {
    lead: [String; 3],
    contact: [String; 3],
    handler: [String; 3],
    division: String,
}

fn staff(reg: &Registry, r: RegionId) -> Staff {
    let i = r.0;
    let name = |k: usize| format!("{}{}", SURNAMES[(i + k) % 21], GIVEN[(i * 3 + k * 7) % 21]);
    let municipal = reg.region(r).kind == RegionKind::Municipal;
    Staff {
        lead: [
            name(0),
            if municipal { "局长".into() } else { "副厅长".into() },
            format!("{}-{}", AREA[i], 66_120_000 + i * 37),
        ],
        contact: [
            name(1),
            if municipal { "科长".into() } else { "处长".into() },
            format!("1381{:07}", 5_230_000 + i * 113),
        ],
        handler: [name(2), "主任科员".into(), format!("1390{:07}", 3_170_000 + i * 71)],
        division: if municipal {
            "排污许可科".into()
        } else {
            "环境影响评价与排放管理处".into()
        },
    }
}

fn people(v: &mut FillValues, s: &Staff, kind: FormKind) {
    use PersonPart::*;
    use PersonRole::*;
    for (role, p) in [(Lead, &s.lead), (Contact, &s.contact), (Handler, &s.handler)] {
        v.values.insert(Field::Person(role, Name), p[0].clone());
        if kind == FormKind::Plan {
            v.values.insert(Field::Person(role, Title), p[1].clone());
            v.values.insert(Field::Person(role, Phone), p[2].clone());
        }
    }
    v.values.insert(Field::Division, s.division.clone());
}

fn date_zh(y: i32, m: u32, d: u32) -> String {
    format!("{y}年{m}月{d}日")
}

/// Values of a filled 附2 for a region.
fn plan(t: &Templates, r: RegionId, submitted: (i32, u32, u32)) -> FillValues {
    let reg = &t.registry;
    let mut v = FillValues::default();
    people(&mut v, &staff(reg, r), FormKind::Plan);
    let milestones = reg.milestones_of(r);
    for p in reg.plan_periods(r) {
        let due: Vec<String> = milestones
            .iter()
            .filter(|(_, m)| m.period == p)
            .map(|(task, m)| format!("{}：{}", reg.task(*task).name, m.describe()))
            .collect();
        let routine = match p {
            Period::Month(m) if m.month == 3 => {
                "成立试点工作专班，梳理重点企业名单，参加部专项小组行业规范编制会。"
            }
            Period::Month(m) if m.month <= 5 => "组织企业填报试点申请材料，开展排污许可证申请与核发验证。",
            Period::Month(m) if m.month <= 8 => "按行业规范组织企业在全国平台申请，开展技术审核与现场核查。",
            Period::Month(_) => "集中核发排污许可证，开展依证监管试点，总结试点经验。",
            Period::Year(_) => "深化流域排污许可管理，推动与流域水质改善目标衔接。",
        };
        let text = if due.is_empty() {
            routine.to_string()
        } else {
            format!("{routine}\n时间节点：{}", due.join("；"))
        };
        v.schedule.push(text);
    }
    let office = if reg.region(r).kind == RegionKind::Municipal { "局" } else { "厅" };
    v.values.insert(Field::Submitter, format!("{}环境保护{office}", reg.region(r).name));
    v.values.insert(Field::SubmittedOn, date_zh(submitted.0, submitted.1, submitted.2));
    v
}

fn plan_grid(t: &Templates, r: RegionId, v: &FillValues) -> Grid {
    let mut g = layout(&t.plan, &t.registry, FormInstance { region: Some(r), period: None });
    fill_grid(&mut g, v);
    g
}

/// A filled 附3 for a region and month.
#[allow(clippy::too_many_arguments)]
fn progress(
    t: &Templates,
    r: RegionId,
    month: YearMonth,
    status: &str,
    reason: &str,
    difficulties: &str,
    submitted: (i32, u32, u32),
) -> Grid {
    let reg = &t.registry;
    let mut v = FillValues::default();
    people(&mut v, &staff(reg, r), FormKind::Progress);
    let tasks: Vec<String> = reg.tasks_of(r).iter().map(|(id, _)| reg.task(*id).name.clone()).collect();
    let planned = format!(
        "{}月：推进{}试点，组织重点企业申请排污许可证，配合部专项小组完善行业规范。",
        month.month,
        tasks.join("、")
    );
    let actual = match status {
        "滞后" => format!("已完成企业名单梳理；{}月计划的现场核查尚未全部完成，完成约六成。", month.month),
        "超前" => format!("{}月计划工作已全部完成，并提前启动下月的企业申请审核。", month.month),
        _ => format!("1. 召开试点工作推进会；\n2. 完成{}月计划的企业培训和申请材料审核。", month.month),
    };
    for (field, text) in [
        (Field::Planned, planned),
        (Field::Actual, actual),
        (Field::Status, status.to_string()),
        (Field::DelayReason, reason.to_string()),
        (Field::Difficulties, difficulties.to_string()),
        (Field::Submitter, format!("{}环境保护局", reg.region(r).name)),
        (Field::SubmittedOn, date_zh(submitted.0, submitted.1, submitted.2)),
    ] {
        v.values.insert(field, text);
    }
    let mut g = layout(&t.progress, reg, FormInstance { region: Some(r), period: Some(month) });
    fill_grid(&mut g, &v);
    g
}

fn soffice_convert(input: &Path, to: &str, out_dir: &Path) -> PathBuf {
    let profile = tempfile::tempdir().expect("temp dir");
    let status = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--norestore", "--convert-to", to, "--outdir"])
        .arg(out_dir)
        .arg(input)
        .output()
        .expect("LibreOffice (soffice) is needed to make the converted samples");
    assert!(status.status.success(), "soffice failed on {}", input.display());
    let ext = to.split(':').next().unwrap_or(to);
    out_dir.join(format!("{}.{ext}", input.file_stem().unwrap().to_string_lossy()))
}

/// A 附3 retyped by a clerk in a layout of their own: a title block, the table
/// starting at B4, values beside their labels, a tick after the status, a
/// real date cell, full-width digits.
fn retyped(path: &Path) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("进展表").unwrap();
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let rows: &[(&str, &str)] = &[
        ("试点地区：", "湖南省"),
        ("试点任务及要求完成时间：", "有色金属行业（株洲市、衡阳市）：2017年3月底前完成行业规范初稿；2017年6月底前完成行业规范的部内审批程序并印发执行；2017年9月底前基本完成核发。"),
        ("时  间", "2017年 4 月"),
        ("月度工作安排", "组织株洲、衡阳两市有色金属企业开展排污许可证申请培训。"),
        ("月度实际进展", "已培训企业86家；\n完成申请材料初审41家。"),
        ("进度情况（勾选）", "如期√"),
        ("进度滞后的原因（若有）", ""),
        ("存在的困难和需要的支持（若有）", "希望部里尽快明确有色金属行业排污许可证申请表格式。"),
        ("总负责人", "曾　伟"),
        ("责任处室", "环评处"),
        ("联系人", "彭丽娟　１３９７３１１２２０８"),
        ("经办人", "谭　斌"),
    ];
    ws.write_string(0, 1, "湖南省环境保护厅").unwrap();
    ws.write_string(1, 1, "排污许可管理试点工作进展表（2017年4月）").unwrap();
    for (i, (label, value)) in rows.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_string(r, 1, *label).unwrap();
        if !value.is_empty() {
            ws.write_string(r, 2, *value).unwrap();
        }
    }
    let r = 3 + rows.len() as u32 + 1;
    ws.write_string(r, 1, "填报单位：湖南省环境保护厅").unwrap();
    ws.write_string(r, 3, "填报时间：").unwrap();
    ws.write_datetime_with_format(r, 4, ExcelDateTime::from_ymd(2017, 5, 9).unwrap(), &date).unwrap();
    ws.set_column_width(1, 26).unwrap();
    ws.set_column_width(2, 60).unwrap();
    std::fs::write(path, wb.save_to_buffer().unwrap()).unwrap();
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("samples/returned");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let t = Templates::embedded().expect("templates");
    let reg = &t.registry;
    let id = |n: &str| reg.region_by_name(n).unwrap_or_else(|| panic!("{n}"));
    let march = YearMonth::new(2017, 3).unwrap();
    let april = YearMonth::new(2017, 4).unwrap();
    let write = |rel: &str, grid: &Grid| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, xlsx::render(grid).unwrap()).unwrap();
        p
    };

    for (rid, region) in reg.regions() {
        let name = region.name.clone();
        // 附2: most on time; 邢台市 late; a few with faults.
        let submitted = match name.as_str() {
            "邢台市" => (2017, 4, 5),
            _ => (2017, 3, 24 + (rid.0 % 7) as u32),
        };
        let mut v = plan(&t, rid, submitted);
        match name.as_str() {
            // A deadline month left without an arrangement.
            "淄博市" => {
                let p6 = reg.plan_periods(rid).iter().position(|p| p.to_string() == "2017-06").unwrap();
                v.schedule[p6].clear();
            }
            // No 联系人 name.
            "唐山市" => {
                v.values.insert(Field::Person(PersonRole::Contact, PersonPart::Name), String::new());
            }
            // A leader's title that does not fit the rule.
            "上海市" => {
                v.values.insert(Field::Person(PersonRole::Lead, PersonPart::Title), "综合科科员".into());
            }
            _ => {}
        }
        let g = plan_grid(&t, rid, &v);
        write(&format!("{name}/附2_试点工作计划表_{name}.xlsx"), &g);

        // 附3 for March (due 2017-04-10) and April (due 2017-05-10).
        for month in [march, april] {
            let missing = matches!(
                (name.as_str(), month.month),
                ("临沂市", _) | ("海南省", 4) | ("无锡市", 4) | ("湖南省", 4) | ("江苏省", _)
            );
            if missing {
                continue;
            }
            let (status, reason, difficulties) = match (name.as_str(), month.month) {
                ("河北省", 4) | ("山东省", 3) => ("超前", "", ""),
                ("广西壮族自治区", 4) => (
                    "滞后",
                    "制糖企业集中在榨季生产，现场核查推迟到5月。",
                    "希望部里派专家指导制糖行业许可证核发。",
                ),
                ("邢台市", 4) => ("滞后", "部分平板玻璃企业治理设施改造尚未完成，申请材料不全。", ""),
                ("河南省", 4) => ("滞后", "", "屠宰企业数量多、规模小，基层核发人员不足。"),
                ("保定市", 4) => ("■超前 ■如期 □滞后", "", ""),
                ("济宁市", 4) => {
                    ("如期", "", "流域试点需要与水质目标衔接的排放标准，请部里给予技术支持。")
                }
                ("山东省", 4) => {
                    ("如期", "", "氮肥、淀粉两个行业同时推进，请部里协调全国平台填报模块尽快上线。")
                }
                _ => ("如期", "", ""),
            };
            let submitted = match (name.as_str(), month.month) {
                ("山西省", 3) => (2017, 4, 12),
                ("深圳市", 4) => (2017, 5, 11),
                (_, m) => (2017, m + 1, 5 + (rid.0 % 5) as u32),
            };
            let g = progress(&t, rid, month, status, reason, difficulties, submitted);
            let rel = format!("{name}/附3_试点工作进展表_{name}_{}年{:02}月.xlsx", month.year, month.month);
            write(&rel, &g);
        }
    }

    // 北京市 sent March again with a correction: the later one counts.
    let bj = id("北京市");
    let g = progress(&t, bj, march, "如期", "", "", (2017, 4, 9));
    write("北京市/附3_试点工作进展表_北京市_2017年03月（更正）.xlsx", &g);

    // 江苏省 keeps its months in one workbook, one sheet per month.
    let js = id("江苏省");
    let (m3, m4) = (
        progress(&t, js, march, "超前", "", "", (2017, 4, 6)),
        progress(
            &t,
            js,
            april,
            "如期",
            "",
            "电镀园区企业多，请部里明确园区集中治理设施的许可要求。",
            (2017, 5, 8),
        ),
    );
    let book = xlsx::render_workbook(&[("3月", &m3), ("4月", &m4)]).unwrap();
    std::fs::create_dir_all(root.join("江苏省")).unwrap();
    std::fs::write(root.join("江苏省/江苏省2017年试点进展表（3-4月）.xlsx"), book).unwrap();

    // 湖南省 retyped April in its own layout.
    retyped(&root.join("湖南省/湖南省4月进展.xlsx"));

    // Converted by LibreOffice, as regions working in WPS or LibreOffice send them.
    let conversions = [
        ("浙江省/附3_试点工作进展表_浙江省_2017年04月.xlsx", "xls"),
        ("山东省/附3_试点工作进展表_山东省_2017年04月.xlsx", "ods"),
        ("嘉兴市/附3_试点工作进展表_嘉兴市_2017年03月.xlsx", "ods"),
        ("北京市/附3_试点工作进展表_北京市_2017年04月.xlsx", "xlsx:Calc MS Excel 2007 XML"),
    ];
    for (rel, to) in conversions {
        let src = root.join(rel);
        let tmp = tempfile::tempdir().unwrap();
        let moved = tmp.path().join(src.file_name().unwrap());
        std::fs::rename(&src, &moved).unwrap();
        let out = soffice_convert(&moved, to, tmp.path().join("out").as_path());
        std::fs::copy(&out, src.with_extension(out.extension().unwrap())).unwrap();
    }

    // Faulty files a folder of returns also holds.
    let other = root.join("其他");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("说明.txt"), "各地区退回的表格。\n").unwrap();
    let good = std::fs::read(root.join("天津市/附3_试点工作进展表_天津市_2017年04月.xlsx")).unwrap();
    std::fs::write(other.join("损坏的表格.xlsx"), &good[..good.len() / 3]).unwrap();
    std::fs::write(root.join("天津市/~$附3_试点工作进展表_天津市_2017年04月.xlsx"), b"\x0bpermit\0").unwrap();
    println!("samples written to samples/returned");
}
