//! The field channels' admin screens: the SMS inbox (`/missions/{code}/sms`) and a CLA's channels
//! (`/missions/{code}/staff/{staff}/channels`), each page one call to the field application layer
//! as the signed-in person, each form one call too. Every form ends the same way ([`submit`]):
//! done, back to its page saying so (303); refused, the page again (400) with the form as filled
//! — a duress word never — and the refusal in words beside its field, nothing written.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use cla_platform::{AppError, AppResult, ErrorCode, Principal};

use super::actions::{Bad, text};
use super::{
    MissionRequest, mission_page, now, page, param, posted_by, redirect, refusal, refused,
};
use crate::Web;
use crate::i18n::L10n;
use cla_alerts::escalation::events::contract::{
    EscalationContactSet, EscalationProcedureSet, EscalationRecipient, EscalationStep,
    RecipientKind, StepSkip,
};

use crate::pages::field_admin::{
    self, CHANNELS, ChannelsPage, EscalationPage, FORM_STEPS, KINDS, Posted, SmsPage,
};
use crate::pages::refusal::Refused;

pub(crate) fn routes() -> Router<Arc<Web>> {
    Router::new()
        .route("/missions/{code}/sms", get(sms))
        .route("/missions/{code}/sms/{form}", post(sms_form))
        // Messages to numbers of no configured mission (ADMIN): beside the webhooks' `/sms/…`.
        .route("/unmatched-sms", get(sms))
        .route("/unmatched-sms/{form}", post(sms_form))
        .route("/missions/{code}/staff/{staff}/channels", get(channels))
        .route(
            "/missions/{code}/staff/{staff}/channels/{form}",
            post(channels_form),
        )
        .route("/missions/{code}/escalation", get(escalation))
        .route("/missions/{code}/escalation/{form}", post(escalation_form))
}

type Values = HashMap<String, String>;

/// How a page of these screens is drawn: as answered, or again with a refused form.
type Draw = fn(&Web, MissionRequest, StatusCode, Option<&Posted<'_>>) -> Response;

/// A refusal of these screens' forms in words, beside the field it is about.
fn words(l: L10n, e: &AppError) -> Bad {
    let field = step_field(e.field.as_deref().unwrap_or(""));
    let field = field.as_str();
    let in_step = |name: &str| field.starts_with("steps[") && field.ends_with(name);
    let key = match (e.code, field) {
        (_, _) if in_step(".recipients") && e.code == ErrorCode::NotFound => {
            "escalation-refused-named-contact"
        }
        (_, _) if in_step(".recipients") => "escalation-refused-recipients",
        (_, _) if in_step(".channels") => "escalation-refused-channels",
        (_, _) if in_step(".waitMinutes") => "escalation-refused-wait",
        (ErrorCode::Validation, "skips") if e.message.contains("a step from") => {
            "escalation-refused-skip-step"
        }
        (ErrorCode::Validation, "skips") => "escalation-refused-skip-kind",
        (ErrorCode::Validation, "kinds") => "escalation-refused-kinds",
        (ErrorCode::Validation, "steps") => "escalation-refused-steps",
        (ErrorCode::Validation, "repeatMinutes") => "escalation-refused-repeat",
        (ErrorCode::NotFound, "fieldOfficeId") => "escalation-refused-office",
        (ErrorCode::Validation, "fieldOfficeId") => "escalation-refused-remove-mission",
        (ErrorCode::Validation, "contactId") => "escalation-refused-contact-id",
        (ErrorCode::Conflict, "contactId") => "escalation-refused-contact-used",
        (ErrorCode::NotFound, "managerId") => "escalation-refused-manager",
        (ErrorCode::Conflict, "managerId") => "escalation-refused-manager-taken",
        (ErrorCode::Validation, "name") => "escalation-refused-name",
        (ErrorCode::Validation, "email") if e.message.contains("at least one") => {
            "escalation-refused-no-address"
        }
        (ErrorCode::Validation, "email") => "escalation-refused-email",
        (ErrorCode::Validation, "phone") => "escalation-refused-phone",
        (ErrorCode::Validation, "webhookUrl") => "escalation-refused-webhook",
        (ErrorCode::NotFound, "staffId") => "sms-refused-cla",
        (ErrorCode::Validation, "staffId") => "sms-refused-other-mission",
        (ErrorCode::NotFound, "messageId") => "sms-refused-message",
        (ErrorCode::Conflict, "messageId") => "sms-refused-resolved",
        (ErrorCode::Validation, "reason") => "sms-refused-reason",
        (ErrorCode::Validation, "phoneNumber") => "channels-refused-number",
        (ErrorCode::Conflict, "phoneNumber") => "channels-refused-number-held",
        (ErrorCode::Validation, "language") => "channels-refused-language",
        (ErrorCode::Conflict, "staffId") => "channels-refused-separated",
        (ErrorCode::Validation, "word") if e.message.contains("keyword") => {
            "channels-refused-duress-keyword"
        }
        (ErrorCode::Validation, "word") => "channels-refused-duress-word",
        (ErrorCode::Conflict, _) => "actions-refused-conflict",
        _ => "actions-refused-invalid",
    };
    (Some(field.to_string()).filter(|f| !f.is_empty()), l.t(key))
}

/// A procedure step's refusal is shown beside the step's set it is about: a recipient's
/// (`steps[0].recipients[1].contactId`) beside the step's recipients (`steps[0].recipients`).
fn step_field(field: &str) -> String {
    match field.find(".recipients[") {
        Some(at) if field.starts_with("steps[") => format!("{}.recipients", &field[..at]),
        // A skip's refusal (`skips[1].step`) beside the set of skips.
        _ if field.starts_with("skips[") => "skips".to_string(),
        _ => field.to_string(),
    }
}

/// A form of these screens, to its end: who posted it (the token checked), the one call to the
/// application layer as them (`call`), then back to `back` saying `done`, or the page drawn
/// again with the form (`which`) as filled and the refusal beside its field. The application
/// layer's refusal of the reader is its page (403).
#[allow(clippy::too_many_arguments)]
async fn submit(
    web: &Web,
    m: MissionRequest,
    headers: &HeaderMap,
    form: Values,
    which: String,
    (back, done): (String, &str),
    draw: Draw,
    call: impl AsyncFnOnce(&Principal, &Values) -> AppResult<()>,
) -> Response {
    let (r, who) = match posted_by(web, headers, &m.uri, &form) {
        Ok(sent) => sent,
        Err(refused) => return *refused,
    };
    match call(&who, &form).await {
        Ok(()) => redirect(&format!("{back}?done={done}"), &r.cookies),
        Err(e)
            if matches!(
                e.code,
                ErrorCode::Validation | ErrorCode::NotFound | ErrorCode::Conflict
            ) =>
        {
            let errors = vec![words(r.l, &e)];
            let mut values = form;
            values.remove("csrf");
            // A duress word is never drawn back into a page.
            values.remove("word");
            draw(
                web,
                m,
                StatusCode::BAD_REQUEST,
                Some(&Posted {
                    form: which,
                    values: &values,
                    errors: &errors,
                }),
            )
        }
        Err(e) => refused(&r, e),
    }
}

// ---------------------------------------------------------------------------------------------
// The SMS inbox

fn draw_sms(
    web: &Web,
    m: MissionRequest,
    status: StatusCode,
    posted: Option<&Posted<'_>>,
) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        q,
        travel,
        ..
    } = m;
    let apps = &web.settings.apps;
    let inbox = if code.is_empty() {
        let today = cla_platform::timeline::View::on(now(web).date_naive());
        let missions: Vec<String> = apps
            .registry
            .missions(&who, &today)
            .into_iter()
            .map(|m| m.code)
            .collect();
        apps.field.unmissioned_inbox(&who, &missions)
    } else {
        apps.field.sms_inbox(&who, &code)
    };
    let inbox = match inbox {
        Ok(inbox) => inbox,
        Err(e) => return refused(&r, e),
    };
    let done = match param(&q, "done") {
        Some("assign") => Some("sms-done-assign"),
        Some("dismiss") => Some("sms-done-dismiss"),
        _ => None,
    };
    let body = field_admin::sms(
        r.l,
        &SmsPage {
            code: &code,
            path: &sms_path(&code),
            inbox: &inbox,
            csrf: &r.csrf,
            posted,
            done: done.filter(|_| posted.is_none()),
            at: now(web),
            travel: &travel,
        },
    );
    let title = if code.is_empty() {
        r.l.t("sms-unmissioned-title")
    } else {
        r.l.t_args("sms-title", &[("mission", code.clone())])
    };
    if code.is_empty() {
        return page(&r, status, title, None, None, body);
    }
    let path = sms_path(&code);
    mission_page(&r, status, title, &code, (&path, &travel, Vec::new()), body)
}

/// The SMS inbox's path: a mission's, or that of the messages to no mission's number.
fn sms_path(code: &str) -> String {
    if code.is_empty() {
        "/unmatched-sms".to_string()
    } else {
        format!("/missions/{code}/sms")
    }
}

async fn sms(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    draw_sms(&web, m, StatusCode::OK, None)
}

/// The last segment of the request's path: which of a page's forms was posted.
fn form_of(m: &MissionRequest) -> String {
    m.uri
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// An unmatched message assigned to a CLA (`assign`) or dismissed (`dismiss`).
async fn sms_form(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<Values>,
) -> Response {
    let action = form_of(&m);
    if !["assign", "dismiss"].contains(&action.as_str()) {
        return refusal(&m.r, Refused::NotFound);
    }
    let which = format!("{action}:{}", text(&form, "messageId"));
    let back = (sms_path(&m.code), action.as_str());
    let field = &web.settings.apps.field;
    let call = async |who: &Principal, f: &Values| {
        let message = text(f, "messageId");
        match action.as_str() {
            "assign" => {
                field
                    .assign_unmatched(who, message, text(f, "staffId"))
                    .await
            }
            _ => {
                field
                    .dismiss_unmatched(who, message, text(f, "reason"))
                    .await
            }
        }
        .map(drop)
    };
    submit(&web, m, &headers, form, which, back, draw_sms, call).await
}

// ---------------------------------------------------------------------------------------------
// A CLA's channels

/// The staff member a `/missions/{code}/staff/{staff}/…` request is about.
pub(super) fn staff_of(m: &MissionRequest) -> String {
    // `/missions/{code}/staff/{staff}/channels…`
    m.uri
        .path()
        .split('/')
        .nth(4)
        .unwrap_or_default()
        .to_string()
}

fn draw_channels(
    web: &Web,
    m: MissionRequest,
    status: StatusCode,
    posted: Option<&Posted<'_>>,
) -> Response {
    let staff = staff_of(&m);
    let MissionRequest {
        r,
        who,
        code,
        q,
        view,
        travel,
        ..
    } = m;
    let channels = match web.settings.apps.field.channels(&who, &staff, &view) {
        Ok(c) => c,
        Err(e) => return refused(&r, e),
    };
    let done = match param(&q, "done") {
        Some("register") => Some("channels-done-register"),
        Some("release") => Some("channels-done-release"),
        Some("duress") => Some("channels-done-duress"),
        Some("duress-clear") => Some("channels-done-duress-clear"),
        _ => None,
    };
    let body = field_admin::channels(
        r.l,
        &ChannelsPage {
            code: &code,
            staff: &staff,
            channels: &channels,
            csrf: &r.csrf,
            posted,
            done: done.filter(|_| posted.is_none()),
            at: now(web),
            travel: &travel,
        },
    );
    mission_page(
        &r,
        status,
        r.l.t_args("channels-title", &[("staff", channels.name.clone())]),
        &code,
        (
            &format!("/missions/{code}/staff/{staff}/channels"),
            &travel,
            Vec::new(),
        ),
        body,
    )
}

async fn channels(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    draw_channels(&web, m, StatusCode::OK, None)
}

/// A phone number registered (`register`) or released (`release`); the duress word set
/// (`duress`) or cleared (`duress-clear`).
async fn channels_form(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<Values>,
) -> Response {
    let action = form_of(&m);
    let which = match action.as_str() {
        "register" => "register".to_string(),
        "release" => format!("release:{}", text(&form, "phoneNumber")),
        "duress" | "duress-clear" => "duress".to_string(),
        _ => return refusal(&m.r, Refused::NotFound),
    };
    let staff = staff_of(&m);
    let back = (
        format!("/missions/{}/staff/{staff}/channels", m.code),
        action.as_str(),
    );
    let apps = &web.settings.apps;
    let call = async |who: &Principal, f: &Values| {
        let number = text(f, "phoneNumber");
        match action.as_str() {
            "register" => apps
                .staff
                .register_phone_number(who, &staff, number, text(f, "language"))
                .await
                .map(drop),
            "release" => apps
                .staff
                .release_phone_number(who, &staff, number)
                .await
                .map(drop),
            "duress" => {
                let word = f.get("word").map_or("", String::as_str);
                apps.field.set_duress_word(who, &staff, Some(word)).await
            }
            _ => apps.field.set_duress_word(who, &staff, None).await,
        }
    };
    submit(&web, m, &headers, form, which, back, draw_channels, call).await
}

// ---------------------------------------------------------------------------------------------
// The mission's escalation procedures and contacts

fn draw_escalation(
    web: &Web,
    m: MissionRequest,
    status: StatusCode,
    posted: Option<&Posted<'_>>,
) -> Response {
    let MissionRequest {
        r,
        who,
        code,
        q,
        view,
        travel,
        ..
    } = m;
    let escalation = &web.settings.apps.escalation;
    let settings = match escalation.escalation_settings(&who, &code, &view) {
        Ok(s) => s,
        Err(e) => return refused(&r, e),
    };
    let done = match param(&q, "done") {
        Some("procedure") => Some("escalation-done-procedure"),
        Some("remove-procedure") => Some("escalation-done-remove-procedure"),
        Some("contact") => Some("escalation-done-contact"),
        Some("remove-contact") => Some("escalation-done-remove-contact"),
        _ => None,
    };
    let body = field_admin::escalation(
        r.l,
        &EscalationPage {
            code: &code,
            settings: &settings,
            csrf: &r.csrf,
            posted,
            done: done.filter(|_| posted.is_none()),
            at: now(web),
            travel: &travel,
        },
    );
    mission_page(
        &r,
        status,
        r.l.t_args("escalation-title", &[("mission", code.clone())]),
        &code,
        (&format!("/missions/{code}/escalation"), &travel, Vec::new()),
        body,
    )
}

async fn escalation(State(web): State<Arc<Web>>, m: MissionRequest) -> Response {
    draw_escalation(&web, m, StatusCode::OK, None)
}

/// The procedure as the form fills it: the kinds ticked, and each step with anything filled in
/// (its recipients, channels and wait); the empty steps are left out.
fn procedure_of(f: &Values) -> EscalationProcedureSet {
    let on = |name: &str| !text(f, name).is_empty();
    let minutes = |name: &str| text(f, name).parse::<i64>().unwrap_or(-1);
    let kinds = KINDS
        .iter()
        .filter(|k| on(&format!("kind.{}", k.as_str_name())))
        .map(|k| *k as i32)
        .collect();
    let steps = (0..FORM_STEPS)
        .filter_map(|i| {
            let at = |name: &str| format!("steps[{i}].{name}");
            let need_to_know = on(&at("needToKnow"));
            let mut recipients: Vec<EscalationRecipient> = [
                RecipientKind::Supervisor,
                RecipientKind::FieldOfficeManagers,
            ]
            .into_iter()
            .filter(|k| on(&at(&format!("recipient.{}", k.as_str_name()))))
            .map(|k| EscalationRecipient {
                kind: k as i32,
                contact_id: String::new(),
                need_to_know,
            })
            .collect();
            let prefix = at("contact.");
            let mut named: Vec<&String> = f
                .keys()
                .filter(|k| k.starts_with(&prefix) && on(k))
                .collect();
            named.sort();
            recipients.extend(named.into_iter().map(|k| EscalationRecipient {
                kind: RecipientKind::Named as i32,
                contact_id: k[prefix.len()..].to_string(),
                need_to_know,
            }));
            let channels: Vec<i32> = CHANNELS
                .iter()
                .filter(|c| on(&at(&format!("channel.{}", c.as_str_name()))))
                .map(|c| *c as i32)
                .collect();
            let filled = !recipients.is_empty() || !channels.is_empty() || on(&at("waitMinutes"));
            filled.then(|| EscalationStep {
                recipients,
                channels,
                wait_minutes: minutes(&at("waitMinutes")),
            })
        })
        .collect();
    EscalationProcedureSet {
        field_office_id: text(f, "fieldOfficeId").to_string(),
        kinds,
        skips: KINDS
            .iter()
            .filter_map(|k| {
                let step = text(f, &format!("skip.{}", k.as_str_name()))
                    .parse::<u32>()
                    .unwrap_or(1);
                (step > 1).then_some(StepSkip {
                    kind: *k as i32,
                    step,
                })
            })
            .collect(),
        steps,
        repeat_minutes: if on("repeatMinutes") {
            minutes("repeatMinutes")
        } else {
            0
        },
    }
}

/// A procedure set (`procedure`) or an office's removed (`remove-procedure`); a contact set
/// (`contact`) or removed (`remove-contact`).
async fn escalation_form(
    State(web): State<Arc<Web>>,
    m: MissionRequest,
    headers: HeaderMap,
    Form(form): Form<Values>,
) -> Response {
    let action = form_of(&m);
    let which = match action.as_str() {
        "procedure" | "contact" => action.clone(),
        "remove-procedure" => format!("remove-procedure:{}", text(&form, "fieldOfficeId")),
        "remove-contact" => format!("remove-contact:{}", text(&form, "contactId")),
        _ => return refusal(&m.r, Refused::NotFound),
    };
    let code = m.code.clone();
    let back = (format!("/missions/{code}/escalation"), action.as_str());
    let escalation = &web.settings.apps.escalation;
    let call = async |who: &Principal, f: &Values| {
        match action.as_str() {
            "procedure" => escalation.set_procedure(who, &code, procedure_of(f)).await,
            "remove-procedure" => {
                let office = text(f, "fieldOfficeId");
                escalation.remove_procedure(who, &code, office).await
            }
            "contact" => {
                let contact = EscalationContactSet {
                    contact_id: text(f, "contactId").to_string(),
                    manager_id: text(f, "managerId").to_string(),
                    name: text(f, "name").to_string(),
                    email: text(f, "email").to_string(),
                    phone: text(f, "phone").to_string(),
                    webhook_url: text(f, "webhookUrl").to_string(),
                };
                escalation.set_contact(who, &code, contact).await
            }
            _ => {
                let contact = text(f, "contactId");
                escalation.remove_contact(who, &code, contact).await
            }
        }
        .map(drop)
    };
    submit(&web, m, &headers, form, which, back, draw_escalation, call).await
}
