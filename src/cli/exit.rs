//! Exit codes: one enum, one rule. See design.md "Exit codes".

use dkimctl::dkim::verify::Summary;

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Nothing of severity error.
    Ok = 0,
    /// At least one failed verification or error finding.
    Findings = 1,
    /// DNS failed temporarily, so nothing could be decided.
    DnsTemp = 3,
    /// Bad usage or unreadable input; nothing written.
    Usage = 2,
}

impl Exit {
    /// The exit code of a verification summary.
    pub fn from_summary(summary: Summary) -> Exit {
        match summary {
            Summary::AllPass => Exit::Ok,
            Summary::Failed => Exit::Findings,
            Summary::DnsTrouble => Exit::DnsTemp,
        }
    }

    /// The exit code of a list of findings: 1 when any is an error, or with
    /// `strict` any warning too; 0 otherwise.
    #[allow(dead_code)] // used by the finding-based commands as they land
    pub fn from_findings(findings: &[dkimctl::diagnosis::finding::Finding], strict: bool) -> Exit {
        use dkimctl::diagnosis::finding::Severity;
        let worst = findings.iter().map(|f| f.severity).max();
        match worst {
            Some(Severity::Error) => Exit::Findings,
            Some(Severity::Warning) if strict => Exit::Findings,
            _ => Exit::Ok,
        }
    }

    /// Combines the codes of several inputs: usage errors dominate, then
    /// failures, then DNS trouble.
    pub fn merge(self, other: Exit) -> Exit {
        let rank = |e: Exit| match e {
            Exit::Ok => 0,
            Exit::DnsTemp => 1,
            Exit::Findings => 2,
            Exit::Usage => 3,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_prefers_the_worst() {
        for (a, b, expected) in [
            (Exit::Ok, Exit::Ok, Exit::Ok),
            (Exit::Ok, Exit::DnsTemp, Exit::DnsTemp),
            (Exit::DnsTemp, Exit::Findings, Exit::Findings),
            (Exit::Findings, Exit::Usage, Exit::Usage),
            (Exit::Usage, Exit::Ok, Exit::Usage),
        ] {
            assert_eq!(a.merge(b), expected);
            assert_eq!(b.merge(a), expected);
        }
    }

    #[test]
    fn findings_codes() {
        use dkimctl::diagnosis::finding::{Code, Finding, Severity};
        let f = |severity| Finding::new(Code::KeyTesting, "s", "m").with_severity(severity);
        assert_eq!(Exit::from_findings(&[], false), Exit::Ok);
        assert_eq!(
            Exit::from_findings(&[f(Severity::Info), f(Severity::Warning)], false),
            Exit::Ok
        );
        assert_eq!(
            Exit::from_findings(&[f(Severity::Warning)], true),
            Exit::Findings
        );
        assert_eq!(
            Exit::from_findings(&[f(Severity::Warning), f(Severity::Error)], false),
            Exit::Findings
        );
    }

    #[test]
    fn summary_codes() {
        assert_eq!(Exit::from_summary(Summary::AllPass) as u8, 0);
        assert_eq!(Exit::from_summary(Summary::Failed) as u8, 1);
        assert_eq!(Exit::from_summary(Summary::DnsTrouble) as u8, 3);
    }
}
