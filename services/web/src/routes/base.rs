//! The base page and the CLA profile: each gathers the application layers' answers for the reader
//! (access decided there: another mission's base or CLA is refused, an unknown one not found) and
//! renders them.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Duration;
use cla_platform::app::Restricted;
use cla_platform::timeline::View;
use cla_platform::{AppError, ErrorCode, Principal};
use cla_staffing::projections::{BoardFilter, CauseKind, ClaStaffing};

use super::{MissionRequest, mission_page, refused};
use crate::Web;
use crate::pages::base::{BasePage, Cause, Missing};
use crate::pages::profile::{Change, Entry, Profile};

/// How many days the base page forecasts.
const FORECAST_DAYS: i32 = 90;

/// The last segment of the request's path: the base's or the CLA's id.
fn last_segment(m: &MissionRequest) -> String {
    m.uri
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

fn not_found(field: &str) -> AppError {
    AppError::not_found(field, "not in this mission")
}

/// A CLA's staffing as `view` sees it; none where staffing does not know them (yet).
fn staffing_of(
    web: &Web,
    who: &Principal,
    staff_id: &str,
    view: &View,
) -> Result<Option<ClaStaffing>, AppError> {
    match web.settings.apps.staffing.cla_staffing(who, staff_id, view) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.code == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) async fn base(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let base_id = last_segment(&m);
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        ..
    } = m;
    let apps = &web.settings.apps;
    let answer = (|| {
        let placed = apps.registry.base(&who, &base_id, &view)?;
        if placed.base.mission_code != code {
            return Err(not_found("baseId"));
        }
        let office =
            apps.registry
                .field_office(&who, &placed.base.details.field_office_id, &view)?;
        let board = apps
            .staffing
            .base_board(&who, &code, &BoardFilter::default(), &view)?;
        let forecast = apps.staffing.coverage_forecast(
            &who,
            &base_id,
            Some(view.as_of),
            Some(FORECAST_DAYS),
            view.known_at,
        )?;
        let visit = apps.supervision.base_visit(&who, &base_id, &view)?;
        Ok((placed, office, board, forecast, visit))
    })();
    let (placed, office, board, forecast, visit) = match answer {
        Ok(a) => a,
        Err(e) => return refused(&r, e),
    };
    let row = board.iter().find(|b| b.base_id == base_id);
    // Who is away today, from–to.
    let mut away = HashMap::new();
    for c in row
        .iter()
        .flat_map(|row| row.clas.iter().filter(|c| c.absent))
    {
        match staffing_of(&web, &who, &c.staff_id, &view) {
            Ok(Some(s)) => {
                if let Some(a) = s
                    .absences
                    .iter()
                    .find(|a| a.from <= view.as_of && view.as_of <= a.to)
                {
                    away.insert(c.staff_id.clone(), (a.from, a.to));
                }
            }
            Ok(None) => {}
            Err(e) => return refused(&r, e),
        }
    }
    // Why each gap opens, from the CLAs' own answers as the forecast's last day knows them.
    let horizon = View {
        as_of: forecast.days.last().map_or(view.as_of, |d| d.date),
        known_at: view.known_at,
    };
    let mut staffings: HashMap<String, Option<ClaStaffing>> = HashMap::new();
    let mut missing = Vec::new();
    for gap in &forecast.gaps {
        let mut here = Vec::new();
        for c in &gap.causes {
            if !staffings.contains_key(&c.staff_id) {
                match staffing_of(&web, &who, &c.staff_id, &horizon) {
                    Ok(s) => staffings.insert(c.staff_id.clone(), s),
                    Err(e) => return refused(&r, e),
                };
            }
            let s = staffings.get(&c.staff_id).and_then(Option::as_ref);
            let member = || apps.staff.staff_member(&who, &c.staff_id, &horizon).ok();
            let reference = c.reference.as_deref().unwrap_or_default();
            let cause = match c.kind {
                CauseKind::Absence => s
                    .and_then(|s| s.absences.iter().find(|a| a.id == reference))
                    .map(|a| Cause::Absence {
                        kind: a.kind,
                        from: a.from,
                        to: a.to,
                    }),
                CauseKind::Rotation => s
                    .and_then(|s| s.rotations.iter().find(|x| x.id == reference))
                    .map(|x| Cause::Rotation {
                        to: apps
                            .registry
                            .base(&who, &x.to_base_id, &view)
                            .map_or_else(|_| x.to_base_id.clone(), |b| b.base.details.name),
                        date: x.date,
                    }),
                CauseKind::AppointmentEnd => Some(Cause::AppointmentEnd {
                    on: member().map(|m| m.member.appointment.end),
                }),
                CauseKind::Separation => Some(Cause::Separation {
                    on: member().and_then(|m| m.member.separation.map(|(d, _)| d)),
                }),
                CauseKind::DeploymentEnd => Some(Cause::DeploymentEnd {
                    on: s.and_then(|s| {
                        s.deployments
                            .iter()
                            .filter(|d| d.base_id == base_id)
                            .filter_map(|d| d.to)
                            .max()
                    }),
                }),
            };
            if let Some(cause) = cause {
                here.push(Missing {
                    staff_id: c.staff_id.clone(),
                    name: c.name.clone(),
                    cause,
                });
            }
        }
        missing.push(here);
    }
    let action = format!("/missions/{code}/bases/{base_id}");
    mission_page(
        &r,
        StatusCode::OK,
        r.l.t_args(
            "base-title",
            &[
                ("base", placed.base.details.name.clone()),
                ("mission", code.clone()),
                ("date", r.l.date(view.as_of)),
            ],
        ),
        &code,
        (&action, &travel, Vec::new()),
        crate::pages::base::body(
            r.l,
            &BasePage {
                code: &code,
                base_id: &base_id,
                name: &placed.base.details.name,
                office: &office.name,
                base_status: placed.base.status,
                row,
                away: &away,
                visit: &visit,
                forecast: &forecast,
                missing: &missing,
                may_deploy: apps.staffing.may_change(&who, &code),
            },
            &travel,
        ),
    )
}

pub(crate) async fn profile(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let staff_id = last_segment(&m);
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        q,
        ..
    } = m;
    let apps = &web.settings.apps;
    // Absences planned ahead are effective on their first day: the year ahead shows them.
    let ahead = View {
        as_of: view.as_of + Duration::days(366),
        known_at: view.known_at,
    };
    let answer = (|| {
        let member = apps.staff.staff_member(&who, &staff_id, &view)?;
        if member.member.place.mission_code != code {
            return Err(not_found("staffId"));
        }
        let now = staffing_of(&web, &who, &staff_id, &view)?;
        let later = staffing_of(&web, &who, &staff_id, &ahead)?;
        let staff_history = apps.staff.staff_history(&who, &staff_id, &view)?;
        let staffing_history = match apps.staffing.cla_history(&who, &staff_id, &view) {
            Err(e) if e.code == ErrorCode::NotFound => Vec::new(),
            other => other?,
        };
        let supervision_history = apps
            .supervision
            .supervision_history(&who, &code, &staff_id, &view)?;
        let supervisor = apps
            .supervision
            .supervisor_of(&who, &code, &staff_id, &view)?;
        let phones = match apps.staff.phone_numbers(&who, &staff_id) {
            Ok(numbers) => Restricted::Shown(numbers),
            Err(e) if e.code == ErrorCode::Forbidden => Restricted::Withheld,
            Err(e) => return Err(e),
        };
        let flags = apps.risk.flags_of_cla(&who, &code, &staff_id, &view)?;
        let mut timeline: Vec<Entry> = staff_history
            .into_iter()
            .map(|h| Entry {
                change: Change::Staff(h.event_type),
                effective: h.effective,
                recorded: h.recorded,
                actor_id: h.actor_id,
                actor_role: h.actor_role,
            })
            .chain(staffing_history.into_iter().map(|h| Entry {
                change: Change::Staffing(h.change, h.base_names),
                effective: h.effective,
                recorded: h.recorded,
                actor_id: h.actor_id,
                actor_role: h.actor_role,
            }))
            .chain(supervision_history.into_iter().map(|h| Entry {
                change: Change::Supervision(h.change),
                effective: h.effective,
                recorded: h.recorded,
                actor_id: h.actor_id,
                actor_role: h.actor_role,
            }))
            .collect();
        timeline.sort_by_key(|e| (e.effective, e.recorded));
        Ok((member, now, later, timeline, supervisor, phones, flags))
    })();
    let (member, now, later, timeline, supervisor, phones, flags) = match answer {
        Ok(a) => a,
        Err(e) => return refused(&r, e),
    };
    let mut staffing = later.clone().unwrap_or_else(|| ClaStaffing {
        staff_id: staff_id.clone(),
        name: member.member.name.clone(),
        mission_code: code.clone(),
        base_id: None,
        deployments: Vec::new(),
        absences: Vec::new(),
        rotations: Vec::new(),
    });
    // Rotations as the view's date sees them (overdue or planned then).
    staffing.rotations = now
        .as_ref()
        .map(|s| s.rotations.clone())
        .unwrap_or_default();
    let mut base_names: HashMap<String, String> = HashMap::new();
    let ids: Vec<String> = now
        .iter()
        .flat_map(|s| {
            s.base_id
                .iter()
                .cloned()
                .chain(s.rotations.iter().map(|x| x.to_base_id.clone()))
        })
        .collect();
    for id in ids {
        if let Ok(b) = apps.registry.base(&who, &id, &view) {
            base_names.insert(id, b.base.details.name);
        }
    }
    let base = now.as_ref().and_then(|s| s.base_id.clone()).map(|id| {
        let name = base_names.get(&id).cloned().unwrap_or_else(|| id.clone());
        (id, name)
    });
    let action = format!("/missions/{code}/staff/{staff_id}");
    mission_page(
        &r,
        StatusCode::OK,
        r.l.t_args(
            "profile-title",
            &[
                ("name", member.member.name.clone()),
                ("mission", code.clone()),
            ],
        ),
        &code,
        (&action, &travel, Vec::new()),
        crate::pages::profile::body(
            r.l,
            &Profile {
                code: &code,
                member: &member.member,
                home_community: &member.home_community,
                phones: &phones,
                flags: &flags,
                since: base.as_ref().and_then(|(id, _)| {
                    now.iter()
                        .flat_map(|s| &s.deployments)
                        .filter(|d| &d.base_id == id && d.from <= view.as_of)
                        .filter(|d| d.to.is_none_or(|to| to > view.as_of))
                        .map(|d| d.from)
                        .max()
                }),
                base,
                supervisor: supervisor.as_ref(),
                staffing: &staffing,
                timeline: &timeline,
                base_names: &base_names,
                may_change: apps.staffing.may_change(&who, &code),
                as_of: view.as_of,
                staff_forms: maud::html! {
                    (super::staff::lifecycle(
                        &web,
                        &r,
                        &who,
                        &code,
                        &member,
                        travel.is_asked(),
                        super::param(&q, "done"),
                    ))
                    @if who.has(cla_platform::Role::Admin) {
                        p { a #profile-privacy href=(format!("/missions/{code}/staff/{}/privacy", member.member.id)) { (r.l.t("privacy-link")) } }
                    }
                },
            },
            &travel,
        ),
    )
}
