
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'dkimctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'dkimctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'dkimctl' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('records', 'records', [CompletionResultType]::ParameterValue, 'Generate the DNS records that set up DKIM for a domain (CNAME tokens or a TXT key)')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign raw messages (RFC 5322, CRLF or LF) with rsa-sha256 or ed25519-sha256')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify every DKIM-Signature of a message')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Explain every DKIM-Signature of a message, and why it fails')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Generate an RSA or Ed25519 key: private key file (0600) and the record to publish')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Find the DNS mistake behind a broken DKIM set-up, live (selectors, CNAMEs, keys, names)')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check zone files for DKIM mistakes before they are published (master files, Route 53 JSON)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Check a key: `dkimctl key check FILE` (BYODKIM upload, size, encoding, selector, match)')
            [CompletionResult]::new('arc', 'arc', [CompletionResultType]::ParameterValue, 'ARC (RFC 8617): validate a message''s Authenticated Received Chain, or seal it as the next hop')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dkimctl;records' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The domain, as a flag (the same as DOMAIN)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'The domain, as a flag (the same as DOMAIN)')
            [CompletionResult]::new('--tokens', '--tokens', [CompletionResultType]::ParameterName, 'Reuse these three DKIM tokens (32 characters of a-z2-7 each) instead of generating new ones')
            [CompletionResult]::new('--target-host', '--target-host', [CompletionResultType]::ParameterName, 'Host the DKIM CNAMEs point into (e.g. a regional one)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key you sign with (PEM, DER or base64): publish its public half as a TXT record')
            [CompletionResult]::new('--public-key', '--public-key', [CompletionResultType]::ParameterName, 'Public key to publish as a TXT record (PEM, DER or base64)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Selector (s=) of the key given with --key or --public-key')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Selector (s=) of the key given with --key or --public-key')
            [CompletionResult]::new('--ses-identity', '--ses-identity', [CompletionResultType]::ParameterName, 'What SES says (repeatable; - is standard input): write the records of its real tokens')
            [CompletionResult]::new('--verification-token', '--verification-token', [CompletionResultType]::ParameterName, 'Domain-verification token SES issued; default: a generated one (provider-hosted sets only)')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'TTL of every record, in seconds')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--no-underscore', '--no-underscore', [CompletionResultType]::ParameterName, 'Put the verification record at the domain itself, value "amazonses:TOKEN", for DNS hosts that refuse underscores')
            [CompletionResult]::new('--no-verification', '--no-verification', [CompletionResultType]::ParameterName, 'Leave out the domain-verification record')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Same as --format csv')
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'Same as --format zone')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('--relative', '--relative', [CompletionResultType]::ParameterName, 'Names relative to DOMAIN (table and CSV), for web forms that append the domain themselves')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'dkimctl;sign' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Signing domain (d=)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Signing domain (d=)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Selector (s=); give one per --key, in the same order')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Selector (s=); give one per --key, in the same order')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519); repeat to sign several times in one pass')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519); repeat to sign several times in one pass')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Canonicalization, header/body (c=)')
            [CompletionResult]::new('--canonicalization', '--canonicalization', [CompletionResultType]::ParameterName, 'Canonicalization, header/body (c=)')
            [CompletionResult]::new('--headers', '--headers', [CompletionResultType]::ParameterName, 'Fields to sign (h=), colon-separated; default: the RFC 6376 §5.4.1 fields present')
            [CompletionResult]::new('--oversign', '--oversign', [CompletionResultType]::ParameterName, 'Also oversign this field (From always is, unless --no-oversign)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Agent or user identifier (i=), e.g. @mail.example.com')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'Agent or user identifier (i=), e.g. @mail.example.com')
            [CompletionResult]::new('--expire', '--expire', [CompletionResultType]::ParameterName, 'Expire the signature after this long (x=): 3600, 90s, 15m, 12h, 7d, 2w')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the signed message here instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the signed message here instead of standard output')
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Write each signed message into this directory (created if missing), under its own name')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Sign as of this Unix time (for reproducible output)')
            [CompletionResult]::new('--no-oversign', '--no-oversign', [CompletionResultType]::ParameterName, 'Do not oversign From')
            [CompletionResult]::new('--no-timestamp', '--no-timestamp', [CompletionResultType]::ParameterName, 'Do not write t=')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Sign a message that already carries a signature by the same d= and s= (by default it is left as it is, with a notice)')
            [CompletionResult]::new('--body-length', '--body-length', [CompletionResultType]::ParameterName, 'Write l= (the body length). Unsafe: text can then be appended')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Replace each input file with its signed version (atomic; keeps the mode, owner and group)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'dkimctl;verify' {
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'Read key records from this zone file instead of DNS (offline)')
            [CompletionResult]::new('--key-record', '--key-record', [CompletionResultType]::ParameterName, 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this DNS server instead of the system resolver')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for one DNS answer (more than 0, at most 3600)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'DNS retries after the first try (0 to 10)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Verify as of this Unix time')
            [CompletionResult]::new('--allow-sha1', '--allow-sha1', [CompletionResultType]::ParameterName, 'Accept rsa-sha1 signatures (RFC 8301 forbids them)')
            [CompletionResult]::new('--allow-short-keys', '--allow-short-keys', [CompletionResultType]::ParameterName, 'Accept RSA keys under 1024 bits (RFC 8301 forbids them)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dkimctl;inspect' {
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'Read key records from this zone file instead of DNS (offline)')
            [CompletionResult]::new('--key-record', '--key-record', [CompletionResultType]::ParameterName, 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this DNS server instead of the system resolver')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for one DNS answer (more than 0, at most 3600)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'DNS retries after the first try (0 to 10)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Inspect as of this Unix time')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of tables')
            [CompletionResult]::new('--show-canonical', '--show-canonical', [CompletionResultType]::ParameterName, 'Print the canonicalized header block and body exactly as hashed, per signature')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dkimctl;keygen' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Key type')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Key type')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'RSA modulus size in bits (default 2048; 1024 is weak, SES BYODKIM takes 1024 or 2048)')
            [CompletionResult]::new('--bits', '--bits', [CompletionResultType]::ParameterName, 'RSA modulus size in bits (default 2048; 1024 is weak, SES BYODKIM takes 1024 or 2048)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the private key to this file (mode 0600)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the private key to this file (mode 0600)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Selector (s=) of the record, to print its zone file line; needs --domain')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Selector (s=) of the record, to print its zone file line; needs --domain')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Domain (d=) of the record, to print its zone file line; needs --selector')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Domain (d=) of the record, to print its zone file line; needs --selector')
            [CompletionResult]::new('--pkcs1', '--pkcs1', [CompletionResultType]::ParameterName, 'Write the private key as PKCS#1 (BEGIN RSA PRIVATE KEY) instead of PKCS#8 (RSA only)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace the file if it exists')
            [CompletionResult]::new('--byodkim', '--byodkim', [CompletionResultType]::ParameterName, 'Also print the private key as one line of base64 (no header, footer or line breaks), as Amazon SES BYODKIM wants it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'dkimctl;diagnose' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The domain, as a flag (the same as DOMAIN)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'The domain, as a flag (the same as DOMAIN)')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Check every domain of FILE (one a line; `#` comments), with the same selectors')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'The most DNS questions in flight at once (1 to 256); a batch checks at most N domains at once')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A selector to check (repeatable); without any selector source, common selectors are probed')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'A selector to check (repeatable); without any selector source, common selectors are probed')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'A provider-hosted DKIM token (repeatable): expects `<token>._domainkey.DOMAIN CNAME <token>.<target-host>`')
            [CompletionResult]::new('--target-host', '--target-host', [CompletionResultType]::ParameterName, 'The host provider CNAMEs point into')
            [CompletionResult]::new('--records', '--records', [CompletionResultType]::ParameterName, 'A record set written by `dkimctl records --csv`: check that every row is published')
            [CompletionResult]::new('--message', '--message', [CompletionResultType]::ParameterName, 'A signed message: check the selectors of its DKIM-Signatures with d=DOMAIN')
            [CompletionResult]::new('--ses-identity', '--ses-identity', [CompletionResultType]::ParameterName, 'What SES says (repeatable; - is standard input): check the records it names and explain its status')
            [CompletionResult]::new('--verification-token', '--verification-token', [CompletionResultType]::ParameterName, 'The domain-verification token `_amazonses.DOMAIN` should hold')
            [CompletionResult]::new('--identities', '--identities', [CompletionResultType]::ParameterName, 'Verified identities (domains, subdomains, addresses; DKIM on/off), CSV or TOML, with --from')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'The sender address whose governing identity to check (identity-override), with --identities')
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'Answer every query from this zone file instead of DNS (offline; repeatable)')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this DNS server instead of the system resolver')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for one DNS answer (more than 0, at most 3600)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'DNS retries after the first try (0 to 10)')
            [CompletionResult]::new('--ns-port', '--ns-port', [CompletionResultType]::ParameterName, 'Port the authoritative servers are asked on (default: the port of --nameserver, else 53)')
            [CompletionResult]::new('--no-ns-check', '--no-ns-check', [CompletionResultType]::ParameterName, 'Do not ask the zone''s authoritative servers (or copies) directly to compare them')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of the table')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 on warnings too')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'dkimctl;lint' {
            [CompletionResult]::new('--origin', '--origin', [CompletionResultType]::ParameterName, 'The origin of relative names, instead of `$ORIGIN` or the file name')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'A record set written by `dkimctl records --csv`: every row must be in the files')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 on warnings too')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'dkimctl;key' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a private or public key (and selector) for a BYODKIM upload or a DNS record')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dkimctl;key;check' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Whose rules to check against')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Check this selector against the profile''s rules (and use it with --against dns)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Check this selector against the profile''s rules (and use it with --against dns)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The signing domain (for --against dns)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'The signing domain (for --against dns)')
            [CompletionResult]::new('--against', '--against', [CompletionResultType]::ParameterName, 'Check that the key matches a public key file, a record ("v=DKIM1; k=rsa; p=..."), or `dns`: the record at SELECTOR._domainkey.DOMAIN')
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'With --against dns: read the record from this zone file instead of DNS (offline)')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this DNS server instead of the system resolver')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for one DNS answer (more than 0, at most 3600)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'DNS retries after the first try (0 to 10)')
            [CompletionResult]::new('--print-fix', '--print-fix', [CompletionResultType]::ParameterName, 'Print the private key in the one-line form the upload wants, when that is the fix')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document instead of a table')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Exit 1 on warnings too')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'dkimctl;key;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a private or public key (and selector) for a BYODKIM upload or a DNS record')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dkimctl;key;help;check' {
            break
        }
        'dkimctl;key;help;help' {
            break
        }
        'dkimctl;arc' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault')
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dkimctl;arc;verify' {
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'Read key records from this zone file instead of DNS (offline)')
            [CompletionResult]::new('--key-record', '--key-record', [CompletionResultType]::ParameterName, 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this DNS server instead of the system resolver')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for one DNS answer (more than 0, at most 3600)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'DNS retries after the first try (0 to 10)')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Validate as of this Unix time')
            [CompletionResult]::new('--oldest-pass', '--oldest-pass', [CompletionResultType]::ParameterName, 'Also check every older ARC-Message-Signature, to find the oldest hop whose signature still validates (where the message last changed)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of text')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dkimctl;arc;seal' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Sealing domain (d= of the new AMS and AS)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Sealing domain (d= of the new AMS and AS)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Selector (s=)')
            [CompletionResult]::new('--selector', '--selector', [CompletionResultType]::ParameterName, 'Selector (s=)')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519)')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519)')
            [CompletionResult]::new('--authserv-id', '--authserv-id', [CompletionResultType]::ParameterName, 'Your host''s authserv-id: whose Authentication-Results the new ARC-Authentication-Results repeats')
            [CompletionResult]::new('--headers', '--headers', [CompletionResultType]::ParameterName, 'Fields the ARC-Message-Signature signs (h=), colon-separated; default: the DKIM default fields present')
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'Read key records from this zone file instead of DNS (offline)')
            [CompletionResult]::new('--key-record', '--key-record', [CompletionResultType]::ParameterName, 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."')
            [CompletionResult]::new('--nameserver', '--nameserver', [CompletionResultType]::ParameterName, 'Ask this DNS server instead of the system resolver')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for one DNS answer (more than 0, at most 3600)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'DNS retries after the first try (0 to 10)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the sealed message here instead of standard output')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the sealed message here instead of standard output')
            [CompletionResult]::new('--now', '--now', [CompletionResultType]::ParameterName, 'Seal as of this Unix time (t=)')
            [CompletionResult]::new('--in-place', '--in-place', [CompletionResultType]::ParameterName, 'Replace the input file with the sealed message (atomic; keeps the mode, owner and group)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'dkimctl;arc;help' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault')
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dkimctl;arc;help;verify' {
            break
        }
        'dkimctl;arc;help;seal' {
            break
        }
        'dkimctl;arc;help;help' {
            break
        }
        'dkimctl;completions' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Write the files for every shell (bash, zsh, fish, elvish, PowerShell) and the man pages (dkimctl.1, dkimctl-sign.1, ...) into DIR')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'dkimctl;help' {
            [CompletionResult]::new('records', 'records', [CompletionResultType]::ParameterValue, 'Generate the DNS records that set up DKIM for a domain (CNAME tokens or a TXT key)')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign raw messages (RFC 5322, CRLF or LF) with rsa-sha256 or ed25519-sha256')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify every DKIM-Signature of a message')
            [CompletionResult]::new('inspect', 'inspect', [CompletionResultType]::ParameterValue, 'Explain every DKIM-Signature of a message, and why it fails')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Generate an RSA or Ed25519 key: private key file (0600) and the record to publish')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Find the DNS mistake behind a broken DKIM set-up, live (selectors, CNAMEs, keys, names)')
            [CompletionResult]::new('lint', 'lint', [CompletionResultType]::ParameterValue, 'Check zone files for DKIM mistakes before they are published (master files, Route 53 JSON)')
            [CompletionResult]::new('key', 'key', [CompletionResultType]::ParameterValue, 'Check a key: `dkimctl key check FILE` (BYODKIM upload, size, encoding, selector, match)')
            [CompletionResult]::new('arc', 'arc', [CompletionResultType]::ParameterValue, 'ARC (RFC 8617): validate a message''s Authenticated Received Chain, or seal it as the next hop')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, elvish, powershell)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'dkimctl;help;records' {
            break
        }
        'dkimctl;help;sign' {
            break
        }
        'dkimctl;help;verify' {
            break
        }
        'dkimctl;help;inspect' {
            break
        }
        'dkimctl;help;keygen' {
            break
        }
        'dkimctl;help;diagnose' {
            break
        }
        'dkimctl;help;lint' {
            break
        }
        'dkimctl;help;key' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a private or public key (and selector) for a BYODKIM upload or a DNS record')
            break
        }
        'dkimctl;help;key;check' {
            break
        }
        'dkimctl;help;arc' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault')
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal')
            break
        }
        'dkimctl;help;arc;verify' {
            break
        }
        'dkimctl;help;arc;seal' {
            break
        }
        'dkimctl;help;completions' {
            break
        }
        'dkimctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
