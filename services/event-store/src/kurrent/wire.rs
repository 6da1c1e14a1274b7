//! KurrentDB's gRPC protocol as `build.rs` compiles it from `vendor/kurrentdb/proto/` (upstream's
//! files, vendored): the `Streams` client the feeds follow `$all` with.

#![allow(clippy::all, clippy::pedantic, dead_code, unreachable_pub)]

pub mod event_store {
    pub mod client {
        include!(concat!(env!("OUT_DIR"), "/client/event_store.client.rs"));
        pub mod streams {
            include!(concat!(
                env!("OUT_DIR"),
                "/client/event_store.client.streams.rs"
            ));
        }
    }
}

pub mod google {
    pub mod rpc {
        include!(concat!(env!("OUT_DIR"), "/client/google.rpc.rs"));
    }
}
