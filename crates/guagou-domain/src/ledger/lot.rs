//! Lots: serial ranges of a project's surplus quota. A lot is immutable; moving or splitting it
//! consumes it and creates children that keep a link to their parent, so the history of any
//! square metre can be listed from issue to use.

use serde::{Deserialize, Serialize};

use super::account::Account;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub id: u64,
    /// The project that produced these square metres.
    pub project: String,
    /// First and last serial (inclusive), counting the project's surplus from 1.
    pub first: i64,
    pub last: i64,
    pub holder: Account,
    pub parent: Option<u64>,
    /// The journal entry that created the lot.
    pub created_by: u64,
    /// Advanced before acceptance (二(四)) and not yet confirmed by it: the county may use it
    /// (land supply) but not list or transfer it, since only quota confirmed at acceptance goes
    /// to the market (二(三)). Children keep the flag; only the project's issue clears it.
    /// Omitted from the JSON when false, so entries written before the flag existed keep their
    /// exact JSON and hashes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub advanced: bool,
}

impl Lot {
    pub fn size(&self) -> i64 {
        self.last - self.first + 1
    }

    /// `<project>:<first>-<last>`, the serial block as SPEC §8 writes it.
    pub fn serial(&self) -> String {
        format!("{}:{}-{}", self.project, self.first, self.last)
    }

    pub fn contains(&self, project: &str, serial: i64) -> bool {
        self.project == project && (self.first..=self.last).contains(&serial)
    }
}
