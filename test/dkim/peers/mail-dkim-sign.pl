# Signs a message with Mail::DKIM (DKIM, or DomainKeys with kind=domainkeys); writes signature + message.
# Usage: perl mail-dkim-sign.pl MESSAGE '{"kind":"dkim"|"domainkeys","d":..,"s":..,"key":PKCS1_PEM_PATH,"method":"relaxed"|"nofws"|..,"h":"from:to:subject"}'
use strict;
use warnings;
use JSON::PP;
use Mail::DKIM::Signer;
use Mail::DKIM::DkSignature;

my ( $file, $pjson ) = @ARGV;
my $p = decode_json($pjson);
open( my $fh, '<:raw', $file ) or die "cannot open $file";
my $msg = do { local $/; <$fh> };
my $signer;
if ( $p->{kind} eq 'domainkeys' ) {
    $signer = Mail::DKIM::Signer->new(
        KeyFile => $p->{key},
        Policy  => sub {
            my $s = shift;
            $s->add_signature(
                Mail::DKIM::DkSignature->new(
                    Algorithm => 'rsa-sha1',
                    Method    => $p->{method},
                    Domain    => $p->{d},
                    Selector  => $p->{s},
                    ( $p->{h} ? ( Headers => $p->{h} ) : () ),
                )
            );
            return;
        },
    );
}
else {
    $signer = Mail::DKIM::Signer->new(
        Algorithm => 'rsa-sha256',
        Method    => $p->{method},
        Domain    => $p->{d},
        Selector  => $p->{s},
        KeyFile   => $p->{key},
        ( $p->{h} ? ( Headers => $p->{h} ) : () ),
    );
}
$signer->PRINT($msg);
$signer->CLOSE;
binmode STDOUT;
print join( '', map { $_->as_string . "\015\012" } $signer->signatures ) . $msg;
