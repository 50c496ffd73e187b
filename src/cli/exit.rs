//! Exit codes: one enum, one rule. See design.md "Exit codes".

use dkimctl::diagnosis::finding::{Code, Finding, Severity};
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

/// What a report says, as far as the exit code cares: the one input of
/// [`Exit::decide`], built from findings, a verification summary, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// An error finding (other than a DNS failure) or a failed verification.
    pub failed: bool,
    /// Something was left undecided because DNS failed temporarily.
    pub dns_undecided: bool,
    /// A warning finding.
    pub warned: bool,
}

impl Outcome {
    /// The outcome of a list of findings. A `dns-temporary` finding is DNS
    /// trouble, whatever its severity: it decides nothing.
    pub fn of_findings(findings: &[Finding]) -> Outcome {
        let dns = |f: &Finding| f.code == Code::DnsTemporary;
        Outcome {
            failed: findings
                .iter()
                .any(|f| f.severity == Severity::Error && !dns(f)),
            dns_undecided: findings.iter().any(dns),
            warned: findings
                .iter()
                .any(|f| f.severity == Severity::Warning && !dns(f)),
        }
    }

    /// The outcome of a verification summary.
    pub fn of_summary(summary: Summary) -> Outcome {
        Outcome {
            failed: summary == Summary::Failed,
            dns_undecided: summary == Summary::DnsTrouble,
            warned: false,
        }
    }

    /// Both outcomes at once: what either says.
    pub fn and(self, other: Outcome) -> Outcome {
        Outcome {
            failed: self.failed || other.failed,
            dns_undecided: self.dns_undecided || other.dns_undecided,
            warned: self.warned || other.warned,
        }
    }
}

impl Exit {
    /// The one exit rule of every reporting command (design.md "Exit
    /// codes"): 1 when something failed; else 3 when DNS trouble left
    /// something undecided; else 1 for a warning with `strict`; else 0.
    pub fn decide(outcome: Outcome, strict: bool) -> Exit {
        if outcome.failed {
            Exit::Findings
        } else if outcome.dns_undecided {
            Exit::DnsTemp
        } else if outcome.warned && strict {
            Exit::Findings
        } else {
            Exit::Ok
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

    fn finding(code: Code, severity: Severity) -> Finding {
        Finding::new(code, "s", "m").with_severity(severity)
    }

    #[test]
    fn the_rule() {
        let o = |failed, dns_undecided, warned| Outcome {
            failed,
            dns_undecided,
            warned,
        };
        for (outcome, strict, expected) in [
            (o(false, false, false), false, Exit::Ok),
            (o(false, false, false), true, Exit::Ok),
            (o(false, false, true), false, Exit::Ok),
            (o(false, false, true), true, Exit::Findings),
            (o(false, true, false), false, Exit::DnsTemp),
            (o(false, true, true), true, Exit::DnsTemp),
            (o(true, true, false), false, Exit::Findings),
            (o(true, false, true), true, Exit::Findings),
        ] {
            assert_eq!(
                Exit::decide(outcome, strict),
                expected,
                "{outcome:?} {strict}"
            );
        }
    }

    #[test]
    fn findings_outcomes() {
        use Severity::*;
        for (findings, failed, dns_undecided, warned) in [
            (vec![], false, false, false),
            (vec![finding(Code::KeyTesting, Info)], false, false, false),
            (vec![finding(Code::KeyWeak, Warning)], false, false, true),
            (vec![finding(Code::KeyInvalid, Error)], true, false, false),
            (vec![finding(Code::DnsTemporary, Error)], false, true, false),
            (
                vec![finding(Code::DnsTemporary, Warning)],
                false,
                true,
                false,
            ),
            (
                vec![
                    finding(Code::DnsTemporary, Error),
                    finding(Code::KeyInvalid, Error),
                ],
                true,
                true,
                false,
            ),
        ] {
            let expected = Outcome {
                failed,
                dns_undecided,
                warned,
            };
            assert_eq!(Outcome::of_findings(&findings), expected, "{findings:?}");
        }
    }

    #[test]
    fn summary_outcomes_combine_with_findings() {
        let warned = Outcome::of_findings(&[finding(Code::KeyWeak, Severity::Warning)]);
        for (summary, expected) in [
            (Summary::AllPass, Exit::Ok),
            (Summary::Failed, Exit::Findings),
            (Summary::DnsTrouble, Exit::DnsTemp),
        ] {
            assert_eq!(Exit::decide(Outcome::of_summary(summary), false), expected);
            assert_eq!(
                Exit::decide(Outcome::of_summary(summary).and(warned), false),
                expected
            );
        }
        let error = Outcome::of_findings(&[finding(Code::DuplicateFrom, Severity::Error)]);
        assert_eq!(
            Exit::decide(Outcome::of_summary(Summary::AllPass).and(error), false),
            Exit::Findings
        );
    }
}
