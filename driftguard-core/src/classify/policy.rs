//! Policy (interim: the full policy lands with its own commit).

use super::{Change, Ignored, Profile};
use crate::error::Result;

/// Which position a bare JSON Schema is judged in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SchemaPosition {
    /// Backward compatibility (the default).
    #[default]
    Input,
    /// Forward compatibility.
    Output,
    /// Both.
    Both,
}

/// A policy.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Policy {
    /// The profile.
    pub profile: Profile,
    /// Position for bare schemas.
    pub schema_position: SchemaPosition,
}

/// The result of applying a policy.
pub struct Applied {
    /// Changes kept.
    pub changes: Vec<Change>,
    /// Changes ignored.
    pub ignored: Vec<Ignored>,
    /// Expired ignores, reported.
    pub expired: Vec<Change>,
}

impl Policy {
    /// Applies the policy.
    pub fn apply(&self, changes: Vec<Change>, _today: Option<&str>) -> Result<Applied> {
        Ok(Applied {
            changes,
            ignored: Vec::new(),
            expired: Vec::new(),
        })
    }
}
