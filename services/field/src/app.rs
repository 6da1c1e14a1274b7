//! The application layer of the field channel. Access is decided here, for every door:
//!
//! - the SMS door: a gateway's request whose signature was checked acts as the gateway's own
//!   principal ([`door`]); what it may record is what a message says, for the CLA who holds the
//!   number now, or an unmatched message for an unknown number (never a check-in);
//! - unmatched messages (the sender's number and text are personal data): listed and resolved by
//!   MISSION_HR of the message's mission and ADMIN ([`RESOLVERS`]); messages to a number that
//!   serves no configured mission, by ADMIN only;
//! - SMS check-ins whose text named no keyword, for follow-up: CIVIL_AFFAIRS of the CLA's mission
//!   and ADMIN, as every check-in note;
//! - a CLA's duress word: set on their behalf by CIVIL_AFFAIRS of their mission and ADMIN (see
//!   [`cla_staff::app::contact`]).
//!
//! Every message runs the same duress-hash work whether or not its sender has a duress word, or is
//! known at all, and a duress message is answered with the OK text: neither the reply nor its
//! timing tells anything.
//!
//! Replies: a gateway that reads the reply from the webhook's answer (Twilio's TwiML) gets it
//! there; one that does not (Vonage's SMS API) gets it sent through its send API, from the
//! number the message was sent to, after the webhook has answered — the same path for every
//! reply, a duress word's included ([`FieldApp::with_replies`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use cla_platform::app::{authorize, authorize_role};
use cla_platform::clock::Clock;
use cla_platform::command::CommandMeta;
use cla_platform::personal::{Datum, Opened};
use cla_platform::{AppError, AppResult, ErrorCode, Principal, Role, Runtime};
use cla_risk::RiskApp;
use cla_risk::app::SmsCheckIn;
use cla_risk::events::Welfare;
use cla_staff::StaffApp;

use crate::decider::{UnmatchedCommand, UnmatchedDecider};
use crate::events::{contract, stream};
use crate::gateways::{Gateway, Inbound, Refusal, Request};
use crate::keywords::{Keywords, Reading};
use crate::projections::{FieldView, FollowUp, UnmatchedSms};
use crate::replies::{Replies, ReplyKind};

/// Who lists and resolves unmatched messages.
pub const RESOLVERS: &[Role] = &[Role::Admin, Role::MissionHr];
/// Who reads SMS check-ins left for follow-up (their text is a check-in note).
pub const FOLLOW_UP_READERS: &[Role] = &[Role::Admin, Role::CivilAffairs];

/// A mission's SMS inbox, as [`FieldApp::sms_inbox`] answers it.
#[derive(Clone, Debug, PartialEq)]
pub struct SmsInbox {
    /// The open unmatched messages, oldest first; `None`: not the reader's to see.
    pub unmatched: Option<Vec<UnmatchedSms>>,
    /// The SMS check-ins to follow up, newest first; `None`: not the reader's to see.
    pub follow_ups: Option<Vec<FollowUp>>,
    /// The mission's staff members not separated (id, name), by name: those a message may be
    /// assigned to (empty where the reader may not assign).
    pub clas: Vec<(String, String)>,
}

/// A staff member's SMS channel, as [`FieldApp::channels`] answers it.
#[derive(Clone, Debug, PartialEq)]
pub struct Channels {
    /// The staff member's name.
    pub name: String,
    pub numbers: Vec<cla_staff::projections::PhoneNumberRecord>,
    pub may_change_numbers: bool,
    pub may_set_duress: bool,
}

/// The principal a gateway's verified request acts as.
pub fn door(gateway: Gateway) -> Principal {
    Principal::new(
        format!("sms-{}", gateway.name()),
        format!("SMS gateway ({})", gateway.name()),
        cla_staff::app::contact::SMS_DOOR,
        &[],
    )
}

/// A gateway's secret: never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct GatewaySecret(pub String);

impl std::fmt::Debug for GatewaySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GatewaySecret(***)")
    }
}

/// The channel's settings: the gateways' secrets, keywords per mission, reply texts, languages,
/// and the missions the receiving numbers serve.
#[derive(Clone, Debug, Default)]
pub struct FieldSettings {
    /// The gateways taken, with their secrets: any other answers 404.
    pub secrets: BTreeMap<Gateway, GatewaySecret>,
    /// The base URL gateways call (no trailing slash); `None`: `http://` and the `Host`.
    pub public_url: Option<String>,
    /// Missions with words of their own; every other mission has the defaults.
    pub keywords: BTreeMap<String, Keywords>,
    pub replies: Replies,
    /// A mission's language for replies (default English).
    pub languages: BTreeMap<String, String>,
    /// Receiving number (E.164) → the mission it serves.
    pub numbers: BTreeMap<String, String>,
}

impl FieldSettings {
    /// From configuration: extra keywords (mission → welfare name → words), reply texts (language
    /// → kind → text), mission languages and receiving numbers.
    pub fn from_config(
        secrets: BTreeMap<Gateway, GatewaySecret>,
        public_url: Option<String>,
        keywords: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
        replies: &BTreeMap<String, BTreeMap<String, String>>,
        languages: &BTreeMap<String, String>,
        numbers: &BTreeMap<String, String>,
    ) -> Result<Self, String> {
        let mut settings = Self {
            secrets,
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
            replies: Replies::with(replies)?,
            languages: languages
                .iter()
                .map(|(m, l)| (m.clone(), l.to_ascii_lowercase()))
                .collect(),
            ..Self::default()
        };
        for (mission, extra) in keywords {
            settings.keywords.insert(
                mission.clone(),
                Keywords::with_extra(extra).map_err(|e| format!("{mission}: {e}"))?,
            );
        }
        for (number, mission) in numbers {
            let number = cla_staff::decider::phone::check_phone_number(number)
                .map_err(|e| format!("{number:?}: {}", e.message))?;
            settings.numbers.insert(number, mission.clone());
        }
        Ok(settings)
    }

    fn keywords(&self, mission: &str) -> Keywords {
        self.keywords.get(mission).cloned().unwrap_or_default()
    }

    fn language(&self, mission: &str, own: &str) -> String {
        if !own.is_empty() {
            return own.to_string();
        }
        self.languages
            .get(mission)
            .cloned()
            .unwrap_or_else(|| "en".into())
    }
}

/// The field channel's application: cheap to clone.
#[derive(Clone)]
pub struct FieldApp {
    runtime: Runtime,
    view: Arc<FieldView>,
    staff: StaffApp,
    risk: RiskApp,
    clock: Arc<dyn Clock>,
    settings: Arc<FieldSettings>,
    /// Sends the replies a gateway does not read from the webhook's answer.
    replies: Option<cla_notify::Notifier>,
    /// Where an "ACK <code>" reply to an alert's SMS goes.
    acknowledgements: Option<Arc<dyn Acknowledgements>>,
}

/// Alerts acknowledged by SMS: a contact replies "ACK <code>" to the SMS that told them.
#[async_trait::async_trait]
pub trait Acknowledgements: Send + Sync {
    /// The reply, where `text` from `from` acknowledges an alert (or one already acknowledged);
    /// `None` where it is no acknowledgement, and the message is an ordinary one.
    async fn acknowledge(&self, from: &str, text: &str) -> Option<String>;
}

/// Why a webhook request was not received.
#[derive(Debug)]
pub enum WebhookError {
    NotConfigured,
    Refused(Refusal),
    App(AppError),
}

/// What an SMS did, for the door to answer: the reply text only (it reveals nothing else).
#[derive(Clone, Debug, PartialEq)]
pub struct SmsAnswer {
    pub reply: String,
}

impl FieldApp {
    pub fn new(
        runtime: Runtime,
        view: Arc<FieldView>,
        staff: StaffApp,
        risk: RiskApp,
        clock: Arc<dyn Clock>,
        settings: FieldSettings,
    ) -> Self {
        Self {
            runtime,
            view,
            staff,
            risk,
            clock,
            settings: Arc::new(settings),
            replies: None,
            acknowledgements: None,
        }
    }

    /// Replies to messages from gateways that read none from the webhook's answer are sent by
    /// `notifier`, where it has that gateway's send credentials (else no reply is sent).
    pub fn with_replies(mut self, notifier: cla_notify::Notifier) -> Self {
        self.replies = Some(notifier);
        self
    }

    /// "ACK <code>" replies go to `acknowledgements` before anything else is read of a message.
    pub fn with_acknowledgements(mut self, acknowledgements: Arc<dyn Acknowledgements>) -> Self {
        self.acknowledgements = Some(acknowledgements);
        self
    }

    /// Whether `word` (normalized) reads as a keyword in any mission: a duress word may not.
    fn is_keyword_anywhere(&self, word: &str) -> bool {
        Keywords::default().is_keyword(word)
            || self.settings.keywords.values().any(|k| k.is_keyword(word))
    }

    /// Runs the duress check off the async threads: the same work whether or not there is a hash.
    async fn duress(hash: Option<String>, first_word: String) -> AppResult<bool> {
        tokio::task::spawn_blocking(move || {
            cla_staff::duress::matches(hash.as_deref(), &first_word)
        })
        .await
        .map_err(|e| AppError::internal(format!("duress check: {e}")))
    }

    /// Whether `gateway` is configured (its route answers 404 otherwise).
    pub fn accepts(&self, gateway: Gateway) -> bool {
        self.settings.secrets.contains_key(&gateway)
    }

    /// The URL a gateway called, as its signature covers it: the configured public base URL (else
    /// `http://` and the request's host) and the path with its query.
    pub fn called_url(&self, host: &str, path_and_query: &str) -> String {
        match &self.settings.public_url {
            Some(base) => format!("{base}{path_and_query}"),
            None => format!("http://{host}{path_and_query}"),
        }
    }

    /// The SMS door, as a gateway calls it: the signature is checked as the gateway documents it
    /// (a refusal carries no part of the message), then the message is received.
    pub async fn receive_webhook(
        &self,
        gateway: Gateway,
        request: &Request<'_>,
    ) -> Result<SmsAnswer, WebhookError> {
        let secret = self
            .settings
            .secrets
            .get(&gateway)
            .ok_or(WebhookError::NotConfigured)?;
        let inbound = gateway
            .verify(&secret.0, request)
            .map_err(WebhookError::Refused)?;
        let route = (!gateway.replies_in_answer()).then(|| {
            (
                inbound.to.clone(),
                inbound.from.clone(),
                format!("{}-{}", gateway.name(), inbound.message_id),
            )
        });
        let answer = self.receive(inbound).await.map_err(WebhookError::App)?;
        if let Some((ours, sender, id)) = route {
            self.send_reply(gateway, ours, sender, answer.reply.clone(), id);
        }
        Ok(answer)
    }

    /// Sends `reply` to `sender` through `gateway`'s send API, from `ours` (the number the message
    /// was sent to), in a task of its own: the webhook answers without waiting. A failure is
    /// logged with the gateway, the message's id and the reason only, and counted.
    fn send_reply(
        &self,
        gateway: Gateway,
        ours: String,
        sender: String,
        reply: String,
        id: String,
    ) {
        let Some(notifier) = self
            .replies
            .clone()
            .filter(|n| n.has_sms_gateway(gateway.sender()))
        else {
            return;
        };
        if reply.is_empty() || ours.is_empty() {
            return;
        }
        let metrics = Arc::clone(&self.runtime.metrics);
        tokio::spawn(async move {
            let outcome = notifier
                .send_sms_via(gateway.sender(), &ours, &sender, &reply, &id)
                .await;
            metrics.sms_reply(
                gateway.name(),
                if outcome.is_ok() { "sent" } else { "failed" },
            );
        });
    }

    /// The SMS door: a message a gateway delivered (its signature checked). The sender's CLA gets
    /// a check-in named by the gateway's message id (a resend records nothing more and gets the
    /// same reply); an unknown number's message is kept for an HR officer.
    pub async fn receive(&self, inbound: Inbound) -> AppResult<SmsAnswer> {
        if let Some(acks) = &self.acknowledgements
            && let Some(reply) = acks.acknowledge(&inbound.from, &inbound.text).await
        {
            return Ok(SmsAnswer { reply });
        }
        let gateway = inbound.gateway;
        let who = door(gateway);
        let sender = self.staff.sms_sender(&who, &inbound.from)?;
        let served = cla_staff::decider::phone::check_phone_number(&inbound.to)
            .ok()
            .and_then(|to| self.settings.numbers.get(&to).cloned())
            .unwrap_or_default();
        let mission = sender
            .as_ref()
            .map(|s| s.mission_code.clone())
            .unwrap_or_else(|| served.clone());
        let reading = self.settings.keywords(&mission).read(&inbound.text);
        let duress = Self::duress(
            sender.as_ref().and_then(|s| s.duress_hash.clone()),
            reading.first_word.clone(),
        )
        .await?;
        let check_in_id = format!("{}-{}", gateway.name(), inbound.message_id);
        let Some(sender) = sender else {
            self.keep_unmatched(&who, &check_in_id, &inbound, &served)
                .await?;
            let language = self.settings.language(&served, "");
            return Ok(SmsAnswer {
                reply: self
                    .settings
                    .replies
                    .text(&language, ReplyKind::Unregistered)
                    .to_string(),
            });
        };
        let language = self
            .settings
            .language(&sender.mission_code, &sender.language);
        let recorded = self
            .check_in(
                &who,
                check_in_id.clone(),
                &sender.staff_id,
                &inbound,
                &reading,
                duress,
            )
            .await;
        match recorded {
            Ok(()) => {}
            // Their number, but no CLA the risk register knows (not deployed): kept for HR.
            Err(e) if e.code == ErrorCode::NotFound => {
                self.keep_unmatched(&who, &check_in_id, &inbound, &sender.mission_code)
                    .await?;
            }
            Err(e) => return Err(e),
        }
        let kind = if duress {
            ReplyKind::Ok
        } else {
            ReplyKind::of(reading.welfare)
        };
        Ok(SmsAnswer {
            reply: self.settings.replies.text(&language, kind).to_string(),
        })
    }

    fn sent_at(&self, sent_at: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        // A gateway's clock a little ahead of ours does not make a check-in "in the future".
        sent_at.map(|t| t.min(self.clock.now()))
    }

    async fn check_in(
        &self,
        who: &Principal,
        check_in_id: String,
        staff_id: &str,
        inbound: &Inbound,
        reading: &Reading,
        duress: bool,
    ) -> AppResult<()> {
        let input = SmsCheckIn {
            staff_id: staff_id.to_string(),
            at: self.sent_at(inbound.sent_at),
            welfare: if duress { Welfare::Ok } else { reading.welfare },
            notes: if duress {
                String::new()
            } else {
                reading.note.clone()
            },
            duress,
        };
        self.risk
            .record_sms_check_in(who, check_in_id, input)
            .await
            .map(|_| ())
    }

    async fn keep_unmatched(
        &self,
        who: &Principal,
        message_id: &str,
        inbound: &Inbound,
        mission: &str,
    ) -> AppResult<()> {
        let received = contract::UnmatchedSmsReceived {
            message_id: message_id.to_string(),
            gateway: inbound.gateway.name().to_string(),
            mission_code: mission.to_string(),
            from_number: inbound.from.clone(),
            text: inbound.text.clone(),
            sent_at: self
                .sent_at(inbound.sent_at)
                .unwrap_or_else(|| self.clock.now())
                .to_rfc3339(),
        };
        let meta = CommandMeta::by(
            who,
            None,
            cla_staff::app::contact::SMS_DOOR,
            self.clock.now().date_naive(),
        )?;
        self.runtime
            .execute::<UnmatchedDecider>(
                &stream(message_id),
                &UnmatchedCommand::Receive(received),
                &(),
                &meta,
            )
            .await?;
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Unmatched messages

    fn authorize_message(&self, who: &Principal, message_id: &str) -> AppResult<UnmatchedSms> {
        let message = self
            .view
            .unmatched(message_id)
            .ok_or_else(|| AppError::not_found("messageId", "no such unmatched message"))?;
        if message.mission_code.is_empty() {
            authorize_role(who, &[Role::Admin])?;
        } else {
            authorize(who, &message.mission_code, RESOLVERS)?;
        }
        Ok(message)
    }

    /// A message's sender and text opened for `who`, who may see them: the look recorded.
    fn shown(&self, who: &Principal, mut message: UnmatchedSms) -> UnmatchedSms {
        let subject = format!("sms:{}", message.message_id);
        let personal = &self.runtime.personal;
        message.from_number = personal
            .disclose(
                who,
                true,
                &subject,
                Datum::PhoneNumber,
                &message.from_number,
            )
            .shown()
            .unwrap_or_default();
        message.text = personal
            .disclose(who, true, &subject, Datum::SmsText, &message.text)
            .shown()
            .unwrap_or_default();
        message
    }

    /// A message's sender and text opened for the system's own use (recording it as a check-in).
    fn opened(&self, mut message: UnmatchedSms) -> UnmatchedSms {
        let subject = format!("sms:{}", message.message_id);
        let personal = &self.runtime.personal;
        let open = |datum, text: &str| match personal.open(&subject, datum, text) {
            Opened::Plain(text) => text,
            Opened::Erased => String::new(),
        };
        message.from_number = open(Datum::PhoneNumber, &message.from_number);
        message.text = open(Datum::SmsText, &message.text);
        message
    }

    /// A mission's unmatched messages (`None`: those to numbers that serve no configured mission,
    /// for ADMIN), oldest first; open ones only unless `resolved_too`.
    pub fn unmatched_messages(
        &self,
        who: &Principal,
        mission: Option<&str>,
        resolved_too: bool,
    ) -> AppResult<Vec<UnmatchedSms>> {
        match mission {
            Some(m) => authorize(who, m, RESOLVERS)?,
            None => authorize_role(who, &[Role::Admin])?,
        }
        Ok(self
            .view
            .unmatched_in(mission.unwrap_or(""), resolved_too)
            .into_iter()
            .map(|m| self.shown(who, m))
            .collect())
    }

    /// The message was `staff_id`'s: recorded as their check-in (read as any SMS of theirs, at the
    /// time it was sent), then marked assigned. Sent again, nothing more is recorded.
    pub async fn assign_unmatched(
        &self,
        who: &Principal,
        message_id: &str,
        staff_id: &str,
    ) -> AppResult<UnmatchedSms> {
        let message = self.opened(self.authorize_message(who, message_id)?);
        let mission = self
            .risk
            .mission_of_cla(staff_id)
            .ok_or_else(|| AppError::not_found("staffId", format!("no CLA {staff_id}")))?;
        authorize(who, &mission, RESOLVERS)?;
        if !message.mission_code.is_empty() && message.mission_code != mission {
            return Err(AppError::validation(
                "staffId",
                "the CLA is not of the mission the message was sent to",
            ));
        }
        let meta = CommandMeta::by(
            who,
            Some(&mission),
            RESOLVERS,
            self.clock.now().date_naive(),
        )?;
        // Refused before anything is recorded where it was already resolved otherwise.
        let (state, _) = cla_platform::command::load::<UnmatchedDecider>(
            self.runtime.store.as_ref(),
            &stream(message_id),
        )
        .await?;
        let assign = UnmatchedCommand::Assign {
            staff_id: staff_id.to_string(),
        };
        <UnmatchedDecider as cla_platform::decider::Decider>::decide(&assign, &state, &())?;
        let reading = self.settings.keywords(&mission).read(&message.text);
        let duress =
            Self::duress(self.staff.duress_hash(staff_id), reading.first_word.clone()).await?;
        let gateway = Gateway::parse(&message.gateway).unwrap_or(Gateway::Twilio);
        let inbound = Inbound {
            gateway,
            message_id: message.message_id.clone(),
            from: message.from_number.clone(),
            to: String::new(),
            text: message.text.clone(),
            sent_at: Some(message.sent_at),
        };
        self.check_in(
            &door(gateway),
            message.message_id.clone(),
            staff_id,
            &inbound,
            &reading,
            duress,
        )
        .await?;
        self.runtime
            .execute::<UnmatchedDecider>(&stream(message_id), &assign, &(), &meta)
            .await?;
        // The text now lives as the CLA's check-in, sealed with their key (and erased with
        // them): the message's own key goes.
        if let Err(e) = self.runtime.personal.forget(&format!("sms:{message_id}")) {
            tracing::warn!(error = %e, "an assigned message's key could not be destroyed");
        }
        let message = self.authorize_message(who, message_id)?;
        Ok(self.shown(who, message))
    }

    /// The message was no CLA's.
    pub async fn dismiss_unmatched(
        &self,
        who: &Principal,
        message_id: &str,
        reason: &str,
    ) -> AppResult<UnmatchedSms> {
        let message = self.authorize_message(who, message_id)?;
        let mission = (!message.mission_code.is_empty()).then_some(message.mission_code.as_str());
        let meta = CommandMeta::by(who, mission, RESOLVERS, self.clock.now().date_naive())?;
        let dismiss = UnmatchedCommand::Dismiss {
            reason: reason.to_string(),
        };
        self.runtime
            .execute::<UnmatchedDecider>(&stream(message_id), &dismiss, &(), &meta)
            .await?;
        let message = self.authorize_message(who, message_id)?;
        Ok(self.shown(who, message))
    }

    // -----------------------------------------------------------------------------------------
    // Follow-up and duress words

    /// SMS check-ins of a mission's CLAs whose text named no keyword, newest first: for
    /// CIVIL_AFFAIRS of the mission and ADMIN.
    pub fn sms_follow_ups(&self, who: &Principal, mission: &str) -> AppResult<Vec<FollowUp>> {
        authorize(who, mission, FOLLOW_UP_READERS)?;
        let mut out: Vec<FollowUp> = self
            .view
            .follow_ups()
            .into_iter()
            .filter(|f| self.risk.mission_of_cla(&f.staff_id).as_deref() == Some(mission))
            .map(|mut f| {
                f.text = self
                    .runtime
                    .personal
                    .disclose(who, true, &f.staff_id, Datum::CheckInNotes, &f.text)
                    .shown()
                    .unwrap_or_default();
                f
            })
            .collect();
        out.sort_by(|a, b| b.at.cmp(&a.at).then(a.check_in_id.cmp(&b.check_in_id)));
        Ok(out)
    }

    /// Sets (or with `None` clears) a CLA's duress word on their behalf; it may not read as a
    /// check-in keyword, and is one word.
    pub async fn set_duress_word(
        &self,
        who: &Principal,
        staff_id: &str,
        word: Option<&str>,
    ) -> AppResult<()> {
        if let Some(w) = word
            && w.trim().contains(char::is_whitespace)
        {
            return Err(AppError::validation("word", "a duress word is one word"));
        }
        self.staff
            .set_duress_word(who, staff_id, word, &|w| self.is_keyword_anywhere(w))
            .await
    }
    // -----------------------------------------------------------------------------------------
    // The web app's screens

    /// A mission's SMS inbox, each part as the reader may see it: the open unmatched messages
    /// and the CLAs one may be assigned to (for [`RESOLVERS`]), and the check-ins to follow up
    /// (for [`FOLLOW_UP_READERS`]). Refused where the reader may see neither.
    pub fn sms_inbox(&self, who: &Principal, mission: &str) -> AppResult<SmsInbox> {
        fn visible<T>(answer: AppResult<T>) -> AppResult<Option<T>> {
            match answer {
                Ok(t) => Ok(Some(t)),
                Err(e) if e.code == ErrorCode::Forbidden => Ok(None),
                Err(e) => Err(e),
            }
        }
        let unmatched = visible(self.unmatched_messages(who, Some(mission), false))?;
        let follow_ups = visible(self.sms_follow_ups(who, mission))?;
        if unmatched.is_none() && follow_ups.is_none() {
            return Err(AppError::forbidden(
                "not allowed to read this mission's SMS",
            ));
        }
        let clas = match unmatched {
            Some(_) => self.assignable(who, mission)?,
            None => Vec::new(),
        };
        Ok(SmsInbox {
            unmatched,
            follow_ups,
            clas,
        })
    }

    /// The open messages sent to numbers of no configured mission (ADMIN), to assign to a CLA of
    /// any of `missions` or dismiss; no follow-ups (those are each mission's).
    pub fn unmissioned_inbox(&self, who: &Principal, missions: &[String]) -> AppResult<SmsInbox> {
        let unmatched = self.unmatched_messages(who, None, false)?;
        let mut clas = Vec::new();
        for mission in missions {
            clas.extend(
                self.assignable(who, mission)?
                    .into_iter()
                    .map(|(id, name)| (id, format!("{name} — {mission}"))),
            );
        }
        clas.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(SmsInbox {
            unmatched: Some(unmatched),
            follow_ups: None,
            clas,
        })
    }

    /// A mission's staff members a message may be assigned to today (not separated): id, name.
    fn assignable(&self, who: &Principal, mission: &str) -> AppResult<Vec<(String, String)>> {
        let today = cla_platform::timeline::View::on(self.clock.now().date_naive());
        Ok(self
            .staff
            .staff_members(who, mission, &Default::default(), &today)?
            .into_iter()
            .filter(|a| a.member.status != cla_staff::decider::StaffStatus::Separated)
            .map(|a| (a.member.id, a.member.name))
            .collect())
    }

    /// A staff member's SMS channel as the reader may see it: their phone numbers, current and
    /// past, and what the reader may change (register and release numbers: MISSION_HR of their
    /// mission and ADMIN; set or clear the duress word: CIVIL_AFFAIRS of their mission and
    /// ADMIN). The duress word itself is never read back. As `view` sees them: the numbers held
    /// then (by the end of its date, as known at its time), and nothing to change but now.
    pub fn channels(
        &self,
        who: &Principal,
        staff_id: &str,
        view: &cla_platform::timeline::View,
    ) -> AppResult<Channels> {
        let now = self.clock.now();
        // The moment the view stands for: the end of its date, or the time it knows by.
        let end_of_day = view
            .as_of
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc());
        let then = [end_of_day, view.known_at, Some(now)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now);
        let numbers = self
            .staff
            .phone_numbers(who, staff_id)?
            .into_iter()
            .filter(|n| n.from < then)
            .map(|mut n| {
                if n.to.is_some_and(|to| to >= then) {
                    n.to = None;
                }
                n
            })
            .collect();
        let today = cla_platform::timeline::View::on(now.date_naive());
        let member = self.staff.staff_member(who, staff_id, &today)?.member;
        let (name, mission) = (member.name, member.place.mission_code);
        // Changes are made now: not in a view of another time.
        let live = view.is_present(today.as_of);
        Ok(Channels {
            name,
            numbers,
            may_change_numbers: live && authorize(who, &mission, cla_staff::app::WRITERS).is_ok(),
            may_set_duress: live
                && authorize(who, &mission, cla_staff::app::contact::DURESS_SETTERS).is_ok(),
        })
    }
}
