//! The correlation id of the request being served: minted once per request at the edge and carried
//! into the metadata of every command the request gives (one hire = one correlation id), so the
//! events of one request can be found together and tied to its log lines.

use std::future::Future;

use uuid::Uuid;

tokio::task_local! {
    static CORRELATION: Uuid;
}

/// Runs `work` as part of the request with correlation id `id`.
pub async fn within<F: Future>(id: Uuid, work: F) -> F::Output {
    CORRELATION.scope(id, work).await
}

/// The correlation id of the request being served, if any.
pub fn current() -> Option<Uuid> {
    CORRELATION.try_with(|id| *id).ok()
}

/// The current request's correlation id, or a new one for work outside a request.
pub fn current_or_new() -> Uuid {
    current().unwrap_or_else(Uuid::now_v7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_keeps_one_correlation_id() {
        assert_eq!(current(), None);
        let id = Uuid::now_v7();
        let seen = within(id, async {
            tokio::task::yield_now().await;
            (current(), current_or_new())
        })
        .await;
        assert_eq!(seen, (Some(id), id));
        assert_ne!(current_or_new(), id);
    }
}
