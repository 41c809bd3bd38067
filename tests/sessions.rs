//! ONNX Runtime sessions as the engines open them: the ORT-format copy beside the model,
//! weights shared between sessions, and a copy that speaks exactly as the model does.

mod common;

use recast::synth::{self, open_session, piper_pinyin::run_model};

/// Tests here run one at a time: one measures the process's memory.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// joe's model copied into a fresh folder, so that its ORT-format copy is made here.
fn fresh_model() -> (tempfile::TempDir, std::path::PathBuf) {
    let data = common::real_data_dir();
    synth::init_runtime(&data).unwrap();
    let installed = data.join("voices").join(common::VOICE);
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join(format!("{}.onnx", common::VOICE));
    std::fs::copy(installed.join(format!("{}.onnx", common::VOICE)), &model).unwrap();
    (dir, model)
}

fn resident_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn copies_beside(model: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(model.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".ort") || n.contains("partial"))
        .collect()
}

#[test]
fn sessions_of_one_model_share_one_copy_of_its_weights() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, model) = fresh_model();
    let first = open_session("joe", &model, 1).unwrap();
    assert!(first.shares_weights());
    let copies = copies_beside(&model);
    assert_eq!(
        copies.len(),
        1,
        "one ORT-format copy, no partial file: {copies:?}"
    );
    assert!(copies[0].starts_with(&format!("{}.onnx.", common::VOICE)));

    let before = resident_kb();
    let second = open_session("joe", &model, 1).unwrap();
    let grown_mb = (resident_kb().saturating_sub(before)) as f64 / 1024.0;
    assert!(second.shares_weights());
    // The weights alone are 63 MB; the session's own structures ~13 MB.
    assert!(grown_mb < 30.0, "a second session took {grown_mb:.0} MB");
    assert_eq!(copies_beside(&model), copies, "the copy is made once");

    // Sessions on two threads read a copy in the exported layout, kept beside the other.
    let threaded = open_session("joe", &model, 2).unwrap();
    assert!(threaded.shares_weights());
    let both = copies_beside(&model);
    assert_eq!(both.len(), 2, "{both:?}");
    assert!(both.contains(&copies[0]), "{both:?}");
}

#[test]
fn the_copy_speaks_exactly_as_the_model() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, model) = fresh_model();
    let mut copied = open_session("joe", &model, 1).unwrap();
    assert!(copied.shares_weights());
    // The single-threaded copy must be the rewritten one, not the exported layout under
    // another name, or this test would compare the model with itself.
    let blocked = copies_beside(&model);
    drop(open_session("joe", &model, 2).unwrap());
    let both = copies_beside(&model);
    let exported: Vec<&String> = both.iter().filter(|n| !blocked.contains(n)).collect();
    assert_eq!((blocked.len(), exported.len()), (1, 1), "{both:?}");
    let dir = model.parent().unwrap();
    assert_ne!(
        std::fs::read(dir.join(&blocked[0])).unwrap(),
        std::fs::read(dir.join(exported[0])).unwrap(),
        "the decoder was not rewritten"
    );
    let mut original = ort::session::Session::builder()
        .unwrap()
        .commit_from_file(&model)
        .unwrap();
    // Noise scales 0 make VITS deterministic: any difference is the graph's.
    let ids: Vec<i64> = (0..60).map(|i| 1 + (i * 7) % 40).collect();
    let a = run_model(&mut original, &ids, [0.0, 1.0, 0.0], false, 0).unwrap();
    let b = run_model(&mut copied, &ids, [0.0, 1.0, 0.0], false, 0).unwrap();
    assert_eq!(a.len(), b.len());
    assert!(a.len() > 10_000, "{} samples", a.len());
    let peak = a.iter().fold(0f32, |m, s| m.max(s.abs()));
    let worst = a
        .iter()
        .zip(&b)
        .fold(0f32, |m, (x, y)| m.max((x - y).abs()));
    assert!(peak > 0.05, "peak {peak}");
    assert!(
        worst <= 1e-4 * peak.max(1.0),
        "differs by {worst} (peak {peak})"
    );
}

#[test]
fn a_damaged_copy_is_replaced_and_a_damaged_model_is_an_error() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_dir, model) = fresh_model();
    drop(open_session("joe", &model, 1).unwrap());
    let copy = model.with_file_name(&copies_beside(&model)[0]);
    std::fs::write(&copy, b"not an ORT model").unwrap();
    let session = open_session("joe", &model, 1).unwrap();
    assert!(
        !session.shares_weights(),
        "the model itself serves this load"
    );
    drop(session);
    assert!(
        open_session("joe", &model, 1).unwrap().shares_weights(),
        "copy remade"
    );

    std::fs::write(&model, b"not a model either").unwrap();
    let error = open_session("joe", &model, 1)
        .err()
        .expect("a damaged model");
    let text = error.to_string();
    assert!(text.contains("joe") && text.contains(".onnx"), "{text}");
}
