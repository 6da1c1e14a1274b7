//! What every context's application layer shares.
//!
//! Each context has an application module (`app.rs`): typed commands and queries that take the
//! caller ([`Principal`]) and return domain results. It looks up what a decision needs, runs the
//! decider through the one command path ([`crate::Runtime::execute`]), answers queries from the
//! projections, and decides access — mission scope, role, and need-to-know — so that an answer
//! leaves it already shaped for its caller: what the caller may not see is [`Restricted::Withheld`],
//! never the value. Doors (GraphQL, CSV, the web app, SMS gateways, notifications) map their input
//! to one application call and its answer back; none re-decides access or computes a read model.

use crate::access::{Principal, Role, check_mission};
use crate::error::{AppError, AppResult};

/// A part of an answer that only some callers may see. The application layer decides; a door shows
/// `Withheld` as withheld (GraphQL: `FORBIDDEN` on that field; a page or a CSV: an empty cell or a
/// word saying so), and can never show what it was not given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Restricted<T> {
    Shown(T),
    Withheld,
    /// The person's personal data was erased: the value is gone for good (a door shows it as
    /// erased; GraphQL as the empty value).
    Erased,
}

impl<T> Restricted<T> {
    /// `value()` where `allowed`, else withheld: the value is not even computed for a caller who
    /// may not see it.
    pub fn shown_if(allowed: bool, value: impl FnOnce() -> T) -> Self {
        if allowed {
            Self::Shown(value())
        } else {
            Self::Withheld
        }
    }

    /// For `who` holding one of `roles` in `mission`.
    pub fn for_caller(
        who: &Principal,
        mission: &str,
        roles: &[Role],
        value: impl FnOnce() -> T,
    ) -> Self {
        Self::shown_if(who.holds_for(mission, roles), value)
    }

    pub fn as_ref(&self) -> Restricted<&T> {
        match self {
            Self::Shown(v) => Restricted::Shown(v),
            Self::Withheld => Restricted::Withheld,
            Self::Erased => Restricted::Erased,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Restricted<U> {
        match self {
            Self::Shown(v) => Restricted::Shown(f(v)),
            Self::Withheld => Restricted::Withheld,
            Self::Erased => Restricted::Erased,
        }
    }

    pub fn shown(self) -> Option<T> {
        match self {
            Self::Shown(v) => Some(v),
            Self::Withheld | Self::Erased => None,
        }
    }

    pub fn is_erased(&self) -> bool {
        matches!(self, Self::Erased)
    }

    /// The value, the empty value where erased, or `FORBIDDEN` naming `field` where withheld: how
    /// GraphQL shows a text field that erasure may have emptied.
    pub fn or_erased(self, field: &str) -> AppResult<T>
    where
        T: Default,
    {
        match self {
            Self::Erased => Ok(T::default()),
            other => other.or_forbidden(field),
        }
    }

    pub fn is_withheld(&self) -> bool {
        matches!(self, Self::Withheld)
    }

    /// The value, or `FORBIDDEN` naming `field`: how GraphQL shows a withheld field.
    pub fn or_forbidden(self, field: &str) -> AppResult<T> {
        match self {
            Self::Shown(v) => Ok(v),
            Self::Erased => Err(AppError::not_found(
                field,
                format!("{field} was erased with the person's personal data"),
            )),
            Self::Withheld => Err(AppError::forbidden(format!(
                "{field} is restricted: your role does not allow it here"
            ))
            .on(field)),
        }
    }
}

/// Refuses `who` unless they hold one of `roles` in `mission`: the application layer's access check,
/// made before any input is looked at further.
pub fn authorize(who: &Principal, mission: &str, roles: &[Role]) -> AppResult<()> {
    check_mission(who, mission, roles)
}

/// Refuses `who` unless they hold one of `roles` at all (mission-less commands and queries).
pub fn authorize_role(who: &Principal, roles: &[Role]) -> AppResult<()> {
    if roles.iter().any(|r| who.has(*r)) {
        Ok(())
    } else {
        Err(AppError::forbidden("no role of yours allows this"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withheld_parts_are_never_computed_and_show_as_forbidden() {
        let hq = Principal::new("u", "U", &[Role::HqReviewer], &[]);
        let hr = Principal::new("u", "U", &[Role::MissionHr], &["MONUSCO"]);
        let roles = [Role::Admin, Role::MissionHr];
        let hidden: Restricted<String> =
            Restricted::for_caller(&hq, "MONUSCO", &roles, || unreachable!("not computed"));
        assert!(hidden.is_withheld());
        let e = hidden.or_forbidden("homeCommunity").unwrap_err();
        assert_eq!(e.code.as_str(), "FORBIDDEN");
        assert_eq!(e.field.as_deref(), Some("homeCommunity"));
        let shown = Restricted::for_caller(&hr, "MONUSCO", &roles, || "Beni".to_string());
        assert_eq!(shown.clone().shown().as_deref(), Some("Beni"));
        assert!(Restricted::for_caller(&hr, "MINUSCA", &roles, || 1).is_withheld());
        assert!(authorize(&hr, "MINUSCA", &roles).is_err());
        assert!(authorize(&hr, "MONUSCO", &roles).is_ok());
        assert!(authorize_role(&hq, &roles).is_err());
    }
}
