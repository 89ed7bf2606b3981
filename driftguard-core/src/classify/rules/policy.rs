//! Rules about the policy itself.

use super::{Area, D, Rule, same};

pub(super) const RULES: &[Rule] = &[Rule::surface(
    Area::Policy,
    "policy-ignore-expired",
    "an ignore entry of the policy is past its `expires` date and no longer applies",
    same(D),
)
.notes("Reported once per expired entry, whether or not it matched a change, until the entry is renewed or removed.")];
