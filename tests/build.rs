//! Marks builds made with `KURRENTDB_URL` set, so the end-to-end cases that need a KurrentDB
//! server run there and are reported as skipped (ignored, with the reason) everywhere else.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(kurrentdb_url)");
    println!("cargo::rerun-if-env-changed=KURRENTDB_URL");
    if std::env::var_os("KURRENTDB_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=kurrentdb_url");
    }
}
