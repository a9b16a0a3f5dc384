//! Who acts: a named user of one department, one level of government and one jurisdiction
//! (SPEC §1). Rights follow all three: a county user acts only for its own county, the city
//! for its counties, the province for all; the land bureau runs plans, projects and quota,
//! finance records money, audit reads everything and writes nothing.
//!
//! An `Actor` is the principal the registry's door is scoped to (`Registry::as_principal`).
//! The predicates here are the only place that says what a principal may do; every use case
//! asks them.

use std::fmt;

use guagou_domain::division::DivisionLevel;
use guagou_domain::lifecycle::Level;
use guagou_domain::{Department, DivisionCode};

use crate::error::RegistryError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub division: DivisionCode,
    pub level: Level,
    pub department: Department,
}

impl Actor {
    /// Parses `name@division` (the land bureau, the default) or `name@division/department`,
    /// e.g. `张三@511722` (a county land bureau user), `李四@511700/finance` (the city's
    /// finance bureau), `王五@511700/audit`.
    pub fn parse(text: &str) -> Result<Actor, RegistryError> {
        Actor::parse_with(text, &[])
    }

    /// As `parse`, also accepting the profile's consultation departments by name.
    pub fn parse_with(text: &str, profile_reviewers: &[String]) -> Result<Actor, RegistryError> {
        let invalid = || {
            RegistryError::invalid(
                "actor",
                format!(
                    "'{text}' 应为 姓名@行政区划代码[/部门]，如 张三@511722 或 李四@511700/finance"
                ),
                format!(
                    "'{text}' should be name@division code[/department], e.g. zhang@511722 or li@511700/finance"
                ),
            )
        };
        let (name, rest) = text.rsplit_once('@').ok_or_else(invalid)?;
        let (code, department) = match rest.split_once('/') {
            Some((code, department)) => (code, Some(department)),
            None => (rest, None),
        };
        let department = match department {
            None => Department::Land,
            Some(text) => Department::parse(text, profile_reviewers).map_err(|e| {
                RegistryError::invalid(
                    "actor",
                    format!("未知部门 {}", e.0),
                    format!("unknown department {}", e.0),
                )
            })?,
        };
        Actor::new(name, code, department).map_err(|_| invalid())
    }

    /// A principal from its parts (a stored user, a parsed `--actor`).
    pub fn new(name: &str, division: &str, department: Department) -> Result<Actor, RegistryError> {
        let invalid = |zh: &str, en: &str| RegistryError::invalid("actor", zh, en);
        let name = name.trim();
        if name.is_empty() || name.contains('@') || name.chars().any(char::is_control) {
            return Err(invalid(
                "用户名不能为空，不能含 @ 或控制字符",
                "a user name may not be empty or contain @ or control characters",
            ));
        }
        let division = DivisionCode::parse(division).map_err(|_| {
            invalid(
                "行政区划代码无效（县、市或省）",
                "invalid division code (county, city or province)",
            )
        })?;
        let level = match division.level() {
            DivisionLevel::County => Level::County,
            DivisionLevel::City => Level::City,
            DivisionLevel::Province => Level::Province,
            _ => {
                return Err(invalid(
                    "用户须属于县、市或省",
                    "a user belongs to a county, a city or the province",
                ));
            }
        };
        Ok(Actor {
            name: name.to_owned(),
            division,
            level,
            department,
        })
    }

    /// Whether this actor's jurisdiction contains `division` (its own division and, above the
    /// county, the divisions inside it).
    pub fn may_act_for(&self, division: &DivisionCode) -> bool {
        self.division.contains(division)
    }

    /// Whether this actor may read the non-public records of `owner` (SPEC §1: its own
    /// jurisdiction; audit reads all).
    pub fn reads(&self, owner: &DivisionCode) -> bool {
        self.department.reads_everything() || self.may_act_for(owner)
    }

    /// Whether this actor reads what belongs to no county (the provincial grant, the city
    /// pool's overview): above the county level, and audit.
    pub fn reads_above_county(&self) -> bool {
        self.department.reads_everything() || self.level != Level::County
    }

    /// Refuses unless this actor may act for `division`.
    pub fn require_jurisdiction(&self, division: &DivisionCode) -> Result<(), RegistryError> {
        if self.may_act_for(division) {
            Ok(())
        } else {
            Err(RegistryError::Forbidden {
                actor: self.to_string(),
                what: format!("{division}"),
            })
        }
    }

    /// Refuses unless this actor is of `level`.
    pub fn require_level(&self, level: Level) -> Result<(), RegistryError> {
        if self.level == level {
            Ok(())
        } else {
            Err(RegistryError::Forbidden {
                actor: self.to_string(),
                what: format!("{level:?} action"),
            })
        }
    }

    /// Refuses a read-only principal (audit).
    pub fn require_writer(&self) -> Result<(), RegistryError> {
        if self.department.writes() {
            Ok(())
        } else {
            Err(RegistryError::ReadOnly {
                actor: self.to_string(),
            })
        }
    }

    /// Refuses unless this actor is of `department` (and may write).
    pub fn require_department(&self, department: &Department) -> Result<(), RegistryError> {
        self.require_writer()?;
        if &self.department == department {
            Ok(())
        } else {
            Err(RegistryError::Department {
                actor: self.to_string(),
                department: self.department.clone(),
                required: department.clone(),
            })
        }
    }

    /// Refuses unless this actor is of the land bureau (plans, projects, quota, market,
    /// supervision, notices).
    pub fn require_land(&self) -> Result<(), RegistryError> {
        self.require_department(&Department::Land)
    }
}

/// The parts of the system a principal works in: what its navigation offers. A page outside
/// them is still answered by the door's rights (a finance user may read an open listing); the
/// menu offers only what the department's work needs (issue 14: the finance bureau has no
/// business in the quota market).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workspace {
    Projects,
    /// Registering a project by upload: the county land bureau.
    NewProject,
    Plans,
    Ranking,
    Ledger,
    Market,
    Supervision,
    Funds,
    Reports,
    Divisions,
    Policy,
    Audit,
    Public,
    /// 用户管理: administrators only.
    Users,
}

impl Actor {
    /// The workspaces of this principal (`is_admin`: the account administers users), in menu
    /// order.
    pub fn workspaces(&self, is_admin: bool) -> Vec<Workspace> {
        use Workspace::*;
        let mut out = match &self.department {
            // The land bureau runs everything; audit reads everything.
            Department::Land | Department::Audit => vec![
                Projects,
                NewProject,
                Plans,
                Ranking,
                Ledger,
                Market,
                Supervision,
                Funds,
                Reports,
                Divisions,
                Policy,
                Audit,
                Public,
            ],
            // Finance records money: the funds, and what they are for.
            Department::Finance => vec![Projects, Funds, Reports, Divisions, Policy, Audit, Public],
            // Reviewers give opinions on plans and reviews of projects.
            Department::Reviewer(_) => vec![Projects, Plans, Divisions, Policy, Public],
        };
        let uploads = self.department == Department::Land && self.level == Level::County;
        out.retain(|w| *w != NewProject || uploads);
        if is_admin {
            out.push(Users);
        }
        out
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The land bureau is the default and is written without its department, so that the
        // actor text of audit records and journal entries keeps its long-standing form.
        match self.department {
            Department::Land => write!(f, "{}@{}", self.name, self.division),
            ref other => write!(f, "{}@{}/{}", self.name, self.division, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> DivisionCode {
        DivisionCode::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn workspaces_follow_the_department_and_level() -> Result<(), RegistryError> {
        let county = Actor::parse("张三@511722")?;
        assert!(county.workspaces(false).contains(&Workspace::NewProject));
        assert!(!county.workspaces(false).contains(&Workspace::Users));
        let city = Actor::parse("李四@511700")?;
        assert!(!city.workspaces(false).contains(&Workspace::NewProject));
        assert!(city.workspaces(true).contains(&Workspace::Users));
        let finance = Actor::parse("钱@511700/finance")?.workspaces(false);
        assert!(finance.contains(&Workspace::Funds));
        assert!(!finance.contains(&Workspace::Market));
        assert!(!finance.contains(&Workspace::Ledger));
        let audit = Actor::parse("审@511700/audit")?.workspaces(false);
        assert!(audit.contains(&Workspace::Market) && !audit.contains(&Workspace::NewProject));
        let planning = Actor::parse("规@511722/planning")?.workspaces(false);
        assert!(planning.contains(&Workspace::Plans));
        assert!(!planning.contains(&Workspace::Funds) && !planning.contains(&Workspace::Market));
        Ok(())
    }

    #[test]
    fn parses_levels_departments_and_jurisdiction() -> Result<(), RegistryError> {
        let county = Actor::parse("张三@511722")?;
        assert_eq!(county.level, Level::County);
        assert_eq!(county.department, Department::Land);
        let city = Actor::parse("李四@511700")?;
        assert_eq!(city.level, Level::City);
        assert_eq!(Actor::parse("王五@510000")?.level, Level::Province);
        assert!(county.may_act_for(&code("511722")));
        assert!(!county.may_act_for(&code("511723")));
        assert!(city.may_act_for(&code("511723")));
        assert!(!city.may_act_for(&code("510100")));
        assert!(Actor::parse("noat").is_err());
        assert!(Actor::parse("@511722").is_err());
        assert!(Actor::parse("x@511722104").is_err());

        let finance = Actor::parse("钱@511700/finance")?;
        assert_eq!(finance.department, Department::Finance);
        assert_eq!(finance.to_string(), "钱@511700/finance");
        assert_eq!(county.to_string(), "张三@511722");
        assert!(finance.require_land().is_err());
        assert!(Actor::parse("x@511700/nobody").is_err());
        Ok(())
    }

    #[test]
    fn audit_reads_everything_and_writes_nothing() -> Result<(), RegistryError> {
        let audit = Actor::parse("审@511700/audit")?;
        assert!(audit.reads(&code("510100")));
        assert!(audit.require_writer().is_err());
        assert!(audit.require_land().is_err());
        let county = Actor::parse("张三@511722")?;
        assert!(!county.reads(&code("511723")));
        assert!(!county.reads_above_county());
        Ok(())
    }
}
