//! Duress words: kept only as a salted argon2id hash, and checked against every SMS a CLA's number
//! sends with the same work whether or not the CLA has one (a dummy hash stands in), so neither
//! the answer nor its timing tells whether a word is set.
//!
//! Parameters: argon2id, 256 KiB of memory, 2 passes, 1 lane (about 0.5 ms a check on one core).
//! A duress word is a short secret chosen to be said under pressure, not a password guarding an
//! account: the hash keeps it out of plain sight at rest (DESIGN §9), while every inbound SMS pays
//! for one check and the channel must take a thousand check-ins a second on two cores. Stronger
//! parameters apply to words set after a change; stored hashes carry their own.

use std::sync::LazyLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Memory (KiB), passes and lanes of the duress hash.
pub const MEMORY_KIB: u32 = 256;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A word as SMS matching reads it: accents dropped, upper case, spaces and punctuation left out
/// ("  bièn! " reads "BIEN").
pub fn normalize(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_uppercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The salted hash (a PHC string) of a duress word, as [`normalize`] reads it.
pub fn hash_word(word: &str) -> String {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).expect("a 16-byte salt");
    hasher()
        .hash_password(normalize(word).as_bytes(), &salt)
        .expect("argon2 hashes any input")
        .to_string()
}

/// A hash no word is checked true against, with the same parameters: the work for a CLA with no
/// duress word.
static STAND_IN: LazyLock<String> = LazyLock::new(|| hash_word("\u{0}stand-in\u{0}"));

/// Whether `candidate` (already normalized) is the word `hash` was made of. With no hash, the same
/// work is done against a stand-in and the answer is false. CPU-bound: run it off the async
/// threads.
pub fn matches(hash: Option<&str>, candidate: &str) -> bool {
    let (phc, real) = match hash {
        Some(h) => (h, true),
        None => (STAND_IN.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(candidate.as_bytes(), &parsed)
        .is_ok();
    ok && real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_read_without_case_accents_or_spacing() {
        assert_eq!(normalize("  bièn! "), "BIEN");
        assert_eq!(normalize("A i d e"), "AIDE");
        assert_eq!(normalize("Ça va"), "CAVA");
    }

    #[test]
    fn only_the_hash_is_kept_and_it_checks_the_word() {
        let hash = hash_word("Mangué");
        assert!(hash.starts_with("$argon2id$v=19$m=256,t=2,p=1$"), "{hash}");
        assert!(!hash.contains("MANGUE"));
        assert!(matches(Some(&hash), &normalize("mangue")));
        assert!(!matches(Some(&hash), &normalize("ok")));
        assert!(!matches(None, &normalize("mangue")));
        assert_ne!(hash, hash_word("Mangué"), "salted");
    }
}
