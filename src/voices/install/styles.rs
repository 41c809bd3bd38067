//! The check of a Kokoro voice's styles file before it is installed: the npz must hold the
//! voice's pack, `<pack>.npy`, as float32 [rows, 1, 256] (a style vector per input length).

use std::fs;
use std::io::{self, Read};
use std::path::Path;

/// Width of a Kokoro style vector.
const STYLE_WIDTH: u64 = 256;

/// Checks that the npz `path` holds the pack `pack` as Kokoro reads it; the error says what
/// is wrong with it.
pub(super) fn check_pack(path: &Path, pack: &str) -> Result<(), String> {
    let file = fs::File::open(path).map_err(|e| format!("it cannot be opened ({e})"))?;
    let mut npz = zip::ZipArchive::new(io::BufReader::new(file))
        .map_err(|e| format!("it is not an npz (zip) archive ({e})"))?;
    let member = format!("{pack}.npy");
    let packs: Vec<String> = npz
        .file_names()
        .filter_map(Result::ok)
        .filter_map(|n| n.strip_suffix(".npy").map(String::from))
        .collect();
    let mut npy = match npz.by_name(&member) {
        Ok(m) => m,
        Err(_) => {
            let mut packs = packs;
            packs.sort();
            return Err(format!(
                "it has no `{member}` (its packs: {})",
                packs.join(", ")
            ));
        }
    };
    let size = npy.size();
    let header = read_npy_header(&mut npy).map_err(|e| format!("`{member}`: {e}"))?;
    let shape = check_header(&header).map_err(|e| format!("`{member}`: {e}"))?;
    let rows = shape[0];
    let data = rows * STYLE_WIDTH * 4;
    if size < data {
        return Err(format!(
            "`{member}` holds {size} bytes, too few for {rows} style vectors"
        ));
    }
    Ok(())
}

/// The header dictionary of an .npy file, e.g.
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256), }`.
fn read_npy_header(r: &mut dyn Read) -> Result<String, String> {
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)
        .map_err(|e| format!("it is too short for an .npy file ({e})"))?;
    if &magic[..6] != b"\x93NUMPY" {
        return Err("it is not an .npy file".into());
    }
    let len = match magic[6] {
        1 => {
            let mut b = [0u8; 2];
            r.read_exact(&mut b).map_err(|e| e.to_string())?;
            u16::from_le_bytes(b) as usize
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            r.read_exact(&mut b).map_err(|e| e.to_string())?;
            u32::from_le_bytes(b) as usize
        }
        v => return Err(format!("its .npy version {v} is unknown")),
    };
    if len > 64 * 1024 {
        return Err(format!("its header of {len} bytes is implausible"));
    }
    let mut header = vec![0u8; len];
    r.read_exact(&mut header)
        .map_err(|e| format!("its header is cut short ({e})"))?;
    String::from_utf8(header).map_err(|_| "its header is not text".into())
}

/// The shape the header gives, if the array is float32 [rows, 1, 256] in C order.
fn check_header(header: &str) -> Result<[u64; 3], String> {
    let value = |key: &str| {
        let at = header.find(&format!("'{key}'"))? + key.len() + 2;
        let rest = header[at..].trim_start().strip_prefix(':')?.trim_start();
        Some(rest)
    };
    let descr = value("descr").ok_or("its header gives no dtype")?;
    if !descr.starts_with("'<f4'") {
        let shown = descr.split(',').next().unwrap_or(descr);
        return Err(format!("its dtype is {shown}, not float32 ('<f4')"));
    }
    if value("fortran_order").is_some_and(|v| v.starts_with("True")) {
        return Err("it is in Fortran order".into());
    }
    let shape = value("shape")
        .and_then(|v| v.strip_prefix('('))
        .and_then(|v| v.split(')').next())
        .ok_or("its header gives no shape")?;
    let dims: Vec<u64> = shape
        .split(',')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("its shape ({shape}) is not a list of sizes"))?;
    match dims[..] {
        [rows, 1, STYLE_WIDTH] if rows > 0 => Ok([rows, 1, STYLE_WIDTH]),
        _ => Err(format!(
            "its shape is ({shape}), not (rows, 1, {STYLE_WIDTH})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voices::test_support::{build_wheel, npy};

    #[test]
    fn the_pack_must_be_in_the_npz_with_the_shape_kokoro_reads() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("voices.npz");
        build_wheel(
            &path,
            &[
                ("jm_kumo.npy", &npy("<f4", "(4, 1, 256)", 4 * 256 * 4)),
                ("jf_alpha.npy", &npy("<f4", "(4, 256)", 4 * 256 * 4)),
                ("jf_nezumi.npy", &npy("<f8", "(4, 1, 256)", 4 * 256 * 8)),
                ("jf_short.npy", &npy("<f4", "(4, 1, 256)", 256)),
            ],
        );
        check_pack(&path, "jm_kumo").unwrap();
        let err = check_pack(&path, "zf_xiaobei").unwrap_err();
        assert!(
            err.contains("no `zf_xiaobei.npy`")
                && err.contains("jf_alpha, jf_nezumi, jf_short, jm_kumo"),
            "{err}"
        );
        let err = check_pack(&path, "jf_alpha").unwrap_err();
        assert!(err.contains("not (rows, 1, 256)"), "{err}");
        let err = check_pack(&path, "jf_nezumi").unwrap_err();
        assert!(err.contains("not float32"), "{err}");
        let err = check_pack(&path, "jf_short").unwrap_err();
        assert!(err.contains("too few"), "{err}");

        fs::write(&path, b"not a zip").unwrap();
        assert!(
            check_pack(&path, "jm_kumo")
                .unwrap_err()
                .contains("not an npz")
        );
    }
}
