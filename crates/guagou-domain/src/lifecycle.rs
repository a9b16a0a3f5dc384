//! Lifecycles of special plans and projects (SPEC §7) as pure state machines: which action is
//! allowed in which state, by which level of government, and what state follows. Policy checks
//! that gate a step (PLAN_CONSULTED, PLAN_APPROVED, …) are evaluated by the caller and passed in
//! as failed rules, so a refusal always names the rule and its clause.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error_code::ErrorCode;
use crate::rules::RuleId;

/// Who acts: the level of government a user belongs to (departments refine this in the web layer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    County,
    City,
    Province,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanState {
    Draft,
    Consulting,
    Submitted,
    Approved,
    Filed,
    Returned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    /// Send to the consultation departments (county).
    Consult,
    /// Submit to the city (county); requires PLAN_CONSULTED and PLAN_COVERS_POOR_VILLAGES.
    Submit,
    /// Approve (city).
    Approve,
    /// Record the province's filing (备案).
    File,
    /// Return for rework (city, or province before filing).
    Return,
    /// Start again from a returned plan (county).
    Revise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectState {
    Draft,
    Submitted,
    Pooled,
    Forwarded,
    Approved,
    Implementing,
    AcceptanceApplied,
    Accepted,
    Closed,
    Returned,
    Withdrawn,
    Terminated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectAction {
    /// County submits (requires PLAN_APPROVED and a check with no blocking rule).
    Submit,
    /// City takes the project into its pool (入库).
    Pool,
    /// City forwards it to the province (转报).
    Forward,
    /// The province's approval (立项) is recorded; starts the completion and advance clocks.
    Approve,
    /// County starts implementing.
    Start,
    /// County applies for acceptance, alone or with a change of the implementation plan.
    ApplyAcceptance,
    /// City confirms acceptance (and the change submitted with it); issues the surplus.
    Accept,
    /// City closes an accepted project once its surplus is settled.
    Close,
    /// Return to the county for rework.
    Return,
    /// County revises a returned project (a new implementation-plan version).
    Revise,
    /// County withdraws before approval.
    Withdraw,
    /// City terminates an approved project.
    Terminate,
}

/// Why a step is refused. Displayed as "中文 / English" for logs and the command line; users
/// get `message_zh()` and `message_en()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum LifecycleError {
    NotAllowed { state: String, action: String },
    WrongLevel { level: Level, action: String },
    RulesFailed(Vec<RuleId>),
}

impl LifecycleError {
    /// The row of the error table: a state conflict (409), another level's step (403), or the
    /// first failed rule (422).
    pub fn code(&self) -> ErrorCode {
        match self {
            LifecycleError::NotAllowed { .. } => ErrorCode::NotAllowed,
            LifecycleError::WrongLevel { .. } => ErrorCode::WrongLevel,
            LifecycleError::RulesFailed(rules) => ErrorCode::of_rules(rules),
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            LifecycleError::NotAllowed { state, action } => {
                let (state, action) = (step_name(state).0, step_name(action).0);
                format!("当前状态“{state}”下不能{action}")
            }
            LifecycleError::WrongLevel { level, action } => {
                format!("{}无权{}", level_name(*level).0, step_name(action).0)
            }
            LifecycleError::RulesFailed(rules) => format!("规则 {} 未通过", join(rules)),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            LifecycleError::NotAllowed { state, action } => {
                let (state, action) = (step_name(state).1, step_name(action).1);
                format!("{action} is not possible while {state}")
            }
            LifecycleError::WrongLevel { level, action } => {
                format!(
                    "the {} may not {}",
                    level_name(*level).1,
                    step_name(action).1
                )
            }
            LifecycleError::RulesFailed(rules) => format!("rule(s) {} failed", join(rules)),
        }
    }
}

impl fmt::Display for LifecycleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.message_zh(), self.message_en())
    }
}

/// The name of a level of government in a message (Chinese, English).
fn level_name(level: Level) -> (&'static str, &'static str) {
    match level {
        Level::County => ("县级", "county level"),
        Level::City => ("市级", "city level"),
        Level::Province => ("省级", "province level"),
    }
}

/// The name of a stored state or a step in a message (Chinese, English): refusals name them as
/// a clerk does, never by code. A name this table does not know is shown as it is.
fn step_name(code: &str) -> (&str, &str) {
    match code {
        // Project, plan, finding and agreement states.
        "draft" => ("草稿", "a draft"),
        "submitted" => ("已申报", "submitted"),
        "pooled" => ("已入库", "in the pool"),
        "forwarded" => ("已转报", "forwarded"),
        "approved" => ("已批准", "approved"),
        "implementing" => ("实施中", "being implemented"),
        "acceptance_applied" => ("已申请验收", "acceptance applied for"),
        "accepted" => ("已验收", "accepted"),
        "closed" => ("已关闭", "closed"),
        "returned" => ("已退回", "returned"),
        "withdrawn" => ("已撤回", "withdrawn"),
        "terminated" => ("已终止", "terminated"),
        "consulting" => ("征求意见中", "in consultation"),
        "filed" => ("已备案", "filed"),
        "open" => ("待整改", "open"),
        "rectified" => ("已整改待销号", "rectified"),
        "signed" => ("已签订", "signed"),
        "settled" => ("已结算", "settled"),
        "cancelled" => ("已解除", "cancelled"),
        // Steps.
        "submit" => ("申报", "submitting"),
        "pool" => ("入库", "pooling"),
        "forward" => ("转报", "forwarding"),
        "approve" => ("批准", "approving"),
        "start" => ("开始实施", "starting"),
        "accept" => ("确认验收", "accepting"),
        "close" => ("关闭或销号", "closing"),
        "return" => ("退回", "returning"),
        "withdraw" => ("撤回", "withdrawing"),
        "terminate" => ("终止", "terminating"),
        "consult" => ("征求意见", "sending for consultation"),
        "file" => ("备案", "filing"),
        "revise" => ("修订", "revising"),
        "rectify" => ("整改", "rectifying"),
        "apply_acceptance" => ("申请验收", "applying for acceptance"),
        "settle" => ("结算", "settling"),
        "cancel" => ("解除", "cancelling"),
        other => (other, other),
    }
}

fn join(rules: &[RuleId]) -> String {
    rules
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

impl fmt::Display for PlanState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&name(self))
    }
}

impl fmt::Display for ProjectState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&name(self))
    }
}

impl PlanState {
    /// Every variant (names and pickers walk them).
    pub const ALL: [PlanState; 6] = [
        PlanState::Draft,
        PlanState::Consulting,
        PlanState::Submitted,
        PlanState::Approved,
        PlanState::Filed,
        PlanState::Returned,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            PlanState::Draft => "草稿",
            PlanState::Consulting => "征求意见",
            PlanState::Submitted => "已报市局",
            PlanState::Approved => "市局已批准",
            PlanState::Filed => "省厅已备案",
            PlanState::Returned => "已退回",
        }
    }

    /// Applies `action` by `level`; `failed` are the gating rules that did not pass.
    pub fn next(
        self,
        action: PlanAction,
        level: Level,
        failed: &[RuleId],
    ) -> Result<PlanState, LifecycleError> {
        use PlanAction as A;
        use PlanState as S;
        let required = match action {
            A::Consult | A::Submit | A::Revise => Level::County,
            A::Approve | A::Return if self != S::Approved => Level::City,
            A::Return | A::File => Level::Province,
            A::Approve => Level::City,
        };
        if level != required {
            return Err(LifecycleError::WrongLevel {
                level,
                action: name(&action),
            });
        }
        let next = match (self, action) {
            (S::Draft, A::Consult) => S::Consulting,
            (S::Consulting, A::Submit) => S::Submitted,
            (S::Submitted, A::Approve) => S::Approved,
            (S::Approved, A::File) => S::Filed,
            (S::Submitted | S::Approved, A::Return) => S::Returned,
            (S::Returned, A::Revise) => S::Draft,
            _ => {
                return Err(LifecycleError::NotAllowed {
                    state: self.to_string(),
                    action: name(&action),
                });
            }
        };
        if action == A::Submit && !failed.is_empty() {
            return Err(LifecycleError::RulesFailed(failed.to_vec()));
        }
        Ok(next)
    }

    /// Whether projects may rely on this plan (PLAN_APPROVED: approved by the city and filed).
    pub fn in_force(self) -> bool {
        self == PlanState::Filed
    }
}

impl ProjectState {
    pub fn label_zh(self) -> &'static str {
        match self {
            ProjectState::Draft => "草稿",
            ProjectState::Submitted => "已申报",
            ProjectState::Pooled => "已入库",
            ProjectState::Forwarded => "已转报",
            ProjectState::Approved => "已立项",
            ProjectState::Implementing => "实施中",
            ProjectState::AcceptanceApplied => "已申请验收",
            ProjectState::Accepted => "已验收",
            ProjectState::Closed => "已关闭",
            ProjectState::Returned => "已退回",
            ProjectState::Withdrawn => "已撤回",
            ProjectState::Terminated => "已终止",
        }
    }

    /// Every state, in lifecycle order (list filters).
    pub const ALL: [ProjectState; 12] = [
        ProjectState::Draft,
        ProjectState::Submitted,
        ProjectState::Pooled,
        ProjectState::Forwarded,
        ProjectState::Approved,
        ProjectState::Implementing,
        ProjectState::AcceptanceApplied,
        ProjectState::Accepted,
        ProjectState::Closed,
        ProjectState::Returned,
        ProjectState::Withdrawn,
        ProjectState::Terminated,
    ];

    /// A live project: its parcels count for NO_DOUBLE_COUNTING.
    pub fn is_live(self) -> bool {
        !matches!(
            self,
            ProjectState::Withdrawn
                | ProjectState::Terminated
                | ProjectState::Returned
                | ProjectState::Draft
        )
    }

    /// Applies `action` by `level`; `failed` are the gating rules that did not pass.
    pub fn next(
        self,
        action: ProjectAction,
        level: Level,
        failed: &[RuleId],
    ) -> Result<ProjectState, LifecycleError> {
        use ProjectAction as A;
        use ProjectState as S;
        let required = match action {
            A::Submit | A::Start | A::ApplyAcceptance | A::Revise | A::Withdraw => Level::County,
            A::Pool | A::Forward | A::Accept | A::Close | A::Terminate | A::Return => Level::City,
            A::Approve => Level::Province,
        };
        if level != required {
            return Err(LifecycleError::WrongLevel {
                level,
                action: name(&action),
            });
        }
        let next = match (self, action) {
            (S::Draft, A::Submit) => S::Submitted,
            (S::Submitted, A::Pool) => S::Pooled,
            (S::Pooled, A::Forward) => S::Forwarded,
            (S::Forwarded, A::Approve) => S::Approved,
            (S::Approved, A::Start) => S::Implementing,
            (S::Implementing, A::ApplyAcceptance) => S::AcceptanceApplied,
            (S::AcceptanceApplied, A::Accept) => S::Accepted,
            (S::Accepted, A::Close) => S::Closed,
            (S::Submitted | S::Pooled | S::AcceptanceApplied, A::Return) => {
                if self == S::AcceptanceApplied {
                    S::Implementing
                } else {
                    S::Returned
                }
            }
            (S::Returned, A::Revise) => S::Draft,
            (S::Draft | S::Submitted | S::Pooled | S::Returned, A::Withdraw) => S::Withdrawn,
            (S::Approved | S::Implementing | S::AcceptanceApplied, A::Terminate) => S::Terminated,
            _ => {
                return Err(LifecycleError::NotAllowed {
                    state: self.to_string(),
                    action: name(&action),
                });
            }
        };
        if !failed.is_empty() && matches!(action, A::Submit | A::Accept) {
            return Err(LifecycleError::RulesFailed(failed.to_vec()));
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn refusals_name_states_and_steps() {
        let refused = LifecycleError::NotAllowed {
            state: "open".into(),
            action: "close".into(),
        };
        assert_eq!(refused.message_zh(), "当前状态“待整改”下不能关闭或销号");
        assert_eq!(refused.message_en(), "closing is not possible while open");
        let level = LifecycleError::WrongLevel {
            level: Level::County,
            action: "approve".into(),
        };
        assert_eq!(level.message_zh(), "县级无权批准");
        assert!(!level.message_en().contains("County"));
    }

    use super::*;

    #[test]
    fn plan_happy_path_and_gates() {
        let s = PlanState::Draft;
        let s = s.next(PlanAction::Consult, Level::County, &[]);
        assert_eq!(s, Ok(PlanState::Consulting));
        let refused =
            PlanState::Consulting.next(PlanAction::Submit, Level::County, &[RuleId::PlanConsulted]);
        assert_eq!(
            refused,
            Err(LifecycleError::RulesFailed(vec![RuleId::PlanConsulted]))
        );
        let s = PlanState::Consulting.next(PlanAction::Submit, Level::County, &[]);
        assert_eq!(s, Ok(PlanState::Submitted));
        assert!(matches!(
            PlanState::Submitted.next(PlanAction::Approve, Level::County, &[]),
            Err(LifecycleError::WrongLevel { .. })
        ));
        assert_eq!(
            PlanState::Submitted.next(PlanAction::Approve, Level::City, &[]),
            Ok(PlanState::Approved)
        );
        assert!(!PlanState::Approved.in_force());
        assert_eq!(
            PlanState::Approved.next(PlanAction::File, Level::Province, &[]),
            Ok(PlanState::Filed)
        );
        assert!(PlanState::Filed.in_force());
        assert_eq!(
            PlanState::Approved.next(PlanAction::Return, Level::Province, &[]),
            Ok(PlanState::Returned)
        );
        assert_eq!(
            PlanState::Submitted.next(PlanAction::Return, Level::City, &[]),
            Ok(PlanState::Returned)
        );
        assert_eq!(
            PlanState::Returned.next(PlanAction::Revise, Level::County, &[]),
            Ok(PlanState::Draft)
        );
        assert!(matches!(
            PlanState::Filed.next(PlanAction::Approve, Level::City, &[]),
            Err(LifecycleError::NotAllowed { .. })
        ));
    }

    #[test]
    fn project_walk_to_closed() {
        use ProjectAction as A;
        let steps = [
            (A::Submit, Level::County, ProjectState::Submitted),
            (A::Pool, Level::City, ProjectState::Pooled),
            (A::Forward, Level::City, ProjectState::Forwarded),
            (A::Approve, Level::Province, ProjectState::Approved),
            (A::Start, Level::County, ProjectState::Implementing),
            (
                A::ApplyAcceptance,
                Level::County,
                ProjectState::AcceptanceApplied,
            ),
            (A::Accept, Level::City, ProjectState::Accepted),
            (A::Close, Level::City, ProjectState::Closed),
        ];
        let mut state = ProjectState::Draft;
        for (action, level, expected) in steps {
            state = match state.next(action, level, &[]) {
                Ok(s) => s,
                Err(e) => panic!("{action:?}: {e}"),
            };
            assert_eq!(state, expected);
        }
    }

    #[test]
    fn project_refusals() {
        use ProjectAction as A;
        assert!(matches!(
            ProjectState::Draft.next(A::Submit, Level::County, &[RuleId::PlanApproved]),
            Err(LifecycleError::RulesFailed(_))
        ));
        assert!(matches!(
            ProjectState::Draft.next(A::Pool, Level::City, &[]),
            Err(LifecycleError::NotAllowed { .. })
        ));
        assert!(matches!(
            ProjectState::Submitted.next(A::Pool, Level::County, &[]),
            Err(LifecycleError::WrongLevel { .. })
        ));
        assert_eq!(
            ProjectState::AcceptanceApplied.next(A::Return, Level::City, &[]),
            Ok(ProjectState::Implementing)
        );
        assert_eq!(
            ProjectState::Pooled.next(A::Return, Level::City, &[]),
            Ok(ProjectState::Returned)
        );
        assert!(matches!(
            ProjectState::Approved.next(A::Withdraw, Level::County, &[]),
            Err(LifecycleError::NotAllowed { .. })
        ));
        assert_eq!(
            ProjectState::Implementing.next(A::Terminate, Level::City, &[]),
            Ok(ProjectState::Terminated)
        );
        assert!(!ProjectState::Terminated.is_live());
        assert!(ProjectState::Implementing.is_live());
    }
}
