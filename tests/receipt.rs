//! Receipt dates: returns saved as mails (.eml written by Python's email
//! package, a Thunderbird-style mail with a GBK RFC 2231 name, a web mail
//! with a quoted-printable body), the hostile mails, lateness judged on the
//! mail's date or the office's 收文登记, and the 收文登记 the office types
//! surviving reruns and a LibreOffice re-save.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use permit_forms::form::Field;
use permit_forms::ingest::{ingest_paths, write_outputs, IngestOptions, IngestOutcome};
use permit_forms::record::{ReceivedBasis, Rule};
use permit_forms::render::xlsx;
use permit_forms::tracking::{State, Tracking};
use permit_forms::{FormKind, Record, YearMonth};

use crate::ingest::{base, filled_grid};
use crate::util::{self, templates};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// 河北省's 附3 on April 2017, its 填报时间 written as 2017年5月8日.
fn april_return() -> Vec<u8> {
    let (job, mut v) = base(FormKind::Progress, "河北省", Some((2017, 4)));
    v.values.insert(Field::SubmittedOn, "2017年5月8日".into());
    xlsx::render(&filled_grid(&job, &v)).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, c) in bytes.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn ingest(inputs: &[PathBuf]) -> IngestOutcome {
    ingest_paths(templates(), inputs, &IngestOptions::default())
}

/// The state and basis of 河北省's April report as of a date.
fn april_state(records: &[Record], as_of: &str) -> (State, Option<ReceivedBasis>) {
    let t = templates();
    let tr = Tracking::new(&t.registry, records, d(as_of));
    let hb = t.registry.region_by_name("河北省").unwrap();
    let slot = *tr.region(hb).month(YearMonth::new(2017, 4).unwrap()).unwrap();
    (slot.state, slot.first_basis)
}

fn late(s: State) -> bool {
    matches!(s, State::Reported { late: true, .. })
}

/// A mail as Python's `email` package writes it (RFC 2231 UTF-8 file name,
/// base64 body), dated 15 May 2017 10:00 China time.
fn python_mail(dir: &Path, attachment: &[u8], name: &str) -> PathBuf {
    let xlsx = dir.join("attachment.bin");
    std::fs::write(&xlsx, attachment).unwrap();
    let eml = dir.join(name);
    let script = r#"
import sys
from email.message import EmailMessage
from email import policy
m = EmailMessage()
m["Subject"] = "河北省2017年4月试点工作进展表"
m["From"] = "河北省环境保护厅 <hbhb@example.cn>"
m["To"] = "pilot@example.cn"
m["Date"] = "Mon, 15 May 2017 10:00:00 +0800"
m.set_content("附件为我省4月进展表，请查收。")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application",
    subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    filename="附3_河北省_2017年4月进展表.xlsx")
open(sys.argv[2], "wb").write(m.as_bytes(policy=policy.SMTP))
"#;
    let py = util::require("python3", "python3");
    let o = Command::new(py).arg("-c").arg(script).arg(&xlsx).arg(&eml).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::remove_file(xlsx).unwrap();
    eml
}

/// GBK bytes of `s`, percent-encoded for an RFC 2231 parameter.
fn gbk_2231(s: &str) -> String {
    let (bytes, _, _) = encoding_rs::GBK.encode(s);
    bytes
        .iter()
        .map(|b| {
            if b.is_ascii_alphanumeric() || *b == b'.' {
                (*b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A Thunderbird-style multipart/mixed mail whose attachment name is an RFC
/// 2231 parameter in GBK split in two, dated in another time zone:
/// 14 May 2017 20:00 -0500 is 15 May 09:00 in China.
fn thunderbird_mail(attachment: &[u8]) -> Vec<u8> {
    // Split in two continuations at a character boundary, as the client does.
    let (a, b) = (gbk_2231("附3_河北省_"), gbk_2231("2017年4月进展表.xlsx"));
    format!(
        "Message-ID: <1@example.cn>\r\nDate: Sun, 14 May 2017 20:00:00 -0500\r\n\
         User-Agent: Mozilla/5.0 (Windows NT 6.1; WOW64; rv:52.0) Gecko/20100101 Thunderbird/52.1.0\r\n\
         MIME-Version: 1.0\r\nFrom: =?GB2312?B?{}?= <hb@example.cn>\r\nTo: pilot@example.cn\r\n\
         Subject: =?GB2312?B?{}?=\r\n\
         Content-Type: multipart/mixed;\r\n boundary=\"------------0A1B2C3D4E5F\"\r\n\r\n\
         This is a multi-part message in MIME format.\r\n--------------0A1B2C3D4E5F\r\n\
         Content-Type: text/plain; charset=gbk; format=flowed\r\nContent-Transfer-Encoding: 8bit\r\n\r\nplease see\r\n\r\n\
         --------------0A1B2C3D4E5F\r\n\
         Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;\r\n name*0*=gbk''{a};\r\n name*1*={b}\r\n\
         Content-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment;\r\n filename*0*=gbk''{a};\r\n filename*1*={b}\r\n\r\n{}\r\n\
         --------------0A1B2C3D4E5F--\r\n",
        b64(&encoding_rs::GBK.encode("河北省环保厅").0),
        b64(&encoding_rs::GBK.encode("4月进展表").0),
        b64(attachment),
    )
    .into_bytes()
}

/// A web mail: an HTML body in quoted-printable, the workbook in base64
/// named with an RFC 2047 UTF-8 word; 14 May 16:30 UTC is 15 May 00:30 in China.
fn webmail(attachment: &[u8]) -> Vec<u8> {
    format!(
        "Date: Sun, 14 May 2017 16:30:00 +0000\r\nFrom: hb@example.cn\r\nTo: pilot@example.cn\r\n\
         Subject: =?UTF-8?Q?=E8=BF=9B=E5=B1=95=E8=A1=A8?=\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"----=_Part_1\"\r\n\r\n------=_Part_1\r\n\
         Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
         <p>=E8=AF=B7=E6=9F=A5=E6=94=B6=E9=99=84=E4=BB=B6=E3=80=82</p>=\r\n<p>=E6=B2=B3=E5=8C=97</p>\r\n\
         ------=_Part_1\r\nContent-Type: application/octet-stream; name=\"=?UTF-8?B?{}?=\"\r\n\
         Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"=?UTF-8?B?{}?=\"\r\n\r\n{}\r\n------=_Part_1--\r\n",
        b64("河北省进展表.xlsx".as_bytes()),
        b64("河北省进展表.xlsx".as_bytes()),
        b64(attachment),
    )
    .into_bytes()
}

#[test]
fn a_mail_dated_after_the_due_day_makes_a_return_late_on_basis_of_the_mail() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    std::fs::create_dir_all(&returns).unwrap();
    let bytes = april_return();
    python_mail(&returns, &bytes, "河北省4月.eml");
    let out = ingest(std::slice::from_ref(&returns));
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    assert_eq!(out.records.len(), 1, "{:?}", out.skipped);
    let r = &out.records[0];
    let shown = returns.join("河北省4月.eml").display().to_string();
    assert_eq!(r.source.file, format!("{shown}!附3_河北省_2017年4月进展表.xlsx"));
    assert_eq!(r.source.sha256, crate::ingest::sha(&bytes), "the attachment's own hash");
    assert_eq!((r.received_on, r.received_basis), (Some(d("2017-05-15")), ReceivedBasis::Mail));
    assert_eq!(r.submitted_on, Some(d("2017-05-08")), "填报时间 stays as written");
    assert_eq!(r.sender.as_deref(), Some("河北省环境保护厅 <hbhb@example.cn>"));
    let late_issue = r.issues.iter().find(|i| i.rule == Rule::SubmittedOnLate).expect("late");
    assert!(late_issue.message.contains("依据：邮件"), "{}", late_issue.message);
    assert_eq!(late_issue.cell, None, "the region is not asked to change 填报时间");
    let (state, basis) = april_state(&out.records, "2017-05-20");
    assert!(late(state), "{state:?}");
    assert_eq!(basis, Some(ReceivedBasis::Mail));
    // Not yet received on the 12th.
    assert_eq!(april_state(&out.records, "2017-05-12").0, State::Missing);
    // records.jsonl carries the contract's words.
    write_outputs(&out, &dir.path().join("out")).unwrap();
    let line = std::fs::read_to_string(dir.path().join("out/records.jsonl")).unwrap();
    let v: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!((v["received_on"].as_str(), v["received_basis"].as_str()), (Some("2017-05-15"), Some("邮件")));

    // The same file without the mail: on time, on 填报时间.
    let alone = dir.path().join("alone");
    std::fs::create_dir_all(&alone).unwrap();
    std::fs::write(alone.join("进展表.xlsx"), &bytes).unwrap();
    let out = ingest(&[alone]);
    let r = &out.records[0];
    assert_eq!((r.received_on, r.received_basis), (None, ReceivedBasis::SelfReported));
    assert!(!r.issues.iter().any(|i| i.rule == Rule::SubmittedOnLate), "{:?}", r.issues);
    let (state, basis) = april_state(&out.records, "2017-05-20");
    assert!(!late(state) && matches!(state, State::Reported { .. }), "{state:?}");
    assert_eq!(basis, Some(ReceivedBasis::SelfReported));
}

#[test]
fn thunderbird_and_web_mails_give_their_attachment_and_china_date() {
    let dir = util::tempdir();
    let bytes = april_return();
    std::fs::write(dir.path().join("tb.eml"), thunderbird_mail(&bytes)).unwrap();
    std::fs::write(dir.path().join("web.eml"), webmail(&bytes)).unwrap();
    let out = ingest(&[dir.path().join("tb.eml"), dir.path().join("web.eml")]);
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let files: Vec<(&str, Option<NaiveDate>)> =
        out.records.iter().map(|r| (r.source.file.rsplit('/').next().unwrap(), r.received_on)).collect();
    assert_eq!(
        files,
        [
            ("tb.eml!附3_河北省_2017年4月进展表.xlsx", Some(d("2017-05-15"))),
            ("web.eml!河北省进展表.xlsx", Some(d("2017-05-15")))
        ]
    );
    assert_eq!(out.records[0].sender.as_deref(), Some("河北省环保厅 <hb@example.cn>"));
    assert!(out
        .records
        .iter()
        .all(|r| r.region.as_deref() == Some("河北省") && r.received_basis == ReceivedBasis::Mail));
    // Two copies of one return: one is current, whatever the order given.
    let again = ingest(&[dir.path().join("web.eml"), dir.path().join("tb.eml")]);
    let current = |o: &IngestOutcome| {
        o.records.iter().filter(|r| r.current).map(|r| r.source.file.clone()).collect::<Vec<_>>()
    };
    assert_eq!(current(&out), current(&again));
    assert_eq!(current(&out).len(), 1);
}

/// A mail of `parts` (each a complete MIME part, headers and body).
fn multipart(subject: &str, parts: &[String]) -> Vec<u8> {
    let mut s = format!(
        "Date: Mon, 15 May 2017 10:00:00 +0800\r\nFrom: x@example.cn\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n"
    );
    for p in parts {
        s.push_str("--BOUNDARY\r\n");
        s.push_str(p);
        s.push_str("\r\n");
    }
    s.push_str("--BOUNDARY--\r\n");
    s.into_bytes()
}

fn attachment(name: &str, bytes: &[u8]) -> String {
    format!(
        "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"{name}\"\r\n\r\n{}",
        b64(bytes)
    )
}

#[test]
fn hostile_mails_are_rejected_or_read_within_limits() {
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    std::fs::create_dir_all(&returns).unwrap();
    let form = april_return();
    let put = |name: &str, bytes: &[u8]| std::fs::write(returns.join(name), bytes).unwrap();
    put("01_malformed.eml", b"\x00\x01\x02 not a mail \xff\xfe");
    put(
        "02_no_attachment.eml",
        b"Date: Mon, 15 May 2017 10:00:00 +0800\r\nSubject: =?UTF-8?B?6K+35p+l5pS2?=\r\n\r\nhello\r\n",
    );
    put("03_traversal.eml", &multipart("t", &[attachment("../../x.xlsx", &form)]));
    put("04_control.eml", &multipart("c", &[attachment("a\u{1}b\u{7f}.xlsx", &form)]));
    let many: Vec<String> = (0..1_001).map(|i| attachment(&format!("f{i}.txt"), b"x")).collect();
    put("05_thousand.eml", &multipart("m", &many));
    // Nested message/rfc822 ten deep, the return at the bottom.
    let mut nested = String::from_utf8(multipart("bottom", &[attachment("deep.xlsx", &form)])).unwrap();
    for _ in 0..10 {
        nested =
            String::from_utf8(multipart("fwd", &[format!("Content-Type: message/rfc822\r\n\r\n{nested}")]))
                .unwrap();
    }
    put("06_nested.eml", nested.as_bytes());
    put("07_outlook.msg", &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0]);
    put("08_big.eml", &multipart("b", &[attachment("big.xlsx", &vec![b'A'; 300_000])]));
    put("09_truncated.eml", &multipart("x", &[attachment("t.xlsx", &form)])[..900]);

    let mut opts = IngestOptions::default();
    opts.limits.part_bytes = 200_000;
    let out = ingest_paths(templates(), std::slice::from_ref(&returns), &opts);
    let reason = |name: &str| -> String {
        out.rejected
            .iter()
            .chain(std::iter::empty())
            .filter(|r| r.file.contains(name))
            .map(|r| r.reason.clone())
            .chain(out.skipped.iter().filter(|s| s.file.contains(name)).map(|s| s.reason.clone()))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert!(!reason("01_malformed").is_empty());
    assert!(reason("02_no_attachment").contains("邮件中没有附件（主题：请查收）"), "{}", reason("02"));
    let names: Vec<&str> = out.records.iter().map(|r| r.source.file.rsplit('/').next().unwrap()).collect();
    assert!(names.contains(&"03_traversal.eml!x.xlsx"), "{names:?}");
    assert!(names.contains(&"04_control.eml!ab.xlsx"), "{names:?}");
    assert!(reason("05_thousand").contains("1000"), "{}", reason("05"));
    assert!(!names.iter().any(|n| n.contains("deep.xlsx")), "{names:?}");
    assert!(reason("06_nested").contains("嵌套"), "{}", reason("06"));
    assert!(reason("07_outlook").contains(".eml"), "{}", reason("07"));
    assert!(reason("08_big.eml!big.xlsx").contains("文件过大"), "{}", reason("08"));
    assert!(!reason("09_truncated").is_empty() || names.iter().any(|n| n.starts_with("09")));
    // Nothing is written but the three lists, inside --out.
    let outdir = dir.path().join("out");
    write_outputs(&out, &outdir).unwrap();
    let mut all = util::walk(dir.path());
    all.retain(|f| !f.starts_with("returns/"));
    assert_eq!(all, ["out/records.jsonl", "out/rejected.jsonl", "out/skipped.jsonl"]);
}

fn review(dir: &Path, as_of: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_permit-forms"))
        .current_dir(dir)
        .args(["review", "returns", "--as-of", as_of, "--out", "审核"])
        .output()
        .unwrap()
}

/// The record of the April return in a review's records.jsonl.
fn reviewed(dir: &Path, as_of: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join(format!("审核/{as_of}/记录/records.jsonl"))).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{text}");
    lines[0].clone()
}

fn rule_ids(v: &serde_json::Value) -> Vec<String> {
    v["issues"].as_array().unwrap().iter().map(|i| i["rule"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_office_s_receipt_log_decides_survives_reruns_and_a_libreoffice_resave() {
    use permit_forms::receipt::{self, ReceivedCell, Typed};
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    std::fs::create_dir_all(&returns).unwrap();
    let bytes = april_return();
    std::fs::write(returns.join("河北省4月进展表.xlsx"), &bytes).unwrap();

    // First run: on time on 填报时间; the log lists the file, 收文日期 empty.
    let o = review(dir.path(), "2017-05-20");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = reviewed(dir.path(), "2017-05-20");
    assert_eq!((v["received_on"].as_str(), v["received_basis"].as_str()), (None, Some("填报时间")));
    assert!(!rule_ids(&v).contains(&"submitted_on.late".to_string()));
    let log_path = dir.path().join("审核").join(receipt::FILE);
    let entries = receipt::load(&log_path).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].sha256, crate::ingest::sha(&bytes));
    assert_eq!((entries[0].region.as_str(), entries[0].submitted_on), ("河北省", Some(d("2017-05-08"))));
    assert!(entries[0].received.is_none() && entries[0].first_read.is_some());

    // The office types 收文日期 12 May and a note, and saves with LibreOffice.
    let mut typed = entries.clone();
    typed[0].received = Some(ReceivedCell { typed: Typed::Date(d("2017-05-12")), date: d("2017-05-12") });
    typed[0].note = Some(Typed::Text("5月12日传真收到".into()));
    // The log is a sheet of the findings ledger: the office edits it there.
    let scratch = dir.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let with_log = |entries: &[receipt::Entry]| {
        let file = log_path.display().to_string();
        let l =
            permit_forms::ledger::read_bytes(&std::fs::read(&log_path).unwrap(), &file, &|_| true).unwrap();
        permit_forms::ledger::to_bytes_with(&l, &[], Some(entries)).unwrap()
    };
    std::fs::write(scratch.join(receipt::FILE), with_log(&typed)).unwrap();
    let resaved = util::soffice_convert(&scratch.join(receipt::FILE), "xlsx", &dir.path().join("lo"));
    std::fs::copy(&resaved, &log_path).unwrap();

    // Second run: 迟报 on the basis of 收文登记; the office's cells survive.
    let o = review(dir.path(), "2017-05-20");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = reviewed(dir.path(), "2017-05-20");
    assert_eq!(
        (v["received_on"].as_str(), v["received_basis"].as_str()),
        (Some("2017-05-12"), Some("收文登记"))
    );
    let late =
        v["issues"].as_array().unwrap().iter().find(|i| i["rule"] == "submitted_on.late").expect("late");
    assert!(late["message"].as_str().unwrap().contains("依据：收文登记"), "{late}");
    let after = receipt::load(&log_path).unwrap();
    assert_eq!(after[0].received, typed[0].received);
    assert_eq!(after[0].note, typed[0].note);
    assert_eq!(after[0].first_read, entries[0].first_read);
    // The workbook says on what the lateness rests.
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(dir.path().join("审核/2017-05-20/汇总_截至2017-05-20.xlsx")).unwrap();
    use calamine::Reader;
    let details = wb.worksheet_range("进展明细").unwrap();
    let cells: Vec<String> = details.rows().flatten().map(|c| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "迟报（收文登记）"), "{cells:?}");

    // A third run gives the same log, byte for byte.
    let before = std::fs::read(&log_path).unwrap();
    assert!(review(dir.path(), "2017-05-20").status.success());
    assert_eq!(std::fs::read(&log_path).unwrap(), before);

    // An unreadable 收文日期 stops the run, naming file and cell; nothing is overwritten.
    let mut wrong = after.clone();
    wrong[0].received =
        Some(ReceivedCell { typed: Typed::Text("五月十二号".into()), date: d("2017-05-12") });
    let bad = with_log(&wrong);
    std::fs::write(&log_path, &bad).unwrap();
    let o = review(dir.path(), "2017-05-21");
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("审核台账.xlsx")
            && err.contains("收文登记")
            && err.contains("J2")
            && err.contains("五月十二号"),
        "{err}"
    );
    assert_eq!(std::fs::read(&log_path).unwrap(), bad);
    assert!(!dir.path().join("审核/2017-05-21").exists());
}

#[test]
fn a_forwarded_mail_gives_its_attachment_once_dated_when_the_office_got_it() {
    let dir = util::tempdir();
    let inner = String::from_utf8(webmail(&april_return())).unwrap();
    let fwd = format!(
        "Date: Tue, 16 May 2017 09:00:00 +0800\r\nFrom: clerk@example.cn\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"OUTER\"\r\n\r\n--OUTER\r\nContent-Type: text/plain\r\n\r\nfwd\r\n\
         --OUTER\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"原邮件.eml\"\r\n\r\n{inner}\r\n--OUTER--\r\n"
    );
    std::fs::write(dir.path().join("fwd.eml"), fwd).unwrap();
    let out = ingest(&[dir.path().join("fwd.eml")]);
    assert!(out.rejected.is_empty(), "{:?}", out.rejected);
    let got: Vec<(&str, Option<NaiveDate>)> =
        out.records.iter().map(|r| (r.source.file.rsplit('/').next().unwrap(), r.received_on)).collect();
    assert_eq!(got, [("fwd.eml!原邮件.eml!河北省进展表.xlsx", Some(d("2017-05-16")))]);
}

#[test]
fn a_file_refused_as_a_whole_is_listed_in_the_receipt_log_too() {
    use permit_forms::receipt;
    let dir = util::tempdir();
    let returns = dir.path().join("returns");
    std::fs::create_dir_all(&returns).unwrap();
    std::fs::write(returns.join("河北省4月进展表.xlsx"), april_return()).unwrap();
    // A damaged return: the office received it, even if no form can be read.
    let damaged = b"PK\x03\x04 not really a workbook".to_vec();
    std::fs::write(returns.join("山西省4月（损坏）.xlsx"), &damaged).unwrap();
    let o = review(dir.path(), "2017-05-20");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rejected = std::fs::read_to_string(dir.path().join("审核/2017-05-20/记录/rejected.jsonl")).unwrap();
    assert!(rejected.contains(&crate::ingest::sha(&damaged)), "{rejected}");
    let entries = receipt::load(&dir.path().join("审核").join(receipt::FILE)).unwrap();
    assert_eq!(entries.len(), 2, "{entries:?}");
    let e =
        entries.iter().find(|e| e.sha256 == crate::ingest::sha(&damaged)).expect("the damaged file's row");
    assert_eq!(e.form, receipt::UNREAD_FORM);
    assert!(e.file.ends_with("山西省4月（损坏）.xlsx") && e.first_read.is_some() && e.received.is_none());
}
