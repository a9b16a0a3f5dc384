//! What the public and the staff see of a notice, as JSON views and HTML pieces.
//!
//! The public view is built field by field from the snapshot, never by serializing the stored
//! records, so a staff field (who published, the objector's full name and contact, the client
//! hash) cannot reach a public page by accident: names are already masked in the snapshot and
//! objectors' names are masked here.

use crate::catalogue::k;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use guagou_domain::notice::{self as rules, PeriodStatus};
use guagou_domain::profile::NoticeDurations;
use guagou_domain::{Fen, SquareMetres};
use guagou_registry::notice::{Notice, Objection, Place};
use serde::Serialize;

use crate::html::Lang;
use crate::print::tr;

/// An area in m², 公顷 and 亩.
#[derive(Debug, Clone, Serialize)]
pub struct Area {
    pub m2: i64,
    pub ha: String,
    pub mu: String,
}

impl Area {
    fn of(m2: i64) -> Area {
        Area {
            m2,
            ha: SquareMetres(m2).hectares_text(),
            mu: SquareMetres(m2).mu_text(),
        }
    }

    /// `57320 m² · 5.7320 公顷 · 85.98 亩`, the units in the reader's language.
    fn text(&self, lang: Lang) -> String {
        format!(
            "{} m² · {} {} · {} {}",
            self.m2,
            self.ha,
            lang.text(k::HA),
            self.mu,
            lang.text(k::MU)
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicStandard {
    pub item: String,
    /// per_m2 | per_household | per_person
    pub basis: String,
    pub amount_fen: i64,
    /// 元, two decimals
    pub amount_yuan: String,
    pub unit_zh: String,
    pub unit_en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicHousehold {
    /// 已打码的户主姓名 / the head of household's name, masked
    pub name: String,
    pub village: Option<String>,
    pub village_name: Option<String>,
    pub persons: Option<i64>,
    pub consent: String,
    pub method: Option<String>,
}

/// An objection as the public sees it (the objector's name masked, no contact).
#[derive(Debug, Clone, Serialize)]
pub struct PublicObjection {
    pub receipt: String,
    pub project: String,
    pub filed_on: NaiveDate,
    /// masked name, or empty when anonymous
    pub objector: String,
    pub anonymous: bool,
    pub text: String,
    /// waiting | answered
    pub status: String,
    pub answer: Option<String>,
    pub answered_on: Option<NaiveDate>,
}

impl PublicObjection {
    pub fn of(o: &Objection) -> PublicObjection {
        PublicObjection {
            receipt: o.receipt.clone(),
            project: o.code.clone(),
            filed_on: o.filed_on,
            objector: rules::mask_name(&o.objector),
            anonymous: o.objector.trim().is_empty(),
            text: o.text.clone(),
            status: if o.answer.is_some() {
                "answered"
            } else {
                "waiting"
            }
            .to_owned(),
            answer: o.answer.as_ref().map(|a| a.text.clone()),
            answered_on: o.answer.as_ref().map(|a| a.answered_on),
        }
    }
}

/// A notice as the public sees it.
#[derive(Debug, Clone, Serialize)]
pub struct PublicNotice {
    pub project: String,
    pub project_name: String,
    pub township: Option<Place>,
    pub villages: Vec<Place>,
    pub demolition: Area,
    pub resettlement: Area,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: PeriodStatus,
    pub standards: Vec<PublicStandard>,
    pub standards_text: String,
    pub contact: String,
    pub households_count: i64,
    pub persons: i64,
    pub consented: usize,
    /// Empty in listings.
    pub households: Vec<PublicHousehold>,
    /// Objections not answered yet (their text is shown once answered).
    pub objections_waiting: usize,
    pub answered: Vec<PublicObjection>,
}

impl PublicNotice {
    pub fn of(notice: &Notice, objections: &[Objection], today: NaiveDate) -> PublicNotice {
        let names: BTreeMap<&str, &str> = notice
            .villages
            .iter()
            .map(|p| (p.code.as_str(), p.name.as_str()))
            .collect();
        let households: Vec<PublicHousehold> = notice
            .households
            .iter()
            .map(|h| PublicHousehold {
                name: h.masked_name.clone(),
                village_name: h
                    .village
                    .as_deref()
                    .and_then(|v| names.get(v))
                    .map(|n| (*n).to_owned()),
                village: h.village.clone(),
                persons: h.persons,
                consent: h.consent.clone(),
                method: h.method.clone(),
            })
            .collect();
        PublicNotice {
            project: notice.code.clone(),
            project_name: notice.project_name.clone(),
            township: notice.township.clone(),
            villages: notice.villages.clone(),
            demolition: Area::of(notice.demolition_m2),
            resettlement: Area::of(notice.resettlement_m2),
            starts_on: notice.period.starts_on,
            ends_on: notice.period.ends_on,
            status: notice.period.status(today),
            standards: notice
                .standards
                .iter()
                .map(|s| PublicStandard {
                    item: s.item.clone(),
                    basis: s.basis.code().to_owned(),
                    amount_fen: s.amount_fen,
                    amount_yuan: Fen(s.amount_fen).yuan_text(),
                    unit_zh: s.basis.unit().0.to_owned(),
                    unit_en: s.basis.unit().1.to_owned(),
                })
                .collect(),
            standards_text: notice.standards_text.clone(),
            contact: notice.contact.clone(),
            households_count: notice.households_count,
            persons: notice.households.iter().filter_map(|h| h.persons).sum(),
            consented: notice
                .households
                .iter()
                .filter(|h| h.consent == "consented")
                .count(),
            households,
            objections_waiting: objections.iter().filter(|o| o.answer.is_none()).count(),
            answered: objections
                .iter()
                .filter(|o| o.answer.is_some())
                .map(PublicObjection::of)
                .collect(),
        }
    }
}

/// An objection as staff see it: everything, with its due day and whether it is overdue.
#[derive(Debug, Clone, Serialize)]
pub struct StaffObjection {
    #[serde(flatten)]
    pub objection: Objection,
    pub answer_due: NaiveDate,
    pub overdue: bool,
}

/// The staff view of a project's notice.
#[derive(Debug, Clone, Serialize)]
pub struct StaffNotice {
    pub project: String,
    pub today: NaiveDate,
    pub notice: Option<Notice>,
    pub objections: Vec<StaffObjection>,
    pub overdue: usize,
    /// Days staff have to answer (the profile's `notice.answer_within_days`).
    pub answer_within_days: u32,
}

impl StaffNotice {
    pub fn of(
        project: &str,
        notice: Option<Notice>,
        objections: Vec<Objection>,
        today: NaiveDate,
        durations: &NoticeDurations,
    ) -> StaffNotice {
        let objections: Vec<StaffObjection> = objections
            .into_iter()
            .map(|o| StaffObjection {
                answer_due: o.answer_due(durations),
                overdue: o.is_overdue(durations, today),
                objection: o,
            })
            .collect();
        StaffNotice {
            project: project.to_owned(),
            today,
            answer_within_days: durations.answer_within_days.value,
            notice,
            overdue: objections.iter().filter(|o| o.overdue).count(),
            objections,
        }
    }
}

/// A household's row of a notice, in the reader's language.
struct HouseholdLine {
    name: String,
    village: String,
    persons: String,
    consent: &'static str,
    method: &'static str,
}

#[derive(askama::Template)]
#[template(path = "notice/notice.html")]
struct NoticeView<'a> {
    lang: Lang,
    n: &'a PublicNotice,
    status: &'static str,
    status_class: &'static str,
    demolition: String,
    resettlement: String,
    /// (item, amount in 元, unit)
    standards: Vec<(&'a str, String, &'a str)>,
    households: Vec<HouseholdLine>,
}

#[derive(askama::Template)]
#[template(path = "notice/answered.html")]
struct AnsweredView<'a> {
    lang: Lang,
    n: &'a PublicNotice,
}

/// A template of ours rendered; one that fails is a bug: logged, and the part stays empty.
fn render(template: &impl askama::Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "notice template failed");
        String::new()
    })
}

/// The body of a notice (project, period, areas, standards, contact, households): the same for
/// the public and for staff, since it is what was published.
pub fn notice_html(lang: Lang, n: &PublicNotice) -> String {
    let households = n
        .households
        .iter()
        .map(|h| HouseholdLine {
            name: h.name.clone(),
            village: h
                .village_name
                .as_deref()
                .or(h.village.as_deref())
                .unwrap_or("")
                .to_owned(),
            persons: h.persons.map(|p| p.to_string()).unwrap_or_default(),
            consent: lang.text(crate::names::consent_code(&h.consent)),
            method: lang.text(crate::names::resettlement_code(h.method.as_deref())),
        })
        .collect();
    render(&NoticeView {
        lang,
        n,
        status: lang.text(crate::names::period_status(n.status)),
        status_class: match n.status {
            PeriodStatus::Open => "ok",
            PeriodStatus::Upcoming => "warn",
            PeriodStatus::Closed => "none",
        },
        demolition: n.demolition.text(lang),
        resettlement: n.resettlement.text(lang),
        standards: n
            .standards
            .iter()
            .map(|s| {
                (
                    s.item.as_str(),
                    Fen(s.amount_fen).yuan_grouped_text(),
                    tr(lang, &s.unit_zh, &s.unit_en),
                )
            })
            .collect(),
        households,
    })
}

/// The answered objections of a notice, for the public.
pub fn answered_html(lang: Lang, n: &PublicNotice) -> String {
    render(&AnsweredView { lang, n })
}

/// The staff table of objections (full names, contact, due day, overdue), with an answer form
/// on each unanswered one when `answer_csrf` is given.
pub fn staff_objections_html(lang: Lang, view: &StaffNotice, answer_csrf: Option<&str>) -> String {
    render(&StaffObjectionsView {
        lang,
        view,
        answer_csrf,
        within: lang.fill(
            k::ANSWER_WITHIN_DAYS,
            &[("days", &view.answer_within_days.to_string())],
        ),
    })
}

#[derive(askama::Template)]
#[template(path = "notice/staff_objections.html")]
struct StaffObjectionsView<'a> {
    lang: Lang,
    view: &'a StaffNotice,
    answer_csrf: Option<&'a str>,
    within: String,
}
