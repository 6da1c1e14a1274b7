//! The check-ins screen: `GET /missions/{code}/check-ins` (filtered by field office and base) and
//! the roll call posted to it. The roll call is the risk context's (`record_roll_call`): who may
//! record one, and what a good list is, are decided there; this reads the form and words the
//! refusals beside their fields.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, Utc};
use cla_platform::timeline::View;
use cla_platform::{AppError, ErrorCode, Principal};
use cla_risk::app::{Heard, RecordCheckIn, RecordRollCall};
use cla_risk::events::{Channel, Welfare};
use cla_staffing::projections::BoardFilter;

use super::{
    Fields, MissionForm, MissionRequest, Reader, page, param, posted_by, redirect, refusal,
    refused, today,
};
use crate::Web;
use crate::pages::check_ins::{CheckIns, ClaRow, Filter, OneCheckIn, RollCall, RollCallCla};
use crate::pages::refusal::Refused;
use crate::travel::Travel;

pub(crate) async fn check_ins(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        view,
        q,
        travel,
        ..
    } = m;
    let filter = Filter::parse(param(&q, "fieldOffice"), param(&q, "base"));
    let notice = match param(&q, "recorded") {
        Some("one") => Some(r.l.t("checkins-one-recorded")),
        n => n
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| r.l.t_args("checkins-recorded", &[("count", r.l.count(n))])),
    };
    let asked = Asked {
        web: &web,
        r: &r,
        who: &who,
        code: &code,
        view: &view,
        travel: &travel,
    };
    show(&asked, &filter, (None, None), notice)
}

/// Who asks for the page, of which mission, as of when.
struct Asked<'a> {
    web: &'a Web,
    r: &'a Reader,
    who: &'a Principal,
    code: &'a str,
    view: &'a View,
    travel: &'a Travel,
}

/// The page for `filter`, with the roll-call form and the one check-in form as posted (again,
/// with their errors) or fresh, answering 400 where a posted form has errors.
fn show(
    asked: &Asked<'_>,
    filter: &Filter,
    (posted, one): (Option<RollCall>, Option<OneCheckIn>),
    notice: Option<String>,
) -> Response {
    let Asked {
        web,
        r,
        who,
        code,
        view,
        travel,
    } = *asked;
    let apps = &web.settings.apps;
    let answer = (|| {
        let mission = apps.registry.mission(who, code, view)?;
        let offices = apps.registry.field_offices(who, code, view)?;
        let board = apps.staffing.base_board(
            who,
            code,
            &BoardFilter {
                field_office_id: filter.field_office.clone(),
                ..BoardFilter::default()
            },
            view,
        )?;
        let compliance = apps.risk.check_in_compliance(who, code, view)?;
        let clas = apps.risk.cla_check_ins(who, code)?;
        Ok::<_, AppError>((mission, offices, board, compliance, clas))
    })();
    let (mission, offices, board, compliance, clas) = match answer {
        Ok(a) => a,
        Err(e) => return refused(r, e),
    };
    let mut offices: Vec<(String, String)> = offices.into_iter().map(|o| (o.id, o.name)).collect();
    offices.sort_by(|a, b| a.1.cmp(&b.1));
    let bases: Vec<(String, String)> = board
        .iter()
        .map(|b| (b.base_id.clone(), b.name.clone()))
        .collect();
    let kept = |base: &str| {
        bases.iter().any(|(id, _)| id == base) && filter.base.as_deref().is_none_or(|b| b == base)
    };
    let name_of = |staff: &str| {
        board
            .iter()
            .flat_map(|b| b.clas.iter())
            .find(|c| c.staff_id == staff)
            .map_or_else(|| staff.to_string(), |c| c.name.clone())
    };
    let base_name = |id: &str| {
        bases
            .iter()
            .find(|(b, _)| b == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let shown = clas.shown();
    let rows = shown.as_ref().map(|all| {
        all.iter()
            .filter(|c| kept(&c.base_id))
            .map(|c| ClaRow {
                staff_id: c.staff_id.clone(),
                name: name_of(&c.staff_id),
                base: base_name(&c.base_id),
                last_at: c.last_at,
                due_at: c.due_at,
                overdue: c.overdue,
            })
            .collect::<Vec<_>>()
    });
    // The form lists the chosen base's CLAs: only for a reader the risk context shows names to.
    let status = if posted.as_ref().is_some_and(|p| !p.errors.is_empty())
        || one.as_ref().is_some_and(|o| !o.errors.is_empty())
    {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let roll_call = posted.or_else(|| {
        let base = filter.base.as_deref()?;
        let row = board.iter().find(|b| b.base_id == base)?;
        Some(RollCall {
            base_id: row.base_id.clone(),
            base_name: row.name.clone(),
            clas: row
                .clas
                .iter()
                .map(|c| RollCallCla {
                    staff_id: c.staff_id.clone(),
                    name: c.name.clone(),
                    heard: false,
                    welfare: "ok".into(),
                })
                .collect(),
            at: String::new(),
            errors: Vec::new(),
        })
    });
    let roll_call = roll_call.filter(|_| shown.is_some());
    // The one check-in form: for any of the mission's CLAs the list shows, a fresh key each time
    // it is drawn fresh.
    let one = rows.as_ref().map(|rows| {
        let mut clas: Vec<(String, String)> = rows
            .iter()
            .map(|c| (c.staff_id.clone(), c.name.clone()))
            .collect();
        clas.sort_by(|a, b| a.1.cmp(&b.1));
        let mut form = one.unwrap_or_else(|| OneCheckIn {
            clas: Vec::new(),
            values: [
                ("idempotencyKey", uuid::Uuid::now_v7().to_string()),
                ("channel", "phone".to_string()),
                ("welfare", "ok".to_string()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            errors: Vec::new(),
        });
        form.clas = clas;
        form
    });
    page(
        r,
        status,
        r.l.t_args("checkins-title", &[("mission", mission.code)]),
        Some(code),
        Some(crate::pages::TravelForm {
            action: &format!("/missions/{code}/check-ins"),
            travel,
            keep: [
                (
                    "fieldOffice",
                    filter.field_office.clone().unwrap_or_default(),
                ),
                ("base", filter.base.clone().unwrap_or_default()),
            ]
            .into(),
            error: None,
        }),
        crate::pages::check_ins::body(
            r.l,
            &CheckIns {
                code,
                csrf: &r.csrf,
                offices: &offices,
                bases: &bases,
                filter,
                overdue_count: (!compliance.counts.withheld).then_some(compliance.overdue_count),
                clas: rows,
                roll_call,
                one,
                notice,
                travel,
            },
        ),
    )
}

fn welfare(value: &str) -> Option<Welfare> {
    match value {
        "ok" => Some(Welfare::Ok),
        "needs_assistance" => Some(Welfare::NeedsAssistance),
        "under_threat" => Some(Welfare::UnderThreat),
        _ => None,
    }
}

/// The time typed in the form: empty is now; the browser's `datetime-local`, read as UTC.
fn at(value: &str) -> Result<Option<DateTime<Utc>>, ()> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .map(|t| Some(t.and_utc()))
        .ok_or(())
}

pub(crate) async fn record_roll_call(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    uri: Uri,
    Path(code): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form: HashMap<String, String> = pairs
        .iter()
        .filter(|(k, _)| k != "heard")
        .cloned()
        .collect();
    let (r, who) = match posted_by(&web, &headers, &uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let l = r.l;
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let view = View::on(today(&web));
    let apps = &web.settings.apps;
    // The base names the field office and the mission; another mission's is refused.
    let placed = match apps.registry.base(&who, field("base"), &view) {
        Ok(p) => p,
        Err(e) if e.code == ErrorCode::NotFound => return refusal(&r, Refused::NotFound),
        Err(e) => return refused(&r, e),
    };
    if placed.base.mission_code != code {
        return refusal(&r, Refused::Forbidden);
    }
    let filter = Filter::parse(Some(field("fieldOffice")), Some(&placed.base.id));
    let heard: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "heard")
        .map(|(_, v)| v.as_str())
        .collect();
    let board = match apps
        .staffing
        .base_board(&who, &code, &BoardFilter::default(), &view)
    {
        Ok(b) => b,
        Err(e) => return refused(&r, e),
    };
    let at_typed = field("at").to_string();
    let mut form_again = RollCall {
        base_id: placed.base.id.clone(),
        base_name: placed.base.details.name.clone(),
        clas: board
            .iter()
            .find(|b| b.base_id == placed.base.id)
            .map(|b| {
                b.clas
                    .iter()
                    .map(|c| RollCallCla {
                        staff_id: c.staff_id.clone(),
                        name: c.name.clone(),
                        heard: heard.contains(&c.staff_id.as_str()),
                        welfare: field(&format!("welfare-{}", c.staff_id)).to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        at: at_typed.clone(),
        errors: Vec::new(),
    };
    let mut errors = Vec::new();
    let when = at(&at_typed).unwrap_or_else(|()| {
        errors.push(("at".to_string(), l.t("checkins-at-invalid")));
        None
    });
    if heard.is_empty() {
        errors.push(("heard".to_string(), l.t("checkins-heard-empty")));
    }
    let mut lines = Vec::new();
    for staff in &heard {
        match welfare(field(&format!("welfare-{staff}"))) {
            Some(w) => lines.push(Heard {
                staff_id: staff.to_string(),
                welfare: w,
                notes: String::new(),
            }),
            None => errors.push((format!("heard-{staff}"), l.t("checkins-welfare-invalid"))),
        }
    }
    if errors.is_empty() {
        let input = RecordRollCall {
            field_office_id: placed.base.details.field_office_id.clone(),
            at: when,
            heard: lines,
        };
        match apps.risk.record_roll_call(&who, input).await {
            Ok(recorded) => {
                let mut to = format!(
                    "/missions/{code}/check-ins?base={}&recorded={}",
                    placed.base.id,
                    recorded.len()
                );
                if let Some(office) = &filter.field_office {
                    to += &format!("&fieldOffice={office}");
                }
                return redirect(&to, &r.cookies);
            }
            Err(refusal) if refusal.error.code == ErrorCode::Validation => {
                let all = if refusal.lines.is_empty() {
                    vec![refusal.error]
                } else {
                    refusal.lines
                };
                for e in all {
                    errors.push(worded(l, &heard, &e));
                }
            }
            Err(refusal) => return refused(&r, refusal.error),
        }
    }
    form_again.errors = errors;
    let asked = Asked {
        web: &web,
        r: &r,
        who: &who,
        code: &code,
        view: &view,
        travel: &Travel::default(),
    };
    show(&asked, &filter, (Some(form_again), None), None)
}

/// The channels the one check-in form offers, by the value it sends.
const CHANNELS: [(&str, Channel); 5] = [
    ("phone", Channel::Phone),
    ("radio", Channel::Radio),
    ("in_person", Channel::InPerson),
    ("sms", Channel::Sms),
    ("report", Channel::Report),
];

/// One check-in (`POST /missions/{code}/check-ins/one`): the CLA, its channel, welfare, time and
/// notes, recorded through the risk context as the signed-in person under the form's key, so a
/// form sent twice is one check-in. Refused, the page again (400) with the form as filled.
pub(crate) async fn record_one(State(web): State<Arc<Web>>, f: MissionForm) -> Response {
    let MissionForm { m, form } = f;
    let l = m.r.l;
    let mut fields = Fields::new(&form);
    let staff = fields.text("staffId").to_string();
    if staff.is_empty() {
        fields
            .bad
            .push((Some("staffId".into()), l.t("checkins-one-choose-cla")));
    }
    let channel = fields.choice("channel", &CHANNELS, l.t("checkins-one-channel-invalid"));
    let welfare = welfare(fields.text("welfare"));
    if welfare.is_none() {
        fields
            .bad
            .push((Some("welfare".into()), l.t("checkins-welfare-invalid")));
    }
    let when = at(fields.text("at")).unwrap_or_else(|()| {
        fields
            .bad
            .push((Some("at".into()), l.t("checkins-at-invalid")));
        None
    });
    let key = fields.text("idempotencyKey");
    let key = if uuid::Uuid::parse_str(key).is_ok() {
        key.to_string()
    } else {
        uuid::Uuid::now_v7().to_string()
    };
    let mut errors = std::mem::take(&mut fields.bad);
    if let (true, Some(channel), Some(welfare)) = (errors.is_empty(), channel, welfare) {
        let input = RecordCheckIn {
            staff_id: staff.clone(),
            at: when,
            channel,
            welfare,
            notes: fields.text("notes").to_string(),
        };
        // The CLA is one of this mission's, whatever else the reader may see.
        let risk = &web.settings.apps.risk;
        let done = if risk.mission_of_cla(&staff).as_deref() == Some(m.code.as_str()) {
            risk.record_named_check_in(&m.who, key.clone(), input).await
        } else {
            Err(AppError::not_found(
                "staffId",
                "no such CLA in this mission",
            ))
        };
        match done {
            Ok(_) => {
                return redirect(
                    &format!("/missions/{}/check-ins?recorded=one", m.code),
                    &m.r.cookies,
                );
            }
            Err(e) if matches!(e.code, ErrorCode::Validation | ErrorCode::NotFound) => {
                let field = e.field.clone().unwrap_or_default();
                let words = match field.as_str() {
                    "at" => l.t("checkins-one-at-future"),
                    "notes" => l.t("checkins-one-notes-invalid"),
                    "staffId" => l.t("checkins-one-cla-refused"),
                    _ => l.t("actions-refused-invalid"),
                };
                errors.push((Some(field), words));
            }
            Err(e) => return refused(&m.r, e),
        }
    }
    let mut values = form.clone();
    values.remove("csrf");
    values.insert("idempotencyKey".into(), key);
    let one = OneCheckIn {
        clas: Vec::new(),
        values,
        errors: errors
            .into_iter()
            .map(|(f, w)| (f.unwrap_or_default(), w))
            .collect(),
    };
    let view = View::on(today(&web));
    let asked = Asked {
        web: &web,
        r: &m.r,
        who: &m.who,
        code: &m.code,
        view: &view,
        travel: &Travel::default(),
    };
    show(&asked, &Filter::parse(None, None), (None, Some(one)), None)
}

/// A refusal of the risk context, worded beside its field: the time, the list, or a CLA's line
/// (`heard[2].staffId` is the third CLA ticked).
fn worded(l: crate::i18n::L10n, heard: &[&str], e: &AppError) -> (String, String) {
    let field = e.field.as_deref().unwrap_or("");
    if field == "at" {
        return ("at".into(), l.t("checkins-at-future"));
    }
    let line = field
        .strip_prefix("heard[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|i| i.parse::<usize>().ok())
        .and_then(|i| heard.get(i));
    match line {
        Some(staff) => (format!("heard-{staff}"), l.t("checkins-line-refused")),
        None => ("heard".into(), l.t("checkins-heard-empty")),
    }
}
