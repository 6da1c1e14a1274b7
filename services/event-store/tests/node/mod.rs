//! A gRPC server in the test that answers the real `kurrentdb` client — and the backend's own
//! subscription call — with scripted faults at the wire. It keeps events in memory just well enough
//! to answer appends, reads and subscriptions; it does not pretend to be KurrentDB.
//!
//! Each node sits behind a TCP proxy on its public port, so a test can drop every connection at
//! once (as a crashed or restarted node does) and count the connections still open.

#![allow(dead_code)]
// tonic's service traits answer with `Result<_, Status>`; its size is tonic's to choose.
#![allow(clippy::result_large_err)]

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::{Stream, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};
use tonic::{Request, Response, Status, Streaming};

pub mod wire {
    #![allow(clippy::all, dead_code, unreachable_pub)]
    pub mod event_store {
        pub mod client {
            include!(concat!(env!("OUT_DIR"), "/wire/event_store.client.rs"));
            pub mod streams {
                include!(concat!(
                    env!("OUT_DIR"),
                    "/wire/event_store.client.streams.rs"
                ));
            }
            pub mod server_features {
                include!(concat!(
                    env!("OUT_DIR"),
                    "/wire/event_store.client.server_features.rs"
                ));
            }
        }
    }
    pub mod google {
        pub mod rpc {
            include!(concat!(env!("OUT_DIR"), "/wire/google.rpc.rs"));
        }
    }
}

use wire::event_store::client::server_features::server_features_server::{
    ServerFeatures, ServerFeaturesServer,
};
use wire::event_store::client::server_features::{SupportedMethod, SupportedMethods};
use wire::event_store::client::streams::streams_server::{Streams, StreamsServer};
use wire::event_store::client::streams::{
    AppendReq, AppendResp, BatchAppendReq, BatchAppendResp, DeleteReq, DeleteResp, ReadReq,
    ReadResp, TombstoneReq, TombstoneResp, append_req, append_resp, read_req, read_resp,
};
use wire::event_store::client::{Empty, StreamIdentifier, Uuid as WireUuid, uuid as wire_uuid};

/// How a node answers the next append.
#[derive(Clone, Debug)]
pub enum AppendAct {
    /// `UNAVAILABLE`, as a node that is starting or shutting down answers.
    Unavailable,
    /// "Not leader", naming the leader on this port.
    NotLeader(u16),
    /// `UNAVAILABLE` once this many appends have arrived in all: answers calls made together.
    UnavailableOnceArrived(usize),
    /// `UNAVAILABLE` once the test releases it ([`Node::release`]): a late answer.
    UnavailableWhenReleased,
    /// No answer at all.
    Silent,
}

/// How a node answers the next subscription.
#[derive(Clone, Debug)]
pub enum SubscribeAct {
    /// `UNAVAILABLE` before anything.
    Unavailable,
    /// Confirms, gives what it holds after the position asked for and what is appended live.
    Serve,
    /// Confirms, gives what it holds after the position asked for, then ends the call cleanly.
    EndAfterCatchUp,
    /// No answer at all.
    Silent,
}

/// How a node answers the next read (not a subscription).
#[derive(Clone, Debug)]
pub enum ReadAct {
    Silent,
}

#[derive(Clone)]
struct Stored {
    stream: String,
    revision: u64,
    position: u64,
    event: read_resp::read_event::RecordedEvent,
}

#[derive(Default)]
struct Script {
    appends: VecDeque<AppendAct>,
    subscriptions: VecDeque<SubscribeAct>,
    reads: VecDeque<ReadAct>,
}

struct State {
    log: Mutex<Vec<Stored>>,
    live: broadcast::Sender<Stored>,
    script: Mutex<Script>,
    /// Where each subscription asked to start: `None` for the start, else after this position.
    subscribed_from: Mutex<Vec<Option<u64>>>,
    append_calls: AtomicUsize,
    released: tokio::sync::Notify,
    /// The recorded time of the first event, in 100 ns ticks; each next event is recorded
    /// 0.1234567 s later, so that several fall within one second.
    first_tick: u64,
}

/// One node: its gRPC services behind a proxy on `port`.
pub struct Node {
    pub port: u16,
    state: Arc<State>,
    proxy: Proxy,
}

impl Node {
    pub async fn start() -> Node {
        let (live, _) = broadcast::channel(1024);
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap();
        let state = Arc::new(State {
            log: Mutex::new(Vec::new()),
            live,
            script: Mutex::new(Script::default()),
            subscribed_from: Mutex::new(Vec::new()),
            append_calls: AtomicUsize::new(0),
            released: tokio::sync::Notify::new(),
            // On a whole second, so that the events recorded within it share their second.
            first_tick: now.as_secs() * 10_000_000,
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let backend = listener.local_addr().unwrap();
        let service = Service(Arc::clone(&state));
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(StreamsServer::new(service.clone()))
                .add_service(ServerFeaturesServer::new(service))
                .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
        );
        let proxy = Proxy::start(backend.port()).await;
        Node {
            port: proxy.port,
            state,
            proxy,
        }
    }

    pub fn url(&self) -> String {
        format!("kurrentdb://127.0.0.1:{}?tls=false", self.port)
    }

    pub fn script_appends(&self, acts: impl IntoIterator<Item = AppendAct>) {
        self.state.script.lock().unwrap().appends.extend(acts);
    }

    pub fn script_subscriptions(&self, acts: impl IntoIterator<Item = SubscribeAct>) {
        self.state.script.lock().unwrap().subscriptions.extend(acts);
    }

    pub fn script_reads(&self, acts: impl IntoIterator<Item = ReadAct>) {
        self.state.script.lock().unwrap().reads.extend(acts);
    }

    /// Every event id this node holds, in its global order.
    pub fn ids(&self) -> Vec<uuid::Uuid> {
        self.state
            .log
            .lock()
            .unwrap()
            .iter()
            .map(|s| id_of(&s.event))
            .collect()
    }

    /// Lets an append held by [`AppendAct::UnavailableWhenReleased`] answer.
    pub fn release(&self) {
        self.state.released.notify_one();
    }

    pub fn append_calls(&self) -> usize {
        self.state.append_calls.load(Ordering::SeqCst)
    }

    pub fn subscribed_from(&self) -> Vec<Option<u64>> {
        self.state.subscribed_from.lock().unwrap().clone()
    }

    /// Drops every open connection, as a node that crashes does; new ones are accepted.
    pub fn drop_connections(&self) {
        self.proxy.kill.send_modify(|n| *n += 1);
    }

    /// Connections open through this node's port now.
    pub fn open_connections(&self) -> usize {
        self.proxy.open.load(Ordering::SeqCst)
    }
}

fn id_of(event: &read_resp::read_event::RecordedEvent) -> uuid::Uuid {
    match event.id.as_ref().and_then(|u| u.value.as_ref()) {
        Some(wire_uuid::Value::String(s)) => s.parse().unwrap(),
        Some(wire_uuid::Value::Structured(s)) => uuid::Uuid::from_u64_pair(
            s.most_significant_bits as u64,
            s.least_significant_bits as u64,
        ),
        None => uuid::Uuid::nil(),
    }
}

#[derive(Clone)]
struct Service(Arc<State>);

type Answers<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

fn not_leader(port: u16) -> Status {
    let mut metadata = tonic::metadata::MetadataMap::new();
    metadata.insert("exception", "not-leader".parse().unwrap());
    metadata.insert("leader-endpoint-host", "127.0.0.1".parse().unwrap());
    metadata.insert("leader-endpoint-port", port.to_string().parse().unwrap());
    Status::with_metadata(tonic::Code::NotFound, "Leader info available", metadata)
}

fn read_event(stored: &Stored) -> ReadResp {
    ReadResp {
        content: Some(read_resp::Content::Event(read_resp::ReadEvent {
            event: Some(stored.event.clone()),
            link: None,
            position: Some(read_resp::read_event::Position::CommitPosition(
                stored.position,
            )),
        })),
    }
}

#[tonic::async_trait]
impl Streams for Service {
    type ReadStream = Answers<ReadResp>;

    async fn read(&self, request: Request<ReadReq>) -> Result<Response<Self::ReadStream>, Status> {
        let options = request.into_inner().options.unwrap_or_default();
        let subscription = matches!(
            options.count_option,
            Some(read_req::options::CountOption::Subscription(_))
        );
        if subscription {
            return self.subscribe(options);
        }
        let silent = matches!(
            self.0.script.lock().unwrap().reads.pop_front(),
            Some(ReadAct::Silent)
        );
        if silent {
            return Ok(Response::new(futures::stream::pending().boxed()));
        }
        let count = match options.count_option {
            Some(read_req::options::CountOption::Count(n)) => n as usize,
            _ => usize::MAX,
        };
        let backwards =
            options.read_direction == read_req::options::ReadDirection::Backwards as i32;
        let log = self.0.log.lock().unwrap().clone();
        let mut picked: Vec<Stored> = match options.stream_option {
            Some(read_req::options::StreamOption::Stream(s)) => {
                let name = String::from_utf8(s.stream_identifier.unwrap().stream_name).unwrap();
                let of_stream: Vec<Stored> = log.into_iter().filter(|e| e.stream == name).collect();
                if of_stream.is_empty() {
                    let missing = ReadResp {
                        content: Some(read_resp::Content::StreamNotFound(
                            read_resp::StreamNotFound {
                                stream_identifier: Some(StreamIdentifier {
                                    stream_name: name.into_bytes(),
                                }),
                            },
                        )),
                    };
                    return Ok(Response::new(futures::stream::iter([Ok(missing)]).boxed()));
                }
                use read_req::options::stream_options::RevisionOption as R;
                match (s.revision_option, backwards) {
                    (Some(R::Revision(r)), false) => {
                        of_stream.into_iter().filter(|e| e.revision >= r).collect()
                    }
                    (Some(R::Revision(r)), true) => of_stream
                        .into_iter()
                        .filter(|e| e.revision <= r)
                        .rev()
                        .collect(),
                    (_, false) => of_stream,
                    (_, true) => of_stream.into_iter().rev().collect(),
                }
            }
            Some(read_req::options::StreamOption::All(a)) => {
                use read_req::options::all_options::AllOption as A;
                match (a.all_option, backwards) {
                    (Some(A::Position(p)), false) => log
                        .into_iter()
                        .filter(|e| e.position >= p.commit_position)
                        .collect(),
                    (Some(A::Position(p)), true) => log
                        .into_iter()
                        .filter(|e| e.position <= p.commit_position)
                        .rev()
                        .collect(),
                    (_, false) => log,
                    (_, true) => log.into_iter().rev().collect(),
                }
            }
            None => Vec::new(),
        };
        picked.truncate(count);
        let answers: Vec<Result<ReadResp, Status>> =
            picked.iter().map(|s| Ok(read_event(s))).collect();
        Ok(Response::new(futures::stream::iter(answers).boxed()))
    }

    async fn append(
        &self,
        request: Request<Streaming<AppendReq>>,
    ) -> Result<Response<AppendResp>, Status> {
        self.0.append_calls.fetch_add(1, Ordering::SeqCst);
        let mut incoming = request.into_inner();
        let mut header = None;
        let mut proposed = Vec::new();
        while let Some(message) = incoming.message().await? {
            match message.content {
                Some(append_req::Content::Options(o)) => header = Some(o),
                Some(append_req::Content::ProposedMessage(m)) => proposed.push(m),
                None => {}
            }
        }
        let act = self.0.script.lock().unwrap().appends.pop_front();
        match act {
            Some(AppendAct::Unavailable) => return Err(Status::unavailable("Server Is Not Ready")),
            Some(AppendAct::NotLeader(port)) => return Err(not_leader(port)),
            Some(AppendAct::UnavailableOnceArrived(n)) => {
                while self.0.append_calls.load(Ordering::SeqCst) < n {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                return Err(Status::unavailable("Server Is Not Ready"));
            }
            Some(AppendAct::UnavailableWhenReleased) => {
                self.0.released.notified().await;
                return Err(Status::unavailable("Server Is Not Ready"));
            }
            Some(AppendAct::Silent) => futures::future::pending::<()>().await,
            None => {}
        }
        let header = header.ok_or_else(|| Status::invalid_argument("no options"))?;
        let stream = String::from_utf8(header.stream_identifier.unwrap().stream_name).unwrap();
        let mut log = self.0.log.lock().unwrap();
        let current = log
            .iter()
            .filter(|e| e.stream == stream)
            .map(|e| e.revision)
            .max();
        let success = |revision: u64, position: u64| AppendResp {
            result: Some(append_resp::Result::Success(append_resp::Success {
                current_revision_option: Some(
                    append_resp::success::CurrentRevisionOption::CurrentRevision(revision),
                ),
                position_option: Some(append_resp::success::PositionOption::Position(
                    append_resp::Position {
                        commit_position: position,
                        prepare_position: position,
                    },
                )),
            })),
        };
        // The same append again, with an expectation it met: stored once.
        let ids: Vec<uuid::Uuid> = proposed
            .iter()
            .map(|m| {
                id_of(&read_resp::read_event::RecordedEvent {
                    id: m.id.clone(),
                    ..Default::default()
                })
            })
            .collect();
        let existing: Vec<&Stored> = log
            .iter()
            .filter(|e| ids.contains(&id_of(&e.event)))
            .collect();
        if existing.len() == ids.len() {
            let last = existing.last().unwrap();
            return Ok(Response::new(success(last.revision, last.position)));
        }
        use append_req::options::ExpectedStreamRevision as X;
        let met = match header.expected_stream_revision {
            Some(X::NoStream(_)) => current.is_none(),
            Some(X::Revision(r)) => current == Some(r),
            Some(X::StreamExists(_)) => current.is_some(),
            Some(X::Any(_)) | None => true,
        };
        if !met {
            use append_resp::wrong_expected_version as w;
            return Ok(Response::new(AppendResp {
                result: Some(append_resp::Result::WrongExpectedVersion(
                    append_resp::WrongExpectedVersion {
                        current_revision_option: Some(match current {
                            Some(r) => w::CurrentRevisionOption::CurrentRevision(r),
                            None => w::CurrentRevisionOption::CurrentNoStream(Empty {}),
                        }),
                        expected_revision_option: Some(w::ExpectedRevisionOption::ExpectedAny(
                            Empty {},
                        )),
                        ..Default::default()
                    },
                )),
            }));
        }
        let mut last = (0, 0);
        for (revision, message) in (current.map_or(0, |r| r + 1)..).zip(proposed) {
            let position = (log.len() as u64 + 1) * 100;
            let mut metadata = message.metadata.clone();
            let created = self.0.first_tick + log.len() as u64 * 1_234_567;
            metadata.insert("created".into(), created.to_string());
            let stored = Stored {
                stream: stream.clone(),
                revision,
                position,
                event: read_resp::read_event::RecordedEvent {
                    id: Some(WireUuid {
                        value: Some(wire_uuid::Value::String(
                            id_of(&read_resp::read_event::RecordedEvent {
                                id: message.id.clone(),
                                ..Default::default()
                            })
                            .to_string(),
                        )),
                    }),
                    stream_identifier: Some(StreamIdentifier {
                        stream_name: stream.clone().into_bytes(),
                    }),
                    stream_revision: revision,
                    prepare_position: position,
                    commit_position: position,
                    metadata,
                    custom_metadata: message.custom_metadata,
                    data: message.data,
                },
            };
            last = (revision, position);
            log.push(stored.clone());
            let _ = self.0.live.send(stored);
        }
        Ok(Response::new(success(last.0, last.1)))
    }

    async fn delete(&self, _: Request<DeleteReq>) -> Result<Response<DeleteResp>, Status> {
        Err(Status::unimplemented("not in this test"))
    }

    async fn tombstone(&self, _: Request<TombstoneReq>) -> Result<Response<TombstoneResp>, Status> {
        Err(Status::unimplemented("not in this test"))
    }

    type BatchAppendStream = Answers<BatchAppendResp>;

    async fn batch_append(
        &self,
        _: Request<Streaming<BatchAppendReq>>,
    ) -> Result<Response<Self::BatchAppendStream>, Status> {
        Err(Status::unimplemented("not in this test"))
    }
}

impl Service {
    fn subscribe(&self, options: read_req::Options) -> Result<Response<Answers<ReadResp>>, Status> {
        use read_req::options::all_options::AllOption as A;
        let from = match options.stream_option {
            Some(read_req::options::StreamOption::All(a)) => match a.all_option {
                Some(A::Position(p)) => Some(p.commit_position),
                _ => None,
            },
            _ => return Err(Status::unimplemented("only $all in this test")),
        };
        self.0.subscribed_from.lock().unwrap().push(from);
        let act = self
            .0
            .script
            .lock()
            .unwrap()
            .subscriptions
            .pop_front()
            .unwrap_or(SubscribeAct::Serve);
        let confirmation = Ok(ReadResp {
            content: Some(read_resp::Content::Confirmation(
                read_resp::SubscriptionConfirmation {
                    subscription_id: "test".into(),
                },
            )),
        });
        // Live first, so nothing appended between the catch-up and the switch is missed.
        let live = self.0.live.subscribe();
        let held: Vec<Stored> = self
            .0
            .log
            .lock()
            .unwrap()
            .iter()
            .filter(|e| from.is_none_or(|f| e.position > f))
            .cloned()
            .collect();
        let last_held = held.last().map(|s| s.position).or(from);
        let caught_up = futures::stream::iter(
            std::iter::once(confirmation).chain(held.into_iter().map(|s| Ok(read_event(&s)))),
        );
        Ok(Response::new(match act {
            SubscribeAct::Unavailable => return Err(Status::unavailable("Server Is Not Ready")),
            SubscribeAct::Silent => futures::stream::pending().boxed(),
            SubscribeAct::EndAfterCatchUp => caught_up.boxed(),
            SubscribeAct::Serve => {
                let live =
                    futures::stream::unfold((live, last_held), |(mut live, after)| async move {
                        loop {
                            match live.recv().await {
                                Ok(s) if after.is_none_or(|a| s.position > a) => {
                                    let answer = Ok(read_event(&s));
                                    return Some((answer, (live, Some(s.position))));
                                }
                                Ok(_) => continue,
                                Err(broadcast::error::RecvError::Lagged(_)) => {
                                    return Some((Err(Status::aborted("too slow")), (live, after)));
                                }
                                Err(broadcast::error::RecvError::Closed) => return None,
                            }
                        }
                    });
                caught_up.chain(live).boxed()
            }
        }))
    }
}

#[tonic::async_trait]
impl ServerFeatures for Service {
    async fn get_supported_methods(
        &self,
        _: Request<Empty>,
    ) -> Result<Response<SupportedMethods>, Status> {
        let method = |name: &str| SupportedMethod {
            method_name: name.into(),
            service_name: "event_store.client.streams.streams".into(),
            features: Vec::new(),
        };
        Ok(Response::new(SupportedMethods {
            methods: vec![method("read"), method("append")],
            event_store_server_version: "24.10.0".into(),
        }))
    }
}

/// Forwards connections from its port to the node's, and can cut them all.
struct Proxy {
    port: u16,
    kill: watch::Sender<u64>,
    open: Arc<AtomicUsize>,
}

struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Proxy {
    async fn start(backend: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (kill, _) = watch::channel(0u64);
        let open = Arc::new(AtomicUsize::new(0));
        let (kills, opened) = (kill.clone(), Arc::clone(&open));
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut killed = kills.subscribe();
                opened.fetch_add(1, Ordering::SeqCst);
                let guard = Open(Arc::clone(&opened));
                tokio::spawn(async move {
                    let _guard = guard;
                    let Ok(mut outbound) = TcpStream::connect(("127.0.0.1", backend)).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = killed.changed() => {}
                    }
                });
            }
        });
        Proxy { port, kill, open }
    }
}

/// A port that accepts connections and never answers on them.
pub struct Blackhole {
    pub port: u16,
}

impl Blackhole {
    pub async fn start() -> Blackhole {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        Blackhole { port }
    }
}

/// Waits for `condition` to hold, failing past `within`.
pub async fn eventually(within: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
