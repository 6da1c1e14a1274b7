//! Who is asking, and what their role and missions let them do.
//!
//! Roles (DESIGN §5): `ADMIN` (everything), `HQ_REVIEWER` (all missions, read-only, no personal
//! risk detail), `MISSION_HR` and `CIVIL_AFFAIRS` (scoped to their missions). Authorization is
//! declared at each GraphQL field with the guards below; resolvers do not re-check.

use std::collections::BTreeSet;
use std::fmt;

use async_graphql::{Context, Enum, Guard};
use cla_event_store::Actor;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Enum,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[graphql(rename_items = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Admin,
    HqReviewer,
    MissionHr,
    CivilAffairs,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::HqReviewer,
        Role::MissionHr,
        Role::CivilAffairs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::HqReviewer => "HQ_REVIEWER",
            Role::MissionHr => "MISSION_HR",
            Role::CivilAffairs => "CIVIL_AFFAIRS",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Roles that see every mission.
    pub fn is_global(self) -> bool {
        matches!(self, Role::Admin | Role::HqReviewer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signed-in caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub id: String,
    pub name: String,
    pub roles: BTreeSet<Role>,
    /// Mission codes of a mission-scoped role (ignored for ADMIN and HQ_REVIEWER).
    pub missions: BTreeSet<String>,
}

impl Principal {
    /// `id` (shown as `name`) holding `roles` in `missions`: a caller the system itself acts as
    /// (the demo loader), or one in a test.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        roles: &[Role],
        missions: &[&str],
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            roles: roles.iter().copied().collect(),
            missions: missions.iter().map(|m| m.to_string()).collect(),
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether this caller holds one of `roles` for `mission`: a global role counts everywhere,
    /// a scoped role only in the caller's missions.
    pub fn holds_for(&self, mission: &str, roles: &[Role]) -> bool {
        roles
            .iter()
            .any(|role| self.has(*role) && (role.is_global() || self.missions.contains(mission)))
    }

    /// Whether this caller may read what belongs to `mission`.
    pub fn can_read(&self, mission: &str) -> bool {
        self.holds_for(mission, &Role::ALL)
    }

    /// Whether this caller reads every mission.
    pub fn reads_everything(&self) -> bool {
        self.roles.iter().any(|r| r.is_global())
    }

    /// The actor recorded on events this caller causes: the strongest role that allows the change.
    pub fn actor(&self, acting_as: Role) -> Actor {
        Actor {
            id: self.id.clone(),
            role: acting_as.as_str().to_string(),
        }
    }

    /// The role this caller acts in for a change in `mission` allowed to `roles`.
    pub fn acting_role(&self, mission: Option<&str>, roles: &[Role]) -> Option<Role> {
        roles.iter().copied().find(|role| {
            self.has(*role)
                && (role.is_global() || mission.is_some_and(|m| self.missions.contains(m)))
        })
    }
}

/// The caller of a GraphQL request; every request has one (unsigned requests never reach GraphQL).
pub fn principal<'a>(ctx: &'a Context<'_>) -> Result<&'a Principal, AppError> {
    ctx.data_opt::<Principal>()
        .ok_or_else(|| AppError::unauthenticated("sign in with a bearer token"))
}

/// Allows callers holding one of the roles, whatever their missions.
pub struct RoleGuard {
    roles: &'static [Role],
}

impl RoleGuard {
    pub fn new(roles: &'static [Role]) -> Self {
        Self { roles }
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let who = principal(ctx)?;
        if self.roles.iter().any(|r| who.has(*r)) {
            Ok(())
        } else {
            Err(
                AppError::forbidden(format!("this needs one of the roles {}", list(self.roles)))
                    .into(),
            )
        }
    }
}

/// Allows callers holding one of the roles for a given mission.
pub struct MissionGuard {
    mission: String,
    roles: &'static [Role],
}

impl MissionGuard {
    pub fn new(mission: &str, roles: &'static [Role]) -> Self {
        Self {
            mission: mission.to_string(),
            roles,
        }
    }
}

impl Guard for MissionGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        check_mission(principal(ctx)?, &self.mission, self.roles).map_err(Into::into)
    }
}

/// How a context finds the mission of something it names by id.
pub type MissionLookup = fn(&Context<'_>, &str) -> Option<String>;

/// Allows callers holding one of the roles in the mission of what an id names (a base, a staff
/// member, a flag…), found by the context's lookup. Where several ids are given, the first one the
/// lookup knows decides. An unknown id passes the guard, and the resolver answers NOT_FOUND.
pub struct ByIdGuard {
    ids: Vec<String>,
    roles: &'static [Role],
    lookup: MissionLookup,
}

impl ByIdGuard {
    pub fn new(id: &str, roles: &'static [Role], lookup: MissionLookup) -> Self {
        Self::any_of(&[Some(id)], roles, lookup)
    }

    pub fn any_of(ids: &[Option<&str>], roles: &'static [Role], lookup: MissionLookup) -> Self {
        Self {
            ids: ids.iter().flatten().map(|id| id.to_string()).collect(),
            roles,
            lookup,
        }
    }
}

impl Guard for ByIdGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let who = principal(ctx)?;
        match self.ids.iter().find_map(|id| (self.lookup)(ctx, id)) {
            Some(mission) => check_mission(who, &mission, self.roles).map_err(Into::into),
            None => Ok(()),
        }
    }
}

/// The rule behind [`MissionGuard`], for guards of other shapes (a base's mission, say).
pub fn check_mission(who: &Principal, mission: &str, roles: &[Role]) -> Result<(), AppError> {
    if who.holds_for(mission, roles) {
        Ok(())
    } else {
        // The mission is not named: to an outsider, which mission an id belongs to is itself
        // something outside their scope.
        Err(AppError::forbidden(format!(
            "this needs one of the roles {} in the mission it belongs to",
            list(roles)
        )))
    }
}

fn list(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(roles: &[Role], missions: &[&str]) -> Principal {
        Principal::new("u", "U", roles, missions)
    }

    #[test]
    fn scope_follows_role_and_missions() {
        let ca = who(&[Role::CivilAffairs], &["MONUSCO"]);
        assert!(ca.holds_for("MONUSCO", &[Role::Admin, Role::CivilAffairs]));
        assert!(!ca.holds_for("MINUSCA", &[Role::Admin, Role::CivilAffairs]));
        assert!(!ca.holds_for("MONUSCO", &[Role::Admin]));
        let hq = who(&[Role::HqReviewer], &[]);
        assert!(hq.can_read("MINUSCA"));
        assert!(!hq.holds_for("MINUSCA", &[Role::Admin, Role::CivilAffairs]));
        let admin = who(&[Role::Admin], &[]);
        assert_eq!(
            admin.acting_role(Some("X"), &[Role::Admin, Role::CivilAffairs]),
            Some(Role::Admin)
        );
        assert_eq!(
            ca.acting_role(Some("MONUSCO"), &[Role::Admin, Role::CivilAffairs]),
            Some(Role::CivilAffairs)
        );
    }

    #[test]
    fn a_refusal_does_not_name_the_mission() {
        let ca = who(&[Role::CivilAffairs], &["MONUSCO"]);
        let e = check_mission(&ca, "MINUSCA", &[Role::CivilAffairs]).unwrap_err();
        assert_eq!(e.code.as_str(), "FORBIDDEN");
        assert!(!e.message.contains("MINUSCA"), "{}", e.message);
    }

    #[test]
    fn roles_read_and_print_as_the_token_spells_them() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
