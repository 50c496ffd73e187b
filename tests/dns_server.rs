//! A test DNS server: an in-process authoritative server (hickory-server)
//! on `127.0.0.1`, UDP and TCP on one OS-chosen port, serving zone-file
//! text, with switches to make parts of the name space misbehave.
//!
//! ```ignore
//! let dns = DnsServer::builder()
//!     .zone("example.com.", &zone_text)
//!     .servfail_under("broken._domainkey.example.com.") // answers SERVFAIL
//!     .refuse_under("acl._domainkey.example.com.")      // answers REFUSED
//!     .drop_under("slow._domainkey.example.com.")       // never answers
//!     .start();
//! dir.cmd(&["verify", "--nameserver", &dns.nameserver(), "signed.eml"]).run();
//! ```
//!
//! - The server is authoritative (AA set) for every zone it serves, and
//!   answers REFUSED for names outside them (like a real authoritative
//!   server asked a question it has no zone for).
//! - A zone text without an SOA record gets one (and an NS record) made up,
//!   and `$TTL 300` applies unless the text sets its own, so record lists
//!   such as `fixtures/keys/keys.zone` can be served as they are.
//! - It runs on a background thread with its own tokio runtime, so tests
//!   stay synchronous; it stops when the `DnsServer` is dropped.
//! - Every query it receives is logged (`queries()`), answered or not.
//!
//! It only ever binds loopback: 127.0.0.1 unless `bind` names another
//! 127.0.0.0/8 address (several servers on one port, as NS sets are).

#![allow(dead_code)]

use hickory_proto::op::{
    Header, HeaderCounts, Message, MessageType, Metadata, Query, ResponseCode,
};
use hickory_proto::rr::{LowerName, Name, RecordType};
use hickory_proto::serialize::txt::Parser;
use hickory_resolver::net::runtime::{Time, TokioRuntimeProvider};
use hickory_resolver::net::xfer::Protocol;
use hickory_server::Server;
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{
    AxfrPolicy, Catalog, MessageResponseBuilder, ZoneHandler, ZoneType,
};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a query reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
    Other,
}

/// One query the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedQuery {
    /// The queried name, lower case, with its trailing dot.
    pub name: String,
    pub record_type: RecordType,
    pub transport: Transport,
}

/// What the server does with a query, decided by the first matching rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Misbehaviour {
    ServFail,
    Refused,
    Drop,
}

/// Configures a [`DnsServer`]; see the module documentation.
#[derive(Debug, Default)]
pub struct DnsServerBuilder {
    zones: Vec<(String, String)>,
    rules: Vec<(String, Misbehaviour)>,
    bind: Option<SocketAddr>,
}

impl DnsServerBuilder {
    /// Serves `text` (RFC 1035 zone-file syntax) as the zone `origin`
    /// (e.g. `example.com.`; the trailing dot is optional). Relative names
    /// in `text` are relative to `origin` unless it sets `$ORIGIN`.
    pub fn zone(mut self, origin: &str, text: &str) -> Self {
        self.zones.push((origin.to_string(), text.to_string()));
        self
    }

    /// Answers SERVFAIL for `name` and every name under it.
    pub fn servfail_under(mut self, name: &str) -> Self {
        self.rules.push((name.to_string(), Misbehaviour::ServFail));
        self
    }

    /// Answers REFUSED for `name` and every name under it (a server whose
    /// policy excludes the client, or a zone it does not serve).
    pub fn refuse_under(mut self, name: &str) -> Self {
        self.rules.push((name.to_string(), Misbehaviour::Refused));
        self
    }

    /// Never answers `name` or any name under it, over UDP or TCP, so the
    /// client times out.
    pub fn drop_under(mut self, name: &str) -> Self {
        self.rules.push((name.to_string(), Misbehaviour::Drop));
        self
    }

    /// Listens on `addr` (a 127.0.0.0/8 address; port 0 lets the OS pick)
    /// instead of 127.0.0.1 on an OS-chosen port.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        assert!(addr.ip().is_loopback(), "test servers bind loopback only");
        self.bind = Some(addr);
        self
    }

    /// Binds 127.0.0.1 (UDP and TCP, same port) and starts serving.
    /// Panics on a bad zone or when no port can be bound.
    pub fn start(self) -> DnsServer {
        let mut catalog = Catalog::new();
        for (origin, text) in &self.zones {
            let origin = fqdn(origin);
            let handler = zone_handler(&origin, text);
            catalog.upsert(
                LowerName::new(&origin),
                vec![Arc::new(handler) as Arc<dyn ZoneHandler>],
            );
        }
        let rules = self
            .rules
            .iter()
            .map(|(name, what)| (LowerName::new(&fqdn(name)), *what))
            .collect();
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler = TestHandler {
            catalog,
            rules,
            log: log.clone(),
        };

        let (udp, tcp) = bind_udp_and_tcp(self.bind);
        let addr = udp.local_addr().expect("bound socket has an address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("test-dns-{}", addr.port()))
            .spawn(move || serve(handler, udp, tcp, stopped))
            .expect("the DNS server thread starts");
        DnsServer {
            addr,
            log,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

/// A running test DNS server; stops when dropped.
pub struct DnsServer {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<LoggedQuery>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DnsServer {
    /// A builder for a server with zones and misbehaving names.
    pub fn builder() -> DnsServerBuilder {
        DnsServerBuilder::default()
    }

    /// A server for these `(origin, zone text)` pairs and nothing else.
    pub fn start(zones: &[(&str, &str)]) -> DnsServer {
        zones
            .iter()
            .fold(DnsServer::builder(), |b, (origin, text)| {
                b.zone(origin, text)
            })
            .start()
    }

    /// Where it listens (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `127.0.0.1:PORT`, as `--nameserver` takes it.
    pub fn nameserver(&self) -> String {
        self.addr.to_string()
    }

    /// Every query received so far, in order.
    pub fn queries(&self) -> Vec<LoggedQuery> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            // Never turn a failing test's panic into an abort.
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for DnsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DnsServer({})", self.addr)
    }
}

/// `name` with a trailing dot, as a `Name`.
fn fqdn(name: &str) -> Name {
    let name = format!("{}.", name.trim_end_matches('.'));
    Name::from_ascii(&name).unwrap_or_else(|e| panic!("bad DNS name {name:?}: {e}"))
}

/// Parses a zone text into an authoritative in-memory zone, making up an
/// SOA (and NS) and a default TTL when the text has none.
fn zone_handler(origin: &Name, text: &str) -> InMemoryZoneHandler<TokioRuntimeProvider> {
    let parse = |text: &str| {
        Parser::new(text, None, Some(origin.clone()))
            .parse()
            .unwrap_or_else(|e| panic!("zone {origin} does not parse: {e}\n{text}"))
    };
    // `$TTL 300` first: the text's own `$TTL`, if any, wins for its records.
    let (_, records) = parse(&format!("$TTL 300\n{text}"));
    let has_soa = records
        .keys()
        .any(|key| key.record_type == RecordType::SOA && key.name == LowerName::new(origin));
    let records = if has_soa {
        records
    } else {
        // Before the text's own lines, so `@` is `origin` whatever `$ORIGIN`
        // the text sets later.
        let preamble = format!(
            "$TTL 300\n\
             @ IN SOA ns1.{origin} hostmaster.{origin} ( 1 3600 600 86400 60 )\n\
             @ IN NS ns1.{origin}\n"
        );
        parse(&format!("{preamble}{text}")).1
    };
    InMemoryZoneHandler::new(origin.clone(), records, ZoneType::Primary, AxfrPolicy::Deny)
        .unwrap_or_else(|e| panic!("zone {origin} cannot be served: {e}"))
}

/// A UDP socket and a TCP listener on the same 127.0.0.1 port. The OS picks
/// the UDP port; if that port is taken on the TCP side, try another.
fn bind_udp_and_tcp(wanted: Option<SocketAddr>) -> (std::net::UdpSocket, std::net::TcpListener) {
    let wanted = wanted.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    let mut last_error = None;
    for _ in 0..50 {
        let udp = std::net::UdpSocket::bind(wanted).expect("a UDP port on loopback");
        let addr = udp.local_addr().expect("bound socket has an address");
        match std::net::TcpListener::bind(addr) {
            Ok(tcp) => {
                udp.set_nonblocking(true)
                    .expect("UDP socket can be non-blocking");
                tcp.set_nonblocking(true)
                    .expect("TCP listener can be non-blocking");
                return (udp, tcp);
            }
            Err(e) => last_error = Some(e),
        }
    }
    panic!("no 127.0.0.1 port free for both UDP and TCP: {last_error:?}");
}

/// The server thread: serve until `stopped` fires (or the handle is gone).
fn serve(
    handler: TestHandler,
    udp: std::net::UdpSocket,
    tcp: std::net::TcpListener,
    stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the DNS server");
    runtime.block_on(async move {
        let mut server = Server::new(handler);
        server.register_socket(tokio::net::UdpSocket::from_std(udp).expect("tokio UDP socket"));
        server.register_listener(
            tokio::net::TcpListener::from_std(tcp).expect("tokio TCP listener"),
            Duration::from_secs(5),
            16,
        );
        let _ = stopped.await;
        let _ = tokio::time::timeout(Duration::from_secs(1), server.shutdown_gracefully()).await;
    });
    // Dropping the runtime cancels whatever is left (open TCP connections,
    // dropped queries) and closes the sockets.
    drop(runtime);
}

/// The catalog of zones, behind the misbehaviour rules and the query log.
struct TestHandler {
    catalog: Catalog,
    rules: Vec<(LowerName, Misbehaviour)>,
    log: Arc<Mutex<Vec<LoggedQuery>>>,
}

#[async_trait::async_trait]
impl RequestHandler for TestHandler {
    async fn handle_request<R: ResponseHandler, T: Time>(
        &self,
        request: &Request,
        mut response_handle: R,
    ) -> ResponseInfo {
        let query = request.queries.queries().first();
        if let Some(query) = query {
            let transport = match request.protocol() {
                Protocol::Udp => Transport::Udp,
                Protocol::Tcp => Transport::Tcp,
                #[allow(unreachable_patterns)]
                _ => Transport::Other,
            };
            self.log
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(LoggedQuery {
                    name: query.name().to_string().to_ascii_lowercase(),
                    record_type: query.query_type(),
                    transport,
                });
        }
        let rule = query.and_then(|q| {
            self.rules
                .iter()
                .find(|(suffix, _)| suffix.zone_of(q.name()))
                .map(|(_, what)| *what)
        });
        match rule {
            Some(what @ (Misbehaviour::ServFail | Misbehaviour::Refused)) => {
                let code = if what == Misbehaviour::Refused {
                    ResponseCode::Refused
                } else {
                    ResponseCode::ServFail
                };
                let response = MessageResponseBuilder::from_message_request(request)
                    .error_msg(&request.metadata, code);
                response_handle
                    .send_response(response)
                    .await
                    .unwrap_or_else(|_| servfail_info(request))
            }
            Some(Misbehaviour::Drop) => servfail_info(request),
            None => {
                self.catalog
                    .handle_request::<R, T>(request, response_handle)
                    .await
            }
        }
    }
}

/// What the handler reports for a request it did not answer normally.
fn servfail_info(request: &Request) -> ResponseInfo {
    let mut metadata = Metadata::new(
        request.metadata.id,
        MessageType::Response,
        request.metadata.op_code,
    );
    metadata.response_code = ResponseCode::ServFail;
    ResponseInfo::from(Header {
        metadata,
        counts: HeaderCounts::default(),
    })
}

/// A raw query (RD=0) over UDP, for looking at the header the server sends
/// (AA, RCODE). `None` when nothing comes back within `timeout`.
pub fn raw_udp_query(
    server: SocketAddr,
    name: &str,
    record_type: RecordType,
    timeout: Duration,
) -> Option<Message> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("a UDP port on 127.0.0.1");
    socket
        .set_read_timeout(Some(timeout))
        .expect("read timeout");
    socket
        .send_to(&raw_query_bytes(name, record_type), server)
        .expect("query sent");
    let mut buf = vec![0u8; 65535];
    let len = socket.recv(&mut buf).ok()?;
    Some(Message::from_vec(&buf[..len]).expect("the answer decodes"))
}

/// The same over TCP (two-byte length prefix).
pub fn raw_tcp_query(
    server: SocketAddr,
    name: &str,
    record_type: RecordType,
    timeout: Duration,
) -> Option<Message> {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect_timeout(&server, timeout).expect("TCP connection");
    stream
        .set_read_timeout(Some(timeout))
        .expect("read timeout");
    let query = raw_query_bytes(name, record_type);
    let mut framed = (query.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&query);
    stream.write_all(&framed).expect("query sent");
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).ok()?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut buf).ok()?;
    Some(Message::from_vec(&buf).expect("the answer decodes"))
}

fn raw_query_bytes(name: &str, record_type: RecordType) -> Vec<u8> {
    let mut message = Message::query();
    message.metadata.id = 0x4b1d;
    message.metadata.recursion_desired = false;
    message.add_query(Query::query(fqdn(name), record_type));
    message.to_vec().expect("the query encodes")
}

// The harness's own checks.

const ZONE: &str = r#"
$ORIGIN example.org.
key1._domainkey   IN TXT "v=DKIM1; " "p=abc"
alias._domainkey  IN CNAME key1._domainkey
"#;

fn test_server() -> DnsServer {
    DnsServer::builder()
        .zone("example.org.", ZONE)
        .servfail_under("bad.example.org")
        .refuse_under("acl.example.org")
        .drop_under("slow.example.org.")
        .start()
}

fn txt_strings(message: &Message) -> Vec<Vec<String>> {
    message
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            hickory_proto::rr::RData::TXT(txt) => Some(
                txt.txt_data
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

#[test]
fn answers_authoritatively_over_udp_and_tcp() {
    let dns = test_server();
    assert!(dns.addr().ip().is_loopback());
    let timeout = Duration::from_secs(2);
    for answer in [
        raw_udp_query(
            dns.addr(),
            "key1._domainkey.example.org",
            RecordType::TXT,
            timeout,
        ),
        raw_tcp_query(
            dns.addr(),
            "KEY1._domainkey.example.org",
            RecordType::TXT,
            timeout,
        ),
    ] {
        let answer = answer.expect("an answer");
        assert_eq!(answer.metadata.response_code, ResponseCode::NoError);
        assert!(answer.metadata.authoritative, "AA is set");
        assert_eq!(txt_strings(&answer), [["v=DKIM1; ", "p=abc"]]);
    }
    let log = dns.queries();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].name, "key1._domainkey.example.org.");
    assert_eq!(log[0].record_type, RecordType::TXT);
    assert_eq!(log[0].transport, Transport::Udp);
    assert_eq!(log[1].name, "key1._domainkey.example.org.");
    assert_eq!(log[1].transport, Transport::Tcp);
}

#[test]
fn nxdomain_nodata_refused_and_cname() {
    let dns = test_server();
    let timeout = Duration::from_secs(2);
    let ask = |name: &str, rt| raw_udp_query(dns.addr(), name, rt, timeout).expect("an answer");

    let nx = ask("nope._domainkey.example.org", RecordType::TXT);
    assert_eq!(nx.metadata.response_code, ResponseCode::NXDomain);
    assert!(nx.metadata.authoritative);
    assert!(nx.answers.is_empty());

    let nodata = ask("key1._domainkey.example.org", RecordType::A);
    assert_eq!(nodata.metadata.response_code, ResponseCode::NoError);
    assert!(nodata.answers.is_empty());

    let outside = ask("example.net", RecordType::TXT);
    assert_eq!(outside.metadata.response_code, ResponseCode::Refused);

    let alias = ask("alias._domainkey.example.org", RecordType::CNAME);
    assert_eq!(alias.answers.len(), 1);
    assert_eq!(alias.answers[0].record_type(), RecordType::CNAME);
}

#[test]
fn servfail_and_drop_rules() {
    let dns = test_server();
    let timeout = Duration::from_millis(300);
    let servfail = raw_udp_query(dns.addr(), "x.y.bad.example.org", RecordType::TXT, timeout)
        .expect("an answer");
    assert_eq!(servfail.metadata.response_code, ResponseCode::ServFail);
    let servfail =
        raw_tcp_query(dns.addr(), "bad.example.org", RecordType::TXT, timeout).expect("an answer");
    assert_eq!(servfail.metadata.response_code, ResponseCode::ServFail);
    // Only whole labels match: "notbad" is not under "bad".
    let fine = raw_udp_query(dns.addr(), "notbad.example.org", RecordType::TXT, timeout)
        .expect("an answer");
    assert_eq!(fine.metadata.response_code, ResponseCode::NXDomain);
    let refused = raw_udp_query(dns.addr(), "k.acl.example.org", RecordType::TXT, timeout)
        .expect("an answer");
    assert_eq!(refused.metadata.response_code, ResponseCode::Refused);

    assert!(raw_udp_query(dns.addr(), "slow.example.org", RecordType::TXT, timeout).is_none());
    assert!(raw_tcp_query(dns.addr(), "a.slow.example.org", RecordType::TXT, timeout).is_none());
    // The server still answers after dropping queries.
    let after = raw_udp_query(
        dns.addr(),
        "key1._domainkey.example.org",
        RecordType::TXT,
        timeout,
    )
    .expect("an answer");
    assert_eq!(after.metadata.response_code, ResponseCode::NoError);
    assert_eq!(dns.queries().len(), 7);
}

#[test]
fn zone_with_its_own_soa_and_several_zones() {
    let own = "$TTL 60\n\
               @ IN SOA ns.example.net. root.example.net. ( 7 3600 600 86400 60 )\n\
               txt IN TXT \"hello\"\n";
    let dns = DnsServer::start(&[("example.net", own), ("example.org.", ZONE)]);
    let timeout = Duration::from_secs(2);
    let soa = raw_udp_query(dns.addr(), "example.net", RecordType::SOA, timeout).expect("answer");
    assert_eq!(soa.answers.len(), 1);
    assert!(soa.answers[0].to_string().contains("root.example.net."));
    let txt =
        raw_udp_query(dns.addr(), "txt.example.net", RecordType::TXT, timeout).expect("answer");
    assert_eq!(txt_strings(&txt), [["hello"]]);
    let other = raw_udp_query(
        dns.addr(),
        "key1._domainkey.example.org",
        RecordType::TXT,
        timeout,
    )
    .expect("answer");
    assert_eq!(txt_strings(&other), [["v=DKIM1; ", "p=abc"]]);
}

#[test]
fn stops_on_drop() {
    let dns = test_server();
    let addr = dns.addr();
    let started = std::time::Instant::now();
    drop(dns);
    assert!(started.elapsed() < Duration::from_secs(2));
    // The port is free again (UDP and TCP), within a moment: the server's
    // threads close their sockets as they end, which a loaded machine
    // (cli_surface runs beside) can delay past the drop itself.
    let released = |bind: &dyn Fn() -> bool| {
        (0..100).any(|_| {
            bind() || {
                std::thread::sleep(Duration::from_millis(20));
                false
            }
        })
    };
    assert!(
        released(&|| std::net::TcpListener::bind(addr).is_ok()),
        "TCP port released"
    );
    assert!(
        released(&|| std::net::UdpSocket::bind(addr).is_ok()),
        "UDP port released"
    );
}
