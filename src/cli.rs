//! Command-line arguments. The clap types live only here; `main` turns them
//! into validated library settings before any work starts.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

/// 排污许可管理试点表格工具：生成附2/附3表格，读取退回的表格，汇总并出具报告。
#[derive(Debug, Parser)]
#[command(
    name = "permit-forms",
    version,
    about,
    long_about = None,
    override_usage = "permit-forms <命令> [选项]",
    after_help = "示例：\n  permit-forms demo --out 演示\n  permit-forms review 退回表格 --as-of 2017-05-11 --out 审阅\n\n每个命令的用法：permit-forms <命令> --help"
)]
pub struct Cli {
    /// 使用修改过的模板目录（由 `templates export` 导出）；缺省用内置模板
    #[arg(long, global = true, value_name = "目录")]
    pub templates: Option<PathBuf>,

    /// 不显示进度条（每个命令都接受）
    #[arg(long, global = true)]
    pub quiet: bool,

    /// 要执行的命令
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 生成各地区预填好的空白表格（附2 计划表、附3 进展表）
    #[command(
        override_usage = "permit-forms generate --out <目录> [选项]",
        after_help = "示例：\n  permit-forms generate --out 表格\n  permit-forms generate --out 表格 --region 河北,山西 --period 2017-04 --format xlsx"
    )]
    Generate(GenerateArgs),
    /// 读取退回的表格，输出 records.jsonl 与 rejected.jsonl
    #[command(
        override_usage = "permit-forms ingest <路径>... --out <目录> [选项]",
        after_help = "示例：\n  permit-forms ingest 退回表格 --out 记录"
    )]
    Ingest(IngestArgs),
    /// 由 records.jsonl 生成汇总工作簿（xlsx）
    #[command(
        override_usage = "permit-forms consolidate <目录> --as-of <YYYY-MM-DD> --out <文件.xlsx> [选项]",
        after_help = "示例：\n  permit-forms consolidate 记录 --as-of 2017-05-11 --out 汇总.xlsx"
    )]
    Consolidate(ConsolidateArgs),
    /// 由 records.jsonl 生成调度会报告（pdf 或 docx）
    #[command(
        override_usage = "permit-forms report <目录> --as-of <YYYY-MM-DD> --out <文件.pdf> [选项]",
        after_help = "示例：\n  permit-forms report 记录 --as-of 2017-05-11 --out 调度会报告.pdf"
    )]
    Report(ReportArgs),
    /// 为有问题的地区生成退回意见（docx 与 pdf），并附标注问题的报表（xlsx）
    #[command(
        override_usage = "permit-forms feedback <目录> --out <目录> [选项]",
        after_help = "示例：\n  permit-forms feedback 记录 --out 退回意见 --date 2017-05-11"
    )]
    Feedback(FeedbackArgs),
    /// 月度审阅：读取退回表格，生成汇总工作簿、调度会报告、退回意见和状态看板（html），放在一个以日期命名的目录
    #[command(
        override_usage = "permit-forms review <退回目录>... --as-of <YYYY-MM-DD> --out <目录> [选项]",
        after_help = "示例：\n  permit-forms review 退回表格 --as-of 2017-05-11 --out 审阅\n  （结果在 审阅/2017-05-11/）"
    )]
    Review(ReviewArgs),
    /// 用内置样例演示每月流程：生成表格，再对样例退回表格运行 review
    #[command(
        override_usage = "permit-forms demo [--out <目录>] [选项]",
        after_help = "示例：\n  permit-forms demo --out 演示"
    )]
    Demo(DemoArgs),
    /// 模板操作：导出内置模板供修改，或检查修改过的模板
    #[command(
        subcommand,
        override_usage = "permit-forms templates <命令> [选项]",
        after_help = "示例：\n  permit-forms templates export 模板\n  permit-forms templates check 模板"
    )]
    Templates(TemplatesCommand),
}

/// `generate`
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// 输出目录（不存在时自动创建）
    #[arg(long, value_name = "目录")]
    pub out: PathBuf,
    /// 输出格式，逗号分隔：xlsx,docx,pdf（缺省三种都生成）
    #[arg(long, value_delimiter = ',', default_value = "xlsx,docx,pdf", value_name = "格式")]
    pub format: Vec<String>,
    /// 只生成这些地区，逗号分隔或重复给出（接受简称，如“河北,山西”）
    #[arg(long, value_name = "地区", value_delimiter = ',')]
    pub region: Vec<String>,
    /// 只生成这些报告月份的附3（YYYY-MM，可重复）；指定后默认不生成附2
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Vec<String>,
    /// 表格种类，逗号分隔：plan（附2）,progress（附3）
    #[arg(long, value_delimiter = ',', value_name = "种类")]
    pub form: Vec<String>,
    /// 不生成无地区的空白表
    #[arg(long)]
    pub no_blank: bool,
}

/// `ingest`
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// 退回的文件或目录（目录会递归读取）
    #[arg(required = true, value_name = "路径")]
    pub paths: Vec<PathBuf>,
    /// 输出目录
    #[arg(long, value_name = "目录")]
    pub out: PathBuf,
    /// 单个文件大小上限（MB，缺省 20），超过的文件不读取并列入 rejected.jsonl
    #[arg(long, default_value_t = 20, value_name = "MB")]
    pub max_size: u64,
}

/// `consolidate`
#[derive(Debug, Args)]
pub struct ConsolidateArgs {
    /// ingest 的输出目录（含 records.jsonl）
    #[arg(value_name = "目录")]
    pub dir: PathBuf,
    /// 统计截止日期 YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: String,
    /// 输出的 xlsx 文件（不带扩展名时自动加 .xlsx）
    #[arg(long, value_name = "文件.xlsx")]
    pub out: PathBuf,
    /// 一份表格也没有读到时仍然生成文件（缺省不生成，并以状态 1 退出）
    #[arg(long)]
    pub allow_empty: bool,
}

/// `report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// ingest 的输出目录（含 records.jsonl）
    #[arg(value_name = "目录")]
    pub dir: PathBuf,
    /// 统计截止日期 YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: String,
    /// 输出文件：.pdf 或 .docx
    #[arg(long, value_name = "文件.pdf")]
    pub out: PathBuf,
    /// 一份表格也没有读到时仍然生成文件（缺省不生成，并以状态 1 退出）
    #[arg(long)]
    pub allow_empty: bool,
}

/// `feedback`
#[derive(Debug, Args)]
pub struct FeedbackArgs {
    /// ingest 的输出目录（含 records.jsonl）
    #[arg(value_name = "目录")]
    pub dir: PathBuf,
    /// 退回意见的输出目录
    #[arg(long, value_name = "目录")]
    pub out: PathBuf,
    /// 信函日期 YYYY-MM-DD（重新报送期限由此起算；缺省为今天）
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

/// `review`
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// 退回的文件或目录（目录会递归读取）
    #[arg(required = true, value_name = "退回目录")]
    pub returns: Vec<PathBuf>,
    /// 统计截止日期 YYYY-MM-DD，也是退回意见的日期
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: String,
    /// 输出目录；结果写在其下以日期命名的子目录（如 目录/2017-05-11）
    #[arg(long, value_name = "目录")]
    pub out: PathBuf,
    /// 审核文件夹正被另一次运行占用时，等它结束（缺省为立即退出并说明）
    #[arg(long)]
    pub wait: bool,
    /// 一份表格也没有读到时仍然生成文件（缺省不生成，并以状态 1 退出）
    #[arg(long)]
    pub allow_empty: bool,
}

/// `demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 输出目录（缺省为 out）
    #[arg(long, value_name = "目录", default_value = "out")]
    pub out: PathBuf,
    /// 汇总截止日期（缺省为样例期间内的日期）
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
}

/// `templates …`
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// 把内置模板导出到目录，供修改
    #[command(
        override_usage = "permit-forms templates export <目录> [--force]",
        after_help = "示例：\n  permit-forms templates export 模板"
    )]
    Export {
        /// 目标目录（应为空或不存在）
        #[arg(value_name = "目录")]
        dir: PathBuf,
        /// 目录不为空时仍然导出，覆盖其中同名的模板文件
        #[arg(long)]
        force: bool,
    },
    /// 检查模板目录能否加载
    #[command(
        override_usage = "permit-forms templates check <目录>",
        after_help = "示例：\n  permit-forms templates check 模板"
    )]
    Check {
        /// 模板目录
        #[arg(value_name = "目录")]
        dir: PathBuf,
    },
}

/// What parsing the command line ended in, when it did not give a [`Cli`].
#[derive(Debug)]
pub enum Stop {
    /// `--help` or `--version`: the text to print on stdout, exit status 0.
    Print(String),
    /// A usage mistake: one Chinese line for stderr, exit status 2.
    Usage(String),
}

/// Parses `args` (the program name first) into a [`Cli`], with every help
/// text and every error in Chinese.
///
/// # Errors
/// [`Stop::Print`] for `--help`/`--version`, [`Stop::Usage`] for a mistake.
pub fn parse<I, T>(args: I) -> Result<Cli, Stop>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    use clap::FromArgMatches;
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    let matches = command().try_get_matches_from(&args).map_err(|e| stop(&e, &args))?;
    Cli::from_arg_matches(&matches).map_err(|e| stop(&e, &args))
}

/// The clap command with Chinese headings, help and version flags, and no
/// default values or possible values in clap's English brackets (the help
/// texts say them).
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    chinese(Cli::command()).disable_version_flag(true).arg(
        clap::Arg::new("version")
            .short('V')
            .long("version")
            .action(ArgAction::Version)
            .help("显示版本号")
            .help_heading(OPTIONS),
    )
}

const OPTIONS: &str = "选项";
const ARGUMENTS: &str = "参数";
const TEMPLATE: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

fn chinese(cmd: clap::Command) -> clap::Command {
    let mut cmd = cmd
        .help_template(TEMPLATE)
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令");
    let ids: Vec<(clap::Id, bool, bool)> = cmd
        .get_arguments()
        .map(|a| (a.get_id().clone(), a.is_positional(), a.get_action().takes_values()))
        .collect();
    for (id, positional, takes_values) in ids {
        cmd = cmd.mut_arg(id, |a| {
            let a = a.help_heading(if positional { ARGUMENTS } else { OPTIONS });
            if takes_values {
                a.hide_default_value(true).hide_possible_values(true)
            } else {
                a
            }
        });
    }
    cmd = cmd.arg(
        clap::Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help("显示本帮助")
            .help_heading(OPTIONS),
    );
    let subs: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in subs {
        cmd = cmd.mut_subcommand(name, chinese);
    }
    cmd
}

/// Renders a clap error as one Chinese line (a reason and one hint), or the
/// help/version text it carries.
fn stop(e: &clap::Error, args: &[std::ffi::OsString]) -> Stop {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        return Stop::Print(e.render().to_string());
    }
    let get = |k: ContextKind| -> Option<String> {
        match e.get(k)? {
            ContextValue::String(s) => Some(s.clone()),
            ContextValue::Strings(v) => Some(v.join("、")),
            ContextValue::StyledStr(s) => Some(s.to_string()),
            ContextValue::StyledStrs(v) => {
                Some(v.iter().map(ToString::to_string).collect::<Vec<_>>().join("、"))
            }
            ContextValue::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let verb = verb_of(args);
    let help =
        format!("用法见 permit-forms {}--help", verb.as_ref().map(|v| format!("{v} ")).unwrap_or_default());
    let arg = get(ContextKind::InvalidArg).map(|a| a.replace("...", "…")).unwrap_or_default();
    let value = get(ContextKind::InvalidValue).unwrap_or_default();
    let suggestion = get(ContextKind::SuggestedArg)
        .or_else(|| get(ContextKind::SuggestedSubcommand))
        .map(|s| format!("是不是要写“{s}”？"));
    let commands = || {
        let cmd = command();
        let sub =
            verb.as_deref().and_then(|v| cmd.find_subcommand(v.split(' ').next().unwrap_or(v)).cloned());
        let names: Vec<String> =
            sub.as_ref().unwrap_or(&cmd).get_subcommands().map(|s| s.get_name().to_string()).collect();
        names.join("、")
    };
    let (reason, hint) = match e.kind() {
        ErrorKind::UnknownArgument => (format!("不认识的参数“{arg}”"), suggestion),
        ErrorKind::InvalidSubcommand => (
            format!("没有“{}”这个命令", get(ContextKind::InvalidSubcommand).unwrap_or_default()),
            suggestion.or_else(|| Some(format!("可用的命令：{}", commands()))),
        ),
        ErrorKind::MissingRequiredArgument => (format!("缺少必须给出的参数：{arg}"), None),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            (format!("缺少命令，可用的命令：{}", commands()), None)
        }
        ErrorKind::InvalidValue => {
            let valid = get(ContextKind::ValidValue).filter(|v| !v.is_empty()).map(|v| format!("可选：{v}"));
            if value.is_empty() {
                (format!("参数 {arg} 缺少取值"), valid)
            } else {
                (format!("参数 {arg} 的取值“{value}”无效"), valid)
            }
        }
        ErrorKind::ValueValidation => (format!("参数 {arg} 的取值“{value}”无效"), None),
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            (format!("参数 {arg} 的取值个数不对"), None)
        }
        ErrorKind::ArgumentConflict => {
            let other = get(ContextKind::PriorArg).unwrap_or_default();
            (format!("参数 {arg} 不能与 {other} 同时使用"), None)
        }
        ErrorKind::NoEquals => (format!("参数 {arg} 的取值须用“=”连接"), None),
        ErrorKind::InvalidUtf8 => ("命令行中有无法识别的字符（不是 UTF-8）".to_string(), None),
        _ => ("命令行参数有误".to_string(), None),
    };
    Stop::Usage(format!("permit-forms: {reason}；{}", hint.unwrap_or(help)))
}

/// The verb (and the `templates` sub-verb) named on the command line, for
/// the hint of an error.
fn verb_of(args: &[std::ffi::OsString]) -> Option<String> {
    let cmd = command();
    let words: Vec<&str> = args.iter().skip(1).filter_map(|a| a.to_str()).collect();
    let at = words.iter().position(|w| cmd.find_subcommand(w).is_some())?;
    let verb = cmd.find_subcommand(words[at])?;
    match words.get(at + 1).filter(|w| verb.find_subcommand(w).is_some()) {
        Some(sub) => Some(format!("{} {sub}", words[at])),
        None => Some(words[at].to_string()),
    }
}
