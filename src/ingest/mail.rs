//! A saved e-mail (`.eml`, RFC 5322/MIME, as Foxmail, Thunderbird and web
//! mail save it), read attachment by attachment.
//!
//! Each attachment is read in memory as any file is (the same sniffing, the
//! same limits as the members of a zip, see [`archive`](super::archive)) and
//! shown as `MAIL!NAME` in `source.file`, `rejected.jsonl` and the skipped
//! list: `returns/5月/河北省.eml!进展表.xlsx`. Names may be encoded as RFC
//! 2047 words or RFC 2231 parameters, in GBK or UTF-8; bodies as base64 or
//! quoted-printable. A name is cut to its last path component and loses its
//! control characters (`../../x.xlsx` is `x.xlsx`): nothing is ever written
//! under it.
//!
//! The message's `Date`, converted to China time (UTC+8), is the day the
//! office received the attachments ([`ReceivedBasis::Mail`]); its `From` is
//! their sender. A mail without attachments is listed in `skipped.jsonl`
//! with its subject. A mail attached to the mail (a forward) is read the
//! same way, at most [`MAX_DEPTH`] levels down; its attachments keep the
//! date of the outer mail, the day the office got them.
//!
//! Outlook's `.msg` (an OLE compound file) is not read: no well-kept crate
//! reads it; the sniffer rejects it asking for the mail saved as `.eml`.

use chrono::NaiveDate;
use mail_parser::{Message, MessageParser, MimeHeaders};

use super::guard::LimitError;
use super::read::ReadError;
use super::walk::Skipped;
use super::{Found, IngestOptions};
use crate::record::ReceivedBasis;

/// Mails attached to mails are read this many levels down; deeper ones are
/// rejected.
pub const MAX_DEPTH: usize = 3;

/// China Standard Time, seconds east of UTC.
const CHINA_OFFSET: i64 = 8 * 3600;

/// Reason for an .eml without attachments (the subject follows).
pub const NO_ATTACHMENT_REASON: &str = "邮件中没有附件";

/// The date, in China time, of a mail's `Date` header.
fn china_date(m: &Message) -> Option<NaiveDate> {
    let d = m.date().filter(|d| d.is_valid())?;
    chrono::DateTime::from_timestamp(d.to_timestamp() + CHINA_OFFSET, 0).map(|t| t.date_naive())
}

fn sender(m: &Message) -> Option<String> {
    let a = m.from()?.first()?;
    let clean = |s: &str| clean_text(s).trim().to_string();
    match (a.name().map(clean).filter(|s| !s.is_empty()), a.address().map(clean)) {
        (Some(n), Some(addr)) => Some(format!("{n} <{addr}>")),
        (n, addr) => n.or(addr).filter(|s| !s.is_empty()),
    }
}

/// Text without control characters (a name or subject can carry any byte
/// once decoded).
fn clean_text(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// An attachment's name as shown: its last path component without control
/// characters, or `附件N` when nothing is left.
pub fn attachment_name(raw: Option<&str>, n: usize) -> String {
    let cleaned = clean_text(raw.unwrap_or(""));
    let base = cleaned.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base.chars().all(|c| c == '.') {
        format!("附件{n}")
    } else {
        base.to_string()
    }
}

/// Where reading a mail stands: attachments seen and bytes decoded, against
/// the limits of an archive.
struct Budget<'o> {
    opts: &'o IngestOptions,
    entries: usize,
    bytes: u64,
}

/// Reads the attachments of the mail `bytes` (shown as `shown`), handing
/// each attachment's name (`shown!name`) and bytes, or the reason it was not
/// read, to `each`; the records found get the mail's date and sender.
pub(super) fn read_mail(
    shown: &str,
    bytes: &[u8],
    opts: &IngestOptions,
    each: &mut dyn FnMut(&str, super::archive::Member) -> Found,
) -> Found {
    // A malformed structure must be a rejection, never the end of the run.
    let parsed =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| MessageParser::default().parse(bytes)));
    let message = match parsed {
        Ok(Some(m)) if !m.headers().is_empty() => m,
        Ok(_) => return Found::rejected(shown, ReadError::Unsupported(NOT_A_MAIL.into())),
        Err(_) => return Found::rejected(shown, ReadError::damaged("mail parser panicked")),
    };
    let date = china_date(&message);
    let from = sender(&message);
    let mut budget = Budget { opts, entries: 0, bytes: 0 };
    let mut found = match read_parts(shown, &message, 0, &mut budget, each) {
        Ok(f) => f,
        Err(e) => return Found::rejected(shown, e),
    };
    if budget.entries == 0 {
        let subject = message.subject().map(clean_text).unwrap_or_default();
        let subject = if subject.trim().is_empty() { "（无主题）".to_string() } else { subject };
        found.skipped.push(Skipped {
            file: shown.to_string(),
            reason: format!("{NO_ATTACHMENT_REASON}（主题：{}）", subject.trim()),
        });
    }
    for r in &mut found.records {
        if let Some(d) = date {
            r.received_on = Some(d);
            r.received_basis = ReceivedBasis::Mail;
        }
        r.sender.clone_from(&from);
    }
    found
}

/// Reason for bytes named .eml that are no mail.
const NOT_A_MAIL: &str = "不是可读取的邮件文件（.eml），请在邮件客户端中将邮件另存为 .eml 后放入报表文件夹";

fn read_parts(
    shown: &str,
    message: &Message,
    depth: usize,
    budget: &mut Budget,
    each: &mut dyn FnMut(&str, super::archive::Member) -> Found,
) -> Result<Found, ReadError> {
    let limits = &budget.opts.limits;
    let cap = budget.opts.max_file_size.min(limits.part_bytes);
    let mut found = Found::default();
    for (i, part) in message.attachments().enumerate() {
        budget.entries += 1;
        if budget.entries > limits.entries {
            return Err(ReadError::Unsupported(format!(
                "邮件中的附件超过 {} 个的上限（疑似邮件炸弹），未读取",
                limits.entries
            )));
        }
        let raw =
            message.raw_message().get(part.raw_header_offset() as usize..part.raw_body_offset() as usize);
        let continued =
            raw.and_then(|h| continued_param(h, "filename").or_else(|| continued_param(h, "name")));
        let name = attachment_name(continued.as_deref().or(part.attachment_name()), i + 1);
        let label = format!("{shown}!{name}");
        if let Some(inner) = part.message() {
            if depth + 1 >= MAX_DEPTH {
                found.extend(Found::rejected(
                    &label,
                    ReadError::Unsupported(format!("邮件中附带的邮件嵌套超过 {MAX_DEPTH} 层，未读取")),
                ));
            } else {
                let label =
                    if name.to_lowercase().ends_with(".eml") { label } else { format!("{label}.eml") };
                found.extend(read_parts(&label, inner, depth + 1, budget, each)?);
            }
            continue;
        }
        let data = part.contents();
        let size = data.len() as u64;
        if size > cap {
            found.extend(each(&label, Err(ReadError::TooLarge { size, limit: cap })));
            continue;
        }
        budget.bytes += size;
        if budget.bytes > limits.package_bytes {
            return Err(LimitError::package_too_large(limits).into());
        }
        if part.attachment_name().is_none() && part.ctype_is("image") {
            found
                .skipped
                .push(Skipped { file: label, reason: "邮件正文中的图片，不是报表".into() });
            continue;
        }
        found.extend(each(&label, Ok(data.to_vec())));
    }
    Ok(found)
}

/// An RFC 2231 parameter continued over several segments
/// (`filename*0*=gbk''%B8%BD; filename*1*=%BC%FE.xlsx`), its bytes joined
/// and then decoded in the charset the first segment names. mail-parser
/// decodes each segment on its own, and later segments (which carry no
/// charset of their own) come out garbled when they are not UTF-8. `None`
/// for a parameter given in one piece (mail-parser reads those right).
fn continued_param(raw: &[u8], param: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ");
    let lower = text.to_ascii_lowercase();
    let mut segments: std::collections::BTreeMap<u32, (bool, &str)> = Default::default();
    let key = format!("{param}*");
    let mut from = 0;
    while let Some(at) = lower[from..].find(&key).map(|i| i + from) {
        from = at + key.len();
        let before = lower[..at].chars().next_back();
        if !matches!(before, Some(';' | ' ' | '\t')) {
            continue;
        }
        let rest = &text[from..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Ok(n) = digits.parse::<u32>() else { continue };
        let rest = &rest[digits.len()..];
        let (encoded, rest) = match rest.strip_prefix('*') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let Some(rest) = rest.strip_prefix('=') else { continue };
        let end = rest.find([';', '\n']).unwrap_or(rest.len());
        segments.insert(n, (encoded, rest[..end].trim().trim_matches('"')));
    }
    if segments.len() < 2 || segments.keys().copied().ne(0..segments.len() as u32) {
        return None;
    }
    let (first_encoded, first) = segments[&0];
    let (charset, first) = if first_encoded {
        let mut p = first.splitn(3, '\'');
        let (c, _lang, v) = (p.next()?, p.next()?, p.next()?);
        (c, v)
    } else {
        ("utf-8", first)
    };
    let mut bytes = Vec::new();
    for (i, (encoded, value)) in segments.values().enumerate() {
        let value = if i == 0 { first } else { value };
        if *encoded {
            let b = value.as_bytes();
            let mut k = 0;
            while k < b.len() {
                let hex = |c: u8| (c as char).to_digit(16);
                match (b[k], b.get(k + 1).copied().and_then(hex), b.get(k + 2).copied().and_then(hex)) {
                    (b'%', Some(h), Some(l)) => {
                        bytes.push((h * 16 + l) as u8);
                        k += 3;
                    }
                    (c, _, _) => {
                        bytes.push(c);
                        k += 1;
                    }
                }
            }
        } else {
            bytes.extend_from_slice(value.as_bytes());
        }
    }
    let encoding = encoding_rs::Encoding::for_label(charset.trim().as_bytes())?;
    let (decoded, _, bad) = encoding.decode(&bytes);
    (!bad).then(|| decoded.into_owned())
}

/// A part's content type is `kind/…`.
trait CtypeIs {
    fn ctype_is(&self, kind: &str) -> bool;
}

impl CtypeIs for mail_parser::MessagePart<'_> {
    fn ctype_is(&self, kind: &str) -> bool {
        self.content_type().is_some_and(|c| c.ctype().eq_ignore_ascii_case(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continued_rfc2231_names_are_joined_before_decoding() {
        let raw = b"Content-Disposition: attachment;\r\n filename*0*=gbk''%B8%BD%BC%FE;\r\n filename*1*=%B1%ED.xlsx\r\n";
        assert_eq!(continued_param(raw, "filename").as_deref(), Some("附件表.xlsx"));
        assert_eq!(continued_param(raw, "name"), None, "name only inside filename");
        assert_eq!(continued_param(b"Content-Type: x; name*=utf-8''%E8%A1%A8.xlsx\r\n", "name"), None);
    }

    #[test]
    fn names_lose_their_folders_and_control_characters() {
        assert_eq!(attachment_name(Some("../../x.xlsx"), 1), "x.xlsx");
        assert_eq!(attachment_name(Some("..\\..\\进展表.xlsx"), 1), "进展表.xlsx");
        assert_eq!(attachment_name(Some("a\u{0}b\r\n.xlsx"), 1), "ab.xlsx");
        assert_eq!(attachment_name(Some("../.."), 3), "附件3");
        assert_eq!(attachment_name(None, 2), "附件2");
    }
}
