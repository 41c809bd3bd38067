//! Kokoro's voice packs: one style vector per input length, 510 of them, for each pack in a
//! voices file (an `.npz`, a zip of `.npy` arrays), and blends of several packs.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Style vectors a pack holds: one per phoneme count, from 1 to this.
pub const ROWS: usize = 510;
/// Width of one style vector.
pub const WIDTH: usize = 256;

/// The packs of a voices file, by name (`jm_kumo`, `zf_xiaoyi`).
#[derive(Debug, Clone, PartialEq)]
pub struct Packs {
    packs: BTreeMap<String, Vec<f32>>,
}

/// A mix of packs: each pack's weight, summing to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Blend(Vec<(String, f32)>);

impl Packs {
    /// Reads every `NAME.npy` of an `.npz` voices file: float32 little-endian arrays of shape
    /// [510, 1, 256] (or [510, 256]).
    pub fn load(path: &Path) -> Result<Self, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
        let mut archive =
            zip::ZipArchive::new(file).map_err(|e| format!("it is not an .npz (zip) file: {e}"))?;
        let mut packs = BTreeMap::new();
        for i in 0..archive.len() {
            let mut member = archive
                .by_index(i)
                .map_err(|e| format!("cannot read member {i}: {e}"))?;
            let name = member
                .name()
                .map_err(|e| format!("member {i} has no readable name: {e}"))?
                .into_owned();
            let Some(name) = name.strip_suffix(".npy").map(str::to_string) else {
                continue;
            };
            let mut bytes = Vec::with_capacity(member.size() as usize);
            member
                .read_to_end(&mut bytes)
                .map_err(|e| format!("cannot read {name}.npy: {e}"))?;
            let values = parse_npy(&bytes).map_err(|e| format!("{name}.npy: {e}"))?;
            packs.insert(name, values);
        }
        if packs.is_empty() {
            return Err("it holds no voice packs (.npy arrays)".into());
        }
        Ok(Self { packs })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.packs.keys().map(String::as_str)
    }

    /// The style vector for an input of `phonemes` symbols (the pack's row `phonemes - 1`,
    /// as Kokoro was trained), mixed as `blend` says.
    pub fn style(&self, blend: &Blend, phonemes: usize) -> Result<Vec<f32>, String> {
        let row = phonemes.clamp(1, ROWS) - 1;
        let mut style = vec![0f32; WIDTH];
        for (name, weight) in &blend.0 {
            let pack = self.packs.get(name).ok_or_else(|| {
                format!(
                    "there is no voice pack {name:?} (the voices file has: {})",
                    self.names().collect::<Vec<_>>().join(", ")
                )
            })?;
            for (s, v) in style.iter_mut().zip(&pack[row * WIDTH..(row + 1) * WIDTH]) {
                *s += weight * v;
            }
        }
        Ok(style)
    }
}

impl Blend {
    /// One pack alone.
    pub fn single(pack: &str) -> Self {
        Blend(vec![(pack.to_string(), 1.0)])
    }

    /// `own` mixed with the packs a `blend` setting names (`"jf_gongitsune*0.25"`,
    /// `"a*0.2+b*0.1"`): each gets its weight, `own` what is left.
    pub fn with(own: &str, blend: &str) -> Result<Self, String> {
        let mut terms = crate::script::parse_blend(blend)
            .map_err(|why| format!("the blend {blend:?} cannot be used: {why}"))?;
        if terms.iter().any(|(name, _)| name == own) {
            return Err(format!(
                "the blend {blend:?} names the voice's own pack {own:?}; name only the packs mixed into it"
            ));
        }
        let others: f32 = terms.iter().map(|(_, w)| w).sum();
        terms.insert(0, (own.to_string(), 1.0 - others));
        Ok(Blend(terms))
    }
}

/// The values of a `.npy` file holding a C-order little-endian float32 array of
/// [`ROWS`] × [`WIDTH`] values (any shape with that many, such as [510, 1, 256]).
fn parse_npy(bytes: &[u8]) -> Result<Vec<f32>, String> {
    let rest = bytes
        .strip_prefix(b"\x93NUMPY")
        .ok_or("it is not a .npy array")?;
    let (header_len, header_start) = match rest {
        [1, _, a, b, ..] => (usize::from(u16::from_le_bytes([*a, *b])), 10),
        [2 | 3, _, a, b, c, d, ..] => (u32::from_le_bytes([*a, *b, *c, *d]) as usize, 12),
        _ => return Err("its .npy header is cut short or of an unknown version".into()),
    };
    let data_start = header_start + header_len;
    let header = bytes
        .get(header_start..data_start)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or("its .npy header is cut short")?;
    if !header.contains("'descr': '<f4'") || !header.contains("'fortran_order': False") {
        return Err(format!(
            "it is not a C-order float32 array (header {})",
            header.trim()
        ));
    }
    let data = &bytes[data_start..];
    if data.len() != ROWS * WIDTH * 4 {
        return Err(format!(
            "it holds {} bytes of values, not {ROWS} style vectors of {WIDTH} float32",
            data.len()
        ));
    }
    Ok(bytemuck::pod_collect_to_vec(data))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    fn npy(fill: impl Fn(usize) -> f32) -> Vec<u8> {
        let mut header =
            "{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256), }".to_string();
        while !(10 + header.len() + 1).is_multiple_of(64) {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        let values: Vec<f32> = (0..ROWS * WIDTH).map(fill).collect();
        out.extend_from_slice(bytemuck::cast_slice(&values));
        out
    }

    /// A voices file with packs `a` (every value its row) and `b` (every value 1000).
    pub(crate) fn write_npz(path: &Path) {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("a.npy", stored).unwrap();
        zip.write_all(&npy(|i| (i / WIDTH) as f32)).unwrap();
        zip.start_file("b.npy", stored).unwrap();
        zip.write_all(&npy(|_| 1000.0)).unwrap();
        zip.finish().unwrap();
    }

    #[test]
    fn the_style_is_the_row_of_the_phoneme_count() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("voices.npz");
        write_npz(&path);
        let packs = Packs::load(&path).unwrap();
        assert_eq!(packs.names().collect::<Vec<_>>(), ["a", "b"]);
        let a = Blend::single("a");
        assert_eq!(packs.style(&a, 1).unwrap(), vec![0.0; WIDTH]);
        assert_eq!(packs.style(&a, 30).unwrap(), vec![29.0; WIDTH]);
        // Longer inputs than the pack has rows use its last row.
        assert_eq!(packs.style(&a, 9999).unwrap(), vec![509.0; WIDTH]);
        let mixed = Blend::with("a", "b*0.25").unwrap();
        assert_eq!(
            packs.style(&mixed, 5).unwrap(),
            vec![0.75 * 4.0 + 250.0; WIDTH]
        );
        let unknown = packs.style(&Blend::single("zz"), 5).unwrap_err();
        assert!(
            unknown.contains("\"zz\"") && unknown.contains("a, b"),
            "{unknown}"
        );
    }

    #[test]
    fn blends_are_checked() {
        assert!(Blend::with("a", "b*0.3+c*0.2").is_ok());
        for bad in [
            "b",
            "b*0",
            "b*1",
            "b*nan",
            "b*0.6+c*0.5",
            "a*0.2",
            "b*0.1+b*0.1",
            "*0.2",
        ] {
            assert!(Blend::with("a", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn damaged_arrays_are_refused() {
        assert!(parse_npy(b"not npy").is_err());
        let mut short = npy(|_| 0.0);
        short.truncate(short.len() - 4);
        assert!(parse_npy(&short).unwrap_err().contains("bytes of values"));
        let float64 = String::from_utf8_lossy(&npy(|_| 0.0)).replace("<f4", "<f8");
        assert!(parse_npy(float64.as_bytes()).is_err());
    }
}
