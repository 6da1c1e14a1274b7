//! Marks builds made with `KURRENTDB_URL` set, so the KurrentDB contract suite runs there and is
//! reported as skipped (ignored, with the reason) everywhere else.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(kurrentdb_url)");
    println!("cargo::rerun-if-env-changed=KURRENTDB_URL");
    if std::env::var("KURRENTDB_URL").is_ok_and(|url| !url.trim().is_empty()) {
        println!("cargo::rustc-cfg=kurrentdb_url");
    }
}
