//! Who acts: a named user of one level of government and one jurisdiction (SPEC §1). Rights
//! follow both: a county user acts only for its own county; the city for its counties; the
//! province for all.

use std::fmt;

use guagou_domain::DivisionCode;
use guagou_domain::division::DivisionLevel;
use guagou_domain::lifecycle::Level;

use crate::error::RegistryError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub division: DivisionCode,
    pub level: Level,
}

impl Actor {
    /// Parses `name@division`, e.g. `张三@511722` (a county user) or `李四@511700` (the city).
    pub fn parse(text: &str) -> Result<Actor, RegistryError> {
        let invalid = || {
            RegistryError::invalid(
                "actor",
                format!("'{text}' 应为 姓名@行政区划代码，如 张三@511722"),
                format!("'{text}' should be name@division code, e.g. zhang@511722"),
            )
        };
        let (name, code) = text.rsplit_once('@').ok_or_else(invalid)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid());
        }
        let division = DivisionCode::parse(code).map_err(|_| invalid())?;
        let level = match division.level() {
            DivisionLevel::County => Level::County,
            DivisionLevel::City => Level::City,
            DivisionLevel::Province => Level::Province,
            _ => return Err(invalid()),
        };
        Ok(Actor {
            name: name.to_owned(),
            division,
            level,
        })
    }

    /// Whether this actor may act for `county`.
    pub fn may_act_for(&self, county: &DivisionCode) -> bool {
        self.division.contains(county)
    }

    /// Refuses unless this actor may act for `county`.
    pub fn require_jurisdiction(&self, county: &DivisionCode) -> Result<(), RegistryError> {
        if self.may_act_for(county) {
            Ok(())
        } else {
            Err(RegistryError::Forbidden {
                actor: self.to_string(),
                what: format!("{county}"),
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
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.division)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_jurisdiction() -> Result<(), RegistryError> {
        let county = Actor::parse("张三@511722")?;
        assert_eq!(county.level, Level::County);
        let city = Actor::parse("李四@511700")?;
        assert_eq!(city.level, Level::City);
        assert_eq!(Actor::parse("王五@510000")?.level, Level::Province);
        let own = DivisionCode::parse("511722")
            .map_err(|e| RegistryError::invalid("x", e.to_string(), e.to_string()))?;
        let other = DivisionCode::parse("511723")
            .map_err(|e| RegistryError::invalid("x", e.to_string(), e.to_string()))?;
        assert!(county.may_act_for(&own));
        assert!(!county.may_act_for(&other));
        assert!(city.may_act_for(&other));
        assert!(Actor::parse("noat").is_err());
        assert!(Actor::parse("@511722").is_err());
        assert!(Actor::parse("x@511722104").is_err());
        Ok(())
    }
}
