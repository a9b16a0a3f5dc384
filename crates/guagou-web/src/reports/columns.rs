//! The columns of the report tables, shared by the page and the Excel workbook: a label in
//! Chinese and English, a unit, and the number it shows.

use crate::catalogue::{Key, k};
use guagou_domain::report::Figures;
use guagou_domain::{Fen, SquareMetres};

/// What a column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Projects (个).
    Projects,
    /// Households (户).
    Households,
    /// Square metres.
    M2,
    /// Money: stored in 分, shown and written in 元 with two decimals.
    Yuan,
}

impl Unit {
    /// The unit as it appears in a header: (Chinese, English).
    pub fn label(self) -> (&'static str, &'static str) {
        self.name().pair()
    }

    /// The unit's catalogue entry.
    pub fn name(self) -> Key {
        match self {
            Unit::Projects => k::PROJECTS_5,
            Unit::Households => k::HOUSEHOLDS_4,
            Unit::M2 => k::SQUARE_METRES_UNIT,
            Unit::Yuan => k::CNY,
        }
    }
}

/// One column.
pub struct Column {
    pub zh: &'static str,
    pub en: &'static str,
    pub unit: Unit,
    pub value: fn(&Figures) -> i64,
}

impl Column {
    /// `名称（单位）`.
    pub fn header_zh(&self) -> String {
        format!("{}（{}）", self.zh, self.unit.label().0)
    }

    /// `name (unit)`.
    pub fn header_en(&self) -> String {
        format!("{} ({})", self.en, self.unit.label().1)
    }

    /// The cell as text: whole numbers, money in 元 with two decimals.
    pub fn text(&self, figures: &Figures) -> String {
        let value = (self.value)(figures);
        match self.unit {
            Unit::Yuan => Fen(value).yuan_text(),
            _ => value.to_string(),
        }
    }

    /// A tooltip with the area in 公顷 and 亩, for area columns.
    pub fn title(&self, figures: &Figures) -> Option<String> {
        (self.unit == Unit::M2).then(|| {
            let area = SquareMetres((self.value)(figures));
            format!("{} 公顷 / {} 亩", area.hectares_text(), area.mu_text())
        })
    }

    /// The cell as a spreadsheet number (元 for money).
    pub fn number(&self, figures: &Figures) -> f64 {
        let value = (self.value)(figures);
        match self.unit {
            // 分 → 元: exact to the 分 for any amount below 2^53 分.
            Unit::Yuan => value as f64 / 100.0,
            _ => value as f64,
        }
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A group of columns: one table on the page, one block in a sheet.
pub struct Group {
    pub zh: &'static str,
    pub en: &'static str,
    pub columns: &'static [Column],
}

/// Projects and what their current versions plan.
const PROJECTS: &[Column] = &[
    Column {
        zh: "申报项目",
        en: "projects submitted",
        unit: Unit::Projects,
        value: |f| count(f.projects_submitted),
    },
    Column {
        zh: "立项项目",
        en: "projects approved",
        unit: Unit::Projects,
        value: |f| count(f.projects_approved),
    },
    Column {
        zh: "验收项目",
        en: "projects accepted",
        unit: Unit::Projects,
        value: |f| count(f.projects_accepted),
    },
    Column {
        zh: "立项拆旧面积",
        en: "planned demolition",
        unit: Unit::M2,
        value: |f| f.planned_demolition_m2,
    },
    Column {
        zh: "立项安置面积",
        en: "planned resettlement",
        unit: Unit::M2,
        value: |f| f.planned_resettlement_m2,
    },
    Column {
        zh: "立项预计节余",
        en: "planned surplus",
        unit: Unit::M2,
        value: |f| f.planned_surplus_m2,
    },
    Column {
        zh: "受益农户",
        en: "households",
        unit: Unit::Households,
        value: |f| count(f.households),
    },
    Column {
        zh: "受益贫困户",
        en: "poor households",
        unit: Unit::Households,
        value: |f| count(f.poor_households),
    },
];

/// What acceptances confirmed.
const ACCEPTANCE: &[Column] = &[
    Column {
        zh: "验收拆旧复垦面积",
        en: "demolition reclaimed",
        unit: Unit::M2,
        value: |f| f.accepted_demolition_m2,
    },
    Column {
        zh: "其中复垦耕地",
        en: "reclaimed farmland",
        unit: Unit::M2,
        value: |f| f.accepted_farmland_m2,
    },
    Column {
        zh: "验收安置区面积",
        en: "resettlement area",
        unit: Unit::M2,
        value: |f| f.accepted_resettlement_m2,
    },
];

/// The surplus quota: produced, advanced, repaid, used, transferred, deducted.
pub const QUOTA: &[Column] = &[
    Column {
        zh: "核发节余指标",
        en: "surplus issued",
        unit: Unit::M2,
        value: |f| f.issued_m2,
    },
    Column {
        zh: "预支指标",
        en: "advanced",
        unit: Unit::M2,
        value: |f| f.advanced_m2,
    },
    Column {
        zh: "归还预支",
        en: "advances repaid",
        unit: Unit::M2,
        value: |f| f.repaid_m2,
    },
    Column {
        zh: "使用指标",
        en: "used",
        unit: Unit::M2,
        value: |f| f.used_m2,
    },
    Column {
        zh: "流转出",
        en: "transferred out",
        unit: Unit::M2,
        value: |f| f.transferred_out_m2,
    },
    Column {
        zh: "流转收入",
        en: "transfer revenue",
        unit: Unit::Yuan,
        value: |f| f.transfer_revenue_fen,
    },
    Column {
        zh: "流转入",
        en: "transferred in",
        unit: Unit::M2,
        value: |f| f.transferred_in_m2,
    },
    Column {
        zh: "流转支出",
        en: "transfer paid",
        unit: Unit::Yuan,
        value: |f| f.transfer_paid_fen,
    },
    Column {
        zh: "扣减年度计划指标",
        en: "annual plan deducted",
        unit: Unit::M2,
        value: |f| f.deducted_m2,
    },
];

/// The three tables of figures.
pub const GROUPS: &[Group] = &[
    Group {
        zh: "节余指标",
        en: "Surplus quota",
        columns: QUOTA,
    },
    Group {
        zh: "项目与受益户",
        en: "Projects and households",
        columns: PROJECTS,
    },
    Group {
        zh: "验收面积",
        en: "Accepted areas",
        columns: ACCEPTANCE,
    },
];
