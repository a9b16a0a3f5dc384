//! The columns of the report tables, shared by the page and the Excel workbook: a label in
//! Chinese and English, a unit, and the number it shows.

use crate::catalogue::{Key, k};
use crate::html::Lang;
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
    /// The column's name (a catalogue entry).
    pub name: Key,
    pub unit: Unit,
    pub value: fn(&Figures) -> i64,
}

impl Column {
    /// The header in `lang`: `名称（单位）`, `name (unit)`.
    pub fn header(&self, lang: Lang) -> String {
        let (name, unit) = (lang.text(self.name), lang.text(self.unit.name()));
        match lang {
            Lang::Zh => format!("{name}（{unit}）"),
            Lang::En => format!("{name} ({unit})"),
        }
    }

    /// `名称（单位）` (the workbook's Chinese headers).
    pub fn header_zh(&self) -> String {
        self.header(Lang::Zh)
    }

    /// `name (unit)`.
    pub fn header_en(&self) -> String {
        self.header(Lang::En)
    }

    /// The cell as text: whole numbers, money in 元 with two decimals.
    pub fn text(&self, figures: &Figures) -> String {
        let value = (self.value)(figures);
        match self.unit {
            Unit::Yuan => Fen(value).yuan_text(),
            _ => value.to_string(),
        }
    }

    /// A tooltip with the area in hectares and mu (公顷, 亩 in Chinese), for area columns.
    pub fn title(&self, lang: Lang, figures: &Figures) -> Option<String> {
        (self.unit == Unit::M2).then(|| {
            let area = SquareMetres((self.value)(figures));
            format!(
                "{} {} / {} {}",
                area.hectares_text(),
                lang.text(k::HA),
                area.mu_text(),
                lang.text(k::MU)
            )
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
    /// The table's title (a catalogue entry).
    pub name: Key,
    pub columns: &'static [Column],
}

/// Projects and what their current versions plan.
const PROJECTS: &[Column] = &[
    Column {
        name: k::REPORT_PROJECTS_SUBMITTED,
        unit: Unit::Projects,
        value: |f| count(f.projects_submitted),
    },
    Column {
        name: k::REPORT_PROJECTS_APPROVED,
        unit: Unit::Projects,
        value: |f| count(f.projects_approved),
    },
    Column {
        name: k::REPORT_PROJECTS_ACCEPTED,
        unit: Unit::Projects,
        value: |f| count(f.projects_accepted),
    },
    Column {
        name: k::REPORT_PLANNED_DEMOLITION,
        unit: Unit::M2,
        value: |f| f.planned_demolition_m2,
    },
    Column {
        name: k::REPORT_PLANNED_RESETTLEMENT,
        unit: Unit::M2,
        value: |f| f.planned_resettlement_m2,
    },
    Column {
        name: k::REPORT_PLANNED_SURPLUS,
        unit: Unit::M2,
        value: |f| f.planned_surplus_m2,
    },
    Column {
        name: k::REPORT_HOUSEHOLDS,
        unit: Unit::Households,
        value: |f| count(f.households),
    },
    Column {
        name: k::REPORT_POOR_HOUSEHOLDS,
        unit: Unit::Households,
        value: |f| count(f.poor_households),
    },
];

/// What acceptances confirmed.
const ACCEPTANCE: &[Column] = &[
    Column {
        name: k::REPORT_DEMOLITION_RECLAIMED,
        unit: Unit::M2,
        value: |f| f.accepted_demolition_m2,
    },
    Column {
        name: k::REPORT_RECLAIMED_FARMLAND,
        unit: Unit::M2,
        value: |f| f.accepted_farmland_m2,
    },
    Column {
        name: k::REPORT_RESETTLEMENT_AREA,
        unit: Unit::M2,
        value: |f| f.accepted_resettlement_m2,
    },
];

/// The surplus quota: produced, advanced, repaid, used, transferred, deducted.
pub const QUOTA: &[Column] = &[
    Column {
        name: k::REPORT_SURPLUS_ISSUED,
        unit: Unit::M2,
        value: |f| f.issued_m2,
    },
    Column {
        name: k::REPORT_ADVANCED,
        unit: Unit::M2,
        value: |f| f.advanced_m2,
    },
    Column {
        name: k::REPORT_ADVANCES_REPAID,
        unit: Unit::M2,
        value: |f| f.repaid_m2,
    },
    Column {
        name: k::REPORT_USED,
        unit: Unit::M2,
        value: |f| f.used_m2,
    },
    Column {
        name: k::REPORT_TRANSFERRED_OUT,
        unit: Unit::M2,
        value: |f| f.transferred_out_m2,
    },
    Column {
        name: k::REPORT_TRANSFER_REVENUE,
        unit: Unit::Yuan,
        value: |f| f.transfer_revenue_fen,
    },
    Column {
        name: k::REPORT_TRANSFERRED_IN,
        unit: Unit::M2,
        value: |f| f.transferred_in_m2,
    },
    Column {
        name: k::REPORT_TRANSFER_PAID,
        unit: Unit::Yuan,
        value: |f| f.transfer_paid_fen,
    },
    Column {
        name: k::REPORT_ANNUAL_PLAN_DEDUCTED,
        unit: Unit::M2,
        value: |f| f.deducted_m2,
    },
];

/// The three tables of figures.
pub const GROUPS: &[Group] = &[
    Group {
        name: k::REPORT_SURPLUS_QUOTA,
        columns: QUOTA,
    },
    Group {
        name: k::REPORT_PROJECTS_AND_HOUSEHOLDS,
        columns: PROJECTS,
    },
    Group {
        name: k::REPORT_ACCEPTED_AREAS,
        columns: ACCEPTANCE,
    },
];
