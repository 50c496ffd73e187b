//! Collecting a message's ARC sets and checking the chain's shape (RFC 8617
//! §5.2 steps 1 to 3): every instance from 1 to N has exactly one of each
//! field, and the seals' cv= say none at i=1 and pass after it.

use crate::arc::fields::{FieldKind, Seal};
use crate::arc::{ChainStatus, MAX_INSTANCE};
use crate::dkim::message::Header;
use crate::dkim::signature::SignatureError;
use thiserror::Error;

/// One instance's three fields, as header indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArcSet {
    /// i=
    pub instance: u32,
    /// The ARC-Authentication-Results field.
    pub auth_results: usize,
    /// The ARC-Message-Signature field.
    pub message_signature: usize,
    /// The ARC-Seal field.
    pub seal: usize,
}

impl ArcSet {
    /// The field of `kind`.
    pub fn field(&self, kind: FieldKind) -> usize {
        match kind {
            FieldKind::AuthResults => self.auth_results,
            FieldKind::MessageSignature => self.message_signature,
            FieldKind::Seal => self.seal,
        }
    }
}

/// Why the chain's shape is broken: the chain fails before any signature
/// is checked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum StructureError {
    /// An ARC field whose instance cannot be read.
    #[error("the {kind} field on header line {line} has no usable instance: {error}", kind = .kind.name())]
    NoInstance {
        /// Which field.
        kind: FieldKind,
        /// Its position among the header fields, 1-based.
        line: usize,
        /// What is wrong with i=.
        error: SignatureError,
    },
    /// More ARC fields than 50 complete sets could have.
    #[error("{count} ARC fields; a chain has at most {MAX_INSTANCE} sets of three")]
    TooManyFields {
        /// How many.
        count: usize,
    },
    /// The newest seal says the chain had already failed (§5.2 step 2).
    #[error("the newest ARC-Seal (i={instance}) says cv=fail: the chain was broken before it")]
    SealedFail {
        /// Its instance.
        instance: u32,
    },
    /// An instance lacks a field (or the instances have a gap).
    #[error("ARC set i={instance} has no {kind} field", kind = .kind.name())]
    Missing {
        /// The instance.
        instance: u32,
        /// The missing field.
        kind: FieldKind,
    },
    /// An instance has a field twice.
    #[error("ARC set i={instance} has {count} {kind} fields; it must have one", kind = .kind.name())]
    Duplicate {
        /// The instance.
        instance: u32,
        /// The field.
        kind: FieldKind,
        /// How many.
        count: usize,
    },
    /// A seal's cv= is not the one its position requires (§5.2 step 3.3).
    #[error(
        "the ARC-Seal of i={instance} says cv={found}, where {position} must say cv={wanted}",
        found = .found.as_str(),
        wanted = .wanted.as_str(),
        position = if *.instance == 1 { "the first set" } else { "every later set" }
    )]
    WrongStatus {
        /// The instance.
        instance: u32,
        /// Its cv=.
        found: ChainStatus,
        /// What it must be.
        wanted: ChainStatus,
    },
}

/// The message's ARC sets, oldest first (empty when it has none), or why
/// their shape is broken. Seals' cv= are checked by [`check_statuses`]
/// once the seals are parsed.
pub fn collect(header: &Header) -> Result<Vec<ArcSet>, StructureError> {
    let mut found: Vec<(u32, FieldKind, usize)> = Vec::new();
    for (index, field) in header.fields().enumerate() {
        let Some(kind) = FieldKind::of(&field) else {
            continue;
        };
        if found.len() == 3 * MAX_INSTANCE as usize {
            let count = header
                .fields()
                .filter(|f| FieldKind::of(f).is_some())
                .count();
            return Err(StructureError::TooManyFields { count });
        }
        let instance = kind
            .instance(field.value)
            .map_err(|error| StructureError::NoInstance {
                kind,
                line: index + 1,
                error,
            })?;
        found.push((instance, kind, index));
    }
    let Some(newest) = found.iter().map(|(i, _, _)| *i).max() else {
        return Ok(Vec::new());
    };
    let newest_seals: Vec<usize> = found
        .iter()
        .filter(|(i, kind, _)| *i == newest && *kind == FieldKind::Seal)
        .map(|(_, _, index)| *index)
        .collect();
    if let [seal] = newest_seals[..]
        && header
            .field(seal)
            .and_then(|f| Seal::claimed_status(f.value))
            == Some(ChainStatus::Fail)
    {
        return Err(StructureError::SealedFail { instance: newest });
    }
    (1..=newest)
        .map(|instance| {
            let one = |kind: FieldKind| {
                let indices: Vec<usize> = found
                    .iter()
                    .filter(|(i, k, _)| *i == instance && *k == kind)
                    .map(|(_, _, index)| *index)
                    .collect();
                match indices[..] {
                    [index] => Ok(index),
                    [] => Err(StructureError::Missing { instance, kind }),
                    _ => Err(StructureError::Duplicate {
                        instance,
                        kind,
                        count: indices.len(),
                    }),
                }
            };
            Ok(ArcSet {
                instance,
                auth_results: one(FieldKind::AuthResults)?,
                message_signature: one(FieldKind::MessageSignature)?,
                seal: one(FieldKind::Seal)?,
            })
        })
        .collect()
}

/// §5.2 step 3.3: cv=none at i=1, cv=pass after it (never fail).
pub fn check_statuses(
    seals: impl Iterator<Item = (u32, ChainStatus)>,
) -> Result<(), StructureError> {
    for (instance, found) in seals {
        let wanted = if instance == 1 {
            ChainStatus::None
        } else {
            ChainStatus::Pass
        };
        if found != wanted {
            return Err(StructureError::WrongStatus {
                instance,
                found,
                wanted,
            });
        }
    }
    Ok(())
}

/// The instance the next sealer writes: one past the highest any ARC field
/// claims (1 for none), whatever the chain's shape.
pub fn next_instance(header: &Header) -> u32 {
    header
        .fields()
        .filter_map(|f| FieldKind::of(&f)?.instance(f.value).ok())
        .max()
        .unwrap_or(0)
        + 1
}
