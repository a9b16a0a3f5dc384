//! The land-class table: which land-use codes are construction land and which are farmland.
//!
//! The table is data (`policy/landclass-gbt21010.toml`) so a survey with another working
//! classification is a new file. Unknown codes are reported by the caller, never guessed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LandCategory {
    /// 农用地
    Agricultural,
    /// 建设用地
    Construction,
    /// 未利用地
    Unused,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandClass {
    pub code: String,
    pub name: String,
    pub category: LandCategory,
    #[serde(default)]
    pub farmland: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableHeader {
    id: String,
    title_zh: String,
    title_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    table: TableHeader,
    class: Vec<LandClass>,
}

/// A loaded class table.
#[derive(Debug, Clone, PartialEq)]
pub struct LandClassTable {
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    classes: BTreeMap<String, LandClass>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LandClassError {
    #[error(
        "地类表 {source_name} 无法解析 / land-class table {source_name} cannot be parsed: {reason}"
    )]
    Parse { source_name: String, reason: String },
    #[error(
        "地类表 {source_name} 重复的地类编码 {code} / land-class table {source_name}: duplicate code {code}"
    )]
    Duplicate { source_name: String, code: String },
}

pub const GBT21010_TOML: &str = include_str!("../../../policy/landclass-gbt21010.toml");

impl LandClassTable {
    pub fn from_toml(source_name: &str, text: &str) -> Result<Self, LandClassError> {
        let file: TableFile = toml::from_str(text).map_err(|e| LandClassError::Parse {
            source_name: source_name.to_owned(),
            reason: e.to_string(),
        })?;
        let mut classes = BTreeMap::new();
        for class in file.class {
            let code = class.code.clone();
            if classes.insert(code.clone(), class).is_some() {
                return Err(LandClassError::Duplicate {
                    source_name: source_name.to_owned(),
                    code,
                });
            }
        }
        Ok(LandClassTable {
            id: file.table.id,
            title_zh: file.table.title_zh,
            title_en: file.table.title_en,
            classes,
        })
    }

    /// The built-in GB/T 21010 table (三调 and 二调 codes).
    pub fn gbt21010() -> Result<Self, LandClassError> {
        Self::from_toml("policy/landclass-gbt21010.toml", GBT21010_TOML)
    }

    /// Looks a code up: exactly, then without trailing letters (0201K → 0201), then a
    /// two-digit group entry (0901 → 09) if the table has one.
    pub fn lookup(&self, code: &str) -> Option<&LandClass> {
        let code = code.trim();
        if let Some(class) = self.classes.get(code) {
            return Some(class);
        }
        let trimmed = code.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if trimmed.len() >= 2
            && trimmed != code
            && let Some(class) = self.classes.get(trimmed)
        {
            return Some(class);
        }
        None
    }

    pub fn len(&self) -> usize {
        self.classes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_classifies_key_codes() -> Result<(), LandClassError> {
        let table = LandClassTable::gbt21010()?;
        let category = |code: &str| table.lookup(code).map(|c| c.category);
        assert_eq!(category("0702"), Some(LandCategory::Construction));
        assert_eq!(category("203"), Some(LandCategory::Construction));
        assert_eq!(category("05H1"), Some(LandCategory::Construction));
        assert_eq!(category("1006"), Some(LandCategory::Agricultural));
        assert_eq!(category("0103"), Some(LandCategory::Agricultural));
        assert_eq!(category("1201"), Some(LandCategory::Construction));
        assert_eq!(category("1206"), Some(LandCategory::Unused));
        assert_eq!(category("0201K"), Some(LandCategory::Agricultural));
        assert_eq!(category("9999"), None);
        assert!(table.lookup("0101").is_some_and(|c| c.farmland));
        assert!(table.lookup("0201").is_some_and(|c| !c.farmland));
        Ok(())
    }

    #[test]
    fn duplicate_codes_are_refused() {
        let text = format!(
            "{GBT21010_TOML}\n[[class]]\ncode = \"0101\"\nname = \"x\"\ncategory = \"unused\"\n"
        );
        assert!(matches!(
            LandClassTable::from_toml("t.toml", &text),
            Err(LandClassError::Duplicate { .. })
        ));
    }
}
