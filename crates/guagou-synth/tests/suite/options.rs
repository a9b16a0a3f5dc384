//! Input validation and the output-folder policy.

use guagou_synth::{SynthError, generate};

use crate::common::{generate_into, options};

#[test]
fn bad_county_codes_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for county in ["5117", "511700", "510000", "abcdef", "511722104", ""] {
        let mut o = options(2_500, 1, Some(10));
        o.county = county.to_owned();
        let err = generate(&o, &tmp.path().join("x"), |_, _| {}).unwrap_err();
        assert!(matches!(err, SynthError::County(_)), "{county}: {err}");
        assert!(err.to_string().contains("county"));
    }
}

#[test]
fn polygon_count_is_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    for polygons in [0, 99, 2_499, 5_000_001] {
        let err = generate(
            &options(polygons, 1, None),
            &tmp.path().join("x"),
            |_, _| {},
        )
        .unwrap_err();
        assert!(
            matches!(err, SynthError::Polygons { .. }),
            "{polygons}: {err}"
        );
    }
}

#[test]
fn too_many_benchmark_parcels_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let err = generate(
        &options(2_500, 1, Some(100_000)),
        &tmp.path().join("x"),
        |_, _| {},
    )
    .unwrap_err();
    match err {
        SynthError::Parcels {
            capacity, township, ..
        } => {
            assert!(capacity > 100);
            assert!(township.starts_with("511722"));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_foreign_folder_is_never_overwritten_but_a_previous_output_is() {
    let tmp = tempfile::tempdir().unwrap();
    let foreign = tmp.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let err = generate(&options(2_500, 1, Some(10)), &foreign, |_, _| {}).unwrap_err();
    assert!(matches!(err, SynthError::OutDirNotEmpty { .. }), "{err}");
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "mine"
    );

    let out = tmp.path().join("out");
    let mut calls = Vec::new();
    let summary = generate(&options(2_500, 1, Some(10)), &out, |done, total| {
        calls.push((done, total))
    })
    .unwrap();
    assert_eq!(calls.last(), Some(&(2_500, 2_500)));
    assert_eq!(summary.projects.len(), 10);
    assert_eq!(summary.bench_parcels, 10);
    // A second run replaces the first, default parcels this time.
    let again = generate_into(&out, &options(2_500, 2, None));
    assert!(again.bench_parcels > 10);
    // A stranger among synth files stops the next run.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    assert!(generate(&options(2_500, 1, Some(10)), &out, |_, _| {}).is_err());
    assert!(out.join("notes.txt").exists());
}
