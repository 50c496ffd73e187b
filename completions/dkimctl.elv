
use builtin;
use str;

set edit:completion:arg-completer[dkimctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'dkimctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'dkimctl'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand records 'Generate the DNS records that set up DKIM for a domain (CNAME tokens or a TXT key)'
            cand sign 'Sign raw messages (RFC 5322, CRLF or LF) with rsa-sha256 or ed25519-sha256'
            cand verify 'Verify every DKIM-Signature of a message'
            cand inspect 'Explain every DKIM-Signature of a message, and why it fails'
            cand keygen 'Generate an RSA or Ed25519 key: private key file (0600) and the record to publish'
            cand diagnose 'Find the DNS mistake behind a broken DKIM set-up, live (selectors, CNAMEs, keys, names)'
            cand lint 'Check zone files for DKIM mistakes before they are published (master files, Route 53 JSON)'
            cand key 'Check a key: `dkimctl key check FILE` (BYODKIM upload, size, encoding, selector, match)'
            cand arc 'ARC (RFC 8617): validate a message''s Authenticated Received Chain, or seal it as the next hop'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dkimctl;records'= {
            cand -d 'The domain, as a flag (the same as DOMAIN)'
            cand --domain 'The domain, as a flag (the same as DOMAIN)'
            cand --tokens 'Reuse these three DKIM tokens (32 characters of a-z2-7 each) instead of generating new ones'
            cand --target-host 'Host the DKIM CNAMEs point into (e.g. a regional one)'
            cand --key 'Private key you sign with (PEM, DER or base64): publish its public half as a TXT record'
            cand --public-key 'Public key to publish as a TXT record (PEM, DER or base64)'
            cand -s 'Selector (s=) of the key given with --key or --public-key'
            cand --selector 'Selector (s=) of the key given with --key or --public-key'
            cand --ses-identity 'What SES says (repeatable; - is standard input): write the records of its real tokens'
            cand --verification-token 'Domain-verification token SES issued; default: a generated one (provider-hosted sets only)'
            cand --ttl 'TTL of every record, in seconds'
            cand --format 'Output format'
            cand --no-underscore 'Put the verification record at the domain itself, value "amazonses:TOKEN", for DNS hosts that refuse underscores'
            cand --no-verification 'Leave out the domain-verification record'
            cand --csv 'Same as --format csv'
            cand --zone 'Same as --format zone'
            cand --json 'Same as --format json'
            cand --relative 'Names relative to DOMAIN (table and CSV), for web forms that append the domain themselves'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'dkimctl;sign'= {
            cand -d 'Signing domain (d=)'
            cand --domain 'Signing domain (d=)'
            cand -s 'Selector (s=); give one per --key, in the same order'
            cand --selector 'Selector (s=); give one per --key, in the same order'
            cand -k 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519); repeat to sign several times in one pass'
            cand --key 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519); repeat to sign several times in one pass'
            cand -c 'Canonicalization, header/body (c=)'
            cand --canonicalization 'Canonicalization, header/body (c=)'
            cand --headers 'Fields to sign (h=), colon-separated; default: the RFC 6376 §5.4.1 fields present'
            cand --oversign 'Also oversign this field (From always is, unless --no-oversign)'
            cand -i 'Agent or user identifier (i=), e.g. @mail.example.com'
            cand --identity 'Agent or user identifier (i=), e.g. @mail.example.com'
            cand --expire 'Expire the signature after this long (x=): 3600, 90s, 15m, 12h, 7d, 2w'
            cand -o 'Write the signed message here instead of standard output'
            cand --output 'Write the signed message here instead of standard output'
            cand --out-dir 'Write each signed message into this directory (created if missing), under its own name'
            cand --now 'Sign as of this Unix time (for reproducible output)'
            cand --no-oversign 'Do not oversign From'
            cand --no-timestamp 'Do not write t='
            cand --force 'Sign a message that already carries a signature by the same d= and s= (by default it is left as it is, with a notice)'
            cand --body-length 'Write l= (the body length). Unsafe: text can then be appended'
            cand --in-place 'Replace each input file with its signed version (atomic; keeps the mode, owner and group)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'dkimctl;verify'= {
            cand --zone 'Read key records from this zone file instead of DNS (offline)'
            cand --key-record 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."'
            cand --nameserver 'Ask this DNS server instead of the system resolver'
            cand --timeout 'Seconds to wait for one DNS answer (more than 0, at most 3600)'
            cand --retries 'DNS retries after the first try (0 to 10)'
            cand --now 'Verify as of this Unix time'
            cand --allow-sha1 'Accept rsa-sha1 signatures (RFC 8301 forbids them)'
            cand --allow-short-keys 'Accept RSA keys under 1024 bits (RFC 8301 forbids them)'
            cand --json 'Print one JSON document instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dkimctl;inspect'= {
            cand --zone 'Read key records from this zone file instead of DNS (offline)'
            cand --key-record 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."'
            cand --nameserver 'Ask this DNS server instead of the system resolver'
            cand --timeout 'Seconds to wait for one DNS answer (more than 0, at most 3600)'
            cand --retries 'DNS retries after the first try (0 to 10)'
            cand --now 'Inspect as of this Unix time'
            cand --json 'Print one JSON document instead of tables'
            cand --show-canonical 'Print the canonicalized header block and body exactly as hashed, per signature'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dkimctl;keygen'= {
            cand -t 'Key type'
            cand --type 'Key type'
            cand -b 'RSA modulus size in bits (default 2048; 1024 is weak, SES BYODKIM takes 1024 or 2048)'
            cand --bits 'RSA modulus size in bits (default 2048; 1024 is weak, SES BYODKIM takes 1024 or 2048)'
            cand -o 'Write the private key to this file (mode 0600)'
            cand --output 'Write the private key to this file (mode 0600)'
            cand -s 'Selector (s=) of the record, to print its zone file line; needs --domain'
            cand --selector 'Selector (s=) of the record, to print its zone file line; needs --domain'
            cand -d 'Domain (d=) of the record, to print its zone file line; needs --selector'
            cand --domain 'Domain (d=) of the record, to print its zone file line; needs --selector'
            cand --pkcs1 'Write the private key as PKCS#1 (BEGIN RSA PRIVATE KEY) instead of PKCS#8 (RSA only)'
            cand --force 'Replace the file if it exists'
            cand --byodkim 'Also print the private key as one line of base64 (no header, footer or line breaks), as Amazon SES BYODKIM wants it'
            cand --json 'Print one JSON document'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'dkimctl;diagnose'= {
            cand -d 'The domain, as a flag (the same as DOMAIN)'
            cand --domain 'The domain, as a flag (the same as DOMAIN)'
            cand --batch 'Check every domain of FILE (one a line; `#` comments), with the same selectors'
            cand --concurrency 'The most DNS questions in flight at once (1 to 256); a batch checks at most N domains at once'
            cand -s 'A selector to check (repeatable); without any selector source, common selectors are probed'
            cand --selector 'A selector to check (repeatable); without any selector source, common selectors are probed'
            cand --token 'A provider-hosted DKIM token (repeatable): expects `<token>._domainkey.DOMAIN CNAME <token>.<target-host>`'
            cand --target-host 'The host provider CNAMEs point into'
            cand --records 'A record set written by `dkimctl records --csv`: check that every row is published'
            cand --message 'A signed message: check the selectors of its DKIM-Signatures with d=DOMAIN'
            cand --ses-identity 'What SES says (repeatable; - is standard input): check the records it names and explain its status'
            cand --verification-token 'The domain-verification token `_amazonses.DOMAIN` should hold'
            cand --identities 'Verified identities (domains, subdomains, addresses; DKIM on/off), CSV or TOML, with --from'
            cand --from 'The sender address whose governing identity to check (identity-override), with --identities'
            cand --zone 'Answer every query from this zone file instead of DNS (offline; repeatable)'
            cand --nameserver 'Ask this DNS server instead of the system resolver'
            cand --timeout 'Seconds to wait for one DNS answer (more than 0, at most 3600)'
            cand --retries 'DNS retries after the first try (0 to 10)'
            cand --ns-port 'Port the authoritative servers are asked on (default: the port of --nameserver, else 53)'
            cand --no-ns-check 'Do not ask the zone''s authoritative servers (or copies) directly to compare them'
            cand --json 'Print one JSON document instead of the table'
            cand --strict 'Exit 1 on warnings too'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'dkimctl;lint'= {
            cand --origin 'The origin of relative names, instead of `$ORIGIN` or the file name'
            cand --expect 'A record set written by `dkimctl records --csv`: every row must be in the files'
            cand --format 'Output format'
            cand --json 'Same as --format json'
            cand --strict 'Exit 1 on warnings too'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'dkimctl;key'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand check 'Validate a private or public key (and selector) for a BYODKIM upload or a DNS record'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dkimctl;key;check'= {
            cand --profile 'Whose rules to check against'
            cand -s 'Check this selector against the profile''s rules (and use it with --against dns)'
            cand --selector 'Check this selector against the profile''s rules (and use it with --against dns)'
            cand -d 'The signing domain (for --against dns)'
            cand --domain 'The signing domain (for --against dns)'
            cand --against 'Check that the key matches a public key file, a record ("v=DKIM1; k=rsa; p=..."), or `dns`: the record at SELECTOR._domainkey.DOMAIN'
            cand --zone 'With --against dns: read the record from this zone file instead of DNS (offline)'
            cand --nameserver 'Ask this DNS server instead of the system resolver'
            cand --timeout 'Seconds to wait for one DNS answer (more than 0, at most 3600)'
            cand --retries 'DNS retries after the first try (0 to 10)'
            cand --print-fix 'Print the private key in the one-line form the upload wants, when that is the fix'
            cand --json 'Print one JSON document instead of a table'
            cand --strict 'Exit 1 on warnings too'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'dkimctl;key;help'= {
            cand check 'Validate a private or public key (and selector) for a BYODKIM upload or a DNS record'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dkimctl;key;help;check'= {
        }
        &'dkimctl;key;help;help'= {
        }
        &'dkimctl;arc'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand verify 'Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault'
            cand seal 'Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dkimctl;arc;verify'= {
            cand --zone 'Read key records from this zone file instead of DNS (offline)'
            cand --key-record 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."'
            cand --nameserver 'Ask this DNS server instead of the system resolver'
            cand --timeout 'Seconds to wait for one DNS answer (more than 0, at most 3600)'
            cand --retries 'DNS retries after the first try (0 to 10)'
            cand --now 'Validate as of this Unix time'
            cand --oldest-pass 'Also check every older ARC-Message-Signature, to find the oldest hop whose signature still validates (where the message last changed)'
            cand --json 'Print JSON instead of text'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dkimctl;arc;seal'= {
            cand -d 'Sealing domain (d= of the new AMS and AS)'
            cand --domain 'Sealing domain (d= of the new AMS and AS)'
            cand -s 'Selector (s=)'
            cand --selector 'Selector (s=)'
            cand -k 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519)'
            cand --key 'Private key (PKCS#1 or PKCS#8, PEM or DER, RSA or Ed25519)'
            cand --authserv-id 'Your host''s authserv-id: whose Authentication-Results the new ARC-Authentication-Results repeats'
            cand --headers 'Fields the ARC-Message-Signature signs (h=), colon-separated; default: the DKIM default fields present'
            cand --zone 'Read key records from this zone file instead of DNS (offline)'
            cand --key-record 'Use this key record for every signature, e.g. "v=DKIM1; k=rsa; p=MIIB..."'
            cand --nameserver 'Ask this DNS server instead of the system resolver'
            cand --timeout 'Seconds to wait for one DNS answer (more than 0, at most 3600)'
            cand --retries 'DNS retries after the first try (0 to 10)'
            cand -o 'Write the sealed message here instead of standard output'
            cand --output 'Write the sealed message here instead of standard output'
            cand --now 'Seal as of this Unix time (t=)'
            cand --in-place 'Replace the input file with the sealed message (atomic; keeps the mode, owner and group)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'dkimctl;arc;help'= {
            cand verify 'Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault'
            cand seal 'Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dkimctl;arc;help;verify'= {
        }
        &'dkimctl;arc;help;seal'= {
        }
        &'dkimctl;arc;help;help'= {
        }
        &'dkimctl;completions'= {
            cand --dir 'Write the files for every shell (bash, zsh, fish, elvish, PowerShell) and the man pages (dkimctl.1, dkimctl-sign.1, ...) into DIR'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'dkimctl;help'= {
            cand records 'Generate the DNS records that set up DKIM for a domain (CNAME tokens or a TXT key)'
            cand sign 'Sign raw messages (RFC 5322, CRLF or LF) with rsa-sha256 or ed25519-sha256'
            cand verify 'Verify every DKIM-Signature of a message'
            cand inspect 'Explain every DKIM-Signature of a message, and why it fails'
            cand keygen 'Generate an RSA or Ed25519 key: private key file (0600) and the record to publish'
            cand diagnose 'Find the DNS mistake behind a broken DKIM set-up, live (selectors, CNAMEs, keys, names)'
            cand lint 'Check zone files for DKIM mistakes before they are published (master files, Route 53 JSON)'
            cand key 'Check a key: `dkimctl key check FILE` (BYODKIM upload, size, encoding, selector, match)'
            cand arc 'ARC (RFC 8617): validate a message''s Authenticated Received Chain, or seal it as the next hop'
            cand completions 'Print shell completions (bash, zsh, fish, elvish, powershell)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'dkimctl;help;records'= {
        }
        &'dkimctl;help;sign'= {
        }
        &'dkimctl;help;verify'= {
        }
        &'dkimctl;help;inspect'= {
        }
        &'dkimctl;help;keygen'= {
        }
        &'dkimctl;help;diagnose'= {
        }
        &'dkimctl;help;lint'= {
        }
        &'dkimctl;help;key'= {
            cand check 'Validate a private or public key (and selector) for a BYODKIM upload or a DNS record'
        }
        &'dkimctl;help;key;check'= {
        }
        &'dkimctl;help;arc'= {
            cand verify 'Validate the ARC chain of messages: cv=pass, fail or none, and the instance at fault'
            cand seal 'Seal a message as the next hop: add ARC-Authentication-Results, ARC-Message-Signature and ARC-Seal'
        }
        &'dkimctl;help;arc;verify'= {
        }
        &'dkimctl;help;arc;seal'= {
        }
        &'dkimctl;help;completions'= {
        }
        &'dkimctl;help;help'= {
        }
    ]
    $completions[$command]
}
