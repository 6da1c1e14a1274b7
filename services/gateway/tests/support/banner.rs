//! Reading a `cla serve` child's standard error, where its start-up banner is written beside its
//! logs (as text, or as JSON lines in JSON mode): every line kept, and the address it serves
//! GraphQL at sent as soon as the banner names it.

use std::io::{BufRead, BufReader, Read};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;

/// What the banner says before the address.
const SERVING_AT: &str = "serving GraphQL at ";

/// Watches `stderr`: the GraphQL address (`http://…/graphql`) when named, and everything written
/// once the stream ends.
pub fn watch(stderr: impl Read + Send + 'static) -> (Receiver<String>, JoinHandle<String>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let all = std::thread::spawn(move || {
        let mut all = String::new();
        let mut sent = false;
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if !sent && let Some(at) = line.find(SERVING_AT) {
                let url: String = line[at + SERVING_AT.len()..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '"')
                    .collect();
                let _ = tx.send(url);
                sent = true;
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    (rx, all)
}
