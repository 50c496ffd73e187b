#!/usr/bin/perl
# bench_maildkim.pl KEYFILE ZONEFILE SIGNED UNSIGNED DOMAIN SELECTOR SECONDS
# In-process Mail::DKIM loops (see bench.sh). Prints "maildkim sign|verify RATE msg/s".
# Key lookups: Mail::DKIM::DNS::query replaced by an in-memory zone (no DNS).
use strict;
use warnings;
use Time::HiRes qw(time);
use Mail::DKIM::Signer;
use Mail::DKIM::Verifier;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::DNS;
use Net::DNS;
use Crypt::OpenSSL::RSA;

@ARGV == 7 or die "usage: $0 KEYFILE ZONEFILE SIGNED UNSIGNED DOMAIN SELECTOR SECONDS\n";
my ( $keyfile, $zonefile, $signedf, $unsignedf, $domain, $selector, $seconds ) = @ARGV;

sub slurp { open my $fh, '<:raw', $_[0] or die "$_[0]: $!\n"; local $/; my $s = <$fh>; $s }
sub crlf  { my $m = shift; $m =~ s/\r?\n/\r\n/g; $m }

my %zone;
for ( split /\n/, slurp($zonefile) ) {
    next if /^\s*(;|$)/;
    my ( $n, $r ) = /^(\S+)\s.*?\bTXT\b(.*)$/i or next;
    my @p = $r =~ /"((?:[^"\\]|\\.)*)"/g;
    s/\\(.)/$1/g for @p;
    $n =~ s/\.$//;
    $zone{ lc $n } = join '', @p;
}
{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ( $name, $type ) = @_;
        $name =~ s/\.$//;
        my $data = $zone{ lc $name };
        if ( !defined $data ) { $@ = 'NXDOMAIN'; return }
        $@ = 'NOERROR';
        return Net::DNS::RR->new( name => $name, type => 'TXT', txtdata => [ $data =~ /(.{1,255})/gs ] );
    };
}

my $key      = Mail::DKIM::PrivateKey->load( Cork => Crypt::OpenSSL::RSA->new_private_key( slurp($keyfile) ) );
my $signed   = crlf( slurp($signedf) );
my $unsigned = crlf( slurp($unsignedf) );

sub sign_once {
    my $s = Mail::DKIM::Signer->new(
        Algorithm => 'rsa-sha256', Method => 'relaxed/relaxed',
        Domain    => $domain,      Selector => $selector, Key => $key,
    );
    $s->PRINT($unsigned);
    $s->CLOSE;
    $s->signature->as_string;
}

sub verify_once {
    my $v = Mail::DKIM::Verifier->new();
    $v->PRINT($signed);
    $v->CLOSE;
    $v->result eq 'pass' or die "bench_maildkim: SIGNED_MESSAGE does not verify: ", $v->result_detail, "\n";
}

sub rate {
    my ($fn) = @_;
    $fn->();    # warm-up / sanity
    my ( $n, $t0 ) = ( 0, time );
    while (1) {
        $fn->();
        $n++;
        my $dt = time - $t0;
        return $n / $dt if $dt >= $seconds;
    }
}

$| = 1;
printf "maildkim sign %.1f msg/s\n",   rate( \&sign_once );
printf "maildkim verify %.1f msg/s\n", rate( \&verify_once );
