//! Route 53 record sets (JSON) → the same [`Zone`] model as a master file,
//! so `lint` runs the same checks on both.
//!
//! ```text
//! aws route53 list-resource-record-sets:
//!   {"ResourceRecordSets": [RRSET, ...], "IsTruncated": false, "MaxItems": "300",
//!    "NextRecordName": ..., "NextRecordType": ...}
//! a change batch (change-resource-record-sets --change-batch):
//!   {"Comment": "...", "Changes": [{"Action": "CREATE" | "UPSERT" | "DELETE",
//!                                   "ResourceRecordSet": RRSET}, ...]}
//! change-resource-record-sets --cli-input-json:
//!   {"HostedZoneId": "...", "ChangeBatch": {"Comment": ..., "Changes": [...]}}
//! RRSET:
//!   {"Name": "s1._domainkey.example.com.", "Type": "TXT", "TTL": 300,
//!    "ResourceRecords": [{"Value": "\"v=DKIM1; k=rsa; p=...\" \"...\""}, ...]}
//!   {"Name": "example.com.", "Type": "A",
//!    "AliasTarget": {"HostedZoneId": "...", "DNSName": "...", "EvaluateTargetHealth": false}}
//! ```
//!
//! Each `Value` is rdata in master-file syntax; it goes through the zone
//! parser, so TXT strings, targets and MX data come out as they would from a
//! master file. Where Route 53 differs from a master file:
//!
//! - Names are absolute with or without the trailing dot, also the targets
//!   in CNAME, NS, MX, SRV and SOA data: nothing is relative to an origin.
//! - Special characters are written as `\ooo` *octal* escapes (`\052` is
//!   `*`), not RFC 1035's decimal `\DDD`. They are rewritten as decimal
//!   escapes (same length, so columns stay put) before the zone parser sees
//!   the text, and a name's resolved form shows the characters decoded.
//! - `DELETE` changes are not part of the zone and are skipped.
//! - An alias record set has no values; it becomes one record of its type
//!   with generic data `ALIAS <DNSName>` (a traffic-policy record set,
//!   `TRAFFIC-POLICY <id>`), so the checks still see data at the name.
//!
//! Positions: serde_json checks the document and places its errors, but keeps
//! no positions; the scanner of [`super::json`] then reads the checked text
//! into a tree that knows the line and column (in characters) of every key
//! and value. A record is placed at its record set's `"Name"` key, its
//! owner at the name string, and every rdata item at the opening quote of
//! its `"Value"`.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use serde::de::IgnoredAny;

use super::json::{Member, Node, Pos, Scanner, Value, is_json_space, json_error, position_of};
use super::parse::ends_with_unescaped_dot;
use super::{
    ErrorKind, Name, OriginSource, RData, RecordType, Span, Zone, ZoneError, ZoneOptions,
    ZoneRecord, absolute_origin, origin_from_file_name, parse_str,
};

/// The UTF-8 byte-order mark some Windows tools write before JSON.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Whether bytes look like a Route 53 JSON document rather than a master
/// file (the first byte that is not whitespace is `{`).
pub fn is_route53_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    bytes.iter().find(|b| !is_json_space(**b)) == Some(&b'{')
}

/// Parses `aws route53 list-resource-record-sets` output, a change batch
/// (`{"Comment": ..., "Changes": [...]}`) or the `change-resource-record-sets
/// --cli-input-json` form (`{"HostedZoneId": ..., "ChangeBatch": {...}}`)
/// read from `file` into a [`Zone`], one record per value.
///
/// The origin is `options.origin`, else the name of the first SOA record
/// set, else the file name (`example.com.json`, `example.com.list.json`).
pub fn parse_route53(bytes: &[u8], file: &Path, options: &ZoneOptions) -> Result<Zone, ZoneError> {
    let file_arc: Arc<Path> = Arc::from(file);
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = position_of(bytes, e.valid_up_to());
        syntax(&file_arc, at, ErrorKind::InvalidUtf8)
    })?;
    if let Err(e) = serde_json::from_str::<IgnoredAny>(text) {
        let (at, message) = json_error(text, &e);
        return Err(syntax(&file_arc, at, ErrorKind::Json(message)));
    }
    let root = Scanner::new(text)
        .document()
        .map_err(|(at, message)| syntax(&file_arc, at, ErrorKind::Json(message)))?;
    let sets = record_sets(&root)
        .map_err(|(at, message)| syntax(&file_arc, at, ErrorKind::Route53(message)))?;
    let mut reader = Reader {
        file: file_arc,
        records: Vec::new(),
        soa: None,
        routed: Default::default(),
    };
    for set in sets {
        reader.record_set(set)?;
    }
    let (origin, origin_source) = if let Some(origin) = &options.origin {
        (Some(absolute_origin(origin)), OriginSource::Option)
    } else if let Some(origin) = reader.soa {
        (Some(origin), OriginSource::Soa)
    } else if let Some(origin) = origin_from_json_file_name(file) {
        (Some(origin), OriginSource::FileName)
    } else {
        (None, OriginSource::None)
    };
    Ok(Zone {
        origin,
        origin_source,
        records: reader.records,
    })
}

/// The origin a file name gives, as for a master file except that `.json`
/// and then one word naming the kind of document (`.list`, `.batch`, ...)
/// are dropped first: `example.com.batch.json` gives `example.com.`.
fn origin_from_json_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let Some(mut stem) = strip_suffix_ignore_case(name, ".json") else {
        return origin_from_file_name(path);
    };
    for kind in [
        ".list",
        ".batch",
        ".changes",
        ".change-batch",
        ".records",
        ".rrsets",
        ".route53",
        ".r53",
    ] {
        if let Some(rest) = strip_suffix_ignore_case(stem, kind) {
            stem = rest;
            break;
        }
    }
    origin_from_file_name(Path::new(stem))
}

fn strip_suffix_ignore_case<'s>(text: &'s str, suffix: &str) -> Option<&'s str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let (head, tail) = (text.get(..cut)?, text.get(cut..)?);
    (!head.is_empty() && tail.eq_ignore_ascii_case(suffix)).then_some(head)
}

/// The record sets of a document, in order, `DELETE` changes left out.
fn record_sets<'n, 'a>(root: &'n Node<'a>) -> Result<Vec<&'n Node<'a>>, (Pos, String)> {
    if !matches!(root.value, Value::Object(_)) {
        return Err((
            root.at,
            "not a Route 53 document: expected a JSON object".into(),
        ));
    }
    if let Some(sets) = root.get("ResourceRecordSets") {
        let sets = sets.value.array().ok_or_else(|| {
            (
                sets.value.at,
                "ResourceRecordSets must be an array of record sets".into(),
            )
        })?;
        return Ok(sets.iter().collect());
    }
    let changes = match (root.get("Changes"), root.get("ChangeBatch")) {
        (Some(changes), _) => changes,
        (None, Some(batch)) => {
            if !matches!(batch.value.value, Value::Object(_)) {
                return Err((batch.value.at, "ChangeBatch must be an object".into()));
            }
            batch
                .value
                .get("Changes")
                .ok_or_else(|| (batch.value.at, "ChangeBatch has no Changes".into()))?
        }
        (None, None) => {
            return Err((
                root.at,
                "not a Route 53 document: expected ResourceRecordSets \
                 (list-resource-record-sets output), Changes (a change batch) \
                 or ChangeBatch (--cli-input-json)"
                    .into(),
            ));
        }
    };
    let changes = changes.value.array().ok_or_else(|| {
        (
            changes.value.at,
            "Changes must be an array of changes".into(),
        )
    })?;
    let mut sets = Vec::with_capacity(changes.len());
    for change in changes {
        let action = change
            .get("Action")
            .ok_or_else(|| (change.at, "change has no Action".into()))?;
        let action_text = action
            .value
            .string()
            .ok_or_else(|| (action.value.at, "Action must be a string".into()))?;
        if action_text.eq_ignore_ascii_case("DELETE") {
            continue;
        }
        if !action_text.eq_ignore_ascii_case("CREATE")
            && !action_text.eq_ignore_ascii_case("UPSERT")
        {
            return Err((
                action.value.at,
                format!("unknown Action `{action_text}` (expected CREATE, UPSERT or DELETE)"),
            ));
        }
        let set = change
            .get("ResourceRecordSet")
            .ok_or_else(|| (change.at, "change has no ResourceRecordSet".into()))?;
        sets.push(&set.value);
    }
    Ok(sets)
}

/// Turns record sets into records.
struct Reader {
    file: Arc<Path>,
    records: Vec<ZoneRecord>,
    /// The owner of the first SOA record set.
    soa: Option<String>,
    /// Name and type of each record set with a routing policy seen.
    routed: std::collections::HashSet<(String, String)>,
}

/// What a record set holds.
enum Data<'n, 'a> {
    /// `ResourceRecords`: the `Value` strings.
    Values(&'n [Node<'a>]),
    /// `AliasTarget` or `TrafficPolicyInstanceId`: generic text and where it is.
    Generic(String, Pos),
}

impl Reader {
    fn span(&self, at: Pos) -> Span {
        Span {
            file: self.file.clone(),
            line: at.line,
            column: at.column,
        }
    }

    fn error(&self, at: Pos, message: String) -> ZoneError {
        syntax(&self.file, at, ErrorKind::Route53(message))
    }

    /// A string member of a record set, decoded; `None` if absent.
    fn string_member<'n, 'a>(
        &self,
        node: &'n Node<'a>,
        key: &str,
    ) -> Result<Option<(Cow<'a, str>, &'n Member<'a>)>, ZoneError> {
        let Some(member) = node.get(key) else {
            return Ok(None);
        };
        let text = member
            .value
            .string()
            .ok_or_else(|| self.error(member.value.at, format!("{key} must be a string")))?;
        Ok(Some((text, member)))
    }

    fn record_set(&mut self, set: &Node<'_>) -> Result<(), ZoneError> {
        if !matches!(set.value, Value::Object(_)) {
            return Err(self.error(set.at, "a record set must be a JSON object".into()));
        }
        let (written, name_member) = self
            .string_member(set, "Name")?
            .ok_or_else(|| self.error(set.at, "record set has no Name".into()))?;
        if written.is_empty() {
            return Err(self.error(name_member.value.at, "record set has an empty Name".into()));
        }
        let owner = absolute_name(&octal_to_decimal(&written));
        let (type_text, type_member) = self
            .string_member(set, "Type")?
            .ok_or_else(|| self.error(set.at, format!("record set {owner} has no Type")))?;
        let record_type = RecordType::parse(&type_text).ok_or_else(|| {
            self.error(
                type_member.value.at,
                format!("bad Type `{type_text}` in record set {owner}"),
            )
        })?;
        let ttl = match set.get("TTL") {
            None => None,
            Some(member) => Some(ttl_of(&member.value).ok_or_else(|| {
                self.error(
                    member.value.at,
                    format!("bad TTL in record set {owner}: expected whole seconds"),
                )
            })?),
        };
        let data = self.data(set, &owner)?;
        // Weighted, latency, failover, geolocation... record sets share a
        // name and type and differ by SetIdentifier: alternatives of which
        // a resolver gets one, not records beside each other. The first
        // stands for them all.
        if set.get("SetIdentifier").is_some()
            && !self
                .routed
                .insert((owner.to_ascii_lowercase(), type_text.to_ascii_uppercase()))
        {
            return Ok(());
        }
        if record_type == RecordType::Soa && self.soa.is_none() {
            self.soa = Some(owner.clone());
        }
        let set_info = SetInfo {
            name_key: name_member.at,
            name: Name {
                written: written.into_owned(),
                resolved: owner,
                relative: false,
                span: self.span(name_member.value.at),
            },
            name_at: name_member.value.at,
            type_at: type_member.value.at,
            record_type,
            ttl,
        };
        match data {
            Data::Values(values) => {
                self.records.reserve(values.len());
                for value in values {
                    let record = self.value_record(&set_info, value)?;
                    self.records.push(record);
                }
            }
            Data::Generic(text, at) => {
                // Parsed only to check the owner as a master-file name would be.
                self.parse_line(&set_info, "TYPE0", "", at)?;
                self.records.push(ZoneRecord {
                    span: self.span(set_info.name_key),
                    owner: set_info.name.clone(),
                    owner_inherited: false,
                    ttl: set_info.ttl,
                    ttl_written: set_info.ttl.is_some(),
                    class: super::Class::In,
                    record_type: set_info.record_type.clone(),
                    rdata: RData::Generic { text },
                    rdata_spans: vec![self.span(at)],
                });
            }
        }
        Ok(())
    }

    /// The values, alias or traffic policy of a record set.
    fn data<'n, 'a>(&self, set: &'n Node<'a>, owner: &str) -> Result<Data<'n, 'a>, ZoneError> {
        let values = set.get("ResourceRecords");
        let alias = set.get("AliasTarget");
        if let (Some(_), Some(alias)) = (values, alias) {
            return Err(self.error(
                alias.at,
                format!("record set {owner} has both ResourceRecords and AliasTarget"),
            ));
        }
        if let Some(values) = values {
            let list = values.value.array().ok_or_else(|| {
                self.error(
                    values.value.at,
                    format!("ResourceRecords of record set {owner} must be an array"),
                )
            })?;
            if list.is_empty() {
                return Err(
                    self.error(values.value.at, format!("record set {owner} has no values"))
                );
            }
            return Ok(Data::Values(list));
        }
        if let Some(alias) = alias {
            if !matches!(alias.value.value, Value::Object(_)) {
                return Err(self.error(
                    alias.value.at,
                    format!("AliasTarget of record set {owner} must be an object"),
                ));
            }
            let (dns_name, member) =
                self.string_member(&alias.value, "DNSName")?
                    .ok_or_else(|| {
                        self.error(
                            alias.value.at,
                            format!("AliasTarget of record set {owner} has no DNSName"),
                        )
                    })?;
            return Ok(Data::Generic(format!("ALIAS {dns_name}"), member.value.at));
        }
        if let Some((id, member)) = self.string_member(set, "TrafficPolicyInstanceId")? {
            return Ok(Data::Generic(
                format!("TRAFFIC-POLICY {id}"),
                member.value.at,
            ));
        }
        Err(self.error(
            set.at,
            format!("record set {owner} has neither ResourceRecords nor AliasTarget"),
        ))
    }

    /// One record from one `{"Value": ...}` of a record set.
    fn value_record(&self, set: &SetInfo, item: &Node<'_>) -> Result<ZoneRecord, ZoneError> {
        let value = match item.get("Value") {
            Some(member) => member,
            None if matches!(item.value, Value::Object(_)) => {
                return Err(self.error(
                    item.at,
                    format!("a value of record set {} has no Value", set.name.resolved),
                ));
            }
            None => {
                return Err(self.error(
                    item.at,
                    format!(
                        "ResourceRecords of record set {} must hold {{\"Value\": ...}} objects",
                        set.name.resolved
                    ),
                ));
            }
        };
        let at = value.value.at;
        let text = value.value.string().ok_or_else(|| {
            self.error(
                at,
                format!("Value in record set {} must be a string", set.name.resolved),
            )
        })?;
        if text.contains(['\n', '\r']) {
            return Err(self.error(
                at,
                format!(
                    "bad {} data in record set {}: line break in value",
                    set.record_type, set.name.resolved
                ),
            ));
        }
        let rdata_text = octal_to_decimal(&text);
        let mut record = self.parse_line(set, &set.record_type.to_string(), &rdata_text, at)?;
        let span = self.span(at);
        relocate(&mut record.rdata, &span, &text, set.value_column());
        for s in &mut record.rdata_spans {
            *s = span.clone();
        }
        record.span = self.span(set.name_key);
        record.owner = set.name.clone();
        record.ttl = set.ttl;
        record.ttl_written = set.ttl.is_some();
        Ok(record)
    }

    /// Parses `<owner> IN <type> <rdata>` with the zone parser, origin the
    /// root (Route 53 names are absolute), and places its errors in the JSON.
    fn parse_line(
        &self,
        set: &SetInfo,
        type_text: &str,
        rdata: &str,
        value_at: Pos,
    ) -> Result<ZoneRecord, ZoneError> {
        let line = format!("{} IN {type_text} {rdata}", set.name.resolved);
        // An empty file name: no origin from it, and no file-system look-up.
        let zone = parse_str(&line, Some("."), Path::new("")).map_err(|e| {
            let Some((span, kind)) = e.span().zip(e.kind()) else {
                return self.error(value_at, e.to_string());
            };
            let type_column = set.type_column();
            // Missing rdata is reported at the type; it is the value's fault.
            let in_rdata = matches!(kind, ErrorKind::BadRdata { .. })
                || span.column > type_column + char_len(type_text);
            if span.column < type_column {
                syntax(&self.file, set.name_at, kind.clone())
            } else if !in_rdata {
                syntax(&self.file, set.type_at, kind.clone())
            } else {
                let reason = match kind {
                    ErrorKind::BadRdata { reason, .. } => reason.clone(),
                    other => other.to_string(),
                };
                self.error(
                    value_at,
                    format!(
                        "bad {} data in record set {}: {reason}",
                        set.record_type, set.name.resolved
                    ),
                )
            }
        })?;
        let mut records = zone.records;
        match (records.pop(), records.is_empty()) {
            (Some(record), true) => Ok(record),
            _ => Err(self.error(
                value_at,
                format!(
                    "bad {} data in record set {}: not one record",
                    set.record_type, set.name.resolved
                ),
            )),
        }
    }
}

/// What every record of a record set shares.
struct SetInfo {
    /// The `"Name"` key (where each record is placed).
    name_key: Pos,
    /// The owner.
    name: Name,
    /// The name string.
    name_at: Pos,
    /// The type string.
    type_at: Pos,
    record_type: RecordType,
    ttl: Option<u32>,
}

impl SetInfo {
    /// Column of the type in the master-file line `<owner> IN <type> ...`.
    fn type_column(&self) -> u32 {
        char_len(&self.name.resolved) + 5
    }

    /// Column of the rdata in that line.
    fn value_column(&self) -> u32 {
        self.type_column() + char_len(&self.record_type.to_string()) + 1
    }
}

fn char_len(text: &str) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}

/// A TTL: a whole number of seconds that fits in 32 bits.
fn ttl_of(node: &Node<'_>) -> Option<u32> {
    match node.value {
        Value::Scalar(text) if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok(),
        _ => None,
    }
}

/// Moves every span in `rdata` to the value's, makes its names absolute
/// (`resolved` with escapes decoded) and gives them back their text as
/// written in the JSON. `column` is where the rdata starts in the line the
/// zone parser read; the octal-to-decimal rewrite kept every character in
/// place, so a name's column there is its offset in `value`.
fn relocate(rdata: &mut RData, span: &Span, value: &str, column: u32) {
    let fix = |name: &mut Name| {
        let offset = name.span.column.saturating_sub(column) as usize;
        let written = value
            .char_indices()
            .nth(offset)
            .and_then(|(start, _)| value.get(start..start + name.written.len()));
        if let Some(written) = written {
            name.written = written.to_string();
        }
        name.resolved = absolute_name(&name.resolved);
        name.relative = false;
        name.span = span.clone();
    };
    match rdata {
        RData::Cname { target } | RData::Ns { target } | RData::Ptr { target } => fix(target),
        RData::Mx { exchange, .. } => fix(exchange),
        RData::Srv { target, .. } => fix(target),
        RData::Soa(soa) => {
            fix(&mut soa.mname);
            fix(&mut soa.rname);
        }
        RData::Txt { strings } => {
            for s in strings {
                s.span = span.clone();
            }
        }
        RData::Caa { value, .. } => value.span = span.clone(),
        RData::A { .. } | RData::Aaaa { .. } | RData::Generic { .. } => {}
    }
}

/// Rewrites Route 53's `\ooo` octal escapes as RFC 1035 `\DDD` decimal
/// ones; other escapes (`\"`, `\\`, a `\ooo` over 255) are kept as written.
/// Every escape keeps its length, so each character keeps its column.
fn octal_to_decimal(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(rel) = bytes.get(i..).and_then(|rest| memchr::memchr(b'\\', rest)) {
        i += rel;
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)))
            .map(|d| d.iter().fold(0u32, |acc, &b| acc * 8 + u32::from(b - b'0')))
            .filter(|v| *v <= 255);
        match octal {
            Some(value) => {
                out.push_str(&text[copied..i]);
                out.push_str(&format!("\\{value:03}"));
                i += 4;
                copied = i;
            }
            // `\\` must not start an escape of what follows it.
            None => i += 2,
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// A name in presentation form, absolute: escapes decoded where the
/// character needs none (`\042` → `*`), characters that would end a
/// master-file word escaped, and a trailing dot.
fn absolute_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    let mut chars = name.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            if c == '.' {
                out.push('.');
            } else if c.is_ascii() {
                push_name_byte(&mut out, c as u8);
            } else {
                out.push(c);
            }
            continue;
        }
        let digits = name
            .get(i + 1..i + 4)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<u8>().ok());
        if let Some(byte) = digits {
            push_name_byte(&mut out, byte);
            for _ in 0..3 {
                chars.next();
            }
            continue;
        }
        match chars.next() {
            Some((_, '.')) => out.push_str("\\."),
            Some((_, c)) if c.is_ascii() => push_name_byte(&mut out, c as u8),
            Some((_, c)) => out.push(c),
            // A lone trailing backslash: kept, for the zone parser to reject.
            None => out.push('\\'),
        }
    }
    if out.starts_with('$') {
        out.insert(0, '\\');
    }
    if out.is_empty() || !ends_with_unescaped_dot(&out) {
        out.push('.');
    }
    out
}

/// Appends one byte of a label (a `.` in it is escaped).
fn push_name_byte(out: &mut String, byte: u8) {
    match byte {
        b'.' | b'\\' | b'"' | b';' | b'(' | b')' => {
            out.push('\\');
            out.push(char::from(byte));
        }
        0x21..=0x7e => out.push(char::from(byte)),
        _ => out.push_str(&format!("\\{byte:03}")),
    }
}

fn syntax(file: &Arc<Path>, at: Pos, kind: ErrorKind) -> ZoneError {
    ZoneError::Syntax {
        span: Span {
            file: file.clone(),
            line: at.line,
            column: at.column,
        },
        kind,
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn fixture(name: &str) -> (PathBuf, Vec<u8>) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/route53")
            .join(name);
        let bytes = std::fs::read(&path).expect("fixture");
        (path, bytes)
    }

    fn parse(text: &str) -> Result<Zone, ZoneError> {
        parse_route53(
            text.as_bytes(),
            Path::new("r53.json"),
            &ZoneOptions::default(),
        )
    }

    /// `(line, column)` of a span.
    fn at(span: &Span) -> (u32, u32) {
        (span.line, span.column)
    }

    fn err(text: &str) -> (ErrorKind, u32, u32) {
        match parse(text) {
            Err(ZoneError::Syntax { span, kind }) => {
                assert_eq!(&*span.file, Path::new("r53.json"));
                (kind, span.line, span.column)
            }
            other => panic!("{text:?}: expected a syntax error, got {other:?}"),
        }
    }

    fn txt(record: &ZoneRecord) -> Vec<String> {
        match &record.rdata {
            RData::Txt { strings } => strings.iter().map(|s| s.to_text()).collect(),
            other => panic!("not TXT: {other:?}"),
        }
    }

    fn target(record: &ZoneRecord) -> &Name {
        match &record.rdata {
            RData::Cname { target } | RData::Ns { target } => target,
            RData::Mx { exchange, .. } => exchange,
            other => panic!("no target: {other:?}"),
        }
    }

    #[test]
    fn detects_json() {
        for (input, json) in [
            (&b"{}"[..], true),
            (b"  \r\n\t{\"Changes\": []}", true),
            (b"\xef\xbb\xbf{", true),
            (b"$ORIGIN example.com.\n", false),
            (b"; {\n", false),
            (b"[{}]", false),
            (b"", false),
            (b"   ", false),
        ] {
            assert_eq!(is_route53_json(input), json, "{input:?}");
        }
    }

    #[test]
    fn list_output_fixture() {
        let (path, bytes) = fixture("example.com.list.json");
        let zone = parse_route53(&bytes, &path, &ZoneOptions::default()).expect("parses");
        assert_eq!(zone.origin.as_deref(), Some("example.com."));
        assert_eq!(zone.origin_source, OriginSource::Soa);
        let got: Vec<_> = zone
            .records
            .iter()
            .map(|r| {
                (
                    r.owner.resolved.as_str(),
                    r.record_type.to_string(),
                    r.ttl,
                    at(&r.span),
                    at(&r.owner.span),
                    r.rdata_spans.iter().map(at).collect::<Vec<_>>(),
                )
            })
            .collect();
        let apex = "example.com.";
        let tokens = [
            "cogrsajbqxdep54eedmx37gtlkekcop6",
            "ivfc3i6bv4744fack4oobw5csau3bv4v",
            "lbbk3spasyz2vglapff7cvwvozljcjim",
        ]
        .map(|t| format!("{t}._domainkey.example.com."));
        let value = |line| vec![(line, 30)];
        assert_eq!(
            got,
            vec![
                (apex, "A".into(), None, (4, 13), (4, 21), vec![(8, 28)]),
                (
                    apex,
                    "MX".into(),
                    Some(300),
                    (13, 13),
                    (13, 21),
                    [(18, 30); 2].to_vec()
                ),
                (
                    apex,
                    "NS".into(),
                    Some(172800),
                    (23, 13),
                    (23, 21),
                    value(28)
                ),
                (
                    apex,
                    "NS".into(),
                    Some(172800),
                    (23, 13),
                    (23, 21),
                    value(31)
                ),
                (
                    apex,
                    "NS".into(),
                    Some(172800),
                    (23, 13),
                    (23, 21),
                    value(34)
                ),
                (
                    apex,
                    "NS".into(),
                    Some(172800),
                    (23, 13),
                    (23, 21),
                    value(37)
                ),
                (
                    apex,
                    "SOA".into(),
                    Some(900),
                    (42, 13),
                    (42, 21),
                    [(47, 30); 7].to_vec()
                ),
                (apex, "TXT".into(), Some(300), (52, 13), (52, 21), value(57)),
                (
                    "*.example.com.",
                    "A".into(),
                    Some(300),
                    (62, 13),
                    (62, 21),
                    value(67)
                ),
                (
                    "_amazonses.example.com.",
                    "TXT".into(),
                    Some(1800),
                    (72, 13),
                    (72, 21),
                    value(77)
                ),
                (
                    &tokens[0],
                    "CNAME".into(),
                    Some(1800),
                    (82, 13),
                    (82, 21),
                    value(87)
                ),
                (
                    &tokens[1],
                    "CNAME".into(),
                    Some(1800),
                    (92, 13),
                    (92, 21),
                    value(97)
                ),
                (
                    &tokens[2],
                    "CNAME".into(),
                    Some(1800),
                    (102, 13),
                    (102, 21),
                    value(107)
                ),
                (
                    "_dmarc.example.com.",
                    "TXT".into(),
                    Some(300),
                    (112, 13),
                    (112, 21),
                    value(117)
                ),
                (
                    "www.example.com.",
                    "A".into(),
                    None,
                    (122, 13),
                    (122, 21),
                    vec![(126, 28)]
                ),
            ]
        );
        let r = &zone.records;
        assert!(r.iter().all(|r| r.class == super::super::Class::In));
        assert!(r.iter().all(|r| !r.owner.relative && !r.owner_inherited));
        assert!(r.iter().all(|r| r.ttl_written == r.ttl.is_some()));
        assert!(r.iter().all(|r| &*r.span.file == path.as_path()));
        assert_eq!(
            r[0].rdata,
            RData::Generic {
                text: "ALIAS d111111abcdef8.cloudfront.net.".into()
            }
        );
        assert_eq!(
            (r[8].owner.written.as_str(), r[8].owner.resolved.as_str()),
            ("\\052.example.com.", "*.example.com.")
        );
        let mx = target(&r[1]);
        assert_eq!(
            (mx.resolved.as_str(), mx.relative, at(&mx.span)),
            ("inbound-smtp.us-east-1.amazonaws.com.", false, (18, 30))
        );
        let RData::Soa(soa) = &r[6].rdata else {
            panic!("not SOA");
        };
        assert_eq!(
            (soa.mname.resolved.as_str(), soa.rname.resolved.as_str()),
            ("ns-1536.awsdns-00.co.uk.", "awsdns-hostmaster.amazon.com.")
        );
        assert_eq!((soa.serial, soa.minimum), (1, 86400));
        assert_eq!(txt(&r[7]), ["v=spf1 include:amazonses.com -all"]);
        let cname_targets: Vec<_> = r[10..13]
            .iter()
            .map(|r| {
                let t = target(r);
                (t.written.as_str(), t.resolved.as_str(), t.relative)
            })
            .collect();
        assert_eq!(
            cname_targets,
            vec![
                (
                    "cogrsajbqxdep54eedmx37gtlkekcop6.dkim.amazonses.com",
                    "cogrsajbqxdep54eedmx37gtlkekcop6.dkim.amazonses.com.",
                    false
                ),
                (
                    "ivfc3i6bv4744fack4oobw5csau3bv4v.dkim.amazonses.com",
                    "ivfc3i6bv4744fack4oobw5csau3bv4v.dkim.amazonses.com.",
                    false
                ),
                (
                    "lbbk3spasyz2vglapff7cvwvozljcjim.dkim.amazonses.com.",
                    "lbbk3spasyz2vglapff7cvwvozljcjim.dkim.amazonses.com.",
                    false
                ),
            ]
        );
    }

    #[test]
    fn change_batch_fixture_skips_delete_and_keeps_split_strings() {
        let (path, bytes) = fixture("example.com.batch.json");
        let zone = parse_route53(&bytes, &path, &ZoneOptions::default()).expect("parses");
        assert_eq!(zone.origin.as_deref(), Some("example.com."));
        assert_eq!(zone.origin_source, OriginSource::FileName);
        let owners: Vec<_> = zone
            .records
            .iter()
            .map(|r| {
                (
                    r.owner.written.as_str(),
                    r.owner.resolved.as_str(),
                    at(&r.span),
                )
            })
            .collect();
        assert_eq!(
            owners,
            vec![
                (
                    "s1._domainkey.example.com",
                    "s1._domainkey.example.com.",
                    (7, 9)
                ),
                ("_dmarc.example.com", "_dmarc.example.com.", (33, 9)),
            ]
        );
        let key = &zone.records[0];
        assert_eq!((key.ttl, key.ttl_written), (Some(3600), true));
        let RData::Txt { strings } = &key.rdata else {
            panic!("not TXT");
        };
        let shape: Vec<_> = strings
            .iter()
            .map(|s| (s.len(), s.quoted, at(&s.span)))
            .collect();
        assert_eq!(shape, vec![(255, true, (12, 22)), (155, true, (12, 22))]);
        assert!(
            strings[0]
                .to_text()
                .starts_with("v=DKIM1; k=rsa; p=MIIBIjAN")
        );
        assert!(strings[1].to_text().ends_with("IDAQAB"));
        assert_eq!(key.rdata_spans, vec![strings[0].span.clone(); 2]);
    }

    #[test]
    fn cli_input_json_form() {
        let text = r#"{
  "HostedZoneId": "Z0123456789ABCDEFGHIJ",
  "ChangeBatch": {
    "Comment": "keys",
    "Changes": [
      {"Action": "CREATE", "ResourceRecordSet": {"Name": "s1._domainkey.example.org", "Type": "TXT", "TTL": 300,
        "ResourceRecords": [{"Value": "\"v=DKIM1; p=\""}]}},
      {"Action": "DELETE", "ResourceRecordSet": {"Name": "old._domainkey.example.org", "Type": "TXT", "TTL": 300,
        "ResourceRecords": [{"Value": "\"v=DKIM1; p=\""}]}}
    ]
  }
}"#;
        let zone = parse(text).expect("parses");
        assert_eq!(zone.records.len(), 1);
        let r = &zone.records[0];
        assert_eq!(r.owner.resolved, "s1._domainkey.example.org.");
        assert_eq!(txt(r), ["v=DKIM1; p="]);
        assert_eq!((at(&r.span), at(&r.rdata_spans[0])), ((6, 50), (7, 39)));
        assert_eq!(
            (zone.origin, zone.origin_source),
            (None, OriginSource::None)
        );
    }

    #[test]
    fn positions_count_characters_and_ignore_keys_inside_strings() {
        // A value that looks like a key, non-ASCII text before a key, and
        // several record sets on one line.
        let text = "{\"Comment\": \"\\\"Name\\\": é—ü\", \"Changes\": [{\"Action\": \"UPSERT\", \"ResourceRecordSet\": {\"Type\": \"TXT\", \"Name\": \"a.example\", \"ResourceRecords\": [{\"Value\": \"\\\"x\\\"\"}, {\"Value\": \"y\"}]}},\n\t{\"Action\": \"UPSERT\", \"ResourceRecordSet\": {\"Name\": \"é.example\", \"Type\": \"A\", \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]}}]}";
        let zone = parse(text).expect("parses");
        let got: Vec<_> = zone
            .records
            .iter()
            .map(|r| {
                (
                    r.owner.resolved.as_str(),
                    at(&r.span),
                    at(&r.owner.span),
                    at(&r.rdata_spans[0]),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.example.", (1, 100), (1, 108), (1, 151)),
                ("a.example.", (1, 100), (1, 108), (1, 171)),
                ("é.example.", (2, 45), (2, 53), (2, 109)),
            ]
        );
        assert_eq!(txt(&zone.records[0]), ["x"]);
        assert_eq!(txt(&zone.records[1]), ["y"]);
        assert!(!zone.records[1].rdata_spans.is_empty());
    }

    #[test]
    fn octal_escapes_in_names_and_txt() {
        let text = r#"{"ResourceRecordSets": [
 {"Name": "\\052.example.com.", "Type": "TXT", "TTL": 60,
  "ResourceRecords": [{"Value": "\"a\\073b\\040c\" \"\\342\\200\\224\" \"\\\\052\" \"\\\"q\\\"\" \"\\099\""}]},
 {"Name": "a\\056b.example.com", "Type": "CNAME", "TTL": 60,
  "ResourceRecords": [{"Value": "\\052.example.net"}]},
 {"Name": "sp\\040ace.example.com", "Type": "A", "TTL": 60,
  "ResourceRecords": [{"Value": "192.0.2.1"}]}
]}"#;
        let zone = parse(text).expect("parses");
        let r = &zone.records;
        assert_eq!(
            (r[0].owner.written.as_str(), r[0].owner.resolved.as_str()),
            ("\\052.example.com.", "*.example.com.")
        );
        let RData::Txt { strings } = &r[0].rdata else {
            panic!("not TXT");
        };
        let bytes: Vec<_> = strings.iter().map(|s| s.bytes.clone()).collect();
        assert_eq!(
            bytes,
            vec![
                b"a;b c".to_vec(),
                "\u{2014}".as_bytes().to_vec(),
                b"\\052".to_vec(),
                b"\"q\"".to_vec(),
                // Not octal: read as RFC 1035 decimal.
                b"c".to_vec(),
            ]
        );
        assert_eq!(r[1].owner.resolved, "a\\.b.example.com.");
        let t = target(&r[1]);
        assert_eq!(
            (t.written.as_str(), t.resolved.as_str(), t.relative),
            ("\\052.example.net", "*.example.net.", false)
        );
        assert_eq!(r[2].owner.resolved, "sp\\032ace.example.com.");
    }

    #[test]
    fn name_forms() {
        for (written, resolved) in [
            ("example.com", "example.com."),
            ("example.com.", "example.com."),
            ("Example.COM", "Example.COM."),
            (".", "."),
            ("\\052", "*."),
            ("a\\\\b.c", "a\\\\b.c."),
            ("a\\.b", "a\\.b."),
            ("$x.y", "\\$x.y."),
            ("@", "@."),
            ("x\\000y", "x\\000y."),
        ] {
            assert_eq!(
                absolute_name(&octal_to_decimal(written)),
                resolved,
                "{written:?}"
            );
        }
        for (octal, decimal) in [
            ("plain", "plain"),
            ("\\052", "\\042"),
            ("\\377", "\\255"),
            ("\\400", "\\400"),
            ("\\\\052", "\\\\052"),
            ("\\089", "\\089"),
            ("a\\", "a\\"),
            ("\\é\\101", "\\é\\065"),
        ] {
            assert_eq!(octal_to_decimal(octal), decimal, "{octal:?}");
        }
    }

    #[test]
    fn alias_and_traffic_policy_record_sets() {
        let text = r#"{"ResourceRecordSets": [
  {"Name": "example.com.", "Type": "CNAME", "AliasTarget": {"HostedZoneId": "Z2", "DNSName": "d1.cloudfront.net.", "EvaluateTargetHealth": false}},
  {"Name": "example.com.", "Type": "TXT", "TTL": 300, "ResourceRecords": [{"Value": "\"v=spf1 -all\""}]},
  {"Name": "tp.example.com.", "Type": "A", "TrafficPolicyInstanceId": "12345678-abcd"}
]}"#;
        let zone = parse(text).expect("parses");
        let r = &zone.records;
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].record_type, RecordType::Cname);
        assert_eq!(
            r[0].rdata,
            RData::Generic {
                text: "ALIAS d1.cloudfront.net.".into()
            }
        );
        assert_eq!((r[0].ttl, r[0].ttl_written), (None, false));
        assert_eq!(
            r[0].rdata_spans.iter().map(at).collect::<Vec<_>>(),
            vec![(2, 94)]
        );
        assert_eq!(r[1].record_type, RecordType::Txt);
        assert_eq!(
            r[2].rdata,
            RData::Generic {
                text: "TRAFFIC-POLICY 12345678-abcd".into()
            }
        );
    }

    #[test]
    fn routing_policy_alternatives_count_once() {
        let text = r#"{"ResourceRecordSets": [
  {"Name": "www.example.com.", "Type": "CNAME", "SetIdentifier": "blue", "Weight": 90, "TTL": 60, "ResourceRecords": [{"Value": "blue.example.net."}]},
  {"Name": "WWW.example.com.", "Type": "CNAME", "SetIdentifier": "green", "Weight": 10, "TTL": 60, "ResourceRecords": [{"Value": "green.example.net."}]},
  {"Name": "www.example.com.", "Type": "AAAA", "SetIdentifier": "v6", "Weight": 10, "TTL": 60, "ResourceRecords": [{"Value": "2001:db8::1"}]}
]}"#;
        let zone = parse(text).expect("parses");
        let kept: Vec<(u32, String)> = zone
            .records
            .iter()
            .map(|r| (r.span.line, r.record_type.to_string()))
            .collect();
        assert_eq!(kept, [(2, "CNAME".to_string()), (4, "AAAA".to_string())]);
    }

    #[test]
    fn cname_targets_are_absolute_with_or_without_dot() {
        let text = r#"{"Changes": [
  {"Action": "UPSERT", "ResourceRecordSet": {"Name": "t1._domainkey.example.com", "Type": "CNAME", "TTL": 1800, "ResourceRecords": [{"Value": "t1.dkim.amazonses.com"}]}},
  {"Action": "UPSERT", "ResourceRecordSet": {"Name": "t2._domainkey.example.com", "Type": "CNAME", "TTL": 1800, "ResourceRecords": [{"Value": "t2.dkim.amazonses.com."}]}}
]}"#;
        let options = ZoneOptions {
            origin: Some("example.com".into()),
            ..ZoneOptions::default()
        };
        let zone = parse_route53(text.as_bytes(), Path::new("r53.json"), &options).expect("parses");
        assert_eq!(
            (zone.origin.as_deref(), zone.origin_source),
            (Some("example.com."), OriginSource::Option)
        );
        let got: Vec<_> = zone
            .records
            .iter()
            .map(|r| {
                let t = target(r);
                (
                    t.written.as_str(),
                    t.resolved.as_str(),
                    t.relative,
                    at(&t.span),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "t1.dkim.amazonses.com",
                    "t1.dkim.amazonses.com.",
                    false,
                    (2, 143)
                ),
                (
                    "t2.dkim.amazonses.com.",
                    "t2.dkim.amazonses.com.",
                    false,
                    (3, 143)
                ),
            ]
        );
    }

    #[test]
    fn origin_sources() {
        let soa = r#"{"ResourceRecordSets": [
 {"Name": "a.example.org.", "Type": "A", "TTL": 1, "ResourceRecords": [{"Value": "192.0.2.1"}]},
 {"Name": "Example.ORG", "Type": "SOA", "TTL": 1, "ResourceRecords": [{"Value": "ns. host. 1 2 3 4 5"}]}
]}"#;
        let plain = r#"{"ResourceRecordSets": [{"Name": "a.example.org.", "Type": "A", "TTL": 1, "ResourceRecords": [{"Value": "192.0.2.1"}]}]}"#;
        for (text, option, file, origin, source) in [
            (
                soa,
                Some("other.net"),
                "x.json",
                Some("other.net."),
                OriginSource::Option,
            ),
            (
                soa,
                None,
                "example.net.json",
                Some("Example.ORG."),
                OriginSource::Soa,
            ),
            (
                plain,
                None,
                "example.org.json",
                Some("example.org."),
                OriginSource::FileName,
            ),
            (
                plain,
                None,
                "example.org.list.json",
                Some("example.org."),
                OriginSource::FileName,
            ),
            (
                plain,
                None,
                "db.example.org.r53.JSON",
                Some("example.org."),
                OriginSource::FileName,
            ),
            (plain, None, "records.json", None, OriginSource::None),
            (
                plain,
                None,
                "example.org",
                Some("example.org."),
                OriginSource::FileName,
            ),
            (plain, None, "-", None, OriginSource::None),
        ] {
            let options = ZoneOptions {
                origin: option.map(str::to_string),
                ..ZoneOptions::default()
            };
            let zone = parse_route53(text.as_bytes(), Path::new(file), &options).expect("parses");
            assert_eq!(
                (zone.origin.as_deref(), zone.origin_source),
                (origin, source),
                "{file}"
            );
        }
    }

    #[test]
    fn malformed_json_is_an_error_at_its_position() {
        let cases: Vec<(&str, &str, u32, u32)> = vec![
            ("", "EOF while parsing a value", 1, 1),
            (
                "{\n  \"Changes\": [\n    {\"Action\": \"CREATE\",}\n",
                "key must be a string",
                3,
                25,
            ),
            ("{\"Comment\": \"é\" \"x\"}", "expected `,` or `}`", 1, 17),
            ("{\"Changes\": []} x", "trailing characters", 1, 17),
            ("{\"a\": \"\\q\"}", "invalid escape", 1, 9),
        ];
        for (text, message, line, column) in cases {
            assert_eq!(
                err(text),
                (ErrorKind::Json(message.into()), line, column),
                "{text:?}"
            );
        }
        let e = parse("{\"Changes\": [}").unwrap_err();
        assert!(
            e.to_string().starts_with("r53.json:1:14: malformed JSON: "),
            "{e}"
        );
        assert_eq!(
            err("{\"Comment\": \"\u{1}\"}").0,
            ErrorKind::Json(
                "control character (\\u0000-\\u001F) found while parsing a string".into()
            )
        );
        let e = parse_route53(
            b"{\"x\": \"\xff\"}",
            Path::new("r53.json"),
            &ZoneOptions::default(),
        )
        .unwrap_err();
        assert_eq!(
            (e.kind(), e.span().map(at)),
            (Some(&ErrorKind::InvalidUtf8), Some((1, 8)))
        );
    }

    #[test]
    fn wrong_shapes_are_errors_at_their_position() {
        let route53 = |m: &str| ErrorKind::Route53(m.into());
        let rrset = |body: &str| format!("{{\"ResourceRecordSets\": [\n  {body}\n]}}");
        let cases: Vec<(String, ErrorKind, u32, u32)> = vec![
            (
                "[]".into(),
                route53("not a Route 53 document: expected a JSON object"),
                1,
                1,
            ),
            (
                " {\"Foo\": 1}".into(),
                route53(
                    "not a Route 53 document: expected ResourceRecordSets \
                     (list-resource-record-sets output), Changes (a change batch) \
                     or ChangeBatch (--cli-input-json)",
                ),
                1,
                2,
            ),
            (
                "{\"ResourceRecordSets\": {}}".into(),
                route53("ResourceRecordSets must be an array of record sets"),
                1,
                24,
            ),
            (
                "{\"ChangeBatch\": {\"Comment\": \"\"}}".into(),
                route53("ChangeBatch has no Changes"),
                1,
                17,
            ),
            (
                "{\"Changes\": [{\"ResourceRecordSet\": {}}]}".into(),
                route53("change has no Action"),
                1,
                14,
            ),
            (
                "{\"Changes\": [{\"Action\": \"MERGE\"}]}".into(),
                route53("unknown Action `MERGE` (expected CREATE, UPSERT or DELETE)"),
                1,
                25,
            ),
            (
                "{\"Changes\": [{\"Action\": \"UPSERT\"}]}".into(),
                route53("change has no ResourceRecordSet"),
                1,
                14,
            ),
            (
                rrset("1"),
                route53("a record set must be a JSON object"),
                2,
                3,
            ),
            (
                rrset("{\"Type\": \"A\"}"),
                route53("record set has no Name"),
                2,
                3,
            ),
            (
                rrset("{\"Name\": 7}"),
                route53("Name must be a string"),
                2,
                12,
            ),
            (
                rrset("{\"Name\": \"x.org\"}"),
                route53("record set x.org. has no Type"),
                2,
                3,
            ),
            (
                rrset("{\"Name\": \"x.org\", \"Type\": \"1A\"}"),
                route53("bad Type `1A` in record set x.org."),
                2,
                29,
            ),
            (
                rrset("{\"Name\": \"x.org\", \"Type\": \"A\", \"TTL\": -1}"),
                route53("bad TTL in record set x.org.: expected whole seconds"),
                2,
                41,
            ),
            (
                rrset("{\"Name\": \"x.org\", \"Type\": \"A\", \"TTL\": 1}"),
                route53("record set x.org. has neither ResourceRecords nor AliasTarget"),
                2,
                3,
            ),
            (
                rrset("{\"Name\": \"x.org\", \"Type\": \"A\", \"ResourceRecords\": []}"),
                route53("record set x.org. has no values"),
                2,
                53,
            ),
            (
                rrset(
                    "{\"Name\": \"x.org\", \"Type\": \"A\", \"ResourceRecords\": [{\"value\": \"1\"}]}",
                ),
                route53("a value of record set x.org. has no Value"),
                2,
                54,
            ),
            (
                rrset(
                    "{\"Name\": \"x.org\", \"Type\": \"A\", \"ResourceRecords\": [{\"Value\": \"192.0.2\"}]}",
                ),
                route53("bad A data in record set x.org.: bad IPv4 address `192.0.2`"),
                2,
                64,
            ),
            (
                rrset(
                    "{\"Name\": \"s1._domainkey.x.org\", \"Type\": \"TXT\", \"ResourceRecords\": [{\"Value\": \"\\\"v=DKIM1; p=\"}]}",
                ),
                route53(
                    "bad TXT data in record set s1._domainkey.x.org.: unterminated quoted string",
                ),
                2,
                80,
            ),
            (
                rrset(
                    "{\"Name\": \"s1._domainkey.x.org\", \"Type\": \"TXT\", \"ResourceRecords\": [{\"Value\": \"\"}]}",
                ),
                route53("bad TXT data in record set s1._domainkey.x.org.: no strings"),
                2,
                80,
            ),
            (
                rrset(
                    "{\"Name\": \"x.org\", \"Type\": \"TXT\", \"ResourceRecords\": [{\"Value\": \"\\\"a\\\"\\n\\\"b\\\"\"}]}",
                ),
                route53("bad TXT data in record set x.org.: line break in value"),
                2,
                66,
            ),
            (
                rrset(
                    "{\"Name\": \"x.org\", \"Type\": \"CNAME\", \"ResourceRecords\": [{\"Value\": \"a..b\"}]}",
                ),
                route53("bad CNAME data in record set x.org.: bad name `a..b`: empty label"),
                2,
                68,
            ),
            (
                rrset(
                    "{\"Name\": \"a..x.org\", \"Type\": \"A\", \"ResourceRecords\": [{\"Value\": \"192.0.2.1\"}]}",
                ),
                ErrorKind::BadName {
                    name: "a..x.org.".into(),
                    reason: "empty label".into(),
                },
                2,
                12,
            ),
            (
                rrset(
                    "{\"Name\": \"a..x.org\", \"Type\": \"A\", \"AliasTarget\": {\"DNSName\": \"d.\"}}",
                ),
                ErrorKind::BadName {
                    name: "a..x.org.".into(),
                    reason: "empty label".into(),
                },
                2,
                12,
            ),
            (
                rrset(
                    "{\"Name\": \"x.org\", \"Type\": \"A\", \"AliasTarget\": {\"HostedZoneId\": \"Z\"}}",
                ),
                route53("AliasTarget of record set x.org. has no DNSName"),
                2,
                49,
            ),
            (
                rrset(
                    "{\"Name\": \"x.org\", \"Type\": \"A\", \"AliasTarget\": {}, \"ResourceRecords\": []}",
                ),
                route53("record set x.org. has both ResourceRecords and AliasTarget"),
                2,
                34,
            ),
        ];
        let mut wrong = Vec::new();
        for (text, kind, line, column) in cases {
            let got = err(&text);
            if got != (kind.clone(), line, column) {
                wrong.push(format!(
                    "{text}\n  got {got:?}\n  want {:?}",
                    (kind, line, column)
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn no_panic_on_any_prefix_or_damage() {
        let (_, list) = fixture("example.com.list.json");
        let (_, batch) = fixture("example.com.batch.json");
        let options = ZoneOptions::default();
        let file = Path::new("r53.json");
        for doc in [&list, &batch] {
            assert!(parse_route53(doc, file, &options).is_ok());
            let last_brace = doc.iter().rposition(|&b| b == b'}').expect("an object");
            for end in 0..doc.len() {
                let result = parse_route53(&doc[..end], file, &options);
                // A prefix that cuts the document short is incomplete JSON.
                assert_eq!(result.is_ok(), end > last_brace, "{end}");
            }
        }
        let small = br#"{"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {"Name": "\\052.a.b", "Type": "MX", "TTL": 5, "ResourceRecords": [{"Value": "10 \\101.b"}, {"Value": "\"\\u00e9\""}]}}]}"#;
        for i in 0..small.len() {
            for b in [b'"', b'\\', b'{', b']', b'0', b'.', b' ', 0xc3] {
                let mut damaged = small.to_vec();
                damaged[i] = b;
                let _ = parse_route53(&damaged, file, &options);
            }
        }
    }
}
