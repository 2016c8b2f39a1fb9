# Verifies every DKIM-Signature and DomainKey-Signature with Mail::DKIM (Debian libmail-dkim-perl).
# DNS comes from a JSON map, replacing Mail::DKIM::DNS::query as upstream's t/verifier.t does.
# Usage: perl mail-dkim-verify.pl MESSAGE '{"sel._domainkey.example.com": "v=DKIM1; ..."}'
use strict;
use warnings;
use JSON::PP;
use Net::DNS;
use Mail::DKIM::Verifier;

my ( $file, $dnsjson ) = @ARGV;
my %dns = %{ decode_json($dnsjson) };
{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ( $name, $type ) = @_;
        my $v = $dns{ lc $name };
        return () unless defined $v;
        my @parts = ( $v =~ /(.{1,255})/gs );
        @parts = ('') unless @parts;
        return ( Net::DNS::RR->new( name => $name, type => 'TXT', txtdata => \@parts ) );
    };
}
open( my $fh, '<:raw', $file ) or die "cannot open $file";
my $msg = do { local $/; <$fh> };
my $v = Mail::DKIM::Verifier->new();
$v->PRINT($msg);
$v->CLOSE;
print encode_json(
    [ map { { kind => ( ref($_) =~ /Dk/ ? 'domainkeys' : 'dkim' ), result => $_->result, detail => ( $_->result_detail // '' ) } } $v->signatures ]
);
