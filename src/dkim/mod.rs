//! DKIM itself (RFC 6376, RFC 8301, RFC 8463), bottom up: [`message`]
//! splits raw bytes into header fields and a body; [`tag_list`] parses the
//! tag=value grammar that [`signature`] (DKIM-Signature fields) and
//! [`record`] (key records) build on; [`algorithm`] names a= and the hash
//! functions; [`canon`] canonicalizes and streams the body hash;
//! [`selector`] is the one rule for what a selector may be;
//! [`key_source`] serves key records from DNS, zone data or a literal; and
//! [`sign`] and [`verify`] put it all together.

pub mod algorithm;
pub mod canon;
pub mod damage;
pub mod key_source;
pub mod message;
pub mod record;
pub mod selector;
pub mod sign;
pub mod signature;
pub mod tag_list;
pub mod verify;
