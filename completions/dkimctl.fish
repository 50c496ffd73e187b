# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_dkimctl_global_optspecs
    string join \n h/help V/version
end

function __fish_dkimctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_dkimctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_dkimctl_using_subcommand
    set -l cmd (__fish_dkimctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c dkimctl -n "__fish_dkimctl_needs_command" -s h -l help -d 'Print help'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -s V -l version -d 'Print version'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "records" -d 'Generate the DNS records that set up DKIM for a domain (CNAME tokens or a TXT key)'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "sign" -d 'Sign raw messages (RFC 5322, CRLF or LF) with rsa-sha256 or ed25519-sha256'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "verify" -d 'Verify every DKIM-Signature of a message'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "inspect" -d 'Explain every DKIM-Signature of a message, and why it fails'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "keygen" -d 'Generate an RSA or Ed25519 key: private key file (0600) and the record to publish'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "diagnose" -d 'Find the DNS mistake behind a broken DKIM set-up, live (selectors, CNAMEs, keys, names)'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "lint" -d 'Check zone files for DKIM mistakes before they are published (master files, Route 53 JSON)'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "key" -d 'Check a key: `dkimctl key check FILE` (BYODKIM upload, size, encoding, selector, match)'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "arc" -d 'ARC (RFC 8617): validate a message\'s Authenticated Received Chain, or seal it as the next hop'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c dkimctl -n "__fish_dkimctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -s d -l domain -d 'The domain, as a flag (the same as DOMAIN)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l tokens -d 'Reuse these three DKIM tokens (32 characters of a-z2-7 each) instead of generating new ones' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l target-host -d 'Host the DKIM CNAMEs point into (e.g. a regional one)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l key -d 'Private key you sign with (PEM, DER or base64): publish its public half as a TXT record' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l public-key -d 'Public key to publish as a TXT record (PEM, DER or base64)' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -s s -l selector -d 'Selector (s=) of the key given with --key or --public-key' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l ses-identity -d 'What SES says (repeatable; - is standard input): write the records of its real tokens' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l verification-token -d 'Domain-verification token SES issued; default: a generated one (provider-hosted sets only)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l ttl -d 'TTL of every record, in seconds' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l format -d 'Output format' -r -f -a "table\t'A table for people (default)'
csv\t'Type,Name,Value rows with a header'
zone\t'BIND master-file lines'
json\t'One JSON document'
route53\t'A Route 53 change batch (JSON)'"
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l no-underscore -d 'Put the verification record at the domain itself, value "amazonses:TOKEN", for DNS hosts that refuse underscores'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l no-verification -d 'Leave out the domain-verification record'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l csv -d 'Same as --format csv'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l zone -d 'Same as --format zone'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l json -d 'Same as --format json'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -l relative -d 'Names relative to DOMAIN (table and CSV), for web forms that append the domain themselves'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand records" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -s d -l domain -d 'Signing domain (d=)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -s s -l selector -d 'Selector (s=); give one per --key, in the same order' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -s k -l key -d 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519); repeat to sign several times in one pass' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -s c -l canonicalization -d 'Canonicalization, header/body (c=)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l headers -d 'Fields to sign (h=), colon-separated; default: the RFC 6376 §5.4.1 fields present' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l oversign -d 'Also oversign this field (From always is, unless --no-oversign)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -s i -l identity -d 'Agent or user identifier (i=), e.g. @mail.example.com' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l expire -d 'Expire the signature after this long (x=): 3600, 90s, 15m, 12h, 7d, 2w' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -s o -l output -d 'Write the signed message here instead of standard output' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l out-dir -d 'Write each signed message into this directory (created if missing), under its own name' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l now -d 'Sign as of this Unix time (for reproducible output)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l no-oversign -d 'Do not oversign From'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l no-timestamp -d 'Do not write t='
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l force -d 'Sign a message that already carries a signature by the same d= and s= (by default it is left as it is, with a notice)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l body-length -d 'Write l= (the body length). Unsafe: text can then be appended'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -l in-place -d 'Replace each input file with its signed version (atomic; keeps the mode, owner and group)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -l zone -d 'Read key records from this zone file instead of DNS (offline)' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -l key-record -d 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -l nameserver -d 'Ask this DNS server instead of the system resolver' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -l timeout -d 'Seconds to wait for one DNS answer (more than 0, at most 3600)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -l retries -d 'DNS retries after the first try (0 to 10)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -l now -d 'Verify as of this Unix time' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -l allow-sha1 -d 'Accept rsa-sha1 signatures (RFC 8301 forbids them)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -l allow-short-keys -d 'Accept RSA keys under 1024 bits (RFC 8301 forbids them)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -l json -d 'Print one JSON document instead of text'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand verify" -s h -l help -d 'Print help'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand inspect" -l zone -d 'Read key records from this zone file instead of DNS (offline)' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand inspect" -l key-record -d 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand inspect" -l nameserver -d 'Ask this DNS server instead of the system resolver' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand inspect" -l timeout -d 'Seconds to wait for one DNS answer (more than 0, at most 3600)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand inspect" -l retries -d 'DNS retries after the first try (0 to 10)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand inspect" -l now -d 'Inspect as of this Unix time' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand inspect" -l json -d 'Print one JSON document instead of tables'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand inspect" -l show-canonical -d 'Print the canonicalized header block and body exactly as hashed, per signature'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -s t -l type -d 'Key type' -r -f -a "rsa\t'RSA (rsa-sha256)'
ed25519\t'Ed25519 (ed25519-sha256, RFC 8463)'"
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -s b -l bits -d 'RSA modulus size in bits (default 2048; 1024 is weak, SES BYODKIM takes 1024 or 2048)' -r -f -a "1024\t''
2048\t''
3072\t''
4096\t''"
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -s o -l output -d 'Write the private key to this file (mode 0600)' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -s s -l selector -d 'Selector (s=) of the record, to print its zone file line; needs --domain' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -s d -l domain -d 'Domain (d=) of the record, to print its zone file line; needs --selector' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -l pkcs1 -d 'Write the private key as PKCS#1 (BEGIN RSA PRIVATE KEY) instead of PKCS#8 (RSA only)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -l force -d 'Replace the file if it exists'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -l byodkim -d 'Also print the private key as one line of base64 (no header, footer or line breaks), as Amazon SES BYODKIM wants it'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -l json -d 'Print one JSON document'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -s d -l domain -d 'The domain, as a flag (the same as DOMAIN)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l batch -d 'Check every domain of FILE (one a line; `#` comments), with the same selectors' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l concurrency -d 'The most DNS questions in flight at once (1 to 256); a batch checks at most N domains at once' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -s s -l selector -d 'A selector to check (repeatable); without any selector source, common selectors are probed' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l token -d 'A provider-hosted DKIM token (repeatable): expects `<token>._domainkey.DOMAIN CNAME <token>.<target-host>`' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l target-host -d 'The host provider CNAMEs point into' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l records -d 'A record set written by `dkimctl records --csv`: check that every row is published' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l message -d 'A signed message: check the selectors of its DKIM-Signatures with d=DOMAIN' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l ses-identity -d 'What SES says (repeatable; - is standard input): check the records it names and explain its status' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l verification-token -d 'The domain-verification token `_amazonses.DOMAIN` should hold' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l identities -d 'Verified identities (domains, subdomains, addresses; DKIM on/off), CSV or TOML, with --from' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l from -d 'The sender address whose governing identity to check (identity-override), with --identities' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l zone -d 'Answer every query from this zone file instead of DNS (offline; repeatable)' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l nameserver -d 'Ask this DNS server instead of the system resolver' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l timeout -d 'Seconds to wait for one DNS answer (more than 0, at most 3600)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l retries -d 'DNS retries after the first try (0 to 10)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l ns-port -d 'Port the authoritative servers are asked on (default: the port of --nameserver, else 53)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l no-ns-check -d 'Do not ask the zone\'s authoritative servers (or copies) directly to compare them'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l json -d 'Print one JSON document instead of the table'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -l strict -d 'Exit 1 on warnings too'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand diagnose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand lint" -l origin -d 'The origin of relative names, instead of `$ORIGIN` or the file name' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand lint" -l expect -d 'A record set written by `dkimctl records --csv`: every row must be in the files' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand lint" -l format -d 'Output format' -r -f -a "human\t'Grouped by file, with the line quoted'
json\t'One JSON document'
github\t'GitHub Actions workflow annotations'
sarif\t'SARIF 2.1.0, for code-scanning UIs'"
complete -c dkimctl -n "__fish_dkimctl_using_subcommand lint" -l json -d 'Same as --format json'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand lint" -l strict -d 'Exit 1 on warnings too'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand lint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Validate a private or public key (and selector) for a BYODKIM upload or a DNS record'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -l profile -d 'Whose rules to check against' -r -f -a "ses\t'Amazon SES BYODKIM: RSA 1024 or 2048 bits, private key as one line of base64, selector of 1-63 letters, digits and inner hyphens'
generic\t'RFC 6376/8301/8463: RSA of 1024 bits or more, or Ed25519; any encoding'"
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -s s -l selector -d 'Check this selector against the profile\'s rules (and use it with --against dns)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -s d -l domain -d 'The signing domain (for --against dns)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -l against -d 'Check that the key matches a public key file, a record ("v=DKIM1; k=rsa; p=..."), or `dns`: the record at SELECTOR._domainkey.DOMAIN' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -l zone -d 'With --against dns: read the record from this zone file instead of DNS (offline)' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -l nameserver -d 'Ask this DNS server instead of the system resolver' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -l timeout -d 'Seconds to wait for one DNS answer (more than 0, at most 3600)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -l retries -d 'DNS retries after the first try (0 to 10)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -l print-fix -d 'Print the private key in the one-line form the upload wants, when that is the fix'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -l json -d 'Print one JSON document instead of a table'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -l strict -d 'Exit 1 on warnings too'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate a private or public key (and selector) for a BYODKIM upload or a DNS record'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and not __fish_seen_subcommand_from verify seal help" -s h -l help -d 'Print help'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and not __fish_seen_subcommand_from verify seal help" -f -a "verify" -d 'Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and not __fish_seen_subcommand_from verify seal help" -f -a "seal" -d 'Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and not __fish_seen_subcommand_from verify seal help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from verify" -l zone -d 'Read key records from this zone file instead of DNS (offline)' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from verify" -l key-record -d 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from verify" -l nameserver -d 'Ask this DNS server instead of the system resolver' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from verify" -l timeout -d 'Seconds to wait for one DNS answer (more than 0, at most 3600)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from verify" -l retries -d 'DNS retries after the first try (0 to 10)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from verify" -l now -d 'Validate as of this Unix time' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from verify" -l oldest-pass -d 'Also check every older ARC-Message-Signature, to find the oldest hop whose signature still validates (where the message last changed)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from verify" -l json -d 'Print JSON instead of text'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -s d -l domain -d 'Sealing domain (d= of the new AMS and AS)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -s s -l selector -d 'Selector (s=)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -s k -l key -d 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519)' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -l authserv-id -d 'Your host\'s authserv-id: whose Authentication-Results the new ARC-Authentication-Results repeats' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -l headers -d 'Fields the ARC-Message-Signature signs (h=), colon-separated; default: the DKIM default fields present' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -l zone -d 'Read key records from this zone file instead of DNS (offline)' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -l key-record -d 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -l nameserver -d 'Ask this DNS server instead of the system resolver' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -l timeout -d 'Seconds to wait for one DNS answer (more than 0, at most 3600)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -l retries -d 'DNS retries after the first try (0 to 10)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -s o -l output -d 'Write the sealed message here instead of standard output' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -l now -d 'Seal as of this Unix time (t=)' -r
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -l in-place -d 'Replace the input file with the sealed message (atomic; keeps the mode, owner and group)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from seal" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from help" -f -a "seal" -d 'Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand arc; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand completions" -l dir -d 'Write the files for every shell (bash, zsh, fish, elvish, PowerShell) and the man pages (dkimctl.1, dkimctl-sign.1, ...) into DIR' -r -F
complete -c dkimctl -n "__fish_dkimctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "records" -d 'Generate the DNS records that set up DKIM for a domain (CNAME tokens or a TXT key)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "sign" -d 'Sign raw messages (RFC 5322, CRLF or LF) with rsa-sha256 or ed25519-sha256'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "verify" -d 'Verify every DKIM-Signature of a message'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "inspect" -d 'Explain every DKIM-Signature of a message, and why it fails'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "keygen" -d 'Generate an RSA or Ed25519 key: private key file (0600) and the record to publish'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "diagnose" -d 'Find the DNS mistake behind a broken DKIM set-up, live (selectors, CNAMEs, keys, names)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "lint" -d 'Check zone files for DKIM mistakes before they are published (master files, Route 53 JSON)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "key" -d 'Check a key: `dkimctl key check FILE` (BYODKIM upload, size, encoding, selector, match)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "arc" -d 'ARC (RFC 8617): validate a message\'s Authenticated Received Chain, or seal it as the next hop'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, elvish, powershell)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and not __fish_seen_subcommand_from records sign verify inspect keygen diagnose lint key arc completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "check" -d 'Validate a private or public key (and selector) for a BYODKIM upload or a DNS record'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and __fish_seen_subcommand_from arc" -f -a "verify" -d 'Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault'
complete -c dkimctl -n "__fish_dkimctl_using_subcommand help; and __fish_seen_subcommand_from arc" -f -a "seal" -d 'Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal'
