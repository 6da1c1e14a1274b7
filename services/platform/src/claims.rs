//! The one mapping from an identity provider's claims to the caller: bearer tokens (the
//! gateway's sign-in) and web sessions (the web app's OpenID Connect sign-in) both use it, so a
//! person has the same roles and missions whichever door they come through.
//!
//! Roles and missions are read from configurable claims: the claim of that very name where there
//! is one (claim names may hold dots, e.g. `https://example.org/roles`), else the dotted path into
//! nested claims (`realm_access.roles`). A string counts as a list of one.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::access::{Principal, Role};
use crate::error::AppError;

/// Which claims name the roles and the missions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimsMapping {
    pub roles_claim: String,
    pub missions_claim: String,
}

impl Default for ClaimsMapping {
    fn default() -> Self {
        Self {
            roles_claim: "roles".into(),
            missions_claim: "missions".into(),
        }
    }
}

/// Verified claims read as the caller, with the expiry they name (`exp`, seconds since the
/// epoch; 0 where absent).
#[derive(Clone, Debug)]
pub struct Mapped {
    pub principal: Principal,
    pub expires_at: u64,
}

impl ClaimsMapping {
    /// The caller verified claims name: `sub` (required), `name` (or `preferred_username`, or
    /// the subject), the known roles (at least one) and the missions.
    pub fn principal(&self, claims: &Map<String, Value>) -> Result<Mapped, AppError> {
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        };
        let sub = text("sub")
            .ok_or_else(|| AppError::unauthenticated("the token's sub claim is malformed"))?
            .to_string();
        let name = text("name")
            .or_else(|| text("preferred_username"))
            .unwrap_or(&sub)
            .to_string();
        let expires_at = claims
            .get("exp")
            .and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)))
            .unwrap_or(0);
        let mut roles = BTreeSet::new();
        let mut unknown = 0usize;
        for role in strings_at(claims, &self.roles_claim) {
            match Role::parse(role) {
                Some(r) => {
                    roles.insert(r);
                }
                None => unknown += 1,
            }
        }
        if unknown > 0 {
            // One line however many: the names are the token's, not ours, and are not logged.
            tracing::warn!(unknown, caller = %sub, "token names roles this system does not know; ignored");
        }
        if roles.is_empty() {
            return Err(AppError::unauthenticated(format!(
                "the token grants no known role (in its {} claim)",
                self.roles_claim
            )));
        }
        let missions = strings_at(claims, &self.missions_claim)
            .map(str::to_string)
            .collect();
        Ok(Mapped {
            principal: Principal {
                id: sub,
                name,
                roles,
                missions,
            },
            expires_at,
        })
    }
}

/// The strings of the claim at `path` (see the module's documentation).
fn strings_at<'a>(claims: &'a Map<String, Value>, path: &str) -> impl Iterator<Item = &'a str> {
    let value = claims.get(path).or_else(|| {
        let mut parts = path.split('.');
        let first = claims.get(parts.next()?)?;
        parts.try_fold(first, |v, part| v.get(part))
    });
    let items: Vec<&'a str> = match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    items.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn roles_and_missions_come_from_the_named_claims_nested_or_dotted() {
        let mapping = ClaimsMapping {
            roles_claim: "realm_access.roles".into(),
            missions_claim: "https://un.org/missions".into(),
        };
        let who = mapping
            .principal(&map(json!({
                "sub": "u1", "preferred_username": "amina",
                "realm_access": { "roles": ["CIVIL_AFFAIRS", "OTHER"] },
                "https://un.org/missions": "MONUSCO", "exp": 99,
            })))
            .unwrap();
        assert_eq!(who.principal.name, "amina");
        assert!(who.principal.holds_for("MONUSCO", &[Role::CivilAffairs]));
        assert!(!who.principal.can_read("MINUSCA"));
        assert_eq!(who.expires_at, 99);
        let e = mapping
            .principal(&map(json!({ "sub": "u1", "roles": ["ADMIN"] })))
            .unwrap_err();
        assert!(e.message.contains("no known role"), "{}", e.message);
        assert!(
            mapping
                .principal(&map(json!({ "realm_access": { "roles": ["ADMIN"] } })))
                .is_err(),
            "no subject"
        );
    }
}
