//! Command-line arguments. The clap types live only here; `main` turns them
//! into validated library settings before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// 排污许可管理试点表格工具：生成附2/附3表格，读取退回的表格，汇总并出具报告。
#[derive(Debug, Parser)]
#[command(name = "permit-forms", version, about, long_about = None)]
pub struct Cli {
    /// 使用修改过的模板目录（由 `templates export` 导出）；缺省用内置模板
    #[arg(long, global = true, value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// 不显示进度条
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
    Generate(GenerateArgs),
    /// 读取退回的表格，输出 records.jsonl 与 rejected.jsonl
    Ingest(IngestArgs),
    /// 由 records.jsonl 生成汇总工作簿（xlsx）
    Consolidate(ConsolidateArgs),
    /// 由 records.jsonl 生成调度会报告（pdf 或 docx）
    Report(ReportArgs),
    /// 为有问题的地区生成退回意见（docx 与 pdf），并附标注问题的报表（xlsx）
    Feedback(FeedbackArgs),
    /// 月度审阅：读取退回表格，生成汇总工作簿、调度会报告、退回意见和状态看板（html），放在一个以日期命名的目录
    Review(ReviewArgs),
    /// 用内置样例演示每月流程：生成表格，再对样例退回表格运行 review
    Demo(DemoArgs),
    /// 模板操作
    #[command(subcommand)]
    Templates(TemplatesCommand),
}

/// `generate`
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// 输出目录（不存在时自动创建）
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// 输出格式，逗号分隔：xlsx,docx,pdf
    #[arg(long, value_delimiter = ',', default_value = "xlsx,docx,pdf")]
    pub format: Vec<String>,
    /// 只生成这些地区（可重复；接受简称，如“河北”）
    #[arg(long, value_name = "NAME")]
    pub region: Vec<String>,
    /// 只生成这些报告月份的附3（YYYY-MM，可重复）；指定后默认不生成附2
    #[arg(long, value_name = "YYYY-MM")]
    pub period: Vec<String>,
    /// 表格种类，逗号分隔：plan（附2）,progress（附3）
    #[arg(long, value_delimiter = ',')]
    pub form: Vec<String>,
    /// 不生成无地区的空白表
    #[arg(long)]
    pub no_blank: bool,
}

/// `ingest`
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// 退回的文件或目录（目录会递归读取）
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// 输出目录
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// 单个文件大小上限（MB），超过的文件不读取并列入 rejected.jsonl
    #[arg(long, default_value_t = 20, value_name = "MB")]
    pub max_size: u64,
}

/// `consolidate`
#[derive(Debug, Args)]
pub struct ConsolidateArgs {
    /// ingest 的输出目录（含 records.jsonl）
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// 统计截止日期 YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: String,
    /// 输出的 xlsx 文件
    #[arg(long, value_name = "FILE.xlsx")]
    pub out: PathBuf,
}

/// `report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// ingest 的输出目录（含 records.jsonl）
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// 统计截止日期 YYYY-MM-DD
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: String,
    /// 输出文件：.pdf 或 .docx
    #[arg(long, value_name = "FILE.pdf")]
    pub out: PathBuf,
}

/// `feedback`
#[derive(Debug, Args)]
pub struct FeedbackArgs {
    /// ingest 的输出目录（含 records.jsonl）
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// 退回意见的输出目录
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// 信函日期 YYYY-MM-DD（重新报送期限由此起算；缺省为今天）
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
}

/// `review`
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// 退回的文件或目录（目录会递归读取）
    #[arg(required = true, value_name = "RETURNS_DIR")]
    pub returns: Vec<PathBuf>,
    /// 统计截止日期 YYYY-MM-DD，也是退回意见的日期
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: String,
    /// 输出目录；结果写在其下以日期命名的子目录（如 DIR/2017-05-11）
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// 审核文件夹正被另一次运行占用时，等它结束（缺省为立即退出并说明）
    #[arg(long)]
    pub wait: bool,
}

/// `demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 输出目录
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// 汇总截止日期（缺省为样例期间内的日期）
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
}

/// `templates …`
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// 把内置模板导出到目录，供修改
    Export {
        /// 目标目录
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// 检查模板目录能否加载
    Check {
        /// 模板目录
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}
