//! Kokoro's symbol table (`vocab.json`: `{"vocab": {symbol: id}}`), turning a phoneme
//! string into the model's token ids.

use std::collections::HashMap;
use std::path::Path;

/// Each symbol (one char) and its id.
#[derive(Debug, Clone, PartialEq)]
pub struct Vocab {
    ids: HashMap<char, i64>,
}

#[derive(serde::Deserialize)]
struct VocabFile {
    vocab: HashMap<String, i64>,
}

impl Vocab {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
        Self::parse(&text)
    }

    pub fn parse(json: &str) -> Result<Self, String> {
        let file: VocabFile =
            serde_json::from_str(json).map_err(|e| format!("it is not Kokoro's vocab: {e}"))?;
        let mut ids = HashMap::with_capacity(file.vocab.len());
        for (symbol, id) in file.vocab {
            let mut chars = symbol.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if id > 0 => {
                    ids.insert(c, id);
                }
                _ => {
                    return Err(format!(
                        "its symbol {symbol:?} (id {id}) is not one character with an id above 0"
                    ));
                }
            }
        }
        if ids.is_empty() {
            return Err("it lists no symbols".into());
        }
        Ok(Self { ids })
    }

    /// The ids of `symbols`, leaving out any the model does not know (the front end emits
    /// only known ones; this keeps a stray one from failing a whole render).
    pub fn ids(&self, symbols: &str) -> Vec<i64> {
        symbols
            .chars()
            .filter_map(|c| self.ids.get(&c).copied())
            .collect()
    }

    /// For each char of `symbols` and one past the end, the index among [`Vocab::ids`] of the
    /// first id at or after it: where each symbol's tokens start (a symbol left out has
    /// none, so it starts and ends where the next one starts).
    pub fn token_starts(&self, symbols: &str) -> Vec<usize> {
        let mut starts = Vec::with_capacity(symbols.len() + 1);
        let mut kept = 0;
        for c in symbols.chars() {
            starts.push(kept);
            if self.ids.contains_key(&c) {
                kept += 1;
            }
        }
        starts.push(kept);
        starts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_become_ids() {
        let vocab = Vocab::parse(r#"{"vocab": {"a": 43, " ": 16, "↓": 175}}"#).unwrap();
        assert_eq!(vocab.ids("a ↓a"), [43, 16, 175, 43]);
        assert_eq!(vocab.ids("a?"), [43]);
        assert_eq!(vocab.token_starts("a?a"), [0, 1, 1, 2]);
        assert!(Vocab::parse(r#"{"vocab": {"ab": 1}}"#).is_err());
        assert!(Vocab::parse(r#"{"vocab": {"a": 0}}"#).is_err());
        assert!(Vocab::parse(r#"{"other": {}}"#).is_err());
    }
}
