//! Ledger writes shared by the forms and the API: the request bodies (documented in the
//! OpenAPI document), their validation, and the calls into the registry. Input is parsed once
//! here (dates, division codes, positive amounts) and refused with a bilingual message; the
//! registry then checks level, jurisdiction, project state and the ledger rules, and audits.
//!
//! A resource the user may not read (another county's project, listing or entry) is refused as
//! not found before the registry is asked, so a write cannot probe what a read would hide.

use crate::catalogue::{Key, k};
use chrono::NaiveDate;
use guagou_domain::DivisionCode;
use guagou_domain::check::RuleResult;
use guagou_domain::ledger::{Entry, LandUse, Operation};
use guagou_domain::registry_rules::{Backing, operational_land_uses_quota};
use guagou_registry::door::ScanPreview;
use guagou_registry::ledger_view::LandSupply;
use guagou_registry::scan::ScanReport;
use guagou_registry::{Registry, RegistryError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::User;
use crate::error::WebError;

/// 用地类型 / land-use category of a land supply or a use of quota (二(五): commercial,
/// tourism, entertainment and commercial housing are operational land).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LandUseInput {
    Commercial,
    Tourism,
    Entertainment,
    CommercialHousing,
    Industrial,
    Public,
    Other,
}

impl LandUseInput {
    pub const ALL: [(LandUseInput, Key); 7] = [
        (LandUseInput::Commercial, k::COMMERCIAL_OPERATIONAL),
        (LandUseInput::Tourism, k::TOURISM_OPERATIONAL),
        (LandUseInput::Entertainment, k::ENTERTAINMENT_OPERATIONAL),
        (
            LandUseInput::CommercialHousing,
            k::COMMERCIAL_HOUSING_OPERATIONAL,
        ),
        (LandUseInput::Industrial, k::INDUSTRIAL),
        (LandUseInput::Public, k::PUBLIC),
        (LandUseInput::Other, k::OTHER_2),
    ];

    pub fn domain(self) -> LandUse {
        match self {
            LandUseInput::Commercial => LandUse::Commercial,
            LandUseInput::Tourism => LandUse::Tourism,
            LandUseInput::Entertainment => LandUse::Entertainment,
            LandUseInput::CommercialHousing => LandUse::CommercialHousing,
            LandUseInput::Industrial => LandUse::Industrial,
            LandUseInput::Public => LandUse::Public,
            LandUseInput::Other => LandUse::Other,
        }
    }

    /// The stored name (`commercial`, …).
    pub fn name(self) -> &'static str {
        match self {
            LandUseInput::Commercial => "commercial",
            LandUseInput::Tourism => "tourism",
            LandUseInput::Entertainment => "entertainment",
            LandUseInput::CommercialHousing => "commercial_housing",
            LandUseInput::Industrial => "industrial",
            LandUseInput::Public => "public",
            LandUseInput::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Result<LandUseInput, WebError> {
        LandUseInput::ALL
            .iter()
            .map(|(u, _)| *u)
            .find(|u| u.name() == text)
            .ok_or_else(|| {
                WebError::invalid_text(
                    "land_use",
                    format!("未知用地类型 {text}"),
                    format!("unknown land use {text}"),
                )
            })
    }
}

/// 供地指标来源 / what backs a land supply: surplus quota (a ledger `use`) or annual plan quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackingInput {
    SurplusQuota,
    AnnualPlan,
}

impl BackingInput {
    pub fn domain(self) -> Backing {
        match self {
            BackingInput::SurplusQuota => Backing::SurplusQuota,
            BackingInput::AnnualPlan => Backing::AnnualPlan,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BackingInput::SurplusQuota => "surplus_quota",
            BackingInput::AnnualPlan => "annual_plan",
        }
    }

    pub fn parse(text: &str) -> Result<BackingInput, WebError> {
        match text {
            "surplus_quota" => Ok(BackingInput::SurplusQuota),
            "annual_plan" => Ok(BackingInput::AnnualPlan),
            _ => Err(WebError::invalid_text(
                "backing",
                format!("未知指标来源 {text}（surplus_quota 或 annual_plan）"),
                format!("unknown backing {text} (surplus_quota or annual_plan)"),
            )),
        }
    }
}

/// 台账操作 / one ledger operation, named by `kind`. Amounts are whole m²; division codes are
/// GB/T 2260. `issue` happens when the city accepts a project and `deduct` when a scan applies
/// a sanction, so neither is posted here.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OperationInput {
    /// 预支（市局；已立项或实施中的项目；≤ 计划节余的 30%，1 年内归还）/ advance (the city; an
    /// approved or implementing project; at most 30 % of its planned surplus, due in a year)
    Advance { project: String, amount_m2: i64 },
    /// 归还预支（县；以本县持有的指标归还，先用本项目的预支指标，再用已确认指标；不超过尚欠）/
    /// repay an advance (the county; from quota it holds: the project's own advanced quota
    /// first, then confirmed quota; at most what is owed)
    Repay { project: String, amount_m2: i64 },
    /// 预留本地需求（县）/ reserve for local needs (the county)
    Reserve {
        division: String,
        amount_m2: i64,
        purpose: String,
    },
    /// 解除预留 / release a reservation
    Release { division: String, amount_m2: i64 },
    /// 挂牌公告（只能挂预留以外的指标）/ list for transfer (only what is not reserved)
    List {
        division: String,
        listing: String,
        amount_m2: i64,
    },
    /// 撤牌（转让方）/ withdraw a listing (the seller)
    Withdraw { listing: String, amount_m2: i64 },
    /// 流转结算（转让方或市局；价格不低于省指导价）/ settle a transfer (the seller or the city;
    /// price at least the provincial guide price), price in 分 per 亩
    Transfer {
        listing: String,
        buyer: String,
        amount_m2: i64,
        price_fen_per_mu: i64,
    },
    /// 使用（建新区或供地）/ use against a construction zone or land supply
    Use {
        division: String,
        amount_m2: i64,
        zone: String,
        land_use: LandUseInput,
    },
    /// 下达年度计划指标（市、省）/ grant annual plan quota (city, province)
    GrantAnnualPlan {
        county: String,
        year: i32,
        amount_m2: i64,
    },
    /// 冲正（市、省；须说明理由）/ reverse an entry (city, province; with a reason)
    Reverse { seq: u64 },
}

/// 台账操作请求 / a ledger operation request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct OperationBody {
    pub operation: OperationInput,
    /// 幂等键：同一键重复提交只记账一次 / idempotency key: the same key twice posts once
    #[schema(example = "c0ffee-2019-08-10-advance")]
    pub idempotency_key: String,
    /// 生效日期 / effective date, `YYYY-MM-DD`
    #[schema(example = "2019-08-10")]
    pub as_of: String,
    /// 理由（必填）/ reason (required)
    pub reason: String,
}

/// 供地登记 / a land supply (二(五): operational land must be backed by surplus quota).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LandSupplyBody {
    /// 供地编号（唯一；重复提交相同内容返回已登记的记录）/ supply ID (unique; the same
    /// supply submitted again returns the recorded one)
    #[schema(example = "511722-GD-2019-02")]
    pub id: String,
    /// 县级行政区划代码 / county code
    #[schema(example = "511722")]
    pub county: String,
    /// 地块或建新区 / parcel or construction zone
    pub zone: String,
    pub land_use: LandUseInput,
    pub area_m2: i64,
    pub backing: BackingInput,
    #[schema(example = "2019-08-10")]
    pub as_of: String,
    pub reason: String,
}

/// 规划调整申请 / a planning adjustment application (二(七): one per county per year).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AdjustmentBody {
    #[schema(example = "511722")]
    pub county: String,
    #[schema(example = "2019-08-10")]
    pub as_of: String,
    pub reason: String,
}

/// 逾期扫描 / a scan for overdue advances and completions.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ScanBody {
    #[schema(example = "2021-07-01")]
    pub as_of: String,
}

/// 解除暂停预支 / lifting a county's advance suspension (a recorded city decision).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct LiftBody {
    #[schema(example = "511725")]
    pub county: String,
    pub reason: String,
}

/// A land supply as recorded, with the rule result and the ledger entry (if quota-backed).
#[derive(Debug, Clone, Serialize)]
pub struct LandSupplyOutcome {
    pub land_supply: Option<LandSupply>,
    pub result: RuleResult,
    pub entry: Option<Entry>,
    /// Whether this request found the same supply already recorded (nothing new was written).
    pub replayed: bool,
}

/// A registry failure as the web reports it. The ledger engine's refusals reach the registry
/// wrapped in the store's error; unwrapped, they keep their rule (422) or read as a conflict
/// with the ledger's state (409: insufficient balance, idempotency key reused …) instead of an
/// internal error.
fn refused(error: RegistryError) -> WebError {
    WebError::Registry(error.unwrap_ledger())
}

pub(crate) fn parse_date(field: &'static str, text: &str) -> Result<NaiveDate, WebError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        WebError::invalid_text(
            field,
            format!("日期 {text} 应为 YYYY-MM-DD"),
            format!("date {text} should be YYYY-MM-DD"),
        )
    })
}

pub(crate) fn parse_division(field: &'static str, text: &str) -> Result<DivisionCode, WebError> {
    DivisionCode::parse(text.trim()).map_err(|e| {
        WebError::invalid_text(
            field,
            format!("行政区划代码 {text} 无效：{e}"),
            format!("invalid division code {text}: {e}"),
        )
    })
}

fn positive(field: &'static str, amount: i64) -> Result<i64, WebError> {
    if amount > 0 {
        Ok(amount)
    } else {
        Err(WebError::invalid_text(
            field,
            format!("面积须为正整数平方米（{amount}）"),
            format!("the amount must be a positive whole number of m² ({amount})"),
        ))
    }
}

fn require_text<'a>(field: &'static str, text: &'a str) -> Result<&'a str, WebError> {
    let text = text.trim();
    if text.is_empty() {
        Err(WebError::invalid_text(
            field,
            format!("{field} 不能为空"),
            format!("{field} may not be empty"),
        ))
    } else if text.chars().count() > 500 {
        Err(WebError::invalid_text(
            field,
            format!("{field} 过长（最多 500 字）"),
            format!("{field} is too long (500 characters at most)"),
        ))
    } else {
        Ok(text)
    }
}

/// A caller's idempotency key, namespaced by channel and actor so that one user's key can
/// never replay another user's entry.
pub(crate) fn idempotency_key(channel: &str, user: &User, key: &str) -> Result<String, WebError> {
    let key = key.trim();
    if key.is_empty() || key.len() > 100 || key.chars().any(char::is_control) {
        return Err(WebError::invalid(
            "idempotency_key",
            k::THE_IDEMPOTENCY_KEY_MUST_BE_1,
        ));
    }
    Ok(format!("{channel}:{}:{key}", user.actor))
}

/// The domain operation of an input, with its codes parsed and amounts checked.
fn to_operation(input: &OperationInput) -> Result<Operation, WebError> {
    Ok(match input {
        OperationInput::Advance { project, amount_m2 } => Operation::Advance {
            project: require_text("project", project)?.to_owned(),
            amount_m2: positive("amount_m2", *amount_m2)?,
        },
        OperationInput::Repay { project, amount_m2 } => Operation::Repay {
            project: require_text("project", project)?.to_owned(),
            amount_m2: positive("amount_m2", *amount_m2)?,
        },
        OperationInput::Reserve {
            division,
            amount_m2,
            purpose,
        } => Operation::Reserve {
            division: parse_division("division", division)?,
            amount_m2: positive("amount_m2", *amount_m2)?,
            purpose: require_text("purpose", purpose)?.to_owned(),
        },
        OperationInput::Release {
            division,
            amount_m2,
        } => Operation::Release {
            division: parse_division("division", division)?,
            amount_m2: positive("amount_m2", *amount_m2)?,
        },
        OperationInput::List {
            division,
            listing,
            amount_m2,
        } => Operation::List {
            division: parse_division("division", division)?,
            listing: require_text("listing", listing)?.to_owned(),
            amount_m2: positive("amount_m2", *amount_m2)?,
        },
        OperationInput::Withdraw { listing, amount_m2 } => Operation::Withdraw {
            listing: require_text("listing", listing)?.to_owned(),
            amount_m2: positive("amount_m2", *amount_m2)?,
        },
        OperationInput::Transfer {
            listing,
            buyer,
            amount_m2,
            price_fen_per_mu,
        } => Operation::Transfer {
            listing: require_text("listing", listing)?.to_owned(),
            buyer: parse_division("buyer", buyer)?,
            amount_m2: positive("amount_m2", *amount_m2)?,
            price_fen_per_mu: positive("price_fen_per_mu", *price_fen_per_mu)?,
            priced_on: None,
        },
        OperationInput::Use {
            division,
            amount_m2,
            zone,
            land_use,
        } => Operation::Use {
            division: parse_division("division", division)?,
            amount_m2: positive("amount_m2", *amount_m2)?,
            zone: require_text("zone", zone)?.to_owned(),
            land_use: land_use.domain(),
        },
        OperationInput::GrantAnnualPlan {
            county,
            year,
            amount_m2,
        } => Operation::GrantAnnualPlan {
            county: parse_division("county", county)?,
            year: *year,
            amount_m2: positive("amount_m2", *amount_m2)?,
        },
        OperationInput::Reverse { seq } => Operation::Reverse { seq: *seq },
    })
}

/// Posts one ledger operation for `user` under the (already namespaced) idempotency `key`.
pub(crate) async fn post_operation(
    registry: &Registry,
    user: &User,
    input: &OperationInput,
    key: &str,
    as_of: &str,
    reason: &str,
) -> Result<Entry, WebError> {
    let as_of = parse_date("as_of", as_of)?;
    let reason = require_text("reason", reason)?;
    let operation = to_operation(input)?;
    let entry = user
        .door(registry)
        .post(operation, key, reason, as_of)
        .await
        .map_err(refused)?;
    tracing::info!(actor = %user.actor, seq = entry.seq, kind = entry.operation.kind(), "ledger operation");
    Ok(entry)
}

/// Records a land supply. The same supply (same ID and content) submitted again returns the
/// recorded one instead of an error, so a double submit records once.
pub(crate) async fn record_land_supply(
    registry: &Registry,
    user: &User,
    body: &LandSupplyBody,
) -> Result<LandSupplyOutcome, WebError> {
    user.actor.require_land()?;
    let id = require_text("id", &body.id)?;
    let county = parse_division("county", &body.county)?;
    let zone = require_text("zone", &body.zone)?;
    let area_m2 = positive("area_m2", body.area_m2)?;
    let as_of = parse_date("as_of", &body.as_of)?;
    let reason = require_text("reason", &body.reason)?;
    let land_use = body.land_use.domain();
    let backing = body.backing.domain();
    if user.reads(county.as_str())
        && let Some(existing) = user.door(registry).land_supply(id).await?
        && existing.county == county.as_str()
        && existing.zone == zone
        && existing.land_use == body.land_use.name()
        && existing.area_m2 == area_m2
        && existing.backing == body.backing.name()
    {
        let entry = match existing.ledger_seq {
            Some(seq) => {
                let door = user.door(registry);
                let scope = door.read_scope().await?;
                door.entry(&scope, seq).await.ok()
            }
            None => None,
        };
        return Ok(LandSupplyOutcome {
            result: operational_land_uses_quota(
                user.door(registry).profile(),
                land_use,
                backing,
                id,
            ),
            land_supply: Some(existing),
            entry,
            replayed: true,
        });
    }
    let (result, entry) = user
        .door(registry)
        .record_land_supply(id, &county, zone, land_use, area_m2, backing, as_of, reason)
        .await
        .map_err(refused)?;
    tracing::info!(actor = %user.actor, id, "land supply");
    Ok(LandSupplyOutcome {
        land_supply: user.door(registry).land_supply(id).await?,
        result,
        entry,
        replayed: false,
    })
}

/// Applies for a planning adjustment.
pub(crate) async fn apply_adjustment(
    registry: &Registry,
    user: &User,
    body: &AdjustmentBody,
) -> Result<RuleResult, WebError> {
    user.actor.require_land()?;
    let county = parse_division("county", &body.county)?;
    let as_of = parse_date("as_of", &body.as_of)?;
    let reason = require_text("reason", &body.reason)?;
    let result = user
        .door(registry)
        .apply_adjustment(&county, as_of, reason)
        .await
        .map_err(refused)?;
    tracing::info!(actor = %user.actor, %county, "planning adjustment");
    Ok(result)
}

/// What a scan request did: applied what was due, or (dated after today) only previewed it.
pub(crate) enum ScanOutcome {
    Applied(ScanReport),
    Preview(ScanPreview),
}

/// Runs the scan for overdue advances and completions; a date after today is a what-if: a
/// preview that writes nothing.
pub(crate) async fn run_scan(
    registry: &Registry,
    user: &User,
    as_of: &str,
) -> Result<ScanOutcome, WebError> {
    let door = user.door(registry);
    let as_of = parse_date("as_of", as_of)?;
    if as_of > door.today() {
        return Ok(ScanOutcome::Preview(door.scan_preview(as_of).await?));
    }
    let report = door.scan(as_of).await.map_err(refused)?;
    tracing::info!(actor = %user.actor, %as_of, applied = report.applied.len(), "scan");
    Ok(ScanOutcome::Applied(report))
}

/// Lifts a county's advance suspension.
pub(crate) async fn lift_suspension(
    registry: &Registry,
    user: &User,
    body: &LiftBody,
) -> Result<(), WebError> {
    user.actor.require_land()?;
    let county = parse_division("county", &body.county)?;
    let reason = require_text("reason", &body.reason)?;
    user.door(registry)
        .lift_suspension(&county, reason)
        .await
        .map_err(refused)?;
    tracing::info!(actor = %user.actor, %county, "suspension lifted");
    Ok(())
}

/// A price in 元 per 亩 as typed in a form (`300000` or `300000.50`) → 分 per 亩.
pub(crate) fn yuan_to_fen(text: &str) -> Result<i64, WebError> {
    let invalid = || {
        WebError::invalid_text(
            "price",
            format!("价格 {text} 应为元/亩，最多两位小数"),
            format!("price {text} should be yuan per mu with at most two decimals"),
        )
    };
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || fraction.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return Err(invalid());
    }
    let whole: i64 = whole.parse().map_err(|_| invalid())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
    whole
        .checked_mul(100)
        .and_then(|f| f.checked_add(fraction))
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_in_yuan_become_fen() {
        assert_eq!(yuan_to_fen("300000").ok(), Some(30_000_000));
        assert_eq!(yuan_to_fen("1.5").ok(), Some(150));
        assert_eq!(yuan_to_fen("0.05").ok(), Some(5));
        for bad in ["", "1.234", "-1", "1e3", "abc", ".5"] {
            assert!(yuan_to_fen(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn operations_refuse_bad_codes_and_amounts() {
        let bad_amount = OperationInput::Advance {
            project: "P".into(),
            amount_m2: 0,
        };
        assert!(to_operation(&bad_amount).is_err());
        let bad_code = OperationInput::Reserve {
            division: "51".into(),
            amount_m2: 1,
            purpose: "x".into(),
        };
        assert!(to_operation(&bad_code).is_err());
        let json = serde_json::json!({ "kind": "use", "division": "511722", "amount_m2": 5,
            "zone": "Z", "land_use": "commercial_housing" });
        let parsed: Result<OperationInput, _> = serde_json::from_value(json);
        assert!(matches!(
            parsed.as_ref().map(to_operation),
            Ok(Ok(Operation::Use {
                land_use: LandUse::CommercialHousing,
                ..
            }))
        ));
    }
}
