//! A websocket lives no longer than the token it was opened with. At the token's `exp` the server
//! closes the socket with `4403: Forbidden` (what the graphql-transport-ws protocol closes a
//! refused connection with, and a code after which its clients connect again, with a fresh
//! token), and nothing the client sends from then on is run: the operations under way are
//! dropped, and what arrives while the socket closes is read and discarded.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use tokio::sync::watch;

/// The close code of a socket whose token has expired.
pub const EXPIRED: u16 = 4403;
/// The reason sent with it.
pub const EXPIRED_REASON: &str = "the token has expired; sign in again";
/// How long a closing socket waits for the client to answer the close.
const CLOSING: Duration = Duration::from_secs(5);

/// What the GraphQL side writes to.
pub type Outgoing = mpsc::Sender<Message>;
/// What the GraphQL side reads from.
pub type Incoming = mpsc::Receiver<Result<Message, axum::Error>>;

/// A socket bounded by the token's expiry, set once the token is read (at `connection_init`).
pub struct Lifetime {
    socket: WebSocket,
    outgoing: mpsc::Receiver<Message>,
    incoming: mpsc::Sender<Result<Message, axum::Error>>,
    expires_at: Arc<watch::Sender<Option<u64>>>,
}

/// Sets the expiry of the socket's token.
#[derive(Clone)]
pub struct Expiry(Arc<watch::Sender<Option<u64>>>);

impl Expiry {
    /// The token expires at `expires_at` (seconds since the epoch).
    pub fn set(&self, expires_at: u64) {
        self.0.send_replace(Some(expires_at));
    }
}

/// Bounds `socket`: the GraphQL side writes to the sink and reads from the stream returned.
pub fn bound(socket: WebSocket) -> (Lifetime, Outgoing, Incoming) {
    let (out_tx, out_rx) = mpsc::channel(16);
    let (in_tx, in_rx) = mpsc::channel(16);
    let (expires_at, _) = watch::channel(None);
    (
        Lifetime {
            socket,
            outgoing: out_rx,
            incoming: in_tx,
            expires_at: Arc::new(expires_at),
        },
        out_tx,
        in_rx,
    )
}

enum Ended {
    Served,
    Expired,
}

impl Lifetime {
    /// Where the token's expiry is set.
    pub fn expiry(&self) -> Expiry {
        Expiry(Arc::clone(&self.expires_at))
    }

    /// Runs `served` (the GraphQL side) over the socket until it ends or the token expires.
    pub async fn serve(self, served: impl Future<Output = ()>) {
        let Lifetime {
            socket,
            outgoing,
            incoming,
            expires_at,
        } = self;
        let (mut sink, mut stream) = socket.split();
        let expired = until(expires_at.subscribe());
        tokio::pin!(expired);
        let ended = {
            let sink = &mut sink;
            let stream = &mut stream;
            let pump_out = async move {
                let mut outgoing = outgoing;
                while let Some(message) = outgoing.next().await {
                    if sink.send(message).await.is_err() {
                        break;
                    }
                }
            };
            // Ends only with the client's side: the GraphQL side reads the end and finishes.
            let pump_in = async move {
                let mut incoming = incoming;
                while let Some(message) = stream.next().await {
                    if incoming.send(message).await.is_err() {
                        break;
                    }
                }
                drop(incoming);
                std::future::pending::<()>().await
            };
            tokio::select! {
                biased;
                () = &mut expired => Ended::Expired,
                _ = futures::future::join(served, pump_out) => Ended::Served,
                () = pump_in => Ended::Served,
            }
        };
        match ended {
            Ended::Served => {
                let _ = sink.close().await;
            }
            Ended::Expired => {
                tracing::info!("the socket's token has expired; closing it");
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code: EXPIRED,
                        reason: EXPIRED_REASON.into(),
                    })))
                    .await;
                // Read (and run nothing of) what the client sends until it answers the close.
                let _ = tokio::time::timeout(CLOSING, async {
                    while let Some(Ok(message)) = stream.next().await {
                        if matches!(message, Message::Close(_)) {
                            break;
                        }
                    }
                })
                .await;
            }
        }
    }
}

/// Resolves when the token expires; never before it is set.
async fn until(mut expires_at: watch::Receiver<Option<u64>>) {
    let at = expires_at
        .wait_for(Option::is_some)
        .await
        .map(|at| (*at).unwrap_or(0));
    let Ok(at) = at else {
        return std::future::pending().await;
    };
    let left = (UNIX_EPOCH + Duration::from_secs(at))
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    tokio::time::sleep(left).await;
}
