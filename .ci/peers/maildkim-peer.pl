#!/usr/bin/perl
# maildkim-peer.pl -- Mail::DKIM (libmail-dkim-perl) backend for .ci/peers/{sign,verify}.
#
#   maildkim-peer.pl sign KEYFILE DOMAIN SELECTOR CANON ALGO < msg > signed_msg
#   maildkim-peer.pl verify ZONEFILE < msg    (prints "RESULT d=.. s=.." per signature)
#   maildkim-peer.pl sign-batch KEYFILE DOMAIN SELECTOR CANON ALGO OUTDIR FILE...
#   maildkim-peer.pl verify-batch ZONEFILE FILE...
#       The same for many messages in one process (.ci/differential.sh):
#       sign-batch writes OUTDIR/<basename of FILE>; both print one record per
#       FILE, "EXIT<TAB>FILE<TAB>STDOUT<TAB>STDERR", what the single form gives
#       for that message (lines joined by " | "); exit 0 unless usage error.
#
# ARC (RFC 8617), for .ci/arc-interop.sh -- the wrapper contract shared with
# dkimpy-peer.py:
#   maildkim-peer.pl arc-seal IN OUT --domain D --selector S --key K --authserv-id ID
#                    --zone Z [--now T]
#       Mail::DKIM::ARC::Signer (Chain => 'ar': the seal's cv= is the arc=
#       result of IN's Authentication-Results fields of authserv-id ID, which
#       the caller writes first, as an MTA would; Mail::DKIM wants that field
#       above any ARC field).  Writes IN plus the new set (AS, AMS, AAR on
#       top) to OUT, CRLF.  --zone is accepted for the uniform contract and
#       unused.  Exit 0 sealed, 1 the signer skipped (reason on stderr), 2
#       usage or unreadable input, 4 an Ed25519 key (Mail::DKIM's ARC signer
#       dies 'Invalid signing algorithm' for anything but rsa-sha256).
#   maildkim-peer.pl arc-verify IN --zone Z
#       Mail::DKIM::ARC::Verifier in Strict mode (no rsa-sha1, no key under
#       1024 bits).  Prints "cv=pass", "cv=fail" or "cv=none" (anything but
#       pass and none -- fail, invalid, temperror, permerror -- is cv=fail);
#       the verifier's result_detail on stderr when not pass.  Exit 0 for
#       cv=pass, 1 otherwise, 2 usage or unreadable input, 4 a chain with an
#       ed25519-sha256 ARC-Seal or ARC-Message-Signature (no ed25519 here).
#   maildkim-peer.pl arc-seal-batch OPTIONS IN OUT [IN OUT ...]
#   maildkim-peer.pl arc-verify-batch --zone Z FILE...
#       The same for many messages in one process: one record per message,
#       "EXIT<TAB>IN<TAB>STDOUT<TAB>STDERR".
#
# Exit 4 + "unsupported" on stderr: Mail::DKIM 1.20230212 has no ed25519
# (only rsa-sha1/rsa-sha256 algorithm classes; PublicKey::check rejects k!=rsa),
# so signing with ed25519-sha256, or verifying a message carrying any
# ed25519-sha256 signature, is reported as unsupported.
# Line endings: input is normalised to CRLF first; output is CRLF.  (Mail::DKIM
# is documented to want CRLF input; its bare-LF behaviour was not relied upon.)
# Signature header: Mail::DKIM emits it unfolded on one line (~600 chars for RSA-2048).
# Signed headers: Mail::DKIM default = the RFC 6376 recommended list, each
# occurrence present in the message, no oversigning.
# RSA keys: PKCS#1 or PKCS#8 PEM, loaded through Crypt::OpenSSL::RSA directly
# (Mail::DKIM::PrivateKey->load(File=>..) would force a PKCS#1 wrapper).
# Key lookup: Mail::DKIM::DNS::query is replaced by a zone-file lookup.
use strict;
use warnings;
use Mail::DKIM;
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::DNS;
use Net::DNS;
use Crypt::OpenSSL::RSA;
use Getopt::Long qw(GetOptionsFromArray);
use MIME::Base64 qw(decode_base64);

use constant EXIT_UNSUPPORTED => 4;

sub slurp { my ($fh) = @_; local $/; binmode $fh; my $s = <$fh>; $s // '' }

sub crlf { my ($m) = @_; $m =~ s/\r?\n/\r\n/g; $m }

# name (lowercase, no trailing dot) => TXT data with strings concatenated
sub read_zone {
    my ($path) = @_;
    my %zone;
    open my $fh, '<', $path or die "maildkim-peer: $path: $!\n";
    while ( my $line = <$fh> ) {
        next if $line =~ /^\s*(;|$)/;
        my ( $name, $rest ) = $line =~ /^(\S+)\s.*?\bTXT\b(.*)$/i or next;
        my @parts = $rest =~ /"((?:[^"\\]|\\.)*)"/g;
        s/\\(.)/$1/g for @parts;
        $name =~ s/\.$//;
        $zone{ lc $name } = join '', @parts;
    }
    return \%zone;
}

# Serve TXT queries from a zone hash instead of the network.
sub install_fake_dns {
    my ($zone) = @_;
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ( $domain, $type ) = @_;
        $domain =~ s/\.$//;
        my $data = $zone->{ lc $domain };
        if ( uc $type ne 'TXT' || !defined $data ) { $@ = 'NXDOMAIN'; return; }
        # split into <=255-byte character strings like real DNS would
        my @strings = $data =~ /(.{1,255})/gs;
        $@ = 'NOERROR';
        return Net::DNS::RR->new( name => $domain, type => 'TXT', txtdata => [@strings] );
    };
}

sub load_rsa_key {
    my ($file) = @_;
    open my $fh, '<', $file or die "maildkim-peer: $file: $!\n";
    my $cork = Crypt::OpenSSL::RSA->new_private_key( slurp($fh) );
    return Mail::DKIM::PrivateKey->load( Cork => $cork );
}

# sign(MSG, KEYFILE, DOMAIN, SELECTOR, CANON, ALGO) -> (EXIT, SIGNED, STDERR)
sub sign {
    my ( $msg, $keyfile, $domain, $selector, $canon, $algo ) = @_;
    if ( $algo !~ /^rsa-sha(1|256)$/ ) {
        return ( EXIT_UNSUPPORTED, '', "unsupported: Mail::DKIM $Mail::DKIM::VERSION cannot sign $algo\n" );
    }
    $msg = crlf($msg);
    my $signer = Mail::DKIM::Signer->new(
        Algorithm => $algo,
        Method    => $canon,
        Domain    => $domain,
        Selector  => $selector,
        Key       => load_rsa_key($keyfile),
    );
    $signer->PRINT($msg);
    $signer->CLOSE;
    my $sig = $signer->signature->as_string;    # "DKIM-Signature: v=1; ..."
    $sig =~ s/\r?\n/\r\n/g;
    return ( 0, $sig . "\r\n" . $msg, '' );
}

# verify(MSG) -> (EXIT, STDOUT, STDERR); install_fake_dns must have run
sub verify {
    my ($msg) = @_;
    my ( $out, $err ) = ( '', '' );
    $msg = crlf($msg);
    # Refuse up front if any signature is ed25519: we could not verify "every" one.
    for my $h ( $msg =~ /^DKIM-Signature:(.*?\r\n(?:[ \t].*?\r\n)*)/gim ) {
        if ( $h =~ /(?:^|;)\s*a\s*=\s*ed25519/i ) {
            return ( EXIT_UNSUPPORTED, '',
                "unsupported: Mail::DKIM $Mail::DKIM::VERSION cannot verify ed25519-sha256\n" );
        }
    }
    my $v = Mail::DKIM::Verifier->new();
    $v->PRINT($msg);
    $v->CLOSE;
    my @sigs = grep { $_->isa('Mail::DKIM::Signature') } $v->signatures;
    return ( 1, '', "maildkim-peer: no DKIM-Signature\n" ) if !@sigs;
    my $npass = 0;
    for my $sig (@sigs) {
        my $r = $sig->result // 'temperror';
        my $res =
            $r eq 'pass'                   ? 'pass'
          : $r eq 'fail'                   ? 'fail'
          : $r eq 'temperror'              ? 'temperror'
          : $r eq 'invalid' || $r eq 'none' ? 'permerror'
          :                                  'permerror';
        if ( $res ne 'pass' ) {
            $err .= sprintf "maildkim-peer: %s (%s)\n", $r, $sig->result_detail // '';
        }
        $out .= sprintf "%s d=%s s=%s\n", $res, $sig->domain // '', $sig->selector // '';
        $npass++ if $res eq 'pass';
    }
    return ( $npass == @sigs ? 0 : 1, $out, $err );
}

sub read_file {
    my ($file) = @_;
    open my $fh, '<', $file or die "maildkim-peer: $file: $!\n";
    return slurp($fh);
}

sub field { my ($t) = @_; $t =~ s/\n+\z//; $t =~ s/[\t\r]/ /g; $t =~ s/\n/ | /g; $t }

# batch(CODE, FILE...): CODE->(FILE, MSG) returns (EXIT, STDOUT, STDERR); one record per FILE
sub batch {
    my ( $run, @files ) = @_;
    binmode STDOUT;
    for my $file (@files) {
        my @r = eval { $run->( $file, read_file($file) ) };
        @r = ( 2, '', $@ ) if !@r;    # died: perl's own exit code would be 255
        printf "%d\t%s\t%s\t%s\n", $r[0], $file, field( $r[1] ), field( $r[2] );
    }
    return 0;
}

# ---- ARC --------------------------------------------------------------------

sub is_ed25519_pem {
    my ($pem) = @_;
    my $b64 = join '', grep { !/^-----/ } split /\r?\n/, $pem;
    my $der = decode_base64($b64);
    return length($der) == 48 && index( substr( $der, 0, 16 ), "\x06\x03\x2b\x65\x70" ) >= 0;
}

# arc_seal(MSG, OPTS) -> (EXIT, SEALED, STDERR)
sub arc_seal {
    my ( $msg, $o ) = @_;
    require Mail::DKIM::ARC::Signer;
    require Mail::DKIM::TextWrap;
    if ( is_ed25519_pem( read_file( $o->{key} ) ) ) {
        return ( EXIT_UNSUPPORTED, '',
            "unsupported: Mail::DKIM $Mail::DKIM::VERSION cannot ARC-seal with ed25519-sha256\n" );
    }
    $msg = crlf($msg);
    my $signer = Mail::DKIM::ARC::Signer->new(
        Algorithm => 'rsa-sha256',
        Chain     => 'ar',
        Domain    => $o->{domain},
        SrvId     => lc $o->{'authserv-id'},
        Selector  => $o->{selector},
        Key       => load_rsa_key( $o->{key} ),
        Timestamp => $o->{now} // time(),
    );
    $signer->PRINT($msg);
    $signer->CLOSE;
    if ( ( $signer->result // '' ) ne 'sealed' ) {
        return ( 1, '',
            sprintf "maildkim-peer: signer %s: %s\n",
            $signer->result // '?', $signer->result_detail // '?' );
    }
    my $set = $signer->as_string;
    $set =~ s/\r?\n/\r\n/g;
    return ( 0, $set . $msg, '' );
}

# arc_verify(MSG) -> (EXIT, STDOUT, STDERR); install_fake_dns must have run
sub arc_verify {
    my ($msg) = @_;
    require Mail::DKIM::ARC::Verifier;
    $msg = crlf($msg);
    for my $h ( $msg =~ /^ARC-(?:Seal|Message-Signature)[ \t]*:(.*?\r\n(?:[ \t].*?\r\n)*)/gim ) {
        if ( $h =~ /(?:^|;)\s*a\s*=\s*ed25519/i ) {
            return ( EXIT_UNSUPPORTED, '',
                "unsupported: Mail::DKIM $Mail::DKIM::VERSION cannot verify ed25519-sha256 (an ARC set uses it)\n" );
        }
    }
    my $v = Mail::DKIM::ARC::Verifier->new( Strict => 1 );
    $v->PRINT($msg);
    $v->CLOSE;
    my $r  = $v->result // 'temperror';
    my $cv = $r eq 'pass' ? 'pass' : $r eq 'none' ? 'none' : 'fail';
    my $err = $cv eq 'pass' ? '' : sprintf "maildkim-peer: %s\n", $v->result_detail // $r;
    return ( $cv eq 'pass' ? 0 : 1, "cv=$cv\n", $err );
}

# arc_main(CMD, ARGS...) -> exit code
sub arc_main {
    my ( $cmd, @args ) = @_;
    my %o;
    my @spec = $cmd =~ /seal/
      ? ( 'domain=s', 'selector=s', 'key=s', 'authserv-id=s', 'zone=s', 'now=i' )
      : ('zone=s');
    GetOptionsFromArray( \@args, \%o, @spec ) or return 2;
    my @need = $cmd =~ /seal/ ? qw(domain selector key authserv-id zone) : qw(zone);
    for (@need) {
        next if defined $o{$_};
        print STDERR "maildkim-peer: $cmd: --$_ is required\n";
        return 2;
    }
    if ( $cmd =~ /seal/ ) {
        if ( @args % 2 || !@args || ( $cmd eq 'arc-seal' && @args != 2 ) ) {
            print STDERR "maildkim-peer: $cmd: want IN OUT" . ( $cmd eq 'arc-seal' ? '' : ' [IN OUT ...]' ) . "\n";
            return 2;
        }
        my %out = @args;
        my @in  = @args[ grep { $_ % 2 == 0 } 0 .. $#args ];
        my $run = sub {
            my ( $file, $msg ) = @_;
            my ( $rc, $sealed, $err ) = arc_seal( $msg, \%o );
            if ( $rc == 0 ) {
                open my $fh, '>', $out{$file} or die "maildkim-peer: $out{$file}: $!\n";
                binmode $fh;
                print $fh $sealed;
                close $fh or die "maildkim-peer: $out{$file}: $!\n";
            }
            return ( $rc, '', $err );
        };
        return $cmd eq 'arc-seal' ? single( $run, $in[0] ) : batch( $run, @in );
    }
    if ( !@args || ( $cmd eq 'arc-verify' && @args != 1 ) ) {
        print STDERR "maildkim-peer: $cmd: want " . ( $cmd eq 'arc-verify' ? 'IN' : 'FILE...' ) . "\n";
        return 2;
    }
    install_fake_dns( read_zone( $o{zone} ) );
    my $run = sub { arc_verify( $_[1] ) };
    return $cmd eq 'arc-verify' ? single( $run, $args[0] ) : batch( $run, @args );
}

# single(CODE, FILE): CODE->(FILE, MSG) for one file, printed to stdout/stderr
sub single {
    my ( $run, $file ) = @_;
    my $msg = eval { read_file($file) };
    if ( !defined $msg ) { print STDERR $@; return 2; }
    my ( $rc, $out, $err ) = $run->( $file, $msg );
    print STDERR $err;
    print $out;
    return $rc;
}

binmode STDOUT;
if ( @ARGV && $ARGV[0] =~ /^arc-(seal|verify)(-batch)?$/ ) {
    exit arc_main(@ARGV);
}
if ( @ARGV == 6 && $ARGV[0] eq 'sign' ) {
    my ( $rc, $signed, $err ) = sign( slurp( \*STDIN ), @ARGV[ 1 .. 5 ] );
    print STDERR $err;
    print $signed;
    exit $rc;
}
elsif ( @ARGV == 2 && $ARGV[0] eq 'verify' ) {
    install_fake_dns( read_zone( $ARGV[1] ) );
    my ( $rc, $out, $err ) = verify( slurp( \*STDIN ) );
    print STDERR $err;
    print $out;
    exit $rc;
}
elsif ( @ARGV >= 7 && $ARGV[0] eq 'sign-batch' ) {
    my ( $args, $outdir, @files ) = ( [ @ARGV[ 1 .. 5 ] ], @ARGV[ 6 .. $#ARGV ] );
    exit batch(
        sub {
            my ( $file, $msg ) = @_;
            my ( $rc, $signed, $err ) = sign( $msg, @$args );
            if ( $rc == 0 ) {
                ( my $base = $file ) =~ s{.*/}{};
                open my $fh, '>', "$outdir/$base" or die "maildkim-peer: $outdir/$base: $!\n";
                binmode $fh;
                print $fh $signed;
                close $fh or die "maildkim-peer: $outdir/$base: $!\n";
            }
            return ( $rc, '', $err );
        },
        @files
    );
}
elsif ( @ARGV >= 2 && $ARGV[0] eq 'verify-batch' ) {
    install_fake_dns( read_zone( $ARGV[1] ) );
    exit batch( sub { verify( $_[1] ) }, @ARGV[ 2 .. $#ARGV ] );
}
print STDERR "usage: $0 sign KEYFILE DOMAIN SELECTOR CANON ALGO | verify ZONEFILE"
  . " | sign-batch KEYFILE DOMAIN SELECTOR CANON ALGO OUTDIR FILE... | verify-batch ZONEFILE FILE..."
  . " | arc-seal IN OUT --domain D --selector S --key K --authserv-id ID --zone Z [--now T]"
  . " | arc-verify IN --zone Z | arc-seal-batch OPTIONS IN OUT... | arc-verify-batch --zone Z FILE...\n";
exit 2;
