//! The land-class table: the land-use codes, their names, and their three-way category
//! (农用地 / 建设用地 / 未利用地).
//!
//! The table is data (`policy/landclass-gbt21010.toml`) so a survey with another working
//! classification is a new file. Unknown codes are reported by the caller, never guessed.
//! Which classes the land-use rules *count* (rural construction land, reclaimed farmland) is
//! the profile's `[land_use]` section, read by [`crate::landrules`], not the category.

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

    /// GB/T 21010-2007 (二调) detailed codes: a second-survey layer of homesteads (072) and
    /// village land is classified, not reported as unknown.
    #[test]
    fn second_survey_detailed_codes_are_in_the_table() -> Result<(), LandClassError> {
        let table = LandClassTable::gbt21010()?;
        let codes = [
            ("051", "批发零售用地"),
            ("052", "住宿餐饮用地"),
            ("053", "商务金融用地"),
            ("054", "其他商服用地"),
            ("061", "工业用地"),
            ("062", "采矿用地"),
            ("063", "仓储用地"),
            ("071", "城镇住宅用地"),
            ("072", "农村宅基地"),
            ("081", "机关团体用地"),
            ("082", "新闻出版用地"),
            ("083", "科教用地"),
            ("084", "医卫慈善用地"),
            ("085", "文体娱乐用地"),
            ("086", "公共设施用地"),
            ("087", "公园与绿地"),
            ("088", "风景名胜设施用地"),
            ("091", "军事设施用地"),
            ("092", "使领馆用地"),
            ("093", "监教场所用地"),
            ("094", "宗教用地"),
            ("095", "殡葬用地"),
            ("103", "街巷用地"),
            ("121", "空闲地"),
        ];
        for (code, name) in codes {
            let class = table
                .lookup(code)
                .unwrap_or_else(|| panic!("{code} {name} is missing"));
            assert_eq!(class.name, name, "{code}");
            assert_eq!(class.category, LandCategory::Construction, "{code}");
            assert!(!class.farmland, "{code}");
        }
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

    /// The 三调 working classification (《第三次全国国土调查技术规程》TD/T 1055-2019, 附录 A
    /// 三调工作分类, with the 农用地/建设用地/未利用地 correspondence of GB/T 21010-2017 附录 B),
    /// transcribed here a second time, independently of the TOML: every code of the survey
    /// must be in the table with this name and category, and only 01xx is farmland.
    const SURVEY_3: &str = "\
        0101 水田 A|0102 水浇地 A|0103 旱地 A|0201 果园 A|0202 茶园 A|0203 橡胶园 A|0204 其他园地 A|\
        0301 乔木林地 A|0302 竹林地 A|0303 红树林地 A|0304 森林沼泽 A|0305 灌木林地 A|0306 灌丛沼泽 A|\
        0307 其他林地 A|0401 天然牧草地 A|0402 沼泽草地 A|0403 人工牧草地 A|0404 其他草地 U|\
        05H1 商业服务业设施用地 C|0508 物流仓储用地 C|0601 工业用地 C|0602 采矿用地 C|0603 盐田 C|\
        0701 城镇住宅用地 C|0702 农村宅基地 C|08H1 机关团体新闻出版用地 C|08H2 科教文卫用地 C|\
        0809 公用设施用地 C|0810 公园与绿地 C|09 特殊用地 C|1001 铁路用地 C|1002 轨道交通用地 C|\
        1003 公路用地 C|1004 城镇村道路用地 C|1005 交通服务场站用地 C|1006 农村道路 A|1007 机场用地 C|\
        1008 港口码头用地 C|1009 管道运输用地 C|1101 河流水面 U|1102 湖泊水面 U|1103 水库水面 C|\
        1104 坑塘水面 A|1105 沿海滩涂 U|1106 内陆滩涂 U|1107 沟渠 A|1108 沼泽地 U|1109 水工建筑用地 C|\
        1110 冰川及永久积雪 U|1201 空闲地 C|1202 设施农用地 A|1203 田坎 A|1204 盐碱地 U|1205 沙地 U|\
        1206 裸土地 U|1207 裸岩石砾地 U";

    #[test]
    fn every_third_survey_class_is_in_the_table_as_the_survey_defines_it()
    -> Result<(), LandClassError> {
        let table = LandClassTable::gbt21010()?;
        let mut checked = 0;
        for entry in SURVEY_3.split('|') {
            let mut parts = entry.split_whitespace();
            let (Some(code), Some(name), Some(category)) =
                (parts.next(), parts.next(), parts.next())
            else {
                panic!("bad entry {entry}");
            };
            let want = match category {
                "A" => LandCategory::Agricultural,
                "C" => LandCategory::Construction,
                _ => LandCategory::Unused,
            };
            // 09 特殊用地 is one class in the survey; the table carries its GB/T subclasses.
            if code == "09" {
                for sub in ["0901", "0902", "0903", "0904", "0905", "0906"] {
                    assert_eq!(table.lookup(sub).map(|c| c.category), Some(want), "{sub}");
                }
                continue;
            }
            let Some(class) = table.lookup(code) else {
                panic!("{code} {name} is not in the table");
            };
            assert_eq!(class.name, name, "{code}");
            assert_eq!(class.category, want, "{code} {name}");
            assert_eq!(class.farmland, code.starts_with("01"), "{code} {name}");
            checked += 1;
        }
        assert_eq!(checked, 55);
        Ok(())
    }
}
