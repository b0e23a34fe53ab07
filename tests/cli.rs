//! The command line as a new user meets it: help and argument errors in
//! Chinese (none of clap's English), one line and one hint per mistake, exit
//! status 2 for every usage mistake, and the ordinary mistakes that must stop
//! rather than guess — each checked for its status, its one Chinese line, and
//! that nothing was written (or overwritten) that should not be.

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{open_workbook_auto, Reader};
use permit_forms::samples;

use crate::util;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_permit-forms"))
}

/// Exit status, stdout and stderr of `permit-forms ARGS` run in `dir`.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin()).current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// clap's own English, any of which in a help text or an error means a
/// part of the command line was left untranslated.
const CLAP_ENGLISH: &[&str] = &[
    "usage",
    "options",
    "arguments",
    "commands",
    "command>",
    "error:",
    "tip:",
    "print help",
    "print version",
    "print this message",
    "required",
    "unexpected argument",
    "invalid value",
    "a value is required",
    "possible values",
    "[default",
    "for more information",
    "subcommand",
    "similar argument",
    "not provided",
    "found",
    "help>",
];

/// The English words of clap found in `text` (case-insensitive).
fn english_of_clap(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    CLAP_ENGLISH.iter().copied().filter(|w| lower.contains(w)).collect()
}

/// A usage mistake: exit status 2, one line on stderr starting with the
/// program's name, Chinese, nothing on stdout. Returns the line.
fn one_usage_line(args: &[&str], code: i32, out: &str, err: &str) -> String {
    assert_eq!(code, 2, "{args:?}: exit status {code}: {err}");
    assert!(out.is_empty(), "{args:?}: stdout: {out}");
    let line = err.trim_end();
    assert_eq!(line.lines().count(), 1, "{args:?}: not one line: {err}");
    assert!(line.starts_with("permit-forms: "), "{args:?}: {line}");
    assert!(line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{args:?}: no Chinese: {line}");
    assert!(
        english_of_clap(line).is_empty(),
        "{args:?}: clap's English {:?} in: {line}",
        english_of_clap(line)
    );
    line.to_string()
}

/// A stop that is not a usage mistake: exit status 1, one Chinese line.
fn one_failure_line(args: &[&str], code: i32, err: &str) -> String {
    assert_eq!(code, 1, "{args:?}: exit status {code}: {err}");
    let line = err.trim_end();
    assert_eq!(line.lines().count(), 1, "{args:?}: not one line: {err}");
    assert!(line.starts_with("permit-forms: "), "{args:?}: {line}");
    line.to_string()
}

#[test]
fn every_help_is_chinese_with_an_example() {
    let dir = util::tempdir();
    let verbs: &[&[&str]] = &[
        &[],
        &["generate"],
        &["ingest"],
        &["consolidate"],
        &["report"],
        &["feedback"],
        &["review"],
        &["demo"],
        &["templates"],
        &["templates", "export"],
        &["templates", "check"],
    ];
    for verb in verbs {
        for flag in ["--help", "-h"] {
            let args: Vec<&str> = verb.iter().copied().chain([flag]).collect();
            let (code, out, err) = run_in(dir.path(), &args);
            assert_eq!(code, 0, "{args:?}: {err}");
            assert!(err.is_empty(), "{args:?}: stderr: {err}");
            assert!(out.contains("用法：permit-forms"), "{args:?}: no usage line: {out}");
            assert!(out.contains("示例：\n  permit-forms"), "{args:?}: no example: {out}");
            assert!(out.contains("显示本帮助"), "{args:?}: {out}");
            let english = english_of_clap(&out);
            assert!(english.is_empty(), "{args:?}: clap's English {english:?} in:\n{out}");
        }
    }
    let (code, out, _) = run_in(dir.path(), &["--version"]);
    assert_eq!((code, out.trim()), (0, concat!("permit-forms ", env!("CARGO_PKG_VERSION"))));
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "help wrote files");
}

#[test]
fn clap_errors_are_one_chinese_line_with_one_hint() {
    let dir = util::tempdir();
    let cases: &[(&[&str], &str)] = &[
        (&["review", "r", "--asof", "2017-05-11", "--out", "o"], "不认识的参数“--asof”；是不是要写“--as-of”？"),
        (&["revew"], "没有“revew”这个命令；是不是要写“review”？"),
        (&["xyz"], "没有“xyz”这个命令；可用的命令：generate、"),
        (&[], "缺少命令，可用的命令：generate、"),
        (&["templates"], "缺少命令，可用的命令：export、check"),
        (&["review"], "缺少必须给出的参数：--as-of <YYYY-MM-DD>、--out <目录>、<退回目录>…；用法见 permit-forms review --help"),
        (&["ingest", "x"], "缺少必须给出的参数：--out <目录>；用法见 permit-forms ingest --help"),
        (&["ingest", "x", "--out", "o", "--max-size", "many"], "参数 --max-size <MB> 的取值“many”无效"),
        (&["generate", "--out"], "参数 --out <目录> 缺少取值；用法见 permit-forms generate --help"),
        (&["templates", "exprt", "t"], "是不是要写“export”？"),
        (&["demo", "--quiet", "--verbose"], "不认识的参数“--verbose”"),
    ];
    for (args, want) in cases {
        let (code, out, err) = run_in(dir.path(), args);
        let line = one_usage_line(args, code, &out, &err);
        assert!(line.contains(want), "{args:?}: want {want}, got: {line}");
        // One hint: a suggestion or the pointer to --help, never both.
        assert!(!(line.contains("是不是") && line.contains("--help")), "{args:?}: two hints: {line}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "a usage error wrote files");
}

#[test]
fn every_verb_accepts_quiet() {
    let dir = util::tempdir();
    for verb in [
        &["generate"][..],
        &["ingest"],
        &["consolidate"],
        &["report"],
        &["feedback"],
        &["review"],
        &["templates", "export"],
        &["templates", "check"],
    ] {
        let args: Vec<&str> = verb.iter().copied().chain(["--quiet"]).collect();
        let (code, out, err) = run_in(dir.path(), &args);
        let line = one_usage_line(&args, code, &out, &err);
        assert!(!line.contains("--quiet"), "{args:?}: --quiet refused: {line}");
        assert!(line.contains("缺少必须给出的参数"), "{args:?}: {line}");
    }
}

#[test]
fn a_path_that_does_not_exist_is_a_usage_error_and_writes_nothing() {
    let dir = util::tempdir();
    let cases: &[&[&str]] = &[
        &["ingest", "没有这个文件夹", "--out", "记录"],
        &["review", "没有这个文件夹", "--as-of", "2017-05-11", "--out", "审阅"],
        &["consolidate", "没有这个文件夹", "--as-of", "2017-05-11", "--out", "汇总.xlsx"],
        &["report", "没有这个文件夹", "--as-of", "2017-05-11", "--out", "报告.pdf"],
        &["feedback", "没有这个文件夹", "--out", "退回意见"],
        &["templates", "check", "没有这个文件夹"],
        &["generate", "--templates", "没有这个文件夹", "--out", "表格"],
    ];
    for args in cases {
        let (code, out, err) = run_in(dir.path(), args);
        let line = one_usage_line(args, code, &out, &err);
        assert!(line.contains("找不到“没有这个文件夹”"), "{args:?}: {line}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "a refused run wrote files");
}

#[test]
fn finding_no_form_stops_review_consolidate_and_report_unless_allowed() {
    let dir = util::tempdir();
    let returns = dir.path().join("空的退回");
    std::fs::create_dir_all(&returns).unwrap();
    std::fs::write(returns.join("说明.txt"), "不是表格").unwrap();

    // ingest still runs, and says so.
    let (code, out, err) = run_in(dir.path(), &["ingest", "空的退回", "--out", "记录"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("没有读到任何表格"), "{err}");
    assert!(out.contains("识别表格 0 份"), "{out}");
    assert_eq!(std::fs::read_to_string(dir.path().join("记录/records.jsonl")).unwrap(), "");

    let args: &[&[&str]] = &[
        &["review", "空的退回", "--as-of", "2017-05-11", "--out", "审阅"],
        &["consolidate", "记录", "--as-of", "2017-05-11", "--out", "汇总.xlsx"],
        &["report", "记录", "--as-of", "2017-05-11", "--out", "报告.pdf"],
    ];
    for a in args {
        let (code, _, err) = run_in(dir.path(), a);
        let line = one_failure_line(a, code, &err);
        assert!(line.contains("一份表格也没有") && line.contains("--allow-empty"), "{a:?}: {line}");
    }
    let mut files = util::walk(dir.path());
    files.sort();
    assert_eq!(
        files,
        ["空的退回/说明.txt", "记录/records.jsonl", "记录/rejected.jsonl", "记录/skipped.jsonl"],
        "a refused run wrote documents"
    );

    // Asked for, the empty workbook is written (and is a workbook).
    let a = ["consolidate", "记录", "--as-of", "2017-05-11", "--out", "汇总.xlsx", "--allow-empty"];
    let (code, _, err) = run_in(dir.path(), &a);
    assert_eq!(code, 0, "{err}");
    let wb = open_workbook_auto(dir.path().join("汇总.xlsx")).unwrap();
    assert!(!wb.sheet_names().is_empty());
}

#[test]
fn dates_outside_the_pilot_are_refused_with_the_window() {
    let dir = util::tempdir();
    samples::write_to(&dir.path().join("退回")).unwrap();
    let (code, _, err) = run_in(dir.path(), &["ingest", "退回", "--out", "记录"]);
    assert_eq!(code, 0, "{err}");
    for date in ["2016-01-01", "2030-01-01", "1900-01-01", "2017-02-28"] {
        let cases: [Vec<&str>; 5] = [
            vec!["review", "退回", "--as-of", date, "--out", "审阅"],
            vec!["consolidate", "记录", "--as-of", date, "--out", "汇总.xlsx"],
            vec!["report", "记录", "--as-of", date, "--out", "报告.pdf"],
            vec!["feedback", "记录", "--date", date, "--out", "退回意见"],
            vec!["demo", "--as-of", date, "--out", "演示"],
        ];
        for args in &cases {
            let (code, out, err) = run_in(dir.path(), args);
            let line = one_usage_line(args, code, &out, &err);
            assert!(line.contains(&format!("日期 {date} 不在试点期间内")), "{args:?}: {line}");
            assert!(line.contains("2017-03-01 至 2020-12-31"), "{args:?}: no window: {line}");
        }
    }
    let mut top: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    top.sort();
    assert_eq!(top, ["记录", "退回"], "a refused date wrote documents");
}

#[test]
fn templates_export_refuses_a_folder_with_files_unless_forced() {
    let dir = util::tempdir();
    let (code, out, err) = run_in(dir.path(), &["templates", "export", "模板"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已导出"), "{out}");
    let reg = dir.path().join("模板/registry.toml");
    let edited = std::fs::read_to_string(&reg)
        .unwrap()
        .replace("resubmit_working_days = 5", "resubmit_working_days = 7");
    std::fs::write(&reg, &edited).unwrap();

    let args = ["templates", "export", "模板"];
    let (code, out, err) = run_in(dir.path(), &args);
    let line = one_usage_line(&args, code, &out, &err);
    assert!(line.contains("不是空的") && line.contains("--force"), "{line}");
    assert_eq!(std::fs::read_to_string(&reg).unwrap(), edited, "the edited template was overwritten");

    // Any folder with something in it, not only one of templates.
    std::fs::create_dir_all(dir.path().join("别的")).unwrap();
    std::fs::write(dir.path().join("别的/笔记.txt"), "x").unwrap();
    let (code, _, err) = run_in(dir.path(), &["templates", "export", "别的"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(util::walk(&dir.path().join("别的")), ["笔记.txt"]);

    // Forced: overwritten, and said so, file by file.
    let (code, out, err) = run_in(dir.path(), &["templates", "export", "模板", "--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("其中覆盖了 1 个内容不同的已有文件：registry.toml"), "{out}");
    assert!(std::fs::read_to_string(&reg).unwrap().contains("resubmit_working_days = 5"));
}

#[test]
fn region_takes_a_comma_list_and_summaries_go_to_stdout() {
    let dir = util::tempdir();
    let args =
        ["generate", "--out", "表格", "--format", "xlsx", "--region", "河北,山西", "--period", "2017-04"];
    let (code, out, err) = run_in(dir.path(), &args);
    assert_eq!(code, 0, "{err}");
    assert!(err.is_empty(), "stderr holds more than warnings: {err}");
    assert!(out.contains("已生成 2 份表格"), "{out}");
    let mut files = util::walk(&dir.path().join("表格"));
    files.sort();
    assert_eq!(
        files,
        [
            "山西省/附3_试点工作进展表_山西省_2017年04月.xlsx",
            "河北省/附3_试点工作进展表_河北省_2017年04月.xlsx",
        ]
    );
}

#[test]
fn consolidate_out_without_extension_gets_xlsx_and_others_are_refused() {
    let dir = util::tempdir();
    samples::write_to(&dir.path().join("退回")).unwrap();
    let (code, _, err) = run_in(dir.path(), &["ingest", "退回", "--out", "记录"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) =
        run_in(dir.path(), &["consolidate", "记录", "--as-of", "2017-05-11", "--out", "汇总"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("汇总.xlsx"), "{out}");
    assert!(!dir.path().join("汇总").exists());
    let wb = open_workbook_auto(dir.path().join("汇总.xlsx")).expect("a workbook with .xlsx added");
    assert!(!wb.sheet_names().is_empty());

    let args = ["consolidate", "记录", "--as-of", "2017-05-11", "--out", "汇总.pdf"];
    let (code, out, err) = run_in(dir.path(), &args);
    let line = one_usage_line(&args, code, &out, &err);
    assert!(line.contains("只能输出 .xlsx"), "{line}");
    assert!(!dir.path().join("汇总.pdf").exists());
}

#[test]
fn an_os_error_is_said_once_in_chinese_with_the_path() {
    let dir = util::tempdir();
    samples::write_to(&dir.path().join("退回")).unwrap();
    let (code, _, err) = run_in(dir.path(), &["ingest", "退回", "--out", "记录"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(dir.path().join("文件"), "not a folder").unwrap();
    let args = ["consolidate", "记录", "--as-of", "2017-05-11", "--out", "文件/子/汇总.xlsx"];
    let (code, _, err) = run_in(dir.path(), &args);
    let line = one_failure_line(&args, code, &err);
    assert!(line.contains("文件/子/汇总.xlsx"), "no path: {line}");
    assert!(line.contains("不是文件夹"), "not in Chinese: {line}");
    assert!(!line.contains("os error") && !line.contains("Not a directory"), "English: {line}");
    // Once: the system's words appear a single time.
    assert_eq!(line.matches("不是文件夹").count(), 1, "said twice: {line}");
}
