//! Live DNS behind the seam: one hickory resolver on one tokio runtime,
//! one mapping of hickory's answers and errors to [`Answer`] and
//! [`DnsFailure`], and each authoritative server asked directly (RD=0, over
//! UDP) when `diagnose` compares the servers of a zone.
//!
//! The runtime runs on a thread of its own. A question asked from another
//! thread is spawned onto it, and the [`Query`] only waits for that task;
//! one asked from that thread (work [`super::run`] put there, as
//! `diagnose` is) runs in place. So one [`HickoryDns`] serves plain code (a
//! key look-up blocks on its query) and async code on any executor alike,
//! and `diagnose` pays no thread hop per question.

use super::DomainName;
use super::normalize;
use super::{Answer, Dns, DnsFailure, NameServer, Query, RData, Record, RecordType, Servers};
use hickory_proto::op::{Message, ResponseCode};
use hickory_resolver::net::runtime::{RuntimeProvider, TokioRuntimeProvider};
use hickory_resolver::net::{DnsError, NetError};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Poll, Waker};
use std::time::Duration;

/// How to reach DNS.
#[derive(Debug, Clone)]
pub struct DnsOptions {
    /// Ask this server instead of the system resolver.
    pub nameserver: Option<SocketAddr>,
    /// Time allowed for one query.
    pub timeout: Duration,
    /// Retries after the first try.
    pub retries: usize,
    /// The most questions in flight at once (each holds a socket while it
    /// waits); more wait their turn.
    pub concurrency: usize,
}

impl Default for DnsOptions {
    fn default() -> Self {
        DnsOptions {
            nameserver: None,
            timeout: Duration::from_secs(5),
            retries: 1,
            concurrency: 16,
        }
    }
}

/// Live DNS through hickory-resolver: the system's servers, or the one
/// [`DnsOptions::nameserver`] names.
pub struct HickoryDns {
    client: Client,
    /// The port authoritative servers are asked on.
    server_port: u16,
    timeout: Duration,
    retries: usize,
    /// The runtime's thread, and how to stop it.
    thread: Option<std::thread::JoinHandle<()>>,
    stop: Arc<Stop>,
}

impl std::fmt::Debug for HickoryDns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HickoryDns")
    }
}

impl HickoryDns {
    /// A source asking the system resolver or `options.nameserver`; the
    /// zone's authoritative servers are asked on port 53, or on the port of
    /// `options.nameserver` when one is given (a test server).
    pub fn new(options: &DnsOptions) -> Result<HickoryDns, crate::Error> {
        // Sockets and timers only: no signal driver, which panics when it
        // cannot get its file descriptors.
        let ours = |e: std::io::Error| match local_cause(&e) {
            Some(cause) => crate::Error::DnsLocal { cause },
            None => crate::Error::Io(e),
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(ours)?;
        let sockets = Watching::default();
        let local = sockets.local.clone();
        let resolver = {
            let _inside = runtime.enter();
            build_resolver(options, sockets)?
        };
        let handle = runtime.handle().clone();
        let stop = Arc::new(Stop::default());
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("dkimctl-dns".into())
                .spawn(move || runtime.block_on(stop.wait()))
                .map_err(ours)?
        };
        let client = Client {
            resolver,
            local,
            home: Home {
                handle,
                thread: thread.thread().id(),
                in_flight: Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1))),
            },
        };
        Ok(HickoryDns {
            client,
            server_port: options.nameserver.map_or(53, |ns| ns.port()),
            timeout: options.timeout,
            retries: options.retries,
            thread: Some(thread),
            stop,
        })
    }

    /// Asks the zone's authoritative servers on `port` instead.
    pub fn with_server_port(mut self, port: u16) -> HickoryDns {
        self.server_port = port;
        self
    }
}

impl Drop for HickoryDns {
    fn drop(&mut self) {
        self.stop.now();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Dns for HickoryDns {
    fn query(&self, name: &str, record_type: RecordType) -> Query {
        self.client.query(name, record_type)
    }

    /// The zone's NS set, each host at its glue addresses or, without glue,
    /// at the addresses its A and AAAA records give, sorted by host.
    fn name_servers(&self, zone: &str) -> Servers {
        let client = self.client.clone();
        let (port, timeout, retries) = (self.server_port, self.timeout, self.retries);
        let ns = client.query(zone, RecordType::Ns);
        let zone = zone.to_string();
        Box::pin(async move {
            let Ok(answer) = ns.await else {
                return Vec::new();
            };
            let home = client.home.clone();
            let hosts: Vec<String> = answer
                .reached(&zone, RecordType::Ns)
                .into_iter()
                .filter_map(|data| match data {
                    RData::Ns(host) => Some(host.clone()),
                    _ => None,
                })
                .collect();
            // Glue (the additional section) saves a round trip; the other
            // hosts are all asked at once.
            enum Addresses {
                Glue(Vec<IpAddr>),
                Asked(tokio::task::JoinHandle<Vec<IpAddr>>),
            }
            let lookups: Vec<Addresses> = hosts
                .iter()
                .map(|host| {
                    let glue = addresses(answer.additional.iter().filter(|r| r.name == *host));
                    if !glue.is_empty() {
                        return Addresses::Glue(glue);
                    }
                    let (a, aaaa) = (
                        client.query(host, RecordType::A),
                        client.query(host, RecordType::Aaaa),
                    );
                    let host = host.clone();
                    Addresses::Asked(home.handle.spawn(async move {
                        let (a, aaaa) = tokio::join!(a, aaaa);
                        let answers: Vec<Answer> = [a, aaaa].into_iter().flatten().collect();
                        addresses(
                            answers
                                .iter()
                                .flat_map(|answer| &answer.records)
                                .filter(|r| r.name == host),
                        )
                    }))
                })
                .collect();
            let mut servers = Vec::new();
            for (host, lookup) in hosts.into_iter().zip(lookups) {
                let ips = match lookup {
                    Addresses::Glue(glue) => glue,
                    Addresses::Asked(task) => task.await.unwrap_or_default(),
                };
                for ip in ips {
                    servers.push((host.clone(), SocketAddr::new(ip, port)));
                }
            }
            servers.sort();
            servers
                .into_iter()
                .map(|(host, address)| NameServer {
                    host,
                    address: address.to_string(),
                    dns: Arc::new(DirectServer {
                        address,
                        timeout,
                        retries,
                        home: home.clone(),
                    }),
                })
                .collect()
        })
    }

    fn runtime(&self) -> Option<tokio::runtime::Handle> {
        Some(self.client.home.handle.clone())
    }
}

/// The IP addresses among `records` (A and AAAA data).
fn addresses<'a>(records: impl Iterator<Item = &'a Record>) -> Vec<IpAddr> {
    records
        .filter_map(|r| match r.data {
            RData::A(ip) => Some(IpAddr::V4(ip)),
            RData::Aaaa(ip) => Some(IpAddr::V6(ip)),
            _ => None,
        })
        .collect()
}

/// The resolver and the runtime its questions run on: cheap to clone.
#[derive(Clone)]
struct Client {
    resolver: Resolver,
    /// The first of our own resources that ran out, as the resolver's
    /// sockets met it.
    local: Arc<OnceLock<String>>,
    home: Home,
}

/// The resolver, its sockets made through [`Watching`].
type Resolver = hickory_resolver::Resolver<Watching>;

/// Tokio's sockets for the resolver, remembering the first failure to get
/// one that is ours ([`local_cause`]): the resolver itself reports it only
/// as "no connections available" or a timeout.
#[derive(Clone, Default)]
struct Watching {
    tokio: TokioRuntimeProvider,
    local: Arc<OnceLock<String>>,
}

impl Watching {
    fn watch<T: Send + 'static>(
        &self,
        socket: Pin<Box<dyn Send + Future<Output = std::io::Result<T>>>>,
    ) -> Pin<Box<dyn Send + Future<Output = std::io::Result<T>>>> {
        let local = self.local.clone();
        Box::pin(async move {
            let result = socket.await;
            if let Err(e) = &result
                && let Some(cause) = local_cause(e)
            {
                let _ = local.set(cause);
            }
            result
        })
    }
}

impl RuntimeProvider for Watching {
    type Handle = <TokioRuntimeProvider as RuntimeProvider>::Handle;
    type Timer = <TokioRuntimeProvider as RuntimeProvider>::Timer;
    type Udp = <TokioRuntimeProvider as RuntimeProvider>::Udp;
    type Tcp = <TokioRuntimeProvider as RuntimeProvider>::Tcp;

    fn create_handle(&self) -> Self::Handle {
        self.tokio.create_handle()
    }

    fn connect_tcp(
        &self,
        server_addr: SocketAddr,
        bind_addr: Option<SocketAddr>,
        timeout: Option<Duration>,
    ) -> Pin<Box<dyn Send + Future<Output = std::io::Result<Self::Tcp>>>> {
        self.watch(self.tokio.connect_tcp(server_addr, bind_addr, timeout))
    }

    fn bind_udp(
        &self,
        local_addr: SocketAddr,
        server_addr: SocketAddr,
    ) -> Pin<Box<dyn Send + Future<Output = std::io::Result<Self::Udp>>>> {
        self.watch(self.tokio.bind_udp(local_addr, server_addr))
    }
}

impl Client {
    fn query(&self, name: &str, record_type: RecordType) -> Query {
        let (resolver, local) = (self.resolver.clone(), self.local.clone());
        let fqdn = DomainName::new(name).fqdn();
        ask_at_home(&self.home, async move {
            match from_lookup(
                resolver
                    .lookup(fqdn.as_str(), hickory_type(record_type))
                    .await,
            ) {
                // No answer once our resources ran out: theirs is the blame.
                Err(DnsFailure::Timeout | DnsFailure::Other(_)) if local.get().is_some() => {
                    Err(DnsFailure::Local(local.get().cloned().unwrap_or_default()))
                }
                result => result,
            }
        })
    }
}

/// The runtime questions are answered on, the thread it runs on, and the
/// permits for questions in flight (shared by the resolver and every
/// server asked directly).
#[derive(Clone)]
struct Home {
    handle: tokio::runtime::Handle,
    thread: std::thread::ThreadId,
    in_flight: Arc<tokio::sync::Semaphore>,
}

/// One authoritative server, asked directly.
struct DirectServer {
    address: SocketAddr,
    timeout: Duration,
    retries: usize,
    home: Home,
}

impl Dns for DirectServer {
    fn query(&self, name: &str, record_type: RecordType) -> Query {
        let (address, timeout, retries) = (self.address, self.timeout, self.retries);
        let name = name.to_string();
        ask_at_home(&self.home, async move {
            ask_directly(address, &name, record_type, timeout, retries).await
        })
    }
}

/// `question` as a [`Query`] that, when first polled, runs it in place on
/// the runtime's own thread, or else spawns it there and waits for it;
/// either way it waits for a permit first, so at most
/// [`DnsOptions::concurrency`] questions are in flight.
fn ask_at_home(
    home: &Home,
    question: impl Future<Output = Result<Answer, DnsFailure>> + Send + 'static,
) -> Query {
    let home = home.clone();
    let in_flight = home.in_flight.clone();
    let question = async move {
        // The semaphore is never closed.
        let _permit = in_flight.acquire_owned().await.ok();
        question.await
    };
    Box::pin(async move {
        if std::thread::current().id() == home.thread {
            question.await
        } else {
            home.handle
                .spawn(question)
                .await
                .unwrap_or_else(|e| Err(DnsFailure::Other(format!("DNS task: {e}"))))
        }
    })
}

/// Tells the runtime's thread to stop.
#[derive(Default)]
struct Stop {
    /// Whether to stop, and who to wake when it is time.
    state: Mutex<(bool, Option<Waker>)>,
}

impl Stop {
    /// Ready once [`Stop::now`] was called.
    fn wait(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(|cx| {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if state.0 {
                Poll::Ready(())
            } else {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        })
    }

    fn now(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 = true;
        if let Some(waker) = state.1.take() {
            waker.wake();
        }
    }
}

/// A hickory resolver for `options`: the system's servers, or the one
/// given, over UDP and TCP, with its timeout and retries.
fn build_resolver(options: &DnsOptions, sockets: Watching) -> Result<Resolver, crate::Error> {
    use hickory_resolver::config::{
        ConnectionConfig, NameServerConfig, ProtocolConfig, ResolverConfig, ResolverOpts,
    };
    let dns_error = |e: &dyn std::fmt::Display| crate::Error::DnsClient {
        context: "resolver",
        detail: e.to_string(),
    };
    let mut builder = match options.nameserver {
        Some(addr) => {
            let connections = [ProtocolConfig::Udp, ProtocolConfig::Tcp]
                .into_iter()
                .map(|protocol| {
                    let mut conn = ConnectionConfig::new(protocol);
                    conn.port = addr.port();
                    conn
                })
                .collect();
            let server = NameServerConfig::new(addr.ip(), true, connections);
            hickory_resolver::Resolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![server]),
                sockets,
            )
        }
        None => hickory_resolver::Resolver::builder(sockets).map_err(|e| dns_error(&e))?,
    };
    let mut opts = ResolverOpts::default();
    opts.timeout = options.timeout;
    opts.attempts = options.retries;
    *builder.options_mut() = opts;
    builder.build().map_err(|e| dns_error(&e))
}

fn hickory_type(record_type: RecordType) -> hickory_proto::rr::RecordType {
    use hickory_proto::rr::RecordType as H;
    match record_type {
        RecordType::A => H::A,
        RecordType::Aaaa => H::AAAA,
        RecordType::Cname => H::CNAME,
        RecordType::Ns => H::NS,
        RecordType::Soa => H::SOA,
        RecordType::Txt => H::TXT,
    }
}

/// What the resolver said, on the seam's terms.
fn from_lookup(
    result: Result<hickory_resolver::lookup::Lookup, NetError>,
) -> Result<Answer, DnsFailure> {
    match result {
        Ok(lookup) => Ok(answer_of(lookup.message())),
        Err(NetError::Dns(DnsError::NoRecordsFound(none))) => Err(failure_of(
            none.response_code,
            none.soa.map(|soa| normalize(&soa.name.to_string())),
        )),
        Err(NetError::Dns(DnsError::ResponseCode(
            code @ (ResponseCode::ServFail | ResponseCode::Refused),
        ))) => Err(failure_of(code, None)),
        Err(NetError::Timeout) => Err(DnsFailure::Timeout),
        Err(NetError::Io(io)) if local_cause(&io).is_some() => {
            Err(DnsFailure::Local(local_cause(&io).unwrap_or_default()))
        }
        Err(e) => Err(DnsFailure::Other(e.to_string())),
    }
}

/// The one reading of an I/O error met while asking: our own resources
/// ran out (file descriptors, buffers, memory, no local address), in
/// words, or `None` when the error may be about the server or the path to
/// it. A port in use is not among them: the resolver picks ports at random
/// and tries another.
fn local_cause(error: &std::io::Error) -> Option<String> {
    use std::io::ErrorKind;
    let ours = match error.kind() {
        ErrorKind::OutOfMemory | ErrorKind::AddrNotAvailable => true,
        _ => out_of_descriptors_or_buffers(error),
    };
    ours.then(|| crate::input::os_words(error))
}

#[cfg(unix)]
fn out_of_descriptors_or_buffers(error: &std::io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    )
}

#[cfg(not(unix))]
fn out_of_descriptors_or_buffers(_: &std::io::Error) -> bool {
    false
}

/// What a server said in `message` (a response asked for directly), on the
/// seam's terms: as the resolver reads a response, an answer section
/// (even a CNAME alone, under NXDOMAIN) is an answer.
fn from_response(message: &Message) -> Result<Answer, DnsFailure> {
    let code = message.metadata.response_code;
    if matches!(code, ResponseCode::NoError | ResponseCode::NXDomain) && !message.answers.is_empty()
    {
        return Ok(answer_of(message));
    }
    let zone = message
        .authorities
        .iter()
        .find(|r| r.record_type() == hickory_proto::rr::RecordType::SOA)
        .map(|r| normalize(&r.name.to_string()));
    Err(failure_of(code, zone))
}

/// The one reading of a response code that brought no records.
fn failure_of(code: ResponseCode, zone: Option<String>) -> DnsFailure {
    match code {
        ResponseCode::NXDomain => DnsFailure::NxDomain { zone },
        ResponseCode::NoError => DnsFailure::NoData { zone },
        ResponseCode::ServFail => DnsFailure::ServFail,
        ResponseCode::Refused => DnsFailure::Refused,
        code => DnsFailure::Other(NetError::Dns(DnsError::ResponseCode(code)).to_string()),
    }
}

/// The answer and additional sections of `message`, the records the seam
/// knows kept, and its AA flag.
fn answer_of(message: &Message) -> Answer {
    Answer {
        records: message.answers.iter().filter_map(record_of).collect(),
        additional: message.additionals.iter().filter_map(record_of).collect(),
        authoritative: message.metadata.authoritative,
    }
}

fn record_of(record: &hickory_proto::rr::Record) -> Option<Record> {
    use hickory_proto::rr::RData as H;
    let data = match &record.data {
        H::A(a) => RData::A(a.0),
        H::AAAA(a) => RData::Aaaa(a.0),
        H::CNAME(target) => RData::Cname(normalize(&target.0.to_string())),
        H::NS(host) => RData::Ns(normalize(&host.0.to_string())),
        H::SOA(soa) => RData::Soa { serial: soa.serial },
        H::TXT(txt) => RData::Txt(txt.txt_data.iter().map(|s| s.to_vec()).collect()),
        _ => return None,
    };
    Some(Record {
        name: normalize(&record.name.to_string()),
        data,
    })
}

/// One question asked of one server directly (RD=0, over UDP), with
/// `retries` more tries after a silent `timeout`.
async fn ask_directly(
    server: SocketAddr,
    name: &str,
    record_type: RecordType,
    timeout: Duration,
    retries: usize,
) -> Result<Answer, DnsFailure> {
    use hickory_proto::op::Query;
    let other = |e: &dyn std::fmt::Display| DnsFailure::Other(e.to_string());
    let fqdn = DomainName::new(name).fqdn();
    let name = hickory_proto::rr::Name::from_ascii(&fqdn).map_err(|e| other(&e))?;
    let mut query = Message::query();
    query.metadata.recursion_desired = false;
    query.add_query(Query::query(name, hickory_type(record_type)));
    let bytes = query.to_vec().map_err(|e| other(&e))?;
    let local: SocketAddr = if server.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    // A socket that cannot be had is our trouble, whatever the error.
    let socket = tokio::net::UdpSocket::bind(local).await.map_err(|e| {
        DnsFailure::Local(format!(
            "cannot bind a UDP socket: {}",
            crate::input::os_words(&e)
        ))
    })?;
    let io = |e: std::io::Error| match local_cause(&e) {
        Some(cause) => DnsFailure::Local(cause),
        None => other(&e),
    };
    socket.connect(server).await.map_err(io)?;
    let mut buf = vec![0u8; 65535];
    for _ in 0..=retries {
        socket.send(&bytes).await.map_err(io)?;
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, socket.recv(&mut buf)).await {
                Ok(Ok(n)) => {
                    let Ok(response) = Message::from_vec(&buf[..n]) else {
                        continue;
                    };
                    if response.metadata.id != query.metadata.id {
                        continue;
                    }
                    return from_response(&response);
                }
                Ok(Err(e)) => return Err(io(e)),
                Err(_) => break,
            }
        }
    }
    Err(DnsFailure::Timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::MessageType;
    use hickory_proto::rr::{Name, rdata};

    fn record(name: &str, data: hickory_proto::rr::RData) -> hickory_proto::rr::Record {
        hickory_proto::rr::Record::from_rdata(Name::from_ascii(name).unwrap(), 300, data)
    }

    fn response(code: ResponseCode) -> Message {
        let mut message = Message::query();
        message.metadata.message_type = MessageType::Response;
        message.metadata.response_code = code;
        message.metadata.authoritative = true;
        message
    }

    #[test]
    fn response_codes_map_to_one_failure_each() {
        let soa = record(
            "Example.COM.",
            hickory_proto::rr::RData::SOA(rdata::SOA::new(
                Name::from_ascii("ns1.example.com.").unwrap(),
                Name::from_ascii("hostmaster.example.com.").unwrap(),
                7,
                3600,
                600,
                86400,
                60,
            )),
        );
        let zone = Some("example.com".to_string());
        for (code, failure) in [
            (
                ResponseCode::NXDomain,
                DnsFailure::NxDomain { zone: zone.clone() },
            ),
            (
                ResponseCode::NoError,
                DnsFailure::NoData { zone: zone.clone() },
            ),
            (ResponseCode::ServFail, DnsFailure::ServFail),
            (ResponseCode::Refused, DnsFailure::Refused),
            (
                ResponseCode::NotImp,
                DnsFailure::Other("DNS error: error response: Not Implemented".into()),
            ),
        ] {
            let mut message = response(code);
            message.add_authority(soa.clone());
            assert_eq!(from_response(&message), Err(failure), "{code:?}");
        }
    }

    #[test]
    fn an_answer_keeps_its_chain_strings_glue_and_flag() {
        let mut message = response(ResponseCode::NXDomain);
        message.add_answer(record(
            "S1._domainkey.example.com.",
            hickory_proto::rr::RData::CNAME(rdata::CNAME(
                Name::from_ascii("k1.Provider.net.").unwrap(),
            )),
        ));
        message.add_answer(record(
            "k1.provider.net.",
            hickory_proto::rr::RData::TXT(rdata::TXT::new(vec!["v=DKIM1; ".into(), "p=AB".into()])),
        ));
        message.add_additional(record(
            "ns1.example.com.",
            hickory_proto::rr::RData::A(rdata::A::new(192, 0, 2, 1)),
        ));
        let answer = from_response(&message).unwrap();
        assert_eq!(
            answer.records,
            [
                Record {
                    name: "s1._domainkey.example.com".into(),
                    data: RData::Cname("k1.provider.net".into()),
                },
                Record {
                    name: "k1.provider.net".into(),
                    data: RData::Txt(vec![b"v=DKIM1; ".to_vec(), b"p=AB".to_vec()]),
                },
            ]
        );
        assert_eq!(
            answer.additional,
            [Record {
                name: "ns1.example.com".into(),
                data: RData::A([192, 0, 2, 1].into()),
            }]
        );
        assert!(answer.authoritative);
    }

    #[test]
    #[cfg(unix)]
    fn our_own_resources_are_told_from_the_server_s_trouble() {
        use std::io::{Error, ErrorKind};
        for (error, cause) in [
            (
                Error::from_raw_os_error(libc::EMFILE),
                Some("too many open files"),
            ),
            (
                Error::from_raw_os_error(libc::ENOBUFS),
                Some("no buffer space available"),
            ),
            (
                Error::from(ErrorKind::AddrNotAvailable),
                Some("address not available"),
            ),
            (Error::from_raw_os_error(libc::ECONNREFUSED), None),
            (Error::from_raw_os_error(libc::EADDRINUSE), None),
            (Error::from(ErrorKind::TimedOut), None),
        ] {
            assert_eq!(local_cause(&error).as_deref(), cause, "{error}");
        }
    }

    #[test]
    fn a_silent_server_times_out_after_its_retries() {
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let address = silent.local_addr().unwrap();
        let dns = HickoryDns::new(&DnsOptions {
            nameserver: Some(address),
            timeout: Duration::from_millis(50),
            retries: 1,
            concurrency: 16,
        })
        .unwrap();
        let server = DirectServer {
            address,
            timeout: Duration::from_millis(50),
            retries: 1,
            home: dns.client.home.clone(),
        };
        let started = std::time::Instant::now();
        let result = super::super::block_on(server.query("example.com", RecordType::Soa));
        assert_eq!(result, Err(DnsFailure::Timeout));
        assert!(started.elapsed() >= Duration::from_millis(100));
        // Both tries reached the server.
        silent.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 512];
        let tries = std::iter::from_fn(|| silent.recv(&mut buf).ok()).count();
        assert_eq!(tries, 2);
        drop(dns);
    }

    #[test]
    fn questions_from_plain_code_and_from_work_on_the_runtime() {
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let dns = Arc::new(
            HickoryDns::new(&DnsOptions {
                nameserver: Some(silent.local_addr().unwrap()),
                timeout: Duration::from_millis(50),
                retries: 0,
                concurrency: 16,
            })
            .unwrap(),
        );
        // From this thread: spawned onto the runtime's thread.
        let result = super::super::block_on(dns.query("example.com", RecordType::Txt));
        assert_eq!(result, Err(DnsFailure::Timeout));
        // From work on the runtime's thread: in place, several at once.
        let asking = dns.clone();
        let results = super::super::run(&*dns, async move {
            let here = std::thread::current().name().map(str::to_string);
            let (a, b) = tokio::join!(
                asking.query("a.example.com", RecordType::Txt),
                asking.query("b.example.com", RecordType::Cname)
            );
            (here, a, b)
        })
        .unwrap();
        assert_eq!(
            results,
            (
                Some("dkimctl-dns".to_string()),
                Err(DnsFailure::Timeout),
                Err(DnsFailure::Timeout)
            )
        );
    }
}
