//! The DNS seam: one question (a name and a record type) and its answer or
//! a typed failure. Every DNS look-up of the library goes through [`Dns`]:
//! the key records `verify`, `inspect` and `key check` fetch (through
//! [`crate::dkim::key_source::KeySource`]) and every query of `diagnose`.
//!
//! Two implementations answer it:
//! - [`HickoryDns`] asks live DNS: one hickory resolver on one tokio
//!   runtime, with one mapping of hickory's errors, and each authoritative
//!   server asked directly when `diagnose` compares them.
//! - [`ZoneDns`] answers from zone data read by [`crate::zone`] (master
//!   files and Route 53 JSON, as `lint` reads them), the way a resolver
//!   answers from the zone, so `diagnose` and `verify` run offline and their
//!   tests need no network.
//!
//! The question is asynchronous because `diagnose` asks hundreds at once; a
//! [`Query`] owns what it needs (it borrows nothing), so it can be spawned
//! or awaited anywhere, [`block_on`] waits for one from plain code, and
//! [`run`] runs async work that asks many.

pub mod hickory;
pub mod name;
pub mod zone;

pub use hickory::{DnsOptions, HickoryDns};
pub use name::DomainName;
pub use zone::ZoneDns;

use std::future::Future;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::pin::Pin;
use std::sync::Arc;
use thiserror::Error;

/// The record types the seam asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// IPv4 address.
    A,
    /// IPv6 address.
    Aaaa,
    /// Canonical name (alias).
    Cname,
    /// Name server.
    Ns,
    /// Start of authority.
    Soa,
    /// Text strings.
    Txt,
}

impl RecordType {
    /// Every type the seam asks for.
    pub const ALL: [RecordType; 6] = [
        RecordType::A,
        RecordType::Aaaa,
        RecordType::Cname,
        RecordType::Ns,
        RecordType::Soa,
        RecordType::Txt,
    ];
}

impl std::fmt::Display for RecordType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Ns => "NS",
            RecordType::Soa => "SOA",
            RecordType::Txt => "TXT",
        })
    }
}

/// The data of one record, names lowercase without the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RData {
    /// `A`.
    A(Ipv4Addr),
    /// `AAAA`.
    Aaaa(Ipv6Addr),
    /// `CNAME`: the canonical name.
    Cname(String),
    /// `NS`: the name server host.
    Ns(String),
    /// `SOA`: what diagnose reads of it.
    Soa {
        /// The zone's serial number.
        serial: u32,
    },
    /// `TXT`: the character-strings, kept apart (RFC 1035 §3.3.14), so a
    /// string over 255 bytes can still be told from two strings.
    Txt(Vec<Vec<u8>>),
}

/// The text a TXT record's strings mean together (RFC 7208 §3.3, RFC 6376
/// §3.6.2.2): the strings concatenated with nothing between them, read as
/// UTF-8 with invalid bytes replaced.
pub fn join_txt(strings: &[Vec<u8>]) -> String {
    let bytes: Vec<u8> = strings.iter().flatten().copied().collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

impl RData {
    /// The type of this data.
    pub fn record_type(&self) -> RecordType {
        match self {
            RData::A(_) => RecordType::A,
            RData::Aaaa(_) => RecordType::Aaaa,
            RData::Cname(_) => RecordType::Cname,
            RData::Ns(_) => RecordType::Ns,
            RData::Soa { .. } => RecordType::Soa,
            RData::Txt(_) => RecordType::Txt,
        }
    }
}

/// One record of an answer: its owner (lowercase, no trailing dot) and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The owner name.
    pub name: String,
    /// The data.
    pub data: RData,
}

/// What a server answered: the answer section as a resolver gives it (the
/// CNAMEs followed from the name asked, then the records of the type asked
/// at the end of that chain), the additional section (NS glue), and whether
/// the answer is authoritative (the AA flag).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// The answer section, in order.
    pub records: Vec<Record>,
    /// The additional section (addresses of the name servers in an NS answer).
    pub additional: Vec<Record>,
    /// The AA flag: the answer comes from a server of the zone itself.
    pub authoritative: bool,
}

impl Answer {
    /// The data of the records of `record_type` owned by `name` itself (not
    /// reached through a CNAME).
    pub fn at<'a>(
        &'a self,
        name: &str,
        record_type: RecordType,
    ) -> impl Iterator<Item = &'a RData> + 'a {
        let name = normalize(name);
        self.records
            .iter()
            .filter(move |r| r.data.record_type() == record_type && r.name == name)
            .map(|r| &r.data)
    }

    /// The data of the records of `record_type` where the CNAME chain from
    /// `name` through this answer leads, followed by the one chain rule
    /// ([`CnameChain`]): records owned by names off the chain, or past a
    /// loop or the hop limit, are not the answer, whatever the server put
    /// in it.
    pub fn reached(&self, name: &str, record_type: RecordType) -> Vec<&RData> {
        let mut chain = CnameChain::new(name);
        loop {
            let found: Vec<&RData> = self.at(chain.last(), record_type).collect();
            if !found.is_empty() || record_type == RecordType::Cname {
                return found;
            }
            let next = self
                .at(chain.last(), RecordType::Cname)
                .find_map(|data| match data {
                    RData::Cname(target) => Some(target.clone()),
                    _ => None,
                });
            match next {
                Some(target) if chain.follow(&target).is_ok() => {}
                _ => return Vec::new(),
            }
        }
    }
}

/// How many CNAMEs one chain may have: a name reached through more is not
/// followed, and a resolver would give up on it too.
pub const MAX_CNAME_HOPS: usize = 8;

/// A CNAME chain being followed, one hop at a time: the one rule of where
/// following stops, for live DNS and zone data alike. It starts at the
/// name asked; each [`CnameChain::follow`] adds the target of the last
/// name's CNAME, unless that target was already visited (a loop) or the
/// chain already has [`MAX_CNAME_HOPS`] CNAMEs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CnameChain {
    /// The name asked, then each target reached, compared as the seam
    /// compares names.
    names: Vec<String>,
}

/// Why a CNAME chain was not followed further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The target is a name the chain already visited: the names from the
    /// one asked to the revisited one, both ends included.
    Loop(Vec<String>),
    /// The chain already has [`MAX_CNAME_HOPS`] CNAMEs and its last name is
    /// one more: `last` (the last name reached) points to `target`.
    TooLong {
        /// The last name reached, itself a CNAME.
        last: String,
        /// Where that CNAME points.
        target: String,
    },
}

impl CnameChain {
    /// A chain starting at `name`, the name asked.
    pub fn new(name: &str) -> CnameChain {
        CnameChain {
            names: vec![normalize(name)],
        }
    }

    /// Follows the last name's CNAME to `target`, or says why not.
    pub fn follow(&mut self, target: &str) -> Result<(), ChainBreak> {
        let target = normalize(target);
        if self.names.contains(&target) {
            let mut names = self.names.clone();
            names.push(target);
            return Err(ChainBreak::Loop(names));
        }
        if self.hops() >= MAX_CNAME_HOPS {
            return Err(ChainBreak::TooLong {
                last: self.last().to_string(),
                target,
            });
        }
        self.names.push(target);
        Ok(())
    }

    /// The name asked.
    pub fn first(&self) -> &str {
        &self.names[0]
    }

    /// The last name reached.
    pub fn last(&self) -> &str {
        self.names.last().map_or("", String::as_str)
    }

    /// How many CNAMEs were followed.
    pub fn hops(&self) -> usize {
        self.names.len() - 1
    }

    /// The names reached through CNAMEs, in order (not the name asked).
    pub fn targets(&self) -> &[String] {
        &self.names[1..]
    }
}

/// Why a question got no records: the negative answers (the name does not
/// exist, or has no data of the type) and the failures to get an answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DnsFailure {
    /// The name does not exist (NXDOMAIN).
    #[error("NXDOMAIN")]
    NxDomain {
        /// The zone that said so (the owner of the SOA record the answer
        /// carried), when known.
        zone: Option<String>,
    },
    /// The name exists but has no records of the type (NOERROR, no data).
    #[error("no data")]
    NoData {
        /// The zone that said so, when known.
        zone: Option<String>,
    },
    /// The server failed (SERVFAIL); temporary.
    #[error("SERVFAIL")]
    ServFail,
    /// The server refused the question (REFUSED).
    #[error("REFUSED")]
    Refused,
    /// No answer in time; temporary.
    #[error("a timeout")]
    Timeout,
    /// The question could not be asked for want of our own resources (too
    /// many open files, no buffer space, no socket to bind): nothing about
    /// the name asked, so never a finding about it.
    #[error("{0}")]
    Local(String),
    /// Any other failure to ask (the detail says which).
    #[error("{0}")]
    Other(String),
}

impl DnsFailure {
    /// Whether this is an answer that there is nothing (NXDOMAIN, no data),
    /// rather than a failure to get one.
    pub fn is_negative(&self) -> bool {
        matches!(
            self,
            DnsFailure::NxDomain { .. } | DnsFailure::NoData { .. }
        )
    }

    /// The zone a negative answer came from, when it said.
    pub fn zone(&self) -> Option<&str> {
        match self {
            DnsFailure::NxDomain { zone } | DnsFailure::NoData { zone } => zone.as_deref(),
            _ => None,
        }
    }
}

/// A question on its way: it owns everything it needs, so it can be spawned
/// on any executor or awaited where it was asked.
pub type Query = Pin<Box<dyn Future<Output = Result<Answer, DnsFailure>> + Send>>;

/// The authoritative servers of a zone, on their way.
pub type Servers = Pin<Box<dyn Future<Output = Vec<NameServer>> + Send>>;

/// One authoritative server of a zone, and a [`Dns`] that asks it directly
/// (without recursion), for comparing the servers of a zone.
#[derive(Clone)]
pub struct NameServer {
    /// Its host name (from the NS set), or the file holding this copy.
    pub host: String,
    /// Where it is asked: `IP:PORT`, or the file's path.
    pub address: String,
    /// Asks this server alone.
    pub dns: Arc<dyn Dns>,
}

impl std::fmt::Debug for NameServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NameServer({} at {})", self.host, self.address)
    }
}

/// A source of DNS answers: live DNS or zone data.
pub trait Dns: Send + Sync {
    /// Asks for the records of `record_type` at `name` (no trailing dot
    /// needed), CNAMEs followed as a resolver follows them.
    fn query(&self, name: &str, record_type: RecordType) -> Query;

    /// The servers holding `zone`, each to be asked directly, sorted; empty
    /// when this source cannot tell servers apart.
    fn name_servers(&self, zone: &str) -> Servers {
        let _ = zone;
        Box::pin(std::future::ready(Vec::new()))
    }

    /// The tokio runtime this source answers on, if it has one; see [`run`].
    fn runtime(&self) -> Option<tokio::runtime::Handle> {
        None
    }
}

/// Runs `work`, async code asking `dns` many questions (a diagnosis, a
/// batch of them), to completion from plain code: on the source's own
/// runtime when it has one, so the work and the answers share its thread
/// instead of waking each other across threads, else on a runtime made
/// for it. A panic in `work` is resumed here.
pub fn run<T: Send + 'static>(
    dns: &dyn Dns,
    work: impl Future<Output = T> + Send + 'static,
) -> Result<T, crate::Error> {
    match dns.runtime() {
        Some(runtime) => match block_on(runtime.spawn(work)) {
            Ok(output) => Ok(output),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(crate::Error::DnsClient {
                context: "runtime",
                detail: e.to_string(),
            }),
        },
        None => Ok(tokio::runtime::Builder::new_current_thread()
            .build()?
            .block_on(work)),
    }
}

/// Waits for `future` on the calling thread, for callers outside async
/// code (key look-ups). A [`Query`] runs on its source's own runtime, if
/// it needs one, so this needs none; like any blocking call it must not
/// be made from async code (it would stall the thread of work given to
/// [`run`]).
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            std::task::Poll::Ready(output) => return output,
            std::task::Poll::Pending => std::thread::park(),
        }
    }
}

/// A name as the seam compares names (see [`DomainName`]).
pub(crate) fn normalize(name: &str) -> String {
    DomainName::new(name).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_at_a_name_and_through_its_cname() {
        let answer = Answer {
            records: vec![
                Record {
                    name: "s1._domainkey.example.com".into(),
                    data: RData::Cname("k1.provider.net".into()),
                },
                Record {
                    name: "k1.provider.net".into(),
                    data: RData::Txt(vec![b"v=DKIM1; ".to_vec(), b"p=AB".to_vec()]),
                },
            ],
            ..Answer::default()
        };
        // (name, type, records owned by the name, records reached)
        for (name, record_type, at, reached) in [
            ("S1._domainkey.example.com.", RecordType::Cname, 1, 1),
            ("s1._domainkey.example.com", RecordType::Txt, 0, 1),
            ("k1.provider.net", RecordType::Txt, 1, 1),
            ("k1.provider.net", RecordType::A, 0, 0),
        ] {
            assert_eq!(
                answer.at(name, record_type).count(),
                at,
                "{name} {record_type}"
            );
            assert_eq!(
                answer.reached(name, record_type).len(),
                reached,
                "{name} {record_type}"
            );
        }
    }

    #[test]
    fn only_records_on_the_chain_from_the_name_asked_are_reached() {
        let record = |name: &str, data: RData| Record {
            name: name.into(),
            data,
        };
        let key = RData::Txt(vec![b"v=DKIM1; p=AB".to_vec()]);
        let cname = |target: &str| RData::Cname(target.into());
        // A server's extra TXT for a name off the chain, a loop, and a
        // chain one CNAME too long: none of them is a key at the name.
        let mut long: Vec<Record> = (0..=MAX_CNAME_HOPS)
            .map(|i| record(&format!("h{i}"), cname(&format!("h{}", i + 1))))
            .collect();
        long.push(record(&format!("h{}", MAX_CNAME_HOPS + 1), key.clone()));
        for (records, name, reached) in [
            (vec![record("other.example", key.clone())], "s1.example", 0),
            (
                vec![
                    record("a", cname("b")),
                    record("b", cname("a")),
                    record("x", key.clone()),
                ],
                "a",
                0,
            ),
            (long.clone(), "h0", 0),
            (long, "h1", 1),
            (
                vec![record("a", cname("b")), record("b", key.clone())],
                "A.",
                1,
            ),
        ] {
            let answer = Answer {
                records,
                ..Answer::default()
            };
            assert_eq!(
                answer.reached(name, RecordType::Txt).len(),
                reached,
                "{name}"
            );
        }
    }

    #[test]
    fn chains_stop_at_a_loop_or_the_hop_limit() {
        // A loop back to the name asked, and to a name in between.
        let mut chain = CnameChain::new("S1._domainkey.example.com.");
        chain.follow("b.example.net").unwrap();
        assert_eq!(
            chain.follow("s1._domainkey.example.com"),
            Err(ChainBreak::Loop(vec![
                "s1._domainkey.example.com".into(),
                "b.example.net".into(),
                "s1._domainkey.example.com".into(),
            ]))
        );
        let mut chain = CnameChain::new("a");
        chain.follow("b").unwrap();
        chain.follow("c").unwrap();
        assert_eq!(
            chain.follow("B."),
            Err(ChainBreak::Loop(vec![
                "a".into(),
                "b".into(),
                "c".into(),
                "b".into()
            ]))
        );
        assert_eq!(chain.targets(), ["b", "c"]);
        // A name pointing at itself.
        assert!(matches!(
            CnameChain::new("a").follow("a"),
            Err(ChainBreak::Loop(names)) if names == ["a", "a"]
        ));
        // MAX_CNAME_HOPS CNAMEs are followed; one more is too many.
        let mut chain = CnameChain::new("h0");
        for i in 1..=MAX_CNAME_HOPS {
            chain.follow(&format!("h{i}")).unwrap();
        }
        assert_eq!(chain.hops(), MAX_CNAME_HOPS);
        assert_eq!(
            chain.follow("h9"),
            Err(ChainBreak::TooLong {
                last: "h8".into(),
                target: "h9".into()
            })
        );
        assert_eq!((chain.first(), chain.last()), ("h0", "h8"));
    }

    #[test]
    fn failures_in_words() {
        for (failure, words, negative) in [
            (DnsFailure::NxDomain { zone: None }, "NXDOMAIN", true),
            (DnsFailure::NoData { zone: None }, "no data", true),
            (DnsFailure::ServFail, "SERVFAIL", false),
            (DnsFailure::Refused, "REFUSED", false),
            (DnsFailure::Timeout, "a timeout", false),
            (
                DnsFailure::Local("too many open files".into()),
                "too many open files",
                false,
            ),
            (DnsFailure::Other("no route".into()), "no route", false),
        ] {
            assert_eq!(failure.to_string(), words);
            assert_eq!(failure.is_negative(), negative, "{words}");
        }
    }

    #[test]
    fn work_runs_on_a_runtime_made_for_it_without_one_of_the_source() {
        let zone: Arc<dyn Dns> =
            Arc::new(ZoneDns::parse("s1.example.com. TXT \"x\"\n", None).unwrap());
        let asking = zone.clone();
        let answer = run(&*zone, async move {
            // Tasks can be spawned, as diagnose spawns them.
            tokio::spawn(asking.query("s1.example.com", RecordType::Txt))
                .await
                .unwrap()
        })
        .unwrap();
        assert_eq!(answer.unwrap().records.len(), 1);
    }

    #[test]
    fn block_on_waits_for_a_future_woken_from_another_thread() {
        let (send, receive) = std::sync::mpsc::channel::<u32>();
        let waiting = std::sync::Arc::new(std::sync::Mutex::new(None::<std::task::Waker>));
        let future = {
            let waiting = waiting.clone();
            // The waker is stored under the lock the sender takes, so the
            // wake cannot fall between the check and the store.
            std::future::poll_fn(move |cx| {
                let mut slot = waiting.lock().unwrap();
                match receive.try_recv() {
                    Ok(n) => std::task::Poll::Ready(n),
                    Err(_) => {
                        *slot = Some(cx.waker().clone());
                        std::task::Poll::Pending
                    }
                }
            })
        };
        let sender = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let mut slot = waiting.lock().unwrap();
            send.send(7).unwrap();
            if let Some(waker) = slot.take() {
                waker.wake();
            }
        });
        assert_eq!(block_on(future), 7);
        sender.join().unwrap();
    }
}
