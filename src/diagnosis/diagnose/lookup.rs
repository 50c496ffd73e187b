//! The questions the checks ask, through the [`Dns`] seam: a name's CNAME
//! and TXT as one [`RecordSnapshot`], and the zone a name is in.

use crate::diagnosis::checks::{Answer, RecordSnapshot};
use crate::dns::DomainName;
use crate::dns::{Dns, DnsFailure, NameServer, Query, RData, RecordType, Servers};
use std::sync::{Arc, OnceLock};

/// The answer to one question as the checks read it: the records of
/// `record_type` owned by `name` itself, picked by `pick`.
pub(super) async fn ask<T>(
    dns: &dyn Dns,
    name: &str,
    record_type: RecordType,
    pick: impl Fn(&RData) -> Option<T>,
) -> Answer<T> {
    match dns.query(name, record_type).await {
        Ok(answer) => {
            let records: Vec<T> = answer.at(name, record_type).filter_map(pick).collect();
            if records.is_empty() {
                Answer::NoData
            } else {
                Answer::Records(records)
            }
        }
        Err(DnsFailure::NxDomain { .. }) => Answer::NxDomain,
        Err(DnsFailure::NoData { .. }) => Answer::NoData,
        Err(DnsFailure::ServFail) => Answer::ServFail,
        Err(DnsFailure::Refused) => Answer::Refused,
        Err(DnsFailure::Timeout) => Answer::Timeout,
        Err(failure) => Answer::Failed(failure.to_string()),
    }
}

/// CNAME and TXT at `name`, asked concurrently.
pub(super) async fn snapshot(dns: &dyn Dns, name: &str) -> RecordSnapshot {
    let (cname, txt) = tokio::join!(
        ask(dns, name, RecordType::Cname, |data| match data {
            RData::Cname(target) => Some(target.clone()),
            _ => None,
        }),
        ask(dns, name, RecordType::Txt, |data| match data {
            RData::Txt(strings) => Some(strings.clone()),
            _ => None,
        })
    );
    RecordSnapshot {
        name: DomainName::new(name).into(),
        cname,
        txt,
    }
}

/// The zone `name` is in: the owner of the SOA its SOA query returns (in
/// the answer, or the one a negative answer names).
pub(super) async fn zone_of(dns: &dyn Dns, name: &str) -> Option<String> {
    match dns.query(name, RecordType::Soa).await {
        Ok(answer) => answer
            .records
            .into_iter()
            .find(|r| r.data.record_type() == RecordType::Soa)
            .map(|r| r.name),
        Err(failure) => failure.zone().map(str::to_string),
    }
}

/// The source a diagnosis asks through: `inner`, remembering the first
/// question that could not be asked for want of our own resources
/// ([`DnsFailure::Local`]), of the servers it gives too. Such a failure
/// says nothing about the domain, so the diagnosis ends in an error
/// instead of findings built on it.
pub(super) struct Watched {
    inner: Arc<dyn Dns>,
    local: Arc<OnceLock<String>>,
}

impl Watched {
    pub(super) fn new(inner: Arc<dyn Dns>) -> Watched {
        Watched {
            inner,
            local: Arc::new(OnceLock::new()),
        }
    }

    /// What ran out, if a question met it.
    pub(super) fn local_failure(&self) -> Option<String> {
        self.local.get().cloned()
    }
}

impl Dns for Watched {
    fn query(&self, name: &str, record_type: RecordType) -> Query {
        let (question, local) = (self.inner.query(name, record_type), self.local.clone());
        Box::pin(async move {
            let result = question.await;
            if let Err(DnsFailure::Local(cause)) = &result {
                let _ = local.set(cause.clone());
            }
            result
        })
    }

    fn name_servers(&self, zone: &str) -> Servers {
        let (servers, local) = (self.inner.name_servers(zone), self.local.clone());
        Box::pin(async move {
            servers
                .await
                .into_iter()
                .map(|server| NameServer {
                    dns: Arc::new(Watched {
                        inner: server.dns,
                        local: local.clone(),
                    }),
                    ..server
                })
                .collect()
        })
    }

    fn runtime(&self) -> Option<tokio::runtime::Handle> {
        self.inner.runtime()
    }
}
