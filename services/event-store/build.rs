//! - Marks builds made with `KURRENTDB_URL` set (and `KURRENTDB_RESTART`, for the restart case), so
//!   the KurrentDB contract suite runs there and is reported as skipped (ignored, with the reason)
//!   everywhere else.
//! - Compiles KurrentDB's gRPC protocol (vendored, upstream's files: `vendor/kurrentdb/proto/`, no
//!   `protoc` needed): the `Streams` client for the backend's feeds into `$OUT_DIR/client/`, and
//!   clients and servers of every service into `$OUT_DIR/wire/` for the tests that answer the
//!   client at the wire.

use std::path::PathBuf;

use prost::Message as _;

const PROTOS: [&str; 5] = [
    "streams.proto",
    "shared.proto",
    "status.proto",
    "code.proto",
    "serverfeatures.proto",
];

fn main() {
    for (variable, cfg) in [
        ("KURRENTDB_URL", "kurrentdb_url"),
        ("KURRENTDB_RESTART", "kurrentdb_restart"),
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        println!("cargo::rerun-if-env-changed={variable}");
        if std::env::var(variable).is_ok_and(|value| !value.trim().is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
    if let Err(error) = protocol() {
        panic!("cannot compile KurrentDB's protocol: {error}");
    }
}

fn protocol() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("vendor/kurrentdb/proto");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut compiler = protox::Compiler::new([&dir])?;
    compiler.include_imports(true);
    compiler.open_files(PROTOS.iter().map(|p| dir.join(p)))?;
    let descriptors =
        prost_types::FileDescriptorSet::decode(compiler.encode_file_descriptor_set().as_slice())?;
    for (sub, servers) in [("client", false), ("wire", true)] {
        let target = out.join(sub);
        std::fs::create_dir_all(&target)?;
        tonic_build::configure()
            .build_client(true)
            .build_server(servers)
            .build_transport(false)
            .out_dir(&target)
            .compile_fds(descriptors.clone())?;
    }
    Ok(())
}
