//! A person's data exported whole, for a subject-access request (DESIGN.md §9): ADMIN only.
//!
//! The export gathers, for one staff member: their record as it stands (restricted fields
//! opened), their phone numbers, deployments, every event of their own streams (staff record,
//! check-ins and risk flags, duress word) and of their candidacy, with each restricted field
//! opened (`null` where erased), and who has looked at their restricted data. The export is
//! itself a look, recorded as such (door `export`).

use chrono::Utc;
use cla_event_store::{EventStore, StreamName, read_stream_to_end};
use cla_platform::personal::{Datum, PersonalData};
use cla_platform::timeline::View;
use cla_platform::{AppResult, Principal, Restricted};
use serde_json::{Value, json};

use crate::schema::Apps;

async fn events_of(
    store: &dyn EventStore,
    personal: &PersonalData,
    subject: &str,
    stream: &StreamName,
    only: impl Fn(&Value) -> bool,
) -> AppResult<Vec<Value>> {
    Ok(read_stream_to_end(store, stream)
        .await?
        .into_iter()
        .filter_map(|e| {
            let data = personal.opened_json(subject, e.event_type.as_str(), &e.data);
            only(&data).then(|| {
                json!({
                    "stream": e.stream.as_str(),
                    "type": e.event_type.as_str(),
                    "recorded": e.recorded,
                    "effective": e.metadata.effective,
                    "by": { "id": e.metadata.actor.id, "role": e.metadata.actor.role },
                    "data": data,
                })
            })
        })
        .collect())
}

/// Everything kept about staff member `staff_id`, as JSON.
pub async fn export_personal_data(
    apps: &Apps,
    store: &dyn EventStore,
    personal: &PersonalData,
    who: &Principal,
    staff_id: &str,
) -> AppResult<Value> {
    // ADMIN only (and the staff member must exist).
    let access = apps.staff.personal_data_access(who, staff_id)?;
    let view = View::on(Utc::now().date_naive());
    let answer = apps.staff.staff_member(who, staff_id, &view)?;
    let member = &answer.member;
    let home = match &answer.home_community {
        Restricted::Shown(h) => json!(h),
        Restricted::Withheld | Restricted::Erased => Value::Null,
    };
    let phones = apps.staff.phone_numbers(who, staff_id)?;
    let deployments = apps.staff.deployments(who, staff_id, &view)?;
    let mut events = Vec::new();
    for stream in [
        cla_staff::events::streams::staff(staff_id),
        cla_risk::events::stream(staff_id),
        cla_staff::events::streams::duress(staff_id),
    ] {
        events.extend(events_of(store, personal, staff_id, &stream, |_| true).await?);
    }
    for phone in &phones {
        let stream = cla_staff::events::streams::phone_number(&phone.index);
        events.extend(
            events_of(store, personal, staff_id, &stream, |d| {
                d.get("staffId").and_then(Value::as_str) == Some(staff_id)
            })
            .await?,
        );
    }
    if !member.candidate_id.is_empty() {
        let candidate = member.candidate_id.as_str();
        let stream = cla_staff::events::streams::vacancy(&member.vacancy_id);
        events.extend(
            events_of(store, personal, candidate, &stream, |d| {
                d.get("candidateId").and_then(Value::as_str) == Some(candidate)
            })
            .await?,
        );
    }
    for datum in Datum::ALL {
        if *datum != Datum::KeptAnswer {
            personal.looked(who, staff_id, *datum);
        }
    }
    Ok(json!({
        "staffId": member.id,
        "exportedAt": Utc::now(),
        "exportedBy": who.id,
        "personalDataErased": member.erased,
        "record": {
            "name": member.name,
            "missionCode": member.place.mission_code,
            "fieldOfficeId": member.place.field_office_id,
            "baseId": member.place.base_id,
            "gender": format!("{:?}", member.gender),
            "languages": member.languages.iter().map(|l| json!({"language": l.language, "level": l.level})).collect::<Vec<_>>(),
            "homeCommunity": home,
            "indexNumbers": member.index_numbers.iter().map(|(from, n)| json!({"from": from, "number": n})).collect::<Vec<_>>(),
            "grade": member.grade,
            "status": format!("{:?}", member.status),
            "since": member.since,
            "candidateId": member.candidate_id,
        },
        "phoneNumbers": phones.iter().map(|p| json!({
            "phoneNumber": p.phone_number, "language": p.language, "from": p.from, "to": p.to,
        })).collect::<Vec<_>>(),
        "deployments": deployments.iter().map(|d| json!({
            "baseId": d.base_id, "baseName": d.base_name, "from": d.from.0, "to": d.to.map(|t| t.0),
        })).collect::<Vec<_>>(),
        "events": events,
        "lookedAtBy": access.iter().map(|a| json!({
            "viewerId": a.viewer_id, "role": a.viewer_role, "data": a.data, "door": a.door, "at": a.at,
        })).collect::<Vec<_>>(),
    }))
}
