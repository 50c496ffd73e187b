//! One zone file's lint, streamed: [`ZoneLint`] observes each record as
//! the reader yields it, keeps only what the checks need (key names, CNAMEs,
//! owners), and when the file ends runs the catalogue's checks over it.

use super::*;

/// A record's owner column and width: the owner token when written on the
/// line, else the record's first token.
fn owner_at(record: &ZoneRecord) -> (&Span, usize) {
    if record.owner_inherited {
        (&record.span, 1)
    } else {
        (&record.owner.span, record.owner.written.chars().count())
    }
}

/// Where a name sits relative to `_domainkey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum NameShape<'n> {
    /// `<selector>._domainkey.<domain>` (the selector may be empty).
    KeyName { selector: &'n str, domain: &'n str },
    /// `<selector>.domainkey.<domain>`, `<selector>-domainkey.<domain>` or
    /// `<selector>_domainkey.<domain>`: the underscore is missing.
    NoUnderscore { selector: &'n str, domain: &'n str },
    /// Anything else.
    Other,
}

impl NameShape<'_> {
    pub(super) fn of(name: &str) -> NameShape<'_> {
        let mut offset = 0;
        for (i, label) in name.split('.').enumerate() {
            let rest_start = offset + label.len() + 1;
            let domain = name.get(rest_start..).unwrap_or("");
            if label.eq_ignore_ascii_case("_domainkey") {
                let selector = name.get(..offset.saturating_sub(1)).unwrap_or("");
                return NameShape::KeyName { selector, domain };
            }
            if i > 0 && label.eq_ignore_ascii_case("domainkey") && !domain.is_empty() {
                let selector = name.get(..offset - 1).unwrap_or("");
                return NameShape::NoUnderscore { selector, domain };
            }
            for glued in ["-domainkey", "_domainkey"] {
                let bytes = label.as_bytes();
                if bytes.len() > glued.len()
                    && bytes[bytes.len() - glued.len()..].eq_ignore_ascii_case(glued.as_bytes())
                    && !domain.is_empty()
                {
                    let selector = name.get(..offset + label.len() - glued.len()).unwrap_or("");
                    return NameShape::NoUnderscore { selector, domain };
                }
            }
            offset = rest_start;
        }
        NameShape::Other
    }
}

/// The origin a relative name was completed with (lowercase, no trailing
/// dot): what `resolved` adds to `written`.
fn origin_of(name: &zone::Name) -> Option<String> {
    let resolved = key_name(&name.resolved);
    if name.written == "@" {
        return Some(resolved.into_owned());
    }
    let written = key_name(&name.written);
    resolved
        .strip_prefix(written.as_ref())
        .and_then(|rest| rest.strip_prefix('.'))
        .map(str::to_string)
}

/// DNSSEC records that may share a name with a CNAME (RFC 4035 §2.5).
fn is_dnssec(record_type: &RecordType) -> bool {
    match record_type {
        RecordType::Other(name) => name == "RRSIG" || name == "NSEC",
        RecordType::Numeric(n) => *n == 46 || *n == 47,
        _ => false,
    }
}

/// Whether a CNAME target looks like a provider's DKIM key host.
fn dkim_target(target: &str) -> bool {
    target.split('.').any(|l| l.eq_ignore_ascii_case("dkim"))
        || target
            .as_bytes()
            .windows(9)
            .any(|w| w.eq_ignore_ascii_case(b"domainkey"))
}

/// The records kept at one name, in file order.
#[derive(Default)]
struct AtName<'z> {
    cnames: Vec<&'z ZoneRecord>,
    txts: Vec<&'z ZoneRecord>,
}

/// Where [`ZoneLint::kept`] holds a name's records.
#[derive(Default)]
struct KeptAt {
    cnames: Vec<usize>,
    txts: Vec<usize>,
}

impl KeptAt {
    fn resolve<'k>(&self, kept: &'k [ZoneRecord]) -> AtName<'k> {
        let pick = |ids: &[usize]| ids.iter().filter_map(|&i| kept.get(i)).collect();
        AtName {
            cnames: pick(&self.cnames),
            txts: pick(&self.txts),
        }
    }
}

/// What else a name holds, for `cname-and-other-data`: the first record
/// that is not a CNAME, and how many there are.
struct Beside {
    record_type: RecordType,
    line: u32,
    count: usize,
}

impl AtName<'_> {
    fn snapshot(&self, name: &str) -> RecordSnapshot {
        let cname: Vec<String> = self.cnames.iter().filter_map(|r| cname_target(r)).collect();
        let txt: Vec<Vec<Vec<u8>>> = self.txts.iter().filter_map(|r| txt_strings(r)).collect();
        RecordSnapshot {
            name: name.to_string(),
            cname: Answer::Records(cname),
            txt: Answer::Records(txt),
        }
    }
}

/// A CNAME's target, lowercase, without the trailing dot.
fn cname_target(record: &ZoneRecord) -> Option<String> {
    match &record.rdata {
        RData::Cname { target } => Some(key_name(&target.resolved).into_owned()),
        _ => None,
    }
}

/// A hash map with the FxHash function (rustc's): names of a large zone are
/// hashed once or twice each, and SipHash's protection against chosen
/// collisions buys nothing against one's own zone file.
type NameMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FxHasher>>;

/// rustc's FxHash: a multiply and rotate per 8 bytes.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut add = |word: u64| self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            add(u64::from_le_bytes(word));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        add(u64::from_le_bytes(tail) ^ (rest.len() as u64) << 56);
    }

    fn write_u8(&mut self, byte: u8) {
        self.write(&[byte]);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// What one file's pass found.
pub(super) struct FileDone {
    /// How many records the file holds.
    pub(super) records: usize,
    pub(super) findings: Vec<LintFinding>,
    /// The records at names `--expect` asks about.
    pub(super) expected_found: Vec<ZoneRecord>,
}

/// One zone's lint pass: [`ZoneLint::observe`] sees each record once, in
/// file order, judges what one record shows and keeps what the checks
/// across records need; [`ZoneLint::finish`] judges those.
pub(super) struct ZoneLint<'w> {
    /// The origin, lowercase, no trailing dot; empty when unknown.
    apex: String,
    /// Whether `apex` is settled (known once the first record arrives).
    apex_known: bool,
    /// Names with NS records: below the apex they are delegations, whose
    /// data is elsewhere.
    ns_owners: HashSet<String>,
    /// The parents of wildcard owners (`*.keys.example.com` → `keys.example.com`).
    wildcards: HashSet<String>,
    /// The records the checks across records need: CNAMEs and the records
    /// at names that matter for DKIM.
    kept: Vec<ZoneRecord>,
    /// Names that matter for DKIM.
    dkim: BTreeMap<String, KeptAt>,
    /// Every name with a CNAME.
    cname_owners: NameMap<String, Vec<usize>>,
    /// Every name with other records.
    other_owners: NameMap<Box<str>, Beside>,
    /// The names `--expect` asks about, and the records found there.
    wanted: &'w HashSet<String>,
    expected_found: Vec<ZoneRecord>,
    /// How many records were seen.
    records: usize,
    findings: Vec<LintFinding>,
}

impl<'w> ZoneLint<'w> {
    pub(super) fn new(origin: Option<&str>, wanted: &'w HashSet<String>) -> ZoneLint<'w> {
        ZoneLint {
            apex: origin.map(|o| key_name(o).into_owned()).unwrap_or_default(),
            apex_known: origin.is_some(),
            ns_owners: HashSet::new(),
            wildcards: HashSet::new(),
            kept: Vec::new(),
            dkim: BTreeMap::new(),
            cname_owners: NameMap::default(),
            other_owners: NameMap::default(),
            wanted,
            expected_found: Vec::new(),
            records: 0,
            findings: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, finding: Finding, span: &Span, width: usize) {
        self.findings.push(LintFinding::at(finding, span, width));
    }

    /// Judges one record on its own and keeps what the later checks need.
    pub(super) fn observe(&mut self, origin: Option<&str>, record: ZoneRecord) {
        if !self.apex_known {
            self.apex = origin.map(|o| key_name(o).into_owned()).unwrap_or_default();
            self.apex_known = true;
        }
        self.records += 1;
        let mut owner = key_name(&record.owner.resolved).into_owned();
        self.check_owner_suffix(&record, &owner);
        if let RData::Txt { strings } = &record.rdata {
            self.check_string_lengths(&owner, strings);
        }
        if record.record_type == RecordType::Ns {
            self.ns_owners.insert(owner.clone());
        }
        if let Some(parent) = owner.strip_prefix("*.") {
            self.wildcards.insert(parent.to_string());
        }
        if self.wanted.contains(&owner) {
            self.expected_found.push(record.clone());
        }
        let for_dkim = match &record.rdata {
            RData::Cname { target } => {
                NameShape::of(&owner) != NameShape::Other || dkim_target(&target.resolved)
            }
            RData::Txt { strings } => {
                NameShape::of(&owner) != NameShape::Other
                    || strings.first().is_some_and(|s| {
                        s.bytes.windows(2).any(|w| w.eq_ignore_ascii_case(b"p="))
                            && checks::is_key_record(&crate::dns::join_txt(
                                &txt_strings(&record).unwrap_or_default(),
                            ))
                    })
            }
            _ => false,
        };
        let is_cname = record.record_type == RecordType::Cname;
        let keep = is_cname || for_dkim;
        if !is_cname && !is_dnssec(&record.record_type) {
            // The owner is needed below only for a record that is kept.
            let key: Box<str> = if keep {
                owner.as_str().into()
            } else {
                std::mem::take(&mut owner).into_boxed_str()
            };
            self.other_owners
                .entry(key)
                .and_modify(|b| b.count += 1)
                .or_insert_with(|| Beside {
                    record_type: record.record_type.clone(),
                    line: record.span.line,
                    count: 1,
                });
        }
        if !keep {
            return;
        }
        let id = self.kept.len();
        self.kept.push(record);
        if is_cname {
            self.cname_owners.entry(owner.clone()).or_default().push(id);
        }
        if for_dkim {
            let at = self.dkim.entry(owner).or_default();
            if is_cname {
                at.cnames.push(id);
            } else {
                at.txts.push(id);
            }
        }
    }

    /// The checks across records.
    pub(super) fn finish(mut self) -> FileDone {
        let kept = std::mem::take(&mut self.kept);
        let cname_owners = std::mem::take(&mut self.cname_owners);
        for (name, ids) in &cname_owners {
            let cnames: Vec<&ZoneRecord> = ids.iter().filter_map(|&i| kept.get(i)).collect();
            self.check_cname_beside_data(name, &cnames);
        }
        let dkim = std::mem::take(&mut self.dkim);
        // A key at a key CNAME's target is where it belongs, whatever
        // that name looks like.
        let cname_targets: HashSet<String> = dkim
            .values()
            .flat_map(|at| at.cnames.iter().filter_map(|&i| kept.get(i)))
            .filter_map(cname_target)
            .collect();
        let present: HashSet<&str> = cname_targets
            .iter()
            .map(String::as_str)
            .filter(|t| cname_owners.contains_key(*t) || self.other_owners.contains_key(*t))
            .collect();
        for (name, ids) in &dkim {
            let at = ids.resolve(&kept);
            match NameShape::of(name) {
                NameShape::KeyName { selector, domain } => {
                    self.check_key_name(name, selector, domain, &at, &present)
                }
                _ if cname_targets.contains(name) && at.cnames.is_empty() => {
                    self.check_keys(name, &at, false)
                }
                NameShape::NoUnderscore { selector, domain } => {
                    self.check_misplaced(name, selector, domain, &at, Code::MissingUnderscore)
                }
                NameShape::Other => self.check_key_elsewhere(name, &at),
            }
        }
        FileDone {
            records: self.records,
            findings: self.findings,
            expected_found: self.expected_found,
        }
    }

    /// `duplicated-suffix` on an owner: written relative but already ending
    /// in the origin in force, or written absolute with the zone twice.
    fn check_owner_suffix(&mut self, record: &ZoneRecord, owner: &str) {
        if record.owner_inherited {
            return;
        }
        let name = &record.owner;
        // Cheap test first: a name that can end in the origin ends in the
        // top label the zone's names share.
        let top = self.apex.rsplit('.').next().unwrap_or("");
        let tail = name.written.trim_end_matches('.').as_bytes();
        if !top.is_empty()
            && !tail
                .get(tail.len().saturating_sub(top.len())..)
                .is_some_and(|t| t.eq_ignore_ascii_case(top.as_bytes()))
        {
            return;
        }
        let (meant, origin) = if name.relative {
            let written = key_name(&name.written);
            match origin_of(name) {
                Some(origin) if name.written != "@" && within(&written, &origin) => {
                    (written.into_owned(), origin)
                }
                _ => return,
            }
        } else {
            let apex = self.apex.as_str();
            match owner
                .strip_suffix(apex)
                .and_then(|rest| rest.strip_suffix('.'))
                .filter(|prefix| !apex.is_empty() && within(prefix, apex))
            {
                Some(prefix) => (prefix.to_string(), apex.to_string()),
                None => return,
            }
        };
        let how = if name.relative {
            format!(
                "`{}` has no trailing dot, so the origin {origin} was appended to it",
                name.written
            )
        } else {
            format!("`{}` names the origin {origin} twice", name.written)
        };
        let relative = meant
            .strip_suffix(origin.as_str())
            .and_then(|r| r.strip_suffix('.'))
            .unwrap_or("@");
        let finding = Finding::new(
            Code::DuplicatedSuffix,
            owner,
            format!("the record is at {owner}, not {meant}: {how}"),
        )
        .with_fix(format!(
            "write the owner as `{meant}.` (with the trailing dot) or `{relative}` (relative to the origin)"
        ));
        let (span, width) = owner_at(record);
        self.push(finding, span, width);
    }

    /// `txt-string-too-long` on any TXT record, at the long string.
    fn check_string_lengths(&mut self, owner: &str, strings: &[zone::CharString]) {
        if strings
            .iter()
            .all(|s| s.len() <= crate::zone::text::TXT_STRING_MAX)
        {
            return;
        }
        let bytes: Vec<Vec<u8>> = strings.iter().map(|s| s.bytes.clone()).collect();
        let found = checks::check_string_lengths(owner, &bytes);
        let long = strings
            .iter()
            .filter(|s| s.len() > crate::zone::text::TXT_STRING_MAX);
        for (finding, string) in found.into_iter().zip(long) {
            self.push(finding, &string.span, 1);
        }
    }

    /// `cname-and-other-data`: a CNAME shares its name with other records,
    /// or several different CNAMEs share one name.
    fn check_cname_beside_data(&mut self, name: &str, cnames: &[&ZoneRecord]) {
        let Some(first) = cnames.first() else {
            return;
        };
        let others = self.other_owners.get(name);
        if others.is_none() && cnames.len() < 2 {
            return;
        }
        let targets: HashSet<String> = cnames.iter().filter_map(|r| cname_target(r)).collect();
        if others.is_none() && targets.len() < 2 {
            return;
        }
        let mut beside: Vec<String> = Vec::new();
        if let Some(b) = others {
            beside.push(format!("{} at line {}", b.record_type, b.line));
            if b.count > 1 {
                beside.push(format!("{} more", b.count - 1));
            }
        }
        beside.extend(
            cnames
                .iter()
                .skip(1)
                .map(|r| format!("CNAME at line {}", r.span.line)),
        );
        let finding = Finding::new(
            Code::CnameAndOtherData,
            name,
            format!(
                "the CNAME at {name} shares its name with {}; a name with a CNAME can hold nothing else (RFC 1034 §3.6.2), so servers refuse the zone or resolvers miss the other data",
                beside.join(", ")
            ),
        )
        .with_fix(format!(
            "keep either the one CNAME or the other records at {name}: a provider-hosted key needs only the CNAME, a key you hold only the TXT record"
        ));
        let (span, width) = owner_at(first);
        self.push(finding, span, width);
    }

    fn in_zone(&self, name: &str) -> bool {
        within(name, &self.apex)
    }

    /// Whether a name in the zone is at or below a delegation, or covered
    /// by a wildcard: its data is not (all) in this file.
    fn served_elsewhere(&self, name: &str) -> bool {
        let mut rest = name;
        while rest != self.apex && !rest.is_empty() {
            if rest != self.apex && self.ns_owners.contains(rest) {
                return true;
            }
            rest = rest.split_once('.').map_or("", |(_, parent)| parent);
            if self.wildcards.contains(rest) {
                return true;
            }
        }
        false
    }

    /// A name of the form `<selector>._domainkey.<domain>`.
    fn check_key_name(
        &mut self,
        name: &str,
        selector: &str,
        domain: &str,
        at: &AtName<'_>,
        present: &HashSet<&str>,
    ) {
        // Underscore names under _domainkey are policies, not selectors:
        // RFC 5617 `_adsp`, RFC 6651 `_report`. Only a key there is wrong.
        if (selector.is_empty() || selector.starts_with('_')) && !self.has_key(at) {
            return;
        }
        if let Some(record) = at.txts.first().or(at.cnames.first())
            && domain
                .split('.')
                .next()
                .is_some_and(|l| l.eq_ignore_ascii_case("_domainkey"))
        {
            self.check_domainkey_twice(name, selector, domain, record);
        }
        let wildcard = selector == "*";
        if !wildcard && let Some(first) = at.txts.first().or(at.cnames.first()) {
            self.check_selector(name, selector, domain, first);
        }
        for record in &at.cnames {
            self.check_cname(name, record, present);
        }
        self.check_keys(name, at, wildcard);
    }

    /// The TXT records at a name where a key belongs: several keys, and
    /// each key record's content.
    fn check_keys(&mut self, name: &str, at: &AtName<'_>, wildcard: bool) {
        // Identical records are one record to DNS (servers merge them).
        let mut distinct: Vec<(&ZoneRecord, Vec<Vec<u8>>)> = Vec::new();
        for record in &at.txts {
            if let Some(strings) = txt_strings(record)
                && !distinct.iter().any(|(_, s)| *s == strings)
            {
                distinct.push((record, strings));
            }
        }
        let count = distinct.len();
        let all: Vec<Vec<Vec<u8>>> = distinct.iter().map(|(_, s)| s.clone()).collect();
        if let Some(finding) = checks::check_split_records(name, &all)
            && let Some((first, _)) = distinct.first()
        {
            self.push(finding, rdata_span(first), 1);
            return;
        }
        distinct.retain(|(_, s)| count == 1 || checks::looks_like_key(&crate::dns::join_txt(s)));
        if let Some(finding) = checks::check_multiple_keys(name, distinct.len())
            && let Some((second, _)) = distinct.get(1)
        {
            self.push(finding, &second.span, 1);
        }
        for (record, strings) in &distinct {
            let (findings, _) = checks::check_key_record(name, strings);
            for finding in findings {
                // A wildcard `*._domainkey` with an empty key is the
                // deliberate "no selector is valid" record of a domain
                // that sends no mail.
                if wildcard && finding.code == Code::KeyRevoked {
                    continue;
                }
                self.push(finding, rdata_span(record), 1);
            }
        }
    }

    /// `_domainkey` twice: a relative `s1._domainkey` written in a zone
    /// whose origin is already `_domainkey.<domain>`.
    fn check_domainkey_twice(
        &mut self,
        name: &str,
        selector: &str,
        domain: &str,
        record: &ZoneRecord,
    ) {
        let parent = domain.split_once('.').map_or("", |(_, p)| p);
        let meant = format!("{selector}._domainkey.{parent}");
        let finding = Finding::new(
            Code::DuplicatedSuffix,
            name,
            format!(
                "the record is at {name}, not {meant}: `_domainkey` is in the name twice (the zone's origin already ends in `_domainkey`)"
            ),
        )
        .with_fix(format!(
            "write the owner as `{meant}.` (with the trailing dot) or `{selector}` (relative to the origin {domain})"
        ));
        let (span, width) = owner_at(record);
        self.push(finding, span, width);
    }

    fn has_key(&self, at: &AtName<'_>) -> bool {
        !at.cnames.is_empty()
            || at.txts.iter().any(|r| {
                checks::is_key_record(&crate::dns::join_txt(&txt_strings(r).unwrap_or_default()))
            })
    }

    /// `selector-invalid`: RFC 6376 §3.1 selector syntax.
    fn check_selector(&mut self, name: &str, selector: &str, domain: &str, record: &ZoneRecord) {
        if let Some(finding) =
            selector_finding(name, selector, Some(domain), SelectorRules::Rfc6376)
        {
            let (span, width) = owner_at(record);
            self.push(finding, span, width);
        }
    }

    /// A CNAME at a key name: target with the origin appended, token
    /// mismatch, or a target inside the zone that the zone lacks.
    pub(super) fn check_cname(&mut self, name: &str, record: &ZoneRecord, present: &HashSet<&str>) {
        let RData::Cname { target } = &record.rdata else {
            return;
        };
        let resolved = key_name(&target.resolved);
        let width = target.written.chars().count();
        let origin = if target.relative {
            origin_of(target).unwrap_or_else(|| self.apex.clone())
        } else {
            self.apex.clone()
        };
        let doubled = resolved
            .strip_suffix(origin.as_str())
            .and_then(|rest| rest.strip_suffix('.'))
            .is_some_and(|prefix| within(prefix, &origin));
        let known = present.contains(resolved.as_ref()) || self.served_elsewhere(&resolved);
        // Only a target written without its trailing dot (relative in a
        // master file; as typed in Route 53) can have had the origin
        // appended to a foreign name; one the zone holds is meant.
        let undotted = !target.written.ends_with('.');
        let suspect = if doubled || (undotted && !known) {
            origin.as_str()
        } else {
            ""
        };
        let findings = checks::check_cname_target(name, &resolved, suspect, None);
        let judged = !findings.is_empty();
        for finding in findings {
            self.push(finding, &target.span, width);
        }
        if !judged && self.in_zone(&resolved) && !known {
            let finding = Finding::new(
                Code::CnameDangling,
                name,
                format!("the CNAME points to {resolved}, which this zone does not hold, so there is no key behind it"),
            )
            .with_fix(format!(
                "publish the key record at {resolved} (`dkimctl keygen` prints it), or point the CNAME at the name that holds it"
            ));
            self.push(finding, &target.span, width);
        }
    }

    /// A DKIM record at `<selector>.domainkey.<domain>` or a glued variant.
    fn check_misplaced(
        &mut self,
        name: &str,
        selector: &str,
        domain: &str,
        at: &AtName<'_>,
        code: Code,
    ) {
        let snapshot = at.snapshot(name);
        if selector.is_empty() || !checks::holds_dkim(&snapshot, None) {
            return;
        }
        let expected = format!("{selector}._domainkey.{domain}");
        let finding = checks::misplaced(
            &expected,
            &Misplacement {
                name: name.to_string(),
                code,
            },
            &snapshot,
        );
        if let Some(record) = at.cnames.first().or(at.txts.first()) {
            let (span, width) = owner_at(record);
            self.push(finding, span, width);
        }
    }

    /// A key record (or DKIM CNAME) at a name without `_domainkey`:
    /// `missing-domainkey-label`, read as `<selector>.<domain>`.
    fn check_key_elsewhere(&mut self, name: &str, at: &AtName<'_>) {
        let Some((selector, domain)) = name.split_once('.') else {
            return;
        };
        if selector == "*" {
            return;
        }
        if name == self.apex || !domain.contains('.') && self.apex.is_empty() {
            return;
        }
        self.check_misplaced(name, selector, domain, at, Code::MissingDomainkeyLabel);
    }
}
