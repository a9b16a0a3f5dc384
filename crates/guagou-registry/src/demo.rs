//! The demo registry: a realistic Dazhou registry built through the same use cases a user runs,
//! so the demo exercises every rule it shows. Project packages are generated (deterministic)
//! into `<data>/demo-packages/` so a user can open and re-check them.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, Months, NaiveDate};
use guagou_domain::DivisionCode;
use guagou_domain::ledger::{LandUse, Operation};
use guagou_domain::lifecycle::{PlanAction, ProjectAction};
use guagou_domain::market::Instalment;
use guagou_domain::registry_rules::Backing;
use serde::Serialize;

use crate::base_layers::{BaseLayer, LandUseImport};
use crate::divisions::Division;
use crate::error::RegistryError;
use crate::extensions::ExtensionDecision;
use crate::market::{NewAgreement, NewListing, NewOffer};
use crate::projects::{AcceptanceFigures, CityInvestment};
use crate::{Actor, Registry};

/// What the demo created, for the printout.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemoSummary {
    pub projects: Vec<(String, String)>,
    pub ledger_entries: u64,
    pub sanctions: usize,
    pub packages_dir: PathBuf,
    /// 演示整体平移的年数 / whole years the story was moved by (0: the story's own dates)
    pub shifted_years: i32,
    /// 演示的“今天” / the day the demo was built for, when it was built for one
    pub today: Option<NaiveDate>,
}

/// The last dated event of the demo's story as written (2017-12 … 2019-12): project
/// 511722-2018-001 closed on 2019-12-01.
pub const STORY_END: (i32, u32, u32) = (2019, 12, 1);

/// When the demo happens. The story is written with the dates of 2017-12 … 2019-12; a calendar
/// moves every one of them by whole years (29 February becomes the 28th), and the years in
/// project codes, listing ids, plan periods and labels with them, so that what counts by the
/// calendar year (the annual plan of a year, one planning adjustment a year, a plan's period)
/// keeps its meaning. A calendar built for a day (`for_today`) also adds the demo's recent steps,
/// dated relative to that day (`Registry::demo_recent`): a project with one advance 30 days
/// overdue and one due within weeks, and inspection findings due and overdue by weeks, whatever
/// the day of the year.
///
/// What it does not move: the policy's own facts (the counties' poverty designations and exits of
/// `policy/divisions-dazhou.csv`, `priority.transition_until`, the guide prices, the holiday
/// calendar). A moved demo is read against them as they are: in 2026 no county is in its
/// poverty period any more, so the ranking and the allocation carry no poverty tilt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DemoCalendar {
    years: i32,
    today: Option<NaiveDate>,
}

impl DemoCalendar {
    /// The story on its own dates (the tests that assert fixed dates use it).
    pub fn unshifted() -> Self {
        DemoCalendar::default()
    }

    /// The demo for `today`: the story moved by the most whole years that keep its last event
    /// on or before `today` (the story then ends less than a year before `today`),
    /// and the recent steps dated back from `today`. Refused before the story's end.
    pub fn for_today(today: NaiveDate) -> Result<Self, RegistryError> {
        let end = story_end()?;
        if today < end {
            return Err(RegistryError::invalid(
                "as_of",
                format!("演示的日期不得早于 {end}"),
                format!("the demo's day cannot be before {end}"),
            ));
        }
        let mut years = today.year() - end.year();
        while years > 0 && shift_years(end, years)? > today {
            years -= 1;
        }
        Ok(DemoCalendar {
            years,
            today: Some(today),
        })
    }

    /// Whole years the story moves by.
    pub fn years(&self) -> i32 {
        self.years
    }

    /// The day the demo is built for (`for_today`), if any.
    pub fn today(&self) -> Option<NaiveDate> {
        self.today
    }

    /// The story's date `y-m-day`, moved.
    pub fn date(&self, y: i32, m: u32, day: u32) -> Result<NaiveDate, RegistryError> {
        shift_years(d(y, m, day)?, self.years)
    }

    /// A year of the story (a plan year, the year in a code), moved.
    pub fn year(&self, y: i32) -> i32 {
        y + self.years
    }

    /// A project code of the story (`511722-2018-001`), its year moved.
    pub fn code(&self, code: &str) -> String {
        match code.split('-').collect::<Vec<_>>().as_slice() {
            [county, year, number] => match year.parse::<i32>() {
                Ok(y) => format!("{county}-{}-{number}", self.year(y)),
                Err(_) => code.to_owned(),
            },
            _ => code.to_owned(),
        }
    }

    /// The demo's projects with their codes moved; with a day, the recent project too (last).
    fn projects(&self) -> Vec<DemoProject> {
        let mut out: Vec<DemoProject> = PROJECTS
            .iter()
            .map(|p| DemoProject {
                code: Cow::Owned(self.code(&p.code)),
                ..p.clone()
            })
            .collect();
        if let Some(today) = self.today {
            let (registered, _, _) = recent_dates(today);
            out.push(DemoProject {
                code: Cow::Owned(format!("511702-{}-002", registered.year())),
                ..RECENT.clone()
            });
        }
        out
    }
}

fn story_end() -> Result<NaiveDate, RegistryError> {
    d(STORY_END.0, STORY_END.1, STORY_END.2)
}

/// `date` moved by `years` whole years; 29 February becomes the 28th in a common year.
fn shift_years(date: NaiveDate, years: i32) -> Result<NaiveDate, RegistryError> {
    let y = date.year() + years;
    NaiveDate::from_ymd_opt(y, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, date.month(), date.day() - 1))
        .ok_or_else(|| RegistryError::invalid("date", "无效日期", "invalid date"))
}

/// The recent project's dates, back from `today`: registered; a first advance one year and 30
/// days before `today` (so 30 days overdue, a few less when its last day was a rest day);
/// a second one year less 40 days before `today` (so due about 40 days after it).
fn recent_dates(today: NaiveDate) -> (NaiveDate, NaiveDate, NaiveDate) {
    let year_ago = today.checked_sub_months(Months::new(12)).unwrap_or(today);
    let first = year_ago - Duration::days(30);
    (
        first - Duration::days(100),
        first,
        year_ago + Duration::days(40),
    )
}

fn d(y: i32, m: u32, day: u32) -> Result<NaiveDate, RegistryError> {
    NaiveDate::from_ymd_opt(y, m, day)
        .ok_or_else(|| RegistryError::invalid("date", "无效日期", "invalid date"))
}

fn actor(text: &str) -> Result<Actor, RegistryError> {
    Actor::parse(text)
}

fn code(text: &str) -> Result<DivisionCode, RegistryError> {
    DivisionCode::parse(text)
        .map_err(|e| RegistryError::invalid("code", e.to_string(), e.to_string()))
}

/// One generated demo project: where it lies and what it is.
#[derive(Clone)]
struct DemoProject {
    code: Cow<'static, str>,
    name: &'static str,
    county: &'static str,
    township: &'static str,
    /// South-west corner of the demolition block on the zone-36 plane (easting, northing).
    origin: (f64, f64),
    parcels: usize,
    parcel_side: f64,
    persons: u64,
}

const PROJECTS: &[DemoProject] = &[
    DemoProject {
        code: Cow::Borrowed("511722-2018-001"),
        name: "宣汉县南坝镇增减挂钩项目区",
        county: "511722",
        township: "511722104",
        // North of the README's example package (examples/xuanhan-nanba-pass, the same
        // township), so that the example passes NO_DOUBLE_COUNTING against the demo.
        origin: (474_400.0, 3_471_500.0),
        parcels: 8,
        parcel_side: 95.0,
        persons: 240,
    },
    DemoProject {
        code: Cow::Borrowed("511722-2018-002"),
        name: "宣汉县峰城镇增减挂钩项目区",
        county: "511722",
        township: "511722105",
        origin: (478_900.0, 3_466_100.0),
        parcels: 10,
        parcel_side: 90.0,
        persons: 300,
    },
    DemoProject {
        code: Cow::Borrowed("511781-2018-001"),
        name: "万源市青花镇增减挂钩项目区",
        county: "511781",
        township: "511781103",
        origin: (462_500.0, 3_545_800.0),
        parcels: 9,
        parcel_side: 100.0,
        persons: 280,
    },
    DemoProject {
        code: Cow::Borrowed("511725-2018-001"),
        name: "渠县三汇镇增减挂钩项目区",
        county: "511725",
        township: "511725115",
        origin: (401_600.0, 3_414_000.0),
        parcels: 8,
        parcel_side: 92.0,
        persons: 220,
    },
    DemoProject {
        code: Cow::Borrowed("511703-2019-001"),
        name: "达川区石桥镇增减挂钩项目区",
        county: "511703",
        township: "511703108",
        origin: (452_400.0, 3_453_000.0),
        parcels: 7,
        parcel_side: 95.0,
        persons: 200,
    },
    DemoProject {
        code: Cow::Borrowed("511724-2019-001"),
        name: "大竹县庙坝镇增减挂钩项目区",
        county: "511724",
        township: "511724110",
        origin: (420_100.0, 3_398_200.0),
        parcels: 8,
        parcel_side: 90.0,
        persons: 230,
    },
    DemoProject {
        code: Cow::Borrowed("511723-2019-001"),
        name: "开江县讲治镇增减挂钩项目区",
        county: "511723",
        township: "511723106",
        origin: (470_800.0, 3_437_400.0),
        parcels: 8,
        parcel_side: 92.0,
        persons: 210,
    },
    DemoProject {
        code: Cow::Borrowed("511702-2019-001"),
        name: "通川区北山镇增减挂钩项目区",
        county: "511702",
        township: "511702104",
        origin: (446_900.0, 3_468_600.0),
        parcels: 7,
        parcel_side: 95.0,
        persons: 190,
    },
    DemoProject {
        code: Cow::Borrowed("511781-2019-002"),
        name: "万源市白沙镇增减挂钩项目区",
        county: "511781",
        township: "511781110",
        origin: (470_200.0, 3_552_300.0),
        parcels: 8,
        parcel_side: 94.0,
        persons: 230,
    },
    DemoProject {
        code: Cow::Borrowed("511722-2019-003"),
        name: "宣汉县土黄镇增减挂钩项目区",
        county: "511722",
        township: "511722112",
        origin: (486_300.0, 3_481_500.0),
        parcels: 8,
        parcel_side: 92.0,
        persons: 220,
    },
    DemoProject {
        code: Cow::Borrowed("511725-2019-002"),
        name: "渠县有庆镇增减挂钩项目区",
        county: "511725",
        township: "511725120",
        origin: (409_900.0, 3_424_700.0),
        parcels: 8,
        parcel_side: 93.0,
        persons: 215,
    },
    DemoProject {
        code: Cow::Borrowed("511724-2018-002"),
        name: "大竹县石河镇增减挂钩项目区",
        county: "511724",
        township: "511724115",
        origin: (428_600.0, 3_391_900.0),
        parcels: 8,
        parcel_side: 91.0,
        persons: 210,
    },
    DemoProject {
        code: Cow::Borrowed("511723-2018-002"),
        name: "开江县普安镇增减挂钩项目区",
        county: "511723",
        township: "511723110",
        origin: (478_400.0, 3_431_800.0),
        parcels: 8,
        parcel_side: 95.0,
        persons: 225,
    },
];

/// The demo's recent project (only in a demo built for a day, `DemoCalendar::for_today`):
/// 通川区 蒲家镇, registered, approved and started within the last year and a half, with two
/// advances: one 30 days overdue on the demo's day (its sanctions wait for the next scan), one
/// due about 40 days after it. Its code's year is that of its registration.
const RECENT: DemoProject = DemoProject {
    code: Cow::Borrowed("511702-0000-002"),
    name: "通川区蒲家镇增减挂钩项目区",
    county: "511702",
    township: "511702110",
    origin: (450_200.0, 3_473_800.0),
    parcels: 8,
    parcel_side: 93.0,
    persons: 220,
};

/// The corners (min x, min y, max x, max y) of the README's example package
/// `examples/xuanhan-nanba-pass` (南坝镇, 511722104: demolition parcels and resettlement site),
/// which 南坝镇's demo outline also covers: uploaded to the demo, the example lies in its
/// township and overlaps no demo project.
const NANBA_EXAMPLE: (&str, (f64, f64, f64, f64)) = (
    "511722104",
    (474_234.0, 3_470_111.0, 475_414.0, 3_470_980.0),
);

/// The township's name, from the project's: "宣汉县土黄镇增减挂钩项目区" → "土黄镇". The demo
/// projects are named after real townships of their county (the codes are generated).
fn township_name(p: &DemoProject) -> String {
    let town = p
        .name
        .split_once(['县', '市', '区'])
        .map_or(p.name, |(_, rest)| rest);
    town.trim_end_matches("增减挂钩项目区").to_owned()
}

fn villages_of(p: &DemoProject) -> Vec<String> {
    (1..=3)
        .map(|i| format!("{}{:03}", p.township, 200 + i))
        .collect()
}

/// The resettlement site of `p` (x, y, width, height on the zone-36 plane): a square of 62 m²
/// per person, 150 m south of the demolition block.
fn site_rect(p: &DemoProject) -> (f64, f64, f64, f64) {
    let side = ((p.persons as f64) * 62.0).sqrt();
    (p.origin.0, p.origin.1 - side - 150.0, side, side)
}

/// The construction zone (建新区) of `p`: 120 m × 150 m (18 000 m², well under the planned
/// surplus), 400 m east of the resettlement site. Construction parcels are measured and mapped
/// but no package rule reads them, so they change no check result.
fn construction_rect(p: &DemoProject) -> (f64, f64, f64, f64) {
    let (sx, sy, sw, _) = site_rect(p);
    (sx + sw + 400.0, sy, 120.0, 150.0)
}

/// The corners (min x, min y, max x, max y) of everything `p` lays out on the plane.
fn extent(p: &DemoProject) -> (f64, f64, f64, f64) {
    let step = p.parcel_side + 60.0;
    let rows = p.parcels.div_ceil(4) as f64;
    let columns = p.parcels.min(4) as f64;
    let rects = [
        (p.origin.0, p.origin.1, columns * step, rows * step),
        site_rect(p),
        construction_rect(p),
    ];
    rects.iter().fold(
        (f64::MAX, f64::MAX, f64::MIN, f64::MIN),
        |(x0, y0, x1, y1), (x, y, w, h)| (x0.min(*x), y0.min(*y), x1.max(x + w), y1.max(y + h)),
    )
}

/// Writes the township boundaries of the demo: GENERATED DEMO GEOMETRY, not real boundaries.
/// Each township is a polygon about 300 m around the parcels of its project (real townships are
/// far larger; this keeps the outline in view on the map), with a few extra vertices so it
/// does not look like a parcel.
fn write_township_boundaries(
    root: &Path,
    projects: &[DemoProject],
) -> Result<PathBuf, RegistryError> {
    let io = |e: std::io::Error| {
        RegistryError::invalid(
            "demo-packages",
            format!("无法写入：{e}"),
            format!("cannot write: {e}"),
        )
    };
    std::fs::create_dir_all(root).map_err(io)?;
    let margin = 300.0;
    let features: Vec<serde_json::Value> = projects
        .iter()
        .map(|p| {
            let (mut x0, mut y0, mut x1, mut y1) = extent(p);
            if p.township == NANBA_EXAMPLE.0 {
                let (ex0, ey0, ex1, ey1) = NANBA_EXAMPLE.1;
                (x0, y0, x1, y1) = (x0.min(ex0), y0.min(ey0), x1.max(ex1), y1.max(ey1));
            }
            let (x0, y0, x1, y1) = (x0 - margin, y0 - margin, x1 + margin, y1 + margin);
            let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            let ring = serde_json::json!([[
                [x0, y0 + 120.0],
                [mx, y0 - 150.0],
                [x1, y0],
                [x1 + 120.0, my],
                [x1, y1],
                [mx - 200.0, y1 + 150.0],
                [x0, y1],
                [x0 - 100.0, my],
                [x0, y0 + 120.0]
            ]]);
            serde_json::json!({
                "type": "Feature",
                "properties": {
                    "code": p.township,
                    "name": format!("{}边界（演示）", township_name(p)),
                    "source": "演示生成的示意边界，非真实界线",
                },
                "geometry": { "type": "Polygon", "coordinates": ring }
            })
        })
        .collect();
    let file = root.join("demo-township-boundaries.geojson");
    let collection = serde_json::json!({
        "type": "FeatureCollection",
        "crs": { "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4545" } },
        "features": features,
    });
    std::fs::write(&file, collection.to_string()).map_err(io)?;
    Ok(file)
}

/// Writes a package for `p` (GeoJSON on EPSG:4545, households, relocation list).
/// `surveys`: the potential and willingness survey dates.
fn write_package(
    root: &Path,
    p: &DemoProject,
    surveys: (NaiveDate, NaiveDate),
) -> Result<PathBuf, RegistryError> {
    let dir = root.join(&*p.code);
    let io = |e: std::io::Error| {
        RegistryError::invalid(
            "demo-packages",
            format!("无法写入：{e}"),
            format!("cannot write: {e}"),
        )
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let square = |x: f64, y: f64, w: f64, h: f64| {
        serde_json::json!([[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]])
    };
    let mut features = Vec::new();
    for i in 0..p.parcels {
        let x = p.origin.0 + (i % 4) as f64 * (p.parcel_side + 60.0);
        let y = p.origin.1 + (i / 4) as f64 * (p.parcel_side + 60.0);
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": { "name": format!("拆旧{:02}", i + 1), "DLBM": "0702" },
            "geometry": { "type": "Polygon", "coordinates": square(x, y, p.parcel_side, p.parcel_side) }
        }));
    }
    let crs = serde_json::json!({ "type": "name", "properties": { "name": "urn:ogc:def:crs:EPSG::4545" } });
    let demolition =
        serde_json::json!({ "type": "FeatureCollection", "crs": crs, "features": features });
    let (sx, sy, sw, sh) = site_rect(p);
    let site = serde_json::json!({
        "type": "FeatureCollection", "crs": crs,
        "features": [{ "type": "Feature", "properties": { "name": "集中安置点" },
            "geometry": { "type": "Polygon", "coordinates": square(sx, sy, sw, sh) } }]
    });
    let (cx, cy, cw, ch) = construction_rect(p);
    let construction = serde_json::json!({
        "type": "FeatureCollection", "crs": crs,
        "features": [{ "type": "Feature", "properties": { "name": "建新区01", "DLBM": "0103" },
            "geometry": { "type": "Polygon", "coordinates": square(cx, cy, cw, ch) } }]
    });
    let write = |name: &str, text: String| std::fs::write(dir.join(name), text).map_err(io);
    write("demolition.geojson", demolition.to_string())?;
    write("resettlement.geojson", site.to_string())?;
    write("construction.geojson", construction.to_string())?;
    let villages = villages_of(p);
    let mut households = String::from("id,name,village,persons,consent,method,poor,relocation\n");
    let mut relocation = String::from("id,name,village\n");
    let surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
    let mut persons_left = p.persons;
    let count = p.persons / 3;
    for i in 0..count {
        let persons = if i + 1 == count {
            persons_left
        } else {
            3.min(persons_left)
        };
        persons_left -= persons;
        let village = &villages[(i as usize) % villages.len()];
        let name = format!(
            "{}{}",
            surnames[(i as usize) % surnames.len()],
            ["明", "华", "强", "芳", "军"][(i as usize) % 5]
        );
        let relocation_flag = i % 9 == 0;
        households.push_str(&format!(
            "H{:03},{name},{village},{persons},同意,集中安置,{},{}\n",
            i + 1,
            if i % 4 == 0 { "是" } else { "否" },
            if relocation_flag { "是" } else { "否" }
        ));
        if relocation_flag {
            relocation.push_str(&format!("H{:03},{name},{village}\n", i + 1));
        }
    }
    write("households.csv", households)?;
    write("relocation.csv", relocation)?;
    write(
        "project.toml",
        format!(
            "format = 1\n\n[project]\ncode = \"{}\"\nname = \"{}\"\ncounty = \"{}\"\ntownship = \"{}\"\nvillages = {}\npersons_resettled = {}\n\
             potential_survey_date = {}\nwillingness_survey_date = {}\n\n[[parcels]]\nfile = \"demolition.geojson\"\nrole = \"demolition\"\n\n\
             [[parcels]]\nfile = \"resettlement.geojson\"\nrole = \"resettlement\"\n\n\
             [[parcels]]\nfile = \"construction.geojson\"\nrole = \"construction\"\n\n[households]\nfile = \"households.csv\"\nrelocation_file = \"relocation.csv\"\n",
            p.code,
            p.name,
            p.county,
            p.township,
            serde_json::to_string(&villages).unwrap_or_default(),
            p.persons,
            surveys.0,
            surveys.1,
        ),
    )?;
    Ok(dir)
}

impl Registry {
    /// Builds the demo registry on the story's own dates in this (empty) store; packages go to
    /// `packages_dir`.
    pub async fn build_demo(&self, packages_dir: &Path) -> Result<DemoSummary, RegistryError> {
        self.build_demo_on(packages_dir, &DemoCalendar::unshifted())
            .await
    }

    /// Builds the demo registry in this (empty) store on `cal`'s dates (`DemoCalendar`);
    /// packages go to `packages_dir`. Every write is dated on or before the calendar's day.
    pub async fn build_demo_on(
        &self,
        packages_dir: &Path,
        cal: &DemoCalendar,
    ) -> Result<DemoSummary, RegistryError> {
        let projects = cal.projects();
        let city = actor("市局管理员@511700")?;
        let province = actor("省厅审批员@510000")?;
        self.seed_dazhou(&city).await?;
        let mut villages = Vec::new();
        for p in &projects {
            villages.push(Division {
                code: p.township.to_owned(),
                name: format!("{}镇", &p.name[9..15.min(p.name.len())]),
                level: "township".into(),
                parent: Some(p.county.to_owned()),
                poverty_level: None,
                designated_on: None,
                designated_source: None,
                exited_on: None,
                exited_source: None,
                poor_village: false,
                relocation_village: false,
                poor_households: 0,
                relocation_households: 0,
            });
            for (i, v) in villages_of(p).into_iter().enumerate() {
                villages.push(Division {
                    name: format!("{}村", ["青龙", "白鹤", "石门"][i % 3]),
                    level: "village".into(),
                    parent: Some(p.township.to_owned()),
                    poor_village: i == 0,
                    relocation_village: i == 1,
                    poor_households: if i == 0 { 37 } else { 12 },
                    relocation_households: if i == 1 { 9 } else { 0 },
                    code: v,
                    ..villages[0].clone()
                });
            }
        }
        // The townships are named after their projects (real townships of each county).
        for d in villages.iter_mut().filter(|d| d.level == "township") {
            if let Some(p) = projects.iter().find(|p| p.township == d.code) {
                d.name = township_name(p);
            }
        }
        self.import_divisions(&city, "demo", &villages, "演示数据：乡镇与村")
            .await?;

        // Township outlines for the map: generated demo geometry (see the function).
        let boundaries = write_township_boundaries(packages_dir, &projects)?;
        self.import_boundaries(
            &city,
            &boundaries,
            Some("code"),
            &guagou_geo::formats::ReadOptions::default(),
        )
        .await?;

        // Special plans 2016–2020 for each county with projects: consulted, approved, filed.
        let mut counties: Vec<&str> = projects.iter().map(|p| p.county).collect();
        counties.sort_unstable();
        counties.dedup();
        for county in &counties {
            let county_actor = actor(&format!("县局经办人@{county}"))?;
            let scope: Vec<DivisionCode> = projects
                .iter()
                .filter(|p| p.county == *county)
                .flat_map(villages_of)
                .filter_map(|v| DivisionCode::parse(&v).ok())
                .collect();
            let county_code = code(county)?;
            let plan = self
                .create_plan(
                    &county_actor,
                    &county_code,
                    &format!(
                        "{county} 增减挂钩专项规划（{}—{}年）",
                        cal.year(2016),
                        cal.year(2020)
                    ),
                    (cal.year(2016).into(), cal.year(2020).into()),
                    &scope,
                    cal.date(2017, 12, 10)?,
                )
                .await?;
            self.plan_action(
                &county_actor,
                &plan.id,
                PlanAction::Consult,
                cal.date(2017, 12, 11)?,
                "征求部门意见",
            )
            .await?;
            for department in self.profile.consultation.departments.value.clone() {
                let reviewer = actor(&format!("{department}审查员@511700"))?;
                self.add_opinion(
                    &reviewer,
                    &plan.id,
                    &department,
                    "原则同意",
                    cal.date(2017, 12, 20)?,
                )
                .await?;
            }
            self.plan_action(
                &county_actor,
                &plan.id,
                PlanAction::Submit,
                cal.date(2017, 12, 25)?,
                "报市局审批",
            )
            .await?;
            self.plan_action(
                &city,
                &plan.id,
                PlanAction::Approve,
                cal.date(2018, 1, 10)?,
                "同意",
            )
            .await?;
            self.plan_action(
                &province,
                &plan.id,
                PlanAction::File,
                cal.date(2018, 1, 25)?,
                "备案",
            )
            .await?;
            // Each county gets its 2019 annual plan quota.
            let year = cal.year(2019);
            self.post(
                &province,
                Operation::GrantAnnualPlan {
                    county: county_code.clone(),
                    year,
                    amount_m2: 200_000,
                },
                &format!("grant:{county}:{year}"),
                &format!("{year} 年度土地利用计划"),
                cal.date(2019, 1, 5)?,
            )
            .await?;
        }

        let mut created = Vec::new();
        for (i, p) in projects.iter().enumerate().take(PROJECTS.len()) {
            let surveys = (cal.date(2018, 3, 1)?, cal.date(2018, 3, 20)?);
            let dir = write_package(packages_dir, p, surveys)?;
            let county_actor = actor(&format!("县局经办人@{}", p.county))?;
            self.register_project(&county_actor, &dir, cal.date(2018, 4, 1)?, "登记项目区")
                .await?;
            created.push((p.code.to_string(), i));
        }
        // Walk projects to different states.
        let walk: &[(usize, &[ProjectAction])] = &[
            (
                0,
                &[
                    ProjectAction::Submit,
                    ProjectAction::Pool,
                    ProjectAction::Forward,
                    ProjectAction::Approve,
                    ProjectAction::Start,
                ],
            ),
            (
                1,
                &[
                    ProjectAction::Submit,
                    ProjectAction::Pool,
                    ProjectAction::Forward,
                    ProjectAction::Approve,
                    ProjectAction::Start,
                ],
            ),
            (
                2,
                &[
                    ProjectAction::Submit,
                    ProjectAction::Pool,
                    ProjectAction::Forward,
                    ProjectAction::Approve,
                    ProjectAction::Start,
                ],
            ),
            (
                3,
                &[
                    ProjectAction::Submit,
                    ProjectAction::Pool,
                    ProjectAction::Forward,
                    ProjectAction::Approve,
                    ProjectAction::Start,
                ],
            ),
            (4, &[ProjectAction::Submit, ProjectAction::Pool]),
            (5, &[ProjectAction::Submit, ProjectAction::Pool]),
            (6, &[ProjectAction::Submit]),
            (
                7,
                &[
                    ProjectAction::Submit,
                    ProjectAction::Pool,
                    ProjectAction::Forward,
                ],
            ),
            // 9 stays a draft; 10 is approved; 11 is terminated; 12 is accepted.
            (
                10,
                &[
                    ProjectAction::Submit,
                    ProjectAction::Pool,
                    ProjectAction::Forward,
                    ProjectAction::Approve,
                ],
            ),
            (
                11,
                &[
                    ProjectAction::Submit,
                    ProjectAction::Pool,
                    ProjectAction::Forward,
                    ProjectAction::Approve,
                    ProjectAction::Start,
                    ProjectAction::Terminate,
                ],
            ),
            (
                12,
                &[
                    ProjectAction::Submit,
                    ProjectAction::Pool,
                    ProjectAction::Forward,
                    ProjectAction::Approve,
                    ProjectAction::Start,
                ],
            ),
        ];
        for (index, actions) in walk {
            let p = &projects[*index];
            let county_actor = actor(&format!("县局经办人@{}", p.county))?;
            for action in *actions {
                let who = match action {
                    ProjectAction::Submit | ProjectAction::Start | ProjectAction::Withdraw => {
                        &county_actor
                    }
                    ProjectAction::Approve => &province,
                    _ => &city,
                };
                let date = match action {
                    ProjectAction::Submit => cal.date(2018, 4, 20)?,
                    ProjectAction::Pool => cal.date(2018, 5, 5)?,
                    ProjectAction::Forward => cal.date(2018, 5, 20)?,
                    ProjectAction::Approve => cal.date(2018, 6, 15)?,
                    _ => cal.date(2018, 7, 1)?,
                };
                self.project_action(who, &p.code, *action, date, "演示流程")
                    .await?;
            }
        }
        // City investment of a project before approval.
        self.set_city_investment(
            &city,
            &projects[7].code,
            &CityInvestment {
                funding_source: "investment_attraction".into(),
                city_share_percent: 40,
                construction_zone_plan: format!("达州市中心城区建新方案（{}）", cal.year(2019)),
            },
            "市级投资县级实施 (二(六))",
        )
        .await?;
        // Withdrawn and returned projects.
        let county_actor = actor(&format!("县局经办人@{}", projects[8].county))?;
        self.project_action(
            &county_actor,
            &projects[8].code,
            ProjectAction::Withdraw,
            cal.date(2018, 5, 2)?,
            "调整选址",
        )
        .await?;
        self.project_action(
            &city,
            &projects[5].code,
            ProjectAction::Return,
            cal.date(2018, 6, 1)?,
            "安置区选址需补充论证",
        )
        .await?;

        // Advances on the approved projects (30 % of planned surplus).
        for index in [0, 1, 2, 3] {
            let p = &projects[index];
            let project = self.project(&p.code).await?;
            let amount = guagou_domain::ledger::engine::advance_limit_m2(
                project.planned_surplus_m2,
                self.profile.advance.max_share.value,
            );
            self.post(
                &city,
                Operation::Advance {
                    project: p.code.to_string(),
                    amount_m2: amount,
                },
                &format!("advance:{}", p.code),
                "预支 30% 节余指标 (二(四))",
                cal.date(2018, 7, 10)?,
            )
            .await?;
        }
        // Project 0: accepted within the year; the advance is settled and the rest issued.
        let p0 = &projects[0];
        let x = actor(&format!("县局经办人@{}", p0.county))?;
        let project0 = self.project(&p0.code).await?;
        let version = self.current_version(&project0).await?;
        let figures = AcceptanceFigures {
            reclaimed_m2: version.summary.demolition_m2,
            resettlement_m2: version.summary.resettlement_m2,
            reclaimed_farmland_m2: version.summary.demolition_m2 - 2_000,
            resettlement_farmland_m2: 3_000,
        };
        self.apply_acceptance(
            &x,
            &p0.code,
            figures,
            None,
            cal.date(2019, 5, 10)?,
            "验收申请",
        )
        .await?;
        self.project_action(
            &city,
            &p0.code,
            ProjectAction::Accept,
            cal.date(2019, 6, 20)?,
            "验收合格",
        )
        .await?;
        // Use for operational land, a reservation, a listing and a transfer.
        let listing = format!("SC-{}-0107", cal.year(2019));
        let xuanhan = code("511722")?;
        self.record_land_supply(
            &x,
            &format!("511722-GD-{}-01", cal.year(2019)),
            &xuanhan,
            "东乡街道商业地块",
            LandUse::Commercial,
            12_000,
            Backing::SurplusQuota,
            cal.date(2019, 7, 1)?,
            "商业用地供地 (二(五))",
        )
        .await?;
        self.post(
            &x,
            Operation::Reserve {
                division: xuanhan.clone(),
                amount_m2: 8_000,
                purpose: "易地扶贫搬迁安置点建设".into(),
            },
            &format!("reserve:511722:{}", cal.year(2019)),
            "优先保障本地需求 (二(三))",
            cal.date(2019, 7, 2)?,
        )
        .await?;
        self.post(
            &x,
            Operation::List {
                division: xuanhan.clone(),
                listing: listing.clone(),
                amount_m2: 20_000,
            },
            &format!("list:{listing}"),
            "省级平台公告",
            cal.date(2019, 7, 5)?,
        )
        .await?;
        self.post(
            &x,
            Operation::Transfer {
                listing: listing.clone(),
                buyer: code("510100")?,
                amount_m2: 20_000,
                price_fen_per_mu: 30_000_000,
                priced_on: None,
            },
            &format!("transfer:{listing}"),
            "流转协议结算",
            cal.date(2019, 9, 1)?,
        )
        .await?;
        self.project_action(
            &city,
            &p0.code,
            ProjectAction::Close,
            cal.date(2019, 12, 1)?,
            "关闭",
        )
        .await?;
        // Project 1: acceptance applied with a change (decided together, not yet decided),
        // two days after its advance's due date (2019-07-10): too late to stop the clock
        // (验收归还 counts from an application in time), so the scan still sanctions it.
        let p1 = &projects[1];
        let y = actor(&format!("县局经办人@{}", p1.county))?;
        let project1 = self.project(&p1.code).await?;
        let v1 = self.current_version(&project1).await?;
        let f1 = AcceptanceFigures {
            reclaimed_m2: v1.summary.demolition_m2,
            resettlement_m2: v1.summary.resettlement_m2,
            reclaimed_farmland_m2: v1.summary.demolition_m2,
            resettlement_farmland_m2: 0,
        };
        self.apply_acceptance(&y, &p1.code, f1, None, cal.date(2019, 7, 12)?, "验收申请")
            .await?;
        // Project 12: accepted without an advance (not yet closed).
        let p12 = &projects[12];
        let z = actor(&format!("县局经办人@{}", p12.county))?;
        let v12 = self
            .current_version(&self.project(&p12.code).await?)
            .await?;
        let f12 = AcceptanceFigures {
            reclaimed_m2: v12.summary.demolition_m2,
            resettlement_m2: v12.summary.resettlement_m2,
            reclaimed_farmland_m2: v12.summary.demolition_m2,
            resettlement_farmland_m2: 1_000,
        };
        self.apply_acceptance(&z, &p12.code, f12, None, cal.date(2019, 3, 1)?, "验收申请")
            .await?;
        self.project_action(
            &city,
            &p12.code,
            ProjectAction::Accept,
            cal.date(2019, 4, 1)?,
            "验收合格",
        )
        .await?;
        // Projects 2 and 3 miss their repayment date: the scan applies every sanction.
        let summary_scan = self.scan(&city, cal.date(2019, 7, 15)?).await?;
        self.demo_market(cal).await?;
        self.demo_supervision(cal).await?;
        self.demo_notice(packages_dir, cal).await?;
        self.demo_funds(cal).await?;
        if let Some(today) = cal.today() {
            self.demo_recent(packages_dir, &projects, today).await?;
        }
        Ok(DemoSummary {
            projects: self
                .projects("", None)
                .await?
                .into_iter()
                .map(|p| (p.code, p.state.to_string()))
                .collect(),
            ledger_entries: self.store.head().await?.0,
            sanctions: summary_scan.applied.len(),
            packages_dir: packages_dir.to_path_buf(),
            shifted_years: cal.years(),
            today: cal.today(),
        })
    }
}

impl Registry {
    /// The demo's recent steps (a demo built for a day, `DemoCalendar::for_today`), dated back
    /// from `today`, so the dashboard shows what a registry in use shows on any day of the
    /// year: 通川区's recent project (`RECENT`) registered, approved and started, one advance
    /// 30 days overdue (no scan since: its sanctions show as due) and one due about 40 days
    /// after `today`; an inspection of it three weeks past one finding's deadline, with another
    /// finding due in 25 days. Nothing is dated after `today`.
    async fn demo_recent(
        &self,
        packages_dir: &Path,
        projects: &[DemoProject],
        today: NaiveDate,
    ) -> Result<(), RegistryError> {
        use crate::inspections::{NewFinding, NewInspection};
        use guagou_domain::supervision::{FindingSeverity, InspectionKind};
        let Some(p) = projects.get(PROJECTS.len()) else {
            return Ok(());
        };
        let city = actor("市局管理员@511700")?;
        let province = actor("省厅审批员@510000")?;
        let county = actor(&format!("县局经办人@{}", p.county))?;
        let (registered, first, second) = recent_dates(today);
        let surveys = (
            registered - Duration::days(45),
            registered - Duration::days(20),
        );
        let dir = write_package(packages_dir, p, surveys)?;
        self.register_project(&county, &dir, registered, "登记项目区")
            .await?;
        let steps = [
            (ProjectAction::Submit, &county, 10),
            (ProjectAction::Pool, &city, 25),
            (ProjectAction::Forward, &city, 40),
            (ProjectAction::Approve, &province, 70),
            (ProjectAction::Start, &county, 85),
        ];
        for (action, who, days) in steps {
            self.project_action(
                who,
                &p.code,
                action,
                registered + Duration::days(days),
                "演示流程",
            )
            .await?;
        }
        let project = self.project(&p.code).await?;
        let limit = guagou_domain::ledger::engine::advance_limit_m2(
            project.planned_surplus_m2,
            self.profile.advance.max_share.value,
        );
        // Two advances within the 30 % limit: the first is overdue and waits for the city's next
        // deadline scan (so its sanctions show as due, not applied); the second falls due soon.
        for (n, on, amount) in [(1, first, limit / 2), (2, second, limit - limit / 2)] {
            self.post(
                &city,
                Operation::Advance {
                    project: p.code.to_string(),
                    amount_m2: amount,
                },
                &format!("advance:{}:{n}", p.code),
                "预支节余指标 (二(四))",
                on,
            )
            .await?;
        }
        let supervisor = actor("市局监管员@511700")?;
        self.record_inspection(
            &supervisor,
            &NewInspection {
                county: None,
                project: Some(p.code.to_string()),
                kind: InspectionKind::Construction,
                inspected_on: today - Duration::days(60),
                inspector: None,
                summary: "安置区建设进度与质量检查".into(),
                findings: vec![
                    NewFinding {
                        description: "安置区挡土墙未按设计施工".into(),
                        severity: FindingSeverity::Major,
                        deadline: today - Duration::days(21),
                    },
                    NewFinding {
                        description: "拆旧区建筑垃圾未清运".into(),
                        severity: FindingSeverity::Minor,
                        deadline: today + Duration::days(25),
                    },
                ],
            },
            "演示：市局季度检查",
        )
        .await?;
        Ok(())
    }
}

/// The county whose land-use layer `demo_landuse` stores: 大竹县, whose demo projects are past
/// the rules the layer decides (one returned, one terminated), so the layer changes no demo
/// decision.
pub const DEMO_LANDUSE_COUNTY: &str = "511724";

/// Polygons of the demo layer: guagou-synth's smallest county (about 2.5 km across).
const DEMO_LANDUSE_POLYGONS: u64 = guagou_synth::MIN_POLYGONS;

impl Registry {
    /// What `build_demo` leaves out so that the web tests' demo stays as it was (their pages
    /// and figures are asserted): a settled agreement with payments and an adjustment
    /// (`demo_settled_agreement`), departments' reviews and an audit finding
    /// (`demo_reviews`), completion extensions of a project without an advance
    /// (`demo_extensions`), and, when this registry has a base-layer folder, a stored
    /// land-use layer (`demo_landuse`). `guagou demo` runs it after `build_demo`, so the demo
    /// holds one record of every kind; so do the tests that need one.
    pub async fn complete_demo(&self, packages_dir: &Path) -> Result<(), RegistryError> {
        self.complete_demo_on(packages_dir, &DemoCalendar::unshifted())
            .await
    }

    /// `complete_demo` on `cal`'s dates (the calendar `build_demo_on` was given).
    pub async fn complete_demo_on(
        &self,
        packages_dir: &Path,
        cal: &DemoCalendar,
    ) -> Result<(), RegistryError> {
        // Reviews first: the verify tests take the settled agreement and the land-use layer
        // as the demo's last writes.
        self.demo_reviews(cal).await?;
        self.demo_extensions(cal).await?;
        self.demo_settled_agreement(cal).await?;
        if self.base_dir.is_some() {
            self.demo_landuse(packages_dir, cal).await?;
        }
        Ok(())
    }

    /// Project 10 took no advance: its completion period (to 2021-06-15) may be extended under
    /// the normal procedure. One request refused, one granted, one awaiting the city.
    pub async fn demo_extensions(&self, cal: &DemoCalendar) -> Result<(), RegistryError> {
        let city = &actor("市局管理员@511700")?;
        let projects = cal.projects();
        let p = &projects[10];
        let county = actor(&format!("县局经办人@{}", p.county))?;
        let first = self
            .request_extension(
                &county,
                &p.code,
                cal.date(2022, 12, 31)?,
                cal.date(2019, 3, 1)?,
                "拆旧农户搬迁滞后",
            )
            .await?;
        self.decide_extension(
            city,
            &p.code,
            first.seq,
            ExtensionDecision::Refuse,
            cal.date(2019, 3, 10)?,
            "延期过长，请按实际进度重新申请",
        )
        .await?;
        let second = self
            .request_extension(
                &county,
                &p.code,
                cal.date(2021, 12, 31)?,
                cal.date(2019, 3, 15)?,
                "复垦工程受汛期影响",
            )
            .await?;
        self.decide_extension(
            city,
            &p.code,
            second.seq,
            ExtensionDecision::Grant(cal.date(2021, 12, 31)?),
            cal.date(2019, 3, 25)?,
            &format!("同意延至 {granted}", granted = cal.date(2021, 12, 31)?),
        )
        .await?;
        self.request_extension(
            &county,
            &p.code,
            cal.date(2022, 6, 30)?,
            cal.date(2019, 6, 20)?,
            "安置房验收尚未完成",
        )
        .await?;
        Ok(())
    }

    /// Departments' reviews and an audit finding on 宣汉县's implementing project (三(一)):
    /// 规划 on the site of concentrated residence, with a condition; 住建 on quality and safety;
    /// the audit bureau on the payment records.
    pub async fn demo_reviews(&self, cal: &DemoCalendar) -> Result<(), RegistryError> {
        use crate::reviews::{NewFinding, NewReview};
        use guagou_domain::review::Conclusion;
        let project = cal.code("511722-2018-002");
        let planning = Actor::parse_with(
            "规划审查员@511700/规划",
            &self.profile.consultation.departments.value,
        )?;
        self.record_project_review(
            &planning,
            &project,
            &NewReview {
                topic: "site".into(),
                conclusion: Conclusion::Conditional,
                text: "同意选址；安置区北侧临河，须先完成防洪堤护坡再建房。".into(),
                reviewed_on: cal.date(2018, 6, 20)?,
            },
        )
        .await?;
        let housing = Actor::parse_with(
            "住建站@511722/住建",
            &self.profile.consultation.departments.value,
        )?;
        self.record_project_review(
            &housing,
            &project,
            &NewReview {
                topic: "quality_safety".into(),
                conclusion: Conclusion::Agree,
                text: "安置房主体结构验收合格，消防通道已按图施工。".into(),
                reviewed_on: cal.date(2019, 5, 20)?,
            },
        )
        .await?;
        let audit = actor("审计组@511700/audit")?;
        self.record_audit_finding(
            &audit,
            &NewFinding {
                county: None,
                project: Some(project.clone()),
                text: "复垦工程第二期付款缺监理签认的工程量清单，请补齐凭证。".into(),
                found_on: cal.date(2019, 6, 30)?,
            },
        )
        .await?;
        Ok(())
    }

    /// The demo's settled trade, through the market's own steps: 开江县 (511723), which holds
    /// the surplus of its accepted project, lists 10 000 m² at the guide price; 通川区 (511702)
    /// offers for all of it; they sign a two-instalment agreement, settle it (the ledger
    /// transfer), and the first instalment and part of the second are received (each a funds
    /// proceeds entry); then 开江县 applies for its planning adjustment of the year. `/market`
    /// shows a settled agreement with payments beside the open listing of `demo_market`.
    pub async fn demo_settled_agreement(&self, cal: &DemoCalendar) -> Result<(), RegistryError> {
        let seller = actor("县局经办人@511723")?;
        let buyer = actor("区局经办人@511702")?;
        let guide = self
            .profile
            .guide_price_on(cal.date(2019, 7, 20)?)
            .and_then(|g| g.fen_per_mu())
            .map(|f| f.0)
            .ok_or_else(|| {
                RegistryError::invalid("guide_price", "无指导价", "no guide price in force")
            })?;
        let listing = self
            .publish_listing(
                &seller,
                &NewListing {
                    amount_m2: 10_000,
                    reserve_price_fen_per_mu: guide,
                    opens_on: cal.date(2019, 7, 20)?,
                    closes_on: cal.date(2019, 9, 30)?,
                    contact: "开江县国土资源局 耕保股 0818-0000001（演示）".into(),
                },
                cal.date(2019, 7, 20)?,
                "demo:settled:publish",
            )
            .await?;
        let offer = self
            .make_offer(
                &buyer,
                &listing.id,
                &NewOffer {
                    amount_m2: 10_000,
                    price_fen_per_mu: guide,
                    contact: "通川区国土资源分局 0818-0000002（演示）".into(),
                },
                cal.date(2019, 7, 22)?,
                "demo:settled:offer",
            )
            .await?;
        let total = guagou_domain::market::agreement_total_fen(10_000, guide)?;
        let first = total / 2;
        let schedule = vec![
            Instalment {
                number: 1,
                due_on: cal.date(2019, 8, 31)?,
                amount_fen: first,
            },
            Instalment {
                number: 2,
                due_on: cal.date(2019, 10, 31)?,
                amount_fen: total - first,
            },
        ];
        let agreement = self
            .sign_agreement(
                &seller,
                &listing.id,
                &NewAgreement {
                    offer: offer.id,
                    amount_m2: 10_000,
                    price_fen_per_mu: guide,
                    schedule,
                },
                cal.date(2019, 7, 25)?,
                "demo:settled:sign",
            )
            .await?;
        self.settle_agreement(
            &seller,
            &agreement.id,
            cal.date(2019, 8, 1)?,
            "demo:settled:settle",
        )
        .await?;
        self.record_payment(
            &seller,
            &agreement.id,
            1,
            first,
            cal.date(2019, 8, 20)?,
            "第一期价款到账（演示）",
            "demo:settled:pay-1",
        )
        .await?;
        self.record_payment(
            &seller,
            &agreement.id,
            2,
            (total - first) / 2,
            cal.date(2019, 10, 15)?,
            "第二期部分价款到账（演示）",
            "demo:settled:pay-2",
        )
        .await?;
        // After its transfer the seller applies for its planning adjustment of the year (二(七)).
        self.apply_adjustment(
            &seller,
            &code("511723")?,
            cal.date(2019, 8, 5)?,
            "流转后调整规划（演示）",
        )
        .await?;
        Ok(())
    }

    /// The demo's land-use layer, a separate step (the demo command runs it; most tests do not
    /// need it): a deterministic synthetic county from guagou-synth written to
    /// `<work_dir>/landuse-511724`, imported as 大竹县's 2019 layer into the base-layer folder
    /// like any `guagou import landuse`. Measured in a debug build on 2 cores: 0.3 s to
    /// generate, 0.9 s to import (a 1.1 MB GeoPackage) — too much for every web test's demo,
    /// hence a separate step. Needs `base_dir`.
    pub async fn demo_landuse(
        &self,
        work_dir: &Path,
        cal: &DemoCalendar,
    ) -> Result<BaseLayer, RegistryError> {
        let county = code(DEMO_LANDUSE_COUNTY)?;
        let out = work_dir.join(format!("landuse-{DEMO_LANDUSE_COUNTY}"));
        let options = guagou_synth::SynthOptions {
            county: DEMO_LANDUSE_COUNTY.to_owned(),
            polygons: DEMO_LANDUSE_POLYGONS,
            seed: 1,
            bench_parcels: Some(1),
        };
        guagou_synth::generate(&options, &out, |_, _| {})
            .map_err(|e| RegistryError::invalid("demo_landuse", e.to_string(), e.to_string()))?;
        let request = LandUseImport {
            source: out.join("landuse.shp"),
            county,
            vintage: cal.year(2019).into(),
            options: guagou_base::ImportOptions::default(),
            reason: format!(
                "演示：{year} 年度土地利用现状（合成数据）",
                year = cal.year(2019)
            ),
            replace: false,
        };
        let staff = actor(&format!("县局经办人@{DEMO_LANDUSE_COUNTY}"))?;
        self.import_landuse(&staff, &request, &mut |_| {}).await
    }
}

#[cfg(test)]
mod township_tests {
    use super::*;

    #[test]
    fn every_demo_township_has_its_real_name() {
        let names: Vec<(&str, String)> = PROJECTS
            .iter()
            .map(|p| (p.township, township_name(p)))
            .collect();
        assert!(
            names.contains(&("511722112", "土黄镇".to_owned())),
            "{names:?}"
        );
        assert!(
            names.contains(&("511703108", "石桥镇".to_owned())),
            "{names:?}"
        );
        assert!(
            names.contains(&("511725115", "三汇镇".to_owned())),
            "{names:?}"
        );
        for (code, name) in &names {
            assert!(
                name.ends_with('镇') && name.chars().count() == 3,
                "{code}: {name}"
            );
        }
    }
}
