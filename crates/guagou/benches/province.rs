//! Loads a province-sized synthetic registry into a database for the scale figures of
//! `bench/province.sh` (docs/scale.md): Sichuan's shape, 21 cities and 183 counties, 20,000
//! projects with 100 parcels each (2,000,000 parcels) and a 1,000,000-entry quota ledger.
//!
//! How each part is made, fastest first without cheating the parts that are measured:
//! - the Dazhou demo is built through the real use cases (projects with packages, checks,
//!   lifecycles, market, notices, funds, audit);
//! - the other 20 cities and 176 counties are imported through `import_divisions`;
//! - projects are copies of the demo's closed 宣汉 project (its rows in `projects`,
//!   `project_versions` and `project_parcels`, parcels repeated to 100 per project) with new
//!   codes, counties, names and a mix of states, inserted in batches: registering 20,000
//!   packages through the checks would measure the checker, which `docs/spatial-benchmarks.md`
//!   already does;
//! - the ledger is posted through the engine and the store (`WriteTx::post_ledger`, 2,000
//!   postings per transaction), so every entry is hash-chained, with lots, balances and an
//!   audit record per registered project, and `guagou verify` checks all of it.
//!
//! Run (PostgreSQL): `GUAGOU_BENCH_DATABASE=postgres://… cargo bench -p guagou --bench province`.
//! Sizes: `GUAGOU_BENCH_PROJECTS` (default 20,000), `GUAGOU_BENCH_PARCELS` (per project,
//! default 100), `GUAGOU_BENCH_ENTRIES` (default 1,000,000). Prints what it loaded and how
//! fast; no assertions on time.

use std::error::Error;
use std::time::Instant;

use chrono::NaiveDate;
use guagou_domain::landclass::LandClassTable;
use guagou_domain::ledger::engine::ProjectLedger;
use guagou_domain::ledger::{LandUse, Meta, Operation};
use guagou_domain::{DivisionCode, Profile};
use guagou_registry::divisions::Division;
use guagou_registry::{Actor, FixedClock, Registry};
use guagou_store::{AuditRecord, Store, StoreError, WriteTx};
use sqlx::Row;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The demo project every synthetic project copies (closed: versions, checks, parcels).
const TEMPLATE: &str = "511722-2018-001";
/// Sichuan's 21 prefecture-level divisions (5101 … 5134, 5117 is Dazhou, built by the demo).
const CITIES: [u32; 21] = [
    5101, 5103, 5104, 5105, 5106, 5107, 5108, 5109, 5110, 5111, 5113, 5114, 5115, 5116, 5117, 5118,
    5119, 5120, 5132, 5133, 5134,
];
const COUNTIES: usize = 183;
const STATES: [&str; 8] = [
    "implementing",
    "accepted",
    "closed",
    "approved",
    "implementing",
    "closed",
    "submitted",
    "draft",
];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The 183 county codes: Dazhou's 7, then 176 spread over the other 20 cities.
fn county_codes() -> Vec<String> {
    let mut codes: Vec<String> = [
        "511702", "511703", "511722", "511723", "511724", "511725", "511781",
    ]
    .map(str::to_owned)
    .to_vec();
    let others: Vec<u32> = CITIES.iter().copied().filter(|c| *c != 5117).collect();
    let mut n = 0usize;
    while codes.len() < COUNTIES {
        let city = others[n % others.len()];
        let seq = 2 + n / others.len();
        codes.push(format!("{city}{seq:02}"));
        n += 1;
    }
    codes
}

fn divisions(counties: &[String]) -> Vec<Division> {
    let division =
        |code: String, name: String, level: &str, parent: Option<String>, poor: bool| Division {
            code,
            name,
            level: level.to_owned(),
            parent,
            poverty_level: poor.then(|| "provincial".to_owned()),
            designated_on: None,
            designated_source: poor.then(|| "bench".to_owned()),
            exited_on: poor.then(|| "2019-12-31".to_owned()),
            exited_source: poor.then(|| "bench".to_owned()),
            poor_village: false,
            relocation_village: false,
            poor_households: 0,
            relocation_households: 0,
        };
    let mut out: Vec<Division> = CITIES
        .iter()
        .filter(|c| **c != 5117)
        .map(|c| {
            division(
                format!("{c}00"),
                format!("合成市{c}"),
                "city",
                Some("510000".into()),
                false,
            )
        })
        .collect();
    for (i, code) in counties.iter().enumerate().skip(7) {
        let parent = format!("{}00", &code[..4]);
        out.push(division(
            code.clone(),
            format!("合成县{code}"),
            "county",
            Some(parent),
            i % 3 == 0,
        ));
    }
    out
}

/// The template's rows, as text/number columns in order.
struct Template {
    project: sqlx::any::AnyRow,
    versions: Vec<sqlx::any::AnyRow>,
    parcels: Vec<sqlx::any::AnyRow>,
}

async fn template(store: &Store) -> Result<Template> {
    let pool = store.pool();
    let project = sqlx::query("SELECT name, township, planned_surplus_m2, submitted_on, approved_on, accepted_on, construction_zone_plan FROM projects WHERE code = $1")
        .bind(TEMPLATE)
        .fetch_one(pool)
        .await?;
    let versions = sqlx::query("SELECT version, kind, created_on, actor, reason, summary_json, check_json, blocking FROM project_versions WHERE code = $1 ORDER BY version")
        .bind(TEMPLATE)
        .fetch_all(pool)
        .await?;
    let parcels = sqlx::query("SELECT version, role, name, township, planar_m2, ellipsoidal_m2, geometry_geojson FROM project_parcels WHERE code = $1 ORDER BY version, role, name")
        .bind(TEMPLATE)
        .fetch_all(pool)
        .await?;
    Ok(Template {
        project,
        versions,
        parcels,
    })
}

fn project_code(county: &str, k: usize) -> String {
    format!("{county}-{}-{:04}", 2016 + k % 4, 100 + k / COUNTIES)
}

/// Inserts projects `from..to` (rows of `projects`, `project_versions`, `project_parcels`).
async fn insert_projects(
    tx: &mut WriteTx,
    t: &Template,
    counties: &[String],
    range: std::ops::Range<usize>,
    parcels_per_project: usize,
) -> Result<usize> {
    let conn = tx.connection();
    let mut parcels = 0;
    for k in range {
        let county = &counties[k % counties.len()];
        let code = project_code(county, k);
        let name: String = t.project.try_get(0)?;
        let planned: i64 = t.project.try_get(2)?;
        sqlx::query("INSERT INTO projects (code, name, county, township, state, current_version, planned_surplus_m2, submitted_on, approved_on, accepted_on, city_invested, funding_source, city_share_percent, construction_zone_plan) VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, 0, NULL, 0, $10)")
            .bind(&code)
            .bind(format!("{name}（合成 {k}）"))
            .bind(county)
            .bind(t.project.try_get::<Option<String>, _>(1)?)
            .bind(STATES[k % STATES.len()])
            .bind(planned + (k % 97) as i64 * 10)
            .bind(t.project.try_get::<Option<String>, _>(3)?)
            .bind(t.project.try_get::<Option<String>, _>(4)?)
            .bind(t.project.try_get::<Option<String>, _>(5)?)
            .bind(t.project.try_get::<Option<String>, _>(6)?)
            .execute(&mut *conn)
            .await?;
        for v in t.versions.iter().take(1) {
            sqlx::query("INSERT INTO project_versions (code, version, kind, created_on, actor, reason, summary_json, check_json, blocking) VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(&code)
                .bind(v.try_get::<String, _>(1)?)
                .bind(v.try_get::<String, _>(2)?)
                .bind(v.try_get::<String, _>(3)?)
                .bind(v.try_get::<String, _>(4)?)
                .bind(v.try_get::<String, _>(5)?)
                .bind(v.try_get::<String, _>(6)?)
                .bind(v.try_get::<i64, _>(7)?)
                .execute(&mut *conn)
                .await?;
        }
        let first: Vec<&sqlx::any::AnyRow> = t
            .parcels
            .iter()
            .filter(|p| p.try_get::<i64, _>(0).is_ok_and(|v| v == 1))
            .collect();
        if first.is_empty() {
            continue;
        }
        // 100 parcels: the template's, repeated with numbered names; one multi-row INSERT.
        let mut sql = String::from(
            "INSERT INTO project_parcels (code, version, role, name, township, planar_m2, ellipsoidal_m2, geometry_geojson) VALUES ",
        );
        let mut values: Vec<(String, String, Option<String>, f64, f64, String)> = Vec::new();
        for n in 0..parcels_per_project {
            let p = first[n % first.len()];
            let base: String = p.try_get(2)?;
            values.push((
                p.try_get(1)?,
                format!("{base}-{n:03}"),
                p.try_get(3)?,
                p.try_get(4)?,
                p.try_get(5)?,
                p.try_get(6)?,
            ));
        }
        for i in 0..values.len() {
            let b = i * 6;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, 1, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7
            ));
        }
        let mut query = sqlx::query(&sql).bind(&code);
        for (role, name, township, planar, ellipsoidal, geometry) in &values {
            query = query
                .bind(role.clone())
                .bind(name.clone())
                .bind(township.clone())
                .bind(*planar)
                .bind(*ellipsoidal)
                .bind(geometry.clone());
        }
        query.execute(&mut *conn).await?;
        parcels += values.len();
    }
    Ok(parcels)
}

fn meta(key: String) -> Meta {
    Meta {
        key,
        actor: "bench".into(),
        reason: "省级规模合成数据 / province-scale synthetic data".into(),
        effective: NaiveDate::from_ymd_opt(2019, 8, 1).unwrap_or_default(),
        recorded_at: "2019-08-01T10:00:00+08:00".into(),
    }
}

/// A ledger project's postings: advance, issue, many uses (each splits a lot), reserve,
/// list, transfer, withdraw, the buyer's use, release.
fn postings(
    code: &str,
    county: &DivisionCode,
    buyer: &DivisionCode,
    planned: i64,
    uses: usize,
) -> Vec<Operation> {
    let listing = format!("L-{code}");
    let use_ = |division: &DivisionCode, amount_m2, n: usize| Operation::Use {
        division: division.clone(),
        amount_m2,
        zone: format!("{code} 地块 {n}"),
        land_use: if n.is_multiple_of(2) {
            LandUse::Commercial
        } else {
            LandUse::Industrial
        },
    };
    let mut ops = vec![
        Operation::Advance {
            project: code.to_owned(),
            amount_m2: planned * 3 / 10,
        },
        Operation::Issue {
            project: code.to_owned(),
            confirmed_m2: planned - 2_000,
            reclaimed_farmland_m2: planned + 10_000,
            resettlement_farmland_m2: 8_000,
        },
    ];
    ops.extend((0..uses).map(|n| use_(county, 200 + n as i64, n)));
    ops.extend([
        Operation::Reserve {
            division: county.clone(),
            amount_m2: 3_000,
            purpose: "易地扶贫搬迁安置".into(),
        },
        Operation::List {
            division: county.clone(),
            listing: listing.clone(),
            amount_m2: 20_000,
        },
        Operation::Transfer {
            listing: listing.clone(),
            buyer: buyer.clone(),
            amount_m2: 15_000,
            price_fen_per_mu: 30_000_000,
            priced_on: None,
        },
        Operation::Withdraw {
            listing,
            amount_m2: 5_000,
        },
        use_(buyer, 4_000, uses + 1),
        Operation::Release {
            division: county.clone(),
            amount_m2: 1_000,
        },
    ]);
    ops
}

async fn register(
    tx: &mut WriteTx,
    project: &ProjectLedger,
) -> std::result::Result<(), StoreError> {
    tx.register_ledger_project(project).await?;
    tx.audit(AuditRecord {
        actor: "bench".into(),
        at: "2019-01-01T00:00:00+08:00".into(),
        action: "ledger.register_project".into(),
        subject: format!("project:{}", project.code),
        reason: String::new(),
        payload: serde_json::json!({ "code": project.code }),
        ..Default::default()
    })
    .await?;
    Ok(())
}

/// Posts the ledger projects' lives until the journal holds `target` entries.
async fn post_ledger(
    store: &Store,
    profile: &Profile,
    counties: &[String],
    projects: usize,
    target: u64,
) -> Result<u64> {
    let (mut head, _) = store.head().await?;
    let ledger_projects: Vec<usize> = (0..projects)
        .filter(|k| {
            matches!(
                STATES[k % STATES.len()],
                "implementing" | "accepted" | "closed" | "approved"
            )
        })
        .collect();
    // Enough uses per project that the journal reaches the target in one pass.
    let per_project = (target.saturating_sub(head) as usize).div_ceil(ledger_projects.len().max(1));
    let uses = per_project.saturating_sub(8).max(1);
    let started = Instant::now();
    let mut tx = store.begin_write().await?;
    let mut in_tx = 0usize;
    let mut last = (head, Instant::now());
    for k in ledger_projects {
        if head >= target {
            break;
        }
        let county = &counties[k % counties.len()];
        let code = project_code(county, k);
        let county = DivisionCode::parse(county)?;
        let buyer = DivisionCode::parse(&counties[(k + 5) % counties.len()])?;
        let city = DivisionCode::parse(&format!("{}00", &county.as_str()[..4]))?;
        let planned = 50_000 + (k % 97) as i64 * 10 + 40_000;
        let project = ProjectLedger {
            code: code.clone(),
            county: county.clone(),
            city,
            city_share_percent: 0,
            planned_surplus_m2: planned,
            advanced_m2: 0,
            issued_m2: None,
            next_serial: 1,
        };
        register(&mut tx, &project).await?;
        for (i, op) in postings(&code, &county, &buyer, planned, uses)
            .iter()
            .enumerate()
        {
            if head >= target {
                break;
            }
            match tx
                .post_ledger(op, &meta(format!("prov-{k}-{i}")), profile)
                .await
            {
                Ok(_) => head += 1,
                Err(StoreError::Ledger(_)) => {}
                Err(e) => return Err(e.into()),
            }
            in_tx += 1;
            if in_tx >= 2_000 {
                tx.commit().await?;
                tx = store.begin_write().await?;
                in_tx = 0;
                if head / 100_000 != last.0 / 100_000 {
                    println!(
                        "  journal at {head}: {:.0} postings/s over the last {}",
                        (head - last.0) as f64 / last.1.elapsed().as_secs_f64(),
                        head - last.0
                    );
                    last = (head, Instant::now());
                }
            }
        }
    }
    tx.commit().await?;
    println!(
        "ledger: {head} entries, {:.0} s ({:.0} postings/s overall)",
        started.elapsed().as_secs_f64(),
        head as f64 / started.elapsed().as_secs_f64()
    );
    Ok(head)
}

async fn run() -> Result<()> {
    let url = std::env::var("GUAGOU_BENCH_DATABASE")
        .map_err(|_| "GUAGOU_BENCH_DATABASE=postgres://… (an empty database) is required")?;
    let projects = env_usize("GUAGOU_BENCH_PROJECTS", 20_000);
    let parcels_per_project = env_usize("GUAGOU_BENCH_PARCELS", 100);
    let entries = env_usize("GUAGOU_BENCH_ENTRIES", 1_000_000) as u64;
    let work =
        std::env::var("GUAGOU_BENCH_DATA").unwrap_or_else(|_| "target/bench-province".into());
    let store = Store::connect(&url).await?;
    let registry = Registry::new(
        store.clone(),
        Profile::dazhou_2017()?,
        LandClassTable::gbt21010()?,
        Box::new(FixedClock("2019-12-31T09:00:00+08:00".into())),
    );
    let started = Instant::now();
    registry
        .build_demo(&std::path::Path::new(&work).join("demo-packages"))
        .await?;
    println!("demo built: {:.1} s", started.elapsed().as_secs_f64());

    let counties = county_codes();
    let actor = Actor::parse("省厅@510000")?;
    let imported = registry
        .as_principal(&actor)
        .import_divisions(
            "bench",
            &divisions(&counties),
            "省级规模合成数据 / synthetic province",
        )
        .await?;
    println!(
        "divisions: {imported} imported ({} counties in all)",
        counties.len()
    );

    let t = template(&store).await?;
    let started = Instant::now();
    let mut parcels = 0;
    let batch = 250;
    for from in (0..projects).step_by(batch) {
        let mut tx = store.begin_write().await?;
        parcels += insert_projects(
            &mut tx,
            &t,
            &counties,
            from..(from + batch).min(projects),
            parcels_per_project,
        )
        .await?;
        tx.commit().await?;
    }
    println!(
        "projects: {projects} with {parcels} parcels in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    post_ledger(&store, &registry.profile, &counties, projects, entries).await?;
    for (name, division) in [
        ("province", "510000"),
        ("city", "511700"),
        ("xuanhan", "511722"),
    ] {
        guagou_web::create_user(&registry, name, division, "land", "province-bench-42").await?;
    }
    let counts = sqlx::query("SELECT (SELECT COUNT(*) FROM projects), (SELECT COUNT(*) FROM project_parcels), (SELECT COUNT(*) FROM ledger_entries), (SELECT COUNT(*) FROM divisions WHERE level = 'county')")
        .fetch_one(store.pool())
        .await?;
    println!(
        "loaded: {} projects, {} parcels, {} ledger entries, {} counties; users province, city, xuanhan (password province-bench-42)",
        counts.try_get::<i64, _>(0)?,
        counts.try_get::<i64, _>(1)?,
        counts.try_get::<i64, _>(2)?,
        counts.try_get::<i64, _>(3)?
    );
    Ok(())
}

fn main() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(run())
}
