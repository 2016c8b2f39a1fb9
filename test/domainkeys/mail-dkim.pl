#!/usr/bin/perl
# Interop driver for test/domainkeys/interop.test.ts: Mail::DKIM (Debian libmail-dkim-perl).
# Reads a CRLF message on stdin.
#   verify: prints one line per signature: "<type> <result> <detail>".
#   sign:   prints the DomainKey-Signature field Mail::DKIM makes (DK_METHOD, DK_DOMAIN,
#           DK_SELECTOR, DK_KEY, optional DK_HEADERS).
#   verify-batch / sign-batch: the same for many messages at once; stdin is a JSON array of
#           base64 messages, stdout a JSON array of results ("pass", "fail", ...) or fields.
# DNS: Mail::DKIM::DNS::query is replaced (as Mail::DKIM's own t/verifier.t does) so that the TXT
# record DK_TXT answers at DK_NAME and every other name is NXDOMAIN. Nothing queries real DNS.
use strict;
use warnings;
use Net::DNS;
use Mail::DKIM::Verifier;
use Mail::DKIM::Signer;
use Mail::DKIM::DkSignature;
use JSON::PP;
use MIME::Base64;

my $mode = shift @ARGV or die "usage: mail-dkim.pl verify|sign\n";
{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ( $name, $type ) = @_;
        if ( uc $type eq 'TXT' && defined $ENV{DK_NAME} && lc $name eq lc $ENV{DK_NAME} ) {
            my @strings = ( $ENV{DK_TXT} =~ /(.{1,255})/gs );
            return Net::DNS::RR->new( name => $name, type => 'TXT', txtdata => [@strings] );
        }
        $@ = 'NXDOMAIN';
        return;
    };
}

binmode STDIN;
binmode STDOUT;
my $message = do { local $/; <STDIN> };

sub verify_one {
    my ($msg) = @_;
    my $v = Mail::DKIM::Verifier->new();
    $v->PRINT($msg);
    $v->CLOSE;
    return $v;
}

sub sign_one {
    my ($msg) = @_;
    my $signer = Mail::DKIM::Signer->new(
        KeyFile => $ENV{DK_KEY},
        Policy  => sub {
            my $s = shift;
            $s->add_signature(
                Mail::DKIM::DkSignature->new(
                    Algorithm => 'rsa-sha1',
                    Method    => $ENV{DK_METHOD},
                    Domain    => $ENV{DK_DOMAIN},
                    Selector  => $ENV{DK_SELECTOR},
                    ( $ENV{DK_HEADERS} ? ( Headers => $ENV{DK_HEADERS} ) : () ),
                )
            );
            return;
        },
    );
    $signer->PRINT($msg);
    $signer->CLOSE;
    return $signer->signature->as_string;
}

if ( $mode eq 'verify' ) {
    for my $sig ( verify_one($message)->signatures ) {
        my $detail = $sig->result_detail // '';
        $detail =~ s/\s+/ /g;
        print ref($sig), ' ', $sig->result, ' ', $detail, "\n";
    }
}
elsif ( $mode eq 'sign' ) {
    print sign_one($message);
}
elsif ( $mode eq 'verify-batch' ) {
    my @in = map { decode_base64($_) } @{ decode_json($message) };
    print encode_json( [ map { verify_one($_)->result } @in ] );
}
elsif ( $mode eq 'sign-batch' ) {
    my @in = map { decode_base64($_) } @{ decode_json($message) };
    print encode_json( [ map { sign_one($_) } @in ] );
}
else {
    die "unknown mode $mode\n";
}
