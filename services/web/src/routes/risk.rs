//! The risk register (`GET /missions/{code}/risk`, and raising a flag posted to it) and a flag's
//! page (`GET /missions/{code}/risk/{flag}`, and its forms posted to `…/{flag}/severity`,
//! `mitigation`, `review`, `close`). What a reader sees of the register, and who may raise or
//! work a flag, is the risk context's (`cla_risk::app`); this reads the form, asks once, and words
//! the refusals beside their fields.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use cla_platform::timeline::View;
use cla_platform::{AppError, ErrorCode, Principal};
use cla_registry::app::BaseFilter;
use cla_risk::app::{
    AddMitigation, ChangeRiskSeverity, CloseRiskFlag, RaiseRiskFlag, ReviewRiskFlag,
};
use cla_risk::events::{Category, Mitigation, Severity};
use cla_risk::projections::FlagFilter;

use super::{MissionRequest, Reader, mission_page, param, posted_by, redirect, refusal, refused};
use crate::Web;
use crate::i18n::L10n;
use crate::pages::refusal::Refused;
use crate::pages::risk::{
    self, CATEGORIES, Filter, FlagForm, FlagPage, MITIGATIONS, Names, Posted, Register, SEVERITIES,
};
use crate::travel::Travel;

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/missions/{code}/risk", get(register).post(raise))
        .route("/missions/{code}/risk/{flag}", get(flag))
        .route("/missions/{code}/risk/{flag}/{form}", post(work))
}

/// Names of the mission's bases, field offices and CLAs, as the reader may read them.
fn names(web: &Web, who: &Principal, code: &str, view: &View) -> Result<Names, AppError> {
    let apps = &web.settings.apps;
    let bases = apps
        .registry
        .bases(who, code, &BaseFilter::default(), view)?
        .into_iter()
        .map(|b| (b.base.id, b.base.details.name))
        .collect();
    let offices = apps
        .registry
        .field_offices(who, code, view)?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let clas = apps
        .staffing
        .roster(who, code, view)?
        .into_iter()
        .map(|c| (c.staff_id, c.name))
        .collect();
    Ok(Names {
        bases,
        offices,
        clas,
    })
}

/// Who asks for a page, of which mission, as of when.
struct Asked<'a> {
    web: &'a Web,
    r: &'a Reader,
    who: &'a Principal,
    code: &'a str,
    view: &'a View,
    travel: &'a Travel,
}

fn done(l: L10n, done: Option<&str>) -> Option<String> {
    let key = match done? {
        "raised" => "risk-done-raised",
        "severity" => "risk-done-severity",
        "mitigation" => "risk-done-mitigation",
        "review" => "risk-done-review",
        "close" => "risk-done-close",
        _ => return None,
    };
    Some(l.t(key))
}

async fn register(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        travel,
        view,
        q,
        ..
    } = m;
    let filter = Filter::parse(param(&q, "severity"), param(&q, "category"));
    let mut raise = Posted::default();
    if let Some(staff) = param(&q, "staff") {
        raise.values.insert("staffId".into(), staff.to_string());
    }
    let notice = done(r.l, param(&q, "done"));
    let asked = Asked {
        web: &web,
        r: &r,
        who: &who,
        code: &code,
        view: &view,
        travel: &travel,
    };
    show_register(&asked, &filter, raise, notice)
}

fn show_register(
    asked: &Asked<'_>,
    filter: &Filter,
    raise: Posted,
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
    let l = r.l;
    let answer = (|| {
        let register = web.settings.apps.risk.risk_register(who, code, view)?;
        Ok::<_, AppError>((register, names(web, who, code, view)?))
    })();
    let (register, names) = match answer {
        Ok(a) => a,
        Err(e) => return refused(r, e),
    };
    let flags = register
        .flags_where(&FlagFilter {
            severity: filter.severity,
            category: filter.category,
            ..FlagFilter::default()
        })
        .shown();
    // Only those who see the flags raise one: the CLAs of the mission to choose from.
    let raise = flags.as_ref().map(|_| {
        let mut clas: Vec<(String, String)> = names
            .clas
            .iter()
            .map(|(id, name)| (id.clone(), name.clone()))
            .collect();
        clas.sort_by(|a, b| a.1.cmp(&b.1));
        (clas, raise)
    });
    let status = if raise.as_ref().is_some_and(|(_, p)| !p.errors.is_empty()) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let action = format!("/missions/{code}/risk");
    mission_page(
        r,
        status,
        l.t_args(
            "risk-title",
            &[
                ("mission", register.mission_code.clone()),
                ("date", l.date(view.as_of)),
            ],
        ),
        code,
        (&action, travel, filter.pairs()),
        risk::register(
            l,
            &Register {
                code,
                csrf: &r.csrf,
                counts: &register.counts,
                flags,
                names: &names,
                filter,
                travel,
                raise,
                notice,
            },
        ),
    )
}

fn text(form: &HashMap<String, String>, name: &str) -> String {
    form.get(name).map_or("", |s| s.trim()).to_string()
}

/// A form's values, as posted (its token left out).
fn as_posted(form: &HashMap<String, String>, errors: Vec<(Option<String>, String)>) -> Posted {
    let mut values = form.clone();
    values.remove("csrf");
    Posted { values, errors }
}

/// Raises a flag: posted to the register.
async fn raise(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let risk = &web.settings.apps.risk;
    let view = View::on(super::today(&web));
    // The register says whether this reader sees (and so raises) the mission's flags.
    match risk.risk_register(&who, &m.code, &view) {
        Ok(register) if register.flags.as_ref().shown().is_some() => {}
        Ok(_) => return refusal(&r, Refused::Forbidden),
        Err(e) => return refused(&r, e),
    }
    let input = RaiseRiskFlag {
        staff_id: text(&form, "staffId"),
        category: risk::parse(&CATEGORIES, &text(&form, "category"))
            .unwrap_or(Category::Unspecified),
        severity: risk::parse(&SEVERITIES, &text(&form, "severity"))
            .unwrap_or(Severity::Unspecified),
        notes: text(&form, "notes"),
    };
    match risk.raise_risk_flag(&who, input).await {
        Ok(raised) => redirect(
            &format!(
                "/missions/{}/risk/{}?done=raised",
                raised.flag.mission, raised.flag.id
            ),
            &r.cookies,
        ),
        Err(e) if in_words(&e) => {
            let asked = Asked {
                web: &web,
                r: &r,
                who: &who,
                code: &m.code,
                view: &view,
                travel: &Travel::default(),
            };
            let posted = as_posted(&form, vec![words(r.l, &e)]);
            show_register(&asked, &Filter::default(), posted, None)
        }
        Err(e) => refused(&r, e),
    }
}

/// The flag and the form a path names: `/missions/{code}/risk/{flag}[/{form}]`.
fn segments(m: &MissionRequest) -> (String, Option<String>) {
    let mut parts = m.uri.path().split('/').skip(4);
    let flag = parts.next().unwrap_or("").to_string();
    (flag, parts.next().map(str::to_string))
}

async fn flag(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    let (flag_id, _) = segments(&m);
    let notice = done(m.r.l, param(&m.q, "done"));
    let asked = Asked {
        web: &web,
        r: &m.r,
        who: &m.who,
        code: &m.code,
        view: &m.view,
        travel: &m.travel,
    };
    show_flag(&asked, &flag_id, None, notice)
}

fn not_found() -> AppError {
    AppError::not_found("flagId", "no such risk flag")
}

fn show_flag(
    asked: &Asked<'_>,
    flag_id: &str,
    posted: Option<(FlagForm, Posted)>,
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
    let l = r.l;
    let risk = &web.settings.apps.risk;
    let answer = (|| {
        let record = risk.risk_flag(who, flag_id, view)?;
        if record.flag.mission != code {
            return Err(not_found());
        }
        let timeline = risk.flag_timeline(who, flag_id, view)?;
        Ok((record, timeline, names(web, who, code, view)?))
    })();
    let (record, timeline, names) = match answer {
        Ok(a) => a,
        Err(e) => return refused(r, e),
    };
    let status = if posted.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let action = format!("/missions/{code}/risk/{flag_id}");
    mission_page(
        r,
        status,
        l.t_args(
            "risk-flag-title",
            &[
                ("name", names.cla(&record.flag.staff_id)),
                ("category", risk::category(l, record.flag.category)),
            ],
        ),
        code,
        (&action, travel, Vec::new()),
        risk::flag(
            l,
            &FlagPage {
                code,
                csrf: &r.csrf,
                record: &record,
                timeline: &timeline,
                names: &names,
                travel,
                posted,
                notice,
            },
        ),
    )
}

/// One of a flag's forms: change its severity, add a mitigation, review it, close it.
async fn work(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (flag_id, slug) = segments(&m);
    let Some(which) = slug.as_deref().and_then(FlagForm::of) else {
        return refusal(&m.r, Refused::NotFound);
    };
    let (r, who) = match posted_by(&web, &headers, &m.uri, &form) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let risk = &web.settings.apps.risk;
    let view = View::on(super::today(&web));
    // A flag of this mission, for a reader who works it (the risk context says).
    match risk.risk_flag(&who, &flag_id, &view) {
        Ok(record) if record.flag.mission == m.code => {}
        Ok(_) => return refused(&r, not_found()),
        Err(e) => return refused(&r, e),
    }
    let flag = flag_id.clone();
    let result = match which {
        FlagForm::Severity => {
            let input = ChangeRiskSeverity {
                flag_id: flag,
                severity: risk::parse(&SEVERITIES, &text(&form, "severity"))
                    .unwrap_or(Severity::Unspecified),
                reason: text(&form, "reason"),
            };
            risk.change_risk_severity(&who, input).await
        }
        FlagForm::Mitigation => {
            let input = AddMitigation {
                flag_id: flag,
                action: risk::parse(&MITIGATIONS, &text(&form, "action"))
                    .unwrap_or(Mitigation::Unspecified),
                notes: text(&form, "notes"),
            };
            risk.add_mitigation(&who, input).await
        }
        FlagForm::Review => {
            let input = ReviewRiskFlag {
                flag_id: flag,
                notes: text(&form, "notes"),
            };
            risk.review_risk_flag(&who, input).await
        }
        FlagForm::Close => {
            let input = CloseRiskFlag {
                flag_id: flag,
                resolution: text(&form, "resolution"),
            };
            risk.close_risk_flag(&who, input).await
        }
    };
    match result {
        Ok(_) => redirect(
            &format!("/missions/{}/risk/{flag_id}?done={}", m.code, which.slug()),
            &r.cookies,
        ),
        Err(e) if in_words(&e) => {
            let asked = Asked {
                web: &web,
                r: &r,
                who: &who,
                code: &m.code,
                view: &view,
                travel: &Travel::default(),
            };
            let posted = as_posted(&form, vec![words(r.l, &e)]);
            show_flag(&asked, &flag_id, Some((which, posted)), None)
        }
        Err(e) => refused(&r, e),
    }
}

/// A refusal of the input (shown beside its field), not of the reader.
fn in_words(e: &AppError) -> bool {
    matches!(
        e.code,
        ErrorCode::Validation | ErrorCode::NotFound | ErrorCode::Conflict
    )
}

/// A refusal of the risk rules in the reader's words, beside the field it is about (`None`: the
/// whole form).
fn words(l: L10n, e: &AppError) -> (Option<String>, String) {
    let field = e.field.as_deref();
    let at = |f: &str, key: &str| (Some(f.to_string()), l.t(key));
    match (e.code, field) {
        (ErrorCode::Conflict, _) if e.message.contains("closed") => {
            (None, l.t("risk-refused-closed"))
        }
        (ErrorCode::Conflict, _) => (None, l.t("risk-refused-conflict")),
        (ErrorCode::NotFound, Some("staffId")) => at("staffId", "risk-refused-cla"),
        (ErrorCode::NotFound, _) => (None, l.t("risk-refused-not-found")),
        (_, Some(f)) if e.message.contains("4000") => at(f, "risk-refused-too-long"),
        (_, Some("category")) => at("category", "risk-refused-category"),
        (_, Some("severity")) => at("severity", "risk-refused-severity"),
        (_, Some("action")) => at("action", "risk-refused-action"),
        (_, Some("reason")) => at("reason", "risk-refused-reason"),
        (_, Some("resolution")) => at("resolution", "risk-refused-resolution"),
        (_, f) => (f.map(str::to_string), l.t("risk-refused-invalid")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    /// Every refusal the risk rules give a form, as the risk context words it.
    fn refusals() -> Vec<AppError> {
        vec![
            AppError::conflict("the flag is closed").on("flagId"),
            AppError::conflict("the record was changed by someone else at the same moment"),
            AppError::not_found("staffId", "no CLA x"),
            AppError::not_found("flagId", "no such risk flag"),
            AppError::validation("notes", "notes is at most 4000 characters"),
            AppError::validation("category", "choose the flag's category"),
            AppError::validation("severity", "choose the flag's severity"),
            AppError::validation("action", "choose the mitigation"),
            AppError::validation("reason", "reason must not be empty"),
            AppError::validation("resolution", "resolution must not be empty"),
            AppError::validation("x", "m"),
        ]
    }

    #[test]
    fn every_refusal_of_the_risk_rules_reads_as_a_sentence_beside_its_field_in_both_languages() {
        for lang in Lang::ALL {
            let l = L10n::new(lang);
            let mut seen = std::collections::HashSet::new();
            for e in refusals() {
                let (field, text) = words(l, &e);
                assert!(!text.contains('⟦'), "{e:?} in {lang:?}: {text}");
                assert!(text.ends_with('.'), "a sentence: {text}");
                if e.code == ErrorCode::Validation {
                    assert_eq!(field, e.field, "beside the field it is about: {e:?}");
                }
                seen.insert(text);
            }
            assert_eq!(seen.len(), refusals().len(), "each says its own thing");
        }
        assert_eq!(
            words(L10n::new(Lang::En), &refusals()[8]),
            (
                Some("reason".into()),
                "Say why the severity changes.".into()
            )
        );
    }
}
