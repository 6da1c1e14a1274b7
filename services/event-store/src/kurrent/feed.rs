//! Following `$all`: catch-up, then live, over KurrentDB's `Streams.Read` subscription call.
//!
//! The feeds make that call themselves instead of through the client's `subscribe_to_all`: when a
//! server ends a subscription cleanly, the client's subscription reads the ended call again and
//! again without ever waiting, a spin that holds its thread and that no deadline can interrupt.
//! Here every end of the call — an error, a clean end, a dropped connection, no answer within the
//! deadline while subscribing — is a lost subscription: the feed reports the outage once, waits
//! its backoff (doubling per failed attempt), tries the next node, and subscribes again after the
//! last position it delivered, so nothing is missed or given twice. A follower's "not leader"
//! answer sends the feed to the leader it names. A live subscription has no deadline (it may wait
//! for events for hours); HTTP/2 keep-alive pings find a connection that died silently.

use std::time::Duration;

use base64::Engine as _;
use futures::StreamExt as _;
use kurrentdb::{ClientSettings, NodePreference};
use tokio::time::Instant;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use uuid::Uuid;

use super::classify::{Fault, classify};
use super::wire::event_store::client::streams::read_req::options::{
    self, AllOptions, CountOption, FilterOption, FilterOptions, ReadDirection, StreamOption,
    SubscriptionOptions, UuidOption, all_options::AllOption, filter_options, uuid_option,
};
use super::wire::event_store::client::streams::streams_client::StreamsClient;
use super::wire::event_store::client::streams::{ReadReq, ReadResp, read_req, read_resp};
use super::wire::event_store::client::{Empty, uuid as wire_uuid};
use super::{KurrentDbStore, Stored};
use crate::{AllFrom, Filtered, FilteredFeed, Position, StoreError};

/// How often a live subscription's connection is pinged, and how long a ping may go unanswered.
const KEEP_ALIVE: Duration = Duration::from_secs(10);

/// What a feed needs to reach a node: the connection string's nodes, TLS and credentials.
pub(super) struct Connector {
    seeds: Vec<kurrentdb::Endpoint>,
    tls: Option<ClientTlsConfig>,
    authorization: Option<MetadataValue<Ascii>>,
    requires_leader: bool,
}

impl Connector {
    pub(super) fn new(
        settings: &ClientSettings,
        connection_string: &str,
    ) -> Result<Self, StoreError> {
        let invalid = |message: String| StoreError::invalid("connectionString", message);
        let tls = if settings.is_secure_mode_enabled() {
            if !settings.is_tls_certificate_verification_enabled() {
                return Err(invalid(
                    "tlsVerifyCert=false is not supported: give the nodes' CA with tlsCaFile"
                        .into(),
                ));
            }
            let read = |path: &str| {
                std::fs::read(path).map_err(|e| invalid(format!("cannot read {path}: {e}")))
            };
            let mut tls = ClientTlsConfig::new();
            tls = match settings.tls_ca_file() {
                Some(ca) => tls.ca_certificate(Certificate::from_pem(read(ca)?)),
                None => tls.with_native_roots(),
            };
            if let Some((cert, key)) = settings.user_certificate() {
                tls = tls.identity(Identity::from_pem(read(cert)?, read(key)?));
            }
            Some(tls)
        } else {
            None
        };
        let authorization = credentials(connection_string)
            .map(|(user, password)| {
                let token =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                MetadataValue::try_from(format!("Basic {token}"))
                    .map_err(|_| invalid("the credentials cannot be sent in a header".into()))
            })
            .transpose()?;
        Ok(Self {
            seeds: settings.hosts().clone(),
            tls,
            authorization,
            requires_leader: settings.node_preference() == NodePreference::Leader,
        })
    }

    async fn connect(
        &self,
        node: &kurrentdb::Endpoint,
        deadline: Duration,
    ) -> Result<Channel, Fault> {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let unreachable = |e: &dyn std::fmt::Display| Fault::Outage {
            rebuild: true,
            cause: format!("cannot reach KurrentDB at {}:{}: {e}", node.host, node.port),
        };
        let mut endpoint = Channel::from_shared(format!("{scheme}://{}:{}", node.host, node.port))
            .map_err(|e| unreachable(&e))?
            .connect_timeout(deadline)
            .http2_keep_alive_interval(KEEP_ALIVE)
            .keep_alive_timeout(KEEP_ALIVE)
            .keep_alive_while_idle(true);
        if let Some(tls) = &self.tls {
            endpoint = endpoint
                .tls_config(tls.clone().domain_name(node.host.clone()))
                .map_err(|e| unreachable(&e))?;
        }
        endpoint.connect().await.map_err(|e| unreachable(&e))
    }

    fn request(&self, read: ReadReq) -> tonic::Request<ReadReq> {
        let mut request = tonic::Request::new(read);
        let metadata = request.metadata_mut();
        if let Some(authorization) = &self.authorization {
            metadata.insert("authorization", authorization.clone());
        }
        if self.requires_leader {
            metadata.insert("requires-leader", MetadataValue::from_static("true"));
        }
        request
    }
}

/// The user and password of a connection string (`kurrentdb://user:password@host...`), as the
/// client sends them.
fn credentials(connection_string: &str) -> Option<(String, String)> {
    let rest = connection_string.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let (userinfo, _) = authority.rsplit_once('@')?;
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    (!user.is_empty()).then(|| (user.to_string(), password.to_string()))
}

/// A feed of `$all` after `from`: every event not KurrentDB's own, or only those whose type
/// matches `types` (a regular expression), with the server's checkpoints as passed marks.
pub(super) fn follow(store: KurrentDbStore, from: AllFrom, types: Option<String>) -> FilteredFeed {
    let feed = Feed {
        store,
        regex: types.unwrap_or_else(|| "^[^\\$].*".into()),
        after: match from {
            AllFrom::Start => None,
            AllFrom::After(p) => Some(p),
        },
        call: None,
        pending: None,
        leader: None,
        seed: 0,
        failures: 0,
        wait: None,
        outage_reported: false,
    };
    futures::stream::unfold(feed, |mut feed| async move {
        let next = feed.next().await;
        Some((next, feed))
    })
    .boxed()
}

struct Feed {
    store: KurrentDbStore,
    regex: String,
    /// The last position delivered (an event or a passed mark).
    after: Option<Position>,
    /// The subscription call, with the client whose connection carries it.
    call: Option<(StreamsClient<Channel>, tonic::Streaming<ReadResp>)>,
    /// The first answer, read while subscribing.
    pending: Option<ReadResp>,
    /// Where a follower said the leader is.
    leader: Option<kurrentdb::Endpoint>,
    /// Which of the connection string's nodes to try next.
    seed: usize,
    /// Attempts failed in a row.
    failures: u32,
    /// No new attempt before this.
    wait: Option<Instant>,
    /// Whether the current outage has been reported (once per outage).
    outage_reported: bool,
}

impl Feed {
    async fn next(&mut self) -> Result<Filtered, StoreError> {
        loop {
            if self.call.is_none()
                && let Err(fault) = self.open().await
            {
                if let Some(error) = self.failed(fault) {
                    return Err(error);
                }
                continue;
            }
            let answer = match self.pending.take() {
                Some(first) => Ok(Some(first)),
                None => match self.call.as_mut() {
                    Some((_, call)) => call.message().await,
                    None => continue,
                },
            };
            let fault = match answer {
                Ok(Some(answer)) => match self.take(answer) {
                    Some(item) => return Ok(item),
                    None => continue,
                },
                Ok(None) => ended(),
                Err(status) => classify(&kurrentdb::Error::from_grpc(status)),
            };
            self.call = None;
            if let Some(error) = self.failed(fault) {
                return Err(error);
            }
        }
    }

    /// What an answer gives the reader, if anything.
    fn take(&mut self, answer: ReadResp) -> Option<Filtered> {
        match answer.content? {
            read_resp::Content::Event(read) => {
                let event = wire_event(read.event?)?;
                if self.after.is_some_and(|a| event.position <= a) {
                    return None;
                }
                self.after = Some(event.position);
                self.failures = 0;
                Some(Filtered::Event(event))
            }
            read_resp::Content::Checkpoint(checkpoint) => {
                let at = Position(checkpoint.commit_position);
                if self.after.is_some_and(|a| at <= a) {
                    return None;
                }
                self.after = Some(at);
                self.failures = 0;
                Some(Filtered::Passed(at))
            }
            read_resp::Content::Confirmation(_) => {
                self.outage_reported = false;
                None
            }
            _ => None,
        }
    }

    /// Notes a failed attempt; returns what to report, if anything.
    fn failed(&mut self, fault: Fault) -> Option<StoreError> {
        let options = &self.store.inner.options;
        self.failures = self.failures.saturating_add(1);
        match fault {
            Fault::Moved(leader) => {
                // Straight to the leader; only a node that keeps sending us on is waited for.
                if self.failures > 2 {
                    self.wait = Some(Instant::now() + options.backoff(self.failures));
                }
                self.leader = Some(leader);
                None
            }
            Fault::Outage { cause, .. } => {
                self.leader = None;
                self.seed = self.seed.wrapping_add(1);
                self.wait = Some(Instant::now() + options.backoff(self.failures));
                if self.outage_reported {
                    return None;
                }
                self.outage_reported = true;
                tracing::warn!(error = %cause, "KurrentDB subscription lost; resubscribing");
                Some(StoreError::Unavailable(cause))
            }
            other => {
                self.wait = Some(Instant::now() + options.backoff_max);
                Some(other.into_store_error(None))
            }
        }
    }

    /// Subscribes after the last delivered position, within the deadline.
    async fn open(&mut self) -> Result<(), Fault> {
        if let Some(at) = self.wait.take() {
            tokio::time::sleep_until(at).await;
        }
        let inner = &self.store.inner;
        let connector = &inner.feeds;
        let node = match (&self.leader, connector.seeds.is_empty()) {
            (Some(leader), _) => leader.clone(),
            (None, false) => connector.seeds[self.seed % connector.seeds.len()].clone(),
            (None, true) => {
                return Err(Fault::Internal(
                    "the connection string names no KurrentDB node".into(),
                ));
            }
        };
        inner
            .subscriptions_opened
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let deadline = inner.options.deadline;
        let request = connector.request(self.read_request());
        let opening = async {
            let mut client = StreamsClient::new(connector.connect(&node, deadline).await?);
            let mut call = client
                .read(request)
                .await
                .map_err(|status| classify(&kurrentdb::Error::from_grpc(status)))?
                .into_inner();
            // A server confirms a subscription at once; until then the call is still opening.
            let first = call
                .message()
                .await
                .map_err(|status| classify(&kurrentdb::Error::from_grpc(status)))?;
            Ok::<_, Fault>((client, call, first))
        };
        match tokio::time::timeout(deadline, opening).await {
            Err(_) => Err(Fault::Outage {
                rebuild: true,
                cause: format!(
                    "KurrentDB at {}:{} did not answer the subscription within {} ms",
                    node.host,
                    node.port,
                    deadline.as_millis()
                ),
            }),
            Ok(Err(fault)) => Err(fault),
            Ok(Ok((_, _, None))) => Err(ended()),
            Ok(Ok((client, call, Some(first)))) => {
                self.call = Some((client, call));
                self.pending = Some(first);
                Ok(())
            }
        }
    }

    fn read_request(&self) -> ReadReq {
        let empty = || Some(Empty {});
        let all_option = match self.after {
            None => AllOption::Start(Empty {}),
            Some(p) => AllOption::Position(options::Position {
                commit_position: p.0,
                prepare_position: p.0,
            }),
        };
        ReadReq {
            options: Some(read_req::Options {
                stream_option: Some(StreamOption::All(AllOptions {
                    all_option: Some(all_option),
                })),
                read_direction: ReadDirection::Forwards as i32,
                resolve_links: false,
                count_option: Some(CountOption::Subscription(SubscriptionOptions {})),
                filter_option: Some(FilterOption::Filter(FilterOptions {
                    filter: Some(filter_options::Filter::EventType(
                        filter_options::Expression {
                            regex: self.regex.clone(),
                            prefix: Vec::new(),
                        },
                    )),
                    window: empty().map(filter_options::Window::Count),
                    checkpoint_interval_multiplier: 1,
                })),
                uuid_option: Some(UuidOption {
                    content: empty().map(uuid_option::Content::String),
                }),
                control_option: None,
            }),
        }
    }
}

fn ended() -> Fault {
    Fault::Outage {
        rebuild: true,
        cause: "KurrentDB ended the subscription".into(),
    }
}

/// An event as a subscription call gives it.
fn wire_event(event: read_resp::read_event::RecordedEvent) -> Option<crate::RecordedEvent> {
    let id = match event.id?.value? {
        wire_uuid::Value::String(text) => Uuid::parse_str(&text).ok()?,
        wire_uuid::Value::Structured(s) => Uuid::from_u64_pair(
            s.most_significant_bits as u64,
            s.least_significant_bits as u64,
        ),
    };
    let stream = String::from_utf8(event.stream_identifier?.stream_name).ok()?;
    Some(
        Stored {
            id,
            stream: &stream,
            event_type: event.metadata.get("type").map_or("", String::as_str),
            data: event.data.into(),
            custom_metadata: &event.custom_metadata,
            created: event.metadata.get("created").map(String::as_str),
            revision: event.stream_revision,
            commit: event.commit_position,
        }
        .recorded(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_read_from_the_connection_string() {
        assert_eq!(
            credentials("kurrentdb://admin:changeit@db1:2113,db2:2113?tls=true"),
            Some(("admin".into(), "changeit".into()))
        );
        assert_eq!(credentials("kurrentdb://127.0.0.1:2113?tls=false"), None);
        assert_eq!(
            credentials("kurrentdb://ops@db1:2113"),
            Some(("ops".into(), "".into()))
        );
    }

    #[test]
    fn unverified_tls_is_refused_with_a_typed_error() {
        let cs = "kurrentdb://db1:2113?tls=true&tlsVerifyCert=false";
        let settings: ClientSettings = cs.parse().unwrap();
        match Connector::new(&settings, cs) {
            Err(StoreError::InvalidInput { field, .. }) => assert_eq!(field, "connectionString"),
            other => panic!("accepted: {:?}", other.err()),
        }
    }
}
