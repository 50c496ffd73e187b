//! Diagnosis: what is wrong and what to do, as [`finding`]s with one
//! catalogue of codes. [`checks`] judges what DNS or a zone file holds for
//! a name, the same for [`diagnose`] (live DNS, or zone data through the
//! DNS seam) and [`lint`] (zone files). [`inspect`] explains each signature
//! of a message: [`align`] (From alignment, provider signatures),
//! [`auth_results`] (what earlier verifiers said) and [`forensics`] (what
//! changed when a hash fails), and [`arc_path`] the ARC chain beside them
//! (which hop changed the message, and how).

pub mod align;
pub mod arc_path;
pub mod auth_results;
pub mod checks;
pub mod diagnose;
pub mod finding;
pub mod forensics;
pub mod inspect;
pub mod lint;
