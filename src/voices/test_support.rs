//! Made-up voices, files and wheels for the tests of the voices module.

use super::catalog::{
    EngineKind, FileSpec, Gender, HttpSource, PartsModel, PhonemeKind, Piece, PypiConvertSource,
    PypiPartsSource, PypiSource, Source, VoiceEntry,
};
use super::location::{SHARED_DIR, shared_dir, voices_dir};
use crate::script::VoiceSettings;
use md5::Md5;
use sha2::{Digest, Sha256};
use std::fs;
use std::io::Write;
use std::path::Path;

pub(crate) const MODEL_BYTES: &[u8] = b"not really an onnx model, but bytes to hash\n";
pub(crate) const CONFIG_BYTES: &[u8] = b"{\"audio\": {\"sample_rate\": 22050}}\n";

pub(crate) fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

pub(crate) fn md5_hex(b: &[u8]) -> String {
    hex::encode(Md5::digest(b))
}

pub(crate) fn spec(from: &str, bytes: &[u8]) -> FileSpec {
    FileSpec {
        from: from.to_string(),
        size: Some(bytes.len() as u64),
        sha256: Some(sha256_hex(bytes)),
        md5: Some(md5_hex(bytes)),
        digest_from: None,
        name: None,
    }
}

pub(crate) fn fake_entry(id: &str, source: Source) -> VoiceEntry {
    VoiceEntry {
        id: id.to_string(),
        engine: EngineKind::Piper,
        language: "en".into(),
        locale: "en_US".into(),
        gender: Gender::Female,
        quality: "medium".into(),
        sample_rate: 22050,
        speakers: 1,
        license: "CC0".into(),
        description: "a made-up test voice".into(),
        defaults: VoiceSettings {
            speed: Some(1.0),
            ..Default::default()
        },
        phonemes: PhonemeKind::Espeak {
            voice: "en-us".into(),
        },
        also_speaks: Vec::new(),
        pack: None,
        source,
    }
}

pub(crate) fn http_entry(id: &str, base: &str) -> VoiceEntry {
    fake_entry(
        id,
        Source::Http(HttpSource {
            model: spec(&format!("{base}/en/test/{id}.onnx"), MODEL_BYTES),
            config: spec(&format!("{base}/en/test/{id}.onnx.json"), CONFIG_BYTES),
        }),
    )
}

pub(crate) fn pypi_entry(id: &str) -> VoiceEntry {
    fake_entry(
        id,
        Source::Pypi(PypiSource {
            package: "fake-test-voice".into(),
            version: "0.1.0".into(),
            model: spec("fake_test_voice/data/fake.onnx", MODEL_BYTES),
            config: spec("fake_test_voice/data/fake.onnx.json", CONFIG_BYTES),
        }),
    )
}

/// Files and folders in `<data>/voices` other than installed voices and the shared store,
/// and temporary files in the shared store.
pub(crate) fn leftovers(data: &Path) -> Vec<String> {
    let hidden = |dir: &Path| -> Vec<String> {
        match fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with('.'))
                .collect(),
            Err(_) => vec![],
        }
    };
    let mut found: Vec<String> = hidden(&voices_dir(data))
        .into_iter()
        .filter(|n| n != SHARED_DIR)
        .collect();
    found.extend(
        hidden(&shared_dir(data))
            .into_iter()
            .map(|n| format!("{SHARED_DIR}/{n}")),
    );
    found
}

/// The bytes of an .npy file of `dtype` and `shape` (as numpy writes them, e.g. `<f4` and
/// `(510, 1, 256)`) holding `data_len` zero bytes.
pub(crate) fn npy(dtype: &str, shape: &str, data_len: usize) -> Vec<u8> {
    let mut header = format!("{{'descr': '{dtype}', 'fortran_order': False, 'shape': {shape}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.resize(out.len() + data_len, 0);
    out
}

pub(crate) fn write_files(dir: &Path, files: &[(&str, &[u8])]) {
    fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        fs::write(dir.join(name), bytes).unwrap();
    }
}

pub(crate) fn build_wheel(path: &Path, files: &[(&str, &[u8])]) {
    let file = fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

pub(crate) const TFLITE_A: &[u8] = b"pretend acoustic model\n";
pub(crate) const TFLITE_B: &[u8] = b"pretend vocoder\n";

pub(crate) fn convert_entry(id: &str) -> VoiceEntry {
    let converted = |from: &str, bytes: &[u8], name: &str| FileSpec {
        name: Some(name.to_string()),
        ..spec(from, bytes)
    };
    VoiceEntry {
        engine: EngineKind::Zhtts,
        ..fake_entry(
            id,
            Source::PypiConvert(PypiConvertSource {
                package: "fake-convert-voice".into(),
                version: "0.1.0".into(),
                converter: "scripts/zhtts-convert.py".into(),
                requirements: vec!["tensorflow-cpu==2.21.0".into()],
                opset: 17,
                model: converted("fake/asset/a.tflite", TFLITE_A, "a.onnx"),
                vocoder: converted("fake/asset/b.tflite", TFLITE_B, "b.onnx"),
                config: spec("fake/asset/map.json", CONFIG_BYTES),
            }),
        )
    }
}

/// A piece of `bytes`, from the wheel of `package` (version 0.1.0) or, without one, a URL.
pub(crate) fn piece(package: Option<&str>, from: &str, bytes: &[u8]) -> Piece {
    Piece {
        package: package.map(String::from),
        version: package.map(|_| "0.1.0".to_string()),
        from: from.to_string(),
        size: bytes.len() as u64,
        sha256: sha256_hex(bytes),
    }
}

/// A Kokoro voice with the pack `jm_kumo` whose model is `MODEL_BYTES` in two parts.
pub(crate) fn kokoro_entry(id: &str) -> VoiceEntry {
    let (a, b) = MODEL_BYTES.split_at(10);
    VoiceEntry {
        engine: EngineKind::Kokoro,
        phonemes: PhonemeKind::Kokoro,
        pack: Some("jm_kumo".into()),
        language: "zh".into(),
        locale: "zh_CN".into(),
        also_speaks: vec!["en".into()],
        ..fake_entry(
            id,
            Source::PypiParts(PypiPartsSource::new(
                PartsModel {
                    name: "kokoro.onnx".into(),
                    size: MODEL_BYTES.len() as u64,
                    sha256: sha256_hex(MODEL_BYTES),
                    parts: vec![
                        piece(Some("fake-model-1"), "fake_model_1/part.bin", a),
                        piece(Some("fake-model-2"), "fake_model_2/part.bin", b),
                    ],
                },
                piece(Some("fake-voice"), "fake_voice/vocab.json", CONFIG_BYTES),
                piece(Some("fake-voice"), "fake_voice/voices.npz", b"npz"),
            )),
        )
    }
}
